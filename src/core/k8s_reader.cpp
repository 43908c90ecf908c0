#include "core/k8s_reader.h"

#include <algorithm>
#include <charconv>
#include <cstring>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <simdjson.h>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace nd {
namespace od = simdjson::ondemand;
namespace {

// Newlines in [p, end): pretty-printed kubectl JSON has one every ~30 bytes, so memchr-style
// skipping does not help; count 32 bytes at a time instead (std::count is byte by byte here).
size_t count_newlines(const char* p, const char* end) {
  size_t n = 0;
#if defined(__AVX2__)
  const __m256i nl = _mm256_set1_epi8('\n');
  for (; p + 32 <= end; p += 32) {
    __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    n += static_cast<size_t>(__builtin_popcount(static_cast<unsigned>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, nl)))));
  }
#endif
  for (; p < end; ++p) n += *p == '\n';
  return n;
}

// ---- Lenient scalar access: a field of the wrong type reads as empty, never throws. --------------

std::string str(od::value v) {
  switch (v.type().value()) {
    case od::json_type::string:
      return std::string(v.get_string().value());
    case od::json_type::number:
    case od::json_type::boolean: {
      std::string_view raw = v.raw_json_token();
      while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' || raw.back() == '\t'))
        raw.remove_suffix(1);
      return std::string(raw);
    }
    default:
      return {};
  }
}

int64_t integer(od::value v) {
  switch (v.type().value()) {
    case od::json_type::number: {
      int64_t i;
      if (v.get_int64().get(i) == simdjson::SUCCESS) return i;
      double d;
      if (v.get_double().get(d) == simdjson::SUCCESS) return static_cast<int64_t>(d);
      return 0;
    }
    case od::json_type::string: {
      std::string_view s = v.get_string().value();
      int64_t i = 0;
      std::from_chars(s.data(), s.data() + s.size(), i);
      return i;
    }
    default:
      return 0;
  }
}

bool boolean(od::value v) {
  switch (v.type().value()) {
    case od::json_type::boolean:
      return v.get_bool().value();
    case od::json_type::string: {
      std::string_view s = v.get_string().value();
      return s == "true" || s == "True";
    }
    default:
      return false;
  }
}

bool is_object(od::value v) { return v.type().value() == od::json_type::object; }
bool is_array(od::value v) { return v.type().value() == od::json_type::array; }

template <typename F>
void each_field(od::value v, F&& f) {
  if (!is_object(v)) return;
  for (auto field : v.get_object()) {
    std::string_view key = field.unescaped_key().value();
    f(key, field.value().value());
  }
}

// The same over an object the caller already holds (the kind readers).
template <typename F>
void each_field(od::object obj, F&& f) {
  for (auto field : obj) {
    std::string_view key = field.unescaped_key().value();
    f(key, field.value().value());
  }
}

template <typename F>
void each_object(od::value v, F&& f) {
  if (!is_array(v)) return;
  for (auto elem : v.get_array()) {
    od::value e = elem.value();
    if (is_object(e)) f(e);
  }
}

StringMap string_map(od::value v) {
  StringMap m;
  each_field(v, [&](std::string_view k, od::value val) { m.emplace_back(std::string(k), str(val)); });
  return m;
}

std::vector<std::string> string_list(od::value v) {
  std::vector<std::string> out;
  if (!is_array(v)) return out;
  for (auto elem : v.get_array()) out.push_back(str(elem.value()));
  return out;
}

// ---- Common pieces -------------------------------------------------------------------------

void read_meta(od::value v, Meta& m) {
  each_field(v, [&](std::string_view k, od::value val) {
    if (k == "name") m.name = str(val);
    else if (k == "namespace") m.ns = str(val);
    else if (k == "uid") m.uid = str(val);
    else if (k == "creationTimestamp") m.creation = str(val);
    else if (k == "labels") m.labels = string_map(val);
    else if (k == "annotations") m.annotations = string_map(val);
    else if (k == "ownerReferences")
      each_object(val, [&](od::value o) {
        OwnerRef r;
        each_field(o, [&](std::string_view k2, od::value v2) {
          if (k2 == "kind") r.kind = str(v2);
          else if (k2 == "name") r.name = str(v2);
          else if (k2 == "controller") r.controller = boolean(v2);
        });
        m.owners.push_back(std::move(r));
      });
  });
}

void read_conditions(od::value v, std::vector<Condition>& out) {
  each_object(v, [&](od::value o) {
    Condition c;
    each_field(o, [&](std::string_view k, od::value val) {
      if (k == "type") c.type = str(val);
      else if (k == "status") c.status = str(val);
      else if (k == "reason") c.reason = str(val);
      else if (k == "message") c.message = str(val);
      else if (k == "lastTransitionTime") c.last_transition = str(val);
    });
    out.push_back(std::move(c));
  });
}

