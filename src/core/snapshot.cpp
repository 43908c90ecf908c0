#include "core/snapshot.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include <fmt/format.h>
#include <simdjson.h>

#include "core/dump_stream.h"
#include "core/k8s_reader.h"
#include "core/yaml_json.h"

namespace fs = std::filesystem;

namespace nd {
namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::vector<std::string> split_path(const std::string& rel) {
  std::vector<std::string> parts;
  for (const auto& p : fs::path(rel)) parts.push_back(p.string());
  return parts;
}

Result<std::string> read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return Error{fmt::format("{}: cannot open: {}", p.string(), std::strerror(errno))};
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Error{fmt::format("{}: read error", p.string())};
  return s;
}

bool looks_like_json(std::string_view text) {
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    return c == '{' || c == '[';
  }
  return false;
}

// A JSON file's bytes followed by simdjson's padding. Mapped when the file's last page has room for
// the padding (the kernel zero-fills it): no copy, and the page cache serves repeated runs. Otherwise
// read into a padded buffer.
class JsonBytes {
 public:
  JsonBytes() = default;
  JsonBytes(const JsonBytes&) = delete;
  JsonBytes& operator=(const JsonBytes&) = delete;
  ~JsonBytes() {
    if (map_) munmap(map_, map_len_);
  }

  bool load(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    struct stat st {};
    if (fstat(fd, &st) != 0) {
      ::close(fd);
      return false;
    }
    size_t size = static_cast<size_t>(st.st_size);
    size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    size_t tail = size % page;
    if (S_ISREG(st.st_mode) && size > 0 && tail != 0 && page - tail >= simdjson::SIMDJSON_PADDING) {
      void* m = mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
      ::close(fd);
      if (m == MAP_FAILED) return false;
      map_ = m;
      map_len_ = size;
      data_ = static_cast<const char*>(m);
      size_ = size;
      return true;
    }
    ::close(fd);
    if (simdjson::padded_string::load(path).get(owned_) != simdjson::SUCCESS) return false;
    data_ = owned_.data();
    size_ = owned_.size();
    return true;
  }
  const char* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  void* map_ = nullptr;
  size_t map_len_ = 0;
  simdjson::padded_string owned_;
  const char* data_ = "";
  size_t size_ = 0;
};

class Loader {
 public:
  Loader(Cluster& c, const LoadOptions& o) : c_(c), opts_(o) {}

  // Returns false when loading must stop (an error without --keep-going).
  bool fail(std::string msg) {
    if (opts_.keep_going) {
      c_.warnings.push_back(std::move(msg));
      return true;
    }
    error_ = std::move(msg);
    return false;
  }
  const std::string& error() const { return error_; }

  bool json_text(std::string_view text, const std::string& rel, uint32_t first_line = 1) {
    simdjson::padded_string padded(text);
    JsonInput in{std::string_view(padded.data(), padded.size()), rel, first_line};
    auto r = read_k8s_json(in, c_);
    return r.ok() ? true : fail(r.error().message);
  }

  bool json_file(const fs::path& p, const std::string& rel) {
    JsonBytes data;
    if (!data.load(p.string())) return fail(fmt::format("{}: cannot read file: {}", rel, std::strerror(errno)));
    c_.bytes += data.size();
    if (!looks_like_json(std::string_view(data.data(), data.size()))) {
      std::string_view text(data.data(), data.size());
      if (text.size() >= 2 && static_cast<unsigned char>(text[0]) == 0x1f && static_cast<unsigned char>(text[1]) == 0x8b)
        return fail(fmt::format("{}: the file is gzip-compressed, not JSON text: decompress it first (gunzip)", rel));
      if (text.find('\0') != std::string_view::npos)
        return fail(fmt::format("{}: the file is binary (it holds NUL bytes), not JSON text", rel));
      size_t first = text.find_first_not_of(" \t\r\n");
      if (first == std::string_view::npos) return fail(fmt::format("{}:1:1: invalid JSON: the file is empty", rel));
      uint32_t line = 1 + static_cast<uint32_t>(std::count(text.begin(), text.begin() + first, '\n'));
      size_t nl = text.rfind('\n', first);
      size_t col = nl == std::string_view::npos ? first + 1 : first - nl;
      char c0 = text[first];
      if (c0 == '"' || c0 == '-' || (c0 >= '0' && c0 <= '9') || text.substr(first, 4) == "true" ||
          text.substr(first, 5) == "false" || text.substr(first, 4) == "null")
        return fail(fmt::format("{}:{}:{}: the file holds a single JSON value, not a Kubernetes object or List",
                                rel, line, col));
      return fail(locate_json_error(std::string_view(data.data(), data.size()), rel, 1, "not JSON"));
    }
    JsonInput in{std::string_view(data.data(), data.size()), rel, 1};
    auto r = read_k8s_json(in, c_);
    if (r.ok()) return true;
    // Maybe several documents one after another (a dump printed to stdout, saved as .json).
    auto parts = split_dump_stream(std::string_view(data.data(), data.size()));
    if (parts.json.size() > 1 || !parts.logs.empty()) return stream(parts, rel);
    return fail(r.error().message);
  }

