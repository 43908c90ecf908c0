// One question: classify it by the playbook's kinds of traffic (P1), walk it, and sum up the hops.
#include <fmt/format.h>

#include "trace/walk.h"

namespace nd::trace {
namespace {

std::string describe_to(const End& e, const std::string& proto) {
  std::string s = e.text;
  // Fill in the port and protocol a Service or pod destination implies: "svc/ns/x:80/tcp".
  if (e.port && s.find(':') == std::string::npos) s += fmt::format(":{}", e.port);
  if (e.port && s.find('/' + proto) == std::string::npos && s.find('/' + lower(proto)) == std::string::npos)
    s += "/" + proto;
  return s;
}

}  // namespace

Result<TraceResult> Impl::run(const End& from, const End& to) const {
  TraceResult r;
  r.from = from.text;
  const std::string proto = to.protocol.empty() ? "tcp" : to.protocol;
  r.to = describe_to(to, proto);
  Walk w;
  egress_seen.clear();
  auto unsupported = [&](const char* what) {
    return Error{fmt::format("trace from {} to {}: {}", from.text, to.text, what)};
  };
  if (from.kind == End::Pod) {
    const nd::Pod& src = *from.pod;
    pod_start(w, src);
    if (to.kind == End::Pod) {
      const nd::Pod& dst = *to.pod;
      if (&dst == &src) {
        r.kind = "container-to-container";
        bool declared = false, any = false;
        for (const auto& ct : src.containers)
          for (const auto& cp : ct.ports) {
            any = true;
            declared |= cp.port == to.port;
          }
        w.add(at_pod_name(src),
              fmt::format("localhost{}: the containers of a pod share one network namespace; no node or policy is "
                          "involved",
                          to.port ? fmt::format(":{}", to.port) : std::string()),
              src.meta.src.str(), to.port && any && !declared ? "warn" : "pass");
      } else {
        r.kind = src.node_name == dst.node_name ? "pod-to-pod-same-node" : "pod-to-pod-cross-node";
        policy_hop(w, netpol::egress(policies, party(from), pod_party(dst), to.port, proto), at_pod_name(src), false);
        to_pod(w, from, src.node_name, dst, to.port, proto, true, from.ip);
      }
    } else if (to.kind == End::Service) {
      r.kind = "pod-to-service";
      const nd::Service& s = *to.svc;
      w.add("svc/" + s.meta.ns + "/" + s.meta.name,
            fmt::format("{} {}:{}/{} (targetPort {})", s.type, s.headless() ? "headless" : s.cluster_ip, to.svc_port->port,
                        lower(to.svc_port->protocol),
                        to.svc_port->target_port_name.empty()
                            ? std::to_string(to.svc_port->target_port ? to.svc_port->target_port : to.svc_port->port)
                            : to.svc_port->target_port_name),
            s.meta.src.str(), "pass");
      std::vector<Backend> bs;
      if (service_hops(w, src.node_name, s, *to.svc_port, &bs, false, 0))
        backends(w, from, src.node_name, bs, proto, true, from.ip, true);
    } else if (to.kind == End::Outside) {
      r.kind = "pod-to-external";
      policy_hop(w, netpol::egress(policies, party(from), party(to), to.port, proto), at_pod_name(src), false);
      egress(w, src, to, proto);
      r.egress_source = egress_seen;
    } else {
      return unsupported("a pod to a node is not a kind of traffic trace models (trace the node to the pod instead)");
    }
  } else if (from.kind == End::Node) {
    w.add("node/" + from.node, fmt::format("{} sends from its own address {}", from.node, from.ip.empty() ? "(unknown)" : from.ip),
          from.node_obj ? from.node_obj->meta.src.str() : "nodes/" + from.node, "pass");
    r.kind = "node-to-pod";
    if (to.kind == End::Pod) {
      to_pod(w, from, from.node, *to.pod, to.port, proto, false, source_for(from.node, to.pod->pod_ip));
    } else if (to.kind == End::Service) {
      std::vector<Backend> bs;
      if (service_hops(w, from.node, *to.svc, *to.svc_port, &bs, false, 0))
        backends(w, from, from.node, bs, proto, false, from.ip, false, true);
    } else {
      return unsupported("from a node, trace a pod (NS/NAME) or a Service (svc/NS/NAME)");
    }
  } else if (from.kind == End::Outside) {
    // From outside the cluster only a NodePort (or a LoadBalancer's node port) leads in.
    const nd::Service* s = nullptr;
    const ServicePort* sp = nullptr;
    std::string node;
    int np = 0;
    if (to.kind == End::Node) {
      if (!to.port) return unsupported("from outside, name the NodePort: node/NAME:PORT");
      for (const nd::Service& x : c.services)
        for (const auto& p : x.ports)
          if (p.node_port == to.port && (to.protocol.empty() || lower(p.protocol) == to.protocol)) {
            s = &x;
            sp = &p;
          }
      if (!s) return Error{fmt::format("no Service of the snapshot has NodePort {}", to.port)};
      node = to.node;
      np = to.port;
    } else if (to.kind == End::Service) {
      s = to.svc;
      sp = to.svc_port;
      np = sp->node_port;
      for (const auto& f : net->nodes)
        if (node.empty()) node = f.name;
      if (node.empty() && !c.nodes.empty()) node = c.nodes.front().meta.name;
    } else {
      return unsupported("from outside the cluster, trace a Service (svc/NS/NAME) or a NodePort (node/NAME:PORT)");
    }
    r.kind = "external-to-service";
    std::string client = from.ip.empty() ? from.name : from.ip;
    const nd::Node* n = c.node(node);
    std::string node_ip = n ? checks::node_ip(*n, node::Family::V4) : "";
    if (!np) {
      w.add("svc/" + s->meta.ns + "/" + s->meta.name,
            fmt::format("Service type {} has no NodePort: it cannot be reached from outside the cluster", s->type),
            s->meta.src.str(), "fail");
    } else {
      w.add("outside", fmt::format("{} connects to {}:{} (NodePort of {}/{}{})", client, node_ip.empty() ? node : node_ip,
                                   np, s->meta.ns, s->meta.name, to.kind == End::Service ? ", through node " + node : ""),
            s->meta.src.str(), "pass");
      std::vector<Backend> bs;
      if (service_hops(w, node, *s, *sp, &bs, true, np)) {
        bool local = s->external_traffic_policy == "Local";
        std::string seen = local ? from.ip : node_ip;
        if (local) {
          std::vector<Backend> here;
          for (const auto& b : bs)
            if (b.node == node) here.push_back(b);
          if (here.empty())
            w.add("node/" + node,
                  fmt::format("externalTrafficPolicy Local and no endpoint on {}: kube-proxy drops it there", node),
                  s->meta.src.str(), "fail");
          else
            w.add("node/" + node, fmt::format("externalTrafficPolicy Local: an endpoint on {} gets it with the client's address {}", node, client),
                  s->meta.src.str(), "pass");
          bs = here;
        } else {
          w.add("node/" + node,
                fmt::format("externalTrafficPolicy Cluster: {} masquerades it, the endpoint sees {}", node,
                            node_ip.empty() ? "the node's address" : node_ip),
                s->meta.src.str(), "pass");
        }
        // The node is the client now: replies come back to it (masqueraded) or to the client.
        End via = from;
        via.kind = local ? End::Outside : End::Node;
        via.node = node;
        if (!w.failed) backends(w, via, node, bs, proto, true, seen, false, !local);
      }
    }
  } else {
    return unsupported("a Service is a destination, not a source");
  }
  r.hops = w.hops;
  bool unknown = false;
  for (size_t i = 0; i < r.hops.size(); ++i) {
    if (r.hops[i].verdict == "fail" && !r.first_failure) {
      r.first_failure = static_cast<int>(i + 1);
      r.first_failure_check = r.hops[i].check;
    }
    unknown |= r.hops[i].verdict == "unknown";
  }
  r.verdict = r.first_failure ? "blocked" : unknown ? "unknown" : "reachable";
  return r;
}

Result<TraceResult> Tracer::trace(const std::string& from, const std::string& to) const {
  auto a = impl_->resolve(from);
  if (!a) return Error{"--from: " + a.error().message};
  auto b = impl_->resolve(to);
  if (!b) return Error{"--to: " + b.error().message};
  if (b->kind == End::Pod && b->pod && b->pod->pod_ip.empty())
    return Error{fmt::format("--to: pod {}/{} has no IP in the snapshot", b->pod->meta.ns, b->pod->meta.name)};
  return impl_->run(*a, *b);
}

}  // namespace nd::trace
