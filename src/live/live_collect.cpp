#include "live/live_collect.h"

#include <fmt/format.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

#include "live/bundle.h"
#include "live/redact.h"

namespace fs = std::filesystem;

namespace nd::live {

const std::vector<KindSpec>& kinds() {
  static const std::vector<KindSpec> k{
      {"nodes.json", "", "v1", "nodes", true, false},
      {"pods.json", "", "v1", "pods", true, false},
      {"namespaces.json", "", "v1", "namespaces", false, false},
      {"services.json", "", "v1", "services", false, false},
      {"endpoints.json", "", "v1", "endpoints", false, false},
      {"endpointslices.json", "discovery.k8s.io", "v1", "endpointslices", false, false},
      {"configmaps.json", "", "v1", "configmaps", false, false},
      {"events.json", "", "v1", "events", false, false},
      {"daemonsets.json", "apps", "v1", "daemonsets", false, false},
      {"deployments.json", "apps", "v1", "deployments", false, false},
      {"replicasets.json", "apps", "v1", "replicasets", false, false},
      {"networkpolicies.json", "networking.k8s.io", "v1", "networkpolicies", false, false},
      {"crds/ippools.crd.projectcalico.org.json", "crd.projectcalico.org", "v1", "ippools", false, true},
      {"crds/ippools.projectcalico.org.json", "projectcalico.org", "v3", "ippools", false, true},
      {"crds/installations.operator.tigera.io.json", "operator.tigera.io", "v1", "installations", false, true},
  };
  return k;
}

namespace {

// Pods whose logs the checks read: the CNI's agents and CoreDNS (cni-pod-unhealthy, container-crashloop,
// coredns-loop, coredns-unhealthy).
constexpr const char* kLogPodPrefixes[] = {"calico-node-", "calico-kube-controllers-", "kube-flannel-", "flannel-",
                                           "canal-", "coredns-", "kube-dns-"};
constexpr const char* kLogAppLabels[] = {"calico-node", "calico-kube-controllers", "flannel", "canal", "kube-dns"};

struct LogTarget {
  std::string ns, pod, container;
  bool previous;
};
struct AgentTarget {
  std::string pod, node;
};

std::string str_at(const nlohmann::json& j, std::initializer_list<const char*> path) {
  const nlohmann::json* p = &j;
  for (const char* k : path) {
    if (!p->is_object()) return {};
    auto it = p->find(k);
    if (it == p->end()) return {};
    p = &*it;
  }
  return p->is_string() ? p->get<std::string>() : std::string();
}

bool wants_logs(const nlohmann::json& pod) {
  std::string name = str_at(pod, {"metadata", "name"});
  for (const char* p : kLogPodPrefixes)
    if (name.rfind(p, 0) == 0) return true;
  std::string app = str_at(pod, {"metadata", "labels", "k8s-app"});
  if (app.empty()) app = str_at(pod, {"metadata", "labels", "app"});
  for (const char* a : kLogAppLabels)
    if (app == a) return true;
  return false;
}

void log_targets(const nlohmann::json& pod, std::vector<LogTarget>& out) {
  std::string ns = str_at(pod, {"metadata", "namespace"}), name = str_at(pod, {"metadata", "name"});
  if (!safe_component(ns) || !safe_component(name)) return;
  const nlohmann::json* status = pod.contains("status") ? &pod["status"] : nullptr;
  auto restarts = [&](const char* list, const std::string& c) -> long {
    if (!status || !status->contains(list) || !(*status)[list].is_array()) return 0;
    for (const auto& cs : (*status)[list])
      if (cs.is_object() && cs.value("name", "") == c && cs.contains("restartCount") && cs["restartCount"].is_number())
        return cs["restartCount"].get<long>();
    return 0;
  };
  if (!pod.contains("spec") || !pod["spec"].is_object()) return;
  for (const char* list : {"initContainers", "containers"}) {
    const char* st = std::string_view(list) == "containers" ? "containerStatuses" : "initContainerStatuses";
    if (!pod["spec"].contains(list) || !pod["spec"][list].is_array()) continue;
    for (const auto& c : pod["spec"][list]) {
      std::string cname = c.is_object() ? c.value("name", "") : "";
      if (!safe_component(cname)) continue;
      long r = restarts(st, cname);
      // An init container that ran once and finished tells nothing the checks use; one that restarts does.
      if (std::string_view(list) == "initContainers" && r == 0) continue;
      out.push_back({ns, name, cname, false});
      if (r > 0) out.push_back({ns, name, cname, true});
    }
  }
}

// A List file written page by page: header from the first page, one item per line, renamed into place
// only when complete, so a list that failed halfway leaves no file (its kind reads as unknown).
class ListFile {
 public:
  explicit ListFile(fs::path path) : path_(std::move(path)), tmp_(path_.string() + ".partial") {}
  ~ListFile() {
    if (out_.is_open()) {
      out_.close();
      std::error_code ec;
      fs::remove(tmp_, ec);
    }
  }
  bool start(const nlohmann::json& page) {
    if (out_.is_open()) out_.close();
    fs::create_directories(path_.parent_path());
    out_.open(tmp_, std::ios::binary | std::ios::trunc);
    kind_ = page.value("kind", "List");
    item_kind_ = kind_.size() > 4 && kind_.compare(kind_.size() - 4, 4, "List") == 0 && kind_ != "List"
                     ? kind_.substr(0, kind_.size() - 4)
                     : "";
    api_ = page.value("apiVersion", "v1");
    nlohmann::json md = nlohmann::json::object();
    if (page.contains("metadata") && page["metadata"].is_object() && page["metadata"].contains("resourceVersion"))
      md["resourceVersion"] = page["metadata"]["resourceVersion"];
    out_ << "{\"apiVersion\":" << nlohmann::json(api_).dump() << ",\"kind\":" << nlohmann::json(kind_).dump()
         << ",\"metadata\":" << md.dump() << ",\"items\":[";
    items_ = 0;
    return bool(out_);
  }
  void item(nlohmann::json& it) {
    if (!item_kind_.empty() && it.is_object()) {  // as kubectl prints them: each item names its kind
      it["kind"] = item_kind_;
      it["apiVersion"] = api_;
    }
    out_ << (items_++ ? ",\n" : "\n") << it.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  Result<bool> finish() {
    out_ << "\n]}\n";
    out_.close();
    if (!out_) return Error{fmt::format("{}: write failed", tmp_.string())};
    std::error_code ec;
    fs::rename(tmp_, path_, ec);
    if (ec) return Error{fmt::format("{}: {}", path_.string(), ec.message())};
    return true;
  }
  const std::string& item_kind() const { return item_kind_; }
  size_t items() const { return items_; }

 private:
  fs::path path_, tmp_;
  std::ofstream out_;
  std::string kind_, item_kind_, api_;
  size_t items_ = 0;
};

// Runs tasks on one thread per session; the sessions live for the whole collection, so their
// connections are reused from one phase to the next.
void run_pool(std::vector<std::unique_ptr<ApiClient::Session>>& sessions,
              const std::vector<std::function<void(ApiClient::Session&)>>& tasks) {
  std::atomic<size_t> next{0};
  auto worker = [&](ApiClient::Session& s) {
    for (size_t i; (i = next++) < tasks.size();) tasks[i](s);
  };
  std::vector<std::thread> threads;
  size_t k = std::min(sessions.size(), tasks.size());
  for (size_t i = 0; i < k; ++i) threads.emplace_back(worker, std::ref(*sessions[i]));
  for (auto& t : threads) t.join();
}

Result<bool> write_file(const fs::path& p, std::string_view content) {
  std::error_code ec;
  fs::create_directories(p.parent_path(), ec);
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  out.close();
  if (!out) return Error{fmt::format("{}: cannot write", p.string())};
  return true;
}

struct State {
  State(const LiveOptions& opts, ApiClient& client) : o(opts), api(client) {}
  const LiveOptions& o;
  ApiClient& api;
  std::mutex mu;
  std::vector<std::string> notes, fatal, files;
  std::vector<LogTarget> logs;
  std::vector<AgentTarget> agents;
  std::atomic<size_t> objects{0}, lists{0}, logs_done{0}, bundles_done{0}, bundle_files{0}, redacted{0};
  size_t logs_total = 0, bundles_total = 0;
  std::atomic<bool> stop_progress{false};

