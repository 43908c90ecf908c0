// Small text helpers shared by the node-bundle parsers: line splitting with 1-based numbers,
// trimming, and the "LABEL:LINE: message" error format every parser uses.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace nd::node {

// Something odd in the input that the parser skipped and went on (Zeek's "weird"): a stable name,
// the 1-based line (0 when the input has no lines, e.g. JSON) and the offending text.
struct Anomaly {
  std::string name;  // kebab-case, e.g. "nameserver-not-an-address"
  uint32_t line = 0;
  std::string text;
};

struct TextLine {
  std::string_view text;  // without the line terminator ("\n" or "\r\n")
  uint32_t number = 0;    // 1-based
};

std::vector<TextLine> split_lines(std::string_view text);
std::string_view trim(std::string_view s);
// Splits on runs of spaces and tabs.
std::vector<std::string_view> split_ws(std::string_view s);
bool starts_with(std::string_view s, std::string_view prefix);

// "LABEL:LINE: message" (line 0 drops the number).
Error line_error(std::string_view label, uint32_t line, std::string_view message);
// Text files are refused when they hold NUL bytes: a binary file passed by mistake.
bool has_nul(std::string_view text, uint32_t* line);

}  // namespace nd::node
