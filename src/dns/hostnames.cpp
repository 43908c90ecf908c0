#include "dns/hostnames.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace nd::dns {
namespace {

bool alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }
std::string lower(std::string_view s) {
  std::string o(s);
  for (auto& c : o) c = lower(c);
  return o;
}

// Words of a key: REDIS_HOST -> redis host; spring.redis.host -> spring redis host;
// redisHostName -> redis host name.
std::vector<std::string> key_words(std::string_view key) {
  std::vector<std::string> out;
  std::string cur;
  auto flush = [&] {
    if (!cur.empty()) out.push_back(lower(cur));
    cur.clear();
  };
  for (size_t i = 0; i < key.size(); ++i) {
    char c = key[i];
    if (!alnum(c)) {
      flush();
      continue;
    }
    bool upper = std::isupper(static_cast<unsigned char>(c)) != 0;
    bool prev_lower = i > 0 && std::islower(static_cast<unsigned char>(key[i - 1])) != 0;
    if (upper && prev_lower) flush();
    cur += c;
  }
  flush();
  return out;
}

constexpr std::array<std::string_view, 20> kHostWords{
    "host",      "hostname", "hosts", "server", "servers", "addr", "address", "addrs",   "addresses", "endpoint",
    "endpoints", "url",      "urls",  "uri",    "uris",    "dsn",  "broker",  "brokers", "upstream",  "hostport",
};
// Words that make a key about something other than where to connect, even next to a host word.
constexpr std::array<std::string_view, 16> kNotHostWords{
    "name",     "image",    "version", "tag",    "path", "file", "dir",     "user",
    "username", "password", "key",     "secret", "id",   "port", "timeout", "enabled",
};

// All-caps keys run words together: PGHOST, DBSERVER, REDISURL. A word that ends in a host word counts.
bool ends_in_host_word(const std::string& w) {
  for (std::string_view suffix : {"host", "hostname", "server", "addr", "address", "url", "uri", "endpoint"})
    if (w.size() > suffix.size() + 1 && w.compare(w.size() - suffix.size(), suffix.size(), suffix) == 0 && w != "ghost")
      return true;
  return false;
}

template <size_t N>
bool any_of(const std::vector<std::string>& words, const std::array<std::string_view, N>& set) {
  for (const auto& w : words)
    if (std::find(set.begin(), set.end(), w) != set.end()) return true;
  return false;
}

bool parse_port(std::string_view s, int* port) {
  if (s.empty() || s.size() > 5) return false;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  if (v < 1 || v > 65535) return false;
  *port = v;
  return true;
}

// "host", "host:port" (IPv6 literals are not names and are skipped).
bool split_host_port(std::string_view hp, std::string* host, int* port) {
  *port = 0;
  if (hp.empty() || hp.front() == '[') return false;
  size_t colon = hp.rfind(':');
  if (colon != std::string_view::npos) {
    if (hp.find(':') != colon) return false;  // several colons: IPv6 or not a host
    if (!parse_port(hp.substr(colon + 1), port)) return false;
    hp = hp.substr(0, colon);
  }
  if (!is_dns_name(hp)) return false;
  *host = lower(hp);
  return true;
}

bool scheme_char(char c) { return alnum(c) || c == '+' || c == '-' || c == '.' || c == ':'; }
bool authority_end(char c) {
  return c == '/' || c == '?' || c == '#' || c == ';' || c == '"' || c == '\'' || c == ' ' || c == '\t' || c == '\n' ||
         c == '\r' || c == '\\' || c == '<' || c == '>' || c == ')' || c == '}';
}

