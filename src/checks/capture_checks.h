#pragma once
#include "engine/check.h"

namespace nd::checks {
// The capture-* checks: captures/ of the snapshot analysed once (src/pcap), each event kind reported
// under its id. See docs/runbooks/capture-*.md.
void run_capture_syn_unanswered(Context& ctx);
void run_capture_reply_from_unexpected_source(Context& ctx);
void run_capture_rst_on_connect(Context& ctx);
void run_capture_icmp_unreachable(Context& ctx);
void run_capture_dns_unanswered(Context& ctx);
void run_capture_dns_error(Context& ctx);
void run_capture_dns_search_walk(Context& ctx);
void run_capture_dns_nxdomain(Context& ctx);
void run_capture_dns_slow(Context& ctx);
}  // namespace nd::checks
