#!/usr/bin/python3
"""tungw benchmark driver.

For each case (ipip, sit, ip6tnl; encap and decap) and frame size it builds an
input pcap with scapy, then alternates two kinds of run on the same pcap:

  floor  dpdk-testpmd io forwarding net_pcap(infinite_rx) -> net_null
  tungw  the gateway, net_pcap(infinite_rx) -> tunnel/routing -> net_null

and for the ESP cases two peers on the same transform:

  secgw    DPDK's ipsec-secgw example in tungw's place, net_pcap -> net_null, each of its
           software paths (legacy, librte_ipsec, cpu-crypto); the fastest counts
  ceiling  dpdk-test-crypto-perf throughput on crypto_aesni_mb (crypto operations)

All are measured the same way: the output port's opackets counter (for
crypto-perf, the crypto device's dequeued operations) is read
through the DPDK telemetry socket of the running process (/ethdev/stats) over
a fixed window that opens after a warm-up, so start-up, mempool population
and shut-down never enter the figure. Rates are packets per second of the
forwarding thread's time on the CPU (schedstat), which a busy host does not
bias; the wall-clock rate is recorded too. Cycles per packet are TSC cycles
(TSC Hz measured with rdtsc against CLOCK_MONOTONIC_RAW). See bench/README.md.

Run with /usr/bin/python3 (scapy and matplotlib are Debian packages).
"""

import argparse
import datetime
import hashlib
import json
import math
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_DIR = os.path.dirname(BENCH_DIR)
DEFAULT_TUNGW = os.path.join(REPO_DIR, "build", "app", "tungw", "tungw")

EAL_COMMON = ["-l", "0-1", "--no-huge", "-m", "1024", "--no-shconf", "--no-pci"]
# EAL file prefixes (telemetry socket directories) of this invocation: two benchmarks at once
# (make test runs --self-test) must not answer each other's telemetry.
TP_PREFIX = "bench_tp_%d" % os.getpid()
TGW_PREFIX = "bench_tgw_%d" % os.getpid()

SIZES = [64, 512, 1400]
NPKTS = 256  # distinct packets per pcap (inner UDP source port varies)

# Addressing shared by every case.
LAN_MAC = "02:00:00:00:01:01"  # gateway lan0
LAN_HOST_MAC = "02:00:00:00:01:02"  # host behind lan0
WAN_MAC = "02:00:00:00:02:01"  # gateway wan0
WAN_PEER_MAC = "02:00:00:00:02:02"  # remote tunnel endpoint
LAN4, LAN4_HOST = "10.1.0.1", "10.1.0.2"
LAN6, LAN6_HOST = "2001:db8:1::1", "2001:db8:1::2"
FAR4, FAR6 = "10.2.0.", "2001:db8:2::"  # hosts behind the remote endpoint
WAN4, WAN4_PEER = "192.0.2.1", "192.0.2.2"
WAN6, WAN6_PEER = "2001:db8:ffff::1", "2001:db8:ffff::2"

CASES = [
    ("ipip-encap", "ipip", "encap"),
    ("ipip-decap", "ipip", "decap"),
    ("sit-encap", "sit", "encap"),
    ("sit-decap", "sit", "decap"),
    ("ip6tnl-encap", "ip6tnl", "encap"),
    ("ip6tnl-decap", "ip6tnl", "decap"),
    ("gre-encap", "gre", "encap"),
    ("gre-decap", "gre", "decap"),
    ("gre-key-encap", "gre-key", "encap"),
    ("gre-key-decap", "gre-key", "decap"),
    ("gre-ksc-encap", "gre-ksc", "encap"),
    ("gre-ksc-decap", "gre-ksc", "decap"),
    ("gretap-encap", "gretap", "encap"),
    ("gretap-decap", "gretap", "decap"),
    ("ip6gre-encap", "ip6gre", "encap"),
    ("ip6gre-decap", "ip6gre", "decap"),
    ("gre-mirror-encap", "gre-mirror", "encap"),
    ("fou-encap", "fou", "encap"),
    ("fou-decap", "fou", "decap"),
    ("gue-encap", "gue", "encap"),
    ("gue-decap", "gue", "decap"),
    ("geneve-encap", "geneve", "encap"),
    ("geneve-decap", "geneve", "decap"),
    ("geneve-opt2-encap", "geneve-opt2", "encap"),
    ("geneve-opt2-decap", "geneve-opt2", "decap"),
    ("vxlan-encap", "vxlan", "encap"),
    ("vxlan-decap", "vxlan", "decap"),
    ("esp-gcm128-encap", "esp-gcm128", "encap"),
    ("esp-gcm128-decap", "esp-gcm128", "decap"),
    ("esp-cbc-sha1-encap", "esp-cbc-sha1", "encap"),
    ("esp-cbc-sha1-decap", "esp-cbc-sha1", "decap"),
    ("esp-gcm256-encap", "esp-gcm256", "encap"),
    ("esp-gcm256-decap", "esp-gcm256", "decap"),
    ("esp-cbc-sha256-encap", "esp-cbc-sha256", "encap"),
    ("esp-cbc-sha256-decap", "esp-cbc-sha256", "decap"),
    ("esp-chacha-encap", "esp-chacha", "encap"),
    ("esp-chacha-decap", "esp-chacha", "decap"),
]

# Families whose inner packets are IPv4 / carried in an IPv6 outer / bridged frames.
INNER4 = ("esp-gcm128", "esp-cbc-sha1", "esp-gcm256", "esp-cbc-sha256", "esp-chacha", "ipip",
          "gre", "gre-key", "gre-ksc", "gretap", "gre-mirror", "fou", "gue", "geneve",
          "geneve-opt2", "vxlan")
OUTER6 = ("ip6tnl", "ip6gre")
GRE_FAMILIES = ("gre", "gre-key", "gre-ksc", "gretap", "ip6gre", "gre-mirror")
FAR_MAC = "02:00:00:00:09:02"  # a host behind the gretap peer
# The UDP tunnels: FOU/GUE under ipip, and the bridged geneve / vxlan.
UDP_FAMILIES = ("fou", "gue", "geneve", "geneve-opt2", "vxlan")
L2_FAMILIES = ("gretap", "geneve", "geneve-opt2", "vxlan")
FOU_PORT = 5555
GENEVE_OPTS = [{"class": 0x0102, "type": 0x01, "data": "00112233"},
               {"class": 0x0102, "type": 0x02, "data": "0011223344556677"}]

# ESP tunnel mode over a vti (key 5). Per family: the SA algorithms as tungw names them, as
# scapy does (the output check), as ipsec-secgw's SA rule does (tests/interop/secgw), and the
# dpdk-test-crypto-perf options of the same transform (the crypto ceiling; CBC + HMAC is
# cipher-then-auth on encap, auth-then-cipher with verify on decap).
# Anti-replay is off (replay_window 0): the replayed pcap repeats its sequence numbers.
K_GCM128, K_GCM256, K_CHACHA = bytes([0x11]) * 20, bytes([0x44]) * 36, bytes([0x77]) * 36
K_CBC, K_SHA1, K_SHA256 = bytes([0x22]) * 16, bytes([0x33]) * 20, bytes([0x55]) * 32


def _hx(b):
    return "0x" + b.hex()


def _colons(b):
    return ":".join("%02x" % x for x in b)


def _aead_perf(algo, key, salt=4):
    return {"optype": "aead", "--aead-algo": algo, "--aead-key-sz": len(key) - salt,
            "--aead-iv-sz": 12, "--aead-aad-sz": 8, "--digest-sz": 16}


def _chain_perf(auth, akey, digest):
    return {"optype": "chain", "--cipher-algo": "aes-cbc", "--cipher-key-sz": len(K_CBC),
            "--cipher-iv-sz": 16, "--auth-algo": auth, "--auth-key-sz": len(akey),
            "--digest-sz": digest, "cipher_key": K_CBC, "auth_key": akey}


ESP_FAMILIES = {
    "esp-gcm128": ({"aead": {"name": "rfc4106(gcm(aes))", "key": _hx(K_GCM128)}},
                   {"crypt_algo": "AES-GCM", "crypt_key": K_GCM128},
                   "aead_algo aes-128-gcm aead_key " + _colons(K_GCM128),
                   _aead_perf("aes-gcm", K_GCM128)),
    "esp-cbc-sha1": ({"enc": {"name": "cbc(aes)", "key": _hx(K_CBC)},
                      "auth": {"name": "hmac(sha1)", "key": _hx(K_SHA1)}},
                     {"crypt_algo": "AES-CBC", "crypt_key": K_CBC,
                      "auth_algo": "HMAC-SHA1-96", "auth_key": K_SHA1},
                     "cipher_algo aes-128-cbc cipher_key %s auth_algo sha1-hmac auth_key %s" % (
                         _colons(K_CBC), _colons(K_SHA1)),
                     _chain_perf("sha1-hmac", K_SHA1, 12)),
    "esp-gcm256": ({"aead": {"name": "rfc4106(gcm(aes))", "key": _hx(K_GCM256)}},
                   {"crypt_algo": "AES-GCM", "crypt_key": K_GCM256},
                   "aead_algo aes-256-gcm aead_key " + _colons(K_GCM256),
                   _aead_perf("aes-gcm", K_GCM256)),
    # RFC 4868 §2.3: HMAC-SHA-256-128; ipsec-secgw's sha256-hmac has a 16-byte digest too
    "esp-cbc-sha256": ({"enc": {"name": "cbc(aes)", "key": _hx(K_CBC)},
                        "auth": {"name": "hmac(sha256)", "key": _hx(K_SHA256),
                                 "trunc_bits": 128}},
                       {"crypt_algo": "AES-CBC", "crypt_key": K_CBC,
                        "auth_algo": "SHA2-256-128", "auth_key": K_SHA256},
                       "cipher_algo aes-128-cbc cipher_key %s auth_algo sha256-hmac "
                       "auth_key %s" % (_colons(K_CBC), _colons(K_SHA256)),
                       _chain_perf("sha2-256-hmac", K_SHA256, 16)),
    # RFC 7634: 32-byte key + 4-byte salt
    "esp-chacha": ({"aead": {"name": "rfc7539esp(chacha20,poly1305)", "key": _hx(K_CHACHA)}},
                   {"crypt_algo": "CHACHA20-POLY1305", "crypt_key": K_CHACHA},
                   "aead_algo chacha20-poly1305 aead_key " + _colons(K_CHACHA),
                   _aead_perf("chacha20-poly1305", K_CHACHA)),
}
ESP_SPI_OUT, ESP_SPI_IN = 0x1001, 0x2001


def esp_sa(family, spi):
    from scapy.layers.inet import IP
    from scapy.layers.ipsec import ESP, SecurityAssociation
    src, dst = (WAN4, WAN4_PEER) if spi == ESP_SPI_OUT else (WAN4_PEER, WAN4)
    return SecurityAssociation(ESP, spi=spi, tunnel_header=IP(src=src, dst=dst),
                               **ESP_FAMILIES[family][1])


