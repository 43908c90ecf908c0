// Test support for the live client: a throw-away PKI made with the openssl CLI, and a local HTTPS
// "API server" (cpp-httplib on 127.0.0.1, ephemeral port) that serves recorded API answers from
// tests/data/live/cluster/ with pagination, token or client-certificate auth, and injectable faults.
#pragma once

#include <httplib.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <regex>
#include <sstream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

namespace nd::livetest {

namespace fs = std::filesystem;

inline std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void spit(const fs::path& p, const std::string& s) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << s;
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/nd-live-test-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string file(const std::string& rel) const { return (fs::path(path_) / rel).string(); }

 private:
  std::string path_;
};

// CA, server certificate for 127.0.0.1, client certificate (CN=alice), and an unrelated CA.
struct Pki {
  TempDir dir;
  bool ok = false;
  std::string ca, server_cert, server_key, client_cert, client_key, other_ca;
  Pki() {
    const std::string d = dir.path();
    std::string cmd =
        "cd " + d + " && exec >openssl.log 2>&1 && "
        "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj /CN=nd-test-ca && "
        "openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other.crt -days 2 -subj /CN=nd-other-ca && "
        "openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=127.0.0.1 && "
        "printf 'subjectAltName=IP:127.0.0.1\\n' > san.ext && "
        "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 2 "
        "-extfile san.ext && "
        "openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj '/O=system:masters/CN=alice' && "
        "openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out client.crt -days 2";
    ok = std::system(cmd.c_str()) == 0;
    ca = d + "/ca.crt";
    other_ca = d + "/other.crt";
    server_cert = d + "/server.crt";
    server_key = d + "/server.key";
    client_cert = d + "/client.crt";
    client_key = d + "/client.key";
  }
};

inline std::string status_body(int code, const std::string& reason, const std::string& message) {
  return nlohmann::json{{"kind", "Status"}, {"apiVersion", "v1"}, {"metadata", nlohmann::json::object()},
                        {"status", "Failure"}, {"message", message}, {"reason", reason}, {"code", code}}
      .dump();
}

// The fake API server. Lists come from DATA/api/RESOURCE.json (any group: the resource name decides,
// ippools only under crd.projectcalico.org/v1, other CRD groups answer 404), logs from DATA/logs/, and
// the agents' /bundle from DATA/bundles/NODE.json (the agent pod's node, from api/pods.json).
class FakeApiServer {
 public:
  enum class Auth { Token, ClientCert };
  // hook: return true when it answered the request itself (fault injection).
  using Hook = std::function<bool(const httplib::Request&, httplib::Response&)>;

  FakeApiServer(const Pki& pki, Auth auth, std::string data_dir, std::string token = "secret-token")
      : auth_(auth), data_(std::move(data_dir)), token_(std::move(token)),
        srv_(pki.server_cert.c_str(), pki.server_key.c_str(), auth == Auth::ClientCert ? pki.ca.c_str() : nullptr) {
    // Like a real API server: no Nagle delay on small writes, many requests per connection, and more
    // handler threads than the client keeps connections.
    srv_.set_tcp_nodelay(true);
    srv_.set_keep_alive_max_count(1000);
    srv_.new_task_queue = [] { return new httplib::ThreadPool(16); };
    srv_.Get(".*", [this](const httplib::Request& q, httplib::Response& r) { handle(q, r); });
    port_ = srv_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { srv_.listen_after_bind(); });
    for (int i = 0; i < 200 && !srv_.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ~FakeApiServer() {
    srv_.stop();
    if (thread_.joinable()) thread_.join();
  }
  int port() const { return port_; }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(port_); }
  void set_hook(Hook h) {
    std::lock_guard<std::mutex> l(mu_);
    hook_ = std::move(h);
  }
  void set_page_size(size_t n) { page_size_ = n; }
  // Generated lists and bundles instead of files (the scale measurement).
  void set_generated(std::map<std::string, std::string> lists, std::map<std::string, std::string> bundles) {
    std::lock_guard<std::mutex> l(mu_);
    generated_lists_ = std::move(lists);
    generated_bundles_ = std::move(bundles);
  }
  std::vector<std::string> paths() {
    std::lock_guard<std::mutex> l(mu_);
    return paths_;
  }
  size_t count(const std::string& path_prefix) {
    size_t n = 0;
    for (const auto& p : paths()) n += p.rfind(path_prefix, 0) == 0;
    return n;
  }

 private:
  std::string list_json(const std::string& resource) {
    {
      std::lock_guard<std::mutex> l(mu_);
      auto it = generated_lists_.find(resource);
      if (it != generated_lists_.end()) return it->second;
    }
    fs::path p = fs::path(data_) / "api" / (resource + ".json");
    return fs::exists(p) ? slurp(p) : std::string();
  }

