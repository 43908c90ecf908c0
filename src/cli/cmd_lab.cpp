// `netdoctor lab …`: a small cluster data plane in network namespaces, with the playbook's faults.
// The work is in src/lab (nd::lab); this file parses flags and prints.
#include <unistd.h>

#include <climits>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "lab/agents.h"
#include "lab/apiserver.h"
#include "lab/faults.h"
#include "lab/lab.h"
#include "lab/snapshot.h"
#include "lab/state_io.h"

namespace nd::cli {

namespace {

struct LabArgs {
  std::string name;
  int nodes = 3;
  std::string backend = "vxlan";
  std::string pod;
  std::vector<std::string> command;
  std::string fault, node, dir;
  bool all = false;
  bool agents = false;
  std::string out;
};

// The running netdoctor binary: what the lab's agents and API facade run.
std::string self_exe() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

// --name when given; else the only lab there is; else "lab".
std::string pick_name(const std::string& given) {
  if (!given.empty()) return given;
  auto labs = lab::list_labs();
  return labs.size() == 1 ? labs.front() : "lab";
}

int fail(const std::string& msg) {
  std::cerr << "netdoctor lab: " << msg << "\n";
  return 2;
}

Result<lab::State> load(const LabArgs& a) {
  std::string name = pick_name(a.name);
  if (auto e = lab::validate_name(name); !e.empty()) return Error{e};
  return lab::load_state(name);
}

int do_up(const LabArgs& a) {
  if (auto why = lab::lab_unavailable_reason(); !why.empty()) return fail(why);
  auto backend = lab::parse_backend(a.backend);
  if (!backend) return fail("unknown backend '" + a.backend + "' (host-gw, vxlan, directrouting)");
  lab::Spec spec{a.name.empty() ? "lab" : a.name, a.nodes, *backend, a.agents ? self_exe() : ""};
  auto s = lab::lab_up(spec, &std::cerr);
  if (!s) return fail(s.error().message);
  std::cout << lab::lab_status(*s);
  return 0;
}

int do_down(const LabArgs& a) {
  std::vector<std::string> names;
  if (a.all) {
    names = lab::list_labs();
  } else {
    names.push_back(pick_name(a.name));
  }
  int rc = 0;
  for (const auto& n : names) {
    auto r = lab::lab_down(n);
    if (!r) {
      std::cerr << "netdoctor lab: down " << n << ": " << r.error().message << "\n";
      rc = 2;
      continue;
    }
    if (r->empty()) std::cout << "lab " << n << ": nothing to remove\n";
    for (const auto& line : *r) std::cout << "removed " << line << "\n";
  }
  return rc;
}

int do_status(const LabArgs& a) {
  if (a.name.empty() && lab::list_labs().size() > 1) {
    std::cout << "labs:";
    for (const auto& n : lab::list_labs()) std::cout << " " << n;
    std::cout << "\n(pick one with --name)\n";
    return 0;
  }
  auto s = load(a);
  if (!s) return fail(s.error().message);
  std::cout << lab::lab_status(*s);
  return 0;
}

int do_exec(const LabArgs& a) {
  auto s = load(a);
  if (!s) return fail(s.error().message);
  const lab::PodState* p = s->pod(a.pod);
  if (!p) {
    std::string names;
    for (const auto& q : s->pods) names += "\n  " + q.ns + "/" + q.name;
    return fail("no pod '" + a.pod + "' in lab " + s->spec.name + "; pods:" + names);
  }
  auto rc = lab::lab_exec(*s, *p, a.command);
  if (!rc) return fail(rc.error().message);
  return *rc;
}

int do_fault_list(const LabArgs& a) {
  auto s = load(a);
  for (const auto& f : lab::fault_table()) {
    std::string where = f.scope == lab::FaultScope::Cluster  ? "cluster"
                        : f.scope == lab::FaultScope::DnsNode ? "DNS pod's node"
                                                              : "node (default node" + std::to_string(f.default_node) + ")";
    std::string state;
    if (s)
      for (const auto& x : s->faults)
        if (x.id == f.id) state += (state.empty() ? "  INJECTED" : ",") + (x.node.empty() ? "" : " on " + x.node);
    std::cout << f.id << "  [" << f.refs << "] " << where << state << "\n"
              << "    does:   " << f.what << "\n"
              << "    breaks: " << f.breaks << "\n"
              << "    check:  " << f.check << "\n";
  }
  return 0;
}

int do_fault(const LabArgs& a, bool inject) {
  auto s = load(a);
  if (!s) return fail(s.error().message);
  auto r = inject ? lab::inject_fault(*s, a.fault, a.node) : lab::heal_fault(*s, a.fault, a.node);
  if (!r) return fail(r.error().message);
  std::cout << *r << "\n";
  // With agents, their bundles are refreshed now, so that a live diagnose shows the change at once
  // rather than after the agents' next scheduled collection.
  if (!s->agents.empty()) {
    auto f = lab::refresh_agents(*s);
    if (!f) return fail(f.error().message);
    std::cout << "agents' bundles refreshed (" << s->agents.size() << " nodes)\n";
  }
  return 0;
}

int do_agents(const LabArgs& a, const std::string& what) {
  if (geteuid() != 0) return fail("the lab's agents need root (network namespaces)");
  auto s = load(a);
  if (!s) return fail(s.error().message);
  if (what == "start") {
    if (!s->agents.empty()) {
      if (auto why = lab::agents_problem(*s); why.empty())
        return fail("the agents of lab " + s->spec.name + " already run (lab agents stop first)");
      lab::stop_agents(*s);  // recorded but dead: start over
    }
    s->spec.agent_binary = self_exe();
    auto r = lab::start_agents(*s);
    if (!r) return fail(r.error().message);
    std::cout << "lab " << s->spec.name << ": " << s->agents.size() << " agents, API facade at "
              << lab::apiserver_url(*s) << "\n";
    return 0;
  }
  if (what == "stop") {
    if (s->agents.empty() && !s->apiserver_pid) {
      std::cout << "lab " << s->spec.name << ": no agents\n";
      return 0;
    }
    lab::stop_agents(*s);
    s->spec.agent_binary.clear();
    if (auto r = lab::save_state(*s); !r) return fail(r.error().message);
    std::cout << "lab " << s->spec.name << ": agents and API facade stopped\n";
    return 0;
  }
  if (what == "refresh") {
    if (auto why = lab::agents_problem(*s); !why.empty()) return fail(why);
    auto r = lab::refresh_agents(*s);
    if (!r) return fail(r.error().message);
    std::cout << *r;
    return 0;
  }
  // status
  if (auto why = lab::agents_problem(*s); !why.empty()) {
    std::cout << why << "\n";
    return 1;
  }
  std::cout << "lab " << s->spec.name << ": " << s->agents.size() << " agents and the API facade ("
            << lab::apiserver_url(*s) << ") run\n";
  return 0;
}

int do_kubeconfig(const LabArgs& a) {
  auto s = load(a);
  if (!s) return fail(s.error().message);
  if (s->agents.empty() && !s->apiserver_pid)
    std::cerr << "netdoctor lab: note: lab " << s->spec.name
              << " runs no API facade yet (lab agents start, or lab up --agents)\n";
  std::string text = lab::lab_kubeconfig(*s);
  if (a.out.empty()) {
    std::cout << text;
    return 0;
  }
  std::ofstream f(a.out, std::ios::trunc);
  f << text;
  if (!f.flush()) return fail("cannot write " + a.out);
  std::cout << "wrote " << a.out << "\n";
  return 0;
}

int do_apiserver(const LabArgs& a) {
  if (geteuid() != 0) return fail("the lab's API facade needs root (it enters node1's network namespace)");
  std::string name = pick_name(a.name);
  if (auto e = lab::validate_name(name); !e.empty()) return fail(e);
  return lab::run_apiserver(name, std::cerr);
}

int do_snapshot(const LabArgs& a) {
  auto s = load(a);
  if (!s) return fail(s.error().message);
  auto r = lab::write_snapshot(*s, a.dir);
  if (!r) return fail(r.error().message);
  std::cout << "snapshot of lab " << s->spec.name << " written to " << a.dir << " (" << r->files.size()
            << " files and node bundles)\n";
  for (const auto& n : r->notes) std::cout << "  note: " << n << "\n";
  return 0;
}

}  // namespace

void register_lab(CLI::App& app, Shared& shared) {
  auto args = std::make_shared<LabArgs>();
  auto* lab = app.add_subcommand("lab", "Build a small cluster data plane in network namespaces (root) and inject the playbook's faults");
  lab->require_subcommand(1);
  auto name_opt = [&](CLI::App* c) {
    c->add_option("--name", args->name, "lab name (a-z0-9, up to 12; default: the only lab, or \"lab\")");
  };

  auto* up = lab->add_subcommand("up", "build the lab (root)");
  name_opt(up);
  up->add_option("--nodes", args->nodes, "number of nodes (2-9)")->capture_default_str();
  up->add_option("--backend", args->backend, "host-gw | vxlan | directrouting")->capture_default_str();
  up->add_flag("--agents", args->agents,
               "also run `netdoctor agent` on every node and the read-only API facade on node1 (a live cluster)");
  up->callback([args, &shared] { shared.exit_code = do_up(*args); });

  auto* down = lab->add_subcommand("down", "remove the lab: processes, namespaces, state");
  name_opt(down);
  down->add_flag("--all", args->all, "remove every lab on this host");
  down->callback([args, &shared] { shared.exit_code = do_down(*args); });

  auto* status = lab->add_subcommand("status", "namespaces, pods with IPs, Services, injected faults");
  name_opt(status);
  status->callback([args, &shared] { shared.exit_code = do_status(*args); });

  auto* exec = lab->add_subcommand("exec", "run a command in a pod's network namespace with its resolv.conf");
  name_opt(exec);
  exec->add_option("pod", args->pod, "pod name or NAMESPACE/NAME")->required();
  exec->add_option("command", args->command, "the command, after --")->required();
  exec->callback([args, &shared] { shared.exit_code = do_exec(*args); });

  auto* fault = lab->add_subcommand("fault", "list, inject and heal faults");
  fault->require_subcommand(1);
  auto* list = fault->add_subcommand("list", "the faults, what they break, which are injected");
  name_opt(list);
  list->callback([args, &shared] { shared.exit_code = do_fault_list(*args); });
  for (bool inject : {true, false}) {
    auto* c = fault->add_subcommand(inject ? "inject" : "heal", inject ? "inject a fault" : "heal a fault");
    name_opt(c);
    c->add_option("fault", args->fault, "fault id (see `lab fault list`)")->required();
    c->add_option("--node", args->node, "node name or number (node-scoped faults)");
    c->callback([args, &shared, inject] { shared.exit_code = do_fault(*args, inject); });
  }

  auto* snap = lab->add_subcommand("snapshot", "write the lab as a snapshot directory for diagnose/trace");
  name_opt(snap);
  snap->add_option("dir", args->dir, "output directory")->required();
  snap->callback([args, &shared] { shared.exit_code = do_snapshot(*args); });

  auto* agents = lab->add_subcommand("agents", "the netdoctor agents (one per node) and the API facade");
  agents->require_subcommand(1);
  for (const char* what : {"start", "stop", "status", "refresh"}) {
    std::string w = what;
    auto* c = agents->add_subcommand(w, w == "start"     ? "start an agent on every node and the API facade on node1"
                                        : w == "stop"    ? "stop the agents and the API facade"
                                        : w == "refresh" ? "make every agent collect a fresh bundle now"
                                                         : "whether the agents and the facade run (exit 1 if not)");
    name_opt(c);
    c->callback([args, &shared, w] { shared.exit_code = do_agents(*args, w); });
  }

  auto* api = lab->add_subcommand(
      "apiserver", "serve the lab's objects read-only, as kube-apiserver would, on node1's address:6443 (in the foreground)");
  name_opt(api);
  api->callback([args, &shared] { shared.exit_code = do_apiserver(*args); });

  auto* kc = lab->add_subcommand("kubeconfig", "print a kubeconfig for the lab's API facade");
  name_opt(kc);
  kc->add_option("--out", args->out, "write it to this file instead");
  kc->callback([args, &shared] { shared.exit_code = do_kubeconfig(*args); });
}

}  // namespace nd::cli