def esp_xfrm(family):
    states = []
    for src, dst, spi in ((WAN4, WAN4_PEER, ESP_SPI_OUT), (WAN4_PEER, WAN4, ESP_SPI_IN)):
        st = {"src": src, "dst": dst, "proto": "esp", "spi": spi, "mode": "tunnel",
              "replay_window": 0}
        st.update(ESP_FAMILIES[family][0])
        states.append(st)
    pols = [{"dir": d, "mark": 5, "tmpl": [{"src": a, "dst": b, "proto": "esp",
                                            "mode": "tunnel"}]}
            for d, a, b in (("in", WAN4_PEER, WAN4), ("out", WAN4, WAN4_PEER))]
    return {"states": states, "policies": pols}


# Timing profiles (seconds): warm-up after the first packet leaves, measured
# window, telemetry sampling period.
PROFILES = {
    "full": dict(repeats=3, warmup=0.3, window=1.5, interval=0.25),
    "quick": dict(repeats=1, warmup=0.3, window=1.0, interval=0.25),
    "self-test": dict(repeats=1, warmup=0.5, window=1.5, interval=0.25),
}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# Packets and configurations


def tunnel_def(family):
    gre4 = {"name": "gre1", "type": "gre", "local": WAN4, "remote": WAN4_PEER}
    if family == "gre":
        return gre4
    if family == "gre-key":
        return dict(gre4, key=1)
    if family == "gre-ksc":
        # iseq is not measured: a replayed pcap repeats its sequence numbers
        return dict(gre4, key=1, oseq=True, csum=True)
    if family == "gre-mirror":
        return gre4
    if family == "gretap":
        return {"name": "gretap1", "type": "gretap", "local": WAN4, "remote": WAN4_PEER}
    if family == "ip6gre":
        return {"name": "ip6gre1", "type": "ip6gre", "local": WAN6, "remote": WAN6_PEER}
    if family == "ipip":
        return {"name": "ipip1", "type": "ipip", "local": WAN4, "remote": WAN4_PEER}
    if family in ("fou", "gue"):
        return {"name": "ipip1", "type": "ipip", "local": WAN4, "remote": WAN4_PEER,
                "encap": {"type": family, "dport": FOU_PORT}}
    if family == "geneve":
        return {"name": "gnv1", "type": "geneve", "id": 100, "local": WAN4, "remote": WAN4_PEER}
    if family == "geneve-opt2":
        return {"name": "gnv1", "type": "geneve", "id": 100, "local": WAN4, "remote": WAN4_PEER,
                "options": GENEVE_OPTS}
    if family == "vxlan":
        return {"name": "vx1", "type": "vxlan", "id": 100, "local": WAN4, "remote": WAN4_PEER}
    if family == "sit":
        return {"name": "sit1", "type": "sit", "local": WAN4, "remote": WAN4_PEER}
    if family in ESP_FAMILIES:
        return {"name": "vti1", "type": "vti", "key": 5, "local": WAN4, "remote": WAN4_PEER}
    return {"name": "ip6tnl1", "type": "ip6tnl", "mode": "ip6ip6", "local": WAN6,
            "remote": WAN6_PEER}


def make_config(family, direction, in_dev, out_dev):
    """SPEC §2 configuration: frames enter the port whose MAC they target."""
    lan_dev, wan_dev = (in_dev, out_dev) if direction == "encap" else (out_dev, in_dev)
    tun = tunnel_def(family)
    if family in INNER4:
        route = {"dst": FAR4 + "0/24", "dev": tun["name"]}
    else:
        route = {"dst": FAR6 + "/64", "dev": tun["name"]}
    peer = WAN6_PEER if family in OUTER6 else WAN4_PEER
    host = LAN4_HOST if family in INNER4 else LAN6_HOST
    if family in L2_FAMILIES:  # a two-member bridge: lan0 is purely L2
        return {
            "ports": [
                {"name": "lan0", "device": lan_dev, "mac": LAN_MAC},
                {"name": "wan0", "device": wan_dev, "mac": WAN_MAC,
                 "addresses": [WAN4 + "/24", WAN6 + "/64"]},
            ],
            "tunnels": [tun],
            "bridges": [{"name": "br0", "members": ["lan0", tun["name"]]}],
            "neighbors": [{"dst": peer, "lladdr": WAN_PEER_MAC, "dev": "wan0"}],
        }
    extra = {}
    if family in ("fou", "gue"):
        extra = {"fou": [{"port": FOU_PORT, "gue": True} if family == "gue" else
                         {"port": FOU_PORT, "ipproto": 4}]}
    if family == "gre-mirror":  # the forwarded stream is mirrored into ERSPAN too
        extra = {"mirrors": [{"dev": "lan0", "direction": "ingress", "to": "erspan1"}]}
        tun = [tun, {"name": "erspan1", "type": "erspan", "local": WAN4,
                     "remote": WAN4_PEER, "key": 10, "erspan_ver": 2}]
    if family in ESP_FAMILIES:
        extra = {"xfrm": esp_xfrm(family)}
    return dict(extra, **{
        "ports": [
            {"name": "lan0", "device": lan_dev, "mac": LAN_MAC,
             "addresses": [LAN4 + "/24", LAN6 + "/64"]},
            {"name": "wan0", "device": wan_dev, "mac": WAN_MAC,
             "addresses": [WAN4 + "/24", WAN6 + "/64"]},
        ],
        "tunnels": tun if isinstance(tun, list) else [tun],
        "routes": [route],
        "neighbors": [
            {"dst": peer, "lladdr": WAN_PEER_MAC, "dev": "wan0"},
            {"dst": host, "lladdr": LAN_HOST_MAC, "dev": "lan0"},
        ],
    })


def encap_limit_destopt(nh):
    """The Destination Options header Linux's ip6_tnl puts before the inner
    packet: RFC 2473 §5.1 Tunnel Encapsulation Limit option (type 4, value 4)
    followed by a 1-byte PadN, 8 bytes in all."""
    from scapy.layers.inet6 import HBHOptUnknown, IPv6ExtHdrDestOpt, PadN
    return IPv6ExtHdrDestOpt(nh=nh, options=[HBHOptUnknown(otype=4, optdata=b"\x04"),
                                             PadN(optdata=b"\x00")])


def make_packet(case, i, payload):
    """Input frame i of a case with the given inner UDP payload."""
    from scapy.layers.inet import IP, UDP
    from scapy.layers.inet6 import IPv6
    from scapy.layers.l2 import Ether
    from scapy.packet import Raw

    from scapy.layers.l2 import GRE

    _, family, direction = case
    sport = 1024 + i
    udp = UDP(sport=sport, dport=9) / Raw(payload)
    if family in UDP_FAMILIES:
        return make_udp_packet(family, direction, i, udp)
    if family in ESP_FAMILIES:
        if direction == "encap":
            return (Ether(dst=LAN_MAC, src=LAN_HOST_MAC) /
                    IP(src="10.1.0.%d" % (2 + i % 16), dst=FAR4 + "2", ttl=64) / udp)
        inner = IP(src=FAR4 + "%d" % (2 + i % 16), dst=LAN4_HOST, ttl=64) / udp
        # a fixed IV per frame keeps the frame size constant and the output checkable
        sa = esp_sa(family, ESP_SPI_IN)
        iv = bytes([i & 0xff]) * sa.crypt_algo.iv_size
        return Ether(dst=WAN_MAC, src=WAN_PEER_MAC) / sa.encrypt(inner, seq_num=i + 1, iv=iv)
    if family in GRE_FAMILIES:
        if direction == "encap":
            if family == "gretap":
                return (Ether(dst=FAR_MAC, src=LAN_HOST_MAC) /
                        IP(src="10.1.0.%d" % (2 + i % 16), dst=FAR4 + "2", ttl=64) / udp)
            eth = Ether(dst=LAN_MAC, src=LAN_HOST_MAC)
            if family == "ip6gre":
                return eth / IPv6(src="2001:db8:1::%x" % (2 + i % 16), dst=FAR6 + "2",
                                  hlim=64) / udp
            return eth / IP(src="10.1.0.%d" % (2 + i % 16), dst=FAR4 + "2", ttl=64) / udp
        eth = Ether(dst=WAN_MAC, src=WAN_PEER_MAC)
        if family == "ip6gre":
            return (eth / IPv6(src=WAN6_PEER, dst=WAN6, nh=60, hlim=64) /
                    encap_limit_destopt(47) / GRE(proto=0x86dd) /
                    IPv6(src=FAR6 + "%x" % (2 + i % 16), dst=LAN6_HOST, hlim=64) / udp)
        o = eth / IP(src=WAN4_PEER, dst=WAN4, proto=47, ttl=64)
        inner = IP(src=FAR4 + "%d" % (2 + i % 16), dst=LAN4_HOST, ttl=64) / udp
        if family == "gretap":
            return o / GRE(proto=0x6558) / Ether(dst=LAN_HOST_MAC, src=FAR_MAC) / inner
        if family == "gre-key":
            return o / GRE(proto=0x0800, key_present=1, key=1) / inner
        if family == "gre-ksc":
            return o / GRE(proto=0x0800, key_present=1, key=1, seqnum_present=1,
                           sequence_number=i, chksum_present=1) / inner
        return o / GRE(proto=0x0800) / inner
    if direction == "encap":
        eth = Ether(dst=LAN_MAC, src=LAN_HOST_MAC)
        if family == "ipip":
            return eth / IP(src="10.1.0.%d" % (2 + i % 16), dst=FAR4 + "2", ttl=64) / udp
        return eth / IPv6(src="2001:db8:1::%x" % (2 + i % 16), dst=FAR6 + "2", hlim=64) / udp
    eth = Ether(dst=WAN_MAC, src=WAN_PEER_MAC)
    if family == "ipip":
        return (eth / IP(src=WAN4_PEER, dst=WAN4, proto=4, ttl=64) /
                IP(src=FAR4 + "%d" % (2 + i % 16), dst=LAN4_HOST, ttl=64) / udp)
    inner6 = IPv6(src=FAR6 + "%x" % (2 + i % 16), dst=LAN6_HOST, hlim=64) / udp
    if family == "sit":
        return eth / IP(src=WAN4_PEER, dst=WAN4, proto=41, ttl=64) / inner6
    return (eth / IPv6(src=WAN6_PEER, dst=WAN6, nh=60, hlim=64) /
            encap_limit_destopt(41) / inner6)


