#include "lab/cni.h"

#include <nlohmann/json.hpp>

#include "lab/dns.h"
#include "lab/exec.h"
#include "lab/state_io.h"

namespace nd::lab {

using json = nlohmann::json;

int pod_mtu(const State& s) { return s.spec.backend == Backend::HostGw ? 1500 : 1450; }

std::string cni_conf_dir(const State& s, const NodeState& n) { return node_dir(s, n) + "/etc/cni/net.d"; }
std::string cni_conflist_path(const State& s, const NodeState& n) {
  return cni_conf_dir(s, n) + "/10-labnet.conflist";
}

std::string conflist_json(const State& s, const NodeState& n) {
  json range = {{"subnet", n.pod_cidr}, {"gateway", n.cni_gateway}};
  if (!n.range_start.empty()) range["rangeStart"] = n.range_start;
  if (!n.range_end.empty()) range["rangeEnd"] = n.range_end;
  json bridge = {
      {"type", "bridge"},
      {"bridge", "cni0"},
      {"isGateway", true},
      {"ipMasq", true},
      {"hairpinMode", true},
      {"mtu", pod_mtu(s)},
      {"ipam",
       {{"type", "host-local"},
        {"ranges", json::array({json::array({range})})},
        {"routes", json::array({{{"dst", "0.0.0.0/0"}}})},
        {"dataDir", node_dir(s, n) + "/var/lib/cni/networks"}}}};
  json conf = {{"cniVersion", "1.0.0"}, {"name", kCniNetwork}, {"plugins", json::array({bridge})}};
  return conf.dump(2) + "\n";
}

Result<bool> write_cni_config(const State& s, const NodeState& n) {
  if (auto r = write_file(cni_conflist_path(s, n), conflist_json(s, n)); !r) return r.error();
  // flanneld's /run/flannel/subnet.env: the cluster network, this node's lease, the pod MTU.
  std::string env = std::string("FLANNEL_NETWORK=") + kClusterCidr + "\nFLANNEL_SUBNET=" +
                    n.cni_gateway + "/" + n.pod_cidr.substr(n.pod_cidr.find('/') + 1) +
                    "\nFLANNEL_MTU=" + std::to_string(pod_mtu(s)) + "\nFLANNEL_IPMASQ=true\n";
  if (auto r = write_file(node_dir(s, n) + "/run/flannel/subnet.env", env); !r) return r.error();
  return true;
}

namespace {

Result<std::string> invoke(const State& s, const PodState& pod, const std::string& command,
                           const json& conf) {
  const NodeState* n = s.node(pod.node);
  if (!n) return Error{"pod " + pod.name + ": unknown node " + pod.node};
  std::string type = conf.value("type", "");
  Command c;
  c.argv = {std::string(kCniPath) + "/" + type};
  c.netns = s.node_netns(*n);
  c.input = conf.dump();
  c.env_add = {"CNI_COMMAND=" + command, "CNI_CONTAINERID=" + pod.container_id,
               "CNI_NETNS=/run/netns/" + s.pod_netns(pod), "CNI_IFNAME=" + std::string(type == "loopback" ? "lo" : "eth0"),
               std::string("CNI_PATH=") + kCniPath};
  c.timeout_ms = 15000;
  auto r = run(c);
  if (!r) return r.error();
  if (r->status != 0) {
    // Plugins report errors as JSON on stdout ({"code":..,"msg":..}); stderr may hold more.
    std::string msg = r->out;
    try {
      auto e = json::parse(r->out);
      msg = e.value("msg", "") + (e.contains("details") ? ": " + e.value("details", "") : "");
    } catch (...) {
    }
    if (!r->err.empty()) msg += (msg.empty() ? "" : "; ") + r->err;
    return Error{"CNI " + command + " " + type + " for pod " + pod.ns + "/" + pod.name + " on " +
                 pod.node + ": " + msg};
  }
  return r->out;
}

Result<json> load_conflist(const State& s, const PodState& pod) {
  const NodeState* n = s.node(pod.node);
  if (!n) return Error{"pod " + pod.name + ": unknown node " + pod.node};
  std::string path = cni_conflist_path(s, *n);
  auto text = read_file(path);
  if (!text) return text.error();
  try {
    return json::parse(*text);
  } catch (const std::exception& e) {
    return Error{path + ": " + e.what()};
  }
}

json plugin_conf(const json& list, const json& plugin) {
  json conf = plugin;
  conf["cniVersion"] = list.value("cniVersion", "1.0.0");
  conf["name"] = list.value("name", "");
  return conf;
}

}  // namespace

Result<bool> cni_add(const State& s, PodState& pod) {
  auto list = load_conflist(s, pod);
  if (!list) return list.error();
  json lo = {{"cniVersion", "1.0.0"}, {"name", "cni-loopback"}, {"type", "loopback"}};
  if (auto r = invoke(s, pod, "ADD", lo); !r) return r.error();
  json prev;
  for (const auto& plugin : (*list)["plugins"]) {
    json conf = plugin_conf(*list, plugin);
    if (!prev.is_null()) conf["prevResult"] = prev;
    auto r = invoke(s, pod, "ADD", conf);
    if (!r) return r.error();
    try {
      prev = json::parse(*r);
    } catch (const std::exception& e) {
      return Error{"CNI ADD for " + pod.name + ": result is not JSON: " + e.what()};
    }
  }
  pod.cni_result = prev.dump();
  pod.ip.clear();
  for (const auto& ipc : prev.value("ips", json::array())) {
    std::string a = ipc.value("address", "");
    if (a.find(':') == std::string::npos && !a.empty()) {
      pod.ip = a.substr(0, a.find('/'));
      break;
    }
  }
  if (pod.ip.empty()) return Error{"CNI ADD for " + pod.name + " returned no IPv4 address"};
  return true;
}

Result<bool> cni_del(const State& s, const PodState& pod) {
  auto list = load_conflist(s, pod);
  if (!list) return list.error();
  json prev;
  if (!pod.cni_result.empty()) {
    try {
      prev = json::parse(pod.cni_result);
    } catch (...) {
    }
  }
  const auto& plugins = (*list)["plugins"];
  std::string errors;
  for (auto it = plugins.rbegin(); it != plugins.rend(); ++it) {
    json conf = plugin_conf(*list, *it);
    if (!prev.is_null()) conf["prevResult"] = prev;
    if (auto r = invoke(s, pod, "DEL", conf); !r) errors += (errors.empty() ? "" : "; ") + r.error().message;
  }
  json lo = {{"cniVersion", "1.0.0"}, {"name", "cni-loopback"}, {"type", "loopback"}};
  if (auto r = invoke(s, pod, "DEL", lo); !r) errors += (errors.empty() ? "" : "; ") + r.error().message;
  if (!errors.empty()) return Error{errors};
  return true;
}

}  // namespace nd::lab
