#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "collect/collector.h"
#include "collect/exec.h"
#include "collect/kubelet.h"
#include "collect/proc_sys.h"
#include "collect/rooted.h"
#include "fixture.h"
#include "node/ip_json.h"
#include "node/iptables.h"
#include "node/resolv.h"
#include "node/sysctl.h"

using namespace nd;
using nd::test::TempDir;

namespace {

// Parses a bundle file with the parser that reads it; "" when it parses, else the error.
std::string parse_error(const std::string& name, const std::string& text) {
  auto msg = [](const auto& r) { return r.ok() ? std::string() : r.error().message; };
  if (name == "sysctl.txt") return msg(node::parse_sysctl(text, name));
  if (name == "resolv.conf" || name == "kubelet-resolv.conf") return msg(node::parse_resolv(text, name));
  if (name == "ip-addr.json") return msg(node::parse_ip_addr(text, name));
  if (name == "ip-link.json") return msg(node::parse_ip_link(text, name));
  if (name == "ip-route.json") return msg(node::parse_ip_route(text, name));
  if (name == "ip-neigh.json") return msg(node::parse_ip_neigh(text, name));
  if (name == "bridge-fdb.json") return msg(node::parse_bridge_fdb(text, name));
  if (name == "iptables-save.txt" || name == "ip6tables-save.txt") return msg(node::parse_iptables_save(text, name));
  if (name == "nft-ruleset.json") return nlohmann::json::parse(text, nullptr, false).is_discarded() ? "bad JSON" : "";
  return "";
}

}  // namespace

TEST(Collect, ThisMachineBundleParses) {
  TempDir out;
  auto rep = collect::collect_node(out.str());
  ASSERT_TRUE(rep.ok()) << rep.error().message;
  std::set<std::string> written;
  for (const auto& f : rep->written) {
    written.insert(f.file);
    std::string text = test::read_file(out.str() + "/" + f.file);
    EXPECT_EQ(text.size(), f.bytes) << f.file;
    EXPECT_EQ(parse_error(f.file, text), "") << f.file;
    EXPECT_FALSE(f.source.empty()) << f.file;
  }
  // /proc/sys and the iproute2 commands exist on every Linux host this runs on.
  for (const char* must : {"sysctl.txt", "ip-addr.json", "ip-link.json", "ip-route.json", "ip-neigh.json"})
    EXPECT_TRUE(written.count(must)) << must;
  for (const auto& s : rep->skipped) {
    EXPECT_FALSE(s.reason.empty()) << s.file;
    EXPECT_FALSE(written.count(s.file)) << s.file << " both written and skipped";
  }
  for (const auto& n : rep->notes) EXPECT_EQ(n.find("does not parse"), std::string::npos) << n;

  auto sys = node::parse_sysctl(test::read_file(out.str() + "/sysctl.txt"), "sysctl.txt");
  ASSERT_TRUE(sys.ok());
  EXPECT_NE(sys->find("net.ipv4.ip_forward"), nullptr);
  EXPECT_NE(sys->find("kernel.osrelease"), nullptr);
  auto addr = node::parse_ip_addr(test::read_file(out.str() + "/ip-addr.json"), "ip-addr.json");
  ASSERT_TRUE(addr.ok());
  EXPECT_NE(node::find_link(*addr, "lo"), nullptr);

  // The manifest lists exactly what was written (with sizes) and what was skipped.
  auto m = nlohmann::json::parse(test::read_file(out.str() + "/manifest.json"));
  EXPECT_EQ(m["tool"], "netdoctor");
  EXPECT_EQ(m["format"], "node-bundle/1");
  EXPECT_EQ(m["root"], "/");
  EXPECT_EQ(m["files"].size(), rep->written.size());
  EXPECT_EQ(m["skipped"].size(), rep->skipped.size());
  for (const auto& f : m["files"]) {
    struct stat st;
    ASSERT_EQ(::stat((out.str() + "/" + f["file"].get<std::string>()).c_str(), &st), 0);
    EXPECT_EQ(static_cast<uint64_t>(st.st_size), f["bytes"].get<uint64_t>());
  }
  EXPECT_TRUE(m["netns"].get<std::string>().rfind("net:[", 0) == 0) << m["netns"];
}

