// The lab as a live cluster (issue 9): `lab up --agents` runs the real `netdoctor agent` in every node
// namespace and the read-only API facade in node1's, and `netdoctor diagnose` with no snapshot, run
// inside node1's namespace with the lab's kubeconfig, must find the injected faults as `lab snapshot`
// + diagnose does.
//   LabLiveApi.*   (no root) the facade's answers: typed Lists with paging, the agent pods, 404/405/410
//                  Status objects, logs, the pod proxy's target.
//   RootLabLive.*  (root; skips, saying why, without it) the end-to-end runs, with timings, and how the
//                  time of a live diagnose grows with nodes (3, 6, 9).
// Every lab is removed on every exit path (LabGuard); the suite checks that no namespace and no agent
// process is left. All traffic stays inside the lab's namespaces.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "lab/agents.h"
#include "lab/apiserver.h"
#include "lab/exec.h"
#include "lab/lab.h"
#include "lab/netops.h"
#include "lab/state_io.h"

namespace nd::lab {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

// ---------------------------------------------------------------- the facade's answers, no root

State planned_with_agents() {
  Spec spec;
  spec.name = "apitest";
  spec.nodes = 3;
  State s = make_plan(spec, "2026-12-01T00:00:00Z");
  int ip = 1;
  for (auto& p : s.pods) p.ip = "10.244." + std::to_string(s.node(p.node)->index) + "." + std::to_string(++ip);
  for (const auto& n : s.nodes) s.agents.push_back({n.name, 0});
  return s;
}

Observed all_serving(const State& s) {
  Observed o;
  o.now = "2026-12-01T00:01:00Z";
  for (const auto& p : s.pods) o.serving[p.name] = true;
  for (const auto& n : s.nodes) o.serving[agent_pod_name(s, n)] = true;
  return o;
}

ApiRequest get(const std::string& target) {
  ApiRequest r;
  size_t q = target.find('?');
  r.path = target.substr(0, q);
  if (q != std::string::npos) {
    r.raw_query = target.substr(q + 1);
    std::istringstream in(r.raw_query);
    std::string kv;
    while (std::getline(in, kv, '&')) {
      size_t eq = kv.find('=');
      r.query.emplace(kv.substr(0, eq), eq == std::string::npos ? "" : kv.substr(eq + 1));
    }
  }
  return r;
}

TEST(LabLiveApi, ListsAreTypedAndPageWithContinue) {
  State s = planned_with_agents();
  Observed o = all_serving(s);
  auto all = api_answer(s, o, "42", get("/api/v1/pods"));
  ASSERT_EQ(all.status, 200) << all.body;
  json full = json::parse(all.body);
  EXPECT_EQ(full["kind"], "PodList");
  EXPECT_EQ(full["apiVersion"], "v1");
  EXPECT_EQ(full["metadata"]["resourceVersion"], "42");
  EXPECT_FALSE(full["metadata"].contains("continue"));
  size_t total = full["items"].size();
  ASSERT_GT(total, 10u);
  // Pages of 4 until no continue: every pod once, in the same order.
  std::vector<std::string> paged;
  std::string cont;
  for (int page = 0; page < 100; ++page) {
    auto a = api_answer(s, o, "42", get("/api/v1/pods?limit=4" + (cont.empty() ? "" : "&continue=" + cont)));
    ASSERT_EQ(a.status, 200) << a.body;
    json j = json::parse(a.body);
    EXPECT_LE(j["items"].size(), 4u);
    for (const auto& it : j["items"]) paged.push_back(it["metadata"]["name"]);
    cont = j["metadata"].value("continue", "");
    if (cont.empty()) break;
    EXPECT_EQ(j["metadata"]["remainingItemCount"].get<size_t>(), total - paged.size());
  }
  ASSERT_EQ(paged.size(), total);
  for (size_t i = 0; i < total; ++i) EXPECT_EQ(paged[i], full["items"][i]["metadata"]["name"]);
  // A token from another state version is stale: 410, which makes the live client start over.
  auto first = json::parse(api_answer(s, o, "42", get("/api/v1/pods?limit=4")).body);
  std::string token = first["metadata"]["continue"];
  auto stale = api_answer(s, o, "43", get("/api/v1/pods?limit=4&continue=" + token));
  EXPECT_EQ(stale.status, 410);
  EXPECT_EQ(json::parse(stale.body)["reason"], "Expired");
  EXPECT_EQ(api_answer(s, o, "42", get("/api/v1/pods?continue=garbage")).status, 400);
  EXPECT_EQ(api_answer(s, o, "42", get("/api/v1/pods?limit=x")).status, 400);

  auto slices = json::parse(api_answer(s, o, "42", get("/apis/discovery.k8s.io/v1/endpointslices?limit=500")).body);
  EXPECT_EQ(slices["kind"], "EndpointSliceList");
  EXPECT_EQ(slices["apiVersion"], "discovery.k8s.io/v1");
  EXPECT_FALSE(slices["items"].empty());
  auto ds = json::parse(api_answer(s, o, "42", get("/apis/apps/v1/daemonsets")).body);
  EXPECT_EQ(ds["kind"], "DaemonSetList");
  bool agent_ds = false;
  for (const auto& d : ds["items"]) agent_ds |= d["metadata"]["name"] == "netdoctor-agent";
  EXPECT_TRUE(agent_ds);
  for (const char* empty : {"/api/v1/events", "/api/v1/endpoints", "/apis/networking.k8s.io/v1/networkpolicies"}) {
    auto a = api_answer(s, o, "42", get(empty));
    ASSERT_EQ(a.status, 200) << empty;
    EXPECT_TRUE(json::parse(a.body)["items"].empty()) << empty;
  }
  // Namespaced lists and label selectors.
  auto shop = json::parse(api_answer(s, o, "42", get("/api/v1/namespaces/shop/pods")).body);
  for (const auto& p : shop["items"]) EXPECT_EQ(p["metadata"]["namespace"], "shop");
  EXPECT_EQ(shop["items"].size(), 3u);
  auto agents = json::parse(api_answer(s, o, "42", [] {
                         ApiRequest r = get("/api/v1/pods");
                         r.query.emplace("labelSelector", "app.kubernetes.io/name=netdoctor-agent");
                         return r;
                       }()).body);
  EXPECT_EQ(agents["items"].size(), 3u);
  EXPECT_EQ(api_answer(s, o, "42", [] {
              ApiRequest r = get("/api/v1/pods");
              r.query.emplace("labelSelector", "app in (a,b)");
              return r;
            }()).status,
            400);
}

TEST(LabLiveApi, AgentPodsAreTheDaemonSetsOnTheHostNetwork) {
  State s = planned_with_agents();
  auto pods = json::parse(api_answer(s, all_serving(s), "1", get("/api/v1/namespaces/netdoctor/pods")).body);
  ASSERT_EQ(pods["items"].size(), 3u);
  std::set<std::string> nodes;
  for (const auto& p : pods["items"]) {
    std::string node = p["spec"]["nodeName"];
    nodes.insert(node);
    EXPECT_EQ(p["metadata"]["labels"]["app.kubernetes.io/name"], "netdoctor-agent");
    EXPECT_EQ(p["metadata"]["ownerReferences"][0]["kind"], "DaemonSet");
    EXPECT_TRUE(p["spec"]["hostNetwork"].get<bool>());
    EXPECT_EQ(p["status"]["phase"], "Running");
    EXPECT_EQ(p["status"]["podIP"], s.node(node)->ip);
    EXPECT_EQ(p["spec"]["containers"][0]["ports"][0]["name"], "http");
    EXPECT_EQ(p["spec"]["containers"][0]["ports"][0]["containerPort"], 9742);
  }
  EXPECT_EQ(nodes.size(), 3u);
  auto ns = json::parse(api_answer(s, all_serving(s), "1", get("/api/v1/namespaces")).body);
  bool has = false;
  for (const auto& n : ns["items"]) has |= n["metadata"]["name"] == "netdoctor";
  EXPECT_TRUE(has);
  // A lab without agents shows none of it.
  State plain = s;
  plain.agents.clear();
  auto none = json::parse(api_answer(plain, all_serving(plain), "1", get("/api/v1/namespaces/netdoctor/pods")).body);
  EXPECT_TRUE(none["items"].empty());
  // A dead agent is not Running-and-Ready (the live client then fetches no bundle from it).
  Observed o = all_serving(s);
  o.serving[agent_pod_name(s, s.nodes[1])] = false;
  auto one = json::parse(api_answer(s, o, "1", get("/api/v1/namespaces/netdoctor/pods/" + agent_pod_name(s, s.nodes[1]))).body);
  EXPECT_EQ(one["status"]["containerStatuses"][0]["ready"], false);
}

TEST(LabLiveApi, ProxyLogsAndRefusals) {
  State s = planned_with_agents();
  Observed o = all_serving(s);
  std::string pod = agent_pod_name(s, s.nodes[1]);
  auto a = api_answer(s, o, "1", get("/api/v1/namespaces/netdoctor/pods/" + pod + ":9742/proxy/bundle?refresh=1"));
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.proxy_ip, s.nodes[1].ip);
  EXPECT_EQ(a.proxy_port, 9742);
  EXPECT_EQ(a.proxy_path, "/bundle?refresh=1");
  auto named = api_answer(s, o, "1", get("/api/v1/namespaces/netdoctor/pods/" + pod + ":http/proxy/metrics"));
  EXPECT_EQ(named.proxy_port, 9742);
  EXPECT_EQ(named.proxy_path, "/metrics");
  EXPECT_EQ(api_answer(s, o, "1", get("/api/v1/namespaces/netdoctor/pods/" + pod + ":nope/proxy/x")).status, 400);
  EXPECT_EQ(api_answer(s, o, "1", get("/api/v1/namespaces/netdoctor/pods/nosuch:9742/proxy/bundle")).status, 404);

