#include "lab/lab.h"

#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>
#include <sstream>

#include "lab/agents.h"
#include "lab/cni.h"
#include "lab/dns.h"
#include "lab/exec.h"
#include "lab/flannel.h"
#include "lab/kube_proxy.h"
#include "lab/netops.h"
#include "lab/pods.h"
#include "lab/state_io.h"
#include "lab/topology.h"

namespace nd::lab {

namespace fs = std::filesystem;

std::string lab_unavailable_reason() {
  if (geteuid() != 0) return "the lab needs root (network namespaces, iptables)";
  for (const char* tool : {"ip", "iptables-restore", "iptables-save", "bridge", "dnsmasq"}) {
    auto r = run({{tool, "--version"}, "", "", {}, 3000});
    if (!r || r->status == 127) return std::string("the lab needs `") + tool + "` on PATH";
  }
  for (const char* p : {"bridge", "host-local", "loopback"})
    if (access((std::string(kCniPath) + "/" + p).c_str(), X_OK) != 0)
      return std::string("the lab needs the CNI plugin ") + kCniPath + "/" + p +
             " (Debian: containernetworking-plugins)";
  // kubeadm's prerequisite too: without br_netfilter, bridged pod traffic never meets kube-proxy's
  // conntrack entries (the bridge-nf-off fault would be the lab's permanent state).
  if (access("/proc/sys/net/bridge/bridge-nf-call-iptables", F_OK) != 0)
    return "the lab needs the br_netfilter module (modprobe br_netfilter)";
  std::string probe = std::string(kNetnsPrefix) + "probe" + std::to_string(getpid());
  if (auto r = netns_add(probe); !r) {
    netns_del(probe);
    return "cannot create a network namespace here: " + r.error().message;
  }
  netns_del(probe);
  return "";
}

namespace {

// Holds SIGINT/SIGTERM/SIGHUP/SIGQUIT while it lives (the build takes about a second), so that an
// interrupted `lab up` still cleans up; children start with no blocked signals (reset_signals).
class SignalHold {
 public:
  SignalHold() {
    sigset_t block;
    sigemptyset(&block);
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) sigaddset(&block, sig);
    sigprocmask(SIG_BLOCK, &block, &old_);
  }
  ~SignalHold() { sigprocmask(SIG_SETMASK, &old_, nullptr); }
  SignalHold(const SignalHold&) = delete;
  SignalHold& operator=(const SignalHold&) = delete;

 private:
  sigset_t old_;
};

}  // namespace

Result<bool> resync(const State& s) {
  if (auto r = write_dns_files(s); !r) return r;
  for (const auto& n : s.nodes)
    if (auto r = sync_kube_proxy(s, n); !r) return r;
  return true;
}

static Result<bool> build(State& s, std::ostream* log) {
  auto step = [&](const std::string& what) {
    if (log) *log << "lab " << s.spec.name << ": " << what << "\n" << std::flush;
  };
  step("namespaces");
  if (auto r = create_namespaces(s); !r) return r;
  step("underlay, router, outside, database");
  if (auto r = wire_underlay(s); !r) return r;
  if (auto r = write_dns_files(s); !r) return r;
  if (auto r = start_outside_services(s); !r) return r;
  if (auto r = save_state(s); !r) return r;
  step("flannel (" + backend_name(s.spec.backend) + ") and CNI config on every node");
  for (const auto& n : s.nodes) {
    if (auto r = write_cni_config(s, n); !r) return r;
    if (auto r = setup_backend(s, n); !r) return r;
  }
  step("pods through the CNI plugins");
  for (auto& p : s.pods) {
    if (auto r = start_pod(s, p); !r) return r;
    if (auto r = save_state(s); !r) return r;
  }
  for (const auto& n : s.nodes)
    if (auto r = program_peers(s, n); !r) return r;
  step("kube-proxy rules and cluster DNS");
  if (auto r = write_dns_files(s); !r) return r;
  for (const auto& n : s.nodes)
    if (auto r = install_kube_proxy(s, n); !r) return r;
  if (auto r = start_cluster_dns(s); !r) return r.error();
  if (!s.spec.agent_binary.empty()) {
    step("netdoctor agents on every node, API facade on " + s.nodes.front().name);
    if (auto r = start_agents(s); !r) return r;
  }
  s.phase = "up";
  return save_state(s);
}

