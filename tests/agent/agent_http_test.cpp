// The agent's HTTP side on 127.0.0.1 with an ephemeral port: in-process (the Agent class) for
// /healthz, /bundle (same files as `netdoctor collect node`, refresh and its rate limit), /metrics
// (strictly parsed, mesh results from a local TCP listener, a closed port and a local DNS
// responder), and the real binary for flags, the log line per collection and SIGTERM.
// Traffic stays on the loopback interface.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "agent/agent.h"
#include "agent/bundle.h"
#include "prom_text.h"

namespace nd::agent {
namespace {

namespace fs = std::filesystem;

struct TmpDir {
  std::string path;
  TmpDir() {
    std::string t = (fs::temp_directory_path() / "nd-agent-test-XXXXXX").string();
    path = ::mkdtemp(t.data()) ? t : "";
  }
  ~TmpDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

void put(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path) << text;
}

std::string slurp(const std::string& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// A node's file tree as the DaemonSet's /host shows it: resolv.conf through a resolved symlink,
// kubelet config, flannel, CNI config with a Calico-style kubeconfig that must not be served.
void make_root(const std::string& root) {
  put(root + "/run/systemd/resolve/stub-resolv.conf", "nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch .\n");
  put(root + "/run/systemd/resolve/resolv.conf", "nameserver 10.0.0.2\nsearch ec2.internal\n");
  fs::create_directories(root + "/etc");
  fs::create_symlink("../run/systemd/resolve/stub-resolv.conf", root + "/etc/resolv.conf");
  put(root + "/var/lib/kubelet/config.yaml",
      "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nclusterDNS:\n- 10.96.0.10\n"
      "clusterDomain: cluster.local\nresolvConf: /run/systemd/resolve/resolv.conf\n");
  put(root + "/run/flannel/subnet.env", "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n");
  put(root + "/etc/cni/net.d/10-flannel.conflist",
      "{\"name\":\"cbr0\",\"cniVersion\":\"0.3.1\",\"plugins\":[{\"type\":\"flannel\",\"delegate\":{\"hairpinMode\":true,\"isDefaultGateway\":true}},{\"type\":\"portmap\",\"capabilities\":{\"portMappings\":true}}]}\n");
  put(root + "/etc/cni/net.d/calico-kubeconfig",
      "apiVersion: v1\nkind: Config\nusers:\n- name: calico\n  user:\n    token: not-a-real-token\n");
}

// A TCP listener that accepts nothing on purpose: the kernel completes the handshake anyway.
struct Listener {
  int fd = -1, port = 0;
  Listener() {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), len) == 0 && ::listen(fd, 16) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
      port = ntohs(a.sin_port);
  }
  ~Listener() { ::close(fd); }
};

// A port with nothing listening: bound and closed again (a race with another process taking it
// is possible in theory; it would only turn a refused connect into a successful one and fail).
int closed_port() {
  Listener l;
  return l.port;
}

// A DNS responder on 127.0.0.1 that answers every A query with 10.96.0.1, for a bounded time.
struct DnsResponder {
  int fd = -1, port = 0;
  std::atomic<bool> stop{false};
  std::atomic<int> queries{0};
  std::thread t;
  DnsResponder() {
    fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), len) != 0) return;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
    t = std::thread([this] {
      auto end = std::chrono::steady_clock::now() + std::chrono::seconds(60);
      while (!stop && std::chrono::steady_clock::now() < end) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 100) <= 0) continue;
        uint8_t buf[512];
        sockaddr_in from{};
        socklen_t fl = sizeof from;
        ssize_t n = ::recvfrom(fd, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &fl);
        if (n < 12) continue;
        ++queries;
        std::vector<uint8_t> m(buf, buf + n);
        m[2] = 0x81;
        m[3] = 0x80;
        m[7] = 1;
        m.insert(m.end(), {0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4, 10, 96, 0, 1});
        ::sendto(fd, m.data(), m.size(), 0, reinterpret_cast<sockaddr*>(&from), fl);
      }
    });
  }
  ~DnsResponder() {
    stop = true;
    if (t.joinable()) t.join();
    ::close(fd);
  }
};

// Runs an Agent in a thread; stops and joins it however the test ends.
struct Running {
  Agent agent;
  int port = 0;
  std::thread t;
  explicit Running(AgentOptions o) : agent(std::move(o)) {
    auto p = agent.bind();
    if (!p) throw std::runtime_error(p.error().message);
    port = *p;
    t = std::thread([this] { agent.run(); });
  }
  ~Running() {
    agent.stop();
    if (t.joinable()) t.join();
  }
};