  // Logs: text, container checked, previous refused as the kubelet does for a container never restarted.
  const PodState* dns = s.dns_pod();
  ASSERT_NE(dns, nullptr);
  std::string base = "/api/v1/namespaces/" + dns->ns + "/pods/" + dns->name + "/log";
  auto log = api_answer(s, o, "1", get(base + "?container=" + dns->containers[0].name + "&tailLines=500"));
  EXPECT_EQ(log.status, 200);
  EXPECT_EQ(log.content_type, "text/plain");
  EXPECT_EQ(api_answer(s, o, "1", get(base + "?container=nope")).status, 400);
  EXPECT_EQ(api_answer(s, o, "1", get(base + "?container=" + dns->containers[0].name + "&previous=true")).status, 400);

  // Absent CRDs, unknown paths, writes.
  for (const char* p : {"/apis/crd.projectcalico.org/v1/ippools", "/apis/operator.tigera.io/v1/installations",
                        "/api/v1/secrets", "/foo", "/api/v1/nodes/node7"}) {
    auto nf = api_answer(s, o, "1", get(p));
    EXPECT_EQ(nf.status, 404) << p;
    json st = json::parse(nf.body);
    EXPECT_EQ(st["kind"], "Status") << p;
    EXPECT_EQ(st["code"], 404) << p;
  }
  ApiRequest post = get("/api/v1/namespaces/shop/pods");
  post.method = "POST";
  auto w = api_answer(s, o, "1", post);
  EXPECT_EQ(w.status, 405);
  EXPECT_EQ(json::parse(w.body)["reason"], "MethodNotAllowed");
  auto node = api_answer(s, o, "1", get("/api/v1/nodes/node2"));
  ASSERT_EQ(node.status, 200);
  EXPECT_EQ(json::parse(node.body)["metadata"]["name"], "node2");

