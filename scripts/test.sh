#!/usr/bin/env bash
# One command from a fresh Debian 12 (as root): install what is missing, build, run every test.
# Tests labelled `root` create network namespaces; without root they skip and say why.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh -DNETDOCTOR_WERROR=ON
cd build
ctest --output-on-failure --timeout 600 -j"$(nproc 2>/dev/null || echo 2)" "$@"