AgentOptions test_options(const std::string& root) {
  AgentOptions o;
  o.listen_host = "127.0.0.1";
  o.listen_port = 0;
  o.root = root;
  o.node_name = "node-a";
  o.interval = std::chrono::seconds(60);
  o.log = false;
  o.command_timeout = std::chrono::seconds(10);
  return o;
}

TEST(AgentHttp, HealthzBundleMetricsAndRefresh) {
  TmpDir tmp;
  ASSERT_FALSE(tmp.path.empty());
  std::string root = tmp.path + "/root";
  make_root(root);
  Listener peer;
  ASSERT_GT(peer.port, 0);
  int closed = closed_port();
  DnsResponder dns;
  ASSERT_GT(dns.port, 0);

  AgentOptions o = test_options(root);
  o.min_refresh = std::chrono::milliseconds(0);
  o.peers = "127.0.0.1:" + std::to_string(peer.port) + ",127.0.0.1:" + std::to_string(closed);
  o.cluster_dns = "127.0.0.1:" + std::to_string(dns.port);
  o.probe_timeout = std::chrono::milliseconds(500);
  Running r(o);
  httplib::Client c("127.0.0.1", r.port);
  c.set_read_timeout(std::chrono::seconds(60));

  auto h = c.Get("/healthz");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 200);
  EXPECT_EQ(h->body, "ok");
  EXPECT_EQ(c.Get("/nothing-here")->status, 404);

  auto b = c.Get("/bundle");
  ASSERT_TRUE(b);
  ASSERT_EQ(b->status, 200) << b->body;
  EXPECT_EQ(b->get_header_value("Content-Type"), "application/json");
  auto bundle = bundle_from_json(b->body);
  ASSERT_TRUE(bundle) << bundle.error().message;
  EXPECT_EQ(bundle->node, "node-a");
  EXPECT_TRUE(std::regex_match(bundle->collected_at, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));

  // The same files as `netdoctor collect node --out DIR --root ROOT`; neither copies the credential file.
  std::string out = tmp.path + "/collected";
  std::string cmd = std::string(ND_BINARY) + " collect node -q --out '" + out + "' --root '" + root + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  std::set<std::string> expected;
  for (const auto& e : fs::recursive_directory_iterator(out))
    if (e.is_regular_file()) expected.insert(fs::relative(e.path(), out).generic_string());
  EXPECT_FALSE(expected.count("cni/calico-kubeconfig")) << "the collector must not copy credentials";
  std::set<std::string> got;
  for (const auto& [k, v] : bundle->files) got.insert(k);
  EXPECT_EQ(got, expected);
  for (const char* same : {"resolv.conf", "kubelet-config.yaml", "kubelet-resolv.conf", "flannel-subnet.env",
                           "cni/10-flannel.conflist"}) {
    ASSERT_TRUE(bundle->files.count(same)) << same;
    EXPECT_EQ(bundle->files.at(same), slurp(out + "/" + same)) << same;
  }
  EXPECT_NE(bundle->files.at("resolv.conf").find("127.0.0.53"), std::string::npos) << "symlink followed in root";
  EXPECT_TRUE(bundle->errors.empty());
  EXPECT_EQ(b->body.find("not-a-real-token"), std::string::npos);
  auto manifest = nlohmann::json::parse(bundle->files.at("manifest.json"));
  EXPECT_EQ(manifest.at("root"), root);
  bool listed = false;  // the manifest says the file exists and why it is not there
  for (const auto& sk : manifest.at("skipped"))
    if (sk.value("file", "") == "cni/calico-kubeconfig")
      listed = sk.value("reason", "").find("credentials") != std::string::npos;
  EXPECT_TRUE(listed) << manifest.dump();

  // refresh=1 collects again (min_refresh 0): a new sequence number and a new manifest.
  std::string seq1 = b->get_header_value("X-Netdoctor-Collection");
  auto rf = c.Get("/bundle?refresh=1");
  ASSERT_TRUE(rf);
  ASSERT_EQ(rf->status, 200);
  EXPECT_EQ(rf->get_header_value("X-Netdoctor-Refresh"), "collected");
  EXPECT_NE(rf->get_header_value("X-Netdoctor-Collection"), seq1);
  // A change on the node shows up in the refreshed bundle, not before.
  put(root + "/run/flannel/subnet.env", "FLANNEL_NETWORK=10.244.0.0/16\nFLANNEL_SUBNET=10.244.9.1/24\n");
  auto before = bundle_from_json(c.Get("/bundle")->body);
  ASSERT_TRUE(before);
  EXPECT_EQ(before->files.at("flannel-subnet.env").find("10.244.9.1"), std::string::npos);
  auto after = bundle_from_json(c.Get("/bundle?refresh=true")->body);
  ASSERT_TRUE(after);
  EXPECT_NE(after->files.at("flannel-subnet.env").find("10.244.9.1"), std::string::npos);

  // Concurrent refreshes: all answered, and they share collections (at most one at a time).
  std::vector<std::thread> ts;
  std::atomic<int> ok{0};
  for (int i = 0; i < 4; ++i)
    ts.emplace_back([&] {
      httplib::Client cc("127.0.0.1", r.port);
      cc.set_read_timeout(std::chrono::seconds(60));
      auto x = cc.Get("/bundle?refresh=1");
      if (x && x->status == 200 && bundle_from_json(x->body)) ++ok;
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(ok.load(), 4);

  // /metrics: strict parse, then the values.
  auto m = c.Get("/metrics");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->get_header_value("Content-Type").rfind("text/plain; version=0.0.4", 0), 0u);
  auto prom = test::parse_prometheus(m->body);
  ASSERT_TRUE(prom) << prom.error().message << "\n" << m->body;
  for (const char* name : {"netdoctor_collect_duration_seconds", "netdoctor_collect_errors_total",
                           "netdoctor_last_collect_timestamp_seconds", "netdoctor_probe_success",
                           "netdoctor_probe_duration_seconds"})
    EXPECT_TRUE(prom->count(name)) << name;
  EXPECT_EQ(prom->at("netdoctor_collect_errors_total").type, "counter");
  double collections = test::prom_value(*prom, "netdoctor_collections_total");
  EXPECT_GE(collections, 4);
  EXPECT_LE(collections, 8) << "4 concurrent refreshes ran more collections than requests";
  EXPECT_EQ(test::prom_value(*prom, "netdoctor_collect_errors_total"), 0) << "a left-out credential is no error";
  double ts_now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_NEAR(test::prom_value(*prom, "netdoctor_last_collect_timestamp_seconds"), ts_now, 60);
  std::string up = "127.0.0.1:" + std::to_string(peer.port), down = "127.0.0.1:" + std::to_string(closed);
  std::string dns_t = "127.0.0.1:" + std::to_string(dns.port);
  EXPECT_EQ(test::prom_value(*prom, "netdoctor_probe_success", {{"target", up}, {"kind", "tcp"}}), 1) << m->body;
  EXPECT_EQ(test::prom_value(*prom, "netdoctor_probe_success", {{"target", down}, {"kind", "tcp"}}), 0) << m->body;
  EXPECT_EQ(test::prom_value(*prom, "netdoctor_probe_success", {{"target", dns_t}, {"kind", "dns"}}), 1) << m->body;
  double d = test::prom_value(*prom, "netdoctor_probe_duration_seconds", {{"target", dns_t}, {"kind", "dns"}});
  EXPECT_TRUE(d >= 0 && d < 0.5) << d;
  EXPECT_GE(dns.queries.load(), 1);
}