  std::string kc = lab_kubeconfig(s);
  EXPECT_NE(kc.find("server: http://" + s.nodes[0].ip + ":6443"), std::string::npos) << kc;
  EXPECT_NE(kc.find("current-context: ndlab-apitest"), std::string::npos) << kc;
}

// ---------------------------------------------------------------- the live lab, root

// ip netns list has no namespace of lab `name` left, and none of `pids` runs.
void expect_gone(const std::string& name, const std::vector<int>& pids) {
  auto r = run({{"ip", "netns", "list"}, "", "", {}, 10000});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->out.find(std::string(kNetnsPrefix) + name + "-"), std::string::npos) << "namespaces left:\n" << r->out;
  for (int pid : pids) EXPECT_FALSE(pid_alive(pid)) << "agent or facade pid " << pid << " still runs";
}

// (address, port) of every TCP listener in the test's (root) namespace, from /proc/net/tcp.
std::vector<std::pair<std::string, int>> root_listeners() {
  std::vector<std::pair<std::string, int>> out;
  auto t = read_file("/proc/net/tcp");
  if (!t) return out;
  std::istringstream in(*t);
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string sl, local, remote, st;
    f >> sl >> local >> remote >> st;
    if (st != "0A") continue;  // LISTEN
    unsigned addr = 0, port = 0;
    if (std::sscanf(local.c_str(), "%8X:%4X", &addr, &port) != 2) continue;
    out.emplace_back(std::to_string(addr & 0xff) + "." + std::to_string((addr >> 8) & 0xff) + "." +
                         std::to_string((addr >> 16) & 0xff) + "." + std::to_string(addr >> 24),
                     static_cast<int>(port));
  }
  return out;
}

