#include "lab/apiserver.h"

#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>

#include <httplib.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <sstream>
#include <thread>

#include "lab/agents.h"
#include "lab/dns.h"
#include "lab/exec.h"
#include "lab/flannel.h"
#include "lab/netops.h"
#include "lab/pods.h"
#include "lab/state_io.h"

namespace nd::lab {

using json = nlohmann::json;

namespace {

// One resource the facade lists. `file` names the list in cluster_objects(); "" = the lab has none of
// this kind, served as an empty list (known to be empty, unlike a kind that is absent).
struct KindRoute {
  const char* group;
  const char* version;
  const char* resource;
  const char* file;
  const char* list_kind;
  bool namespaced;
};

constexpr KindRoute kRoutes[] = {
    {"", "v1", "nodes", "nodes.json", "NodeList", false},
    {"", "v1", "namespaces", "namespaces.json", "NamespaceList", false},
    {"", "v1", "pods", "pods.json", "PodList", true},
    {"", "v1", "services", "services.json", "ServiceList", true},
    {"", "v1", "endpoints", "", "EndpointsList", true},
    {"", "v1", "configmaps", "configmaps.json", "ConfigMapList", true},
    {"", "v1", "events", "", "EventList", true},
    {"discovery.k8s.io", "v1", "endpointslices", "endpointslices.json", "EndpointSliceList", true},
    {"apps", "v1", "daemonsets", "daemonsets.json", "DaemonSetList", true},
    {"apps", "v1", "deployments", "deployments.json", "DeploymentList", true},
    {"apps", "v1", "replicasets", "replicasets.json", "ReplicaSetList", true},
    {"networking.k8s.io", "v1", "networkpolicies", "", "NetworkPolicyList", true},
};

ApiAnswer status_answer(int code, const std::string& reason, const std::string& message) {
  ApiAnswer a;
  a.status = code;
  a.body = api_status(code, reason, message);
  return a;
}

ApiAnswer not_found(const std::string& message = "the server could not find the requested resource") {
  return status_answer(404, "NotFound", message);
}

ApiAnswer bad_request(const std::string& message) { return status_answer(400, "BadRequest", message); }

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

std::string param(const ApiRequest& r, const std::string& key) {
  auto it = r.query.find(key);
  return it == r.query.end() ? "" : it->second;
}

// A non-negative integer parameter; nullopt-like -1 when absent, -2 when malformed.
long long int_param(const ApiRequest& r, const std::string& key) {
  std::string v = param(r, key);
  if (v.empty()) return -1;
  char* end = nullptr;
  long long n = std::strtoll(v.c_str(), &end, 10);
  if (!end || *end != '\0' || n < 0) return -2;
  return n;
}

std::string str_at(const json& j, std::initializer_list<const char*> path) {
  const json* p = &j;
  for (const char* k : path) {
    if (!p->is_object()) return {};
    auto it = p->find(k);
    if (it == p->end()) return {};
    p = &*it;
  }
  return p->is_string() ? p->get<std::string>() : std::string();
}

json items_of(const State& s, const Observed& o, const char* file) {
  if (!*file) return json::array();
  for (auto& [f, list] : cluster_objects(s, o))
    if (f == file) return std::move(list["items"]);
  return json::array();
}

// Equality-based selectors ("a=b,c==d,e!=f"), what the live client and kubectl -l send most.
struct Requirement {
  std::string key, value;
  bool equal = true;
};

std::optional<std::vector<Requirement>> parse_selector(const std::string& text) {
  std::vector<Requirement> out;
  for (const auto& term : split(text, ',')) {
    Requirement r;
    size_t p;
    if ((p = term.find("!=")) != std::string::npos) {
      r.key = term.substr(0, p), r.value = term.substr(p + 2), r.equal = false;
    } else if ((p = term.find("==")) != std::string::npos) {
      r.key = term.substr(0, p), r.value = term.substr(p + 2);
    } else if ((p = term.find('=')) != std::string::npos) {
      r.key = term.substr(0, p), r.value = term.substr(p + 1);
    } else {
      return std::nullopt;  // set-based and existence selectors are not served
    }
    if (r.key.empty() || r.key.find_first_of(" ()") != std::string::npos) return std::nullopt;
    out.push_back(r);
  }
  return out;
}

bool selected(const json& item, const std::vector<Requirement>& sel) {
  for (const auto& r : sel) {
    const json* labels = item.contains("metadata") && item["metadata"].contains("labels") ? &item["metadata"]["labels"] : nullptr;
    bool has = labels && labels->is_object() && labels->contains(r.key) && (*labels)[r.key].is_string();
    bool eq = has && (*labels)[r.key].get<std::string>() == r.value;
    if (r.equal != eq) return false;
  }
  return true;
}

const json* find_item(const json& items, const std::string& ns, const std::string& name) {
  for (const auto& it : items)
    if (str_at(it, {"metadata", "name"}) == name && str_at(it, {"metadata", "namespace"}) == ns) return &it;
  return nullptr;
}

// A list page. The continue token is "VERSION-OFFSET": a token from another state version is 410 Gone,
// as an expired token is on a real server; the live client then starts the list over once.
ApiAnswer list_answer(const KindRoute& k, json items, const std::string& ns, const std::string& version,
                      const ApiRequest& r) {
  long long limit = int_param(r, "limit");
  if (limit == -2) return bad_request("limit: must be a non-negative integer");
  std::string sel_text = param(r, "labelSelector");
  auto sel = parse_selector(sel_text);
  if (!sel) return bad_request("unable to parse requirement: labelSelector '" + sel_text + "' (the lab serves a=b, a==b, a!=b)");
  json kept = json::array();
  for (auto& it : items)
    if ((ns.empty() || str_at(it, {"metadata", "namespace"}) == ns) && selected(it, *sel)) kept.push_back(std::move(it));
  size_t offset = 0;
  if (std::string c = param(r, "continue"); !c.empty()) {
    size_t dash = c.rfind('-');
    char* end = nullptr;
    unsigned long long off = dash == std::string::npos ? 0 : std::strtoull(c.c_str() + dash + 1, &end, 10);
    if (dash == std::string::npos || !end || *end != '\0') return bad_request("continue: malformed token '" + c + "'");
    if (c.substr(0, dash) != version)
      return status_answer(410, "Expired",
                           "The provided continue parameter is too old to display a consistent list result. You can "
                           "start a new list without the continue parameter.");
    offset = std::min<size_t>(off, kept.size());
  }
  size_t end_at = limit > 0 ? std::min(kept.size(), offset + static_cast<size_t>(limit)) : kept.size();
  json page = json::array();
  for (size_t i = offset; i < end_at; ++i) page.push_back(std::move(kept[i]));
  json md = {{"resourceVersion", version}};
  if (end_at < kept.size()) {
    md["continue"] = version + "-" + std::to_string(end_at);
    md["remainingItemCount"] = kept.size() - end_at;
  }
  std::string api = *k.group ? std::string(k.group) + "/" + k.version : k.version;
  ApiAnswer a;
  a.body = json({{"kind", k.list_kind}, {"apiVersion", api}, {"metadata", md}, {"items", std::move(page)}}).dump();
  return a;
}

// Where a pod's container log lives in the lab ("" = the lab keeps none: empty text).
std::string log_path(const State& s, const std::string& ns, const std::string& pod) {
  if (const PodState* d = s.dns_pod(); d && d->ns == ns && d->name == pod) return cluster_dns_log(s);
  for (const auto& n : s.nodes) {
    if (ns == "kube-flannel" && pod == flannel_pod_name(s, n)) return flanneld_log(s, n);
    if (ns == kAgentNamespace && pod == agent_pod_name(s, n)) return agent_log_path(s, n);
  }
  return "";
}

ApiAnswer log_answer(const State& s, const json& pod, const std::string& ns, const std::string& name,
                     const ApiRequest& r) {
  std::vector<std::string> names;
  if (pod.contains("spec") && pod["spec"].contains("containers"))
    for (const auto& c : pod["spec"]["containers"]) names.push_back(c.value("name", ""));
  std::string container = param(r, "container");
  if (container.empty()) {
    if (names.size() != 1) {
      std::string all;
      for (const auto& n : names) all += (all.empty() ? "" : " ") + n;
      return bad_request("a container name must be specified for pod " + name + ", choose one of: [" + all + "]");
    }
    container = names.front();
  }
  if (std::find(names.begin(), names.end(), container) == names.end())
    return bad_request("container " + container + " is not valid for pod " + name);
  std::string prev = param(r, "previous");
  if (prev == "true" || prev == "1")
    return bad_request("previous terminated container \"" + container + "\" in pod \"" + name + "\" not found");
  long long tail = int_param(r, "tailLines"), limit = int_param(r, "limitBytes");
  if (tail == -2) return bad_request("tailLines: must be a non-negative integer");
  if (limit == -2 || limit == 0) return bad_request("limitBytes: must be a positive integer");
  std::string text;
  if (std::string p = log_path(s, ns, name); !p.empty())
    if (auto t = read_file(p)) text = std::move(*t);
  if (tail >= 0) {
    // The last `tail` lines: start after the (tail+1)-th newline from the end, not counting a final one.
    size_t start = 0, pos = text.size();
    if (pos && text[pos - 1] == '\n') --pos;
    for (long long seen = 0; pos > 0; --pos)
      if (text[pos - 1] == '\n' && ++seen == tail) {
        start = pos;
        break;
      }
    if (tail == 0) start = text.size();
    text.erase(0, start);
  }
  if (limit > 0 && text.size() > static_cast<size_t>(limit)) text.resize(static_cast<size_t>(limit));
  ApiAnswer a;
  a.content_type = "text/plain";
  a.body = std::move(text);
  return a;
}

ApiAnswer proxy_answer(const json& pod, const std::string& name, const std::string& port_text,
                       const std::vector<std::string>& rest, const ApiRequest& r) {
  std::string ip = str_at(pod, {"status", "podIP"});
  if (ip.empty()) return status_answer(503, "ServiceUnavailable", "pod " + name + " has no IP address");
  int port = 80;
  if (!port_text.empty()) {
    port = 0;
    if (port_text.find_first_not_of("0123456789") == std::string::npos && port_text.size() <= 5) {
      port = std::atoi(port_text.c_str());
    } else if (pod.contains("spec") && pod["spec"].contains("containers")) {
      for (const auto& c : pod["spec"]["containers"])
        if (c.contains("ports"))
          for (const auto& p : c["ports"])
            if (p.value("name", "") == port_text) port = p.value("containerPort", 0);
    }
    if (port <= 0 || port > 65535) return bad_request("pod " + name + " has no port '" + port_text + "'");
  }
  ApiAnswer a;
  a.proxy_ip = ip;
  a.proxy_port = port;
  a.proxy_path = "/";
  for (size_t i = 0; i < rest.size(); ++i) a.proxy_path += (i ? "/" : "") + rest[i];
  if (!r.raw_query.empty()) a.proxy_path += "?" + r.raw_query;
  return a;
}

}  // namespace

std::string api_status(int code, const std::string& reason, const std::string& message) {
  return json({{"kind", "Status"},
               {"apiVersion", "v1"},
               {"metadata", json::object()},
               {"status", "Failure"},
               {"message", message},
               {"reason", reason},
               {"code", code}})
      .dump();
}

ApiAnswer api_answer(const State& s, const Observed& o, const std::string& version, const ApiRequest& r) {
  if (r.method != "GET" && r.method != "HEAD")
    return status_answer(405, "MethodNotAllowed",
                         "the netdoctor lab's API server is read-only: " + r.method + " is not allowed");
  auto seg = split(r.path, '/');
  if (seg.size() == 1 && (seg[0] == "healthz" || seg[0] == "readyz" || seg[0] == "livez")) {
    ApiAnswer a;
    a.content_type = "text/plain";
    a.body = "ok";
    return a;
  }
  if (seg.size() == 1 && seg[0] == "version") {
    ApiAnswer a;
    a.body = json({{"major", "1"}, {"minor", "29"}, {"gitVersion", "v1.29.3-netdoctor-lab"}, {"platform", "linux/amd64"}}).dump();
    return a;
  }
  std::string group, version_seg;
  size_t at;
  if (seg.size() >= 2 && seg[0] == "api") {
    version_seg = seg[1];
    at = 2;
  } else if (seg.size() >= 3 && seg[0] == "apis") {
    group = seg[1];
    version_seg = seg[2];
    at = 3;
  } else {
    return not_found();
  }
  std::vector<std::string> rest(seg.begin() + static_cast<long>(at), seg.end());
  if (rest.empty()) return not_found();
  std::string ns;
  // /namespaces/NS/RESOURCE... (but /namespaces and /namespaces/NAME are the Namespace kind itself)
  if (rest[0] == "namespaces" && rest.size() >= 3) {
    ns = rest[1];
    rest.erase(rest.begin(), rest.begin() + 2);
  }
  const KindRoute* k = nullptr;
  for (const auto& route : kRoutes)
    if (group == route.group && version_seg == route.version && rest[0] == route.resource) k = &route;
  if (!k || (!ns.empty() && !k->namespaced)) return not_found();
  json items = items_of(s, o, k->file);
  if (rest.size() == 1) return list_answer(*k, std::move(items), ns, version, r);

  std::string name = rest[1], port;
  bool is_proxy = rest.size() >= 3 && rest[2] == "proxy" && std::string(k->resource) == "pods" && group.empty();
  if (is_proxy)
    if (size_t c = name.find(':'); c != std::string::npos) port = name.substr(c + 1), name = name.substr(0, c);
  const json* obj = find_item(items, ns, name);
  std::string what = std::string(k->resource) + (*k->group ? std::string(".") + k->group : "");
  if (!obj) return not_found(what + " \"" + name + "\" not found");
  if (rest.size() == 2) {
    ApiAnswer a;
    a.body = obj->dump();
    return a;
  }
  if (std::string(k->resource) == "pods" && group.empty()) {
    if (rest.size() == 3 && rest[2] == "log") return log_answer(s, *obj, ns, name, r);
    if (is_proxy) return proxy_answer(*obj, name, port, {rest.begin() + 3, rest.end()}, r);
  }
  return not_found();
}

Observed observe_lab(const State& s) {
  Observed o;
  o.now = now_rfc3339();
  utsname u{};
  if (uname(&u) == 0) o.kernel = u.release;
  const PodState* dns = s.dns_pod();
  for (const auto& p : s.pods)
    o.serving[p.name] = (dns && p.name == dns->name) ? running_pid(cluster_dns_pidfile(s), s.pod_netns(p)) != 0
                                                     : pod_server_running(s, p);
  for (const auto& a : s.agents)
    if (const NodeState* n = s.node(a.node))
      o.serving[agent_pod_name(s, *n)] = a.pid > 0 && pid_alive(a.pid) && pid_in_netns(a.pid, s.node_netns(*n));
  return o;
}

namespace {

// The state, re-read when its file changes (the CLI replaces it atomically on every change).
class StateCache {
 public:
  explicit StateCache(std::string name) : name_(std::move(name)) {}
  // false when the file is gone or unreadable.
  bool get(State& out, std::string& version) {
    struct stat st {};
    if (stat(state_path(name_).c_str(), &st) != 0) return false;
    std::lock_guard<std::mutex> l(mu_);
    if (!loaded_ || st.st_ino != ino_ || st.st_mtim.tv_sec != mtime_.tv_sec || st.st_mtim.tv_nsec != mtime_.tv_nsec ||
        st.st_size != size_) {
      auto text = read_file(state_path(name_));
      if (!text) return false;
      auto s = state_from_json(*text, state_path(name_));
      if (!s) return false;
      state_ = std::move(*s);
      // The resourceVersion: a hash of the state text (FNV-1a), so it changes with every change.
      uint64_t h = 1469598103934665603ull;
      for (unsigned char c : *text) h = (h ^ c) * 1099511628211ull;
      version_ = std::to_string(h % 1000000000000ull);
      ino_ = st.st_ino, mtime_ = st.st_mtim, size_ = st.st_size, loaded_ = true;
    }
    out = state_;
    version = version_;
    return true;
  }