TEST(AgentHttp, RefreshIsRateLimited) {
  TmpDir tmp;
  std::string root = tmp.path + "/root";
  make_root(root);
  AgentOptions o = test_options(root);
  o.min_refresh = std::chrono::hours(1);
  Running r(o);
  httplib::Client c("127.0.0.1", r.port);
  c.set_read_timeout(std::chrono::seconds(60));
  auto first = c.Get("/bundle");
  ASSERT_TRUE(first && first->status == 200);
  auto again = c.Get("/bundle?refresh=1");
  ASSERT_TRUE(again && again->status == 200);
  EXPECT_EQ(again->get_header_value("X-Netdoctor-Refresh"), "rate-limited");
  EXPECT_EQ(again->get_header_value("X-Netdoctor-Collection"), first->get_header_value("X-Netdoctor-Collection"));
  EXPECT_EQ(again->body, first->body) << "only the last bundle is kept and served";
}

// A second agent on the address of a running one must fail to bind, not share the port (httplib's
// default socket options include SO_REUSEPORT, which would split the requests between the two).
TEST(AgentHttp, SecondAgentOnTheSameAddressFails) {
  TmpDir tmp;
  ASSERT_FALSE(tmp.path.empty());
  make_root(tmp.path + "/root");
  Running first(test_options(tmp.path + "/root"));
  AgentOptions o = test_options(tmp.path + "/root");
  o.listen_port = first.port;
  Agent second(o);
  auto bound = second.bind();
  EXPECT_FALSE(bound) << "bound port " << first.port << " twice";
  if (!bound) {
    EXPECT_NE(bound.error().message.find("cannot bind"), std::string::npos) << bound.error().message;
  }
}

