// Text for people: a header that says what was read, then findings grouped by severity, each with its
// evidence and numbered fix steps. Colour only on a terminal.
#include <fmt/format.h>

#include "output/render.h"

namespace nd {
namespace {

struct Style {
  bool on;
  std::string operator()(std::string_view code, std::string_view s) const {
    return on ? fmt::format("\033[{}m{}\033[0m", code, s) : std::string(s);
  }
};

std::string human_bytes(size_t b) {
  if (b >= (1u << 30)) return fmt::format("{:.1f} GiB", b / double(1u << 30));
  if (b >= (1u << 20)) return fmt::format("{:.1f} MiB", b / double(1u << 20));
  if (b >= 1024) return fmt::format("{:.1f} KiB", b / 1024.0);
  return fmt::format("{} B", b);
}

}  // namespace

void render_text(std::ostream& out, const Report& r, bool color) {
  Style st{color};
  out << st("1", "netdoctor diagnose") << " " << r.snapshot << "\n";
  out << fmt::format("  read {} objects ({} nodes, {} pods) from {} file{}, {}\n", r.objects, r.nodes, r.pods,
                     r.files, r.files == 1 ? "" : "s", human_bytes(r.bytes));
  out << "  CNI: " << r.cni << "\n";
  for (const auto& w : r.warnings) out << "  " << st("33", "warning: ") << w << "\n";

  size_t counts[3] = {0, 0, 0};
  for (const auto& f : r.findings) counts[static_cast<int>(f.severity)]++;
  if (r.findings.empty()) {
    out << "\n" << st("32", "No problems found.") << " (Missing inputs are not proof of health: see what was read above.)\n";
    return;
  }
  const char* names[3] = {"INFO", "WARNING", "CRITICAL"};
  const char* colors[3] = {"36", "33", "31"};
  for (int sev = 2; sev >= 0; --sev) {
    if (!counts[sev]) continue;
    out << "\n" << st(std::string("1;") + colors[sev], fmt::format("{} ({})", names[sev], counts[sev])) << "\n";
    for (const auto& f : r.findings) {
      if (static_cast<int>(f.severity) != sev) continue;
      out << "\n  " << st(std::string("1;") + colors[sev], f.id) << "  " << st("1", f.title) << "\n";
      out << "    on: " << f.subject.str();
      if (!f.node.empty() && f.subject.kind != "Node") out << " (node " << f.node << ")";
      std::string refs;
      for (const auto& ref : f.refs) refs += (refs.empty() ? "" : ", ") + ref;
      if (!refs.empty()) out << "   playbook: " << refs;
      out << "\n    " << f.summary << "\n";
      out << "    evidence:\n";
      for (const auto& e : f.evidence) out << "      " << st("2", e.source) << "\n        " << e.text << "\n";
      out << "    fix:\n";
      for (size_t i = 0; i < f.fix.size(); ++i) {
        // A step may hold several lines (a generated manifest): keep them under the step's text.
        std::string step = f.fix[i];
        for (size_t nl = step.find('\n'); nl != std::string::npos && nl + 1 < step.size(); nl = step.find('\n', nl + 1))
          step.insert(nl + 1, "         ");
        out << fmt::format("      {}. {}\n", i + 1, step);
      }
    }
  }
  out << fmt::format("\n{} critical, {} warning, {} info. `netdoctor explain ID` prints a check's runbook.\n",
                     counts[2], counts[1], counts[0]);
}

}  // namespace nd