Result<State> lab_up(const Spec& spec, std::ostream* log) {
  if (auto e = validate_spec(spec); !e.empty()) return Error{e};
  if (fs::exists(state_path(spec.name)) ||
      !netns_list(std::string(kNetnsPrefix) + spec.name + "-").empty())
    return Error{"a lab named '" + spec.name + "' exists; remove it with `netdoctor lab down --name " +
                 spec.name + "`"};
  State s = make_plan(spec, now_rfc3339());
  if (auto r = save_state(s); !r) return r.error();
  Result<bool> r = true;
  {
    SignalHold hold;            // released last: a Ctrl-C waits until the guard has done its work
    LabGuard guard(spec.name);  // any failure below removes what was made
    r = build(s, log);
    if (r) guard.release();
  }
  if (!r) return Error{"lab up failed (everything it made was removed): " + r.error().message};
  return s;
}

Result<std::vector<std::string>> lab_down(const std::string& name) {
  if (auto e = validate_name(name); !e.empty()) return Error{e};
  std::vector<std::string> removed;
  std::string prefix = std::string(kNetnsPrefix) + name + "-";
  auto st = load_state(name);
  // CNI DEL first, as the kubelet does when it removes a sandbox (releases the host-local leases).
  if (st)
    for (const auto& p : st->pods)
      if (!p.cni_result.empty() && netns_exists(st->pod_netns(p)) && st->node(p.node) &&
          netns_exists(st->node_netns(*st->node(p.node))))
        cni_del(*st, p);
  // The agents and the API facade by their recorded pids first (a clean SIGTERM stop); whatever else
  // runs in the lab's namespaces is found below.
  if (st) stop_agents(*st);
  auto all = netns_list(prefix);
  for (const auto& ns : all) kill_netns_processes(ns);
  // Pods before nodes, nodes before the underlay: no order is required, but it keeps logs tidy.
  std::sort(all.begin(), all.end(), [&](const std::string& a, const std::string& b) {
    bool pa = a.find("-pod-") != std::string::npos, pb = b.find("-pod-") != std::string::npos;
    return pa != pb ? pa : a < b;
  });
  std::string errors;
  for (const auto& ns : all) {
    if (auto r = netns_del(ns); r)
      removed.push_back("netns " + ns);
    else
      errors += (errors.empty() ? "" : "; ") + r.error().message;
  }
  std::string dir = std::string(kStateRoot) + "/" + name;
  std::error_code ec;
  if (fs::exists(dir, ec)) {
    fs::remove_all(dir, ec);
    if (ec)
      errors += (errors.empty() ? "" : "; ") + ("remove " + dir + ": " + ec.message());
    else
      removed.push_back("directory " + dir);
  }
  if (!errors.empty()) return Error{errors};
  return removed;
}

std::vector<std::string> list_labs() {
  std::set<std::string> names;
  for (const auto& d : list_state_dirs())
    if (validate_name(d).empty()) names.insert(d);
  for (const auto& ns : netns_list(kNetnsPrefix)) {
    std::string rest = ns.substr(std::string(kNetnsPrefix).size());
    auto dash = rest.find('-');
    if (dash != std::string::npos && validate_name(rest.substr(0, dash)).empty())
      names.insert(rest.substr(0, dash));
  }
  return {names.begin(), names.end()};
}

