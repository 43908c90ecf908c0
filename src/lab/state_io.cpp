#include "lab/state_io.h"

#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace nd::lab {

NLOHMANN_JSON_SERIALIZE_ENUM(Backend, {{Backend::HostGw, "host-gw"},
                                       {Backend::Vxlan, "vxlan"},
                                       {Backend::DirectRouting, "directrouting"}})
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Spec, name, nodes, backend, agent_binary)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(NodeState, name, index, segment, ip, gateway, prefix,
                                                pod_cidr, cni_gateway, range_start, range_end,
                                                vtep_mac, mtu, created)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PortDef, name, port, protocol, serve, localhost)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ContainerDef, name, image, ports)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PodState, ns, name, node, owner, deployment, labels,
                                                dns_policy, containers, container_id, ip,
                                                cni_result, server_pid, uid, created)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ServicePortDef, name, protocol, port, target_port,
                                                node_port)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ServiceState, ns, name, type, cluster_ip, ports,
                                                selector, uid, created)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(FaultState, id, node)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(AgentState, node, pid)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(State, spec, phase, created, nodes, pods, services,
                                                faults, outside_pid, db_pid, agents, apiserver_pid)

namespace fs = std::filesystem;

std::string state_path(const std::string& lab_name) {
  return std::string(kStateRoot) + "/" + lab_name + "/state.json";
}

std::string state_to_json(const State& s) { return nlohmann::json(s).dump(2) + "\n"; }

Result<State> state_from_json(const std::string& text, const std::string& origin) {
  try {
    return nlohmann::json::parse(text).get<State>();
  } catch (const std::exception& e) {
    return Error{origin + ": not a lab state file: " + e.what()};
  }
}

Result<State> load_state(const std::string& lab_name) {
  std::string path = state_path(lab_name);
  auto text = read_file(path);
  if (!text) return Error{"no lab named '" + lab_name + "' (" + text.error().message + ")"};
  return state_from_json(*text, path);
}

Result<bool> save_state(const State& s) { return write_file(state_path(s.spec.name), state_to_json(s)); }

std::vector<std::string> list_state_dirs() {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(kStateRoot, ec))
    if (e.is_directory()) out.push_back(e.path().filename().string());
  return out;
}

Result<bool> write_file(const std::string& path, const std::string& content) {
  std::error_code ec;
  fs::create_directories(fs::path(path).parent_path(), ec);
  if (ec) return Error{"create directory for " + path + ": " + ec.message()};
  std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) return Error{"cannot write " + tmp};
    f << content;
    if (!f.flush()) return Error{"write failed: " + tmp};
  }
  fs::rename(tmp, path, ec);
  if (ec) return Error{"rename " + tmp + " -> " + path + ": " + ec.message()};
  return true;
}

Result<std::string> read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return Error{"cannot read " + path};
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::string now_rfc3339() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace nd::lab
