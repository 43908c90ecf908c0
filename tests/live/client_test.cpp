// The API client against a local HTTPS server (127.0.0.1, ephemeral port, test PKI made with openssl):
// auth, TLS, pagination, retries, timeouts, truncated bodies, 401/403, and a whole live collection whose
// diagnosis equals that of the same objects read as a snapshot.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>

#include "live/api_client.h"
#include "live/live_collect.h"
#include "live/redact.h"
#include "live_support.h"

using namespace nd::live;
using namespace nd::livetest;

namespace {

const std::string kData = std::string(ND_SOURCE_DIR) + "/tests/data/live/cluster";

Pki& pki() {
  static Pki p;
  return p;
}

#define REQUIRE_PKI()                                                       \
  do {                                                                      \
    if (!pki().ok) GTEST_SKIP() << "openssl could not make the test PKI";   \
  } while (0)

Target token_target(const FakeApiServer& s, const std::string& token = "secret-token") {
  Target t;
  t.context = "test";
  t.cluster_name = "c";
  t.user_name = "alice";
  t.cluster.server = s.url();
  t.cluster.ca_file = pki().ca;
  t.user.token = token;
  t.origin = "test";
  return t;
}

std::unique_ptr<ApiClient> client(Target t, ClientOptions o = {}) {
  o.backoff = std::chrono::milliseconds(20);
  auto c = ApiClient::create(std::move(t), o);
  if (!c.ok()) throw std::runtime_error(c.error().message);
  return std::move(*c);
}

ListRequest pods{"", "v1", "pods", "", ""};

size_t list_count(ApiClient& api, ApiClient::Session& s, const ListRequest& r, Response* out = nullptr) {
  size_t n = 0;
  Response resp = api.list(s, r, [&](nlohmann::json& page, bool restart) {
    if (restart) n = 0;
    n += page["items"].size();
    return true;
  });
  if (out) *out = resp;
  return resp.ok() ? n : 0;
}

// Runs a command, returns its stdout; the exit status in *status.
std::string run(const std::string& cmd, int* status) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int st = pclose(p);
  *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return out;
}

// What a finding is, without where the evidence lives (paths differ between the two snapshots).
std::vector<std::string> finding_keys(const std::string& json_text) {
  auto j = nlohmann::json::parse(json_text);
  std::vector<std::string> keys;
  for (const auto& f : j["findings"])
    keys.push_back(f["id"].get<std::string>() + " " + f["severity"].get<std::string>() + " " + f["subject"].dump() +
                   " " + f.value("node", "") + " | " + f.value("summary", ""));
  std::sort(keys.begin(), keys.end());
  return keys;
}

}  // namespace

