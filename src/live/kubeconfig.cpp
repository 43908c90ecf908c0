#include "live/kubeconfig.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace nd::live {
namespace {

std::string scalar(const YAML::Node& n, const char* key) {
  const YAML::Node v = n[key];
  if (!v || !v.IsScalar()) return {};
  return v.as<std::string>();
}

bool flag(const YAML::Node& n, const char* key) {
  const YAML::Node v = n[key];
  if (!v || !v.IsScalar()) return false;
  std::string s = v.as<std::string>();
  return s == "true" || s == "True" || s == "TRUE";
}

// kubectl resolves a relative path against the directory of the file that names it.
std::string absolute(const std::string& p, const std::string& dir) {
  if (p.empty() || fs::path(p).is_absolute()) return p;
  return (fs::path(dir) / p).lexically_normal().string();
}

struct Ctx {
  std::string path;
  std::string where(const YAML::Node& n) const {
    return n.Mark().line >= 0 ? fmt::format("{}:{}", path, n.Mark().line + 1) : path;
  }
};

Result<std::string> data_field(const YAML::Node& n, const char* key, const Ctx& ctx) {
  std::string raw = scalar(n, key);
  if (raw.empty()) return std::string();
  auto d = base64_decode(raw);
  if (!d) return Error{fmt::format("{}: {} is not valid base64", ctx.where(n[key]), key)};
  return *d;
}

// name -> entry for the list under `key` (clusters/users/contexts), each {name, KEY_SINGULAR: {...}}.
template <typename F>
Result<bool> each_named(const YAML::Node& root, const char* key, const char* inner, const Ctx& ctx, F f) {
  const YAML::Node list = root[key];
  if (!list || list.IsNull()) return true;
  if (!list.IsSequence()) return Error{fmt::format("{}: {} must be a list", ctx.where(list), key)};
  for (const YAML::Node& item : list) {
    if (!item.IsMap()) return Error{fmt::format("{}: each entry of {} must be a map", ctx.where(item), key)};
    std::string name = scalar(item, "name");
    if (name.empty()) return Error{fmt::format("{}: an entry of {} has no name", ctx.where(item), key)};
    YAML::Node body = item[inner];
    if (!body || body.IsNull()) body = YAML::Node(YAML::NodeType::Map);
    if (!body.IsMap()) return Error{fmt::format("{}: {} of '{}' must be a map", ctx.where(body), inner, name)};
    auto r = f(name, body);
    if (!r.ok()) return r.error();
  }
  return true;
}

Result<ExecConfig> parse_exec(const YAML::Node& n, const std::string& dir, const Ctx& ctx) {
  ExecConfig e;
  e.api_version = scalar(n, "apiVersion");
  e.command = scalar(n, "command");
  if (e.command.empty()) return Error{fmt::format("{}: exec has no command", ctx.where(n))};
  if (e.command.find('/') != std::string::npos) e.command = absolute(e.command, dir);
  if (const YAML::Node a = n["args"]; a && a.IsSequence())
    for (const auto& x : a) e.args.push_back(x.as<std::string>());
  if (const YAML::Node en = n["env"]; en && en.IsSequence())
    for (const auto& x : en) e.env.emplace_back(scalar(x, "name"), scalar(x, "value"));
  e.interactive_mode = scalar(n, "interactiveMode");
  e.install_hint = scalar(n, "installHint");
  e.provide_cluster_info = flag(n, "provideClusterInfo");
  if (e.api_version != "client.authentication.k8s.io/v1" && e.api_version != "client.authentication.k8s.io/v1beta1")
    return Error{fmt::format("{}: exec apiVersion '{}' is not supported (client.authentication.k8s.io/v1 or v1beta1)",
                             ctx.where(n), e.api_version)};
  return e;
}

}  // namespace

std::optional<std::string> base64_decode(std::string_view in) {
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  std::string out;
  out.reserve(in.size() * 3 / 4);
  unsigned buf = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=' || c == '\n' || c == '\r' || c == ' ' || c == '\t') continue;
    int v = val(c);
    if (v < 0) return std::nullopt;
    buf = (buf << 6) | static_cast<unsigned>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buf >> bits) & 0xff));
    }
  }
  return out;
}