TEST(Collect, SysctlTextMatchesSysctlCommand) {
  // Our /proc/sys walk must print what `sysctl -a` prints for the same keys.
  collect::ExecResult r = collect::run_command({"sysctl", "-a"});
  if (!r.started) GTEST_SKIP() << "no sysctl command: " << r.error;
  ASSERT_TRUE(r.exited);
  auto theirs = node::parse_sysctl(r.out, "sysctl -a");
  ASSERT_TRUE(theirs.ok()) << theirs.error().message;
  collect::SysctlText mine_text = collect::read_proc_sys("/proc/sys");
  auto mine = node::parse_sysctl(mine_text.text, "mine");
  ASSERT_TRUE(mine.ok()) << mine.error().message;
  std::map<std::string, std::string> a, b;
  for (const auto& e : theirs->entries)
    if (e.key.rfind("net.", 0) == 0) a[e.key] += e.value + "\n";
  for (const auto& e : mine->entries)
    if (e.key.rfind("net.", 0) == 0) b[e.key] += e.value + "\n";
  ASSERT_GT(a.size(), 100u);
  std::set<std::string> ka, kb;
  for (const auto& [k, v] : a) ka.insert(k);
  for (const auto& [k, v] : b) kb.insert(k);
  EXPECT_EQ(ka, kb);
  // Counters may move between the two reads; everything else must be identical.
  int differ = 0;
  for (const auto& [k, v] : a)
    if (b.count(k) && b[k] != v) ++differ;
  EXPECT_LE(differ, 3);
}

TEST(Collect, FakeRootFollowsLinksInsideTheRoot) {
  TempDir root, out;
  const auto r = root.path();
  test::write_file(r / "run/systemd/resolve/stub-resolv.conf", test::fixture("resolv/host-systemd-resolved-stub.conf"));
  test::write_file(r / "run/systemd/resolve/resolv.conf", test::fixture("resolv/host-upstream.conf"));
  std::filesystem::create_directories(r / "etc");
  // Absolute link: must resolve to ROOT/run/..., never to the host's /run.
  std::filesystem::create_symlink("/run/systemd/resolve/stub-resolv.conf", r / "etc/resolv.conf");
  test::write_file(r / "var/lib/kubelet/config.yaml", test::fixture("resolv/kubelet-config.yaml"));
  test::write_file(r / "etc/cni/net.d/10-flannel.conflist",
                   R"({"name":"cbr0","cniVersion":"0.3.1","plugins":[{"type":"flannel"}]})");
  test::write_file(r / "etc/cni/net.d/multus.d/multus.kubeconfig", "apiVersion: v1\n");
  test::write_file(
      r / "run/flannel/subnet.env",
      "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n");

  collect::CollectOptions o;
  o.root = root.str();
  o.run_commands = false;
  auto rep = collect::collect_node(out.str(), o);
  ASSERT_TRUE(rep.ok()) << rep.error().message;
  std::map<std::string, std::string> src;
  for (const auto& f : rep->written) src[f.file] = f.source;
  EXPECT_EQ(test::read_file(out.str() + "/resolv.conf"), test::fixture("resolv/host-systemd-resolved-stub.conf"));
  EXPECT_EQ(src["resolv.conf"], "/etc/resolv.conf -> /run/systemd/resolve/stub-resolv.conf");
  EXPECT_EQ(test::read_file(out.str() + "/kubelet-config.yaml"), test::fixture("resolv/kubelet-config.yaml"));
  // The kubelet hands pods the upstream list, not the 127.0.0.53 stub.
  EXPECT_EQ(test::read_file(out.str() + "/kubelet-resolv.conf"), test::fixture("resolv/host-upstream.conf"));
  EXPECT_EQ(src["kubelet-resolv.conf"], "/run/systemd/resolve/resolv.conf (/var/lib/kubelet/config.yaml resolvConf)");
  EXPECT_TRUE(src.count("cni/10-flannel.conflist"));
  // Credentials stay on the node: the kubeconfig is listed as skipped, not copied.
  EXPECT_FALSE(src.count("cni/multus.d/multus.kubeconfig"));
  EXPECT_FALSE(std::filesystem::exists(out.path() / "cni/multus.d/multus.kubeconfig"));
  EXPECT_NE(test::read_file(out.str() + "/flannel-subnet.env").find("FLANNEL_SUBNET=10.244.1.1/24"), std::string::npos);
  std::set<std::string> skipped;
  for (const auto& s : rep->skipped) skipped.insert(s.file);
  EXPECT_TRUE(skipped.count("ip-route.json"));  // commands were off
  EXPECT_TRUE(skipped.count("cni/multus.d/multus.kubeconfig"));

  // Second run after flannel went away: the old file must not survive, and the manifest says why.
  std::filesystem::remove(r / "run/flannel/subnet.env");
  std::filesystem::remove_all(r / "etc/cni");
  rep = collect::collect_node(out.str(), o);
  ASSERT_TRUE(rep.ok());
  EXPECT_FALSE(std::filesystem::exists(out.path() / "flannel-subnet.env"));
  EXPECT_FALSE(std::filesystem::exists(out.path() / "cni"));
  std::map<std::string, std::string> reasons;
  for (const auto& s : rep->skipped) reasons[s.file] = s.reason;
  EXPECT_EQ(reasons["flannel-subnet.env"], "/run/flannel/subnet.env: No such file or directory");
  EXPECT_EQ(reasons["cni/"], "/etc/cni/net.d: No such file or directory");
}