TEST(LiveClient, BearerTokenAuthIsEnforced) {
  REQUIRE_PKI();
  FakeApiServer srv(pki(), FakeApiServer::Auth::Token, kData);
  ApiClient::Session s;
  auto good = client(token_target(srv));
  EXPECT_EQ(list_count(*good, s, pods), 19u);
  auto bad = client(token_target(srv, "wrong"));
  Response r;
  EXPECT_EQ(list_count(*bad, s, pods, &r), 0u);
  EXPECT_EQ(r.failure, Failure::Unauthorized);
  EXPECT_NE(r.error.find("401"), std::string::npos);
  EXPECT_NE(r.error.find("'alice'"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("/api/v1/pods"), std::string::npos);
  EXPECT_EQ(r.attempts, 1);  // a rejected credential is not retried
}

TEST(LiveClient, ClientCertificateAuthIsEnforced) {
  REQUIRE_PKI();
  FakeApiServer srv(pki(), FakeApiServer::Auth::ClientCert, kData);
  TempDir d;
  spit(d.file("kubeconfig"), kubeconfig(srv.url(), pki().ca,
                                        "    client-certificate: " + pki().client_cert + "\n    client-key: " + pki().client_key + "\n"));
  auto t = load_target({d.file("kubeconfig"), "", ""}, Environment{});
  ASSERT_TRUE(t.ok()) << t.error().message;
  ApiClient::Session s;
  EXPECT_EQ(list_count(*client(*t), s, pods), 19u);

  // The same key pair as -data fields.
  auto b64 = [](const std::string& path) {
    int st;
    std::string out = run("base64 -w0 " + path, &st);
    return out;
  };
  spit(d.file("kubeconfig-data"), kubeconfig(srv.url(), pki().ca,
                                             "    client-certificate-data: " + b64(pki().client_cert) +
                                                 "\n    client-key-data: " + b64(pki().client_key) + "\n"));
  auto td = load_target({d.file("kubeconfig-data"), "", ""}, Environment{});
  ASSERT_TRUE(td.ok()) << td.error().message;
  EXPECT_EQ(list_count(*client(*td), s, pods), 19u);

  // Without a client certificate the handshake fails: a TLS error, not retried.
  Target none = *t;
  none.user = UserEntry{};
  Response r;
  ApiClient::Session s2;
  EXPECT_EQ(list_count(*client(none), s2, pods, &r), 0u);
  EXPECT_TRUE(r.failure == Failure::Tls || r.failure == Failure::Transport) << r.error;
}

TEST(LiveClient, WrongCaFailsTls) {
  REQUIRE_PKI();
  FakeApiServer srv(pki(), FakeApiServer::Auth::Token, kData);
  Target t = token_target(srv);
  t.cluster.ca_file = pki().other_ca;
  ApiClient::Session s;
  Response r;
  EXPECT_EQ(list_count(*client(t), s, pods, &r), 0u);
  EXPECT_EQ(r.failure, Failure::Tls) << r.error;
  EXPECT_NE(r.error.find("TLS"), std::string::npos);
  EXPECT_NE(r.error.find("certificate-authority"), std::string::npos);
  EXPECT_EQ(srv.count("/"), 0u);  // nothing reached the handler
  // insecure-skip-tls-verify from the kubeconfig is honoured (and only then).
  t.cluster.insecure = true;
  EXPECT_EQ(list_count(*client(t), s, pods), 19u);
}

TEST(LiveClient, PaginatesAcrossThreePages) {
  REQUIRE_PKI();
  FakeApiServer srv(pki(), FakeApiServer::Auth::Token, kData);
  srv.set_page_size(7);  // 19 pods: 7 + 7 + 5
  ApiClient::Session s;
  auto api = client(token_target(srv));
  std::vector<std::string> names;
  Response r = api->list(s, pods, [&](nlohmann::json& page, bool restart) {
    if (restart) names.clear();
    for (auto& it : page["items"]) names.push_back(it["metadata"]["name"]);
    return true;
  });
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(names.size(), 19u);
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), 19u);
  auto paths = srv.paths();
  ASSERT_EQ(paths.size(), 3u);
  EXPECT_EQ(paths[0], "/api/v1/pods?limit=500");
  EXPECT_EQ(paths[1], "/api/v1/pods?limit=500&continue=7");
  EXPECT_EQ(paths[2], "/api/v1/pods?limit=500&continue=14");
}

TEST(LiveClient, ExpiredContinueTokenStartsOverOnce) {
  REQUIRE_PKI();
  FakeApiServer srv(pki(), FakeApiServer::Auth::Token, kData);
  srv.set_page_size(7);
  std::atomic<int> gone{0};
  srv.set_hook([&](const httplib::Request& q, httplib::Response& r) {
    if (q.get_param_value("continue") == "14" && gone++ == 0) {
      r.status = 410;
      r.set_content(status_body(410, "Expired", "The provided continue parameter is too old"), "application/json");
      return true;
    }
    return false;
  });
  ApiClient::Session s;
  EXPECT_EQ(list_count(*client(token_target(srv)), s, pods), 19u);
  EXPECT_EQ(srv.paths().size(), 6u);  // pages 1-2, the 410 on page 3, then pages 1-3 again
}

