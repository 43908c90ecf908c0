#include "dns/corefile.h"

#include <fmt/format.h>

#include <charconv>
#include <map>

namespace nd::dns {
namespace {

struct Token {
  std::string text;
  uint32_t line = 0;
  bool quoted = false;
  bool is(std::string_view s) const { return !quoted && text == s; }
};

// Caddyfile lexing: words separated by blanks, "quoted strings" with \" escapes, # comments to the
// end of the line. Newlines matter (a directive's arguments are on its line), so each token keeps
// its line.
Result<std::vector<Token>> lex(std::string_view text, std::string_view label) {
  std::vector<Token> out;
  uint32_t line = 1;
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == '\n') {
      ++line;
      ++i;
    } else if (c == ' ' || c == '\t' || c == '\r') {
      ++i;
    } else if (c == '#') {
      while (i < text.size() && text[i] != '\n') ++i;
    } else if (c == '"' || c == '`') {
      char q = c;
      Token t{"", line, true};
      uint32_t start = line;
      ++i;
      while (i < text.size() && text[i] != q) {
        if (q == '"' && text[i] == '\\' && i + 1 < text.size() && text[i + 1] == '"') ++i;
        if (text[i] == '\n') ++line;
        t.text += text[i++];
      }
      if (i >= text.size()) return Error{fmt::format("{}:{}: unterminated quoted string", label, start)};
      ++i;
      out.push_back(std::move(t));
    } else {
      size_t j = i;
      while (j < text.size() && text[j] != ' ' && text[j] != '\t' && text[j] != '\n' && text[j] != '\r') ++j;
      std::string word(text.substr(i, j - i));
      // "forward . 10.0.0.2{" is a typo Caddy would reject; splitting it keeps the rest readable.
      if (word.size() > 1 && word.back() == '{' && word.find("{$") == std::string::npos) {
        out.push_back({word.substr(0, word.size() - 1), line});
        out.push_back({"{", line});
      } else {
        out.push_back({std::move(word), line});
      }
      i = j;
    }
  }
  return out;
}

class Parser {
 public:
  Parser(std::vector<Token> toks, std::string_view label) : t_(std::move(toks)), label_(label) {}

  Result<Corefile> run() {
    Corefile cf;
    while (pos_ < t_.size()) {
      uint32_t line = t_[pos_].line;
      if (t_[pos_].is("import")) {
        // A top-level import pulls in other files; a snapshot holds only this text.
        cf.warnings.push_back(fmt::format("line {}: import of a file is not followed", line));
        skip_line();
        continue;
      }
      std::vector<std::string> keys;
      while (pos_ < t_.size() && !t_[pos_].is("{")) {
        std::string k = t_[pos_].text;
        if (!k.empty() && k.back() == ',') k.pop_back();
        if (!k.empty()) keys.push_back(std::move(k));
        ++pos_;
      }
      if (pos_ >= t_.size())
        return Error{fmt::format("{}:{}: server block '{}' has no '{{'", label_, line, keys.empty() ? "" : keys[0])};
      ++pos_;  // '{'
      std::vector<Directive> body;
      if (auto e = block(body, line); !e.empty()) return Error{e};
      if (keys.size() == 1 && keys[0].size() > 2 && keys[0].front() == '(' && keys[0].back() == ')') {
        snippets_[keys[0].substr(1, keys[0].size() - 2)] = std::move(body);
        continue;
      }
      ServerBlock sb{std::move(keys), line, {}};
      expand(body, sb.directives, cf);
      cf.servers.push_back(std::move(sb));
    }
    return cf;
  }

 private:
  void skip_line() {
    uint32_t line = t_[pos_].line;
    while (pos_ < t_.size() && t_[pos_].line == line) ++pos_;
  }

  // Reads directives up to the '}' that closes the block opened at `open_line`.
  std::string block(std::vector<Directive>& out, uint32_t open_line) {
    while (pos_ < t_.size() && !t_[pos_].is("}")) {
      Directive d;
      d.name = t_[pos_].text;
      d.line = t_[pos_].line;
      ++pos_;
      bool nested = false;
      while (pos_ < t_.size() && t_[pos_].line == d.line) {
        if (t_[pos_].is("{")) {
          nested = true;
          ++pos_;
          break;
        }
        if (t_[pos_].is("}")) break;  // "health { lameduck 5s }" on one line
        d.args.push_back(t_[pos_].text);
        ++pos_;
      }
      if (nested) {
        if (auto e = block(d.block, d.line); !e.empty()) return e;
      }
      out.push_back(std::move(d));
    }
    if (pos_ >= t_.size()) return fmt::format("{}:{}: block opened here is never closed", label_, open_line);
    ++pos_;  // '}'
    return {};
  }

  void expand(const std::vector<Directive>& in, std::vector<Directive>& out, Corefile& cf) {
    for (const auto& d : in) {
      if (d.name == "import" && !d.args.empty()) {
        auto it = snippets_.find(d.args[0]);
        if (it != snippets_.end()) {
          out.insert(out.end(), it->second.begin(), it->second.end());
          continue;
        }
        cf.warnings.push_back(fmt::format("line {}: import {} is not a snippet of this Corefile", d.line, d.args[0]));
      }
      out.push_back(d);
    }
  }

  std::vector<Token> t_;
  std::string_view label_;
  size_t pos_ = 0;
  std::map<std::string, std::vector<Directive>> snippets_;
};

}  // namespace

const Directive* ServerBlock::plugin(std::string_view name) const {
  for (const auto& d : directives)
    if (d.name == name) return &d;
  return nullptr;
}

int ServerBlock::port() const {
  for (std::string_view k : keys) {
    if (auto p = k.find("://"); p != std::string_view::npos) k.remove_prefix(p + 3);
    auto colon = k.rfind(':');
    if (colon == std::string_view::npos || k.find(']') != std::string_view::npos) continue;
    int port = 0;
    auto r = std::from_chars(k.data() + colon + 1, k.data() + k.size(), port);
    if (r.ec == std::errc() && port > 0) return port;
  }
  return 53;
}

Result<Corefile> parse_corefile(std::string_view text, std::string_view label) {
  auto toks = lex(text, label);
  if (!toks.ok()) return toks.error();
  return Parser(std::move(*toks), label).run();
}

std::vector<Upstream> upstreams(const ServerBlock& s) {
  std::vector<Upstream> out;
  for (const auto& d : s.directives) {
    if ((d.name != "forward" && d.name != "proxy") || d.args.empty()) continue;
    Upstream u{d.name, d.args[0], {}, d.line};
    for (size_t i = 1; i < d.args.size(); ++i) u.to.push_back(d.args[i]);
    out.push_back(std::move(u));
  }
  return out;
}

bool is_resolv_file(std::string_view to) { return !to.empty() && to.front() == '/'; }

std::string upstream_host(std::string_view to) {
  if (is_resolv_file(to)) return {};
  if (auto p = to.find("://"); p != std::string_view::npos) to.remove_prefix(p + 3);
  if (!to.empty() && to.front() == '[') {  // [fd00::1]:53
    auto close = to.find(']');
    return std::string(to.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1));
  }
  auto colon = to.find(':');
  if (colon != std::string_view::npos && to.find(':', colon + 1) == std::string_view::npos) to = to.substr(0, colon);
  return std::string(to);
}

}  // namespace nd::dns
