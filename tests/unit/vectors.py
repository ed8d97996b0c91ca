#!/usr/bin/python3
"""Derive the byte vectors of tests/unit/test_datapath.c with scapy (an independent
implementation), once: `/usr/bin/python3 tests/unit/vectors.py` prints the C arrays that
are pasted into the test between the "vectors.py" markers. The fields the gateway fills
(outer DF, TTL inherited after the forwarding decrement, ECN per the kernel's
INET_ECN_encapsulate, the fixed flow label 0x12345) are written out explicitly below. The
outer IPv4 ID is a per-packet counter (as the kernel's iptunnel_xmit): it is 0 here and
the test masks it and the header checksum, which it verifies on its own.

The gateway of the test: wan0 = port 0 (02:00:00:00:00:01, 192.0.2.1/24, 2001:db8:ff::1/64),
lan0 = port 1 (02:00:00:00:01:01, 10.1.0.1/24, 2001:db8:1::1/64); the remote tunnel end
192.0.2.2 / 2001:db8:ff::2 is 02:00:00:00:00:02, 2001:db8:ff::3 is 02:00:00:00:00:03, the
LAN host 10.1.0.5 / 2001:db8:1::5 is 02:00:00:00:01:05.
"""

from scapy.layers.l2 import GRE
from scapy.all import (ARP, ICMP, IP, UDP, Ether, HBHOptUnknown, ICMPv6EchoReply,
                       ICMPv6EchoRequest, ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6NDOptDstLLAddr,
                       ICMPv6NDOptSrcLLAddr, IPv6, IPv6ExtHdrDestOpt, PadN, Raw)

WAN, LAN = "02:00:00:00:00:01", "02:00:00:00:01:01"
PEER, PEER3, HOST = "02:00:00:00:00:02", "02:00:00:00:00:03", "02:00:00:00:01:05"
DF = "DF"


def tel(nh, limit=4):
    """RFC 2473 §5.1 destination options header: Tunnel Encapsulation Limit + PadN."""
    return IPv6ExtHdrDestOpt(nh=nh, options=[HBHOptUnknown(otype=4, optdata=bytes([limit])),
                                             PadN(optdata=b"\x00")])


def udp(payload):
    return UDP(sport=1234, dport=5678) / Raw(payload)


def v4(src, dst, ttl=64, tos=0, pl=b"tungw ipv4 payload"):
    return IP(src=src, dst=dst, ttl=ttl, tos=tos, id=0x1234) / udp(pl)


def v6(src, dst, hlim=64, tc=0, fl=0x54321, pl=b"tungw ipv6 payload"):
    return IPv6(src=src, dst=dst, hlim=hlim, tc=tc, fl=fl) / udp(pl)


def outer4(proto, inner, ttl, tos, src="192.0.2.1", dst="192.0.2.2", flags=DF, ident=0):
    return IP(src=src, dst=dst, ttl=ttl, tos=tos, flags=flags, id=ident, proto=proto) / inner


V = {}

# ---- encap: inner frame in on lan0 -> outer frame out on wan0 ----
# ipip: inner TOS 0xb9 (ECT(1)) -> outer TOS 0x01; TTL inherit = 64 - 1
V["ipip_encap_in"] = Ether(dst=LAN, src=HOST) / v4("10.1.0.5", "10.2.0.9", tos=0xb9)
V["ipip_encap_out"] = Ether(dst=PEER, src=WAN) / outer4(
    4, v4("10.1.0.5", "10.2.0.9", ttl=63, tos=0xb9), ttl=63, tos=0x01)
# sit: inner traffic class 0x4b (CE) -> outer TOS 0x02 (ECT(0)); TTL = hop limit 64 - 1
V["sit_encap_in"] = Ether(dst=LAN, src=HOST) / v6("2001:db8:1::5", "2001:db8:2::9", tc=0x4b)
V["sit_encap_out"] = Ether(dst=PEER, src=WAN) / outer4(
    41, v6("2001:db8:1::5", "2001:db8:2::9", hlim=63, tc=0x4b), ttl=63, tos=0x02)