void read_resources(od::value v, Container& c) {
  each_field(v, [&](std::string_view k, od::value val) {
    if (k == "limits" || k == "requests")
      each_field(val, [&](std::string_view r, od::value q) {
        if (r == "memory") (k == "limits" ? c.memory_limit : c.memory_request) = str(q);
      });
  });
}

void read_container(od::value v, Container& c) {
  each_field(v, [&](std::string_view k, od::value val) {
    if (k == "name") c.name = str(val);
    else if (k == "image") c.image = str(val);
    else if (k == "command") c.command = string_list(val);
    else if (k == "args") c.args = string_list(val);
    else if (k == "restartPolicy") c.restart_policy = str(val);
    else if (k == "resources") read_resources(val, c);
    else if (k == "ports")
      each_object(val, [&](od::value o) {
        ContainerPort p;
        each_field(o, [&](std::string_view k2, od::value v2) {
          if (k2 == "name") p.name = str(v2);
          else if (k2 == "containerPort") p.port = static_cast<int>(integer(v2));
          else if (k2 == "protocol") p.protocol = str(v2);
        });
        c.ports.push_back(std::move(p));
      });
    else if (k == "env")
      each_object(val, [&](od::value o) {
        EnvVar e;
        each_field(o, [&](std::string_view k2, od::value v2) {
          if (k2 == "name") e.name = str(v2);
          else if (k2 == "value") e.value = str(v2);
          else if (k2 == "valueFrom")
            each_field(v2, [&](std::string_view k3, od::value v3) {
              if (k3 == "configMapKeyRef")
                each_field(v3, [&](std::string_view k4, od::value v4) {
                  if (k4 == "name") e.config_map = str(v4);
                  else if (k4 == "key") e.config_key = str(v4);
                });
            });
        });
        c.env.push_back(std::move(e));
      });
    else if (k == "envFrom")
      each_object(val, [&](od::value o) {
        each_field(o, [&](std::string_view k2, od::value v2) {
          if (k2 == "configMapRef")
            each_field(v2, [&](std::string_view k3, od::value v3) {
              if (k3 == "name") c.env_from_config_maps.push_back(str(v3));
            });
        });
      });
  });
}

void read_containers(od::value v, std::vector<Container>& out) {
  each_object(v, [&](od::value o) {
    Container c;
    read_container(o, c);
    out.push_back(std::move(c));
  });
}

void read_state(od::value v, ContainerState& s) {
  each_field(v, [&](std::string_view k, od::value val) {
    ContainerState::Kind kind = k == "waiting"      ? ContainerState::Kind::Waiting
                                : k == "running"    ? ContainerState::Kind::Running
                                : k == "terminated" ? ContainerState::Kind::Terminated
                                                    : ContainerState::Kind::None;
    if (kind == ContainerState::Kind::None || !is_object(val)) return;
    s.kind = kind;
    each_field(val, [&](std::string_view k2, od::value v2) {
      if (k2 == "reason") s.reason = str(v2);
      else if (k2 == "message") s.message = str(v2);
      else if (k2 == "startedAt") s.started_at = str(v2);
      else if (k2 == "finishedAt") s.finished_at = str(v2);
      else if (k2 == "exitCode") s.exit_code = static_cast<int>(integer(v2));
      else if (k2 == "signal") s.signal = static_cast<int>(integer(v2));
    });
  });
}

void read_statuses(od::value v, std::vector<ContainerStatus>& out) {
  each_object(v, [&](od::value o) {
    ContainerStatus cs;
    each_field(o, [&](std::string_view k, od::value val) {
      if (k == "name") cs.name = str(val);
      else if (k == "image") cs.image = str(val);
      else if (k == "ready") cs.ready = boolean(val);
      else if (k == "started") cs.started = boolean(val);
      else if (k == "restartCount") cs.restart_count = static_cast<int>(integer(val));
      else if (k == "state") read_state(val, cs.state);
      else if (k == "lastState") read_state(val, cs.last);
    });
    out.push_back(std::move(cs));
  });
}

struct PodSpecParts {
  std::vector<Container>* containers;
  std::vector<Container>* init_containers;
  std::vector<Container>* ephemeral;  // may be null
  std::string* dns_policy;
  bool* host_network;
};

// The fields a pod spec and a pod template's spec share.
bool read_pod_spec_field(std::string_view k, od::value val, PodSpecParts p) {
  if (k == "containers") read_containers(val, *p.containers);
  else if (k == "initContainers") read_containers(val, *p.init_containers);
  else if (k == "ephemeralContainers" && p.ephemeral) read_containers(val, *p.ephemeral);
  else if (k == "dnsPolicy") *p.dns_policy = str(val);
  else if (k == "hostNetwork") *p.host_network = boolean(val);
  else return false;
  return true;
}