def udp_tunnel_header(family):
    """Bytes after the outer UDP header up to the inner packet or frame."""
    import struct
    if family == "fou":
        return b""
    if family == "gue":
        return bytes([0, 4, 0, 0])  # variant 0, Hlen 0, proto IPIP, no flags
    if family == "vxlan":
        return struct.pack("!II", 0x08000000, 100 << 8)
    opts = b""
    if family == "geneve-opt2":
        for o in GENEVE_OPTS:
            d = bytes.fromhex(o["data"])
            opts += struct.pack("!HBB", o["class"], o["type"], len(d) // 4) + d
    return struct.pack("!BBHI", len(opts) // 4, 0, 0x6558, 100 << 8) + opts


UDP_DPORT = {"fou": FOU_PORT, "gue": FOU_PORT, "geneve": 6081, "geneve-opt2": 6081,
             "vxlan": 4789}


def make_udp_packet(family, direction, i, udp):
    """FOU/GUE carry the IPv4 packet of ipip; geneve/vxlan an Ethernet frame."""
    from scapy.layers.inet import IP, UDP
    from scapy.layers.l2 import Ether
    from scapy.packet import Raw

    l2 = family in L2_FAMILIES
    if direction == "encap":
        ip = IP(src="10.1.0.%d" % (2 + i % 16), dst=FAR4 + "2", ttl=64) / udp
        if l2:
            return Ether(dst=FAR_MAC, src=LAN_HOST_MAC) / ip
        return Ether(dst=LAN_MAC, src=LAN_HOST_MAC) / ip
    inner = IP(src=FAR4 + "%d" % (2 + i % 16), dst=LAN4_HOST, ttl=64) / udp
    if l2:
        inner = Ether(dst=LAN_HOST_MAC, src=FAR_MAC) / inner
    return (Ether(dst=WAN_MAC, src=WAN_PEER_MAC) / IP(src=WAN4_PEER, dst=WAN4, ttl=64) /
            UDP(sport=40000 + i, dport=UDP_DPORT[family], chksum=0) /
            Raw(udp_tunnel_header(family)) / inner)


def check_udp(case, in_frames, out):
    """The UDP tunnels: one frame out per frame in; encap: outer IPv4 + UDP to the
    tunnel's port + its header + the forwarded packet (fou, gue) or the frame as
    received (geneve, vxlan); decap: the forwarded inner packet, or the frame."""
    from scapy.layers.inet import IP, UDP
    from scapy.layers.l2 import Ether

    _, family, direction = case
    l2 = family in L2_FAMILIES
    if len(out) != len(in_frames):
        return "%d frames out for %d in" % (len(out), len(in_frames))
    hdr = udp_tunnel_header(family)
    for i, (fi, fo) in enumerate(zip(in_frames, out)):
        raw = bytes(fo)
        e = Ether(raw)
        if direction == "decap":
            tail = bytes(Ether(bytes(fi))[UDP].payload)[len(hdr):]
            if l2:
                if raw != tail:
                    return "frame %d: bridged frame differs" % i
                continue
            if e.dst.lower() != LAN_HOST_MAC or e.src.lower() != LAN_MAC:
                return "frame %d: ethernet %s > %s" % (i, e.src, e.dst)
            if bytes(e.payload) != bytes(_fwd(IP(tail))):
                return "frame %d: inner packet differs" % i
            continue
        if e.dst.lower() != WAN_PEER_MAC or e.src.lower() != WAN_MAC:
            return "frame %d: ethernet %s > %s" % (i, e.src, e.dst)
        if not e.haslayer(UDP) or (e[IP].src, e[IP].dst) != (WAN4, WAN4_PEER):
            return "frame %d: no outer IPv4/UDP %s > %s" % (i, WAN4, WAN4_PEER)
        u = e[UDP]
        if u.dport != UDP_DPORT[family] or not 32768 <= u.sport < 61000:
            return "frame %d: UDP ports %d > %d" % (i, u.sport, u.dport)
        body = bytes(u.payload)
        want = bytes(fi) if l2 else bytes(_fwd(Ether(bytes(fi)).payload))
        if body != hdr + want:
            return "frame %d: UDP payload differs" % i
    return None


def make_frames(case, size, n=NPKTS):
    """n frames of exactly `size` bytes (no FCS), or of the smallest size the
    headers allow when they do not fit in `size` (IPv6 inner decap at 64)."""
    base = len(bytes(make_packet(case, 0, b"")))
    pad = max(0, size - base)
    # ESP pads to the cipher block: the largest frame not above size
    while (case[1] in ESP_FAMILIES and pad > 0 and
           len(bytes(make_packet(case, 0, bytes(pad)))) > size):
        pad -= 1
    frames = [make_packet(case, i, bytes((i + k) & 0xff for k in range(pad)))
              for i in range(n)]
    actual = len(bytes(frames[0]))
    assert all(len(bytes(f)) == actual for f in frames)
    assert actual == max(size, base) or case[1] in ESP_FAMILIES
    return frames, actual


def write_pcap(path, frames):
    from scapy.utils import wrpcap
    wrpcap(path, frames)


# --------------------------------------------------------------------------
# Output check: one non-infinite pass through tungw into a pcap


def _inner_expected(pkt_in, direction):
    """The inner IP packet as it must leave the gateway: forwarded, so its
    TTL / hop limit is one lower (checksum recomputed)."""
    from scapy.layers.inet import IP
    from scapy.layers.inet6 import IPv6
    from scapy.layers.l2 import Ether
    e = Ether(bytes(pkt_in))
    inner = e.payload if direction == "encap" else e.payload.payload
    if not isinstance(inner, (IP, IPv6)):  # ip6tnl decap: skip the Dest Options
        inner = inner.payload
    inner = inner.copy()
    if isinstance(inner, IP):
        inner.ttl -= 1
        del inner.chksum
    else:
        inner.hlim -= 1
    return bytes(inner)


def check_output(case, in_frames, out_path):
    """Return None when tungw's output pcap has one correct frame per input
    frame, else a one-line reason."""
    from scapy.layers.inet import IP
    from scapy.layers.inet6 import IPv6, IPv6ExtHdrDestOpt
    from scapy.layers.l2 import Ether
    from scapy.utils import rdpcap

    _, family, direction = case
    if not os.path.exists(out_path):
        return "no output pcap"
    out = rdpcap(out_path)
    if family in GRE_FAMILIES:
        return check_gre(case, in_frames, out)
    if family in UDP_FAMILIES:
        return check_udp(case, in_frames, out)
    if family in ESP_FAMILIES:
        return check_esp(case, in_frames, out)
    if len(out) != len(in_frames):
        return "%d frames out for %d in" % (len(out), len(in_frames))
    for i, (fi, fo) in enumerate(zip(in_frames, out)):
        raw = bytes(fo)
        e = Ether(raw)
        if direction == "decap":
            if e.dst.lower() != LAN_HOST_MAC or e.src.lower() != LAN_MAC:
                return "frame %d: ethernet %s > %s" % (i, e.src, e.dst)
            got = bytes(e.payload)
        else:
            if e.dst.lower() != WAN_PEER_MAC or e.src.lower() != WAN_MAC:
                return "frame %d: ethernet %s > %s" % (i, e.src, e.dst)
            if family in ("ipip", "sit"):
                if not isinstance(e.payload, IP):
                    return "frame %d: outer is not IPv4" % i
                o = e.payload
                want_proto = 4 if family == "ipip" else 41
                if (o.src, o.dst, o.proto) != (WAN4, WAN4_PEER, want_proto):
                    return "frame %d: outer %s > %s proto %d" % (i, o.src, o.dst, o.proto)
                got = bytes(o.payload)[:max(0, o.len - o.ihl * 4)]
            else:
                if not isinstance(e.payload, IPv6):
                    return "frame %d: outer is not IPv6" % i
                o = e.payload
                if (o.src, o.dst) != (WAN6, WAN6_PEER):
                    return "frame %d: outer %s > %s" % (i, o.src, o.dst)
                d = o.payload
                if not isinstance(d, IPv6ExtHdrDestOpt) or d.nh != 41:
                    return "frame %d: no Destination Options header before the inner packet" % i
                if bytes(d)[:8] != bytes(encap_limit_destopt(41)):
                    return "frame %d: destination options %s, want encap limit 4" % (
                        i, bytes(d)[:8].hex())
                got = bytes(d.payload)
        want = _inner_expected(fi, direction)
        if got[:len(want)] != want:
            at = next((k for k, (a, b) in enumerate(zip(got, want)) if a != b),
                      min(len(got), len(want)))
            return ("frame %d: inner packet differs at byte %d of %d (got %s, want %s)" % (
                i, at, len(want), got[at:at + 8].hex() or "end", want[at:at + 8].hex()))
    return None


def check_esp(case, in_frames, out):
    """ESP via vti: encap output decrypts in scapy to the forwarded inner packet; decap
    output is the forwarded inner packet."""
    from scapy.layers.inet import IP
    from scapy.layers.l2 import Ether

    _, family, direction = case
    if len(out) != len(in_frames):
        return "%d frames out for %d in" % (len(out), len(in_frames))
    sa = esp_sa(family, ESP_SPI_OUT)
    for i, (fi, fo) in enumerate(zip(in_frames, out)):
        e = Ether(bytes(fo))
        if direction == "decap":
            want = bytes(_fwd(esp_sa(family, ESP_SPI_IN).decrypt(Ether(bytes(fi))[IP])))
            if bytes(e.payload) != want:
                return "frame %d: inner packet differs" % i
            continue
        if (e[IP].src, e[IP].dst, e[IP].proto) != (WAN4, WAN4_PEER, 50):
            return "frame %d: outer is not ESP %s > %s" % (i, WAN4, WAN4_PEER)
        try:
            got = bytes(sa.decrypt(IP(bytes(e[IP]))))
        except Exception as ex:  # scapy raises on a bad ICV
            return "frame %d: scapy cannot decrypt: %s" % (i, ex)
        if got != _inner_expected(fi, "encap"):
            return "frame %d: decrypted inner packet differs" % i
    return None


def check_gre(case, in_frames, out):
    """The GRE families: each input comes out once (the mirror case: once forwarded
    into gre1 and once copied into ERSPAN), outer endpoints right, the inner packet
    forwarded (TTL - 1) or the bridged frame unchanged."""
    from scapy.layers.inet6 import IPv6ExtHdrDestOpt
    from scapy.layers.l2 import GRE, Ether

    _, family, direction = case
    per_in = 2 if family == "gre-mirror" else 1
    if len(out) != per_in * len(in_frames):
        return "%d frames out for %d in" % (len(out), len(in_frames))
    outs = [bytes(fo) for fo in out]
    if family == "gre-mirror":
        ers = [o for o in outs if Ether(o).haslayer(GRE) and Ether(o)[GRE].proto == 0x22eb]
        outs = [o for o in outs if o not in ers]
        if len(ers) != len(in_frames):
            return "%d ERSPAN copies for %d frames" % (len(ers), len(in_frames))
        for i, (fi, eo) in enumerate(zip(in_frames, ers)):
            if not eo.endswith(bytes(fi)):
                return "ERSPAN copy %d does not end with the frame as received" % i
    for i, (fi, raw) in enumerate(zip(in_frames, outs)):
        e = Ether(raw)
        if direction == "decap":
            if family == "gretap":
                want = bytes(Ether(bytes(fi))[GRE].payload)
                if raw != want:
                    return "frame %d: bridged frame differs" % i
                continue
            if e.dst.lower() != LAN_HOST_MAC or e.src.lower() != LAN_MAC:
                return "frame %d: ethernet %s > %s" % (i, e.src, e.dst)
            got, want = bytes(e.payload), bytes(_fwd(Ether(bytes(fi))[GRE].payload))
        else:
            if e.dst.lower() != WAN_PEER_MAC or e.src.lower() != WAN_MAC:
                return "frame %d: ethernet %s > %s" % (i, e.src, e.dst)
            o = e.payload
            want_ends = (WAN6, WAN6_PEER) if family == "ip6gre" else (WAN4, WAN4_PEER)
            if (o.src, o.dst) != want_ends or not e.haslayer(GRE):
                return "frame %d: outer %s > %s, GRE %s" % (i, o.src, o.dst, e.haslayer(GRE))
            if family == "ip6gre" and not isinstance(o.payload, IPv6ExtHdrDestOpt):
                return "frame %d: no encapsulation limit option" % i
            g = e[GRE]
            if family == "gre-ksc" and not (g.key_present and g.seqnum_present and
                                            g.chksum_present):
                return "frame %d: GRE flags %s" % (i, g.summary())
            got = bytes(g.payload)
            if family == "gretap":
                want = bytes(fi)
            else:
                want = bytes(_fwd(Ether(bytes(fi)).payload))
        if got[:len(want)] != want:
            return "frame %d: inner packet differs" % i
    return None


def _fwd(inner, dec=1):
    """The inner packet after the forwarding decrement (dec hops)."""
    from scapy.layers.inet import IP
    inner = inner.copy()
    if isinstance(inner, IP):
        inner.ttl -= dec
        del inner.chksum
    else:
        inner.hlim -= dec
    return inner.__class__(bytes(inner))


# --------------------------------------------------------------------------
# DPDK telemetry


def runtime_dir(prefix):
    base = "/var/run/dpdk" if os.geteuid() == 0 else os.path.join(
        os.environ.get("XDG_RUNTIME_DIR", "/tmp"), "dpdk")
    return os.path.join(base, prefix)


class Telemetry:
    def __init__(self, prefix):
        self.path = os.path.join(runtime_dir(prefix), "dpdk_telemetry.v2")
        self.sock = None
        self.info = {}

    def connect(self, proc, timeout):
        """Connect to the telemetry socket of `proc` (checked by pid)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if proc.poll() is not None:
                return False
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
                s.settimeout(2.0)
                s.connect(self.path)
                info = json.loads(s.recv(4096))
                if info.get("pid") == proc.pid:
                    self.sock, self.info = s, info
                    return True
                s.close()
            except (OSError, ValueError):
                pass
            time.sleep(0.02)
        return False

    def cmd(self, c):
        self.sock.send(c.encode())
        return json.loads(self.sock.recv(1 << 17))

    def close(self):
        if self.sock:
            self.sock.close()
            self.sock = None

    def port_by_driver(self, proc, prefix, timeout=30.0):
        """Id of the port whose device name starts with `prefix`, waiting for
        it to be probed (tungw probes its ports after EAL init), or None."""
        end = time.monotonic() + timeout
        while proc.poll() is None and time.monotonic() < end:
            for pid in self.cmd("/ethdev/list").get("/ethdev/list") or []:
                info = self.cmd("/ethdev/info,%d" % pid).get("/ethdev/info") or {}
                if str(info.get("name", "")).startswith(prefix):
                    return pid
            time.sleep(0.02)
        return None

    def opackets(self, port):
        t0 = time.monotonic()
        v = self.cmd("/ethdev/stats,%d" % port)["/ethdev/stats"]["opackets"]
        t1 = time.monotonic()
        return (t0 + t1) / 2, v

    def port_stats(self, port):
        return self.cmd("/ethdev/stats,%d" % port)["/ethdev/stats"]

    def crypto_dequeued(self, dev=0):
        """Operations dequeued from crypto device dev (/cryptodev/stats)."""
        t0 = time.monotonic()
        v = self.cmd("/cryptodev/stats,%d" % dev)["/cryptodev/stats"]["dequeued_count"]
        t1 = time.monotonic()
        return (t0 + t1) / 2, v


def thread_cpu_ns(pid, tid):
    """(ns on CPU, ns runnable but waiting) of one thread, from schedstat."""
    with open("/proc/%d/task/%d/schedstat" % (pid, tid)) as f:
        on, wait = f.read().split()[:2]
    return int(on), int(wait)


def find_worker(pid):
    """The forwarding thread: the one EAL names rte-worker-N (lcore-worker-N
    in later DPDK); failing that, the thread that used the most CPU over
    0.1 s (the busy poller)."""
    def snap():
        out = {}
        for t in os.listdir("/proc/%d/task" % pid):
            try:
                with open("/proc/%d/task/%s/comm" % (pid, t)) as f:
                    out[int(t)] = (f.read().strip(), thread_cpu_ns(pid, int(t))[0])
            except OSError:
                pass
        return out
    a = snap()
    time.sleep(0.1)
    b = snap()
    best = max(((re.match(r"(rte|lcore)-worker", comm) is not None, on - a[tid][1], tid, comm)
                for tid, (comm, on) in b.items() if tid in a), default=None)
    if best is None:
        raise RuntimeError("no thread found in /proc/%d/task" % pid)
    return best[2], best[3]


def measure(tel, proc, port, prof, start_timeout=20.0, read=None):
    """Wait for the first transmitted packet, warm up, then sample the output
    port's opackets (or read(), a (time, count) pair: crypto-perf's
    dequeued operations) and the worker thread's CPU time over the window.
    Returns a dict or raises RuntimeError.

    mpps is packets per second of the worker's time on the CPU (schedstat),
    so a spell in which another process shares the worker's core does not
    lower it; wall_mpps is per second of wall-clock time; cpu_share is the
    ratio of the two (1.0 on a quiet host)."""
    if read is None:
        def read():
            return tel.opackets(port)
    end = time.monotonic() + start_timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError("exited (status %d) before forwarding" % proc.returncode)
        t, v = read()
        if v > 0:
            break
        if t > end:
            raise RuntimeError("no packet transmitted within %.0f s" % start_timeout)
        time.sleep(0.01)
    time.sleep(max(0.0, prof["warmup"] - 0.1))
    try:
        tid, comm = find_worker(proc.pid)  # takes 0.1 s
    except OSError as e:
        raise RuntimeError("reading /proc for the worker thread: %s" % e)

    def sample():
        cpu0 = thread_cpu_ns(proc.pid, tid)
        t, v = read()
        cpu1 = thread_cpu_ns(proc.pid, tid)
        return t, v, (cpu0[0] + cpu1[0]) / 2e9, (cpu0[1] + cpu1[1]) / 2e9

    try:
        samples = [sample()]
        t_end = samples[0][0] + prof["window"]
        while samples[-1][0] < t_end:
            time.sleep(max(0.0, min(prof["interval"], t_end - time.monotonic())))
            if proc.poll() is not None:
                raise RuntimeError("exited (status %d) while measured" % proc.returncode)
            samples.append(sample())
    except OSError as e:
        raise RuntimeError("reading /proc for the worker thread: %s" % e)
    a, b = samples[0], samples[-1]
    pkts, wall, cpu = b[1] - a[1], b[0] - a[0], b[2] - a[2]
    if pkts <= 0 or cpu <= 0:
        raise RuntimeError("no progress in the %.1f s window (%d counted, the worker %.2f s on "
                           "the CPU)" % (wall, pkts, cpu))
    steps = [(y[1] - x[1]) / (y[0] - x[0]) / 1e6 for x, y in zip(samples, samples[1:])]
    shares = [(y[2] - x[2]) / (y[0] - x[0]) for x, y in zip(samples, samples[1:])]
    return {"mpps": pkts / cpu / 1e6 if cpu > 0 else 0.0, "wall_mpps": pkts / wall / 1e6,
            "cpu_share": cpu / wall, "runq_wait_s": round(b[3] - a[3], 4),
            "seconds": wall, "cpu_seconds": cpu, "packets": pkts,
            "worker": "%d (%s)" % (tid, comm),
            "step_mpps": [round(x, 4) for x in steps],
            "step_cpu_share": [round(x, 3) for x in shares]}


def stop(proc, sig=signal.SIGINT, timeout=20.0):
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            return "killed after %s did not stop it in %.0f s" % (sig.name, timeout)
    return None


def spawn(cmd, logpath):
    with open(logpath, "w") as lf:
        return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=lf,
                                stderr=subprocess.STDOUT)


def tail(path, n=12):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return ""


# --------------------------------------------------------------------------
# The two kinds of run


def run_floor(pcap, logpath, prof):
    cmd = (["dpdk-testpmd"] + EAL_COMMON +
           ["--file-prefix", TP_PREFIX,
            "--vdev", "net_pcap0,rx_pcap=%s,infinite_rx=1" % pcap,
            "--vdev", "net_null0,no-rx=1", "--",
            "--forward-mode=io", "--stats-period", "1", "--nb-cores=1",
            "--rxq=1", "--txq=1"])
    res = {"ok": False}
    try:
        proc = spawn(cmd, logpath)
    except OSError as e:
        return {"ok": False, "error": "testpmd: %s" % e}
    tel = Telemetry(TP_PREFIX)
    try:
        if not tel.connect(proc, 30.0):
            raise RuntimeError("no telemetry socket")
        port = tel.port_by_driver(proc, "net_null")
        if port is None:
            raise RuntimeError("no net_null port in /ethdev/list")
        res.update(measure(tel, proc, port, prof))
        res["dpdk"] = tel.info.get("version")
        res["ok"] = True
    except RuntimeError as e:
        res["error"] = "testpmd: %s\n%s" % (e, tail(logpath))
    finally:
        tel.close()
        err = stop(proc)
        if err and res["ok"]:
            res["warning"] = err
    # testpmd's own view, for cross-checking: its per-period Tx-pps lines.
    try:
        with open(logpath, errors="replace") as f:
            pps = [int(x) for x in re.findall(r"Tx-pps:\s+(\d+)", f.read())]
        res["testpmd_tx_pps"] = [p for p in pps if p > 0]
    except OSError:
        pass
    return res


def tungw_cmd(tungw, cfg, stats_json, extra):
    return ([tungw] + EAL_COMMON + ["--file-prefix", TGW_PREFIX, "--", "-c", cfg,
                                     "--stats-json", stats_json] + extra)


def read_stats(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def stats_summary(st, in_port, out_port):
    """A few fields of the SPEC §5 counters for the record."""
    ports = st.get("ports", {})
    return {"in_rx_packets": ports.get(in_port, {}).get("rx_packets"),
            "out_tx_packets": ports.get(out_port, {}).get("tx_packets"),
            "out_tx_dropped": ports.get(out_port, {}).get("tx_dropped"),
            "rx_missed": ports.get(in_port, {}).get("rx_missed"),
            "tunnels": st.get("tunnels"), "drops": st.get("drops")}


def run_tungw(tungw, cfg, stats_json, logpath, prof, in_port, out_port):
    res = {"ok": False}
    dur = int(math.ceil(prof["warmup"] + prof["window"] + 15))
    cmd = tungw_cmd(tungw, cfg, stats_json, ["--duration", str(dur)])
    if os.path.exists(stats_json):
        os.unlink(stats_json)
    try:
        proc = spawn(cmd, logpath)
    except OSError as e:
        return {"ok": False, "error": "tungw: %s" % e}
    tel = Telemetry(TGW_PREFIX)
    try:
        if not tel.connect(proc, 30.0):
            if proc.poll() is not None:
                raise RuntimeError("exited with status %d at start-up" % proc.returncode)
            raise RuntimeError("no telemetry socket at %s" % tel.path)
        port = tel.port_by_driver(proc, "net_null")
        if port is None:
            raise RuntimeError("no net_null port in /ethdev/list")
        res.update(measure(tel, proc, port, prof))
        res["ok"] = True
    except RuntimeError as e:
        res["error"] = "tungw: %s\n%s" % (e, tail(logpath))
    finally:
        tel.close()
        err = stop(proc)
    res["exit_status"] = proc.returncode
    if err:
        res["warning"] = err
    elif proc.returncode != 0 and res["ok"]:
        res["warning"] = "tungw exit status %d after SIGINT\n%s" % (proc.returncode,
                                                                    tail(logpath))
    st = read_stats(stats_json)
    if st is None:
        res["stats_json"] = "missing or not JSON"
    else:
        s = stats_summary(st, in_port, out_port)
        res["stats_json"] = s
        # SPEC §5: tx_packets comes from rte_eth_stats; it can only be at least
        # what telemetry saw during the window.
        if res["ok"] and (s["out_tx_packets"] or 0) < res["packets"]:
            res["warning"] = ("stats-json %s.tx_packets %s is below the %d packets seen "
                              "by telemetry in the window" % (out_port, s["out_tx_packets"],
                                                              res["packets"]))
        elif res["ok"] and (s["out_tx_packets"] or 0) < 0.99 * (s["in_rx_packets"] or 0):
            res["warning"] = ("only %s of %s received packets left %s (drops %s)" % (
                s["out_tx_packets"], s["in_rx_packets"], out_port, json.dumps(s["drops"])))
    return res


def run_tungw_check(tungw, case, frames, pcap, work, size):
    """One pass of the pcap (no infinite_rx) into a tx pcap, then check_output."""
    _, family, direction = case
    tag = "%s-%d" % (case[0], size)
    outp = os.path.join(work, "%s-check-out.pcap" % tag)
    if os.path.exists(outp):
        os.unlink(outp)
    cfg = make_config(family, direction, "net_pcap0,rx_pcap=%s" % pcap,
                      "net_pcap1,tx_pcap=%s" % outp)
    cfgp = os.path.join(work, "%s-check.json" % tag)
    with open(cfgp, "w") as f:
        json.dump(cfg, f, indent=2)
    sj = os.path.join(work, "%s-check-stats.json" % tag)
    logp = os.path.join(work, "%s-check.log" % tag)
    try:
        proc = spawn(tungw_cmd(tungw, cfgp, sj, ["--idle-exit", "500", "--duration", "20"]),
                     logp)
    except OSError as e:
        return "tungw: %s" % e
    try:
        proc.wait(40)
    except subprocess.TimeoutExpired:
        stop(proc)
    if proc.returncode != 0:
        return "tungw exit status %d\n%s" % (proc.returncode, tail(logp))
    why = check_output(case, frames, outp)
    if why:
        st = read_stats(sj)
        if st is not None:
            why += "; drops %s" % json.dumps(st.get("drops"))
    return why


# --------------------------------------------------------------------------
# The IPsec peers: DPDK's ipsec-secgw and dpdk-test-crypto-perf

SECGW_PREFIX = "bench_sgw_%d" % os.getpid()
CPERF_PREFIX = "bench_cperf_%d" % os.getpid()
SECGW_BUILD_SCRIPT = os.path.join(REPO_DIR, "tests", "interop", "build_secgw.sh")
SECGW_TEMPLATE = os.path.join(REPO_DIR, "tests", "interop", "secgw", "gateway.cfg.in")
# ipsec-secgw's software paths (docs/interop.md): its options, the SA rule suffix, and how
# much it lowers the inner TTL (its legacy path decrements it, librte_ipsec does not).
SECGW_MODES = {
    "legacy": ([], "", 1),
    "libipsec": (["-l"], "", 0),
    "cpu-crypto": (["-l"], " type cpu-crypto", 0),
}
# More operations than a run needs at 40 Mops (it is stopped with SIGTERM once measured), and
# no more: crypto-perf's runner first makes --total-ops empty enqueue calls (~12 s per 10^9).
CPERF_TOTAL_OPS = 200000000


def build_secgw(build_dir):
    """tests/interop/build_secgw.sh: ipsec-secgw from the dpdk-doc sources (quick when built)."""
    p = subprocess.run(["bash", SECGW_BUILD_SCRIPT, build_dir], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, errors="replace")
    if p.returncode != 0:
        raise RuntimeError((p.stderr or p.stdout).strip()[-1500:])
    return p.stdout.strip().splitlines()[-1]


def secgw_config(family, direction, mode):
    """ipsec-secgw in tungw's place (192.0.2.1, protecting 10.1.0.0/24, the same SAs and
    keys). Port 0 is the input (net_pcap), port 1 the output."""
    wan_port, lan_port = (1, 0) if direction == "encap" else (0, 1)
    with open(SECGW_TEMPLATE) as f:
        tmpl = f.read()
    return tmpl.format(local=WAN4, remote=WAN4_PEER, local_net=LAN4_HOST.rsplit(".", 1)[0] +
                       ".0/24", remote_net=FAR4 + "0/24", spi_out=ESP_SPI_OUT,
                       spi_in=ESP_SPI_IN, algo=ESP_FAMILIES[family][2],
                       sa_extra=SECGW_MODES[mode][1], wan_port=wan_port, lan_port=lan_port,
                       remote_mac=WAN_PEER_MAC, host_mac=LAN_HOST_MAC)


def secgw_cmd(binary, direction, mode, in_dev, out_dev, cfgp):
    """One lcore (-l 1), which is its main lcore and runs the poll loop: ipsec-secgw opens a
    TX queue per lcore on every port, and net_pcap has one."""
    unprotected = 0x2 if direction == "encap" else 0x1
    return ([binary, "-l", "1"] + EAL_COMMON[2:] +
            ["--file-prefix", SECGW_PREFIX, "--vdev", in_dev, "--vdev", out_dev,
             "--vdev", "crypto_aesni_mb0", "--", "-p", "0x3", "-P", "-u", "%#x" % unprotected,
             "--config", "(0,0,1),(1,0,1)", "-f", cfgp] + SECGW_MODES[mode][0])


def _write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def run_secgw(binary, case, mode, pcap, work, tag, prof):
    """ipsec-secgw net_pcap(infinite_rx) -> net_null, measured as testpmd and tungw are."""
    _, family, direction = case
    cfgp = _write(os.path.join(work, "%s-secgw-%s.cfg" % (tag, mode)),
                  secgw_config(family, direction, mode))
    logpath = os.path.join(work, "%s-secgw-%s.log" % (tag, mode))
    cmd = secgw_cmd(binary, direction, mode, "net_pcap0,rx_pcap=%s,infinite_rx=1" % pcap,
                    "net_null0,no-rx=1", cfgp)
    res = {"ok": False, "mode": mode}
    shutil.rmtree(runtime_dir(SECGW_PREFIX), ignore_errors=True)
    try:
        proc = spawn(cmd, logpath)
    except OSError as e:
        return dict(res, error="ipsec-secgw: %s" % e)
    tel = Telemetry(SECGW_PREFIX)
    try:
        if not tel.connect(proc, 30.0):
            raise RuntimeError("no telemetry socket (exit status %s)" % proc.poll())
        port = tel.port_by_driver(proc, "net_null")
        if port is None:
            raise RuntimeError("no net_null port in /ethdev/list")
        res.update(measure(tel, proc, port, prof))
        res["ok"] = True
    except RuntimeError as e:
        res["error"] = "ipsec-secgw %s: %s\n%s" % (mode, e, tail(logpath))
    finally:
        tel.close()
        err = stop(proc)
    res["exit_status"] = proc.returncode
    if err:
        res["warning"] = err
    elif proc.returncode != 0 and res["ok"]:
        res["warning"] = "ipsec-secgw exit status %d after SIGINT" % proc.returncode
    return res


def run_secgw_check(binary, case, mode, frames, pcap, work, size):
    """One pass of the pcap through ipsec-secgw into a tx pcap, then check_secgw."""
    from scapy.utils import rdpcap
    _, family, direction = case
    tag = "%s-%d-secgw-%s" % (case[0], size, mode)
    outp = os.path.join(work, tag + "-check-out.pcap")
    empty = os.path.join(work, "empty.pcap")
    with open(empty, "wb") as f:  # a pcap header and no frame
        f.write(bytes.fromhex("d4c3b2a1020004000000000000000000ffff000001000000"))
    for p in (outp,):
        if os.path.exists(p):
            os.unlink(p)
    cfgp = _write(os.path.join(work, tag + "-check.cfg"), secgw_config(family, direction, mode))
    logp = os.path.join(work, tag + "-check.log")
    cmd = secgw_cmd(binary, direction, mode, "net_pcap0,rx_pcap=%s" % pcap,
                    "net_pcap1,rx_pcap=%s,tx_pcap=%s" % (empty, outp), cfgp)
    shutil.rmtree(runtime_dir(SECGW_PREFIX), ignore_errors=True)
    try:
        proc = spawn(cmd, logp)
    except OSError as e:
        return "ipsec-secgw: %s" % e
    tel = Telemetry(SECGW_PREFIX)
    why = None
    try:
        if not tel.connect(proc, 30.0):
            why = "ipsec-secgw: no telemetry socket (exit status %s)" % proc.poll()
        else:
            # every frame received, then the output complete (or still for 0.5 s)
            end = time.monotonic() + 30
            last, since = None, time.monotonic()
            while time.monotonic() < end and proc.poll() is None:
                rx = tel.port_stats(0)["ipackets"]
                tx = tel.port_stats(1)["opackets"]
                if tx != last:
                    last, since = tx, time.monotonic()
                if rx >= len(frames) and (tx >= len(frames) or
                                          time.monotonic() - since > 0.5):
                    break
                time.sleep(0.05)
            else:
                why = "ipsec-secgw did not drain the pcap (exit status %s)" % proc.poll()
    except (OSError, ValueError, KeyError) as e:
        why = "ipsec-secgw telemetry: %r" % e
    finally:
        tel.close()
        err = stop(proc)
    if why or err or proc.returncode != 0:
        return "%s\n%s" % (why or err or "exit status %d" % proc.returncode, tail(logp))
    if not os.path.exists(outp):
        return "no output pcap"
    return check_secgw(case, mode, frames, rdpcap(outp))


def check_secgw(case, mode, in_frames, out):
    """ipsec-secgw's output: encap decrypts in scapy to the input's inner packet, decap is the
    input's inner packet (each with the TTL its path leaves), one frame per frame, in order."""
    from scapy.layers.inet import IP
    from scapy.layers.l2 import Ether

    _, family, direction = case
    if len(out) != len(in_frames):
        return "%d frames out for %d in" % (len(out), len(in_frames))
    dec = SECGW_MODES[mode][2]
    sa = esp_sa(family, ESP_SPI_OUT)
    for i, (fi, fo) in enumerate(zip(in_frames, out)):
        e = Ether(bytes(fo))
        if direction == "decap":
            want = esp_sa(family, ESP_SPI_IN).decrypt(Ether(bytes(fi))[IP])
            if e.dst.lower() != LAN_HOST_MAC:
                return "frame %d: ethernet to %s" % (i, e.dst)
            if bytes(e.payload) != bytes(_fwd(want, dec)):
                return "frame %d: inner packet differs" % i
            continue
        if not e.haslayer(IP) or (e[IP].src, e[IP].dst, e[IP].proto) != (WAN4, WAN4_PEER, 50):
            return "frame %d: outer is not ESP %s > %s" % (i, WAN4, WAN4_PEER)
        if e.dst.lower() != WAN_PEER_MAC:
            return "frame %d: ethernet to %s" % (i, e.dst)
        try:
            got = bytes(sa.decrypt(IP(bytes(e[IP]))))
        except Exception as ex:  # scapy raises on a bad ICV
            return "frame %d: scapy cannot decrypt: %s" % (i, ex)
        if got != bytes(_fwd(Ether(bytes(fi)).payload, dec)):
            return "frame %d: decrypted inner packet differs" % i
    return None


