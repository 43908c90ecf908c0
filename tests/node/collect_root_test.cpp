// Needs root: builds a network namespace with a bridge, a veth pair and a VXLAN device, collects
// the bundle from inside it (setns in a child process) and checks the bundle shows exactly that
// namespace. Skips, saying why, without root or when namespaces cannot be made.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "collect/collector.h"
#include "collect/exec.h"
#include "fixture.h"
#include "node/ip_json.h"
#include "node/sysctl.h"

using namespace nd;

namespace {

// The namespace and everything in it; removed when this goes out of scope, also on failure.
class Netns {
 public:
  explicit Netns(std::string name) : name_(std::move(name)) {
    auto r = collect::run_command({"ip", "netns", "add", name_});
    created_ = r.ok();
    error_ = r.describe();
  }
  ~Netns() {
    if (created_) collect::run_command({"ip", "netns", "del", name_});
  }
  bool created() const { return created_; }
  const std::string& error() const { return error_; }
  const std::string& name() const { return name_; }
  // Runs `ip -n NAME ARGS...` (or bridge); returns the failure text, "" on success.
  std::string run(std::vector<std::string> argv) const {
    argv.insert(argv.begin() + 1, {"-n", name_});
    auto r = collect::run_command(argv);
    return r.ok() ? "" : r.describe();
  }

 private:
  std::string name_, error_;
  bool created_ = false;
};

std::string netns_of_self() {
  char buf[128];
  ssize_t n = ::readlink("/proc/self/ns/net", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

// Collects in a child that joins the namespace, so this process never changes namespace.
// Returns "" on success, else what went wrong. Bounded: the child is killed after 60 s.
std::string collect_in(const std::string& netns, const std::string& out) {
  pid_t pid = ::fork();
  if (pid < 0) return "fork failed";
  if (pid == 0) {
    int fd = ::open(("/var/run/netns/" + netns).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::setns(fd, CLONE_NEWNET) != 0) _exit(3);
    auto rep = collect::collect_node(out);
    _exit(rep.ok() ? 0 : 4);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return "collector child timed out";
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!WIFEXITED(status)) return "collector child killed";
  if (WEXITSTATUS(status) == 3) return "setns failed in the child";
  if (WEXITSTATUS(status) != 0)
    return "collect_node failed in the child (status " + std::to_string(WEXITSTATUS(status)) + ")";
  return "";
}

}  // namespace

TEST(RootCollect, BundleShowsExactlyTheNamespace) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to create network namespaces";
  Netns ns("ndcol-" + std::to_string(::getpid()));
  if (!ns.created()) GTEST_SKIP() << "ip netns add failed: " << ns.error();

  // lo, a bridge, a veth pair with one end on the bridge, a VXLAN device over the other end.
  for (const auto& cmd : std::vector<std::vector<std::string>>{
           {"ip", "link", "set", "lo", "up"},
           {"ip", "link", "add", "br-nd", "type", "bridge"},
           {"ip", "link", "add", "vnd0", "type", "veth", "peer", "name", "vnd1"},
           {"ip", "link", "set", "vnd1", "master", "br-nd"},
           {"ip", "addr", "add", "10.77.0.1/24", "dev", "vnd0"},
           {"ip", "addr", "add", "10.77.1.1/24", "dev", "br-nd"},
           {"ip", "link", "add", "vx-nd", "type", "vxlan", "id", "4242", "local", "10.77.0.1", "dev", "vnd0", "dstport",
            "4789"},
           {"ip", "link", "set", "vnd0", "up"},
           {"ip", "link", "set", "vnd1", "up"},
           {"ip", "link", "set", "br-nd", "up"},
           {"ip", "link", "set", "vx-nd", "up"},
           {"ip", "route", "add", "10.77.9.0/24", "via", "10.77.0.2", "dev", "vnd0"},
           {"ip", "route", "add", "blackhole", "10.77.8.0/24"},
           {"bridge", "fdb", "append", "00:00:00:00:00:00", "dev", "vx-nd", "dst", "10.77.0.2"},
       }) {
    std::string err = ns.run(cmd);
    ASSERT_EQ(err, "") << cmd[1] << " " << cmd[2] << " " << cmd[3];
  }

  test::TempDir out;
  ASSERT_EQ(collect_in(ns.name(), out.str()), "");

  auto links = node::parse_ip_link(test::read_file(out.str() + "/ip-link.json"), "ip-link.json");
  ASSERT_TRUE(links.ok()) << links.error().message;
  std::set<std::string> names;
  for (const auto& l : *links) names.insert(l.ifname);
  EXPECT_EQ(names, (std::set<std::string>{"lo", "br-nd", "vnd0", "vnd1", "vx-nd"}));
  const node::Link* vx = node::find_link(*links, "vx-nd");
  ASSERT_NE(vx, nullptr);
  ASSERT_TRUE(vx->vxlan);
  EXPECT_EQ(vx->vxlan->id, 4242u);
  EXPECT_EQ(vx->vxlan->local, "10.77.0.1");
  EXPECT_EQ(vx->vxlan->dev, "vnd0");
  EXPECT_EQ(vx->vxlan->port, 4789);
  EXPECT_EQ(node::find_link(*links, "vnd1")->master, "br-nd");

  auto routes = node::parse_ip_route(test::read_file(out.str() + "/ip-route.json"), "ip-route.json");
  ASSERT_TRUE(routes.ok()) << routes.error().message;
  std::set<std::string> main_v4;
  for (const auto& r : *routes)
    if (r.table == "main" && r.family() == node::Family::V4) main_v4.insert(r.to_line());
  EXPECT_EQ(main_v4, (std::set<std::string>{"10.77.0.0/24 dev vnd0 proto kernel scope link src 10.77.0.1",
                                            "10.77.1.0/24 dev br-nd proto kernel scope link src 10.77.1.1",
                                            "10.77.9.0/24 via 10.77.0.2 dev vnd0", "blackhole 10.77.8.0/24"}));

  auto fdb = node::parse_bridge_fdb(test::read_file(out.str() + "/bridge-fdb.json"), "bridge-fdb.json");
  ASSERT_TRUE(fdb.ok());
  bool flood = false;
  for (const auto& e : *fdb) flood |= e.ifname == "vx-nd" && e.mac == "00:00:00:00:00:00" && e.dst == "10.77.0.2";
  EXPECT_TRUE(flood);

  // /proc/sys/net was read inside the namespace: its interfaces, and none of the host's.
  auto sys = node::parse_sysctl(test::read_file(out.str() + "/sysctl.txt"), "sysctl.txt");
  ASSERT_TRUE(sys.ok());
  EXPECT_NE(sys->find("net.ipv4.conf.vx-nd.forwarding"), nullptr);
  EXPECT_NE(sys->find("net.ipv4.conf.br-nd.forwarding"), nullptr);
  std::set<std::string> conf_ifs;
  for (const auto& e : sys->entries)
    if (e.key.rfind("net.ipv4.conf.", 0) == 0) {
      std::string rest = e.key.substr(14);
      conf_ifs.insert(rest.substr(0, rest.find('.')));
    }
  EXPECT_EQ(conf_ifs, (std::set<std::string>{"all", "default", "lo", "br-nd", "vnd0", "vnd1", "vx-nd"}));
  EXPECT_EQ(sys->find("net.ipv4.ip_forward")->value, "0");

  auto m = nlohmann::json::parse(test::read_file(out.str() + "/manifest.json"));
  EXPECT_NE(m["netns"].get<std::string>(), netns_of_self());
}