TEST(LiveClient, ForbiddenNamesTheMissingPermission) {
  REQUIRE_PKI();
  FakeApiServer srv(pki(), FakeApiServer::Auth::Token, kData);
  srv.set_hook([](const httplib::Request& q, httplib::Response& r) {
    if (q.path != "/api/v1/configmaps") return false;
    r.status = 403;
    r.set_content(status_body(403, "Forbidden",
                              "configmaps is forbidden: User \"alice\" cannot list resource \"configmaps\" in API group "
                              "\"\" at the cluster scope"),
                  "application/json");
    return true;
  });
  ApiClient::Session s;
  Response r;
  EXPECT_EQ(list_count(*client(token_target(srv)), s, ListRequest{"", "v1", "configmaps", "", ""}, &r), 0u);
  EXPECT_EQ(r.failure, Failure::Forbidden);
  EXPECT_NE(r.error.find("may not list configmaps"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("all namespaces"), std::string::npos);
  EXPECT_NE(r.error.find(R"({apiGroups: [""], resources: ["configmaps"], verbs: ["list"]})"), std::string::npos);
  EXPECT_NE(r.error.find("cannot list resource \"configmaps\""), std::string::npos);  // the Status message
  EXPECT_EQ(r.attempts, 1);

  // In a collection a hidden kind is a note; the rest is written.
  TempDir out;
  LiveOptions o;
  o.out = out.path() + "/snap";
  auto rep = collect_live(*client(token_target(srv)), o);
  ASSERT_TRUE(rep.ok()) << rep.error().message;
  EXPECT_FALSE(fs::exists(o.out + "/configmaps.json"));
  EXPECT_TRUE(fs::exists(o.out + "/pods.json"));
  bool noted = false;
  for (const auto& n : rep->notes) noted |= n.find("configmaps.json: not collected") != std::string::npos;
  EXPECT_TRUE(noted);
}

TEST(LiveClient, ForbiddenPodsStopsTheCollection) {
  REQUIRE_PKI();
  FakeApiServer srv(pki(), FakeApiServer::Auth::Token, kData);
  srv.set_hook([](const httplib::Request& q, httplib::Response& r) {
    if (q.path != "/api/v1/pods") return false;
    r.status = 403;
    r.set_content(status_body(403, "Forbidden", "pods is forbidden: User \"alice\" cannot list resource \"pods\""),
                  "application/json");
    return true;
  });
  TempDir out;
  LiveOptions o;
  o.out = out.path() + "/snap";
  auto rep = collect_live(*client(token_target(srv)), o);
  ASSERT_FALSE(rep.ok());
  EXPECT_NE(rep.error().message.find("may not list pods"), std::string::npos) << rep.error().message;
}

TEST(LiveClient, RetriesTooManyRequestsHonouringRetryAfter) {
  REQUIRE_PKI();
  FakeApiServer srv(pki(), FakeApiServer::Auth::Token, kData);
  std::atomic<int> n{0};
  srv.set_hook([&](const httplib::Request&, httplib::Response& r) {
    if (n++ > 0) return false;
    r.status = 429;
    r.set_header("Retry-After", "1");
    r.set_content(status_body(429, "TooManyRequests", "storage is (re)initializing"), "application/json");
    return true;
  });
  ApiClient::Session s;
  auto api = client(token_target(srv));
  auto t0 = std::chrono::steady_clock::now();
  Response r = api->get(s, "/api/v1/nodes", Access{"list", "", "nodes", ""});
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.attempts, 2);
  EXPECT_GE(ms, 900);  // waited the second the server asked for, not the 20 ms backoff
  EXPECT_LT(ms, 5000);
}