// Every "scheme://authority" in the text; the spans found are blanked in `rest` so the token pass
// does not see them again.
void urls(std::string_view value, std::string& rest, std::vector<HostRef>& out) {
  size_t from = 0;
  while (true) {
    size_t p = value.find("://", from);
    if (p == std::string_view::npos) break;
    size_t s = p;
    while (s > 0 && scheme_char(value[s - 1])) --s;
    std::string scheme = lower(value.substr(s, p - s));
    size_t a = p + 3, e = a;
    while (e < value.size() && !authority_end(value[e])) ++e;
    std::string_view auth = value.substr(a, e - a);
    if (auto at = auth.rfind('@'); at != std::string_view::npos) auth.remove_prefix(at + 1);  // user:password@
    size_t end = e;
    while (end < value.size() && !std::isspace(static_cast<unsigned char>(value[end])) && value[end] != '"' &&
           value[end] != '\'')
      ++end;
    std::string text(value.substr(s, end - s));
    const bool jdbc = scheme.rfind("jdbc:", 0) == 0;
    // Several hosts: mongodb://a:27017,b:27017/db, jdbc:mysql://a,b/db, redis-sentinel lists.
    size_t i = 0;
    while (i <= auth.size()) {
      size_t comma = auth.find(',', i);
      std::string_view one = auth.substr(i, comma == std::string_view::npos ? std::string_view::npos : comma - i);
      std::string host;
      int port = 0;
      if (split_host_port(one, &host, &port)) out.push_back({host, port, jdbc ? "JDBC URL" : "URL", text});
      if (comma == std::string_view::npos) break;
      i = comma + 1;
    }
    for (size_t k = s; k < end; ++k) rest[k] = ' ';
    from = e;
  }
}

// Oracle: jdbc:oracle:thin:@host:1521:SID, jdbc:oracle:thin:@//host:1521/service, and TNS
// descriptors (ADDRESS=(PROTOCOL=TCP)(HOST=db)(PORT=1521)).
void oracle(std::string_view value, std::string& rest, std::vector<HostRef>& out) {
  std::string low = lower(value);
  for (size_t p = low.find("jdbc:oracle:"); p != std::string::npos; p = low.find("jdbc:oracle:", p + 1)) {
    size_t at = low.find(":@", p);
    if (at == std::string::npos) continue;
    size_t h = at + 2;
    if (low.compare(h, 2, "//") == 0) h += 2;
    if (h < low.size() && low[h] == '(') continue;  // a TNS descriptor: HOST= below
    size_t e = h;
    while (e < low.size() && (alnum(low[e]) || low[e] == '-' || low[e] == '.')) ++e;
    int port = 0;
    if (e < low.size() && low[e] == ':') {
      size_t q = e + 1, r = q;
      while (r < low.size() && low[r] >= '0' && low[r] <= '9') ++r;
      parse_port(low.substr(q, r - q), &port);
    }
    std::string host = low.substr(h, e - h);
    size_t end = e;
    while (end < value.size() && !std::isspace(static_cast<unsigned char>(value[end]))) ++end;
    if (is_dns_name(host)) out.push_back({host, port, "JDBC URL", std::string(value.substr(p, end - p))});
    for (size_t k = p; k < end; ++k) rest[k] = ' ';
  }
  for (size_t p = low.find("(host="); p != std::string::npos; p = low.find("(host=", p + 1)) {
    size_t h = p + 6, e = low.find(')', h);
    if (e == std::string::npos) break;
    std::string host = low.substr(h, e - h);
    int port = 0;
    std::string ptxt;
    if (size_t pp = low.find("(port=", e); pp != std::string::npos && pp < e + 40) {
      size_t pe = low.find(')', pp);
      if (pe != std::string::npos) parse_port(low.substr(pp + 6, pe - pp - 6), &port);
    }
    if (is_dns_name(host)) out.push_back({host, port, "JDBC URL", std::string(value.substr(p, e + 1 - p))});
    for (size_t k = p; k <= e && k < rest.size(); ++k) rest[k] = ' ';
  }
}

bool token_sep(char c) {
  return std::isspace(static_cast<unsigned char>(c)) || c == ',' || c == ';' || c == '"' || c == '\'' || c == '(' ||
         c == ')' || c == '<' || c == '>' || c == '[' || c == ']' || c == '{' || c == '}' || c == '|';
}

}  // namespace

bool is_dns_name(std::string_view s) {
  if (!s.empty() && s.back() == '.') s.remove_suffix(1);
  if (s.empty() || s.size() > 253) return false;
  bool letter = false;
  size_t label = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '.') {
      if (label == 0 || s[i - 1] == '-') return false;
      label = 0;
      continue;
    }
    if (!(alnum(c) || c == '-')) return false;
    if (c == '-' && label == 0) return false;
    if (std::isalpha(static_cast<unsigned char>(c))) letter = true;
    if (++label > 63) return false;
  }
  if (s.back() == '-') return false;
  // The last label of a real name is never all digits ("10.0.0.1", "1.25" are not names).
  size_t last = s.rfind('.');
  std::string_view tld = last == std::string_view::npos ? s : s.substr(last + 1);
  bool tld_letter =
      std::any_of(tld.begin(), tld.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); });
  return letter && tld_letter;
}