def ceiling_buffer(family, frame_bytes):
    """dpdk-test-crypto-perf's buffer: the frame size, rounded up to the AES block for CBC
    (crypto-perf refuses a CBC buffer that is not a multiple of 16)."""
    if ESP_FAMILIES[family][3]["optype"] == "chain":
        return (frame_bytes + 15) // 16 * 16
    return frame_bytes


def cbc_vector(family, buf, work):
    """A crypto-perf test vector file for CBC + HMAC decrypt/verify (crypto-perf demands one
    for --auth-op verify): ciphertext of buf bytes and its true truncated HMAC, so every
    operation verifies."""
    import hashlib
    import hmac
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    c = ESP_FAMILIES[family][3]
    iv = bytes(range(16))
    pt = bytes((i * 7 + 3) & 0xff for i in range(buf))
    enc = Cipher(algorithms.AES(c["cipher_key"]), modes.CBC(iv)).encryptor()
    ct = enc.update(pt) + enc.finalize()
    h = hashlib.sha1 if c["--auth-algo"] == "sha1-hmac" else hashlib.sha256
    digest = hmac.new(c["auth_key"], ct, h).digest()[:c["--digest-sz"]]

    def entry(k, b):
        vals = ["0x%02x" % x for x in b]
        return "%s =\n%s\n" % (k, ",\n".join(", ".join(vals[i:i + 16])
                                             for i in range(0, len(vals), 16)))
    path = os.path.join(work, "cperf-%s-%d.data" % (family, buf))
    _write(path, "# tungw bench: %s decrypt + verify, %d bytes\n" % (family, buf) +
           entry("plaintext", pt) + entry("ciphertext", ct) + entry("cipher_key", c["cipher_key"]) +
           entry("cipher_iv", iv) + entry("auth_key", c["auth_key"]) + entry("digest", digest))
    return path


