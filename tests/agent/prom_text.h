// A strict reader of the Prometheus text exposition format (0.0.4), for the tests: every family
// has one HELP and one TYPE line before its samples, samples of a family are contiguous, metric and
// label names are valid, label values use only the three escapes, values are floats (NaN, +Inf,
// -Inf), no series appears twice, and the text ends with a newline. Errors name the line.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/result.h"

namespace nd::test {

struct PromSample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct PromFamily {
  std::string help, type;
  std::vector<PromSample> samples;
};

using PromText = std::map<std::string, PromFamily>;

Result<PromText> parse_prometheus(const std::string& text);

// The value of name{labels}, or NaN when there is no such series.
double prom_value(const PromText& t, const std::string& name, const std::map<std::string, std::string>& labels = {});

}  // namespace nd::test
