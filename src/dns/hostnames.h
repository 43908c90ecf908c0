// Host names inside configuration values: URLs (http, redis, amqp, mongodb, postgres, …), JDBC URLs
// (mysql, postgresql, mariadb, sqlserver, oracle thin and TNS), host:port and host lists, and bare
// host names where the key says it holds one (REDIS_HOST, database.server, …). Pure text functions:
// the checks decide what a name means in the cluster.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace nd::dns {

struct HostRef {
  std::string host;  // lower case, as written otherwise (a trailing dot kept: it makes the name absolute)
  int port = 0;      // 0 when none is written
  std::string how;   // "URL", "JDBC URL", "host:port", "host name"
  std::string text;  // the piece of the value it came from, e.g. "jdbc:mysql://mysql:3306/orders"
};

// key: the environment variable or configuration key ("" when unknown); value: its text.
std::vector<HostRef> extract_hosts(std::string_view key, std::string_view value);

// Whether a key names a host: its words (split at _ . - and camelCase) include host, server,
// addr(ess), endpoint, url, uri, dsn, broker, upstream; and none says it is something else (name,
// image, version, path, user, password, …).
bool key_names_host(std::string_view key);

// RFC 1123 host name: labels of letters, digits and '-', at least one letter somewhere (so no IP
// address), at most 253 characters; a trailing dot is allowed.
bool is_dns_name(std::string_view s);

// The key/value lines of a configuration file (properties, .env, YAML, INI, TOML, nginx-like):
// "key = value", "key: value", "key value;" and lines without a key (key ""). Comments are skipped.
struct KeyValue {
  std::string key, value;
  uint32_t line = 0;  // 1-based within the text
};
std::vector<KeyValue> config_lines(std::string_view text);

}  // namespace nd::dns