  bool yaml_text(std::string_view text, const std::string& rel) {
    auto docs = yaml_to_json(text, rel);
    if (!docs.ok()) return fail(docs.error().message);
    for (const auto& d : *docs) {
      simdjson::padded_string padded(d.json);
      JsonInput in{std::string_view(padded.data(), padded.size()), rel, 1, true, d.line, &d.item_lines};
      auto r = read_k8s_json(in, c_);
      if (!r.ok()) {
        if (!fail(fmt::format("{}:{}: cannot read this YAML document: {}", rel, d.line, r.error().message)))
          return false;
      }
    }
    return true;
  }

  // Concatenated JSON documents and log sections (cluster-info dump on stdout).
  bool stream(const DumpParts& parts, const std::string& rel) {
    for (const auto& p : parts.problems)
      if (!fail(fmt::format("{}: {}", rel, p))) return false;
    for (const auto& seg : parts.json)
      if (!json_text(seg.json, rel, seg.first_line)) return false;
    add_log_sections(parts.logs, rel);
    return true;
  }

  void add_log_sections(const std::vector<LogSection>& sections, const std::string& rel) {
    for (const auto& s : sections) {
      LogText& l = c_.logs.emplace_back();
      l.ns = s.ns;
      l.pod = s.pod;
      l.container = s.container;
      l.src = Source{rel, s.first_line};
      l.text = std::string(s.text);
    }
  }

  bool logs_txt(const fs::path& p, const std::string& rel) {
    auto text = read_text(p);
    if (!text.ok()) return fail(text.error().message);
    c_.bytes += text->size();
    auto parts = split_dump_stream(*text);
    add_log_sections(parts.logs, rel);
    return true;
  }

  // logs/NS/POD/CONTAINER.log and CONTAINER.previous.log
  bool container_log(const fs::path& p, const std::string& rel, const std::vector<std::string>& parts) {
    auto text = read_text(p);
    if (!text.ok()) return fail(text.error().message);
    c_.bytes += text->size();
    LogText& l = c_.logs.emplace_back();
    l.ns = parts[1];
    l.pod = parts[2];
    std::string name = parts[3];
    if (ends_with(name, ".previous.log")) {
      l.previous = true;
      name.resize(name.size() - 13);
    } else {
      name.resize(name.size() - 4);
    }
    l.container = name;
    l.src = Source{rel, 1};
    l.text = std::move(*text);
    return true;
  }

  bool node_file(const fs::path& p, const std::vector<std::string>& parts) {
    const std::string& node = parts[1];
    auto it = std::find_if(c_.bundles.begin(), c_.bundles.end(), [&](const auto& b) { return b.name == node; });
    if (it == c_.bundles.end()) {
      c_.bundles.push_back(NodeBundle{node, "nodes/" + node, {}});
      it = c_.bundles.end() - 1;
    }
    std::string within;
    for (size_t i = 2; i < parts.size(); ++i) within += (i > 2 ? "/" : "") + parts[i];
    auto text = read_text(p);
    if (!text.ok()) return fail(text.error().message);
    c_.bytes += text->size();
    it->files[within] = std::move(*text);
    return true;
  }