TEST(LiveClient, RetriesServerErrorsWithBoundedAttempts) {
  REQUIRE_PKI();
  FakeApiServer srv(pki(), FakeApiServer::Auth::Token, kData);
  std::atomic<int> n{0};
  int fail_first = 1;
  srv.set_hook([&](const httplib::Request&, httplib::Response& r) {
    if (n++ >= fail_first) return false;
    r.status = 503;
    r.set_content(status_body(503, "ServiceUnavailable", "etcdserver: leader changed"), "application/json");
    return true;
  });
  ApiClient::Session s;
  ClientOptions o;
  o.max_attempts = 3;
  auto api = client(token_target(srv), o);
  Response r = api->get(s, "/api/v1/nodes", Access{"list", "", "nodes", ""});
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.attempts, 2);
  n = 0;
  fail_first = 100;
  r = api->get(s, "/api/v1/nodes", Access{"list", "", "nodes", ""});
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.attempts, 3);
  EXPECT_EQ(n.load(), 3);
  EXPECT_NE(r.error.find("HTTP 503"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("leader changed"), std::string::npos);
  EXPECT_NE(r.error.find("after 3 attempts"), std::string::npos);
}

TEST(LiveClient, TimesOut) {
  REQUIRE_PKI();
  FakeApiServer srv(pki(), FakeApiServer::Auth::Token, kData);
  srv.set_hook([&](const httplib::Request&, httplib::Response& r) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1200));
    r.set_content("{}", "application/json");
    return true;
  });
  ApiClient::Session s;
  ClientOptions o;
  o.timeout = std::chrono::milliseconds(250);
  o.max_attempts = 2;
  auto api = client(token_target(srv), o);
  auto t0 = std::chrono::steady_clock::now();
  Response r = api->get(s, "/api/v1/nodes", Access{"list", "", "nodes", ""});
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(r.failure, Failure::Timeout);
  EXPECT_EQ(r.attempts, 2);
  EXPECT_NE(r.error.find("timed out"), std::string::npos);
  EXPECT_NE(r.error.find(srv.url() + "/api/v1/nodes"), std::string::npos) << r.error;
  EXPECT_LT(ms, 1500);
}

TEST(LiveClient, TruncatedBodyAndInvalidJson) {
  REQUIRE_PKI();
  FakeApiServer srv(pki(), FakeApiServer::Auth::Token, kData);
  srv.set_hook([&](const httplib::Request& q, httplib::Response& r) {
    if (q.path == "/api/v1/nodes") {  // announces 4096 bytes, sends 100, closes
      r.set_content_provider(4096, "application/json", [](size_t offset, size_t, httplib::DataSink& sink) {
        if (offset > 0) return false;
        std::string part = R"({"kind":"NodeList","apiVersion":"v1","items":[)" + std::string(54, ' ');
        sink.write(part.data(), part.size());
        return false;
      });
      return true;
    }
    if (q.path == "/api/v1/services") {  // complete HTTP body, cut JSON text
      r.set_content(R"({"kind":"ServiceList","apiVersion":"v1","items":[{"metadata":{"name":"a")", "application/json");
      return true;
    }
    return false;
  });
  ClientOptions o;
  o.max_attempts = 2;
  auto api = client(token_target(srv), o);
  ApiClient::Session s;
  Response r;
  EXPECT_EQ(list_count(*api, s, ListRequest{"", "v1", "nodes", "", ""}, &r), 0u);
  EXPECT_TRUE(r.failure == Failure::Truncated || r.failure == Failure::Transport) << r.error;
  EXPECT_NE(r.error.find("/api/v1/nodes"), std::string::npos) << r.error;
  EXPECT_EQ(r.attempts, 2);
  EXPECT_EQ(list_count(*api, s, ListRequest{"", "v1", "services", "", ""}, &r), 0u);
  EXPECT_EQ(r.failure, Failure::InvalidJson);
  EXPECT_NE(r.error.find(srv.url() + "/api/v1/services?limit=500"), std::string::npos) << r.error;
}

