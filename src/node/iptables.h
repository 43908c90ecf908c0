// `iptables-save` (and `ip6tables-save`) text: tables, chains with policy and counters, and rules
// as token lists with their line; plus a reading of kube-proxy's iptables-mode structure on top.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.h"
#include "node/text.h"

namespace nd::node {

struct IptRule {
  std::string chain;
  std::vector<std::string> args;  // the tokens after "-A CHAIN", quotes removed
  uint32_t line = 0;
  std::string text;                        // the line as written, for evidence
  std::optional<uint64_t> packets, bytes;  // "[p:b] -A ..." from iptables-save -c

  // The token after the first occurrence of `opt` ("-d", "--dport", "--comment"), or nullptr.
  const std::string* option(std::string_view opt) const;
  bool negated(std::string_view opt) const;       // "! -s 10.0.0.0/8"
  bool has_match(std::string_view module) const;  // "-m statistic"
  std::string target() const;                     // -j (or -g) value, "" when the rule only counts
  std::string comment() const;
};

// Lets the indexes below be searched with a string_view without building a std::string.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
template <typename V>
using StringIndex = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

struct IptChain {
  std::string name;
  std::string policy;  // ACCEPT/DROP for built-in chains, "-" for user chains
  uint64_t packets = 0, bytes = 0;
  uint32_t line = 0;
  bool builtin() const { return policy != "-"; }
};

struct IptTable {
  std::string name;  // filter, nat, mangle, raw, security
  uint32_t line = 0;
  std::vector<IptChain> chains;
  std::vector<IptRule> rules;  // all chains, in file order
  const IptChain* chain(std::string_view name) const;
  std::vector<const IptRule*> rules_of(std::string_view chain) const;

  // Indexes kept by the parser (positions, so copies stay valid): a large cluster's nat table holds
  // tens of thousands of chains and rules, and kube-proxy's model looks chains up per Service.
  StringIndex<size_t> chain_index;
  StringIndex<std::vector<size_t>> rule_index;
};

struct IptablesSave {
  std::vector<IptTable> tables;
  std::vector<Anomaly> anomalies;  // e.g. "legacy-tables-present": some rules live in the other backend
  const IptTable* table(std::string_view name) const;
};

// Errors (LABEL:LINE): a rule or chain outside a table, a rule for an undeclared chain, an
// unterminated quote, a line that is not part of the format. A table left without COMMIT (a cut
// file) is kept and reported as the anomaly "missing-commit".
Result<IptablesSave> parse_iptables_save(std::string_view text, std::string_view label);

// ---- kube-proxy (iptables mode) -----------------------------------------------------------

struct KubeEndpoint {
  std::string ip;
  int port = 0;
  std::string chain;                  // KUBE-SEP-*
  std::optional<double> probability;  // -m statistic --probability; none on the last endpoint
  uint32_t line = 0;                  // the DNAT rule
};

struct KubeNodePort {
  int port = 0;
  uint32_t line = 0;
  bool reject = false;  // a "has no endpoints" REJECT/DROP in KUBE-EXTERNAL-SERVICES
};

// One Service port as kube-proxy programmed it on this node.
struct KubeServicePort {
  std::string name;  // "ns/svc:port" (port name) or "ns/svc" (unnamed port), as in the comments
  std::string ns, service, port_name;
  std::string cluster_ip;
  int port = 0;
  std::string protocol;  // tcp, udp, sctp
  std::string chain;     // KUBE-SVC-* (or KUBE-SVL-* for internalTrafficPolicy Local)
  uint32_t line = 0;     // the KUBE-SERVICES rule for the cluster IP (0 when only a REJECT exists)
  std::vector<KubeEndpoint> endpoints;
  bool has_reject = false;  // kube-proxy's "has no endpoints" REJECT for the cluster IP
  uint32_t reject_line = 0;
  std::vector<KubeNodePort> node_ports;
  std::vector<std::string> external_ips;  // "external IP" and "loadbalancer IP" rules
};

struct KubeProxyRules {
  bool present = false;    // nat KUBE-SERVICES exists: kube-proxy ran in iptables mode here
  bool mark_masq = false;  // nat KUBE-MARK-MASQ exists
  std::vector<KubeServicePort> services;
  std::vector<Anomaly> anomalies;                    // a jump to a missing chain, an endpoint chain without DNAT, ...
  std::map<std::string, size_t, std::less<>> index;  // "name|protocol" -> position in services

  // By "ns/name:port" (and protocol; with none, the match whose protocol sorts first).
  const KubeServicePort* find(std::string_view name, std::string_view protocol = "") const;
  // Linear: for one-off lookups by address.
  const KubeServicePort* find_ip(std::string_view cluster_ip, int port, std::string_view protocol) const;
};

KubeProxyRules kube_proxy_rules(const IptablesSave& save);

}  // namespace nd::node