  void note(std::string n) {
    std::lock_guard<std::mutex> l(mu);
    notes.push_back(std::move(n));
  }

  // One kind: every page into its List file; pods also yield the log and agent targets.
  void list_kind(ApiClient::Session& s, const KindSpec& k) {
    ListFile file(fs::path(o.out) / k.file);
    bool is_pods = std::string_view(k.resource) == "pods" && k.group[0] == '\0';
    std::vector<LogTarget> my_logs;
    std::vector<AgentTarget> my_agents;
    size_t n = 0;
    Response r = api.list(s, ListRequest{k.group, k.version, k.resource, "", ""}, [&](nlohmann::json& page, bool restart) {
      if (restart) {
        objects -= n;
        n = 0;
        my_logs.clear();
        my_agents.clear();
        if (!file.start(page)) return false;
      }
      if (!page["items"].is_array()) return true;
      for (auto& it : page["items"]) {
        if (is_pods) {
          if (o.logs && wants_logs(it)) log_targets(it, my_logs);
          if (str_at(it, {"metadata", "namespace"}) == o.agent_namespace &&
              str_at(it, {"metadata", "labels", o.agent_label_key.c_str()}) == o.agent_label_value &&
              str_at(it, {"status", "phase"}) == "Running") {
            std::string pod = str_at(it, {"metadata", "name"}), node = str_at(it, {"spec", "nodeName"});
            if (safe_component(pod) && safe_component(node)) my_agents.push_back({pod, node});
          }
        }
        if (o.redact) redacted += redact_object(it, file.item_kind());
        file.item(it);
        ++n;
        ++objects;
      }
      return true;
    });
    if (!r.ok()) {
      std::string what = fmt::format("{}: not collected: {}", k.file, r.error);
      if (r.failure == Failure::NotFound && k.crd) return;  // the CRD is not installed: nothing to read
      std::lock_guard<std::mutex> l(mu);
      (k.required || r.failure == Failure::Unauthorized || r.failure == Failure::Tls ? fatal : notes).push_back(what);
      return;
    }
    auto fin = file.finish();
    std::lock_guard<std::mutex> l(mu);
    if (!fin.ok()) {
      fatal.push_back(fin.error().message);
      return;
    }
    ++lists;
    files.push_back(k.file);
    if (is_pods) {
      logs = std::move(my_logs);
      agents = std::move(my_agents);
    }
  }

