// CoreDNS log lines as real versions print them. The loop forms are the loop plugin's Fatalf strings
// (plugin/loop/loop.go across releases) as they appear in logs, with and without the timestamps older
// CoreDNS and `kubectl logs --timestamps` add. The near misses must never count as a loop.
#include "dns/coredns_log.h"

#include <gtest/gtest.h>

using namespace nd::dns;

TEST(CorednsLog, CurrentLoopForm) {
  auto s = classify_coredns_line(
      "[FATAL] plugin/loop: Loop (127.0.0.1:44222 -> :53) detected for zone \".\", see "
      "https://coredns.io/plugins/loop#troubleshooting. Query: \"HINFO 4547991504243258144.3688648895315093531.\"");
  EXPECT_EQ(s.kind, LogKind::Loop);
  EXPECT_EQ(s.from, "127.0.0.1:44222");
  EXPECT_EQ(s.to, ":53");
  EXPECT_EQ(s.zone, ".");
  EXPECT_EQ(s.query, "HINFO 4547991504243258144.3688648895315093531.");
  auto ts = classify_coredns_line(
      "2024-05-02T08:11:31.402114857Z [FATAL] plugin/loop: Loop ([::1]:52804 -> :53) detected for zone \".\", see "
      "https://coredns.io/plugins/loop#troubleshooting. Query: \"HINFO 1.2.\"");
  EXPECT_EQ(ts.kind, LogKind::Loop);
  EXPECT_EQ(ts.from, "[::1]:52804");
}

TEST(CorednsLog, OldSeenMoreThanTwiceForms) {
  auto q = classify_coredns_line(
      "2018/09/22 07:39:38 [FATAL] plugin/loop: Seen \"HINFO IN "
      "8205794187887631643.5216586587165434789.\" more than twice, loop detected");
  EXPECT_EQ(q.kind, LogKind::Loop);
  EXPECT_EQ(q.query, "HINFO IN 8205794187887631643.5216586587165434789.");
  EXPECT_NE(q.form.find("Seen"), std::string::npos);
  auto unquoted = classify_coredns_line(
      "plugin/loop: Seen HINFO IN 5577006791947779410.8674665223082153551. more than twice, loop detected");
  EXPECT_EQ(unquoted.kind, LogKind::Loop);
}

TEST(CorednsLog, ForwardingLoopDetectedForm) {
  auto s = classify_coredns_line(
      "2018/11/05 09:12:40 [FATAL] plugin/loop: Forwarding loop detected in \".\" zone. Exiting. See "
      "https://coredns.io/plugins/loop#troubleshooting. Probe query: \"HINFO "
      "6213484581937315262.7406474591564232593.\".");
  EXPECT_EQ(s.kind, LogKind::Loop);
  EXPECT_EQ(s.zone, ".");
  EXPECT_EQ(s.query, "HINFO 6213484581937315262.7406474591564232593.");
  EXPECT_NE(s.form.find("Forwarding loop"), std::string::npos);
}

TEST(CorednsLog, HinfoProbeTimeoutIsAnUpstreamTimeoutNotALoop) {
  auto s = classify_coredns_line(
      "[ERROR] plugin/errors: 2 6759933941041887570.8387443695236110557. HINFO: read udp "
      "10.244.1.3:41149->192.168.10.1:53: i/o timeout");
  EXPECT_EQ(s.kind, LogKind::UpstreamTimeout);
  EXPECT_EQ(s.upstream, "192.168.10.1");
  EXPECT_EQ(s.from, "10.244.1.3:41149");
  EXPECT_EQ(s.query, "6759933941041887570.8387443695236110557. HINFO");
  auto a = classify_coredns_line(
      "[ERROR] plugin/errors: 2 registry.corp.example. AAAA: read udp 10.244.2.7:35576->[fd00:10::1]:53: i/o timeout");
  EXPECT_EQ(a.kind, LogKind::UpstreamTimeout);
  EXPECT_EQ(a.upstream, "fd00:10::1");
  // The proxy plugin of CoreDNS 1.2-1.5 words it differently.
  auto old = classify_coredns_line(
      "2019/03/04 10:00:01 [ERROR] plugin/errors: 2 example.org. A: unreachable backend: "
      "read udp 10.32.0.9:53114->192.168.1.1:53: i/o timeout");
  EXPECT_EQ(old.kind, LogKind::UpstreamTimeout);
}

