#include "lab/agents.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <httplib.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

#include "lab/daemon.h"
#include "lab/dns.h"
#include "lab/exec.h"
#include "lab/netops.h"
#include "lab/sha256.h"
#include "lab/state_io.h"

namespace nd::lab {

namespace fs = std::filesystem;

namespace {

constexpr const char* kSafe = "bcdfghjklmnpqrstvwxz2456789";

// The lab has no kubernetes.default Service; the agents' DNS probe asks for one the lab has.
constexpr const char* kAgentDnsName = "web.shop.svc.cluster.local";

// One TCP connect to ip:port with a deadline; true when it was accepted.
bool connects(const std::string& ip, int port, int timeout_ms) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = inet_pton(AF_INET, ip.c_str(), &a.sin_addr) == 1;
  if (ok && connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ok = false;
    if (errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      int err = 0;
      socklen_t len = sizeof err;
      ok = poll(&p, 1, timeout_ms) == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0;
    }
  }
  close(fd);
  return ok;
}

// Waits (bounded) until something accepts on ip:port inside netns, or pid has died.
Result<bool> wait_listening(const std::string& netns, const std::string& ip, int port, int pid, int timeout_ms) {
  auto r = run_in_netns(
      netns,
      [&](int out) {
        auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
        while (std::chrono::steady_clock::now() < end) {
          if (connects(ip, port, 200)) return 0;
          if (kill(pid, 0) != 0) {
            write_all(out, "the process exited");
            return 1;
          }
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        write_all(out, "nothing listens after " + std::to_string(timeout_ms) + " ms");
        return 1;
      },
      timeout_ms + 3000);
  if (!r) return r.error();
  if (r->status != 0) return Error{ip + ":" + std::to_string(port) + " in " + netns + ": " + r->out};
  return true;
}

std::string log_tail(const std::string& path) {
  auto t = read_file(path);
  if (!t || t->empty()) return "";
  std::string s = t->size() > 600 ? t->substr(t->size() - 600) : *t;
  return " (log " + path + ": " + s + ")";
}

// Execs `binary args...` as a lab daemon in netns, in a UTS namespace named after the node (so the
// bundle's hostname is the node's, as in a DaemonSet pod with hostNetwork).
Result<int> spawn_exec(const std::string& netns, const std::string& hostname, const std::string& log,
                       const std::string& binary, const std::vector<std::string>& args) {
  return spawn_daemon(netns, log, [&](int ready) {
    if (!hostname.empty() && unshare(CLONE_NEWUTS) == 0) sethostname(hostname.c_str(), hostname.size());
    std::vector<std::string> all{binary};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    // Readiness is proven afterwards by a connect (wait_listening); exec closes the pipe.
    write_all(ready, "ok\n");
    execv(binary.c_str(), argv.data());
    write_all(2, "exec " + binary + ": " + std::strerror(errno) + "\n");
    return 127;
  });
}

bool alive_in(int pid, const std::string& netns) { return pid > 0 && pid_alive(pid) && pid_in_netns(pid, netns); }

}  // namespace

std::string agent_pod_name(const State& s, const NodeState& n) {
  auto h = sha256(s.spec.name + "/netdoctor-agent/" + n.name);
  std::string sfx;
  for (size_t i = 0; i < 5; ++i) sfx.push_back(kSafe[h[i] % 27]);
  return "netdoctor-agent-" + sfx;
}

const NodeState* apiserver_node(const State& s) { return s.nodes.empty() ? nullptr : &s.nodes.front(); }

std::string apiserver_url(const State& s) {
  const NodeState* n = apiserver_node(s);
  return "http://" + (n ? n->ip : std::string("0.0.0.0")) + ":" + std::to_string(kApiServerPort);
}

std::string agent_log_path(const State& s, const NodeState& n) { return s.dir() + "/agents/" + n.name + "/agent.log"; }
std::string apiserver_log_path(const State& s) { return s.dir() + "/apiserver.log"; }

std::vector<std::string> agent_args(const State& s, const NodeState& n) {
  std::string peers;
  for (const auto& p : s.pods)
    if (p.deployment == "web" && p.node != n.name && !p.ip.empty())
      peers += (peers.empty() ? "" : ",") + p.ip + ":8080";
  std::vector<std::string> a{"agent",         "--listen",      n.ip + ":" + std::to_string(kAgentPort),
                             "--root",        node_dir(s, n),  "--node-name",
                             n.name,          "--interval",    "30s",
                             // the lab refreshes bundles after every fault inject/heal: never rate-limit that
                             "--min-refresh", "0s",            "--cluster-dns",
                             "auto",          "--dns-name",    kAgentDnsName,
                             "--probe-timeout", "500ms",       "--work-dir",
                             s.dir() + "/agents/" + n.name + "/work"};
  if (!peers.empty()) {
    a.push_back("--peers");
    a.push_back(peers);
  }
  return a;
}

Result<bool> start_agents(State& s) {
  const std::string& bin = s.spec.agent_binary;
  if (bin.empty()) return Error{"no netdoctor binary recorded for the agents"};
  if (access(bin.c_str(), X_OK) != 0) return Error{"cannot run " + bin + " (the agents' binary): " + std::strerror(errno)};
  if (!s.agents.empty() || s.apiserver_pid) return Error{"the lab's agents are already recorded; stop them first"};
  const NodeState* api = apiserver_node(s);
  if (!api) return Error{"the lab has no nodes"};
  auto fail = [&](const Error& e) -> Result<bool> {
    stop_agents(s);
    save_state(s);
    return e;
  };
  for (const auto& n : s.nodes) {
    std::error_code ec;
    fs::create_directories(s.dir() + "/agents/" + n.name + "/work", ec);
    std::string log = agent_log_path(s, n);
    auto pid = spawn_exec(s.node_netns(n), n.name, log, bin, agent_args(s, n));
    if (!pid) return fail(Error{"agent on " + n.name + ": " + pid.error().message});
    s.agents.push_back({n.name, *pid});
    if (auto r = save_state(s); !r) return fail(r.error());
  }
  // Wait for all of them together: each agent starts listening at once, before its first collection.
  for (const auto& a : s.agents) {
    const NodeState* n = s.node(a.node);
    if (auto r = wait_listening(s.node_netns(*n), n->ip, kAgentPort, a.pid, 10000); !r)
      return fail(Error{"agent on " + n->name + ": " + r.error().message + log_tail(agent_log_path(s, *n))});
  }
  auto pid = spawn_exec(s.node_netns(*api), api->name, apiserver_log_path(s), bin,
                        {"lab", "apiserver", "--name", s.spec.name});
  if (!pid) return fail(Error{"API facade: " + pid.error().message});
  s.apiserver_pid = *pid;
  if (auto r = save_state(s); !r) return fail(r.error());
  if (auto r = wait_listening(s.node_netns(*api), api->ip, kApiServerPort, *pid, 10000); !r)
    return fail(Error{"API facade: " + r.error().message + log_tail(apiserver_log_path(s))});
  return true;
}

void stop_agents(State& s) {
  // SIGTERM to all first, so that they stop together (each finishes its running collection).
  std::vector<std::pair<int, std::string>> procs;
  for (const auto& a : s.agents)
    if (const NodeState* n = s.node(a.node)) procs.emplace_back(a.pid, s.node_netns(*n));
  if (s.apiserver_pid && apiserver_node(s)) procs.emplace_back(s.apiserver_pid, s.node_netns(*apiserver_node(s)));
  for (const auto& [pid, ns] : procs)
    if (alive_in(pid, ns)) kill(pid, SIGTERM);
  for (const auto& [pid, ns] : procs) stop_pid_in_netns(pid, ns, 5000);
  s.agents.clear();
  s.apiserver_pid = 0;
}

std::string agents_problem(const State& s) {
  std::string why;
  auto add = [&](const std::string& w) { why += (why.empty() ? "" : "; ") + w; };
  if (s.agents.empty()) return "the lab runs no agents (lab up --agents, or lab agents start)";
  for (const auto& a : s.agents) {
    const NodeState* n = s.node(a.node);
    if (!n || !alive_in(a.pid, s.node_netns(*n))) add("the agent on " + a.node + " (pid " + std::to_string(a.pid) + ") is not running");
  }
  const NodeState* api = apiserver_node(s);
  if (!api || !alive_in(s.apiserver_pid, s.node_netns(*api)))
    add("the API facade (pid " + std::to_string(s.apiserver_pid) + ") is not running");
  return why;
}

Result<std::string> refresh_agents(const State& s) {
  std::string out;
  for (const auto& a : s.agents) {
    const NodeState* n = s.node(a.node);
    if (!n) continue;
    std::string ip = n->ip;
    auto r = run_in_netns(
        s.node_netns(*n),
        [&](int fd) {
          httplib::Client c(ip, kAgentPort);
          c.set_connection_timeout(std::chrono::seconds(2));
          c.set_read_timeout(std::chrono::seconds(60));
          auto res = c.Get("/bundle?refresh=1");
          if (!res) {
            write_all(fd, httplib::to_string(res.error()));
            return 1;
          }
          write_all(fd, "HTTP " + std::to_string(res->status) + ", collection " +
                            res->get_header_value("X-Netdoctor-Collection") + ", " + std::to_string(res->body.size()) +
                            " bytes");
          return res->status == 200 ? 0 : 1;
        },
        75000);
    if (!r) return r.error();
    if (r->status != 0) return Error{"refresh the agent on " + n->name + ": " + r->out};
    out += n->name + ": " + r->out + "\n";
  }
  return out;
}

std::string lab_kubeconfig(const State& s) {
  std::string id = "ndlab-" + s.spec.name;
  return "# netdoctor lab " + s.spec.name + ": the read-only API facade in " +
         (apiserver_node(s) ? s.node_netns(*apiserver_node(s)) : std::string("?")) +
         ".\n# Reachable only from inside the lab's namespaces, e.g.\n#   ip netns exec " +
         (apiserver_node(s) ? s.node_netns(*apiserver_node(s)) : std::string("?")) +
         " netdoctor diagnose --kubeconfig FILE\n"
         "apiVersion: v1\nkind: Config\nclusters:\n- name: " + id + "\n  cluster:\n    server: " + apiserver_url(s) +
         "\ncontexts:\n- name: " + id + "\n  context:\n    cluster: " + id + "\n    user: " + id +
         "\n    namespace: default\ncurrent-context: " + id + "\nusers:\n- name: " + id + "\n  user: {}\n";
}

}  // namespace nd::lab