  void fetch_log(ApiClient::Session& s, const LogTarget& t) {
    std::string path = fmt::format("/api/v1/namespaces/{}/pods/{}/log?container={}&tailLines={}&limitBytes={}{}", t.ns,
                                   t.pod, t.container, o.log_tail, o.log_limit_bytes, t.previous ? "&previous=true" : "");
    Response r = api.get(s, path, Access{"get", "", "pods/log", t.ns});
    ++logs_done;
    if (!r.ok()) {
      // 400: the container has not started, or has no previous instance: nothing to read.
      if (r.status != 400) note(fmt::format("log {}/{}/{}{}: {}", t.ns, t.pod, t.container, t.previous ? " (previous)" : "", r.error));
      return;
    }
    fs::path p = fs::path(o.out) / "logs" / t.ns / t.pod / (t.container + (t.previous ? ".previous.log" : ".log"));
    auto w = write_file(p, r.body);
    if (!w.ok()) note(w.error().message);
  }

  void fetch_bundle(ApiClient::Session& s, const AgentTarget& a) {
    std::string path =
        fmt::format("/api/v1/namespaces/{}/pods/{}:{}/proxy/bundle", o.agent_namespace, a.pod, o.agent_port);
    Response r = api.get(s, path, Access{"get", "", "pods/proxy", o.agent_namespace});
    ++bundles_done;
    if (!r.ok()) {
      note(fmt::format("node {}: no bundle from agent {}/{}: {}", a.node, o.agent_namespace, a.pod, r.error));
      return;
    }
    auto b = parse_node_bundle(r.body, "GET " + api.url(path));
    if (!b.ok()) {
      note(fmt::format("node {}: {}", a.node, b.error().message));
      return;
    }
    if (!b->node.empty() && b->node != a.node)
      note(fmt::format("node {}: agent {} reports node '{}'; filed under {} (the pod's spec.nodeName)", a.node, a.pod,
                       b->node, a.node));
    for (const auto& e : b->errors) note(fmt::format("node {}: agent: {}", a.node, e));
    fs::path dir = fs::path(o.out) / "nodes" / a.node;
    for (auto& [rel, content] : b->files) {
      size_t dropped = 0;
      std::string text = o.redact ? redact_bundle_file(rel, std::move(content), &dropped) : std::move(content);
      redacted += dropped;
      auto w = write_file(dir / rel, text);
      if (!w.ok()) note(w.error().message);
      else ++bundle_files;
    }
  }