// ---- Kinds ---------------------------------------------------------------------------------

void read_pod(od::object obj, Pod& p) {
  each_field(obj, [&](std::string_view k, od::value v) {
    if (k == "metadata") read_meta(v, p.meta);
    else if (k == "spec")
      each_field(v, [&](std::string_view k2, od::value v2) {
        if (read_pod_spec_field(k2, v2, {&p.containers, &p.init_containers, &p.ephemeral_containers,
                                         &p.dns_policy, &p.host_network}))
          return;
        if (k2 == "nodeName") p.node_name = str(v2);
        else if (k2 == "restartPolicy") p.restart_policy = str(v2);
        else if (k2 == "nodeSelector") p.node_selector = string_map(v2);
        else if (k2 == "dnsConfig") {
          p.dns_config.present = true;
          each_field(v2, [&](std::string_view k3, od::value v3) {
            if (k3 == "nameservers") p.dns_config.nameservers = string_list(v3);
            else if (k3 == "searches") p.dns_config.searches = string_list(v3);
            else if (k3 == "options")
              each_object(v3, [&](od::value o) {
                std::string name, value;
                each_field(o, [&](std::string_view k4, od::value v4) {
                  if (k4 == "name") name = str(v4);
                  else if (k4 == "value") value = str(v4);
                });
                p.dns_config.options.emplace_back(std::move(name), std::move(value));
              });
          });
        }
      });
    else if (k == "status")
      each_field(v, [&](std::string_view k2, od::value v2) {
        if (k2 == "phase") p.phase = str(v2);
        else if (k2 == "reason") p.reason = str(v2);
        else if (k2 == "message") p.message = str(v2);
        else if (k2 == "podIP") p.pod_ip = str(v2);
        else if (k2 == "hostIP") p.host_ip = str(v2);
        else if (k2 == "qosClass") p.qos = str(v2);
        else if (k2 == "podIPs")
          each_object(v2, [&](od::value o) {
            each_field(o, [&](std::string_view k3, od::value v3) {
              if (k3 == "ip") p.pod_ips.push_back(str(v3));
            });
          });
        else if (k2 == "conditions") read_conditions(v2, p.conditions);
        else if (k2 == "containerStatuses") read_statuses(v2, p.statuses);
        else if (k2 == "initContainerStatuses") read_statuses(v2, p.init_statuses);
        else if (k2 == "ephemeralContainerStatuses") read_statuses(v2, p.ephemeral_statuses);
      });
  });
}

void read_node(od::object obj, Node& n) {
  each_field(obj, [&](std::string_view k, od::value v) {
    if (k == "metadata") read_meta(v, n.meta);
    else if (k == "spec")
      each_field(v, [&](std::string_view k2, od::value v2) {
        if (k2 == "podCIDR") n.pod_cidr = str(v2);
        else if (k2 == "podCIDRs") n.pod_cidrs = string_list(v2);
        else if (k2 == "unschedulable") n.unschedulable = boolean(v2);
        else if (k2 == "taints")
          each_object(v2, [&](od::value o) {
            Taint t;
            each_field(o, [&](std::string_view k3, od::value v3) {
              if (k3 == "key") t.key = str(v3);
              else if (k3 == "value") t.value = str(v3);
              else if (k3 == "effect") t.effect = str(v3);
            });
            n.taints.push_back(std::move(t));
          });
      });
    else if (k == "status")
      each_field(v, [&](std::string_view k2, od::value v2) {
        if (k2 == "conditions") read_conditions(v2, n.conditions);
        else if (k2 == "addresses")
          each_object(v2, [&](od::value o) {
            NodeAddress a;
            each_field(o, [&](std::string_view k3, od::value v3) {
              if (k3 == "type") a.type = str(v3);
              else if (k3 == "address") a.address = str(v3);
            });
            n.addresses.push_back(std::move(a));
          });
        else if (k2 == "nodeInfo")
          each_field(v2, [&](std::string_view k3, od::value v3) {
            if (k3 == "kubeletVersion") n.kubelet_version = str(v3);
            else if (k3 == "osImage") n.os_image = str(v3);
            else if (k3 == "containerRuntimeVersion") n.container_runtime = str(v3);
            else if (k3 == "kernelVersion") n.kernel = str(v3);
          });
      });
  });
  if (n.pod_cidrs.empty() && !n.pod_cidr.empty()) n.pod_cidrs.push_back(n.pod_cidr);
}

