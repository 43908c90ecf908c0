// The agent in the lab (ctest label agent-root): one `netdoctor agent` per lab node, run as the
// lab's own snapshot runs the collector (inside the node's network namespace, the node's directory
// as --root), like the DaemonSet would. Bundles are fetched over HTTP from inside a lab namespace,
// put in place of the lab snapshot's own node bundles, and diagnose must find the injected faults
// from them. The agents' /metrics must parse, and their mesh probes must see the fault.
// The lab is driven through the real binary (`netdoctor lab ...`). Agents and lab are removed on
// every exit path; all traffic stays inside the lab's namespaces. Skips, saying why, without root.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "agent/bundle.h"
#include "prom_text.h"

namespace nd::agent {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string slurp(const std::string& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Runs a shell-free command line through popen (arguments are ours, no user input); output and status.
struct Ran {
  int status = -1;
  std::string out;
};
Ran run(const std::string& cmd) {
  Ran r;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return r;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int st = ::pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

const std::string kNd = ND_BINARY;

// The lab, removed when the test ends whatever happens.
struct LabDown {
  std::string name;
  ~LabDown() {
    if (!name.empty()) run(kNd + " lab down --name " + name);
  }
};

struct AgentProc {
  pid_t pid = -1;
  std::string node, ns, ip, log;
};

// SIGTERM, then SIGKILL after 5 s; returns the exit status (0 = clean stop) or -1.
int stop_agent(AgentProc& a) {
  if (a.pid <= 0) return -1;
  ::kill(a.pid, SIGTERM);
  for (int i = 0; i < 100; ++i) {
    int st = 0;
    if (::waitpid(a.pid, &st, WNOHANG) == a.pid) {
      a.pid = -1;
      return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(a.pid, SIGKILL);
  ::waitpid(a.pid, nullptr, 0);
  a.pid = -1;
  return -1;
}

struct Agents {
  std::vector<AgentProc> list;
  ~Agents() {
    for (auto& a : list) stop_agent(a);
  }
};

AgentProc start_agent(const std::string& ns, const std::string& node, const std::string& ip, const std::string& root,
                      const std::string& peers, const std::string& log) {
  AgentProc a{-1, node, ns, ip, log};
  a.pid = ::fork();
  if (a.pid == 0) {
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    std::vector<std::string> args = {"ip",          "netns",       "exec",          ns,
                                     kNd,           "agent",       "--listen",      ip + ":9742",
                                     "--root",      root,          "--node-name",   node,
                                     "--interval",  "3s",          "--min-refresh", "0s",
                                     "--cluster-dns", "auto",      "--peers",       peers,
                                     "--probe-timeout", "500ms",
                                     // the lab has no kubernetes.default Service; it has this one
                                     "--dns-name", "web.shop.svc.cluster.local"};
    std::vector<char*> argv;
    for (auto& s : args) argv.push_back(s.data());
    argv.push_back(nullptr);
    ::execvp("ip", argv.data());
    _exit(127);
  }
  return a;
}

// GET http://HOST:9742PATH from inside network namespace `ns`: a forked child enters it and writes
// "STATUS\n" + body to a file. Bounded: 30 s of HTTP timeouts, the child killed after 45 s.
struct Got {
  int status = 0;
  std::string body;
};
Got fetch_in_netns(const std::string& ns, const std::string& host, const std::string& path, const std::string& tmp) {
  std::string out = tmp + "/fetch.out";
  fs::remove(out);
  pid_t pid = ::fork();
  if (pid == 0) {
    int nsfd = ::open(("/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
    if (nsfd < 0 || ::setns(nsfd, CLONE_NEWNET) != 0) _exit(3);
    httplib::Client c(host, 9742);
    c.set_connection_timeout(std::chrono::seconds(2));
    c.set_read_timeout(std::chrono::seconds(30));
    auto r = c.Get(path);
    std::ofstream f(out, std::ios::binary);
    if (r) f << r->status << "\n" << r->body;
    else f << "0\n" << httplib::to_string(r.error());
    f.close();
    _exit(0);
  }
  auto end = Clock::now() + std::chrono::seconds(45);
  int st = 0;
  while (::waitpid(pid, &st, WNOHANG) == 0) {
    if (Clock::now() > end) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &st, 0);
      return {};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::string text = slurp(out);
  size_t nl = text.find('\n');
  if (nl == std::string::npos) return {};
  return {std::atoi(text.substr(0, nl).c_str()), text.substr(nl + 1)};
}

struct Diagnosis {
  bool ran = false;
  std::set<std::string> ids, critical;
  std::string text;
};

Diagnosis diagnose(const std::string& dir) {
  Diagnosis d;
  Ran r = run(kNd + " diagnose '" + dir + "' -o json --fail-on critical");
  d.text = r.out;
  if (r.status < 0 || r.status > 1) return d;
  try {
    auto j = nlohmann::json::parse(r.out);
    for (const auto& f : j.at("findings")) {
      d.ids.insert(f.at("id").get<std::string>());
      if (f.at("severity") == "critical") d.critical.insert(f.at("id").get<std::string>());
    }
    d.ran = true;
  } catch (const std::exception&) {
  }
  return d;
}

// The lab snapshot with nodes/ replaced by the bundles the agents served.
void snapshot_with_bundles(const std::string& lab, const std::string& dir, const std::map<std::string, NodeBundle>& bundles) {
  Ran r = run(kNd + " lab snapshot '" + dir + "' --name " + lab);
  ASSERT_EQ(r.status, 0) << r.out;
  fs::remove_all(dir + "/nodes");
  for (const auto& [node, b] : bundles)
    for (const auto& [rel, text] : b.files) {
      fs::path p = fs::path(dir) / "nodes" / node / rel;
      fs::create_directories(p.parent_path());
      std::ofstream(p, std::ios::binary) << text;
    }
}

std::string sysctl_value(const NodeBundle& b, const std::string& key) {
  auto it = b.files.find("sysctl.txt");
  if (it == b.files.end()) return "";
  std::istringstream in(it->second);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key + " = ", 0) == 0) return line.substr(key.size() + 3);
  return "";
}

struct TmpDir {
  std::string path;
  TmpDir() {
    std::string t = (fs::temp_directory_path() / "nd-agent-lab-XXXXXX").string();
    path = ::mkdtemp(t.data()) ? t : "";
  }
  ~TmpDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

class AgentLabRoot : public ::testing::TestWithParam<int> {};

TEST_P(AgentLabRoot, AgentsServeBundlesThatDiagnoseTheInjectedFaults) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root: the lab creates network namespaces";
  if (run("ip -V").status != 0) GTEST_SKIP() << "needs iproute2 (ip)";
  const int nodes = GetParam();
  std::string name = "ag" + std::to_string(nodes) + std::to_string(::getpid() % 10000);
  TmpDir tmp;
  ASSERT_FALSE(tmp.path.empty());
  LabDown down{name};
  Agents agents;
  {
    Ran up = run(kNd + " lab up --name " + name + " --nodes " + std::to_string(nodes) + " --backend vxlan");
    if (up.status != 0 && up.out.find("cannot") != std::string::npos && up.out.find("namespace") != std::string::npos)
      GTEST_SKIP() << "the lab cannot run here: " << up.out;
    ASSERT_EQ(up.status, 0) << up.out;
  }
  std::string lab_dir = "/run/netdoctor-lab/" + name;
  auto state = nlohmann::json::parse(slurp(lab_dir + "/state.json"));
  // Peers: each node's agent probes the web pods of the other nodes.
  std::map<std::string, std::string> web_pod;  // node -> web pod IP
  for (const auto& p : state.at("pods"))
    if (p.value("deployment", "") == "web") web_pod[p.at("node").get<std::string>()] = p.at("ip").get<std::string>();
  std::string first_ns;
  for (const auto& n : state.at("nodes")) {
    std::string node = n.at("name"), ip = n.at("ip");
    std::string ns = "ndlab-" + name + "-" + node;
    if (first_ns.empty()) first_ns = ns;
    std::string peers;
    for (const auto& [other, pip] : web_pod)
      if (other != node) peers += (peers.empty() ? "" : ",") + pip + ":8080";
    agents.list.push_back(start_agent(ns, node, ip, lab_dir + "/nodes/" + node, peers, tmp.path + "/agent-" + node + ".log"));
  }
  ASSERT_EQ(agents.list.size(), static_cast<size_t>(nodes));
  auto logs = [&] {
    std::string s;
    for (const auto& a : agents.list) s += "--- " + a.node + "\n" + slurp(a.log);
    return s;
  };

  // Every agent ready (/healthz from node1's namespace, across the underlay).
  for (const auto& a : agents.list) {
    bool ready = false;
    for (int i = 0; i < 100 && !ready; ++i) {
      Got g = fetch_in_netns(first_ns, a.ip, "/healthz", tmp.path);
      ready = g.status == 200 && g.body == "ok";
      if (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_TRUE(ready) << a.node << " agent not ready\n" << logs();
  }

  auto fetch_all = [&](double* seconds) {
    std::map<std::string, NodeBundle> out;
    auto t0 = Clock::now();
    for (const auto& a : agents.list) {
      Got g = fetch_in_netns(first_ns, a.ip, "/bundle?refresh=1", tmp.path);
      EXPECT_EQ(g.status, 200) << a.node << ": " << g.body.substr(0, 300);
      auto b = bundle_from_json(g.body);
      EXPECT_TRUE(b) << a.node << ": " << (b ? "" : b.error().message);
      if (b) {
        EXPECT_EQ(b->node, a.node);
        EXPECT_TRUE(b->errors.empty()) << b->errors.front();
        out[a.node] = std::move(*b);
      }
    }
    if (seconds) *seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    return out;
  };
  auto metrics_of = [&](const AgentProc& a) -> test::PromText {
    Got g = fetch_in_netns(first_ns, a.ip, "/metrics", tmp.path);
    EXPECT_EQ(g.status, 200);
    auto p = test::parse_prometheus(g.body);
    EXPECT_TRUE(p) << a.node << ": " << (p ? "" : p.error().message) << "\n" << g.body;
    return p ? *p : test::PromText{};
  };
  // Waits (bounded) until the agent on `from` reports `want` for its TCP probe of `target`.
  auto wait_probe = [&](const AgentProc& from, const std::string& target, double want) {
    double v = NAN;
    for (int i = 0; i < 40; ++i) {
      auto p = metrics_of(from);
      v = test::prom_value(p, "netdoctor_probe_success", {{"target", target + ":8080"}, {"kind", "tcp"}});
      if (v == want) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    return v;
  };

  // Healthy: the bundles diagnose clean of the node faults, and the mesh reaches every peer.
  const std::set<std::string> fault_checks = {"node-ip-forward-disabled", "node-bridge-nf-call-iptables-disabled"};
  double healthy_fetch_s = 0;
  auto healthy = fetch_all(&healthy_fetch_s);
  ASSERT_EQ(healthy.size(), static_cast<size_t>(nodes)) << logs();
  {
    std::string dir = tmp.path + "/healthy";
    snapshot_with_bundles(name, dir, healthy);
    Diagnosis d = diagnose(dir);
    ASSERT_TRUE(d.ran) << d.text;
    for (const auto& id : fault_checks) EXPECT_FALSE(d.ids.count(id)) << "healthy lab reports " << id;
  }
  for (const auto& a : agents.list)
    for (const auto& [node, ip] : web_pod)
      if (node != a.node) {
        EXPECT_EQ(wait_probe(a, ip, 1), 1) << a.node << " -> web@" << node << "\n" << logs();
      }
  {
    auto p = metrics_of(agents.list[0]);
    double dns = test::prom_value(p, "netdoctor_probe_success", {{"target", "10.96.0.10:53"}, {"kind", "dns"}});
    EXPECT_EQ(dns, 1) << "DNS probe (--cluster-dns auto reads the node's kubelet config)\n" << logs();
  }

  // Inject the two node faults and fetch again.
  for (const char* f : {"ip-forward-off", "bridge-nf-off"}) {
    Ran r = run(kNd + " lab fault inject " + f + " --name " + name);
    ASSERT_EQ(r.status, 0) << r.out;
  }
  state = nlohmann::json::parse(slurp(lab_dir + "/state.json"));
  std::string fault_node;
  for (const auto& f : state.at("faults"))
    if (f.at("id") == "ip-forward-off") fault_node = f.at("node");
  ASSERT_FALSE(fault_node.empty());

  double fault_fetch_s = 0;
  auto broken = fetch_all(&fault_fetch_s);
  ASSERT_EQ(broken.size(), static_cast<size_t>(nodes)) << logs();
  EXPECT_EQ(sysctl_value(broken[fault_node], "net.ipv4.ip_forward"), "0");
  EXPECT_EQ(sysctl_value(broken[fault_node], "net.bridge.bridge-nf-call-iptables"), "0");
  auto t0 = Clock::now();
  std::string dir = tmp.path + "/faulted";
  snapshot_with_bundles(name, dir, broken);
  Diagnosis d = diagnose(dir);
  double diagnose_s = std::chrono::duration<double>(Clock::now() - t0).count();
  ASSERT_TRUE(d.ran) << d.text;
  for (const auto& id : fault_checks) EXPECT_TRUE(d.ids.count(id)) << id << " not found from the agents' bundles:\n" << d.text;

  // The mesh sees it: pods on the faulted node are unreachable from the other nodes' agents.
  for (const auto& a : agents.list)
    if (a.node != fault_node) {
      EXPECT_EQ(wait_probe(a, web_pod[fault_node], 0), 0) << a.node << " -> web@" << fault_node << "\n" << logs();
    }

  // Figures for the report.
  for (const auto& a : agents.list) {
    auto p = metrics_of(a);
    std::cout << a.node << ": last collection " << test::prom_value(p, "netdoctor_collect_duration_seconds")
              << " s, " << test::prom_value(p, "netdoctor_bundle_bytes") << " bytes, "
              << test::prom_value(p, "netdoctor_collections_total") << " collections\n";
  }
  std::cout << nodes << " nodes: fetch every bundle with refresh (sequential): healthy " << healthy_fetch_s << " s, faulted "
            << fault_fetch_s << " s; lab snapshot + diagnose: " << diagnose_s << " s\n";

  for (auto& a : agents.list) EXPECT_EQ(stop_agent(a), 0) << a.node << " did not stop cleanly on SIGTERM\n" << logs();
  std::string lg = logs();
  EXPECT_NE(lg.find("collection 1 of node1"), std::string::npos) << lg;

  Ran r = run(kNd + " lab down --name " + name);
  EXPECT_EQ(r.status, 0) << r.out;
  down.name.clear();
  EXPECT_EQ(run("ip netns list").out.find("ndlab-" + name + "-"), std::string::npos) << "lab namespaces left behind";
}

INSTANTIATE_TEST_SUITE_P(Nodes, AgentLabRoot, ::testing::Values(3, 6));

}  // namespace
}  // namespace nd::agent
