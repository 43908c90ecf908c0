#include "pcap/flows.h"

namespace nd::pcap {

uint32_t FlowTable::intern_vtep(const Vtep& v) {
  bool inserted = false;
  uint32_t i = vtep_index_.find_or_insert(v, inserted);
  if (inserted) {
    vteps.push_back(v);
    vtep_index_.value(i) = static_cast<uint32_t>(vteps.size());
  }
  return vtep_index_.value(i);
}

FlowId FlowTable::id_of(uint32_t idx) const {
  const FlowKey& k = map.key(idx);
  const Flow& f = map.value(idx);
  FlowId id;
  id.proto = k.proto;
  bool a_is_client = f.client == 0;
  id.client = to_ip(k.family, a_is_client ? k.a : k.b);
  id.server = to_ip(k.family, a_is_client ? k.b : k.a);
  id.client_port = a_is_client ? k.port_a : k.port_b;
  id.server_port = a_is_client ? k.port_b : k.port_a;
  if (f.vtep != 0) {
    const Vtep& v = vteps[f.vtep - 1];
    id.tunnel = v.tunnel;
    id.vni = v.vni;
    id.outer_src = to_ip(v.family, v.src);
    id.outer_dst = to_ip(v.family, v.dst);
  }
  return id;
}

}  // namespace nd::pcap