void read_service(od::object obj, Service& s) {
  each_field(obj, [&](std::string_view k, od::value v) {
    if (k == "metadata") read_meta(v, s.meta);
    else if (k == "spec")
      each_field(v, [&](std::string_view k2, od::value v2) {
        if (k2 == "type") s.type = str(v2);
        else if (k2 == "clusterIP") s.cluster_ip = str(v2);
        else if (k2 == "clusterIPs") s.cluster_ips = string_list(v2);
        else if (k2 == "externalName") s.external_name = str(v2);
        else if (k2 == "externalTrafficPolicy") s.external_traffic_policy = str(v2);
        else if (k2 == "selector") {
          s.selector = string_map(v2);
          s.has_selector = !s.selector.empty();
        } else if (k2 == "ports")
          each_object(v2, [&](od::value o) {
            ServicePort p;
            each_field(o, [&](std::string_view k3, od::value v3) {
              if (k3 == "name") p.name = str(v3);
              else if (k3 == "protocol") p.protocol = str(v3);
              else if (k3 == "port") p.port = static_cast<int>(integer(v3));
              else if (k3 == "nodePort") p.node_port = static_cast<int>(integer(v3));
              else if (k3 == "targetPort") {
                if (v3.type().value() == od::json_type::number) p.target_port = static_cast<int>(integer(v3));
                else {
                  std::string t = str(v3);
                  bool numeric = !t.empty() && std::all_of(t.begin(), t.end(), ::isdigit);
                  if (numeric) p.target_port = std::stoi(t);
                  else p.target_port_name = t;
                }
              }
            });
            s.ports.push_back(std::move(p));
          });
      });
  });
}

void read_target_ref(od::value v, EndpointAddress& a) {
  each_field(v, [&](std::string_view k, od::value val) {
    if (k == "kind") a.target_kind = str(val);
    else if (k == "name") a.target_name = str(val);
    else if (k == "namespace") a.target_ns = str(val);
  });
}

void read_endpoint_ports(od::value v, std::vector<EndpointPort>& out) {
  each_object(v, [&](od::value o) {
    EndpointPort p;
    each_field(o, [&](std::string_view k, od::value val) {
      if (k == "name") p.name = str(val);
      else if (k == "port") p.port = static_cast<int>(integer(val));
      else if (k == "protocol") p.protocol = str(val);
    });
    out.push_back(std::move(p));
  });
}

void read_endpoints(od::object obj, EndpointSet& e) {
  each_field(obj, [&](std::string_view k, od::value v) {
    if (k == "metadata") read_meta(v, e.meta);
    else if (k == "subsets")
      each_object(v, [&](od::value subset) {
        each_field(subset, [&](std::string_view k2, od::value v2) {
          bool ready = k2 == "addresses";
          if (k2 == "addresses" || k2 == "notReadyAddresses")
            each_object(v2, [&](od::value o) {
              EndpointAddress a;
              a.ready = ready;
              each_field(o, [&](std::string_view k3, od::value v3) {
                if (k3 == "ip") a.ip = str(v3);
                else if (k3 == "nodeName") a.node_name = str(v3);
                else if (k3 == "targetRef") read_target_ref(v3, a);
              });
              e.addresses.push_back(std::move(a));
            });
          else if (k2 == "ports")
            read_endpoint_ports(v2, e.ports);
        });
      });
  });
  e.service = e.meta.name;
}

void read_endpoint_slice(od::object obj, EndpointSet& e) {
  e.is_slice = true;
  each_field(obj, [&](std::string_view k, od::value v) {
    if (k == "metadata") read_meta(v, e.meta);
    else if (k == "addressType") e.address_type = str(v);
    else if (k == "ports") read_endpoint_ports(v, e.ports);
    else if (k == "endpoints")
      each_object(v, [&](od::value o) {
        std::vector<std::string> ips;
        EndpointAddress a;
        each_field(o, [&](std::string_view k2, od::value v2) {
          if (k2 == "addresses") ips = string_list(v2);
          else if (k2 == "nodeName") a.node_name = str(v2);
          else if (k2 == "targetRef") read_target_ref(v2, a);
          else if (k2 == "conditions")
            each_field(v2, [&](std::string_view k3, od::value v3) {
              // A nil ready condition means ready (discovery/v1 docs).
              if (k3 == "ready") a.ready = v3.type().value() == od::json_type::null ? true : boolean(v3);
              else if (k3 == "serving") a.serving = boolean(v3);
              else if (k3 == "terminating") a.terminating = boolean(v3);
            });
        });
        for (auto& ip : ips) {
          EndpointAddress copy = a;
          copy.ip = std::move(ip);
          e.addresses.push_back(std::move(copy));
        }
      });
  });
  const std::string* svc = find_value(e.meta.labels, "kubernetes.io/service-name");
  e.service = svc ? *svc : "";
}