TEST(LiveClient, ExecPluginTokenCachedUntilExpiry) {
  REQUIRE_PKI();
  FakeApiServer srv(pki(), FakeApiServer::Auth::Token, kData, "exec-token");
  TempDir d;
  // The plugin checks what kubectl would hand it, counts its runs, and prints an ExecCredential.
  spit(d.file("plugin.sh"),
       "#!/bin/sh\n"
       "echo run >> \"$COUNT_FILE\"\n"
       "case \"$KUBERNETES_EXEC_INFO\" in *'\"apiVersion\":\"client.authentication.k8s.io/v1\"'*) ;; *) exit 3;; esac\n"
       "[ \"$1\" = get-token ] || exit 4\n"
       "printf '{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\","
       "\"status\":{\"token\":\"exec-token\",\"expirationTimestamp\":\"%s\"}}' \"$EXPIRES\"\n");
  fs::permissions(d.file("plugin.sh"), fs::perms::owner_all);
  auto write_kc = [&](const std::string& expires) {
    spit(d.file("kubeconfig"),
         kubeconfig(srv.url(), pki().ca,
                    "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: ./plugin.sh\n"
                    "      args: [get-token]\n      interactiveMode: Never\n      env:\n      - name: COUNT_FILE\n"
                    "        value: " + d.file("count") + "\n      - name: EXPIRES\n        value: '" + expires + "'\n"));
  };
  write_kc("2099-01-01T00:00:00Z");
  auto t = load_target({d.file("kubeconfig"), "", ""}, Environment{});
  ASSERT_TRUE(t.ok()) << t.error().message;
  auto api = client(*t);
  ApiClient::Session s;
  EXPECT_EQ(list_count(*api, s, pods), 19u);
  EXPECT_EQ(list_count(*api, s, pods), 19u);
  EXPECT_EQ(api->exec_runs(), 1);  // cached: valid until 2099
  EXPECT_EQ(slurp(d.file("count")), "run\n");

  write_kc("2001-01-01T00:00:00Z");  // already expired: every request runs the plugin again
  auto t2 = load_target({d.file("kubeconfig"), "", ""}, Environment{});
  auto api2 = client(*t2);
  EXPECT_EQ(list_count(*api2, s, pods), 19u);
  EXPECT_EQ(list_count(*api2, s, pods), 19u);
  EXPECT_EQ(api2->exec_runs(), 2);
}

TEST(LiveClient, TokenFileAndInCluster) {
  REQUIRE_PKI();
  FakeApiServer srv(pki(), FakeApiServer::Auth::Token, kData, "sa-token");
  TempDir d;
  spit(d.file("token"), "sa-token\n");
  spit(d.file("kubeconfig"), kubeconfig(srv.url(), pki().ca, "    tokenFile: token\n"));  // relative to the file
  auto t = load_target({d.file("kubeconfig"), "", ""}, Environment{});
  ASSERT_TRUE(t.ok()) << t.error().message;
  ApiClient::Session s;
  EXPECT_EQ(list_count(*client(*t), s, pods), 19u);

  spit(d.file("sa/token"), "sa-token");
  fs::copy_file(pki().ca, d.file("sa/ca.crt"));
  spit(d.file("sa/namespace"), "netdoctor\n");
  Environment env;
  env.service_host = "127.0.0.1";
  env.service_port = std::to_string(srv.port());
  env.sa_dir = d.file("sa");
  auto ic = load_target({}, env);
  ASSERT_TRUE(ic.ok()) << ic.error().message;
  EXPECT_EQ(ic->ns, "netdoctor");
  EXPECT_EQ(list_count(*client(*ic), s, pods), 19u);
}