// One request to the facade from inside node1's namespace: (status, body).
std::pair<int, std::string> wire(const State& s, const std::string& method, const std::string& path) {
  std::string ip = s.nodes.front().ip;
  auto r = run_in_netns(
      s.node_netns(s.nodes.front()),
      [&](int fd) {
        httplib::Client c(ip, kApiServerPort);
        c.set_connection_timeout(2, 0);
        c.set_read_timeout(30, 0);
        auto res = method == "POST" ? c.Post(path.c_str(), "{}", "application/json") : c.Get(path.c_str());
        if (!res) return 1;
        write_all(fd, std::to_string(res->status) + "\n" + res->body);
        return 0;
      },
      40000);
  if (!r || r->status != 0) return {0, r ? r->out : r.error().message};
  size_t nl = r->out.find('\n');
  return {std::atoi(r->out.substr(0, nl).c_str()), r->out.substr(nl + 1)};
}

struct Diagnosis {
  bool ran = false;
  std::set<std::string> ids, serious;  // all ids; critical and warning
  std::string text, err;
  double seconds = 0;
};

Diagnosis parse_diagnosis(Result<Output> r, double secs) {
  Diagnosis d;
  d.seconds = secs;
  if (!r) {
    d.text = r.error().message;
    return d;
  }
  d.text = r->out;
  d.err = r->err;
  if (r->status < 0 || r->status > 1) return d;
  try {
    auto j = json::parse(r->out);
    for (const auto& f : j.at("findings")) {
      std::string id = f.at("id"), sev = f.at("severity");
      d.ids.insert(id);
      if (sev == "critical" || sev == "warning") d.serious.insert(id);
    }
    d.ran = true;
  } catch (const std::exception& e) {
    d.err += std::string("\n(unparsable: ") + e.what() + ")";
  }
  return d;
}

// `netdoctor diagnose` with no snapshot, inside node1's namespace: the only place the facade is reachable.
Diagnosis live_diagnose(const State& s, const std::string& kubeconfig) {
  auto t0 = Clock::now();
  // No proxy: the lab's addresses are only reachable directly (a proxy from the environment is not).
  auto r = run({{ND_BINARY, "diagnose", "--kubeconfig", kubeconfig, "-o", "json", "--fail-on", "critical"},
                s.node_netns(s.nodes.front()),
                "",
                {"NO_PROXY=*", "no_proxy=*"},
                180000});
  return parse_diagnosis(r, std::chrono::duration<double>(Clock::now() - t0).count());
}

Diagnosis snapshot_diagnose(const State& s, const std::string& dir) {
  std::error_code ec;
  fs::remove_all(dir, ec);
  auto t0 = Clock::now();
  auto snap = run({{ND_BINARY, "lab", "snapshot", dir, "--name", s.spec.name}, "", "", {}, 180000});
  if (!snap || snap->status != 0) {
    Diagnosis d;
    d.text = snap ? snap->err : snap.error().message;
    return d;
  }
  auto r = run({{ND_BINARY, "diagnose", dir, "-o", "json", "--fail-on", "critical"}, "", "", {}, 180000});
  return parse_diagnosis(r, std::chrono::duration<double>(Clock::now() - t0).count());
}