  void progress_loop() {
    while (!stop_progress) {
      std::fprintf(stderr, "\rnetdoctor: %zu objects in %zu lists, logs %zu/%zu, bundles %zu/%zu   ", objects.load(),
                   lists.load(), logs_done.load(), logs_total, bundles_done.load(), bundles_total);
      std::fflush(stderr);
      for (int i = 0; i < 4 && !stop_progress; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::fprintf(stderr, "\r%*s\r", 78, "");
  }
};

std::string now_rfc3339() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

}  // namespace

Result<LiveReport> collect_live(ApiClient& api, const LiveOptions& o) {
  auto t0 = std::chrono::steady_clock::now();
  std::error_code ec;
  fs::create_directories(o.out, ec);
  if (ec) return Error{fmt::format("{}: cannot create: {}", o.out, ec.message())};
  State st{o, api};
  std::thread progress;
  if (o.progress) progress = std::thread([&] { st.progress_loop(); });
  auto stop = [&] {
    st.stop_progress = true;
    if (progress.joinable()) progress.join();
  };

  std::vector<std::unique_ptr<ApiClient::Session>> sessions;
  for (int i = 0; i < std::max(1, o.concurrency); ++i) sessions.push_back(std::make_unique<ApiClient::Session>());
  // Nodes first and alone: a wrong credential or CA fails here once, not once per kind.
  st.list_kind(*sessions[0], kinds()[0]);
  if (!st.fatal.empty()) {
    stop();
    return Error{st.fatal.front()};
  }
  std::vector<std::function<void(ApiClient::Session&)>> tasks;
  for (size_t i = 1; i < kinds().size(); ++i) tasks.push_back([&st, i](ApiClient::Session& s) { st.list_kind(s, kinds()[i]); });
  run_pool(sessions, tasks);
  if (!st.fatal.empty()) {
    stop();
    return Error{fmt::format("{}", fmt::join(st.fatal, "\n"))};
  }

  tasks.clear();
  st.logs_total = st.logs.size();
  for (const auto& t : st.logs) tasks.push_back([&st, &t](ApiClient::Session& s) { st.fetch_log(s, t); });
  if (o.bundles) {
    st.bundles_total = st.agents.size();
    for (const auto& a : st.agents) tasks.push_back([&st, &a](ApiClient::Session& s) { st.fetch_bundle(s, a); });
    if (st.agents.empty())
      st.note(fmt::format("no netdoctor agents (pods labelled {}={} in namespace {}): node checks have no node "
                          "bundles and read as unknown; deploy deploy/ to add them",
                          o.agent_label_key, o.agent_label_value, o.agent_namespace));
  }
  run_pool(sessions, tasks);
  stop();

  LiveReport rep;
  rep.objects = st.objects;
  rep.lists = st.lists;
  rep.logs = st.logs_done;
  rep.agents = st.agents.size();
  rep.bundles = st.bundles_done;
  rep.bundle_files = st.bundle_files;
  rep.redacted = st.redacted;
  rep.files = st.files;
  rep.notes = st.notes;
  std::sort(rep.files.begin(), rep.files.end());
  rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  // What was collected, for whoever opens the ticket (not an input of diagnose: a .txt file).
  const Target& t = api.target();
  std::string info = fmt::format(
      "netdoctor collect (live)\ncollected: {}\ncontext: {}\nserver: {}\nuser: {}\nfrom: {}\nredacted: {}\n"
      "objects: {} in {} lists\nlogs: {}\nagents: {}, bundles: {} ({} files)\nrequests: {}, retries: {}\n",
      now_rfc3339(), t.context, t.cluster.server, t.user_name, t.origin, o.redact ? "yes" : "no", rep.objects,
      rep.lists, rep.logs, rep.agents, rep.bundles, rep.bundle_files, api.requests.load(), api.retries.load());
  for (const auto& n : rep.notes) info += "note: " + n + "\n";
  auto w = write_file(fs::path(o.out) / "collection.txt", info);
  if (!w.ok()) return w.error();
  return rep;
}

}  // namespace nd::live
