// Which cluster to talk to and with which credentials, chosen as kubectl chooses: --kubeconfig, else
// the files of KUBECONFIG merged (the first file that sets a value wins), else ~/.kube/config, else
// the in-cluster service account. Parsing is pure (text in, values out); load_target() does the I/O.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace nd::live {

// users[].user.exec: a credential plugin (client.authentication.k8s.io/v1 or v1beta1).
struct ExecConfig {
  std::string api_version, command;
  std::vector<std::string> args;
  std::vector<std::pair<std::string, std::string>> env;
  std::string interactive_mode;  // Never, IfAvailable, Always
  std::string install_hint;
  bool provide_cluster_info = false;
};

struct ClusterEntry {
  std::string server;
  std::string ca_file, ca_pem;  // certificate-authority (path) / certificate-authority-data (decoded)
  std::string proxy_url, tls_server_name;
  bool insecure = false;  // insecure-skip-tls-verify, only ever from the kubeconfig itself
};

struct UserEntry {
  std::string cert_file, cert_pem, key_file, key_pem;
  std::string token, token_file;
  std::string username, password;
  std::optional<ExecConfig> exec;
  std::string auth_provider;  // legacy auth-provider name (only oidc's id-token is usable)
};

struct ContextEntry {
  std::string cluster, user, ns;
};

struct Kubeconfig {
  std::map<std::string, ClusterEntry> clusters;
  std::map<std::string, UserEntry> users;
  std::map<std::string, ContextEntry> contexts;
  std::string current_context;
  std::vector<std::string> files;  // that were read, in order
};

// One kubeconfig file. Relative paths (certificate-authority, client-certificate, client-key, tokenFile,
// an exec command with a slash) are made absolute against the file's directory, as kubectl does.
Result<Kubeconfig> parse_kubeconfig(std::string_view text, const std::string& path);

// kubectl's merge: a cluster, user or context already named keeps its first definition; current-context
// comes from the first file that sets one.
void merge_kubeconfig(Kubeconfig& into, const Kubeconfig& later);

// Everything a request needs, resolved from one context (or the in-cluster service account).
struct Target {
  std::string context, cluster_name, user_name, ns = "default";
  ClusterEntry cluster;
  UserEntry user;
  std::string origin;  // "kubeconfig /root/.kube/config" or "in-cluster service account"
  bool in_cluster = false;
};

Result<Target> resolve_target(const Kubeconfig& kc, const std::string& context, const std::string& ns);

// The process environment as far as the choice depends on it (tests pass their own).
struct Environment {
  std::optional<std::string> kubeconfig;  // KUBECONFIG, when set
  std::string home;
  std::string service_host, service_port;  // KUBERNETES_SERVICE_HOST / _PORT
  std::string sa_dir = "/var/run/secrets/kubernetes.io/serviceaccount";
  static Environment from_process();
};

struct Selection {
  std::string kubeconfig;  // --kubeconfig
  std::string context;     // --context
  std::string ns;          // -n / --namespace
};

Result<Target> load_target(const Selection& sel, const Environment& env);
Result<Target> in_cluster_target(const Environment& env, const std::string& ns);

// Standard base64 (kubeconfig *-data fields); nullopt on a character outside the alphabet.
std::optional<std::string> base64_decode(std::string_view in);

}  // namespace nd::live
