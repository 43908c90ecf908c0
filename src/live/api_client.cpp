#include "live/api_client.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>

namespace nd::live {
namespace {

constexpr size_t kMaxBody = size_t{1} << 30;  // 1 GiB: no API page or log tail comes near it

std::once_flag g_curl_init;

struct Sink {
  std::string body;
  std::string retry_after;
  bool too_big = false;
};

size_t on_body(char* p, size_t size, size_t n, void* ud) {
  auto* s = static_cast<Sink*>(ud);
  if (s->body.size() + size * n > kMaxBody) {
    s->too_big = true;
    return 0;  // aborts the transfer
  }
  s->body.append(p, size * n);
  return size * n;
}

size_t on_header(char* p, size_t size, size_t n, void* ud) {
  auto* s = static_cast<Sink*>(ud);
  std::string_view h(p, size * n);
  constexpr std::string_view key = "retry-after:";
  if (h.size() > key.size()) {
    std::string lower(h.substr(0, key.size()));
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == key) {
      std::string v(h.substr(key.size()));
      while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' ')) v.pop_back();
      while (!v.empty() && v.front() == ' ') v.erase(0, 1);
      s->retry_after = v;
    }
  }
  return size * n;
}

std::string read_small_file(const std::string& path, std::string* err) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *err = fmt::format("{}: cannot read", path);
    return {};
  }
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string escape(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') out.push_back(static_cast<char>(c));
    else out += fmt::format("%{:02X}", c);
  }
  return out;
}

// A Status body's message, when the body is one.
std::string status_message(const std::string& body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_object() && j.value("kind", "") == "Status" && j.contains("message") && j["message"].is_string())
    return j["message"].get<std::string>();
  return {};
}

bool retryable(Failure f, long status) {
  if (f == Failure::Transport || f == Failure::Timeout || f == Failure::Truncated) return true;
  return f == Failure::Http && (status == 429 || status == 500 || status == 502 || status == 503 || status == 504);
}

}  // namespace

std::string rbac_rule(const Access& a) {
  return fmt::format("{{apiGroups: [\"{}\"], resources: [\"{}\"], verbs: [\"{}\"]}}", a.group, a.resource, a.verb);
}

