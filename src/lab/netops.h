// Thin wrappers around iproute2 and /proc for the lab: namespaces, sysctls, and the processes that
// live in a namespace. Every call names the namespace it acts in; none acts in the root namespace
// except creating and deleting the lab's own namespace files under /run/netns.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"

namespace nd::lab {

Result<bool> netns_add(const std::string& name);  // also brings lo up inside
Result<bool> netns_del(const std::string& name);
bool netns_exists(const std::string& name);
std::vector<std::string> netns_list(const std::string& prefix);  // names under /run/netns

// `ip ARGS...` inside netns.
Result<std::string> ip(const std::string& netns, std::vector<std::string> args);

// sysctl by its dotted name ("net.ipv4.ip_forward"), read and written inside netns.
Result<bool> sysctl_set(const std::string& netns, const std::string& key, const std::string& value);
Result<std::string> sysctl_get(const std::string& netns, const std::string& key);

// Turns TCP segmentation offload off on a link inside netns (SIOCETHTOOL ETHTOOL_STSO). A veth
// otherwise passes unsegmented 64 KB "super-frames" that no MTU check sees; with it off, the kernel
// cuts them into wire-sized frames first, as a real NIC puts them on a real wire.
Result<bool> disable_tso(const std::string& netns, const std::string& ifname);

// The pids of the processes whose network namespace is netns (`ip netns pids`).
std::vector<int> netns_pids(const std::string& netns);
bool pid_in_netns(int pid, const std::string& netns);
bool pid_alive(int pid);

// Stops the processes of a lab namespace by pid: SIGTERM, up to wait_ms, then SIGKILL.
void kill_netns_processes(const std::string& netns, int wait_ms = 1500);
// Stops one pid, but only if it lives in netns (a recycled pid belongs to someone else).
void stop_pid_in_netns(int pid, const std::string& netns, int wait_ms = 1500);

}  // namespace nd::lab
