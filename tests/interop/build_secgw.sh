#!/bin/bash
# Build DPDK's ipsec-secgw example (the interop and benchmark peer) from the dpdk-doc sources.
#
#   tests/interop/build_secgw.sh [BUILD_DIR]      (default: build, beside the tungw build)
#
# Copies /usr/share/dpdk/examples/ipsec-secgw (and ../common, which its Makefile includes)
# into BUILD_DIR/secgw/src, applies tests/interop/secgw/rx-offload.patch and runs its own
# Makefile's `make shared` against the installed DPDK (pkg-config libdpdk).  Prints the path
# of the binary on its last line: BUILD_DIR/secgw/src/ipsec-secgw/build/ipsec-secgw.
#
# The one patch: DPDK 22.11's ipsec-secgw asks every port for RTE_ETH_RX_OFFLOAD_CHECKSUM
# (port_conf.rxmode.offloads) and exits when the port lacks it ("required RX offloads");
# net_pcap has no RX offload at all.  The patch masks port_conf's default RX offloads by the
# port's rx_offload_capa before port_init adds the offloads the SAs require (those are still
# checked as before).  Nothing in ipsec-secgw reads the RX checksum flags of an mbuf, so the
# packet path is unchanged.  See docs/interop.md.
#
# Idempotent: the sources are copied again only when the originals or the patch changed
# (a stamp holds their checksum), and make rebuilds only what is out of date.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
BUILD=${1:-$REPO/build}
EXAMPLES=${DPDK_EXAMPLES:-/usr/share/dpdk/examples}
SRC=$EXAMPLES/ipsec-secgw
PATCH=$HERE/secgw/rx-offload.patch
DEST=$BUILD/secgw/src

die() { echo "build_secgw: $*" >&2; exit 1; }

[ -f "$SRC/ipsec-secgw.c" ] ||
	die "no ipsec-secgw sources in $SRC (apt-get install dpdk-doc)"
command -v pkg-config >/dev/null || die "pkg-config not found"
pkg-config --exists libdpdk || die "pkg-config finds no libdpdk (apt-get install libdpdk-dev)"
command -v make >/dev/null || die "make not found"
command -v patch >/dev/null || die "patch not found"
command -v flock >/dev/null || die "flock not found (util-linux)"

# one build at a time (two tests may ask for it at once)
mkdir -p "$BUILD/secgw"
exec 9> "$BUILD/secgw/.lock"
flock 9

# the stamp: what the copy was made from
stamp_of() {
	(cd "$EXAMPLES" && find ipsec-secgw common -type f \( -name '*.[ch]' -o -name Makefile \) \
		-print0 | sort -z | xargs -0 sha256sum; sha256sum < "$PATCH";
	 pkg-config --modversion libdpdk) | sha256sum | cut -d' ' -f1
}
want=$(stamp_of)
if [ "$(cat "$DEST/.stamp" 2>/dev/null)" != "$want" ]; then
	rm -rf "$DEST"
	mkdir -p "$DEST"
	cp -r "$SRC" "$DEST/ipsec-secgw"
	rm -rf "$DEST/ipsec-secgw/build" "$DEST/ipsec-secgw/test"
	cp -r "$EXAMPLES/common" "$DEST/common"
	patch -s -d "$DEST/ipsec-secgw" -p1 < "$PATCH" || die "the patch does not apply to $SRC"
	echo "$want" > "$DEST/.stamp"
fi

log=$DEST/make.log
if ! make -C "$DEST/ipsec-secgw" shared > "$log" 2>&1; then
	tail -n 30 "$log" >&2
	die "make shared failed (full log: $log)"
fi
bin=$DEST/ipsec-secgw/build/ipsec-secgw
[ -x "$bin" ] || die "make succeeded but $bin is missing"
echo "$bin"