# ip6tnl, IPv6 inner, encaplimit 4, flowlabel 0x12345, hoplimit 64: tc 0x2a -> 0x02
V["ip6tnl_encap_in"] = Ether(dst=LAN, src=HOST) / v6("2001:db8:1::5", "2001:db8:3::9", tc=0x2a)
V["ip6tnl_encap_out"] = Ether(dst=PEER, src=WAN) / IPv6(
    src="2001:db8:ff::1", dst="2001:db8:ff::2", hlim=64, tc=0x02, fl=0x12345) / tel(41) / v6(
    "2001:db8:1::5", "2001:db8:3::9", hlim=63, tc=0x2a)
# ip6tnl mode ipip6, IPv4 inner: the limit option's next header is 4
V["ip6tnl4_encap_in"] = Ether(dst=LAN, src=HOST) / v4("10.1.0.5", "10.3.0.9", tos=0x00)
V["ip6tnl4_encap_out"] = Ether(dst=PEER, src=WAN) / IPv6(
    src="2001:db8:ff::1", dst="2001:db8:ff::2", hlim=64, tc=0, fl=0x12345) / tel(4) / v4(
    "10.1.0.5", "10.3.0.9", ttl=63)
# ip6tnl encaplimit none, automatic flow label (a hash: masked in the test)
V["ip6tnl_nl_encap_in"] = Ether(dst=LAN, src=HOST) / v6("2001:db8:1::5", "2001:db8:4::9")
V["ip6tnl_nl_encap_out"] = Ether(dst=PEER3, src=WAN) / IPv6(
    src="2001:db8:ff::1", dst="2001:db8:ff::3", hlim=64, tc=0, fl=0, nh=41) / v6(
    "2001:db8:1::5", "2001:db8:4::9", hlim=63)

# ---- decap: outer frame in on wan0 -> inner frame out on lan0 (TTL - 1, MACs) ----
V["ipip_decap_in"] = Ether(dst=WAN, src=PEER) / outer4(
    4, v4("10.2.0.9", "10.1.0.5", tos=0x02), ttl=50, tos=0, src="192.0.2.2", dst="192.0.2.1",
    ident=7)
V["ipip_decap_out"] = Ether(dst=HOST, src=LAN) / v4("10.2.0.9", "10.1.0.5", ttl=63, tos=0x02)
# RFC 6040: outer CE over inner ECT(0) -> inner CE (checksum updated)
V["ipip_decap_ce_in"] = Ether(dst=WAN, src=PEER) / outer4(
    4, v4("10.2.0.9", "10.1.0.5", tos=0x02), ttl=50, tos=0x03, src="192.0.2.2",
    dst="192.0.2.1", ident=8)
V["ipip_decap_ce_out"] = Ether(dst=HOST, src=LAN) / v4("10.2.0.9", "10.1.0.5", ttl=63, tos=0x03)
V["sit_decap_in"] = Ether(dst=WAN, src=PEER) / outer4(
    41, v6("2001:db8:2::9", "2001:db8:1::5", tc=0x01), ttl=50, tos=0, src="192.0.2.2",
    dst="192.0.2.1", ident=9)
V["sit_decap_out"] = Ether(dst=HOST, src=LAN) / v6("2001:db8:2::9", "2001:db8:1::5", hlim=63,
                                                   tc=0x01)
V["ip6tnl_decap_in"] = Ether(dst=WAN, src=PEER) / IPv6(
    src="2001:db8:ff::2", dst="2001:db8:ff::1", hlim=60, fl=0x12345) / tel(41) / v6(
    "2001:db8:3::9", "2001:db8:1::5")
V["ip6tnl_decap_out"] = Ether(dst=HOST, src=LAN) / v6("2001:db8:3::9", "2001:db8:1::5", hlim=63)
# RFC 6040: outer CE over inner ECT(1) -> inner CE
V["ip6tnl_decap_ce_in"] = Ether(dst=WAN, src=PEER) / IPv6(
    src="2001:db8:ff::2", dst="2001:db8:ff::1", hlim=60, tc=0x03) / tel(41) / v6(
    "2001:db8:3::9", "2001:db8:1::5", tc=0xb9)
V["ip6tnl_decap_ce_out"] = Ether(dst=HOST, src=LAN) / v6("2001:db8:3::9", "2001:db8:1::5",
                                                         hlim=63, tc=0xbb)
V["ip6tnl4_decap_in"] = Ether(dst=WAN, src=PEER) / IPv6(
    src="2001:db8:ff::2", dst="2001:db8:ff::1", hlim=60) / tel(4) / v4("10.3.0.9", "10.1.0.5")