def cperf_args(family, direction, buf, work):
    c = ESP_FAMILIES[family][3]
    opts = [x for k, v in c.items() if k.startswith("--") for x in (k, str(v))]
    if c["optype"] == "aead":
        return ["--optype", "aead", "--aead-op",
                "encrypt" if direction == "encap" else "decrypt"] + opts
    if direction == "encap":
        return ["--optype", "cipher-then-auth", "--cipher-op", "encrypt",
                "--auth-op", "generate"] + opts
    return ["--optype", "auth-then-cipher", "--cipher-op", "decrypt", "--auth-op", "verify",
            "--test-file", cbc_vector(family, buf, work)] + opts


def run_ceiling(case, buf, work, tag, prof):
    """dpdk-test-crypto-perf throughput on crypto_aesni_mb, one worker lcore, the case's
    transform on buf-byte buffers; its dequeued operations read through telemetry
    (/cryptodev/stats) over the same window as the other runs."""
    _, family, direction = case
    logpath = os.path.join(work, tag + "-cperf.log")
    cmd = (["dpdk-test-crypto-perf"] + EAL_COMMON +
           ["--file-prefix", CPERF_PREFIX, "--vdev", "crypto_aesni_mb0", "--",
            "--ptest", "throughput", "--devtype", "crypto_aesni_mb", "--burst-sz", "32",
            "--buffer-sz", str(buf), "--total-ops", str(CPERF_TOTAL_OPS), "--silent"] +
           cperf_args(family, direction, buf, work))
    res = {"ok": False, "buffer_bytes": buf}
    shutil.rmtree(runtime_dir(CPERF_PREFIX), ignore_errors=True)
    try:
        proc = spawn(cmd, logpath)
    except OSError as e:
        return dict(res, error="dpdk-test-crypto-perf: %s" % e)
    tel = Telemetry(CPERF_PREFIX)
    try:
        if not tel.connect(proc, 30.0):
            raise RuntimeError("no telemetry socket (exit status %s)" % proc.poll())
        res.update(measure(tel, proc, None, prof, read=tel.crypto_dequeued))
        res["gbps"] = res["mpps"] * buf * 8 / 1e3
        res["ok"] = True
    except (RuntimeError, OSError, ValueError, KeyError) as e:
        res["error"] = "dpdk-test-crypto-perf: %r\n%s" % (e, tail(logpath))
    finally:
        tel.close()
        stop(proc, signal.SIGTERM)   # no SIGINT handler (and SIGINT may be inherited ignored)
    return res


