#include "checks/util.h"

#include <algorithm>

#include <fmt/format.h>

namespace nd::checks {

std::string at(const Meta& m, std::string_view path) {
  std::string s = m.src.str();
  if (!path.empty()) {
    s += ' ';
    s += path;
  }
  return s;
}

std::vector<StatusRef> all_statuses(const Pod& p) {
  std::vector<StatusRef> out;
  auto add = [&](const std::vector<ContainerStatus>& list, const std::vector<Container>& specs, ContainerRole role,
                 std::string_view field) {
    for (const auto& s : list) {
      const Container* spec = nullptr;
      for (const auto& c : specs)
        if (c.name == s.name) spec = &c;
      out.push_back({&s, spec, role, fmt::format(".status.{}[{}]", field, s.name)});
    }
  };
  add(p.init_statuses, p.init_containers, ContainerRole::Init, "initContainerStatuses");
  add(p.statuses, p.containers, ContainerRole::Regular, "containerStatuses");
  add(p.ephemeral_statuses, p.ephemeral_containers, ContainerRole::Ephemeral, "ephemeralContainerStatuses");
  return out;
}

bool is_sidecar(const StatusRef& s) {
  return s.role == ContainerRole::Init && s.spec && s.spec->restart_policy == "Always";
}

namespace {

bool is_error_line(std::string_view l) {
  // klog: "E0601 12:00:00.000000       1 file.go:12] msg" (also F for fatal)
  if (l.size() > 5 && (l[0] == 'E' || l[0] == 'F') && isdigit(l[1]) && isdigit(l[2]) && isdigit(l[3]) &&
      isdigit(l[4]))
    return true;
  static const std::string_view needles[] = {
      "[ERROR]", "[FATAL]", "[PANIC]", "level=error", "level=fatal", "level=panic", "\"level\":\"error\"",
      "\"level\":\"fatal\"", "panic:", " ERROR ", "[ERROR ", "Error registering network", "failed to acquire lease",
      "is not ready", "Failed to create SubnetManager", "connection refused", "i/o timeout", "Loop (",
  };
  for (auto n : needles)
    if (l.find(n) != std::string_view::npos) return true;
  return false;
}

template <typename F>
void each_line(const LogText& log, F&& f) {
  std::string_view t = log.text;
  uint32_t line = log.src.line ? log.src.line : 1;
  while (!t.empty()) {
    auto nl = t.find('\n');
    std::string_view l = t.substr(0, nl);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    f(l, line);
    if (nl == std::string_view::npos) break;
    t.remove_prefix(nl + 1);
    ++line;
  }
}

std::vector<const LogText*> ordered_logs(const Cluster& c, const Pod& p, std::string_view container,
                                         bool previous_first) {
  std::vector<const LogText*> logs;
  for (const LogText* l : c.logs_of(p.meta.ns, p.meta.name))
    if (container.empty() || l->container == container) logs.push_back(l);
  std::stable_sort(logs.begin(), logs.end(), [&](const LogText* a, const LogText* b) {
    return previous_first ? a->previous > b->previous : a->previous < b->previous;
  });
  return logs;
}

std::string trim_line(std::string_view l) {
  constexpr size_t kMax = 300;
  if (l.size() <= kMax) return std::string(l);
  return std::string(l.substr(0, kMax)) + "…";
}

}  // namespace

std::vector<Evidence> log_error_lines(const Cluster& c, const Pod& p, std::string_view container, size_t max,
                                      bool previous_first) {
  std::vector<Evidence> out;
  for (const LogText* log : ordered_logs(c, p, container, previous_first)) {
    std::vector<Evidence> found;
    each_line(*log, [&](std::string_view l, uint32_t line) {
      if (is_error_line(l)) found.push_back({log->src.file + ":" + std::to_string(line), trim_line(l)});
    });
    // Keep the newest ones: they are the closest to the failure.
    size_t from = found.size() > max - out.size() ? found.size() - (max - out.size()) : 0;
    for (size_t i = from; i < found.size(); ++i) out.push_back(std::move(found[i]));
    if (out.size() >= max) break;
  }
  return out;
}

std::vector<Evidence> log_tail(const Cluster& c, const Pod& p, std::string_view container, size_t n) {
  std::vector<Evidence> out;
  auto logs = ordered_logs(c, p, container, true);
  if (logs.empty()) return out;
  std::vector<Evidence> all;
  each_line(*logs.front(), [&](std::string_view l, uint32_t line) {
    if (!l.empty()) all.push_back({logs.front()->src.file + ":" + std::to_string(line), trim_line(l)});
  });
  size_t from = all.size() > n ? all.size() - n : 0;
  for (size_t i = from; i < all.size(); ++i) out.push_back(std::move(all[i]));
  return out;
}

Evidence event_evidence(const Event& e) {
  std::string text = fmt::format("{} {}{}: {}", e.type.empty() ? "Event" : e.type, e.reason,
                                 e.count > 1 ? fmt::format(" (x{})", e.count) : "", e.message);
  if (!e.last_time.empty()) text += " [last " + e.last_time + "]";
  return {e.meta.src.str(), text};
}

std::string exit_code_meaning(int code) {
  switch (code) {
    case 0:
      return "exit 0: the process ended normally";
    case 1:
      return "exit 1: the application reported an error";
    case 2:
      return "exit 2: misuse of a shell builtin or bad arguments";
    case 126:
      return "exit 126: the command is not executable";
    case 127:
      return "exit 127: command not found in the image";
    case 128 + 6:
      return "exit 134: SIGABRT (the process aborted)";
    case 128 + 9:
      return "exit 137: SIGKILL (killed: out of memory, or by the kubelet after a failed liveness probe)";
    case 128 + 11:
      return "exit 139: SIGSEGV (segmentation fault)";
    case 128 + 15:
      return "exit 143: SIGTERM (asked to stop)";
    default:
      if (code > 128 && code < 160) return fmt::format("exit {}: killed by signal {}", code, code - 128);
      return fmt::format("exit {}", code);
  }
}

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) s += sep;
    s += v[i];
  }
  return s;
}