size_t count_lines(const std::string& path) {
  auto t = read_file(path);
  if (!t) return 0;
  return static_cast<size_t>(std::count(t->begin(), t->end(), '\n'));
}

// Requests the facade served since `from` lines of its log: all, and the bundle proxies.
std::pair<size_t, size_t> requests_since(const State& s, size_t from) {
  auto t = read_file(apiserver_log_path(s));
  if (!t) return {0, 0};
  std::istringstream in(*t);
  std::string line;
  size_t n = 0, all = 0, bundles = 0;
  while (std::getline(in, line))
    if (n++ >= from && (line.find(" GET /") != std::string::npos)) {
      ++all;
      if (line.find("/proxy/bundle") != std::string::npos) ++bundles;
    }
  return {all, bundles};
}

std::string join(const std::set<std::string>& s) {
  std::string o;
  for (const auto& x : s) o += (o.empty() ? "" : " ") + x;
  return o.empty() ? "(none)" : o;
}

// The lab's processes of the live side (to prove they are gone after down).
std::vector<int> live_pids(const State& s) {
  std::vector<int> p;
  for (const auto& a : s.agents) p.push_back(a.pid);
  if (s.apiserver_pid) p.push_back(s.apiserver_pid);
  return p;
}

struct Timing {
  std::string what;
  double live = 0, snapshot = 0;
  size_t requests = 0;
};
std::vector<Timing>& timings() {
  static std::vector<Timing> t;
  return t;
}
std::map<int, std::vector<std::pair<double, size_t>>>& scale() {
  static std::map<int, std::vector<std::pair<double, size_t>>> m;
  return m;
}

class LiveReport : public ::testing::Environment {
 public:
  void TearDown() override {
    if (!timings().empty()) {
      std::cout << "\nlive diagnose of the lab (seconds; requests to the API facade):\n";
      std::cout << std::left << std::setw(40) << "state" << std::setw(10) << "live s" << std::setw(10) << "requests"
                << "lab snapshot + diagnose s\n";
      for (const auto& t : timings())
        std::cout << std::setw(40) << t.what << std::setw(10) << std::fixed << std::setprecision(2) << t.live
                  << std::setw(10) << t.requests << t.snapshot << "\n";
    }
    if (!scale().empty()) {
      std::cout << "\nlive diagnose time by nodes (vxlan, agents on every node):\n";
      std::cout << std::left << std::setw(8) << "nodes" << std::setw(30) << "seconds (runs)" << "requests\n";
      for (const auto& [n, runs] : scale()) {
        std::string secs;
        for (const auto& [t, req] : runs) {
          std::ostringstream o;
          o << std::fixed << std::setprecision(2) << t;
          secs += (secs.empty() ? "" : " ") + o.str();
        }
        std::cout << std::setw(8) << n << std::setw(30) << secs << (runs.empty() ? 0 : runs.front().second) << "\n";
      }
    }
  }
};
const auto* live_report = ::testing::AddGlobalTestEnvironment(new LiveReport);

