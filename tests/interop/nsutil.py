#!/usr/bin/python3
"""Helpers the interop tests run inside a network namespace (`ip netns exec NS nsutil.py ...`).

  nsutil.py ping [-I DEV] [-c COUNT] [-s SIZE] [-W TIMEOUT] [-i INTERVAL] DEST
  nsutil.py tx-csum-off DEV...

ping: ICMP / ICMPv6 echo over a raw socket (the machines have no iputils-ping, and
deps.sh does not install it).  The kernel of the namespace routes, resolves the neighbour
and sends the echo requests; answers are matched by identifier, sequence number, source
and payload.  Prints one line per reply or loss and "N transmitted, N received"; exit
status 0 when every request was answered, 1 otherwise, 2 on a usage or socket error.

tx-csum-off: `ethtool -K DEV tx off` without ethtool (SIOCETHTOOL ETHTOOL_STXCSUM), so
that the kernel completes checksums in software instead of handing a veth
CHECKSUM_PARTIAL frames, which a packet socket (net_af_packet) sees with only the
pseudo-header sum in the checksum field.
"""

import argparse
import ctypes
import fcntl
import ipaddress
import os
import select
import socket
import struct
import sys
import time


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


SIOCETHTOOL = 0x8946
ETHTOOL_GTXCSUM, ETHTOOL_STXCSUM = 0x16, 0x17


def tx_csum_off(devs):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for dev in devs:
        for cmd in (ETHTOOL_STXCSUM, ETHTOOL_GTXCSUM):
            val = ctypes.create_string_buffer(struct.pack("II", cmd, 0))
            ifr = struct.pack("16sP", dev.encode(), ctypes.addressof(val)).ljust(40, b"\0")
            try:
                fcntl.ioctl(s, SIOCETHTOOL, ifr)
            except OSError as e:
                print(f"nsutil: {dev}: SIOCETHTOOL {cmd:#x}: {e}", file=sys.stderr)
                return 2
        if struct.unpack("II", val.raw[:8])[1] != 0:
            print(f"nsutil: {dev}: TX checksumming still on", file=sys.stderr)
            return 1
    return 0


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "tx-csum-off":
        return tx_csum_off(sys.argv[2:])
    if len(sys.argv) > 1 and sys.argv[1] == "ping":
        del sys.argv[1]
    ap = argparse.ArgumentParser(prog="nsutil.py ping")
    ap.add_argument("-I", dest="dev", default="")
    ap.add_argument("-c", dest="count", type=int, default=3)
    ap.add_argument("-s", dest="size", type=int, default=56)
    ap.add_argument("-W", dest="timeout", type=float, default=2.0)
    ap.add_argument("-i", dest="interval", type=float, default=0.2)
    ap.add_argument("dest")
    a = ap.parse_args()
    dst = ipaddress.ip_address(a.dest)
    v6 = dst.version == 6
    try:
        if v6:
            s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
        else:
            s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
        if a.dev:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, a.dev.encode())
    except OSError as e:
        print(f"nsping: {e}", file=sys.stderr)
        return 2
    ident = os.getpid() & 0xffff
    req_type, rep_type = (128, 129) if v6 else (8, 0)
    received = 0
    for seq in range(1, a.count + 1):
        payload = struct.pack("!d", time.time()) + bytes((i * 7 + seq) & 0xff
                                                         for i in range(max(0, a.size - 8)))
        hdr = struct.pack("!BBHHH", req_type, 0, 0, ident, seq)
        if not v6:  # the kernel fills the ICMPv6 checksum of a raw ICMPv6 socket
            hdr = struct.pack("!BBHHH", req_type, 0, csum(hdr + payload), ident, seq)
        t0 = time.time()
        try:
            s.sendto(hdr + payload, (a.dest, 0))
        except OSError as e:
            print(f"seq={seq}: send: {e}")
            time.sleep(a.interval)
            continue
        got = False
        while not got:
            left = t0 + a.timeout - time.time()
            if left <= 0 or not select.select([s], [], [], left)[0]:
                break
            data, addr = s.recvfrom(65535)
            if not v6:
                data = data[(data[0] & 0xf) * 4:]  # an IPv4 raw socket returns the IP header
            if len(data) < 8 or ipaddress.ip_address(addr[0].split("%")[0]) != dst:
                continue
            t, _, _, rid, rseq = struct.unpack("!BBHHH", data[:8])
            if t == rep_type and rid == ident and rseq == seq:
                if data[8:] != payload:
                    print(f"seq={seq}: reply with a different payload")
                    continue
                got = True
        if got:
            received += 1
            print(f"{len(data)} bytes from {a.dest}: icmp_seq={seq} "
                  f"time={(time.time() - t0) * 1000:.2f} ms")
        else:
            print(f"seq={seq}: no reply within {a.timeout}s")
        if seq < a.count:
            time.sleep(a.interval)
    print(f"--- {a.dest}: {a.count} transmitted, {received} received")
    return 0 if received == a.count else 1


if __name__ == "__main__":
    sys.exit(main())
