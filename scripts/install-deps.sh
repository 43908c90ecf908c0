#!/usr/bin/env bash
# Installs, from Debian's packages, everything netdoctor needs to build, test and run its lab.
# Idempotent: installs only what is missing. Run as root (or with sudo) on Debian 12.
set -euo pipefail

PKGS=(
  build-essential cmake ninja-build pkg-config git
  libsimdjson-dev nlohmann-json3-dev libyaml-cpp-dev libcli11-dev libfmt-dev
  libpcap-dev libgtest-dev libgmock-dev libbenchmark-dev
  libcurl4-openssl-dev libcpp-httplib-dev libssl-dev libc-ares-dev openssl
  # runtime tools used by the lab, the collector and the root tests
  iproute2 iptables tcpdump dnsmasq-base containernetworking-plugins procps kmod
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PKGS[@]} packages present"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