bool key_names_host(std::string_view key) {
  auto words = key_words(key);
  bool host = any_of(words, kHostWords) || std::any_of(words.begin(), words.end(), ends_in_host_word);
  return host && !any_of(words, kNotHostWords);
}

std::vector<HostRef> extract_hosts(std::string_view key, std::string_view value) {
  std::vector<HostRef> out;
  if (value.empty() || value.size() > 64 * 1024) return out;
  const auto words = key_words(key);
  if (any_of(words, std::array<std::string_view, 4>{"image", "version", "tag", "password"})) return out;
  std::string rest(value);
  oracle(value, rest, out);
  urls(value, rest, out);

  // What is left: host:port tokens anywhere, a bare host only as the whole value of a host key.
  std::vector<std::string_view> tokens;
  std::string_view r = rest;
  size_t i = 0;
  while (i < r.size()) {
    while (i < r.size() && token_sep(r[i])) ++i;
    size_t j = i;
    while (j < r.size() && !token_sep(r[j])) ++j;
    if (j > i) tokens.push_back(r.substr(i, j - i));
    i = j;
  }
  const bool host_key = key_names_host(key);
  for (std::string_view t : tokens) {
    if (t.find('$') != std::string_view::npos || t.find("://") != std::string_view::npos) continue;  // $(VAR)
    std::string host;
    int port = 0;
    if (size_t eq = t.find('='); eq != std::string_view::npos) {
      // libpq and similar DSNs: "host=postgres port=5432 dbname=orders".
      if (key_names_host(t.substr(0, eq)) && split_host_port(t.substr(eq + 1), &host, &port))
        out.push_back({host, port, "host name", std::string(t)});
      continue;
    }
    if (t.find(':') != std::string_view::npos) {
      if (split_host_port(t, &host, &port) && port) out.push_back({host, port, "host:port", std::string(t)});
    } else if (host_key && split_host_port(t, &host, &port)) {
      out.push_back({host, 0, "host name", std::string(t)});
    }
  }
  return out;
}

std::vector<KeyValue> config_lines(std::string_view text) {
  std::vector<KeyValue> out;
  uint32_t number = 0;
  size_t pos = 0;
  auto is_key = [](std::string_view k) {
    if (k.empty() || k.size() > 128) return false;
    return std::all_of(k.begin(), k.end(), [](char c) { return alnum(c) || c == '_' || c == '.' || c == '-'; });
  };
  auto trim = [](std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
  };
  while (pos <= text.size()) {
    ++number;
    size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    line = trim(line);
    if (line.empty() || line[0] == '#' || line[0] == ';' || line[0] == '!' || line.substr(0, 2) == "//") continue;
    if (line.size() >= 2 && line[0] == '-' && line[1] == ' ') line = trim(line.substr(2));  // YAML list item
    if (line.back() == ':' && is_key(line.substr(0, line.size() - 1))) continue;            // YAML "redis:" opens a map
    if (line.front() == '[' && line.back() == ']') continue;                                // INI/TOML section
    std::string_view key, value = line;
    size_t eq = line.find('='), colon = line.find(": ");
    if (eq != std::string_view::npos && (colon == std::string_view::npos || eq < colon) &&
        is_key(trim(line.substr(0, eq)))) {
      key = trim(line.substr(0, eq));
      value = trim(line.substr(eq + 1));
    } else if (colon != std::string_view::npos && is_key(trim(line.substr(0, colon)))) {
      key = trim(line.substr(0, colon));
      value = trim(line.substr(colon + 2));
    } else if (size_t sp = line.find_first_of(" \t"); sp != std::string_view::npos && is_key(line.substr(0, sp))) {
      key = line.substr(0, sp);  // nginx/haproxy style: "server redis:6379;"
      value = trim(line.substr(sp + 1));
      if (!value.empty() && value.back() == ';') value.remove_suffix(1);
    }
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front())
      value = value.substr(1, value.size() - 2);
    if (!value.empty()) out.push_back({std::string(key), std::string(value), number});
  }
  return out;
}

}  // namespace nd::dns
