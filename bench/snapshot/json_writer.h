// A streaming JSON writer that prints the way kubectl does (Go's json.MarshalIndent with four spaces:
// "key": value, empty objects as {} and empty arrays as []), into a large buffer flushed to a FILE.
// It exists because the benchmark writes about a gigabyte: a DOM library would need it all in memory.
#pragma once

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace ndbench {

class JsonWriter {
 public:
  explicit JsonWriter(FILE* f) : f_(f) { buf_.reserve(kFlushAt + (1 << 16)); }
  ~JsonWriter() { flush(); }
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  // Containers: obj()/arr() as the root or an array item, obj(key)/arr(key) as a member.
  JsonWriter& obj() { item(); return open('{', '}'); }
  JsonWriter& arr() { item(); return open('[', ']'); }
  JsonWriter& obj(std::string_view key) { member(key); return open('{', '}'); }
  JsonWriter& arr(std::string_view key) { member(key); return open('[', ']'); }
  JsonWriter& end() {
    Level l = stack_[--depth_];
    if (l.any) {
      buf_ += '\n';
      indent();
    }
    buf_ += l.close;
    if (depth_ == 0) buf_ += '\n';
    maybe_flush();
    return *this;
  }

  // Members.
  JsonWriter& kv(std::string_view key, std::string_view v) { member(key); return string(v); }
  JsonWriter& kv(std::string_view key, const char* v) { return kv(key, std::string_view(v)); }
  JsonWriter& kv(std::string_view key, const std::string& v) { return kv(key, std::string_view(v)); }
  JsonWriter& kv(std::string_view key, int64_t v) { member(key); return number(v); }
  JsonWriter& kv(std::string_view key, int v) { return kv(key, static_cast<int64_t>(v)); }
  JsonWriter& kv(std::string_view key, size_t v) { return kv(key, static_cast<int64_t>(v)); }
  JsonWriter& kb(std::string_view key, bool v) { member(key); buf_ += v ? "true" : "false"; return *this; }
  JsonWriter& knull(std::string_view key) { member(key); buf_ += "null"; return *this; }

  // Array items.
  JsonWriter& s(std::string_view v) { item(); return string(v); }
  JsonWriter& n(int64_t v) { item(); return number(v); }

  size_t bytes() const { return written_ + buf_.size(); }
  bool failed() const { return failed_; }

  void flush() {
    if (!buf_.empty() && !failed_) {
      if (std::fwrite(buf_.data(), 1, buf_.size(), f_) != buf_.size()) failed_ = true;
    }
    written_ += buf_.size();
    buf_.clear();
  }

 private:
  static constexpr size_t kFlushAt = 8u << 20;
  struct Level {
    char close;
    bool any;
  };

  JsonWriter& open(char o, char c) {
    buf_ += o;
    stack_[depth_++] = Level{c, false};
    return *this;
  }
  void indent() { buf_.append(static_cast<size_t>(depth_) * 4, ' '); }
  void item() {
    if (depth_ == 0) return;
    Level& l = stack_[depth_ - 1];
    buf_ += l.any ? ",\n" : "\n";
    l.any = true;
    indent();
  }
  void member(std::string_view key) {
    item();
    buf_ += '"';
    buf_ += key;  // keys are ours: plain ASCII without quotes
    buf_ += "\": ";
  }
  JsonWriter& number(int64_t v) {
    char tmp[24];
    auto r = std::to_chars(tmp, tmp + sizeof tmp, v);
    buf_.append(tmp, r.ptr);
    return *this;
  }
  // Go's encoder escapes quotes, backslashes, control characters and also <, > and & (as \u003c ...).
  JsonWriter& string(std::string_view v) {
    buf_ += '"';
    size_t run = 0;
    for (size_t i = 0; i < v.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(v[i]);
      const char* esc = nullptr;
      char u[7];
      switch (c) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\n': esc = "\\n"; break;
        case '\t': esc = "\\t"; break;
        case '\r': esc = "\\r"; break;
        case '<': esc = "\\u003c"; break;
        case '>': esc = "\\u003e"; break;
        case '&': esc = "\\u0026"; break;
        default:
          if (c < 0x20) {
            std::snprintf(u, sizeof u, "\\u%04x", c);
            esc = u;
          }
      }
      if (!esc) continue;
      buf_.append(v.data() + run, i - run);
      buf_ += esc;
      run = i + 1;
    }
    buf_.append(v.data() + run, v.size() - run);
    buf_ += '"';
    return *this;
  }
  void maybe_flush() {
    if (buf_.size() >= kFlushAt) flush();
  }

  FILE* f_;
  std::string buf_;
  size_t written_ = 0;
  bool failed_ = false;
  Level stack_[64];
  int depth_ = 0;
};

}  // namespace ndbench