ApiClient::Session::Session() {
  std::call_once(g_curl_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  curl_ = curl_easy_init();
}

ApiClient::Session::~Session() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

ApiClient::ApiClient(Target t, ClientOptions o) : t_(std::move(t)), o_(o) {
  if (t_.user.exec) exec_ = std::make_unique<ExecCache>(*t_.user.exec, t_.cluster);
}

Result<std::unique_ptr<ApiClient>> ApiClient::create(Target t, ClientOptions o) {
  const std::string& s = t.cluster.server;
  if (s.rfind("https://", 0) != 0 && s.rfind("http://", 0) != 0)
    return Error{fmt::format("cluster '{}': server '{}' is not an http(s) URL", t.cluster_name, s)};
  for (const std::string* f : {&t.cluster.ca_file, &t.user.cert_file, &t.user.key_file, &t.user.token_file})
    if (!f->empty() && !std::filesystem::exists(*f))
      return Error{fmt::format("{} (named by {}) does not exist", *f, t.origin)};
  while (!t.cluster.server.empty() && t.cluster.server.back() == '/') t.cluster.server.pop_back();
  return std::unique_ptr<ApiClient>(new ApiClient(std::move(t), o));
}

std::string ApiClient::url(const std::string& path) const { return t_.cluster.server + path; }

std::string ApiClient::list_path(const ListRequest& r) {
  std::string p = r.group.empty() ? "/api/" + r.version : "/apis/" + r.group + "/" + r.version;
  if (!r.ns.empty()) p += "/namespaces/" + r.ns;
  return p + "/" + r.resource;
}

Response ApiClient::once(Session& s, const std::string& url) {
  CURL* h = static_cast<CURL*>(s.handle());
  curl_easy_reset(h);  // keeps the connection cache and TLS sessions
  Sink sink;
  Response r;
  curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, "Accept: application/json, */*");
  std::string err;
  std::string token = t_.user.token;
  std::string cert_pem = t_.user.cert_pem, key_pem = t_.user.key_pem;
  if (exec_) {
    auto c = exec_->get();
    if (!c.ok()) {
      curl_slist_free_all(headers);
      r.failure = Failure::Unauthorized;
      r.error = c.error().message;
      return r;
    }
    if (!c->token.empty()) token = c->token;
    if (!c->cert_pem.empty()) cert_pem = c->cert_pem, key_pem = c->key_pem;
  }
  if (token.empty() && !t_.user.token_file.empty()) {
    // Re-read each time: projected service-account tokens are rotated on disk.
    token = read_small_file(t_.user.token_file, &err);
    if (!err.empty()) {
      curl_slist_free_all(headers);
      r.failure = Failure::Unauthorized;
      r.error = "token file " + err;
      return r;
    }
  }
  std::string auth = "Authorization: Bearer " + token;
  if (!token.empty()) headers = curl_slist_append(headers, auth.c_str());

  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_USERAGENT, "netdoctor/" NETDOCTOR_VERSION);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(o_.timeout.count()));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(o_.connect_timeout.count()));
  curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "gzip");  // what kube-apiserver compresses with
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &sink);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https,http");
  if (!t_.cluster.proxy_url.empty()) curl_easy_setopt(h, CURLOPT_PROXY, t_.cluster.proxy_url.c_str());
  // else libcurl reads HTTPS_PROXY / https_proxy / NO_PROXY from the environment, as kubectl does.
  if (t_.cluster.insecure) {
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
  } else if (!t_.cluster.ca_pem.empty()) {
    curl_blob b{const_cast<char*>(t_.cluster.ca_pem.data()), t_.cluster.ca_pem.size(), CURL_BLOB_COPY};
    curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &b);
  } else if (!t_.cluster.ca_file.empty()) {
    curl_easy_setopt(h, CURLOPT_CAINFO, t_.cluster.ca_file.c_str());
  }
  if (!cert_pem.empty()) {
    curl_blob c{cert_pem.data(), cert_pem.size(), CURL_BLOB_COPY};
    curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &c);
    curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
  } else if (!t_.user.cert_file.empty()) {
    curl_easy_setopt(h, CURLOPT_SSLCERT, t_.user.cert_file.c_str());
  }
  if (!key_pem.empty()) {
    curl_blob k{key_pem.data(), key_pem.size(), CURL_BLOB_COPY};
    curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &k);
    curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
  } else if (!t_.user.key_file.empty()) {
    curl_easy_setopt(h, CURLOPT_SSLKEY, t_.user.key_file.c_str());
  }
  std::string userpwd = t_.user.username + ":" + t_.user.password;
  if (token.empty() && !t_.user.username.empty()) {
    curl_easy_setopt(h, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(h, CURLOPT_USERPWD, userpwd.c_str());
  }

  ++requests;
  CURLcode rc = curl_easy_perform(h);
  curl_slist_free_all(headers);
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.status);
  r.body = std::move(sink.body);
  if (rc != CURLE_OK) {
    const char* what = curl_easy_strerror(rc);
    switch (rc) {
      case CURLE_OPERATION_TIMEDOUT:
        r.failure = Failure::Timeout;
        r.error = fmt::format("GET {}: no complete answer within {} ms (timed out)", url, o_.timeout.count());
        break;
      case CURLE_PARTIAL_FILE:
        r.failure = Failure::Truncated;
        r.error = fmt::format("GET {}: the body was truncated (the connection closed after {} bytes, before the "
                              "length the server announced)", url, r.body.size());
        break;
      case CURLE_PEER_FAILED_VERIFICATION:
      case CURLE_SSL_CACERT_BADFILE:
      case CURLE_SSL_CERTPROBLEM:
      case CURLE_SSL_CONNECT_ERROR:
        r.failure = Failure::Tls;
        r.error = fmt::format("GET {}: TLS failed: {} (the server's certificate must be signed by the "
                              "certificate-authority of cluster '{}'; a rejected client certificate fails here too)",
                              url, what, t_.cluster_name);
        break;
      case CURLE_WRITE_ERROR:
        if (sink.too_big) {
          r.failure = Failure::Http;
          r.error = fmt::format("GET {}: the body is larger than {} bytes; stopped", url, kMaxBody);
          break;
        }
        [[fallthrough]];
      default:
        r.failure = Failure::Transport;
        r.error = fmt::format("GET {}: {}", url, what);
    }
    return r;
  }
  r.retry_after = sink.retry_after;
  if (r.status >= 200 && r.status < 300) return r;
  r.failure = r.status == 401 ? Failure::Unauthorized
              : r.status == 403 ? Failure::Forbidden
              : r.status == 404 ? Failure::NotFound
              : r.status == 410 ? Failure::Gone
                                : Failure::Http;
  return r;
}