Result<Kubeconfig> parse_kubeconfig(std::string_view text, const std::string& path) {
  Ctx ctx{path};
  const std::string dir = fs::path(path).parent_path().string();
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return Error{fmt::format("{}:{}:{}: invalid YAML: {}", path, e.mark.line + 1, e.mark.column + 1, e.msg)};
  }
  Kubeconfig kc;
  kc.files.push_back(path);
  if (!root || root.IsNull()) return kc;  // an empty file is an empty config, as for kubectl
  if (!root.IsMap()) return Error{fmt::format("{}: a kubeconfig must be a YAML map", path)};
  try {
    kc.current_context = scalar(root, "current-context");
    auto rc = each_named(root, "clusters", "cluster", ctx, [&](const std::string& name, const YAML::Node& n) -> Result<bool> {
      ClusterEntry c;
      c.server = scalar(n, "server");
      c.ca_file = absolute(scalar(n, "certificate-authority"), dir);
      auto ca = data_field(n, "certificate-authority-data", ctx);
      if (!ca.ok()) return ca.error();
      c.ca_pem = *ca;
      c.insecure = flag(n, "insecure-skip-tls-verify");
      c.proxy_url = scalar(n, "proxy-url");
      c.tls_server_name = scalar(n, "tls-server-name");
      kc.clusters.emplace(name, std::move(c));
      return true;
    });
    if (!rc.ok()) return rc.error();
    auto ru = each_named(root, "users", "user", ctx, [&](const std::string& name, const YAML::Node& n) -> Result<bool> {
      UserEntry u;
      u.cert_file = absolute(scalar(n, "client-certificate"), dir);
      u.key_file = absolute(scalar(n, "client-key"), dir);
      auto cert = data_field(n, "client-certificate-data", ctx);
      if (!cert.ok()) return cert.error();
      auto key = data_field(n, "client-key-data", ctx);
      if (!key.ok()) return key.error();
      u.cert_pem = *cert;
      u.key_pem = *key;
      u.token = scalar(n, "token");
      u.token_file = absolute(scalar(n, "tokenFile"), dir);
      u.username = scalar(n, "username");
      u.password = scalar(n, "password");
      if (const YAML::Node e = n["exec"]; e && e.IsMap()) {
        auto ex = parse_exec(e, dir, ctx);
        if (!ex.ok()) return ex.error();
        u.exec = std::move(*ex);
      }
      if (const YAML::Node ap = n["auth-provider"]; ap && ap.IsMap()) {
        u.auth_provider = scalar(ap, "name");
        // oidc keeps a usable bearer token in its config; the other legacy providers need code of their own.
        if (u.auth_provider == "oidc" && u.token.empty()) u.token = scalar(ap["config"], "id-token");
      }
      kc.users.emplace(name, std::move(u));
      return true;
    });
    if (!ru.ok()) return ru.error();
    auto rx = each_named(root, "contexts", "context", ctx, [&](const std::string& name, const YAML::Node& n) -> Result<bool> {
      kc.contexts.emplace(name, ContextEntry{scalar(n, "cluster"), scalar(n, "user"), scalar(n, "namespace")});
      return true;
    });
    if (!rx.ok()) return rx.error();
  } catch (const YAML::Exception& e) {
    return Error{fmt::format("{}:{}: unexpected value: {}", path, e.mark.line + 1, e.msg)};
  }
  return kc;
}

void merge_kubeconfig(Kubeconfig& into, const Kubeconfig& later) {
  for (const auto& [k, v] : later.clusters) into.clusters.emplace(k, v);
  for (const auto& [k, v] : later.users) into.users.emplace(k, v);
  for (const auto& [k, v] : later.contexts) into.contexts.emplace(k, v);
  if (into.current_context.empty()) into.current_context = later.current_context;
  into.files.insert(into.files.end(), later.files.begin(), later.files.end());
}