TEST(LiveCollect, CollectThenDiagnoseEqualsTheSnapshot) {
  REQUIRE_PKI();
  FakeApiServer srv(pki(), FakeApiServer::Auth::Token, kData);
  srv.set_page_size(5);
  TempDir d;
  spit(d.file("kubeconfig"), kubeconfig(srv.url(), pki().ca, "    token: secret-token\n"));
  int st = 0;
  std::string out = run(std::string(ND_BINARY) + " collect --kubeconfig " + d.file("kubeconfig") + " --out " +
                            d.file("live") + " 2>" + d.file("collect.err"),
                        &st);
  ASSERT_EQ(st, 0) << out << slurp(d.file("collect.err"));
  EXPECT_NE(out.find("3 node bundles"), std::string::npos) << out;
  // The layout: Lists, logs with .previous for the restarted CoreDNS, bundles under nodes/ via pods/proxy.
  EXPECT_TRUE(fs::exists(d.file("live/pods.json")));
  EXPECT_TRUE(fs::exists(d.file("live/crds/ippools.crd.projectcalico.org.json")));
  EXPECT_FALSE(fs::exists(d.file("live/crds/ippools.projectcalico.org.json")));  // 404: not installed
  EXPECT_TRUE(fs::exists(d.file("live/logs/kube-system/coredns-h4kkm4g59n-hh2lt/coredns.previous.log")));
  EXPECT_TRUE(fs::exists(d.file("live/logs/kube-system/calico-node-7g4t7/calico-node.log")));
  EXPECT_FALSE(fs::exists(d.file("live/logs/kube-system/calico-node-7g4t7/calico-node.previous.log")));
  EXPECT_EQ(slurp(d.file("live/nodes/worker-1/resolv.conf")), slurp(std::string(ND_SOURCE_DIR) + "/examples/dns-loop-predicted/nodes/worker-1/resolv.conf"));
  EXPECT_EQ(srv.count("/api/v1/namespaces/netdoctor/pods/netdoctor-agent-00001:9742/proxy/bundle"), 1u);
  EXPECT_EQ(slurp(d.file("collect.err")).find("crds/"), std::string::npos);  // a missing CRD is not an error

  // The reference: the same recorded objects as a snapshot a user would write by hand.
  fs::create_directories(d.file("ref"));
  for (const auto& f : fs::directory_iterator(kData + "/api"))
    fs::copy_file(f.path(), d.file("ref/" + f.path().filename().string()));
  fs::copy(kData + "/logs", d.file("ref/logs"), fs::copy_options::recursive);
  for (const auto& f : fs::directory_iterator(kData + "/bundles")) {
    auto b = nlohmann::json::parse(slurp(f.path()));
    for (auto it = b["files"].begin(); it != b["files"].end(); ++it)
      spit(d.file("ref/nodes/" + b["node"].get<std::string>() + "/" + it.key()), it.value().get<std::string>());
  }
  std::string live_json = run(std::string(ND_BINARY) + " diagnose -o json " + d.file("live"), &st);
  ASSERT_EQ(st, 1) << live_json;
  std::string ref_json = run(std::string(ND_BINARY) + " diagnose -o json " + d.file("ref"), &st);
  ASSERT_EQ(st, 1) << ref_json;
  auto live_keys = finding_keys(live_json), ref_keys = finding_keys(ref_json);
  EXPECT_EQ(live_keys, ref_keys);
  bool loop = false;
  for (const auto& k : live_keys) loop |= k.rfind("coredns-loop ", 0) == 0;
  EXPECT_TRUE(loop);

  // The real binary, live: no SNAPSHOT, --kubeconfig pointing at the test server.
  std::string direct = run(std::string(ND_BINARY) + " diagnose -o json --kubeconfig " + d.file("kubeconfig") + " 2>/dev/null", &st);
  ASSERT_EQ(st, 1) << direct;
  EXPECT_EQ(finding_keys(direct), ref_keys);
  EXPECT_EQ(nlohmann::json::parse(direct)["input"]["snapshot"].get<std::string>().rfind("live: context test", 0), 0u);

  // trace, live: the same hops as on the snapshot written from the same responses.
  const std::string path = " --from shop/web-8ltsdlgpfr-7hlpb --to svc/shop/api:9000 -o json";
  int st_ref = -1;
  std::string trace_ref = run(std::string(ND_BINARY) + " trace " + d.file("ref") + path, &st_ref);
  std::string trace_live = run(std::string(ND_BINARY) + " trace --kubeconfig " + d.file("kubeconfig") + path + " 2>/dev/null", &st);
  EXPECT_EQ(st, st_ref) << trace_live;
  ASSERT_TRUE(nlohmann::json::accept(trace_live)) << trace_live;
  ASSERT_TRUE(nlohmann::json::accept(trace_ref)) << trace_ref;
  auto tl = nlohmann::json::parse(trace_live), tr = nlohmann::json::parse(trace_ref);
  EXPECT_EQ(tl["kind"], "pod-to-service");
  EXPECT_EQ(tl["verdict"], tr["verdict"]);
  EXPECT_EQ(tl["hops"].size(), tr["hops"].size());
  for (size_t i = 0; i < tl["hops"].size() && i < tr["hops"].size(); ++i)
    EXPECT_EQ(tl["hops"][i]["step"], tr["hops"][i]["step"]) << "hop " << i;

  // dns, live: the pod by name in -n.
  std::string dns = run(std::string(ND_BINARY) + " dns --kubeconfig " + d.file("kubeconfig") +
                            " -n shop web-8ltsdlgpfr-7hlpb 2>/dev/null", &st);
  EXPECT_EQ(st, 0) << dns;
  EXPECT_NE(dns.find("shop.svc.cluster.local"), std::string::npos) << dns;
}