void read_workload(od::object obj, Workload& w) {
  each_field(obj, [&](std::string_view k, od::value v) {
    if (k == "metadata") read_meta(v, w.meta);
    else if (k == "spec")
      each_field(v, [&](std::string_view k2, od::value v2) {
        if (k2 == "replicas") w.replicas = static_cast<int>(integer(v2));
        else if (k2 == "selector")
          each_field(v2, [&](std::string_view k3, od::value v3) {
            if (k3 == "matchLabels") w.selector = string_map(v3);
          });
        else if (k2 == "template")
          each_field(v2, [&](std::string_view k3, od::value v3) {
            if (k3 == "metadata")
              each_field(v3, [&](std::string_view k4, od::value v4) {
                if (k4 == "labels") w.template_labels = string_map(v4);
              });
            else if (k3 == "spec")
              each_field(v3, [&](std::string_view k4, od::value v4) {
                read_pod_spec_field(k4, v4, {&w.containers, &w.init_containers, nullptr, &w.dns_policy,
                                             &w.host_network});
              });
          });
      });
    else if (k == "status")
      each_field(v, [&](std::string_view k2, od::value v2) {
        int n = static_cast<int>(integer(v2));
        if (k2 == "desiredNumberScheduled" || k2 == "replicas") w.desired = n;
        else if (k2 == "currentNumberScheduled" || k2 == "currentReplicas") w.current = n;
        else if (k2 == "numberReady" || k2 == "readyReplicas") w.ready = n;
        else if (k2 == "numberAvailable" || k2 == "availableReplicas") w.available = n;
        else if (k2 == "updatedNumberScheduled" || k2 == "updatedReplicas") w.updated = n;
        else if (k2 == "numberUnavailable" || k2 == "unavailableReplicas") w.unavailable = n;
      });
  });
  if (w.kind != "DaemonSet" && w.replicas && w.desired == 0 && w.ready == 0) w.desired = 0;
}

void read_config_map(od::object obj, ConfigMap& c) {
  each_field(obj, [&](std::string_view k, od::value v) {
    if (k == "metadata") read_meta(v, c.meta);
    else if (k == "data") c.data = string_map(v);
  });
}

void read_event(od::object obj, Event& e) {
  each_field(obj, [&](std::string_view k, od::value v) {
    if (k == "metadata") read_meta(v, e.meta);
    else if (k == "involvedObject" || k == "regarding")
      each_field(v, [&](std::string_view k2, od::value v2) {
        if (k2 == "kind") e.involved_kind = str(v2);
        else if (k2 == "namespace") e.involved_ns = str(v2);
        else if (k2 == "name") e.involved_name = str(v2);
        else if (k2 == "uid") e.involved_uid = str(v2);
        else if (k2 == "fieldPath") e.involved_field = str(v2);
      });
    else if (k == "reason") e.reason = str(v);
    else if (k == "message" || k == "note") e.message = str(v);
    else if (k == "type") e.type = str(v);
    else if (k == "count") e.count = std::max<int>(e.count, static_cast<int>(integer(v)));
    else if (k == "firstTimestamp" || k == "deprecatedFirstTimestamp") {
      if (e.first_time.empty()) e.first_time = str(v);
    } else if (k == "lastTimestamp" || k == "deprecatedLastTimestamp") {
      if (e.last_time.empty()) e.last_time = str(v);
    } else if (k == "eventTime") {
      if (e.first_time.empty()) e.first_time = str(v);
    } else if (k == "deprecatedCount")
      e.count = std::max<int>(e.count, static_cast<int>(integer(v)));
    else if (k == "series")
      each_field(v, [&](std::string_view k2, od::value v2) {
        if (k2 == "count") e.count = std::max<int>(e.count, static_cast<int>(integer(v2)));
        else if (k2 == "lastObservedTime") e.last_time = str(v2);
      });
    else if (k == "source" || k == "deprecatedSource")
      each_field(v, [&](std::string_view k2, od::value v2) {
        if (k2 == "component" && e.component.empty()) e.component = str(v2);
        else if (k2 == "host") e.host = str(v2);
      });
    else if (k == "reportingController" || k == "reportingComponent") {
      if (e.component.empty()) e.component = str(v);
    }
  });
}

void read_network_policy(od::object obj, NetworkPolicy& np) {
  each_field(obj, [&](std::string_view k, od::value v) {
    if (k == "metadata") read_meta(v, np.meta);
    else if (k == "spec" && is_object(v)) {
      np.spec_json = std::string(v.get_object().value().raw_json().value());
    }
  });
  // policyTypes is read from the kept text by the policy engine; note presence of egress here.
  if (np.spec_json.find("\"Egress\"") != std::string::npos) np.policy_types.push_back("Egress");
  if (np.spec_json.find("\"Ingress\"") != std::string::npos || np.policy_types.empty())
    np.policy_types.insert(np.policy_types.begin(), "Ingress");
}