TEST(Collect, KubeletResolvConfCases) {
  TempDir root, out;
  collect::CollectOptions o;
  o.root = root.str();
  o.run_commands = false;
  // No kubelet at all.
  auto rep = collect::collect_node(out.str(), o);
  ASSERT_TRUE(rep.ok());
  std::map<std::string, std::string> reasons;
  for (const auto& s : rep->skipped) reasons[s.file] = s.reason;
  EXPECT_EQ(reasons["kubelet-config.yaml"], "/var/lib/kubelet/config.yaml: No such file or directory");
  EXPECT_EQ(reasons["kubelet-resolv.conf"], "no kubelet on this host (no configuration, no kubelet process)");
  EXPECT_EQ(reasons["resolv.conf"], "/etc/resolv.conf: No such file or directory");
  // resolvConf set empty: pods get nothing from the node; said so.
  test::write_file(root.path() / "var/lib/kubelet/config.yaml", "kind: KubeletConfiguration\nresolvConf: \"\"\n");
  rep = collect::collect_node(out.str(), o);
  reasons.clear();
  for (const auto& s : rep->skipped) reasons[s.file] = s.reason;
  EXPECT_NE(reasons["kubelet-resolv.conf"].find("resolvConf is empty"), std::string::npos);
  // Field absent: the kubelet's default /etc/resolv.conf.
  test::write_file(root.path() / "var/lib/kubelet/config.yaml", "kind: KubeletConfiguration\n");
  test::write_file(root.path() / "etc/resolv.conf", "nameserver 192.168.50.1\n");
  rep = collect::collect_node(out.str(), o);
  EXPECT_EQ(test::read_file(out.str() + "/kubelet-resolv.conf"), "nameserver 192.168.50.1\n");
}

TEST(Collect, UnwritableOutputIsAnError) {
  TempDir tmp;
  test::write_file(tmp.path() / "file", "x");
  auto rep = collect::collect_node((tmp.path() / "file" / "bundle").string());
  ASSERT_FALSE(rep.ok());
  EXPECT_NE(rep.error().message.find("cannot create"), std::string::npos) << rep.error().message;
}

TEST(Collect, KubeletCommandLineAndConfig) {
  auto f = collect::parse_kubelet_cmdline({"/usr/bin/kubelet",
                                           "--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf",
                                           "--config=/etc/k/config.yaml", "--resolv-conf", "/etc/k/resolv.conf"});
  EXPECT_EQ(f.config, "/etc/k/config.yaml");
  ASSERT_TRUE(f.resolv_conf);
  EXPECT_EQ(*f.resolv_conf, "/etc/k/resolv.conf");
  f = collect::parse_kubelet_cmdline({"kubelet", "--config", "/c.yaml", "--resolv-conf="});
  EXPECT_EQ(f.config, "/c.yaml");
  EXPECT_EQ(*f.resolv_conf, "");
  EXPECT_FALSE(collect::parse_kubelet_cmdline({"kubelet", "--v=2"}).resolv_conf);

  auto rc = collect::kubelet_config_resolv_conf(test::fixture("resolv/kubelet-config.yaml"), "kubelet-config.yaml");
  ASSERT_TRUE(rc.ok());
  EXPECT_EQ(**rc, "/run/systemd/resolve/resolv.conf");
  rc = collect::kubelet_config_resolv_conf("kind: KubeletConfiguration\n", "k");
  ASSERT_TRUE(rc.ok());
  EXPECT_FALSE(rc->has_value());
  rc = collect::kubelet_config_resolv_conf("kind: KubeletConfiguration\nresolvConf: [a\n", "k.yaml");
  ASSERT_FALSE(rc.ok());
  EXPECT_EQ(rc.error().message.rfind("k.yaml:", 0), 0u) << rc.error().message;
}

