// node-bundle-unreadable: a node-bundle file is present but does not parse (a cut file, another
// command's output, a format we do not know). The checks that need it treat the node as unknown;
// this says so, with the parser's message, instead of staying silent.
#include "checks/node_bundle_unreadable.h"

#ifdef ND_HAVE_NODE

#include <fmt/format.h>

#include "checks/node_facts.h"
#include "checks/util.h"

namespace nd::checks {

void run_node_bundle_unreadable(Context& ctx) {
  for (const NodeFacts& f : cluster_net(ctx).nodes) {
    if (f.unreadable.empty()) continue;
    Finding& fd = ctx.report("node-bundle-unreadable", Subject{"Node", "", f.name});
    fd.node = f.name;
    std::vector<std::string> files;
    for (const auto& e : f.unreadable) files.push_back(e.source);
    fd.summary = fmt::format(
        "{} of node {}'s bundle could not be read, so the checks that need {} say nothing about this node: {}.",
        join(files, ", "), f.name, files.size() == 1 ? "it" : "them", f.unreadable.front().text);
    fd.evidence = f.unreadable;
    fd.fix = {
        fmt::format("Collect the bundle again on {} with `netdoctor collect node --out nodes/{}` (it checks "
                    "each file with the same parsers and lists problems in manifest.json), or re-run the "
                    "command that makes the file (see docs/node-bundle.md) and save its output unchanged.",
                    f.name, f.name)};
  }
}

}  // namespace nd::checks

#endif  // ND_HAVE_NODE
