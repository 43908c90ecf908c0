// The Kubernetes API client: libcurl with the kubeconfig's TLS and credentials, per-request timeouts,
// bounded retries with exponential backoff (429 honouring Retry-After, 5xx, transport errors), list
// pagination (limit/continue), and error messages that name the URL, the user and the missing permission.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "core/result.h"
#include "live/exec_credential.h"
#include "live/kubeconfig.h"

namespace nd::live {

struct ClientOptions {
  std::chrono::milliseconds timeout{30000};          // whole request, body included
  std::chrono::milliseconds connect_timeout{10000};
  int max_attempts = 4;                              // first try included
  std::chrono::milliseconds backoff{250};            // doubled per attempt
  std::chrono::milliseconds max_backoff{8000};
  std::chrono::seconds max_retry_after{30};          // a longer Retry-After is cut to this
  int page_size = 500;
};

enum class Failure { None, Transport, Timeout, Tls, Truncated, Unauthorized, Forbidden, NotFound, Gone, Http, InvalidJson };

struct Response {
  long status = 0;
  std::string body;
  Failure failure = Failure::None;
  std::string error;  // the whole message, URL included
  std::string retry_after;  // the Retry-After header, when the server sent one
  int attempts = 0;
  bool ok() const { return failure == Failure::None; }
};

// What a request does, in RBAC terms: named by 403 messages.
struct Access {
  std::string verb = "get", group, resource, ns;
};

// One list: GROUP/VERSION RESOURCE (all namespaces when ns is empty).
struct ListRequest {
  std::string group, version, resource, ns, label_selector;
};

class ApiClient {
 public:
  // One per worker thread: owns a libcurl handle, so connections and TLS sessions are reused.
  class Session {
   public:
    Session();
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;
    void* handle() { return curl_; }

   private:
    void* curl_;
  };

  static Result<std::unique_ptr<ApiClient>> create(Target t, ClientOptions o = {});

  // GET server+path (path includes any query); retries as described above.
  Response get(Session& s, const std::string& path, const Access& access);

  // Every page in order: on_page(page JSON, restart). restart is true on the first page and again when
  // the server expired the continue token (410) and the list starts over: the caller drops what it had.
  // on_page returns false to stop (the Response then carries Failure::None).
  Response list(Session& s, const ListRequest& r,
                const std::function<bool(nlohmann::json& page, bool restart)>& on_page);

  static std::string list_path(const ListRequest& r);
  std::string url(const std::string& path) const;
  const Target& target() const { return t_; }
  const ClientOptions& options() const { return o_; }
  int exec_runs() const { return exec_ ? exec_->runs() : 0; }

  std::atomic<long> requests{0}, retries{0};

 private:
  ApiClient(Target t, ClientOptions o);
  Response once(Session& s, const std::string& url);
  std::string explain(const Response& r, const std::string& url, const Access& a) const;

  Target t_;
  ClientOptions o_;
  std::unique_ptr<ExecCache> exec_;
};

// The RBAC rule a 403 asks for, as YAML flow text: {apiGroups: [""], resources: ["pods"], verbs: ["list"]}.
std::string rbac_rule(const Access& a);

}  // namespace nd::live