# --------------------------------------------------------------------------
# Clock


def tsc_hz(work):
    """TSC frequency: rdtsc against CLOCK_MONOTONIC_RAW over 200 ms (median of
    three), falling back to /proc/cpuinfo "cpu MHz"."""
    cpuinfo_hz = None
    try:
        with open("/proc/cpuinfo") as f:
            m = re.search(r"^cpu MHz\s*:\s*([\d.]+)", f.read(), re.M)
            if m:
                cpuinfo_hz = float(m.group(1)) * 1e6
    except OSError:
        pass
    src = os.path.join(work, "tsc.c")
    exe = os.path.join(work, "tsc")
    with open(src, "w") as f:
        f.write(r"""
#include <stdio.h>
#include <time.h>
#include <x86intrin.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC_RAW, &t);
	return t.tv_sec + t.tv_nsec / 1e9; }
int main(void) { double a = now(), b; unsigned long long t0 = __rdtsc(), t1;
	do { b = now(); } while (b - a < 0.2); t1 = __rdtsc();
	printf("%.0f\n", (t1 - t0) / (b - a)); return 0; }
""")
    measured = None
    try:
        subprocess.run(["cc", "-O2", "-o", exe, src], check=True, capture_output=True)
        vals = sorted(float(subprocess.run([exe], check=True, capture_output=True,
                                           text=True).stdout) for _ in range(3))
        measured = vals[1]
    except (OSError, subprocess.CalledProcessError, ValueError):
        pass
    hz = measured or cpuinfo_hz
    return {"hz": hz, "source": "rdtsc vs CLOCK_MONOTONIC_RAW" if measured else
            "/proc/cpuinfo cpu MHz", "rdtsc_hz": measured, "cpuinfo_hz": cpuinfo_hz}


# --------------------------------------------------------------------------
# Reports


def cyc(hz, mpps):
    return hz / (mpps * 1e6) if mpps else None


def summarize(results, hz):
    rows = []
    for r in results:
        fl = [x["mpps"] for x in r["floor"] if x.get("ok")]
        tg = [x["mpps"] for x in r["tungw"] if x.get("ok")]
        row = {"case": r["case"], "size": r["size"], "frame_bytes": r["frame_bytes"],
               "floor_mpps": statistics.median(fl) if fl else None,
               "tungw_mpps": statistics.median(tg) if tg else None,
               "floor_n": len(fl), "tungw_n": len(tg),
               "floor_spread": (max(fl) / min(fl) - 1) if fl and min(fl) > 0 else None,
               "tungw_spread": (max(tg) / min(tg) - 1) if tg and min(tg) > 0 else None}
        if "check" in r:
            row["check"] = r["check"]
        for kind in ("floor", "tungw"):
            ok = [x for x in r[kind] if x.get("ok")]
            row[kind + "_wall_mpps"] = statistics.median(x["wall_mpps"] for x in ok) if ok else None
            row[kind + "_cpu_share"] = statistics.median(x["cpu_share"] for x in ok) if ok else None
        row["floor_cyc"] = cyc(hz, row["floor_mpps"])
        row["tungw_cyc"] = cyc(hz, row["tungw_mpps"])
        row["extra_cyc"] = (row["tungw_cyc"] - row["floor_cyc"]
                            if row["tungw_cyc"] and row["floor_cyc"] else None)
        row["ratio"] = (row["tungw_mpps"] / row["floor_mpps"]
                        if row["tungw_mpps"] and row["floor_mpps"] else None)
        if "secgw" in r:
            summarize_peers(r, row)
        rows.append(row)
    return rows