TEST(CorednsLog, NoNextPluginIsAConfigErrorNotALoop) {
  auto s = classify_coredns_line("[ERROR] plugin/errors: 2 nginx. A: plugin/loop: no next plugin found");
  EXPECT_EQ(s.kind, LogKind::PluginError);
}

TEST(CorednsLog, UpstreamRefusedAndUnhealthy) {
  auto r = classify_coredns_line(
      "[ERROR] plugin/errors: 2 example.org. A: read udp 10.244.0.5:45678->10.0.0.2:53: read: connection refused");
  EXPECT_EQ(r.kind, LogKind::UpstreamRefused);
  EXPECT_EQ(r.upstream, "10.0.0.2");
  EXPECT_EQ(classify_coredns_line("[ERROR] plugin/errors: 2 example.org. A: no healthy proxies").kind,
            LogKind::UpstreamUnhealthy);
}

TEST(CorednsLog, ApiServerProblems) {
  auto list = classify_coredns_line(
      "[ERROR] plugin/kubernetes: pkg/mod/k8s.io/client-go@v0.27.4/tools/cache/reflector.go:231: failed to list "
      "*v1.Namespace: Get \"https://10.96.0.1:443/api/v1/namespaces?limit=500&resourceVersion=0\": dial tcp "
      "10.96.0.1:443: i/o timeout");
  EXPECT_EQ(list.kind, LogKind::ApiUnreachable);
  EXPECT_EQ(list.upstream, "10.96.0.1:443");
  auto watch = classify_coredns_line(
      "[INFO] plugin/kubernetes: pkg/mod/k8s.io/client-go@v0.27.4/tools/cache/reflector.go:231: Failed to watch "
      "*v1.EndpointSlice: failed to list *v1.EndpointSlice: Get \"https://10.96.0.1:443/apis/discovery.k8s.io/v1/"
      "endpointslices?limit=500&resourceVersion=0\": dial tcp 10.96.0.1:443: connect: no route to host");
  EXPECT_EQ(watch.kind, LogKind::ApiUnreachable);
  auto rbac = classify_coredns_line(
      "[ERROR] plugin/kubernetes: pkg/mod/k8s.io/client-go@v0.20.2/tools/cache/reflector.go:167: Failed to watch "
      "*v1.EndpointSlice: failed to list *v1.EndpointSlice: endpointslices.discovery.k8s.io is forbidden: User "
      "\"system:serviceaccount:kube-system:coredns\" cannot list resource \"endpointslices\" in API group "
      "\"discovery.k8s.io\" at the cluster scope");
  EXPECT_EQ(rbac.kind, LogKind::ApiForbidden);
  EXPECT_EQ(classify_coredns_line("[INFO] plugin/ready: Still waiting on: \"kubernetes\"").kind, LogKind::NotReady);
  EXPECT_EQ(classify_coredns_line("[WARNING] plugin/kubernetes: starting server with unsynced Kubernetes API").kind,
            LogKind::NotReady);
}

TEST(CorednsLog, OrdinaryLinesSayNothing) {
  for (const char* l : {".:53", "CoreDNS-1.11.1", "linux/amd64, go1.20.7, ae2bbc2",
                        "[INFO] plugin/reload: Running configuration SHA512 = 591cf328cccc12bc490481273e738df5",
                        "[INFO] 10.244.1.5:38000 - 1234 \"A IN web.shop.svc.cluster.local. udp 40 false 512\" NOERROR "
                        "qr,aa,rd 106 0.000127s",
                        "[INFO] SIGTERM: Shutting down servers then terminating", ""})
    EXPECT_EQ(classify_coredns_line(l).kind, LogKind::None) << l;
}