TEST(Collect, ResolveInRootNeverLeavesTheRoot) {
  TempDir root;
  const auto r = root.path();
  test::write_file(r / "real/file", "inside");
  std::filesystem::create_directories(r / "etc");
  std::filesystem::create_symlink("../../../../real/file", r / "etc/up");  // ".." stops at the root
  std::filesystem::create_symlink("/real", r / "etc/dir");
  std::filesystem::create_symlink("loop2", r / "etc/loop1");
  std::filesystem::create_symlink("loop1", r / "etc/loop2");
  auto p = collect::resolve_in_root(root.str(), "/etc/up");
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(*p, "/real/file");
  p = collect::resolve_in_root(root.str(), "/etc/dir/file");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, "/real/file");
  auto f = collect::read_in_root(root.str(), "/etc/dir/file");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->text, "inside");
  p = collect::resolve_in_root(root.str(), "/etc/loop1");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.error().message, "/etc/loop1: too many levels of symbolic links");
  EXPECT_FALSE(collect::read_in_root(root.str(), "/etc").ok());
  EXPECT_EQ(collect::join_root("/", "/etc/x"), "/etc/x");
  EXPECT_EQ(collect::join_root("/tmp/r/", "/etc/x"), "/tmp/r/etc/x");
}

TEST(Collect, RunCommandCapturesStatusAndHonoursTimeout) {
  auto r = collect::run_command({"sh", "-c", "echo out; echo problem >&2; exit 3"});
  ASSERT_TRUE(r.started);
  EXPECT_TRUE(r.exited);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "problem\n");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.describe(), "exit status 3: problem");

  auto t0 = std::chrono::steady_clock::now();
  collect::ExecOptions o;
  o.timeout = std::chrono::milliseconds(300);
  r = collect::run_command({"sleep", "10"}, o);
  auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_TRUE(r.timed_out);
  EXPECT_FALSE(r.ok());
  EXPECT_LT(took, std::chrono::seconds(3));

  o.timeout = std::chrono::milliseconds(5000);
  o.max_output = 1000;
  r = collect::run_command({"sh", "-c", "yes | head -c 100000"}, o);
  EXPECT_TRUE(r.truncated);
  EXPECT_FALSE(r.ok());

  r = collect::run_command({"nd-no-such-command-xyz"});
  EXPECT_FALSE(r.started);
  EXPECT_EQ(r.describe(), "nd-no-such-command-xyz: command not found");
  r = collect::run_command({"sh", "-c", "echo $LC_ALL"});  // a fixed, minimal environment
  EXPECT_EQ(r.out, "C\n");
}

TEST(Collect, CredentialFilesAreRecognised) {
  EXPECT_TRUE(collect::holds_credentials("calico-kubeconfig", "apiVersion: v1\nkind: Config\n"));
  EXPECT_TRUE(collect::holds_credentials("multus.kubeconfig", ""));
  EXPECT_TRUE(collect::holds_credentials("x.yaml", "users:\n- name: a\n  user:\n    token: abc\n"));
  EXPECT_TRUE(collect::holds_credentials("x.yaml", "- token: abc\n"));
  EXPECT_TRUE(collect::holds_credentials("x.conf", "client-key-data: AAAA\n"));
  // A CNI config that names the kubeconfig's path, or an empty token, holds no credential.
  EXPECT_FALSE(collect::holds_credentials("10-calico.conflist",
                                          R"({"type": "calico", "kubernetes": {"kubeconfig": "/etc/cni/net.d/calico-kubeconfig"}})"));
  EXPECT_FALSE(collect::holds_credentials("x.yaml", "token:\n"));
  EXPECT_FALSE(collect::holds_credentials("10-flannel.conflist", R"({"name":"cbr0","plugins":[{"type":"flannel"}]})"));
}
