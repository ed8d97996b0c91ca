#!/usr/bin/env bash
# Install the Debian packages tungw needs that are missing (apt-get update once).
set -euo pipefail
pkgs=(libdpdk-dev dpdk-dev dpdk-doc libnuma-dev libipsec-mb-dev libjansson-dev meson ninja-build
      pkg-config gcc clang libclang-rt-14-dev python3-scapy python3-matplotlib tshark libpcap-dev
      iproute2 procps python3-cryptography make patch)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
