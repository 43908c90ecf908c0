// Exec credential plugins (client.authentication.k8s.io/v1 and v1beta1), as cloud kubeconfigs use:
// run the command, read the ExecCredential it prints, and reuse it until its expirationTimestamp.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"
#include "live/kubeconfig.h"

namespace nd::live {

struct ExecCredential {
  std::string token, cert_pem, key_pem;
  std::optional<std::chrono::system_clock::time_point> expires;  // none: valid for the whole process
};

// Pure: the plugin's stdout. `want_api` is the apiVersion the kubeconfig asked for; `who` names the
// plugin in messages.
Result<ExecCredential> parse_exec_credential(std::string_view json, const std::string& want_api, const std::string& who);

// RFC 3339 ("2024-01-02T03:04:05Z", fractional seconds and offsets allowed); nullopt when malformed.
std::optional<std::chrono::system_clock::time_point> parse_rfc3339(std::string_view s);

// Runs the plugin (stdin /dev/null, stderr passed through, bounded by `timeout`) with
// KUBERNETES_EXEC_INFO set, and parses its output.
Result<ExecCredential> run_exec_plugin(const ExecConfig& e, const ClusterEntry& cluster,
                                       std::chrono::milliseconds timeout = std::chrono::seconds(60));

// One plugin's credential, shared by the worker threads: the plugin runs once, again only after
// expiry (or after the API server rejected the credential).
class ExecCache {
 public:
  ExecCache(ExecConfig e, ClusterEntry c) : exec_(std::move(e)), cluster_(std::move(c)) {}
  Result<ExecCredential> get();
  void invalidate();
  int runs() const { return runs_; }

 private:
  ExecConfig exec_;
  ClusterEntry cluster_;
  std::mutex mu_;
  std::optional<ExecCredential> cached_;
  int runs_ = 0;
};

}  // namespace nd::live