std::string lab_status(const State& s) {
  std::ostringstream o;
  o << "lab " << s.spec.name << ": " << s.phase << ", backend " << backend_name(s.spec.backend) << ", "
    << s.nodes.size() << " nodes, created " << s.created << "\n";
  o << "state: " << state_path(s.spec.name) << "\n\nnamespaces:\n";
  auto present = netns_list(std::string(kNetnsPrefix) + s.spec.name + "-");
  for (const auto& ns : present) o << "  " << ns << "\n";
  o << "\nnodes:\n";
  for (const auto& n : s.nodes)
    o << "  " << n.name << "  " << n.ip << "  pods " << n.pod_cidr << "  netns " << s.node_netns(n) << "\n";
  o << "\npods:\n";
  for (const auto& p : s.pods) {
    bool serving = p.name == (s.dns_pod() ? s.dns_pod()->name : "")
                       ? running_pid(cluster_dns_pidfile(s), s.pod_netns(p)) != 0
                       : pod_server_running(s, p);
    o << "  " << p.ns << "/" << p.name << "  " << (p.ip.empty() ? "-" : p.ip) << "  on " << p.node
      << "  " << (serving ? "serving" : "NOT serving") << "\n";
  }
  o << "\nservices:\n";
  for (const auto& v : s.services) {
    o << "  " << v.ns << "/" << v.name << "  " << v.type << "  " << v.cluster_ip;
    for (const auto& p : v.ports) {
      o << "  " << p.port << "/" << p.protocol << "->" << p.target_port;
      if (p.node_port) o << " nodePort " << p.node_port;
    }
    o << "\n";
  }
  o << "\noutside: web " << kOutsideWebIp << ":80 (www." << kOutsideDomain << "), database " << kDbIp
    << ":" << kDbPort << " (db." << kOutsideDomain << "), upstream DNS " << kUpstreamDnsIp << "\n";
  if (!s.agents.empty()) {
    o << "\nagents (namespace " << kAgentNamespace << "):\n";
    for (const auto& a : s.agents)
      if (const NodeState* n = s.node(a.node))
        o << "  " << agent_pod_name(s, *n) << "  " << n->ip << ":" << kAgentPort << "  on " << n->name << "  pid "
          << a.pid << (pid_alive(a.pid) && pid_in_netns(a.pid, s.node_netns(*n)) ? "" : "  NOT running") << "\n";
    o << "API facade: " << apiserver_url(s) << " in " << s.node_netns(*apiserver_node(s)) << ", pid "
      << s.apiserver_pid
      << (pid_alive(s.apiserver_pid) && pid_in_netns(s.apiserver_pid, s.node_netns(*apiserver_node(s))) ? ""
                                                                                                           : "  NOT running")
      << " (netdoctor lab kubeconfig --name " << s.spec.name << ")\n";
  }
  o << "\nfaults:";
  if (s.faults.empty()) o << " none";
  o << "\n";
  for (const auto& f : s.faults) o << "  " << f.id << (f.node.empty() ? "" : " on " + f.node) << "\n";
  return o.str();
}

Result<int> lab_exec(const State& s, const PodState& pod, const std::vector<std::string>& argv) {
  if (argv.empty()) return Error{"lab exec: no command given (use: lab exec POD -- CMD ...)"};
  std::string resolv = pod_resolv_path(s, pod);
  if (!fs::exists(resolv)) return Error{"no resolv.conf for pod " + pod.name + " at " + resolv};
  pid_t pid = fork();
  if (pid < 0) return Error{std::string("fork: ") + std::strerror(errno)};
  if (pid == 0) {
    std::string e = enter_netns(s.pod_netns(pod));
    if (!e.empty()) {
      write_all(2, "lab exec: " + e + "\n");
      _exit(127);
    }
    // A private mount namespace, so the bind mount is seen by this command only.
    if (unshare(CLONE_NEWNS) != 0 || mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
        mount(resolv.c_str(), "/etc/resolv.conf", nullptr, MS_BIND, nullptr) != 0) {
      write_all(2, std::string("lab exec: cannot mount the pod's resolv.conf: ") + std::strerror(errno) + "\n");
      _exit(127);
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execvp(args[0], args.data());
    write_all(2, "lab exec: " + argv[0] + ": " + std::strerror(errno) + "\n");
    _exit(127);
  }
  int ws = 0;
  while (waitpid(pid, &ws, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(ws)) return WEXITSTATUS(ws);
  if (WIFSIGNALED(ws)) return 128 + WTERMSIG(ws);
  return 1;
}

}  // namespace nd::lab