  void handle(const httplib::Request& q, httplib::Response& r) {
    Hook hook;
    {
      std::lock_guard<std::mutex> l(mu_);
      paths_.push_back(q.target);
      hook = hook_;
    }
    if (auth_ == Auth::Token && q.get_header_value("Authorization") != "Bearer " + token_) {
      r.status = 401;
      r.set_content(status_body(401, "Unauthorized", "Unauthorized"), "application/json");
      return;
    }
    if (hook && hook(q, r)) return;
    static const std::regex log_re("^/api/v1/namespaces/([^/]+)/pods/([^/]+)/log$");
    static const std::regex proxy_re("^/api/v1/namespaces/([^/]+)/pods/([^/:]+):9742/proxy/bundle$");
    static const std::regex list_re("^/(api/v1|apis/([^/]+)/([^/]+))/([a-z]+)$");
    std::smatch m;
    if (std::regex_match(q.path, m, log_re)) {
      std::string c = q.get_param_value("container");
      bool prev = q.get_param_value("previous") == "true";
      fs::path p = fs::path(data_) / "logs" / m[1].str() / m[2].str() / (c + (prev ? ".previous.log" : ".log"));
      if (prev && !fs::exists(p)) {
        r.status = 400;
        r.set_content(status_body(400, "BadRequest", "previous terminated container \"" + c + "\" not found"),
                      "application/json");
        return;
      }
      r.set_content(fs::exists(p) ? slurp(p) : "", "text/plain");
      return;
    }
    if (std::regex_match(q.path, m, proxy_re)) {
      std::string node = agent_node(m[2].str());
      std::string body;
      {
        std::lock_guard<std::mutex> l(mu_);
        auto it = generated_bundles_.find(node);
        if (it != generated_bundles_.end()) body = it->second;
      }
      fs::path p = fs::path(data_) / "bundles" / (node + ".json");
      if (body.empty() && fs::exists(p)) body = slurp(p);
      if (body.empty()) {
        r.status = 503;
        r.set_content(status_body(503, "ServiceUnavailable", "no endpoints available"), "application/json");
        return;
      }
      r.set_content(body, "application/json");
      return;
    }
    if (std::regex_match(q.path, m, list_re)) {
      std::string group = m[2].str(), resource = m[4].str();
      bool crd_missing = (resource == "ippools" && group != "crd.projectcalico.org") || resource == "installations";
      std::string text = crd_missing ? "" : list_json(resource);
      if (text.empty()) {
        r.status = 404;
        r.set_content(status_body(404, "NotFound", "the server could not find the requested resource"),
                      "application/json");
        return;
      }
      auto j = nlohmann::json::parse(text);
      size_t offset = q.has_param("continue") ? std::stoul(q.get_param_value("continue")) : 0;
      size_t limit = q.has_param("limit") ? std::stoul(q.get_param_value("limit")) : 0;
      size_t page = page_size_.load() ? page_size_.load() : limit;
      if (limit && limit < page) page = limit;
      auto& items = j["items"];
      if (page && items.size() > page) {
        nlohmann::json part = nlohmann::json::array();
        for (size_t i = offset; i < items.size() && i < offset + page; ++i) part.push_back(items[i]);
        bool more = offset + page < items.size();
        j["items"] = std::move(part);
        j["metadata"]["continue"] = more ? std::to_string(offset + page) : "";
        if (more) j["metadata"]["remainingItemCount"] = items.size() - offset - page;
      }
      r.set_content(j.dump(), "application/json");
      return;
    }
    r.status = 404;
    r.set_content(status_body(404, "NotFound", "not found"), "application/json");
  }

  std::string agent_node(const std::string& pod) {
    std::lock_guard<std::mutex> l(node_mu_);
    if (agent_nodes_.empty()) {
      auto j = nlohmann::json::parse(list_json("pods"));
      for (const auto& p : j["items"])
        if (p["metadata"].value("namespace", "") == "netdoctor")
          agent_nodes_[p["metadata"]["name"]] = p["spec"].value("nodeName", "");
    }
    auto it = agent_nodes_.find(pod);
    return it == agent_nodes_.end() ? "" : it->second;
  }

  Auth auth_;
  std::string data_, token_;
  httplib::SSLServer srv_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_, node_mu_;
  Hook hook_;
  std::vector<std::string> paths_;
  std::atomic<size_t> page_size_{0};
  std::map<std::string, std::string> generated_lists_, generated_bundles_, agent_nodes_;
};

// A kubeconfig for the fake server; `user` is the YAML body of the user entry.
inline std::string kubeconfig(const std::string& server, const std::string& ca_file, const std::string& user,
                              const std::string& ctx = "test") {
  return "apiVersion: v1\nkind: Config\ncurrent-context: " + ctx + "\nclusters:\n- name: c\n  cluster:\n    server: " +
         server + "\n    certificate-authority: " + ca_file + "\ncontexts:\n- name: " + ctx +
         "\n  context:\n    cluster: c\n    user: u\nusers:\n- name: u\n  user:\n" + user;
}

}  // namespace nd::livetest