TEST(LiveCollect, RedactAndNoAgents) {
  REQUIRE_PKI();
  FakeApiServer srv(pki(), FakeApiServer::Auth::Token, kData);
  srv.set_hook([](const httplib::Request& q, httplib::Response& r) {
    if (q.path != "/api/v1/pods") return false;  // the pods, without the agents
    auto j = nlohmann::json::parse(slurp(kData + "/api/pods.json"));
    nlohmann::json keep = nlohmann::json::array();
    for (auto& p : j["items"])
      if (p["metadata"]["namespace"] != "netdoctor") keep.push_back(p);
    j["items"] = keep;
    r.set_content(j.dump(), "application/json");
    return true;
  });
  TempDir out;
  LiveOptions o;
  o.out = out.path() + "/snap";
  o.redact = true;
  auto rep = collect_live(*client(token_target(srv)), o);
  ASSERT_TRUE(rep.ok()) << rep.error().message;
  EXPECT_EQ(rep->agents, 0u);
  bool noted = false;
  for (const auto& n : rep->notes) noted |= n.find("no netdoctor agents") != std::string::npos;
  EXPECT_TRUE(noted);
  EXPECT_FALSE(fs::exists(o.out + "/nodes"));
  EXPECT_GT(rep->redacted, 0u);
  std::string cms = slurp(o.out + "/configmaps.json");
  EXPECT_NE(cms.find("Corefile"), std::string::npos);
  std::string ds = slurp(o.out + "/daemonsets.json");
  EXPECT_NE(ds.find("CALICO_IPV4POOL_CIDR"), std::string::npos);
  EXPECT_EQ(ds.find("last-applied-configuration"), std::string::npos);
  auto dsj = nlohmann::json::parse(ds);
  for (const auto& w : dsj["items"])
    for (const auto& c : w["spec"]["template"]["spec"]["containers"]) {
      if (!c.contains("env")) continue;
      for (const auto& e : c["env"]) {
        if (e.contains("value")) {
          EXPECT_TRUE(keep_env_value(e["name"].get<std::string>())) << e.dump();
        }
      }
    }
}