  bool file(const fs::path& p, const std::string& rel) {
    auto parts = split_path(rel);
    const std::string& name = parts.back();
    c_.files_read++;
    if (parts.size() >= 3 && parts[0] == "nodes") return node_file(p, parts);
    if (parts[0] == "captures") {
      if (ends_with(name, ".pcap") || ends_with(name, ".pcapng") || ends_with(name, ".cap")) {
        Capture cap{p.string(), rel, "", ""};
        capture_meta(p, cap);
        c_.captures.push_back(std::move(cap));
      }
      return true;
    }
    if (parts.size() == 4 && parts[0] == "logs" && ends_with(name, ".log")) return container_log(p, rel, parts);
    if (parts.size() == 4 && parts[0] == "pods" && !ends_with(name, ".json") && !ends_with(name, ".yaml")) {
      auto text = read_text(p);
      if (!text.ok()) return fail(text.error().message);
      c_.pod_files.push_back(PodFile{parts[1], parts[2], name, rel, std::move(*text)});
      return true;
    }
    if (name == "logs.txt") return logs_txt(p, rel);
    if (ends_with(name, ".json")) return json_file(p, rel);
    if (ends_with(name, ".yaml") || ends_with(name, ".yml")) {
      auto text = read_text(p);
      if (!text.ok()) return fail(text.error().message);
      c_.bytes += text->size();
      return yaml_text(*text, rel);
    }
    c_.files_read--;  // not ours: README and the like
    return true;
  }

  void capture_meta(const fs::path& p, Capture& cap) {
    fs::path meta = p;
    meta += ".meta.json";
    if (!fs::exists(meta)) return;
    auto text = read_text(meta);
    if (!text.ok()) return;
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    if (parser.parse(*text).get(doc) != simdjson::SUCCESS) {
      c_.warnings.push_back(meta.string() + ": not valid JSON, ignored");
      return;
    }
    std::string_view s;
    if (doc["node"].get(s) == simdjson::SUCCESS) cap.node = std::string(s);
    if (doc["interface"].get(s) == simdjson::SUCCESS) cap.iface = std::string(s);
  }

  bool directory(const fs::path& root) {
    std::vector<fs::path> files;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
         it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) break;
      if (it->is_regular_file(ec)) files.push_back(it->path());
    }
    if (ec) return fail(fmt::format("{}: cannot list directory: {}", root.string(), ec.message()));
    std::sort(files.begin(), files.end());  // deterministic order
    for (const auto& f : files) {
      std::string rel = fs::relative(f, root, ec).generic_string();
      if (ends_with(rel, ".meta.json") && rel.rfind("captures/", 0) == 0) continue;
      if (!file(f, rel)) return false;
    }
    return true;
  }

  bool single(std::string_view text, const std::string& label) {
    c_.bytes += text.size();
    c_.files_read++;
    if (!looks_like_json(text)) {
      auto parts = split_dump_stream(text);
      if (!parts.logs.empty() && parts.problems.empty()) return stream(parts, label);
      return yaml_text(text, label);
    }
    auto parts = split_dump_stream(text);
    if (parts.json.size() == 1 && parts.logs.empty() && parts.problems.empty())
      return json_text(parts.json[0].json, label, parts.json[0].first_line);
    return stream(parts, label);
  }

 private:
  Cluster& c_;
  const LoadOptions& opts_;
  std::string error_;
};

}  // namespace

Result<Cluster> load_snapshot(const std::string& path, const LoadOptions& opts) {
  Cluster c;
  c.root = path;
  Loader loader(c, opts);
  bool ok = true;
  if (path == "-") {
    std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    ok = loader.single(text, "<stdin>");
  } else {
    std::error_code ec;
    fs::file_status st = fs::status(path, ec);
    if (ec || !fs::exists(st)) return Error{fmt::format("{}: no such file or directory", path)};
    if (fs::is_directory(st)) {
      ok = loader.directory(path);
    } else {
      std::string label = fs::path(path).filename().string();
      if (ends_with(path, ".json")) {
        ok = loader.json_file(path, label);
        c.files_read++;
      } else {
        auto text = read_text(path);
        if (!text.ok()) return text.error();
        ok = loader.single(*text, label);
      }
    }
  }
  if (!ok) return Error{loader.error()};
  c.finalize();
  return c;
}

}  // namespace nd
