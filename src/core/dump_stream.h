// Pure splitters for the text forms kubectl writes:
//  - `kubectl cluster-info dump` to stdout: JSON documents one after another, with container logs
//    between `==== START logs for container C of pod NS/POD ====` and `==== END logs ... ====`;
//  - NS/POD/logs.txt of `cluster-info dump --output-directory`: the same log sections only.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace nd {

struct LogSection {
  std::string ns, pod, container;
  uint32_t first_line = 0;  // line of the first log line (after the START marker)
  std::string_view text;    // the lines between the markers
};

struct JsonSegment {
  std::string_view json;
  uint32_t first_line = 0;
};

struct DumpParts {
  std::vector<JsonSegment> json;
  std::vector<LogSection> logs;
  std::vector<std::string> problems;  // "line 40: text outside any JSON document or log section"
};

// Splits a stream of concatenated JSON documents and log sections.
DumpParts split_dump_stream(std::string_view text);

// Parses a START marker line; true and fills container/ns/pod when it is one.
bool parse_log_marker(std::string_view line, std::string_view word, std::string& container, std::string& ns,
                      std::string& pod);

}  // namespace nd
