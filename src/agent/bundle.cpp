#include "agent/bundle.h"

#include "collect/collector.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

namespace nd::agent {

namespace fs = std::filesystem;

std::string rfc3339_utc(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Result<NodeBundle> read_bundle_dir(const std::string& dir, size_t max_bytes) {
  NodeBundle b;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, fs::directory_options::none, ec);
  if (ec) return Error{"list " + dir + ": " + ec.message()};
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) {
      b.errors.push_back("list " + dir + ": " + ec.message());
      break;
    }
    if (it.depth() >= 8) it.disable_recursion_pending();
    std::error_code sec;
    auto st = it->symlink_status(sec);
    if (sec || !fs::is_regular_file(st)) continue;
    std::string rel = fs::relative(it->path(), dir, sec).generic_string();
    auto size = it->file_size(sec);
    if (sec) {
      b.errors.push_back(rel + ": " + sec.message());
      continue;
    }
    if (b.bytes + size > max_bytes) {
      b.errors.push_back(rel + ": left out, the bundle would pass its limit of " + std::to_string(max_bytes) + " bytes");
      continue;
    }
    std::ifstream f(it->path(), std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    if (!f && !f.eof()) {
      b.errors.push_back(rel + ": cannot read");
      continue;
    }
    b.bytes += text.size();
    b.files.emplace(std::move(rel), std::move(text));
  }
  return b;
}

size_t drop_credentials(NodeBundle& b) {
  size_t n = 0;
  for (auto it = b.files.begin(); it != b.files.end();) {
    const std::string& name = it->first;
    const std::string& text = it->second;
    bool cni = name.rfind("cni/", 0) == 0;
    std::string base = name.substr(name.rfind('/') + 1);
    // The collector already leaves these out; this guards bundles read from an older collection.
    bool secret = cni && collect::holds_credentials(base, text);
    if (!secret) {
      ++it;
      continue;
    }
    b.errors.push_back(name + ": left out by the agent: it holds credentials");
    b.bytes -= text.size();
    it = b.files.erase(it);
    ++n;
  }
  return n;
}

std::string bundle_to_json(const NodeBundle& b) {
  nlohmann::ordered_json j;
  j["apiVersion"] = "netdoctor/v1";
  j["kind"] = "NodeBundle";
  j["node"] = b.node;
  j["collectedAt"] = b.collected_at;
  j["files"] = nlohmann::ordered_json::object();
  for (const auto& [k, v] : b.files) j["files"][k] = v;
  j["errors"] = b.errors;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<NodeBundle> bundle_from_json(const std::string& text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const std::exception& e) {
    return Error{std::string("bundle: invalid JSON: ") + e.what()};
  }
  auto str = [&](const char* key, std::string& out) -> bool {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) return false;
    out = it->get<std::string>();
    return true;
  };
  NodeBundle b;
  std::string api, kind;
  if (!j.is_object()) return Error{"bundle: not a JSON object"};
  if (!str("apiVersion", api) || api != "netdoctor/v1") return Error{"bundle: apiVersion: expected \"netdoctor/v1\""};
  if (!str("kind", kind) || kind != "NodeBundle") return Error{"bundle: kind: expected \"NodeBundle\""};
  if (!str("node", b.node)) return Error{"bundle: node: expected a string"};
  if (!str("collectedAt", b.collected_at)) return Error{"bundle: collectedAt: expected a string"};
  auto files = j.find("files");
  if (files == j.end() || !files->is_object()) return Error{"bundle: files: expected an object"};
  for (const auto& [k, v] : files->items()) {
    if (!v.is_string()) return Error{"bundle: files." + k + ": expected a string"};
    b.bytes += v.get_ref<const std::string&>().size();
    b.files.emplace(k, v.get<std::string>());
  }
  auto errors = j.find("errors");
  if (errors == j.end() || !errors->is_array()) return Error{"bundle: errors: expected an array"};
  for (size_t i = 0; i < errors->size(); ++i) {
    if (!(*errors)[i].is_string()) return Error{"bundle: errors[" + std::to_string(i) + "]: expected a string"};
    b.errors.push_back((*errors)[i].get<std::string>());
  }
  return b;
}

}  // namespace nd::agent