std::string quote_condition(const Condition& c) {
  std::string s = c.type + "=" + c.status;
  if (!c.reason.empty()) s += " reason " + c.reason;
  if (!c.message.empty()) s += ": " + c.message;
  return s;
}

std::string kubectl_ns(const std::string& ns) { return ns.empty() ? "" : "-n " + ns; }

const Pod* cni_pod_on_node(const std::vector<const Pod*>& agents, std::string_view node) {
  for (const Pod* p : agents)
    if (p->node_name == node && p->meta.name.find("kube-controllers") == std::string::npos) return p;
  return nullptr;
}

std::string controller_of(const Cluster& c, const Pod& p) {
  for (const auto& o : p.meta.owners) {
    if (o.kind == "ReplicaSet") {
      if (const Workload* rs = c.workload("ReplicaSet", p.meta.ns, o.name))
        for (const auto& ro : rs->meta.owners)
          if (ro.kind == "Deployment") return "deployment/" + ro.name;
      const std::string* hash = find_value(p.meta.labels, "pod-template-hash");
      if (hash && o.name.size() > hash->size() + 1 && o.name.compare(o.name.size() - hash->size(), hash->size(), *hash) == 0)
        return "deployment/" + o.name.substr(0, o.name.size() - hash->size() - 1);
      return "replicaset/" + o.name;
    }
    if (o.kind == "DaemonSet" || o.kind == "StatefulSet" || o.kind == "Job") {
      std::string k = o.kind;
      for (auto& ch : k) ch = static_cast<char>(std::tolower(ch));
      return k + "/" + o.name;
    }
  }
  return {};
}

bool pod_ready(const Pod& p) {
  const Condition* c = p.condition("Ready");
  return c && c->status == "True";
}

}  // namespace nd::checks
