// DNS in the lab: the resolv.conf files the kubelet would write, and the two dnsmasq servers:
//   the cluster DNS (in the "coredns" pod, behind the kube-dns Service): answers the lab's Service
//   names under cluster.local itself and forwards everything else to the nameservers of the
//   resolv.conf its pod inherited from the node (dnsPolicy Default), as CoreDNS's `forward .
//   /etc/resolv.conf` does;
//   the upstream DNS (its own namespace, "the internet's resolver"): answers a few names of the
//   lab-only domain outside.lab and refuses the rest.
// The text builders are pure; start/stop run dnsmasq in daemon mode with a pid file.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "lab/plan.h"

namespace nd::lab {

// The node's /etc/resolv.conf (also what its kubelet hands to dnsPolicy=Default pods).
std::string node_resolv_conf(const State& s, const NodeState& n);

// /etc/resolv.conf of a pod as the kubelet writes it for the pod's dnsPolicy.
std::string pod_resolv_conf(const State& s, const PodState& p);

// The node's /var/lib/kubelet/config.yaml (clusterDNS, clusterDomain, resolvConf).
std::string kubelet_config();

// hosts-file lines for the cluster's Service names (NAME.NS.svc.cluster.local).
std::string cluster_hosts(const State& s);

// argv of the two dnsmasq servers.
std::vector<std::string> cluster_dns_argv(const State& s, const PodState& dns_pod);
std::vector<std::string> upstream_dns_argv(const State& s);

// Lab files.
// A node's directory is also its file-system root for the collector: etc/resolv.conf,
// etc/cni/net.d/, run/flannel/subnet.env, var/lib/kubelet/config.yaml, var/lib/cni/networks/.
std::string node_dir(const State& s, const NodeState& n);      // DIR/nodes/NODE
std::string pod_dir(const State& s, const PodState& p);        // DIR/pods/NS/POD
std::string pod_resolv_path(const State& s, const PodState& p);
std::string cluster_dns_pidfile(const State& s);
std::string cluster_dns_log(const State& s);
std::string upstream_dns_pidfile(const State& s);

// Writes every node's resolv.conf and kubelet config, every pod's resolv.conf, the hosts file.
Result<bool> write_dns_files(const State& s);

// Starts/stops the servers. Starting reads the pod's resolv.conf as it is now (a pod restart).
Result<int> start_cluster_dns(const State& s);
void stop_cluster_dns(const State& s);
Result<int> start_upstream_dns(const State& s);
int running_pid(const std::string& pidfile, const std::string& netns);  // 0 when not running

}  // namespace nd::lab