V["ip6tnl4_decap_out"] = Ether(dst=HOST, src=LAN) / v4("10.3.0.9", "10.1.0.5", ttl=63)
V["ip6tnl_nl_decap_in"] = Ether(dst=WAN, src=PEER3) / IPv6(
    src="2001:db8:ff::3", dst="2001:db8:ff::1", hlim=60, nh=41) / v6("2001:db8:4::9",
                                                                   "2001:db8:1::5")
V["ip6tnl_nl_decap_out"] = Ether(dst=HOST, src=LAN) / v6("2001:db8:4::9", "2001:db8:1::5",
                                                         hlim=63)

# ---- GRE (RFC 2784, RFC 2890): every combination of key / seq / csum on transmit ----
# Tunnels (test_datapath.c): gre_<flags> to 192.0.2.2 keyed 1..4, or unkeyed to .2 .. .5;
# routes 10.4.<n>.0/24. The sequence number is 0 here: the test masks it, checks that it
# counts up by one per packet, and verifies a checksum that covers it on its own.
GRE_COMBOS = [  # name, key, seq, csum, remote, peer mac, route n
    ("gre_none", None, False, False, "192.0.2.2", PEER, 0),
    ("gre_k", 1, False, False, "192.0.2.2", PEER, 1),
    ("gre_s", None, True, False, "192.0.2.3", PEER3, 2),
    ("gre_c", None, False, True, "192.0.2.4", PEER3, 3),
    ("gre_ks", 2, True, False, "192.0.2.2", PEER, 4),
    ("gre_kc", 3, False, True, "192.0.2.2", PEER, 5),
    ("gre_sc", None, True, True, "192.0.2.5", PEER3, 6),
    ("gre_ksc", 4, True, True, "192.0.2.2", PEER, 7),
]


def gre(key, seq, csum, proto=0x0800):
    g = GRE(proto=proto)
    if key is not None:
        g.key_present, g.key = 1, key
    if seq:
        g.seqnum_present, g.sequence_number = 1, 0
    if csum:
        g.chksum_present = 1
    return g


for name, key, seq, csum, remote, mac, n in GRE_COMBOS:
    inner = v4("10.1.0.5", f"10.4.{n}.9", tos=0xb9)
    V[name + "_encap_in"] = Ether(dst=LAN, src=HOST) / inner
    V[name + "_encap_out"] = Ether(dst=mac, src=WAN) / outer4(
        47, gre(key, seq, csum) / v4("10.1.0.5", f"10.4.{n}.9", ttl=63, tos=0xb9), ttl=63,
        tos=0x01, dst=remote)
    # decap: the tunnels receive with the same options; sequence numbers are sent but
    # not checked on receive (iseq is tested end to end), a checksum is verified
    V[name + "_decap_in"] = Ether(dst=WAN, src=mac) / outer4(
        47, gre(key, seq, csum) / v4(f"10.4.{n}.9", "10.1.0.5", tos=0x02), ttl=50, tos=0,
        src=remote, dst="192.0.2.1", ident=11)
    V[name + "_decap_out"] = Ether(dst=HOST, src=LAN) / v4(f"10.4.{n}.9", "10.1.0.5", ttl=63,
                                                           tos=0x02)
# ip6gre: IPv6 inner (protocol type 0x86dd) behind the encapsulation limit option, fixed
# flow label 0x12345, hop limit 64; tc 0x2a -> 0x02
V["ip6gre_encap_in"] = Ether(dst=LAN, src=HOST) / v6("2001:db8:1::5", "2001:db8:5::9", tc=0x2a)
V["ip6gre_encap_out"] = Ether(dst=PEER, src=WAN) / IPv6(
    src="2001:db8:ff::1", dst="2001:db8:ff::2", hlim=64, tc=0x02, fl=0x12345) / tel(47) / GRE(
    proto=0x86dd) / v6("2001:db8:1::5", "2001:db8:5::9", hlim=63, tc=0x2a)
V["ip6gre_decap_in"] = Ether(dst=WAN, src=PEER) / IPv6(
    src="2001:db8:ff::2", dst="2001:db8:ff::1", hlim=60) / tel(47) / GRE(proto=0x0800) / v4(
    "10.4.9.9", "10.1.0.5")
