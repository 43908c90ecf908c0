#include "core/model.h"

#include <algorithm>

namespace nd {

const std::string* find_value(const StringMap& m, std::string_view key) {
  for (const auto& [k, v] : m)
    if (k == key) return &v;
  return nullptr;
}

bool selector_matches(const StringMap& selector, const StringMap& labels) {
  for (const auto& [k, v] : selector) {
    const std::string* have = find_value(labels, k);
    if (!have || *have != v) return false;
  }
  return true;
}

static const Condition* find_condition(const std::vector<Condition>& cs, std::string_view type) {
  for (const auto& c : cs)
    if (c.type == type) return &c;
  return nullptr;
}

const Condition* Pod::condition(std::string_view type) const { return find_condition(conditions, type); }

const Container* Pod::container(std::string_view name) const {
  for (const auto* list : {&containers, &init_containers, &ephemeral_containers})
    for (const auto& c : *list)
      if (c.name == name) return &c;
  return nullptr;
}

const Condition* Node::condition(std::string_view type) const { return find_condition(conditions, type); }

std::string Node::internal_ip() const {
  for (const auto& a : addresses)
    if (a.type == "InternalIP") return a.address;
  return {};
}

bool Node::ready() const {
  const Condition* c = condition("Ready");
  return c && c->status == "True";
}

const std::string* NodeBundle::file(std::string_view rel) const {
  auto it = files.find(std::string(rel));
  return it == files.end() ? nullptr : &it->second;
}

std::string NodeBundle::source(std::string_view rel, uint32_t line) const {
  std::string s = dir + "/" + std::string(rel);
  if (line) s += ":" + std::to_string(line);
  return s;
}

static std::string key2(std::string_view a, std::string_view b) {
  std::string k(a);
  k += '/';
  k += b;
  return k;
}

void Cluster::finalize() {
  // The same Event read through both APIs (core/v1 and events.k8s.io/v1 share names): keep the first.
  {
    std::map<std::string, bool, std::less<>> seen;
    std::vector<Event> unique;
    unique.reserve(events.size());
    for (auto& e : events) {
      if (!e.meta.name.empty() && !seen.emplace(key2(e.meta.ns, e.meta.name), true).second) continue;
      unique.push_back(std::move(e));
    }
    events = std::move(unique);
  }
  node_index_.clear();
  pod_index_.clear();
  cm_index_.clear();
  event_index_.clear();
  log_index_.clear();
  for (size_t i = 0; i < nodes.size(); ++i) node_index_.emplace(nodes[i].meta.name, i);
  for (size_t i = 0; i < pods.size(); ++i) pod_index_.emplace(key2(pods[i].meta.ns, pods[i].meta.name), i);
  for (size_t i = 0; i < config_maps.size(); ++i)
    cm_index_.emplace(key2(config_maps[i].meta.ns, config_maps[i].meta.name), i);
  for (size_t i = 0; i < events.size(); ++i) {
    const Event& e = events[i];
    event_index_[e.involved_kind + "/" + key2(e.involved_ns, e.involved_name)].push_back(i);
  }
  for (size_t i = 0; i < logs.size(); ++i) log_index_[key2(logs[i].ns, logs[i].pod)].push_back(i);
  workload_index_.clear();
  bundle_index_.clear();
  for (size_t i = 0; i < workloads.size(); ++i)
    workload_index_.emplace(workloads[i].kind + "/" + key2(workloads[i].meta.ns, workloads[i].meta.name), i);
  for (size_t i = 0; i < bundles.size(); ++i) bundle_index_.emplace(bundles[i].name, i);
  pods_by_ns_.clear();
  endpoints_by_service_.clear();
  for (const Pod& p : pods) pods_by_ns_[p.meta.ns].push_back(&p);
  for (const EndpointSet& e : endpoints) endpoints_by_service_[key2(e.meta.ns, e.service)].push_back(&e);
}

const std::vector<const Pod*>& Cluster::pods_in(std::string_view ns) const {
  static const std::vector<const Pod*> none;
  auto it = pods_by_ns_.find(ns);
  return it == pods_by_ns_.end() ? none : it->second;
}

const std::vector<const EndpointSet*>& Cluster::endpoints_of(std::string_view ns, std::string_view service) const {
  static const std::vector<const EndpointSet*> none;
  auto it = endpoints_by_service_.find(key2(ns, service));
  return it == endpoints_by_service_.end() ? none : it->second;
}

const Node* Cluster::node(std::string_view name) const {
  auto it = node_index_.find(name);
  return it == node_index_.end() ? nullptr : &nodes[it->second];
}

const Pod* Cluster::pod(std::string_view ns, std::string_view name) const {
  auto it = pod_index_.find(key2(ns, name));
  return it == pod_index_.end() ? nullptr : &pods[it->second];
}

const ConfigMap* Cluster::config_map(std::string_view ns, std::string_view name) const {
  auto it = cm_index_.find(key2(ns, name));
  return it == cm_index_.end() ? nullptr : &config_maps[it->second];
}

const Workload* Cluster::workload(std::string_view kind, std::string_view ns, std::string_view name) const {
  auto it = workload_index_.find(std::string(kind) + "/" + key2(ns, name));
  return it == workload_index_.end() ? nullptr : &workloads[it->second];
}

const NodeBundle* Cluster::bundle(std::string_view node) const {
  auto it = bundle_index_.find(node);
  return it == bundle_index_.end() ? nullptr : &bundles[it->second];
}

std::vector<const LogText*> Cluster::logs_of(std::string_view ns, std::string_view pod) const {
  std::vector<const LogText*> out;
  auto it = log_index_.find(key2(ns, pod));
  if (it != log_index_.end())
    for (size_t i : it->second) out.push_back(&logs[i]);
  return out;
}

std::vector<const Event*> Cluster::events_for(std::string_view kind, std::string_view ns,
                                              std::string_view name) const {
  std::vector<const Event*> out;
  auto it = event_index_.find(std::string(kind) + "/" + key2(ns, name));
  if (it != event_index_.end())
    for (size_t i : it->second) out.push_back(&events[i]);
  return out;
}

}  // namespace nd