def summarize_peers(r, row):
    """ipsec-secgw: the median of each mode; its best is the highest median among the modes
    whose output check passed. The ceiling: crypto-perf's median."""
    by_mode = {}
    for m, why in r["secgw_check"].items():
        got = [x["mpps"] for x in r["secgw"] if x.get("ok") and x["mode"] == m]
        by_mode[m] = {"mpps": statistics.median(got) if got else None, "n": len(got),
                      "check": why}
    good = {m: v["mpps"] for m, v in by_mode.items() if v["mpps"] and not v["check"]}
    best = max(good, key=good.get) if good else None
    ce = [x for x in r["ceiling"] if x.get("ok")]
    row.update({
        "secgw_modes": by_mode, "secgw_mode": best,
        "secgw_mpps": good[best] if best else None,
        "secgw_cpu_share": statistics.median(x["cpu_share"] for x in r["secgw"]
                                             if x.get("ok") and x["mode"] == best)
        if best else None,
        "ceiling_mpps": statistics.median(x["mpps"] for x in ce) if ce else None,
        "ceiling_gbps": statistics.median(x["gbps"] for x in ce) if ce else None,
        "ceiling_cpu_share": statistics.median(x["cpu_share"] for x in ce) if ce else None,
        "ceiling_buffer": r["ceiling_buffer"], "ceiling_n": len(ce)})
    t = row["tungw_mpps"]
    row["tungw_secgw"] = t / row["secgw_mpps"] if t and row["secgw_mpps"] else None
    row["tungw_ceiling"] = t / row["ceiling_mpps"] if t and row["ceiling_mpps"] else None


def fmt(v, spec):
    return "n/a" if v is None else format(v, spec)


def markdown(rows, meta):
    out = ["# tungw benchmark %s" % meta["date"], "",
           "net_pcap (infinite_rx) -> net_null, one worker lcore; medians of %d run(s) of "
           "%.1f s each (after %.1f s warm-up). Cycles are TSC cycles at %.0f MHz (%s). "
           "Floor: dpdk-testpmd io forwarding on the same pcap." % (
               meta["profile"]["repeats"], meta["profile"]["window"],
               meta["profile"]["warmup"], meta["tsc"]["hz"] / 1e6, meta["tsc"]["source"]),
           "",
           "| case | frame B | tungw Mpps | tungw cyc/pkt | floor Mpps | floor cyc/pkt "
           "| tungw - floor cyc/pkt | tungw/floor | spread tungw/floor | CPU share tungw/floor "
           "| output check |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        size = str(r["frame_bytes"]) if r["frame_bytes"] == r["size"] else "%d (%d asked)" % (
            r["frame_bytes"], r["size"])
        spread = "%s / %s" % (fmt(r["tungw_spread"] and r["tungw_spread"] * 100, ".0f") + "%"
                              if r["tungw_spread"] is not None else "n/a",
                              fmt(r["floor_spread"] and r["floor_spread"] * 100, ".0f") + "%"
                              if r["floor_spread"] is not None else "n/a")
        if "check" not in r:
            check = "not run"
        else:
            check = r["check"].splitlines()[0][:100] if r["check"] else "ok"
        share = "%s / %s" % (fmt(r["tungw_cpu_share"], ".2f"), fmt(r["floor_cpu_share"], ".2f"))
        out.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["case"], size, fmt(r["tungw_mpps"], ".2f"), fmt(r["tungw_cyc"], ".1f"),
            fmt(r["floor_mpps"], ".2f"), fmt(r["floor_cyc"], ".1f"),
            fmt(r["extra_cyc"], "+.1f"), fmt(r["ratio"], ".2f"), spread, share, check))
    out.append("")
    out.append("Mpps = packets sent by the output port / seconds its forwarding thread was on "
               "the CPU (schedstat); CPU share = that time / wall time (1.00 on a quiet host; "
               "wall-clock Mpps = Mpps x share, in the JSON). spread: max/min - 1 over the "
               "repeats. Sizes too small for the headers are replaced by the smallest frame "
               "that holds them.")
    ipsec = [r for r in rows if "secgw_mpps" in r]
    if ipsec:
        out += [""] + markdown_ipsec(ipsec)
    return "\n".join(out) + "\n"


def markdown_ipsec(rows):
    out = ["## IPsec: tungw against ipsec-secgw and the crypto ceiling", "",
           "Same run, same pcaps. secgw: DPDK's ipsec-secgw example, one lcore, crypto_aesni_mb, "
           "its fastest path per case among those whose output passed the check (the others in "
           "brackets). Ceiling: dpdk-test-crypto-perf throughput, crypto_aesni_mb, one worker "
           "lcore, the same transform on buffers of the frame size (CBC: rounded up to 16).",
           "",
           "| case | size | floor Mpps | tungw Mpps | tungw/floor | secgw Mpps | tungw/secgw "
           "| ceiling Mpps | tungw/ceiling | secgw mode (others) | ceiling Gbit/s (buffer B) "
           "| checks tungw / secgw |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|"]
    for r in rows:
        size = str(r["frame_bytes"]) if r["frame_bytes"] == r["size"] else "%d (%d asked)" % (
            r["frame_bytes"], r["size"])
        others = ", ".join("%s %s" % (m, fmt(v["mpps"], ".2f") if not v["check"] else
                                      "check failed")
                           for m, v in r["secgw_modes"].items() if m != r["secgw_mode"])
        bad = [m for m, v in r["secgw_modes"].items() if v["check"]]
        checks = "%s / %s" % ("not run" if "check" not in r else
                              ("ok" if not r["check"] else "FAILED"),
                              "ok" if not bad else "failed: " + ", ".join(bad))
        out.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            r["case"], size, fmt(r["floor_mpps"], ".2f"), fmt(r["tungw_mpps"], ".2f"),
            fmt(r["ratio"], ".2f"), fmt(r["secgw_mpps"], ".2f"), fmt(r["tungw_secgw"], ".2f"),
            fmt(r["ceiling_mpps"], ".2f"), fmt(r["tungw_ceiling"], ".2f"),
            "%s (%s)" % (r["secgw_mode"] or "none", others or "-"),
            "%s (%d)" % (fmt(r["ceiling_gbps"], ".1f"), r["ceiling_buffer"]), checks))
    out.append("")
    t64 = [r for r in rows if r["size"] == 64 and r["tungw_secgw"]]
    gcm = [r for r in rows if r["size"] == 1400 and r["tungw_ceiling"] and
           r["case"].startswith("esp-gcm")]
    if t64 or gcm:
        out.append("Targets (issue 5, one worker): tungw >= 1.5 x ipsec-secgw at 64 B: %s. "
                   "AES-GCM at 1400 B >= 0.8 x the ceiling: %s." % (
                       ", ".join("%s %.2f %s" % (r["case"], r["tungw_secgw"],
                                                 "met" if r["tungw_secgw"] >= 1.5 else "not met")
                                 for r in t64) or "not measured",
                       ", ".join("%s %.2f %s" % (r["case"], r["tungw_ceiling"],
                                                 "met" if r["tungw_ceiling"] >= 0.8
                                                 else "not met") for r in gcm)
                       or "not measured"))
    return out


def chart(rows, path, meta):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = sorted({r["size"] for r in rows})
    cases = [c[0] for c in CASES if any(r["case"] == c[0] for r in rows)]
    fig, axes = plt.subplots(1, len(sizes), figsize=(5.5 * len(sizes), 4.8), squeeze=False)
    for ax, size in zip(axes[0], sizes):
        sel = {r["case"]: r for r in rows if r["size"] == size}
        xs = list(range(len(cases)))
        series = [(k, label, color) for k, label, color in (
            ("tungw_mpps", "tungw", "#1f77b4"), ("floor_mpps", "floor (testpmd io)", "#bbbbbb"),
            ("secgw_mpps", "ipsec-secgw (best path)", "#ff7f0e"),
            ("ceiling_mpps", "crypto ceiling (crypto-perf)", "#2ca02c"))
            if any((r.get(k) or 0) > 0 for r in rows)]
        w = 0.8 / len(series)
        allbars, tg, fl = [], [], []
        for j, (k, label, color) in enumerate(series):
            vals = [(sel.get(c) or {}).get(k) or 0 for c in cases]
            tg += vals
            allbars.append(ax.bar([x - 0.4 + w * (j + 0.5) for x in xs], vals, w, label=label,
                                  color=color))
        for bars in allbars:
            for b in bars:
                if b.get_height() <= 0:
                    continue
                ax.annotate("%.1f" % b.get_height(), (b.get_x() + b.get_width() / 2,
                                                      b.get_height()),
                            ha="center", va="bottom", fontsize=7)
        ax.set_xticks(xs)
        ax.set_xticklabels([c if (sel.get(c) or {}).get("frame_bytes", size) == size else
                            "%s (%d B)" % (c, sel[c]["frame_bytes"]) for c in cases],
                           rotation=30, ha="right", fontsize=8)
        ax.set_title("%d-byte frames" % size)
        ax.set_ylabel("Mpps (per CPU-second of the worker)")
        ax.set_ylim(0, max(tg + fl + [1]) * 1.22)
        ax.grid(axis="y", alpha=0.3)
    axes[0][0].legend(fontsize=8, loc="upper center", ncol=2)
    fig.suptitle("tungw %s: net_pcap -> net_null, 1 worker lcore, medians of %d" % (
        meta["date"], meta["profile"]["repeats"]))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# --------------------------------------------------------------------------


