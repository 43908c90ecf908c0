// A node bundle as one JSON document (GET /bundle): the files `netdoctor collect node --out DIR`
// wrote into DIR, by path relative to DIR, with the agent's own errors. The wire format is the
// contract with the live client (docs/agent.md):
//   {"apiVersion":"netdoctor/v1","kind":"NodeBundle","node":N,"collectedAt":RFC3339,
//    "files":{"RELPATH":"CONTENT",...},"errors":[...]}
#pragma once

#include <cstddef>
#include <ctime>
#include <map>
#include <string>
#include <vector>

#include "core/result.h"

namespace nd::agent {

struct NodeBundle {
  std::string node;
  std::string collected_at;                  // RFC 3339, UTC, whole seconds
  std::map<std::string, std::string> files;  // "sysctl.txt", "cni/10-flannel.conflist", "manifest.json"
  std::vector<std::string> errors;
  size_t bytes = 0;  // sum of file sizes
};

// Reads every regular file under dir (depth <= 8). A file that would push the total past max_bytes
// is left out and named in errors; so is one that cannot be read. Symlinks are not followed (the
// collector writes none). Error only when dir cannot be listed.
Result<NodeBundle> read_bundle_dir(const std::string& dir, size_t max_bytes);

// The agent serves bundles over the network without authentication of its own (the API server's
// pod proxy authorises the CLI, but the port is open on the node's address), so files that carry
// credentials are left out and named in errors: a kubeconfig under cni/ (Calico writes one with a
// service account token), or any cni/ file with a client key or a token line. Diagnose reads none
// of them. Returns how many were left out.
size_t drop_credentials(NodeBundle& b);

// JSON text of the bundle. Bytes that are not valid UTF-8 are replaced (U+FFFD), so any file
// content yields valid JSON.
std::string bundle_to_json(const NodeBundle& b);

// Pure: the reverse, for tests and clients; errors name the field.
Result<NodeBundle> bundle_from_json(const std::string& text);

std::string rfc3339_utc(std::time_t t);

}  // namespace nd::agent