void read_namespace(od::object obj, Namespace& n) {
  each_field(obj, [&](std::string_view k, od::value v) {
    if (k == "metadata") read_meta(v, n.meta);
    else if (k == "status")
      each_field(v, [&](std::string_view k2, od::value v2) {
        if (k2 == "phase") n.phase = str(v2);
      });
  });
}

void read_ip_pool(od::object obj, IpPool& p) {
  each_field(obj, [&](std::string_view k, od::value v) {
    if (k == "metadata") read_meta(v, p.meta);
    else if (k == "spec")
      each_field(v, [&](std::string_view k2, od::value v2) {
        if (k2 == "cidr") p.cidr = str(v2);
        else if (k2 == "ipipMode") p.ipip_mode = str(v2);
        else if (k2 == "vxlanMode") p.vxlan_mode = str(v2);
        else if (k2 == "natOutgoing") p.nat_outgoing = boolean(v2);
        else if (k2 == "disabled") p.disabled = boolean(v2);
        else if (k2 == "blockSize") p.block_size = static_cast<int>(integer(v2));
        else if (k2 == "nodeSelector") p.node_selector = str(v2);
        else if (k2 == "ipip")  // projectcalico.org v1 (Calico 2.x) spelled it ipip.enabled/mode
          each_field(v2, [&](std::string_view k3, od::value v3) {
            if (k3 == "mode") p.ipip_mode = str(v3);
            else if (k3 == "enabled" && boolean(v3) && p.ipip_mode.empty()) p.ipip_mode = "Always";
          });
      });
  });
}

void read_installation(od::object obj, CalicoInstallation& inst, std::vector<IpPool>& pools,
                       const Source& src) {
  each_field(obj, [&](std::string_view k, od::value v) {
    if (k == "metadata") read_meta(v, inst.meta);
    else if (k == "spec")
      each_field(v, [&](std::string_view k2, od::value v2) {
        if (k2 != "calicoNetwork") return;
        each_field(v2, [&](std::string_view k3, od::value v3) {
          if (k3 == "bgp") inst.bgp = str(v3);
          else if (k3 == "mtu") inst.mtu = static_cast<int>(integer(v3));
          else if (k3 == "linuxDataplane") inst.linux_dataplane = str(v3);
          else if (k3 == "ipPools")
            each_object(v3, [&](od::value o) {
              IpPool p;
              p.from_installation = true;
              p.nat_outgoing = true;  // the operator's default is natOutgoing: Enabled
              p.api_group = "operator.tigera.io";
              each_field(o, [&](std::string_view k4, od::value v4) {
                if (k4 == "cidr") p.cidr = str(v4);
                else if (k4 == "name") p.meta.name = str(v4);
                else if (k4 == "encapsulation") p.encapsulation = str(v4);
                else if (k4 == "natOutgoing") p.nat_outgoing = str(v4) == "Enabled";
                else if (k4 == "blockSize") p.block_size = static_cast<int>(integer(v4));
                else if (k4 == "nodeSelector") p.node_selector = str(v4);
                else if (k4 == "disableBGPExport") {
                }
              });
              p.meta.src = src;
              pools.push_back(std::move(p));
            });
        });
      });
  });
}

// ---- Dispatch ------------------------------------------------------------------------------

std::string api_group(std::string_view api_version) {
  auto slash = api_version.find('/');
  return slash == std::string_view::npos ? "" : std::string(api_version.substr(0, slash));
}

class Reader {
 public:
  Reader(const JsonInput& in, Cluster& c) : in_(in), c_(c) {}

  // Line of a position in the JSON text (monotonic calls are O(distance)).
  uint32_t line_at(const char* p) {
    const char* base = in_.json.data();
    if (p < base || p > base + in_.json.size()) return 0;
    if (pos_ == nullptr || p < pos_) {
      pos_ = base;
      line_ = in_.first_line;
    }
    line_ += static_cast<uint32_t>(count_newlines(pos_, p));
    pos_ = p;
    return line_;
  }

  Source source_of(od::value v, size_t item_index, bool is_item) {
    Source s{in_.rel, 0};
    if (in_.from_yaml) {
      if (is_item && in_.yaml_item_lines && item_index < in_.yaml_item_lines->size())
        s.line = (*in_.yaml_item_lines)[item_index];
      else
        s.line = in_.yaml_line;
    } else {
      std::string_view tok = v.raw_json_token();
      if (!tok.empty()) s.line = line_at(tok.data());
    }
    return s;
  }