def git_rev():
    try:
        return subprocess.run(["git", "-C", REPO_DIR, "describe", "--always", "--dirty"],
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="1 repeat, 1 s windows")
    ap.add_argument("--self-test", action="store_true",
                    help="ipip-encap and esp-gcm128-encap (with its peers) at 64 bytes only, "
                    "about 2 s per run; checks the harness works (no speed assertion)")
    ap.add_argument("--tungw", default=DEFAULT_TUNGW, help="gateway binary [%(default)s]")
    ap.add_argument("--out", help="results directory [bench/results; "
                    "bench/work/selftest for --self-test]")
    ap.add_argument("--work", default=os.path.join(BENCH_DIR, "work"),
                    help="scratch directory for pcaps, configs, logs [%(default)s]")
    ap.add_argument("--cases", help="comma-separated subset of: " +
                    ",".join(c[0] for c in CASES))
    ap.add_argument("--sizes", help="comma-separated frame sizes [64,512,1400]")
    ap.add_argument("--repeats", type=int, help="runs of each kind per case and size")
    ap.add_argument("--window", type=float, help="measured seconds per run")
    ap.add_argument("--floor-only", action="store_true", help="skip tungw runs")
    ap.add_argument("--no-peers", action="store_true",
                    help="ESP cases without ipsec-secgw and dpdk-test-crypto-perf")
    ap.add_argument("--secgw", help="ipsec-secgw binary [built by tests/interop/build_secgw.sh "
                    "into build/secgw]")
    ap.add_argument("--secgw-modes", default=",".join(SECGW_MODES),
                    help="ipsec-secgw paths to measure; the best is reported [%(default)s]")
    args = ap.parse_args()

    pname = "self-test" if args.self_test else "quick" if args.quick else "full"
    prof = dict(PROFILES[pname])
    if args.repeats:
        prof["repeats"] = args.repeats
    if args.window:
        prof["window"] = args.window
    cases = CASES
    sizes = SIZES
    if args.self_test:
        cases, sizes = [c for c in CASES if c[0] in ("ipip-encap", "esp-gcm128-encap")], [64]
    if args.cases:
        want = args.cases.split(",")
        unknown = set(want) - {c[0] for c in CASES}
        if unknown:
            ap.error("unknown case(s): %s" % ", ".join(sorted(unknown)))
        cases = [c for c in CASES if c[0] in want]
    if args.sizes:
        sizes = [int(s) for s in args.sizes.split(",")]
    modes = args.secgw_modes.split(",")
    if set(modes) - set(SECGW_MODES):
        ap.error("unknown ipsec-secgw mode(s): %s" % ", ".join(sorted(set(modes) -
                                                                   set(SECGW_MODES))))

    if not shutil.which("dpdk-testpmd"):
        sys.exit("bench: dpdk-testpmd not on PATH (apt-get install dpdk)")
    do_tungw = not args.floor_only
    if do_tungw and not os.access(args.tungw, os.X_OK):
        sys.exit("bench: no tungw binary at %s (ninja -C build, or --tungw PATH, "
                 "or --floor-only)" % args.tungw)
    tungw_src = os.path.abspath(args.tungw)
    peers = not args.no_peers and any(c[1] in ESP_FAMILIES for c in cases)
    secgw, secgw_sha = None, None
    if peers:
        if not shutil.which("dpdk-test-crypto-perf"):
            sys.exit("bench: dpdk-test-crypto-perf not on PATH (apt-get install dpdk), "
                     "or --no-peers")
        try:
            secgw = os.path.abspath(args.secgw or build_secgw(os.path.join(REPO_DIR, "build")))
        except RuntimeError as e:
            sys.exit("bench: ipsec-secgw cannot be built (or --no-peers):\n%s" % e)
        with open(secgw, "rb") as f:
            secgw_sha = hashlib.sha256(f.read()).hexdigest()

    work = os.path.abspath(args.work)
    os.makedirs(work, exist_ok=True)
    # Run a snapshot of the binary, so that a rebuild during the run (ninja
    # rewrites build/app/tungw/tungw) neither breaks nor mixes versions.
    tungw, tungw_sha = None, None
    if do_tungw:
        tungw = os.path.join(work, "tungw.bin")
        shutil.copy2(tungw_src, tungw)
        with open(tungw, "rb") as f:
            tungw_sha = hashlib.sha256(f.read()).hexdigest()
    outdir = args.out or (os.path.join(work, "selftest") if args.self_test
                          else os.path.join(BENCH_DIR, "results"))
    os.makedirs(outdir, exist_ok=True)

    date = datetime.date.today().isoformat()
    stem = date + ("-quick" if pname == "quick" else "")
    t_start = time.monotonic()
    tsc = tsc_hz(work)
    log("bench: TSC %.0f MHz (%s); profile %s %s" % (tsc["hz"] / 1e6, tsc["source"], pname,
                                                      prof))

    # Inputs, configurations and a correctness pass per case.
    results = []
    frames_of = {}
    for case in cases:
        name, family, direction = case
        for size in sizes:
            frames, actual = make_frames(case, size)
            pcap = os.path.join(work, "%s-%d.pcap" % (name, size))
            write_pcap(pcap, frames)
            frames_of[(name, size)] = frames
            cfg = make_config(family, direction,
                              "net_pcap0,rx_pcap=%s,infinite_rx=1" % pcap, "net_null0,no-rx=1")
            cfgp = os.path.join(work, "%s-%d.json" % (name, size))
            with open(cfgp, "w") as f:
                json.dump(cfg, f, indent=2)
            results.append({"case": name, "size": size, "frame_bytes": actual, "pcap": pcap,
                            "config": cfgp, "packets_in_pcap": len(frames),
                            "in_port": "lan0" if direction == "encap" else "wan0",
                            "out_port": "wan0" if direction == "encap" else "lan0",
                            "floor": [], "tungw": []})
            if peers and family in ESP_FAMILIES:
                results[-1].update(secgw=[], ceiling=[], secgw_check={},
                                   ceiling_buffer=ceiling_buffer(family, actual))
    if do_tungw:
        # Output check on the smallest and the largest frame of each case (the
        # headers are the same at every size; the ends catch padding and MTU).
        for case in cases:
            mine = [r for r in results if r["case"] == case[0]]
            for r in {id(x): x for x in (min(mine, key=lambda x: x["size"]),
                                         max(mine, key=lambda x: x["size"]))}.values():
                why = run_tungw_check(tungw, case, frames_of[(case[0], r["size"])], r["pcap"],
                                      work, r["size"])
                log("bench: check %-13s %4d %s" % (case[0], r["size"],
                                                   "ok" if why is None else "FAILED: " + why))
                r["check"] = why
                for o in mine:
                    if why and not o.get("check"):
                        o["check"] = "at %d B: %s" % (r["size"], why)
                    o.setdefault("check", None)
    # The same check of ipsec-secgw's output, per mode: a mode whose output is wrong is
    # neither timed nor reported as its best.
    for case in cases:
        mine = [r for r in results if r["case"] == case[0] and "secgw" in r]
        if not mine:
            continue
        for r in {id(x): x for x in (min(mine, key=lambda x: x["size"]),
                                     max(mine, key=lambda x: x["size"]))}.values():
            for mode in modes:
                why = run_secgw_check(secgw, case, mode, frames_of[(case[0], r["size"])],
                                      r["pcap"], work, r["size"])
                log("bench: check %-13s %4d ipsec-secgw %-10s %s" % (
                    case[0], r["size"], mode, "ok" if why is None else "FAILED: " + why))
                for o in mine:
                    if why and not o["secgw_check"].get(mode):
                        o["secgw_check"][mode] = "at %d B: %s" % (r["size"], why)
                    o["secgw_check"].setdefault(mode, None)

    # Interleaved runs: per repeat, per case and size, floor and tungw back to
    # back (order alternating between repeats), so a slow spell of the host
    # hits both figures of a pair.
    failures = 0
    for rep in range(prof["repeats"]):
        for r in results:
            tag = "%s-%d-r%d" % (r["case"], r["size"], rep)
            kinds = ["floor", "tungw"]
            if "secgw" in r:
                kinds += ["secgw:" + m for m in modes if not r["secgw_check"].get(m)]
                kinds.append("ceiling")
            if rep % 2:
                kinds.reverse()
            case = next(c for c in cases if c[0] == r["case"])
            for kind in kinds:
                t0 = time.monotonic()
                if kind == "floor":
                    res = run_floor(r["pcap"], os.path.join(work, tag + "-testpmd.log"), prof)
                elif kind == "tungw" and do_tungw:
                    res = run_tungw(tungw, r["config"], os.path.join(work, tag + "-stats.json"),
                                    os.path.join(work, tag + "-tungw.log"), prof,
                                    r["in_port"], r["out_port"])
                elif kind.startswith("secgw:") or kind == "ceiling":
                    # the peers are retried once: a busy host has stalled a whole process
                    # for seconds (telemetry unanswered, no progress)
                    for attempt in (0, 1):
                        res = (run_secgw(secgw, case, kind[6:], r["pcap"], work, tag, prof)
                               if kind != "ceiling" else
                               run_ceiling(case, r["ceiling_buffer"], work, tag, prof))
                        if res["ok"] or attempt:
                            break
                        log("bench: %-24s %-5s failed, once more: %s" % (
                            tag, kind, res["error"].splitlines()[0]))
                        first_error = res["error"]
                    if attempt:
                        res["retried_after"] = first_error
                else:
                    continue
                res["repeat"] = rep
                res["wall_seconds"] = round(time.monotonic() - t0, 2)
                r[kind.split(":")[0]].append(res)
                if res["ok"]:
                    log("bench: %-24s %-5s %7.3f Mpps (CPU share %.2f)%s" % (
                        tag, kind, res["mpps"], res["cpu_share"],
                        "  (" + res["warning"].splitlines()[0] + ")" if res.get("warning")
                        else ""))
                else:
                    failures += 1
                    log("bench: %-24s %-5s FAILED: %s" % (tag, kind, res["error"]))

    for prefix in (TP_PREFIX, TGW_PREFIX, SECGW_PREFIX, CPERF_PREFIX):
        shutil.rmtree(runtime_dir(prefix), ignore_errors=True)
    rows = summarize(results, tsc["hz"])
    meta = {"date": date, "profile": dict(prof, name=pname), "tsc": tsc,
            "tungw": tungw_src if do_tungw else None, "tungw_sha256": tungw_sha,
            "tungw_rev": git_rev(),
            "secgw": secgw, "secgw_sha256": secgw_sha, "secgw_modes": modes if peers else None,
            "dpdk": next((x.get("dpdk") for r in results for x in r["floor"] if x.get("dpdk")),
                         None),
            "cpu": _cpu_model(), "kernel": os.uname().release,
            "method": "output-port opackets via DPDK telemetry /ethdev/stats over a "
                      "fixed window after warm-up; mpps = delta packets / delta on-CPU time "
                      "of the forwarding thread (/proc/PID/task/TID/schedstat); wall_mpps = "
                      "delta packets / delta wall time",
            "wall_seconds": round(time.monotonic() - t_start, 1)}
    doc = {"meta": meta, "summary": rows, "runs": results}
    with open(os.path.join(outdir, stem + ".json"), "w") as f:
        json.dump(doc, f, indent=1)
    md = markdown(rows, meta)
    with open(os.path.join(outdir, stem + ".md"), "w") as f:
        f.write(md)
    chart(rows, os.path.join(outdir, stem + ".png"), meta)
    log("bench: wrote %s.{json,md,png} in %s (%.0f s)" % (stem, outdir, meta["wall_seconds"]))
    print(md)

    bad_check = do_tungw and any(r.get("check") for r in results)
    zero = any((row["floor_mpps"] or 0) <= 0 or (do_tungw and (row["tungw_mpps"] or 0) <= 0)
               for row in rows)
    # a peer counts when one ipsec-secgw mode passed its check and was measured, and the
    # ceiling was measured
    no_peer = [row["case"] + "-%d" % row["size"] for row in rows if "secgw_mpps" in row and
               not ((row["secgw_mpps"] or 0) > 0 and (row["ceiling_mpps"] or 0) > 0)]
    if failures or bad_check or zero or no_peer:
        log("bench: %d failed run(s)%s%s%s" % (
            failures, ", output check failed" if bad_check else "",
            ", a zero rate" if zero else "",
            ", no valid ipsec-secgw or ceiling figure for %s" % ", ".join(no_peer)
            if no_peer else ""))
        return 1
    return 0


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            m = re.search(r"^model name\s*:\s*(.*)$", f.read(), re.M)
            return m.group(1) if m else None
    except OSError:
        return None


if __name__ == "__main__":
    sys.exit(main())
