// Runbooks are docs/runbooks/ID.md, compiled in (cmake/embed_runbooks.cmake).
#pragma once

#include <string_view>
#include <vector>

namespace nd {

struct Runbook {
  std::string_view id, text;
};

const std::vector<Runbook>& runbooks();
const Runbook* find_runbook(std::string_view id);

}  // namespace nd