V["ip6gre_decap_out"] = Ether(dst=HOST, src=LAN) / v4("10.4.9.9", "10.1.0.5", ttl=63)
# bad GRE: version 1, a reserved bit (routing present), a wrong checksum
_g = bytearray(bytes(V["gre_none_decap_in"]))
_g[14 + 20 + 1] |= 0x01  # version 1
V["bad_gre_version"] = bytes(_g)
_g = bytearray(bytes(V["gre_none_decap_in"]))
_g[14 + 20] |= 0x40  # R: RFC 1701 routing
V["bad_gre_reserved"] = bytes(_g)
_g = bytearray(bytes(V["gre_c_decap_in"]))
_g[14 + 20 + 4] ^= 0x5a  # the GRE checksum
V["bad_gre_csum"] = bytes(_g)

# ---- bad packets mixed into the bursts ----
# encap side (lan0): truncated IPv4 / IPv6 header, no route, bad checksum, bad version
V["bad_trunc4"] = bytes(V["ipip_encap_in"])[:14 + 10]
V["bad_noroute4"] = Ether(dst=LAN, src=HOST) / v4("10.1.0.5", "10.9.9.9")
_b = bytearray(bytes(V["ipip_encap_in"]))
_b[14 + 10] ^= 0x55  # header checksum
V["bad_cksum4"] = bytes(_b)
V["bad_trunc6"] = bytes(V["sit_encap_in"])[:14 + 20]
V["bad_noroute6"] = Ether(dst=LAN, src=HOST) / v6("2001:db8:1::5", "2001:db8:99::9")
_b = bytearray(bytes(V["sit_encap_in"]))
_b[14] = 0x40 | (_b[14] & 0x0f)  # version 4 in an IPv6 frame
V["bad_version6"] = bytes(_b)
# decap side (wan0): unknown endpoints, truncated inner, CE over Not-ECT
V["bad_ipip_unknown"] = Ether(dst=WAN, src=PEER) / outer4(
    4, v4("10.2.0.9", "10.1.0.5"), ttl=50, tos=0, src="192.0.2.99", dst="192.0.2.1")
V["bad_ipip_inner"] = Ether(dst=WAN, src=PEER) / outer4(
    4, Raw(bytes(v4("10.2.0.9", "10.1.0.5"))[:12]), ttl=50, tos=0, src="192.0.2.2",
    dst="192.0.2.1")
V["bad_ipip_ecn"] = Ether(dst=WAN, src=PEER) / outer4(
    4, v4("10.2.0.9", "10.1.0.5", tos=0), ttl=50, tos=0x03, src="192.0.2.2", dst="192.0.2.1")
V["bad_sit_unknown"] = Ether(dst=WAN, src=PEER) / outer4(
    41, v6("2001:db8:2::9", "2001:db8:1::5"), ttl=50, tos=0, src="192.0.2.99", dst="192.0.2.1")
V["bad_sit_inner"] = Ether(dst=WAN, src=PEER) / outer4(  # IPv4 inside protocol 41
    41, v4("10.2.0.9", "10.1.0.5"), ttl=50, tos=0, src="192.0.2.2", dst="192.0.2.1")
V["bad_sit_ecn"] = Ether(dst=WAN, src=PEER) / outer4(
    41, v6("2001:db8:2::9", "2001:db8:1::5", tc=0), ttl=50, tos=0x03, src="192.0.2.2",
    dst="192.0.2.1")
V["bad_ip6tnl_unknown"] = Ether(dst=WAN, src=PEER) / IPv6(
    src="2001:db8:ff::99", dst="2001:db8:ff::1", hlim=60) / tel(41) / v6("2001:db8:3::9",
                                                                         "2001:db8:1::5")
V["bad_ip6tnl_inner"] = Ether(dst=WAN, src=PEER) / IPv6(
    src="2001:db8:ff::2", dst="2001:db8:ff::1", hlim=60) / tel(41) / Raw(
    bytes(v6("2001:db8:3::9", "2001:db8:1::5"))[:30])
V["bad_ip6tnl_ecn"] = Ether(dst=WAN, src=PEER) / IPv6(
    src="2001:db8:ff::2", dst="2001:db8:ff::1", hlim=60, tc=0x03) / tel(41) / v6(
    "2001:db8:3::9", "2001:db8:1::5", tc=0x00)
V["bad_ip6tnl4_unknown"] = Ether(dst=WAN, src=PEER) / IPv6(
    src="2001:db8:ff::98", dst="2001:db8:ff::1", hlim=60) / tel(4) / v4("10.3.0.9", "10.1.0.5")