std::string ApiClient::explain(const Response& r, const std::string& url, const Access& a) const {
  std::string said = status_message(r.body);
  std::string tail = said.empty() ? "" : " The API server said: " + said;
  std::string user = t_.user_name.empty() ? "(no user)" : "'" + t_.user_name + "'";
  std::string where = a.ns.empty() ? "all namespaces" : "namespace " + a.ns;
  switch (r.failure) {
    case Failure::Unauthorized:
      return fmt::format("GET {}: 401 Unauthorized: the API server rejected the credentials of user {} (context '{}', "
                         "{}): the token or client certificate is expired, revoked or from another cluster.{}",
                         url, user, t_.context, t_.origin, tail);
    case Failure::Forbidden:
      return fmt::format("GET {}: 403 Forbidden: user {} may not {} {} (API group \"{}\", {}). Grant it with a "
                         "(Cluster)Role rule {}.{}",
                         url, user, a.verb, a.resource, a.group, where, rbac_rule(a), tail);
    case Failure::NotFound:
      return fmt::format("GET {}: 404 Not Found.{}", url, tail);
    case Failure::Gone:
      return fmt::format("GET {}: 410 Gone (the list's continue token expired).{}", url, tail);
    default:
      return fmt::format("GET {}: HTTP {}.{}", url, r.status, tail.empty() ? " " + r.body.substr(0, 200) : tail);
  }
}

Response ApiClient::get(Session& s, const std::string& path, const Access& access) {
  const std::string u = url(path);
  static thread_local std::mt19937 rng{std::random_device{}()};
  bool refreshed = false;
  Response r;
  for (int attempt = 1;; ++attempt) {
    r = once(s, u);
    r.attempts = attempt;
    if (r.ok()) return r;
    if (r.failure == Failure::Unauthorized && r.status == 401 && exec_ && !refreshed) {
      // client-go does the same: a rejected plugin credential is fetched anew once.
      exec_->invalidate();
      refreshed = true;
      ++retries;
      continue;
    }
    if (r.status && r.error.empty()) r.error = explain(r, u, access);
    if (!retryable(r.failure, r.status) || attempt >= o_.max_attempts) break;
    auto wait = std::min(o_.max_backoff, o_.backoff * (1 << std::min(attempt - 1, 16)));
    wait += std::chrono::milliseconds(std::uniform_int_distribution<int>(0, static_cast<int>(wait.count() / 4))(rng));
    if (r.status == 429 || r.status == 503) {
      char* end = nullptr;
      long secs = std::strtol(r.retry_after.c_str(), &end, 10);
      if (!r.retry_after.empty() && end && *end == '\0' && secs >= 0)
        wait = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::min(std::chrono::seconds(secs), o_.max_retry_after));
    }
    ++retries;
    std::this_thread::sleep_for(wait);
  }
  if (r.attempts > 1) r.error += fmt::format(" (after {} attempts)", r.attempts);
  return r;
}

Response ApiClient::list(Session& s, const ListRequest& lr,
                         const std::function<bool(nlohmann::json&, bool)>& on_page) {
  Access a{"list", lr.group, lr.resource, lr.ns};
  const std::string base = list_path(lr);
  std::string cont;
  bool restart = true, restarted_once = false;
  for (int page = 0; page < 1000000; ++page) {
    std::string q = fmt::format("{}?limit={}", base, o_.page_size);
    if (!lr.label_selector.empty()) q += "&labelSelector=" + escape(lr.label_selector);
    if (!cont.empty()) q += "&continue=" + escape(cont);
    Response r = get(s, q, a);
    if (!r.ok()) {
      if (r.failure == Failure::Gone && !cont.empty() && !restarted_once) {
        restarted_once = true;  // the list changed too much while we paged: start over, once
        cont.clear();
        restart = true;
        continue;
      }
      return r;
    }
    nlohmann::json j = nlohmann::json::parse(r.body, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("items")) {
      r.failure = Failure::InvalidJson;
      r.error = fmt::format("GET {}: the body is not a complete JSON list ({} bytes; truncated or not from an API "
                            "server)", url(q), r.body.size());
      return r;
    }
    r.body.clear();
    r.body.shrink_to_fit();
    if (!on_page(j, restart)) return r;
    restart = false;
    cont.clear();
    if (j.contains("metadata") && j["metadata"].is_object() && j["metadata"].contains("continue") &&
        j["metadata"]["continue"].is_string())
      cont = j["metadata"]["continue"].get<std::string>();
    if (cont.empty()) return r;
  }
  Response r;
  r.failure = Failure::Http;
  r.error = fmt::format("GET {}: more than a million pages; stopped", url(base));
  return r;
}

}  // namespace nd::live