 private:
  std::string name_;
  std::mutex mu_;
  bool loaded_ = false;
  ino_t ino_ = 0;
  timespec mtime_{};
  off_t size_ = 0;
  State state_;
  std::string version_;
};

std::string stamp() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

int run_apiserver(const std::string& lab_name, std::ostream& log) {
  auto fail = [&](const std::string& m) {
    log << "netdoctor lab apiserver: " << m << std::endl;
    return 2;
  };
  auto st = load_state(lab_name);
  if (!st) return fail(st.error().message);
  const NodeState* node = apiserver_node(*st);
  if (!node) return fail("the lab has no nodes");
  // Only inside the lab: the facade binds node1's address in node1's namespace, never the host's.
  if (std::string e = enter_netns(st->node_netns(*node)); !e.empty()) return fail(e);
  const std::string ip = node->ip;

  // Signals are taken by the watcher thread below (sigtimedwait), so block them before any thread starts.
  sigset_t sigs;
  sigemptyset(&sigs);
  for (int sig : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&sigs, sig);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);

  StateCache cache(lab_name);
  std::mutex log_mu;
  httplib::Server svr;
  // One thread per keep-alive connection while it lasts: room for the live client's workers and a few more.
  svr.new_task_queue = [] { return new httplib::ThreadPool(16); };
  svr.set_keep_alive_timeout(2);
  svr.set_read_timeout(30, 0);
  svr.set_write_timeout(30, 0);
  svr.set_payload_max_length(64 * 1024);  // nobody sends bodies to a read-only server
  // SO_REUSEADDR only: httplib's default also sets SO_REUSEPORT, which would let a second facade bind
  // the same address and silently take half the requests.
  svr.set_socket_options([](int sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  auto handle = [&](const httplib::Request& req, httplib::Response& res) {
    auto t0 = std::chrono::steady_clock::now();
    ApiRequest r;
    r.method = req.method;
    r.path = req.path;
    for (const auto& [k, v] : req.params) r.query.emplace(k, v);
    if (size_t q = req.target.find('?'); q != std::string::npos) r.raw_query = req.target.substr(q + 1);
    State s;
    std::string version;
    ApiAnswer a;
    if (!cache.get(s, version)) {
      a = status_answer(503, "ServiceUnavailable", "the lab's state file " + state_path(lab_name) + " cannot be read");
    } else {
      a = api_answer(s, observe_lab(s), version, r);
    }
    if (!a.proxy_ip.empty()) {
      // Inside node1's namespace: the pod's address is a lab address (the agents' are node addresses).
      httplib::Client c(a.proxy_ip, a.proxy_port);
      c.set_connection_timeout(5, 0);
      c.set_read_timeout(65, 0);  // an agent's /bundle waits up to 60 s for its first collection
      auto up = c.Get(a.proxy_path);
      std::string target = a.proxy_ip + ":" + std::to_string(a.proxy_port);
      if (!up) {
        a = status_answer(503, "ServiceUnavailable",
                          "error trying to reach service: dial tcp " + target + ": " + httplib::to_string(up.error()));
      } else {
        a.status = up->status;
        a.content_type = up->get_header_value("Content-Type");
        if (a.content_type.empty()) a.content_type = "application/octet-stream";
        a.body = std::move(up->body);
        for (const char* h : {"X-Netdoctor-Collection", "X-Netdoctor-Refresh", "Retry-After"})
          if (up->has_header(h)) res.set_header(h, up->get_header_value(h));
      }
    }
    res.status = a.status;
    res.set_content(std::move(a.body), a.content_type.c_str());
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    std::lock_guard<std::mutex> l(log_mu);
    log << stamp() << " " << req.method << " " << req.target << " " << res.status << " " << res.body.size()
        << " bytes " << static_cast<long>(ms) << " ms" << std::endl;
  };
  svr.Get(".*", handle);
  svr.Post(".*", handle);
  svr.Put(".*", handle);
  svr.Patch(".*", handle);
  svr.Delete(".*", handle);
  svr.Options(".*", handle);
  if (!svr.bind_to_port(ip, kApiServerPort))
    return fail("cannot listen on " + ip + ":" + std::to_string(kApiServerPort) + " in " +
                st->node_netns(*node) + " (in use?)");
  log << stamp() << " netdoctor lab apiserver: lab " << lab_name << ", serving " << apiserver_url(*st) << " in "
      << st->node_netns(*node) << std::endl;

  // Stops the server on a signal, when the lab's state file is gone (lab down) or after a day.
  std::thread watcher([&] {
    auto started = std::chrono::steady_clock::now();
    timespec one{1, 0};
    for (;;) {
      int sig = sigtimedwait(&sigs, nullptr, &one);
      if (sig > 0) {
        std::lock_guard<std::mutex> l(log_mu);
        log << stamp() << " stopping on signal " << sig << std::endl;
        break;
      }
      struct stat sb {};
      if (stat(state_path(lab_name).c_str(), &sb) != 0) {
        std::lock_guard<std::mutex> l(log_mu);
        log << stamp() << " the lab's state file is gone: stopping" << std::endl;
        break;
      }
      if (std::chrono::steady_clock::now() - started > std::chrono::hours(24)) break;
    }
    svr.stop();
  });
  svr.listen_after_bind();
  watcher.join();
  return 0;
}

}  // namespace nd::lab