Result<Target> resolve_target(const Kubeconfig& kc, const std::string& context, const std::string& ns) {
  std::string files = fmt::format("{}", fmt::join(kc.files, ", "));
  std::string name = context.empty() ? kc.current_context : context;
  if (name.empty())
    return Error{fmt::format("no current-context in {} (pass --context NAME)", files.empty() ? "the kubeconfig" : files)};
  auto cx = kc.contexts.find(name);
  if (cx == kc.contexts.end()) return Error{fmt::format("context '{}' is not defined in {}", name, files)};
  Target t;
  t.context = name;
  t.cluster_name = cx->second.cluster;
  t.user_name = cx->second.user;
  auto cl = kc.clusters.find(t.cluster_name);
  if (cl == kc.clusters.end())
    return Error{fmt::format("context '{}' names cluster '{}', which is not defined in {}", name, t.cluster_name, files)};
  t.cluster = cl->second;
  if (t.cluster.server.empty()) return Error{fmt::format("cluster '{}' has no server in {}", t.cluster_name, files)};
  if (!t.user_name.empty()) {
    auto us = kc.users.find(t.user_name);
    if (us == kc.users.end())
      return Error{fmt::format("context '{}' names user '{}', which is not defined in {}", name, t.user_name, files)};
    t.user = us->second;
  }
  if (!t.user.auth_provider.empty() && t.user.token.empty())
    return Error{fmt::format("user '{}' uses the auth-provider '{}', which netdoctor does not support: switch the "
                             "kubeconfig to the provider's exec plugin (kubelogin, gke-gcloud-auth-plugin, ...)",
                             t.user_name, t.user.auth_provider)};
  t.ns = !ns.empty() ? ns : !cx->second.ns.empty() ? cx->second.ns : "default";
  t.origin = "kubeconfig " + files;
  return t;
}

Environment Environment::from_process() {
  Environment e;
  if (const char* k = std::getenv("KUBECONFIG")) e.kubeconfig = k;
  if (const char* h = std::getenv("HOME")) e.home = h;
  if (const char* h = std::getenv("KUBERNETES_SERVICE_HOST")) e.service_host = h;
  if (const char* p = std::getenv("KUBERNETES_SERVICE_PORT")) e.service_port = p;
  return e;
}

namespace {

Result<std::string> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{fmt::format("{}: cannot read: {}", path, std::strerror(errno))};
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

Result<Target> in_cluster_target(const Environment& env, const std::string& ns) {
  if (env.service_host.empty() || env.service_port.empty())
    return Error{"no kubeconfig found (--kubeconfig, KUBECONFIG, ~/.kube/config) and not running in a pod "
                 "(KUBERNETES_SERVICE_HOST/PORT unset)"};
  Target t;
  t.in_cluster = true;
  t.context = "in-cluster";
  t.user_name = "service account";
  std::string host = env.service_host;
  if (host.find(':') != std::string::npos) host = "[" + host + "]";  // IPv6
  t.cluster.server = "https://" + host + ":" + env.service_port;
  t.cluster.ca_file = (fs::path(env.sa_dir) / "ca.crt").string();
  t.user.token_file = (fs::path(env.sa_dir) / "token").string();
  if (!fs::exists(t.user.token_file))
    return Error{fmt::format("in-cluster: {} does not exist (is a service account token mounted?)", t.user.token_file)};
  t.ns = ns;
  if (t.ns.empty()) {
    auto n = read_file((fs::path(env.sa_dir) / "namespace").string());
    t.ns = n.ok() && !n->empty() ? *n : "default";
    while (!t.ns.empty() && (t.ns.back() == '\n' || t.ns.back() == ' ')) t.ns.pop_back();
  }
  t.origin = "in-cluster service account (" + env.sa_dir + ")";
  return t;
}

Result<Target> load_target(const Selection& sel, const Environment& env) {
  std::vector<std::string> paths;
  bool explicit_file = false;
  if (!sel.kubeconfig.empty()) {
    paths.push_back(sel.kubeconfig);
    explicit_file = true;
  } else if (env.kubeconfig && !env.kubeconfig->empty()) {
    std::stringstream ss(*env.kubeconfig);
    std::string p;
    while (std::getline(ss, p, ':'))
      if (!p.empty() && fs::exists(p)) paths.push_back(p);  // kubectl skips files that do not exist
  } else if (!env.home.empty() && fs::exists(fs::path(env.home) / ".kube" / "config")) {
    paths.push_back((fs::path(env.home) / ".kube" / "config").string());
  }
  if (paths.empty()) return in_cluster_target(env, sel.ns);
  Kubeconfig merged;
  for (const auto& p : paths) {
    auto text = read_file(p);
    if (!text.ok()) {
      if (explicit_file) return text.error();
      continue;
    }
    auto kc = parse_kubeconfig(*text, p);
    if (!kc.ok()) return kc.error();
    merge_kubeconfig(merged, *kc);
  }
  return resolve_target(merged, sel.context, sel.ns);
}

}  // namespace nd::live