  // One object of known (or looked-up) kind.
  void object(od::value v, std::string kind, std::string api_version, Source src) {
    od::object obj = v.get_object();
    if (kind.empty() || api_version.empty()) {
      // Look the kind up wherever it stands, then read the object from its start.
      for (auto field : obj) {
        std::string_view k = field.unescaped_key().value();
        if (k == "kind" && kind.empty()) kind = str(field.value());
        else if (k == "apiVersion" && api_version.empty()) api_version = str(field.value());
        if (!kind.empty() && !api_version.empty()) break;  // kubectl prints them first
      }
      obj.reset();
    }
    c_.objects++;
    if (!kind.empty()) c_.listed_kinds.emplace(kind, src);
    const std::string group = api_group(api_version);
    if (kind == "Pod") {
      Pod& p = c_.pods.emplace_back();
      read_pod(obj, p);
      p.meta.src = std::move(src);
    } else if (kind == "Node") {
      Node& n = c_.nodes.emplace_back();
      read_node(obj, n);
      n.meta.src = std::move(src);
    } else if (kind == "Service") {
      Service& s = c_.services.emplace_back();
      read_service(obj, s);
      s.meta.src = std::move(src);
    } else if (kind == "Endpoints") {
      EndpointSet& e = c_.endpoints.emplace_back();
      read_endpoints(obj, e);
      e.meta.src = std::move(src);
    } else if (kind == "EndpointSlice") {
      EndpointSet& e = c_.endpoints.emplace_back();
      read_endpoint_slice(obj, e);
      e.meta.src = std::move(src);
    } else if (kind == "DaemonSet" || kind == "Deployment" || kind == "ReplicaSet" || kind == "StatefulSet") {
      Workload& w = c_.workloads.emplace_back();
      w.kind = kind;
      read_workload(obj, w);
      w.meta.src = std::move(src);
    } else if (kind == "ConfigMap") {
      ConfigMap& cm = c_.config_maps.emplace_back();
      read_config_map(obj, cm);
      cm.meta.src = std::move(src);
    } else if (kind == "Event") {
      Event& e = c_.events.emplace_back();
      e.events_k8s_io = group == "events.k8s.io";
      read_event(obj, e);
      e.meta.src = std::move(src);
    } else if (kind == "NetworkPolicy" && (group == "networking.k8s.io" || group.empty())) {
      NetworkPolicy& np = c_.network_policies.emplace_back();
      read_network_policy(obj, np);
      np.meta.src = std::move(src);
    } else if (kind == "Namespace") {
      Namespace& n = c_.namespaces.emplace_back();
      read_namespace(obj, n);
      n.meta.src = std::move(src);
    } else if (kind == "IPPool" && (group == "crd.projectcalico.org" || group == "projectcalico.org")) {
      IpPool& p = c_.ip_pools.emplace_back();
      p.api_group = group;
      read_ip_pool(obj, p);
      p.meta.src = std::move(src);
    } else if (kind == "Installation" && group == "operator.tigera.io") {
      CalicoInstallation& inst = c_.calico_installations.emplace_back();
      read_installation(obj, inst, c_.ip_pools, src);
      inst.meta.src = std::move(src);
    }
    else {
      for (auto field : obj) (void)field;  // any other kind: skipped (DESIGN.md), but read to its end
    }
  }

  // A document: an object (maybe a List) or an array of objects.
  void document(od::value root) {
    if (is_array(root)) {
      size_t i = 0;
      for (auto elem : root.get_array()) {
        od::value v = elem.value();
        if (is_object(v)) object(v, "", "", source_of(v, i, true));
        ++i;
      }
      return;
    }
    if (!is_object(root)) return;
    od::object obj = root.get_object();
    // One pass over the root: kubectl prints a List's "kind" after its "items", cluster-info dump
    // before them; items read before the kind is known look their own kind up.
    std::string kind, api_version;
    bool has_items = false;
    size_t kindless = 0;  // items without a kind of their own, read before the List's kind was known
    for (auto field : obj) {
      std::string_view k = field.unescaped_key().value();
      if (k == "kind") kind = str(field.value());
      else if (k == "apiVersion") api_version = str(field.value());
      else if (k == "items") {
        od::value items = field.value();
        if (!is_array(items)) continue;
        has_items = true;
        kindless += read_items(items, item_kind_of(kind), api_version);
      }
    }
    if (!has_items) {  // a single object: read it from its start, now that its kind is known
      obj.reset();
      object(root, kind, api_version, source_of(root, 0, false));
      return;
    }
    std::string item_kind = item_kind_of(kind);
    if (!item_kind.empty()) c_.listed_kinds.emplace(item_kind, Source{in_.rel, 0});
    if (kindless > 0 && !item_kind.empty()) {
      // Rare: kind-less items before a "PodList"-style kind. Read those items again, knowing it.
      obj.reset();
      second_pass_ = true;
      for (auto field : obj) {
        if (field.unescaped_key().value() != "items") continue;
        od::value items = field.value();
        if (is_array(items)) read_items(items, item_kind, api_version);
      }
      second_pass_ = false;
    }
  }