struct TmpDir {
  std::string path;
  TmpDir() {
    std::string t = (fs::temp_directory_path() / "nd-lab-live-XXXXXX").string();
    path = ::mkdtemp(t.data()) ? t : "";
  }
  ~TmpDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

Result<State> up_with_agents(const std::string& name, int nodes, const std::string& backend) {
  auto r = run({{ND_BINARY, "lab", "up", "--name", name, "--nodes", std::to_string(nodes), "--backend", backend, "--agents"},
                "",
                "",
                {},
                300000});
  if (!r) return r.error();
  if (r->status != 0) return Error{"lab up: " + r->err};
  return load_state(name);
}

class RootLabLive : public ::testing::TestWithParam<std::string> {};

TEST_P(RootLabLive, DiagnoseLiveFindsTheInjectedFaults) {
  if (auto why = lab_unavailable_reason(); !why.empty()) GTEST_SKIP() << why;
  const std::string backend = GetParam();
  std::string name = "lv" + backend.substr(0, 2) + std::to_string(getpid() % 10000);
  name.erase(std::remove(name.begin(), name.end(), '-'), name.end());
  TmpDir tmp;
  ASSERT_FALSE(tmp.path.empty());
  std::vector<int> pids;
  {
    LabGuard guard(name);
    auto st = up_with_agents(name, 3, backend);
    ASSERT_TRUE(st) << st.error().message;
    State s = *st;
    pids = live_pids(s);
    ASSERT_EQ(s.agents.size(), 3u);
    ASSERT_GT(s.apiserver_pid, 0);
    EXPECT_EQ(agents_problem(s), "");
    std::string kc = tmp.path + "/kubeconfig";
    auto w = run({{ND_BINARY, "lab", "kubeconfig", "--name", name, "--out", kc}, "", "", {}, 10000});
    ASSERT_TRUE(w && w->status == 0) << (w ? w->err : w.error().message);

    // A second facade cannot take the address (no SO_REUSEPORT sharing): it fails at once.
    {
      auto dup = run({{ND_BINARY, "lab", "apiserver", "--name", name}, "", "", {}, 10000});
      ASSERT_TRUE(dup) << dup.error().message;
      EXPECT_EQ(dup->status, 2) << dup->err;
      EXPECT_NE(dup->err.find("cannot listen"), std::string::npos) << dup->err;
    }
    // Nothing of the live side listens in the root namespace (read, not probed: no packet is sent).
    for (const auto& l : root_listeners()) {
      EXPECT_NE(l.second, kApiServerPort) << "a listener on " << l.first << ":" << l.second << " in the root namespace";
      EXPECT_NE(l.second, kAgentPort) << "a listener on " << l.first << ":" << l.second << " in the root namespace";
    }
    // Over the wire, from inside node1: writes refused, absent CRDs 404, the pod proxy reaches an agent.
    {
      auto w = wire(s, "POST", "/api/v1/namespaces/shop/pods");
      EXPECT_EQ(w.first, 405) << w.second;
      EXPECT_NE(w.second.find("\"kind\":\"Status\""), std::string::npos) << w.second;
      auto crd = wire(s, "GET", "/apis/crd.projectcalico.org/v1/ippools?limit=500");
      EXPECT_EQ(crd.first, 404) << crd.second;
      auto m = wire(s, "GET", "/api/v1/namespaces/netdoctor/pods/" + agent_pod_name(s, s.nodes[2]) + ":http/proxy/metrics");
      EXPECT_EQ(m.first, 200) << m.second;
      EXPECT_NE(m.second.find("netdoctor_collections_total"), std::string::npos) << m.second.substr(0, 300);
      auto page = wire(s, "GET", "/api/v1/pods?limit=2");
      EXPECT_EQ(page.first, 200);
      EXPECT_NE(page.second.find("\"continue\""), std::string::npos) << page.second.substr(0, 300);
    }

    auto check = [&](const std::string& what, const std::set<std::string>& must) {
      size_t from = count_lines(apiserver_log_path(s));
      Diagnosis live = live_diagnose(s, kc);
      auto [requests, bundles] = requests_since(s, from);
      ASSERT_TRUE(live.ran) << what << ": live diagnose failed:\n" << live.text << "\n" << live.err;
      EXPECT_EQ(bundles, s.nodes.size()) << what << ": bundles fetched through the facade\n" << live.err;
      EXPECT_EQ(live.err.find("no bundle"), std::string::npos) << live.err;
      EXPECT_EQ(live.err.find("no netdoctor agents"), std::string::npos) << live.err;
      Diagnosis snap = snapshot_diagnose(s, tmp.path + "/snap");
      ASSERT_TRUE(snap.ran) << what << ": snapshot diagnose failed:\n" << snap.text;
      for (const auto& id : must) {
        EXPECT_TRUE(live.ids.count(id)) << what << ": live diagnose does not name " << id << "; it found "
                                        << join(live.ids);
        EXPECT_TRUE(snap.ids.count(id)) << what << ": snapshot diagnose does not name " << id;
      }
      if (must.empty()) {
        EXPECT_TRUE(live.serious.empty()) << "healthy lab, live: " << join(live.serious) << "\n" << live.text;
      }
      EXPECT_EQ(live.serious, snap.serious) << what << ": live finds " << join(live.serious) << ", snapshot finds "
                                            << join(snap.serious);
      timings().push_back({backend + " " + what, live.seconds, snap.seconds, requests});
    };

    check("healthy", {});
    const std::vector<std::pair<std::string, std::set<std::string>>> faults = {
        {"ip-forward-off", {"node-ip-forward-disabled"}},
        {"bridge-nf-off", {"node-bridge-nf-call-iptables-disabled"}},
        {"missing-route", {"node-missing-pod-route"}},
        {"dns-upstream-loop", {"coredns-loop", "node-resolv-conf-loopback"}},
    };
    for (const auto& [fault, ids] : faults) {
      auto inj = run({{ND_BINARY, "lab", "fault", "inject", fault, "--name", name}, "", "", {}, 120000});
      ASSERT_TRUE(inj && inj->status == 0) << fault << ": " << (inj ? inj->err : inj.error().message);
      EXPECT_NE(inj->out.find("refreshed"), std::string::npos) << inj->out;
      check(fault, ids);
      auto heal = run({{ND_BINARY, "lab", "fault", "heal", fault, "--name", name}, "", "", {}, 120000});
      ASSERT_TRUE(heal && heal->status == 0) << fault << ": " << (heal ? heal->err : heal.error().message);
    }
    check("healed", {});
    // The agents and the facade still run after all that.
    auto now = load_state(name);
    ASSERT_TRUE(now);
    EXPECT_EQ(agents_problem(*now), "");
    auto down = lab_down(name);
    EXPECT_TRUE(down) << (down ? "" : down.error().message);
  }
  expect_gone(name, pids);
}

INSTANTIATE_TEST_SUITE_P(Backends, RootLabLive, ::testing::Values("vxlan", "host-gw", "directrouting"),
                         [](const auto& info) { return info.param == "host-gw" ? std::string("host_gw") : info.param; });

// How the time of a live diagnose grows with nodes: one bundle per node through the facade's proxy.
TEST(RootLabLiveScale, DiagnoseTimeByNodes) {
  if (auto why = lab_unavailable_reason(); !why.empty()) GTEST_SKIP() << why;
  for (int nodes : {3, 6, 9}) {
    std::string name = "lvs" + std::to_string(nodes) + std::to_string(getpid() % 10000);
    TmpDir tmp;
    std::vector<int> pids;
    {
      LabGuard guard(name);
      auto st = up_with_agents(name, nodes, "vxlan");
      ASSERT_TRUE(st) << st.error().message;
      pids = live_pids(*st);
      std::string kc = tmp.path + "/kubeconfig";
      std::ofstream(kc) << lab_kubeconfig(*st);
      // The agents' first collections run at start; wait for them so the runs measure steady state.
      ASSERT_TRUE(refresh_agents(*st));
      for (int i = 0; i < 3; ++i) {
        size_t from = count_lines(apiserver_log_path(*st));
        Diagnosis d = live_diagnose(*st, kc);
        ASSERT_TRUE(d.ran) << d.text << d.err;
        auto [requests, bundles] = requests_since(*st, from);
        EXPECT_EQ(bundles, static_cast<size_t>(nodes));
        EXPECT_TRUE(d.serious.empty()) << nodes << " nodes: " << join(d.serious);
        scale()[nodes].push_back({d.seconds, requests});
      }
    }
    expect_gone(name, pids);
  }
}

// A failure while starting the agents removes the whole lab (lab up's guard), agents included.
TEST(RootLabLiveUp, FailedAgentStartRemovesEverything) {
  if (auto why = lab_unavailable_reason(); !why.empty()) GTEST_SKIP() << why;
  std::string name = "lvf" + std::to_string(getpid() % 10000);
  LabGuard guard(name);
  Spec spec;
  spec.name = name;
  spec.nodes = 2;
  spec.agent_binary = "/bin/false";  // starts, exits at once: the agent never listens
  auto r = lab_up(spec);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("agent on node1"), std::string::npos) << r.error().message;
  expect_gone(name, {});
  EXPECT_FALSE(fs::exists(state_path(name)));
}

}  // namespace
}  // namespace nd::lab
