#!/usr/bin/env bash
# One command from a fresh Debian 12 (as root): install what is missing, build, and diagnose a bundled
# example snapshot so you see what netdoctor reports.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
example=${1:-examples/sandbox-cni-failure}
[ -e "$example" ] || example=tests/realworld/oomkilled-crashloop-kind-dump
echo
echo "+ build/netdoctor diagnose $example"
# Findings make diagnose exit 1: that is the example working, not the setup failing.
build/netdoctor diagnose "$example" || [ $? -eq 1 ]