 private:
  // "PodList" -> "Pod"; "List" or no kind -> "" (items name their own kind).
  static std::string item_kind_of(const std::string& kind) {
    if (kind.size() > 4 && kind != "List" && kind.compare(kind.size() - 4, 4, "List") == 0)
      return kind.substr(0, kind.size() - 4);
    return {};
  }

  // Returns how many items had no kind to go by (skipped, unless this is the second pass).
  size_t read_items(od::value items, const std::string& item_kind, const std::string& api_version) {
    size_t i = 0, kindless = 0;
    for (auto elem : items.get_array()) {
      od::value v = elem.value();
      if (is_object(v)) {
        if (item_kind.empty()) {
          if (!has_own_kind(v)) {
            ++kindless;
            ++i;
            continue;
          }
          if (!second_pass_) object(v, "", "", source_of(v, i, true));
        } else if (second_pass_) {
          if (!has_own_kind(v)) object(v, item_kind, api_version, source_of(v, i, true));
        } else {
          object(v, item_kind, api_version, source_of(v, i, true));
        }
      }
      ++i;
    }
    return kindless;
  }

  static bool has_own_kind(od::value v) {  // without reading it: the object is reset after
    od::object o = v.get_object();
    bool found = false;
    for (auto field : o)
      if (field.unescaped_key().value() == "kind") {
        found = true;
        break;
      }
    o.reset();
    return found;
  }

  bool second_pass_ = false;

  const JsonInput& in_;
  Cluster& c_;
  const char* pos_ = nullptr;
  uint32_t line_ = 1;
};

}  // namespace

std::string locate_json_error(std::string_view json, const std::string& rel, uint32_t first_line,
                              std::string_view fallback) {
  try {
    nlohmann::json ignored = nlohmann::json::parse(json.begin(), json.end());
    (void)ignored;
  } catch (const nlohmann::json::parse_error& e) {
    size_t byte = e.byte ? e.byte - 1 : 0;
    if (byte > json.size()) byte = json.size();
    uint32_t line = first_line + static_cast<uint32_t>(std::count(json.begin(), json.begin() + byte, '\n'));
    size_t nl = json.rfind('\n', byte ? byte - 1 : 0);
    size_t col = nl == std::string_view::npos ? byte + 1 : byte - nl;
    std::string what = e.what();
    // nlohmann's text: "[json.exception.parse_error.101] parse error at line 3, column 5: syntax error while
    // parsing object - unexpected string literal; expected '}'": keep the part after the position.
    auto colon = what.find(": ", what.find("column"));
    if (colon != std::string::npos) what = what.substr(colon + 2);
    return fmt::format("{}:{}:{}: invalid JSON: {}", rel, line, col, what);
  } catch (const std::exception& e) {
    return fmt::format("{}: invalid JSON: {}", rel, e.what());
  }
  return fmt::format("{}: cannot read JSON: {}", rel, fallback);
}

Result<size_t> read_k8s_json(const JsonInput& in, Cluster& cluster) {
  size_t before = cluster.objects;
  // Parse into a scratch cluster so a failing file adds nothing ("no partial garbage").
  Cluster scratch;
  static thread_local od::parser parser;
  try {
    od::document doc = parser.iterate(simdjson::padded_string_view(in.json.data(), in.json.size(),
                                                                    in.json.size() + simdjson::SIMDJSON_PADDING));
    od::value root = doc.get_value();
    Reader r(in, scratch);
    r.document(root);
    const char* next = nullptr;
    if (doc.current_location().get(next) == simdjson::SUCCESS)  // another token after the document
      throw simdjson::simdjson_error(simdjson::TRAILING_CONTENT);
  } catch (const simdjson::simdjson_error& e) {
    return Error{locate_json_error(in.json, in.rel, in.first_line, e.what())};
  }
  // Move the scratch objects in.
  auto move_all = [](auto& dst, auto& src) {
    if (dst.empty()) dst = std::move(src);
    else dst.insert(dst.end(), std::make_move_iterator(src.begin()), std::make_move_iterator(src.end()));
  };
  cluster.objects += scratch.objects;
  move_all(cluster.pods, scratch.pods);
  move_all(cluster.nodes, scratch.nodes);
  move_all(cluster.services, scratch.services);
  move_all(cluster.endpoints, scratch.endpoints);
  move_all(cluster.workloads, scratch.workloads);
  move_all(cluster.config_maps, scratch.config_maps);
  move_all(cluster.events, scratch.events);
  move_all(cluster.network_policies, scratch.network_policies);
  move_all(cluster.namespaces, scratch.namespaces);
  move_all(cluster.ip_pools, scratch.ip_pools);
  move_all(cluster.calico_installations, scratch.calico_installations);
  for (auto& [k, v] : scratch.listed_kinds) cluster.listed_kinds.emplace(k, v);
  return cluster.objects - before;
}

}  // namespace nd