TEST(AgentHttp, ProbesTimeOutWithinTheirBound) {
  // A DNS server that never answers: the probe ends at its timeout, not later.
  int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), len), 0);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  auto t0 = std::chrono::steady_clock::now();
  ProbeResult p = probe_dns("127.0.0.1", "kubernetes.default.svc.cluster.local", std::chrono::milliseconds(300),
                            ntohs(a.sin_port));
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ::close(fd);
  EXPECT_FALSE(p.ok);
  EXPECT_EQ(p.detail, "timeout");
  EXPECT_GE(took, 0.29);
  EXPECT_LT(took, 1.0);
  auto refused = probe_dns("127.0.0.1", "x.y", std::chrono::milliseconds(300), closed_port());
  EXPECT_FALSE(refused.ok);
  EXPECT_EQ(refused.detail, "port-unreachable");
}

// --- the real binary --------------------------------------------------------------------------

struct Child {
  pid_t pid = -1;
  std::string log;
  ~Child() {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }
};

Child spawn_agent(const std::vector<std::string>& args, const std::string& log) {
  Child c;
  c.log = log;
  c.pid = ::fork();
  if (c.pid == 0) {
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    std::vector<std::string> all = {ND_BINARY, "agent"};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& s : all) argv.push_back(s.data());
    argv.push_back(nullptr);
    ::execv(ND_BINARY, argv.data());
    _exit(127);
  }
  return c;
}

// The port from "listening on 127.0.0.1:PORT", waiting up to 10 s for it.
int wait_port(const Child& c) {
  for (int i = 0; i < 200; ++i) {
    std::smatch m;
    std::string text = slurp(c.log);
    static const std::regex re(R"(listening on 127\.0\.0\.1:(\d+))");
    if (std::regex_search(text, m, re)) return std::stoi(m[1]);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return 0;
}

int wait_exit(Child& c, int seconds) {
  for (int i = 0; i < seconds * 20; ++i) {
    int st = 0;
    if (::waitpid(c.pid, &st, WNOHANG) == c.pid) {
      c.pid = -1;
      return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return -1;
}

TEST(AgentBinary, ServesLogsEachCollectionAndStopsOnSigterm) {
  TmpDir tmp;
  std::string root = tmp.path + "/root";
  make_root(root);
  Child c = spawn_agent({"--listen", "127.0.0.1:0", "--root", root, "--node-name", "node-b", "--interval", "1s"},
                        tmp.path + "/agent.log");
  int port = wait_port(c);
  ASSERT_GT(port, 0) << slurp(c.log);
  httplib::Client cl("127.0.0.1", port);
  cl.set_read_timeout(std::chrono::seconds(30));
  auto h = cl.Get("/healthz");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->body, "ok");
  double n = 0;
  for (int i = 0; i < 100 && n < 3; ++i) {  // three scheduled collections, one a second
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto m = cl.Get("/metrics");
    ASSERT_TRUE(m);
    auto p = test::parse_prometheus(m->body);
    ASSERT_TRUE(p) << p.error().message;
    n = test::prom_value(*p, "netdoctor_collections_total");
  }
  EXPECT_GE(n, 3);
  auto b = cl.Get("/bundle");
  ASSERT_TRUE(b && b->status == 200);
  auto bundle = bundle_from_json(b->body);
  ASSERT_TRUE(bundle);
  EXPECT_EQ(bundle->node, "node-b");
  ASSERT_EQ(::kill(c.pid, SIGTERM), 0);
  EXPECT_EQ(wait_exit(c, 10), 0) << slurp(c.log);
  std::string log = slurp(c.log);
  std::regex line(R"(collection \d+ of node-b: \d+ files, \d+ bytes, \d+ skipped, 0 errors, [0-9.]+ s)");
  auto count = std::distance(std::sregex_iterator(log.begin(), log.end(), line), std::sregex_iterator());
  EXPECT_GE(count, 3) << log;
  EXPECT_NE(log.find("stopped"), std::string::npos) << log;
}

TEST(AgentBinary, BadFlagsAndBusyPortExitTwo) {
  TmpDir tmp;
  struct Case {
    std::vector<std::string> args;
    const char* says;
  };
  Listener busy;
  std::vector<Case> cases = {
      {{"--listen", "nonsense"}, "--listen"},
      {{"--listen", "127.0.0.1:0", "--interval", "10x"}, "--interval"},
      {{"--listen", "127.0.0.1:0", "--peers", "10.0.0.1:80,node2:80"}, "--peers"},
      {{"--listen", "127.0.0.1:0", "--cluster-dns", "kube-dns"}, "--cluster-dns"},
      {{"--listen", "127.0.0.1:" + std::to_string(busy.port)}, "cannot bind"},
  };
  for (const auto& k : cases) {
    Child c = spawn_agent(k.args, tmp.path + "/bad.log");
    EXPECT_EQ(wait_exit(c, 10), 2) << k.says;
    EXPECT_NE(slurp(c.log).find(k.says), std::string::npos) << slurp(c.log);
  }
}

}  // namespace
}  // namespace nd::agent
