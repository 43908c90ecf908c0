#include "live/exec_credential.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>
#include <vector>

extern char** environ;

namespace nd::live {

std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view s) {
  int Y, M, D, h, m, sec;
  if (s.size() < 20 || std::sscanf(std::string(s.substr(0, 19)).c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &Y, &M, &D, &h, &m,
                                   &sec) != 6)
    return std::nullopt;
  size_t i = 19;
  if (i < s.size() && s[i] == '.')
    for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9';) ++i;  // fractions: below our resolution
  long offset = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i + 6 == s.size() && (s[i] == '+' || s[i] == '-')) {
    int oh, om;
    if (std::sscanf(std::string(s.substr(i + 1)).c_str(), "%2d:%2d", &oh, &om) != 2) return std::nullopt;
    offset = (s[i] == '+' ? 1 : -1) * (oh * 3600L + om * 60L);
    i = s.size();
  }
  if (i != s.size()) return std::nullopt;
  std::tm tm{};
  tm.tm_year = Y - 1900;
  tm.tm_mon = M - 1;
  tm.tm_mday = D;
  tm.tm_hour = h;
  tm.tm_min = m;
  tm.tm_sec = sec;
  time_t t = timegm(&tm);
  return std::chrono::system_clock::from_time_t(t - offset);
}

Result<ExecCredential> parse_exec_credential(std::string_view json, const std::string& want_api, const std::string& who) {
  nlohmann::json j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return Error{fmt::format("exec plugin {}: its output is not a JSON object (an ExecCredential)", who)};
  std::string kind = j.value("kind", "");
  std::string api = j.value("apiVersion", "");
  if (kind != "ExecCredential")
    return Error{fmt::format("exec plugin {}: printed kind '{}', expected ExecCredential", who, kind)};
  if (!want_api.empty() && api != want_api)
    return Error{fmt::format("exec plugin {}: printed apiVersion '{}', the kubeconfig asked for '{}'", who, api, want_api)};
  if (!j.contains("status") || !j["status"].is_object())
    return Error{fmt::format("exec plugin {}: the ExecCredential has no status", who)};
  const auto& st = j["status"];
  ExecCredential c;
  auto str = [&](const char* k) { return st.contains(k) && st[k].is_string() ? st[k].get<std::string>() : ""; };
  c.token = str("token");
  c.cert_pem = str("clientCertificateData");
  c.key_pem = str("clientKeyData");
  if (c.token.empty() && (c.cert_pem.empty() || c.key_pem.empty()))
    return Error{fmt::format("exec plugin {}: status has neither a token nor clientCertificateData and clientKeyData", who)};
  if (std::string exp = str("expirationTimestamp"); !exp.empty()) {
    c.expires = parse_rfc3339(exp);
    if (!c.expires)
      return Error{fmt::format("exec plugin {}: expirationTimestamp '{}' is not an RFC 3339 time", who, exp)};
  }
  return c;
}

namespace {

std::string exec_info(const ExecConfig& e, const ClusterEntry& cluster) {
  nlohmann::json spec = {{"interactive", false}};
  if (e.provide_cluster_info) {
    nlohmann::json cl = {{"server", cluster.server}};
    if (!cluster.ca_pem.empty()) {
      static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
      std::string b64;
      const std::string& s = cluster.ca_pem;
      for (size_t i = 0; i < s.size(); i += 3) {
        unsigned v = static_cast<unsigned char>(s[i]) << 16;
        if (i + 1 < s.size()) v |= static_cast<unsigned char>(s[i + 1]) << 8;
        if (i + 2 < s.size()) v |= static_cast<unsigned char>(s[i + 2]);
        b64 += k[(v >> 18) & 63];
        b64 += k[(v >> 12) & 63];
        b64 += i + 1 < s.size() ? k[(v >> 6) & 63] : '=';
        b64 += i + 2 < s.size() ? k[v & 63] : '=';
      }
      cl["certificate-authority-data"] = b64;
    }
    if (cluster.insecure) cl["insecure-skip-tls-verify"] = true;
    spec["cluster"] = cl;
  }
  return nlohmann::json{{"apiVersion", e.api_version}, {"kind", "ExecCredential"}, {"spec", spec}}.dump();
}

}  // namespace

Result<ExecCredential> run_exec_plugin(const ExecConfig& e, const ClusterEntry& cluster, std::chrono::milliseconds timeout) {
  if (e.interactive_mode == "Always")
    return Error{fmt::format("exec plugin {}: interactiveMode Always needs a terminal; netdoctor runs it without one",
                             e.command)};
  std::vector<std::string> env_strings;
  for (char** p = environ; p && *p; ++p) env_strings.emplace_back(*p);
  for (const auto& [k, v] : e.env) env_strings.push_back(k + "=" + v);
  env_strings.push_back("KUBERNETES_EXEC_INFO=" + exec_info(e, cluster));
  std::vector<char*> envp, argv;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::string cmd = e.command;
  argv.push_back(cmd.data());
  std::vector<std::string> args = e.args;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) return Error{fmt::format("exec plugin {}: pipe: {}", e.command, std::strerror(errno))};
  pid_t pid = fork();
  if (pid < 0) return Error{fmt::format("exec plugin {}: fork: {}", e.command, std::strerror(errno))};
  if (pid == 0) {
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    dup2(out[1], 1);
    // The command is searched on PATH, as kubectl does.
    execvpe(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  close(out[1]);
  std::string output;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  bool timed_out = false;
  char buf[4096];
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd pfd{out[0], POLLIN, 0};
    int pr = poll(&pfd, 1, static_cast<int>(left.count()));
    if (pr < 0 && errno == EINTR) continue;
    if (pr <= 0) {
      timed_out = pr == 0;
      break;
    }
    ssize_t n = read(out[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    output.append(buf, static_cast<size_t>(n));
    if (output.size() > (1u << 20)) break;  // a credential is small; more is a broken plugin
  }
  close(out[0]);
  if (timed_out) kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  std::string hint = e.install_hint.empty() ? "" : "\n" + e.install_hint;
  if (timed_out) return Error{fmt::format("exec plugin {}: no answer within {} s", e.command, timeout.count() / 1000)};
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && output.empty())
    return Error{fmt::format("exec plugin {}: cannot run it (not found or not executable){}", e.command, hint)};
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return Error{fmt::format("exec plugin {}: exited with status {}{}", e.command,
                             WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), hint)};
  return parse_exec_credential(output, e.api_version, e.command);
}

Result<ExecCredential> ExecCache::get() {
  std::lock_guard<std::mutex> lock(mu_);
  // Renew a little before expiry so a long collection does not present a token that lapses in flight.
  if (cached_ && (!cached_->expires || *cached_->expires > std::chrono::system_clock::now() + std::chrono::seconds(10)))
    return *cached_;
  ++runs_;
  auto r = run_exec_plugin(exec_, cluster_);
  if (!r.ok()) return r;
  cached_ = *r;
  return r;
}

void ExecCache::invalidate() {
  std::lock_guard<std::mutex> lock(mu_);
  cached_.reset();
}

}  // namespace nd::live
