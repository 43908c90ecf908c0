// Prometheus text exposition format (version 0.0.4), written from plain data: one family per metric
// name with its HELP and TYPE lines, then its samples. Pure; label values are escaped as the format
// requires (backslash, double quote, newline).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace nd::agent {

struct Sample {
  std::vector<std::pair<std::string, std::string>> labels;
  double value = 0;
};

struct MetricFamily {
  std::string name, help, type;  // type: "gauge" or "counter"
  std::vector<Sample> samples;
};

std::string render_prometheus(const std::vector<MetricFamily>& families);

std::string escape_label_value(const std::string& v);
std::string format_value(double v);  // integers without a fraction, NaN/+Inf/-Inf spelled as Prometheus does

}  // namespace nd::agent