V["bad_ip6tnl4_inner"] = Ether(dst=WAN, src=PEER) / IPv6(  # IPv6 inside protocol 4
    src="2001:db8:ff::2", dst="2001:db8:ff::1", hlim=60) / tel(4) / v6("2001:db8:3::9",
                                                                       "2001:db8:1::5")
V["bad_ip6tnl4_ecn"] = Ether(dst=WAN, src=PEER) / IPv6(
    src="2001:db8:ff::2", dst="2001:db8:ff::1", hlim=60, tc=0xa3) / tel(4) / v4(
    "10.3.0.9", "10.1.0.5", tos=0xa0)


# ---- the control path (one frame each): ARP, ICMP echo, Neighbour Discovery ----
V["arp_request"] = Ether(dst="ff:ff:ff:ff:ff:ff", src=PEER) / ARP(
    op=1, hwsrc=PEER, psrc="192.0.2.2", hwdst="00:00:00:00:00:00", pdst="192.0.2.1")
V["arp_reply"] = Ether(dst=PEER, src=WAN) / ARP(op=2, hwsrc=WAN, psrc="192.0.2.1", hwdst=PEER,
                                                pdst="192.0.2.2")
# echo reply: addresses swapped, TTL 64, no DF; the ID is the gateway's (masked)
V["echo4_request"] = Ether(dst=WAN, src=PEER) / IP(src="192.0.2.2", dst="192.0.2.1", ttl=30,
                                                   id=0x4321, flags=DF) / ICMP(
    type=8, id=7, seq=9) / Raw(b"tungw ping payload")
V["echo4_reply"] = Ether(dst=PEER, src=WAN) / IP(src="192.0.2.1", dst="192.0.2.2", ttl=64,
                                                 id=0x4321, flags=0) / ICMP(
    type=0, id=7, seq=9) / Raw(b"tungw ping payload")
V["echo6_request"] = Ether(dst=WAN, src=PEER) / IPv6(src="2001:db8:ff::2", dst="2001:db8:ff::1",
                                                     hlim=30) / ICMPv6EchoRequest(
    id=7, seq=9, data=b"tungw ping6 payload")
V["echo6_reply"] = Ether(dst=PEER, src=WAN) / IPv6(src="2001:db8:ff::1", dst="2001:db8:ff::2",
                                                   hlim=64) / ICMPv6EchoReply(
    id=7, seq=9, data=b"tungw ping6 payload")
# RFC 4861 §7.2.4: a solicited NA from the target address, router + solicited + override
V["ns"] = Ether(dst="33:33:ff:00:00:01", src=PEER) / IPv6(
    src="2001:db8:ff::2", dst="ff02::1:ff00:1", hlim=255) / ICMPv6ND_NS(
    tgt="2001:db8:ff::1") / ICMPv6NDOptSrcLLAddr(lladdr=PEER)
V["na"] = Ether(dst=PEER, src=WAN) / IPv6(src="2001:db8:ff::1", dst="2001:db8:ff::2",
                                          hlim=255) / ICMPv6ND_NA(
    R=1, S=1, O=1, tgt="2001:db8:ff::1") / ICMPv6NDOptDstLLAddr(lladdr=WAN)


def layers(p):
    """(name, bytes) per header of a scapy packet; raw bytes as one piece."""
    if isinstance(p, (bytes, bytearray)):
        return [("truncated/modified frame", bytes(p))]
    out, cur = [], p
    while cur is not None and not isinstance(cur, type(None)):
        whole = bytes(cur)
        pl = cur.payload
        plen = len(bytes(pl)) if pl is not None and len(pl) else 0
        if cur.name == "NoPayload":
            break
        out.append((cur.name, whole[:len(whole) - plen] if plen else whole))
        if not plen:
            break
        cur = pl
    return out


def c_array(name, p):
    lines = [f"static const uint8_t {name}[] = {{"]
    for lname, b in layers(p):
        lines.append(f"\t/* {lname} */")
        for i in range(0, len(b), 12):
            lines.append("\t" + " ".join(f"0x{x:02x}," for x in b[i:i + 12]))
    lines.append("};")
    return "\n".join(lines)


if __name__ == "__main__":
    print("/* ---- vectors.py: begin (generated with scapy, then pasted) ---- */")
    for k, p in V.items():
        print(c_array(k, p))
    print("/* ---- vectors.py: end ---- */")
