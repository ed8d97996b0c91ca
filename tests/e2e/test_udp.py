"""UDP tunnels end to end: FOU and GUE (the "fou" receive ports and the "encap" of ipip, sit
and gre), GENEVE (RFC 8926) and VXLAN (RFC 7348).

Kernel references: net/ipv4/fou_core.c (fou_udp_recv, gue_udp_recv, validate_gue_flags,
fou_build_udp, __gue_build_header), net/ipv4/udp.c + net/ipv6/udp.c (lengths, checksums, zero
checksums over IPv6), include/net/udp.h (udp_flow_src_port), drivers/net/geneve.c
(geneve_udp_encap_recv, geneve_lookup, geneve_xmit_skb), drivers/net/vxlan/vxlan_core.c
(vxlan_rcv, vxlan_vs_find_vni, vxlan_xmit_one).

Transmit: FOU/GUE outer = IPv4 (the tunnel's TTL/TOS/DF rules: TTL inherited, TOS 0 + inner
ECN, DF set) / UDP (destination port "dport", source port from the inner flow in
[32768, 60999] or the fixed "sport", checksum 0 unless "csum") / [GUE variant 0, 4 bytes,
protocol = inner IP protocol] / [GRE] / inner.  The UDP source port and the outer IPv4 ID are
taken from the capture (the port is checked separately: range, per-flow stability, spread).
GENEVE / VXLAN: IPv4 outer TTL 64, DF clear, TOS 0 + the frame's IP ECN; IPv6 outer hop limit
64, flow label 0, traffic class 0 + ECN, UDP checksum unless udp6zerocsumtx.
Receive: UDP length and checksum rules, then the port's kind: FOU / GUE strip their headers
and the packet is matched to a tunnel exactly as if it had arrived as that IP protocol;
GENEVE / VXLAN deliver the frame into the tunnel's bridge.

Where tungw's contract (SPEC and its design) departs from the kernel, these tests follow the
contract: VXLAN reserved bits other than I are ignored (RFC 7348; vxlan_rcv drops them), FOU
and GUE over IPv6 refuse a zero UDP checksum (the kernel's fou sockets, created without
use_udp6_rx_checksums, accept one), GENEVE "auto" source ports fall in 32768-60999 like the
others (geneve_xmit_skb uses 1-65535), a received critical GENEVE option that the tunnel itself
sends is understood (the kernel's non-metadata geneve drops every packet with C set)."""

import struct

import tgw
from test_gre import ones_sum
from test_toobig import frag_needed, ptb
from scapy.all import GRE, IPv6ExtHdrDestOpt, PadN, fragment, load_contrib
from scapy.layers.vxlan import VXLAN
from tgw import (ARP, ICMP, IP, IPv6, TCP, UDP, Ether, Raw, ICMPv6EchoRequest,
                 ICMPv6PacketTooBig, LAN4, LAN6, LAN_HOST4, LAN_HOST6, LAN_HOST_MAC, LAN_MAC,
                 PEER4, PEER6, PEER_MAC, REMOTE4, REMOTE6, WAN4, WAN6, WAN_MAC, assert_drops,
                 assert_no_output, assert_pkts, assert_tunnel, ecn_encap, fwd4, fwd6, lan_in,
                 lan_out, set_ecn4, udp4, udp6, wan_in, wan_out)

load_contrib("geneve")
from scapy.contrib.geneve import GENEVE, GeneveOptions  # noqa: E402

R2, R3, R4 = "192.0.2.3", "192.0.2.4", "192.0.2.5"      # more peers on wan0
R2_6, R3_6 = "2001:db8:ffff::3", "2001:db8:ffff::4"
OTHER4, OTHER6 = "192.0.2.99", "2001:db8:ffff::99"    # senders no tunnel has as remote

FOU_PORT, GUE_PORT, FOU_GRE_PORT, FOU_SIT_PORT = 5555, 5556, 5557, 5558
FOU6_GRE_PORT, GUE6_PORT = 5560, 5561
GENEVE_PORT, VXLAN_PORT = 6081, 4789
SPORT_MIN, SPORT_MAX = 32768, 60999                   # the kernel's ip_local_port_range

P_IP4, P_IP6, TEB = 0x0800, 0x86DD, 0x6558
GUE_PRIV = 0x0001

LAN1_MAC, LAN2_MAC = "02:00:00:00:03:01", "02:00:00:00:03:02"
LAN1_HOST_MAC, LAN2_HOST_MAC = "02:00:00:00:03:81", "02:00:00:00:03:82"
RMT_MAC = "02:00:00:00:0a:01"                         # a station behind the L2 tunnels
BCAST = "ff:ff:ff:ff:ff:ff"


# --------------------------------------------------------------------------- checksums, UDP

def _addr(a):
    import socket
    return socket.inet_pton(socket.AF_INET6 if ":" in a else socket.AF_INET, a)


def pseudo(src, dst, length):
    if ":" in src:
        return _addr(src) + _addr(dst) + struct.pack("!IxxxB", length, 17)
    return _addr(src) + _addr(dst) + struct.pack("!xBH", 17, length)


def udp_csum_ok(src, dst, seg):
    """RFC 768: the one's-complement sum over pseudo-header and datagram is all ones."""
    return ones_sum(pseudo(src, dst, len(seg)) + seg) == 0xffff


def udp_seg(src, dst, sport, dport, payload, csum=True, ulen=None):
    """A UDP header + payload built by hand.  csum: True = the right checksum (0 sent as
    0xffff), False = none (0), an int = that value.  ulen overrides the length field."""
    n = 8 + len(payload) if ulen is None else ulen
    seg = struct.pack("!HHHH", sport, dport, n, 0) + bytes(payload)
    if csum is True:
        c = ~ones_sum(pseudo(src, dst, len(seg)) + seg) & 0xffff
        c = c or 0xffff
    elif csum is False:
        c = 0
    else:
        c = csum
    return seg[:6] + struct.pack("!H", c) + seg[8:]


def bad_csum(src, dst, sport, dport, payload):
    """A nonzero checksum that is wrong."""
    good = struct.unpack("!H", udp_seg(src, dst, sport, dport, payload)[6:8])[0]
    return udp_seg(src, dst, sport, dport, payload, csum=(good ^ 0x1111) or 0x2222)


def ip4_udp(seg, src=PEER4, dst=WAN4, ttl=64, tos=0, flags=0, id=0x4321, trailer=b""):
    """IPv4 / seg (a prebuilt UDP datagram) [+ trailer bytes inside the IP payload]."""
    return IP(bytes(IP(src=src, dst=dst, ttl=ttl, tos=tos, flags=flags, id=id, proto=17) /
                    Raw(bytes(seg) + trailer)))


def ip6_udp(seg, src=PEER6, dst=WAN6, hlim=64, tc=0, dstopt=False):
    if dstopt:
        return IPv6(bytes(IPv6(src=src, dst=dst, hlim=hlim, tc=tc, nh=60) /
                          IPv6ExtHdrDestOpt(nh=17, options=[PadN(optdata=b"\0" * 4)]) /
                          Raw(bytes(seg))))
    return IPv6(bytes(IPv6(src=src, dst=dst, hlim=hlim, tc=tc, nh=17) / Raw(bytes(seg))))


def udp_in(payload, dport, src=PEER4, dst=None, sport=50000, csum=True, **ip):
    """A wan0 frame: IPv4 or IPv6 (by src) / UDP to dport / payload, checksum as csum."""
    v6 = ":" in src
    dst = dst or (WAN6 if v6 else WAN4)
    seg = udp_seg(src, dst, sport, dport, payload, csum)
    return wan_in(ip6_udp(seg, src, dst, **ip) if v6 else ip4_udp(seg, src, dst, **ip))


def pad60(frame):
    b = bytes(frame)
    return b + bytes(max(0, 60 - len(b)))


# --------------------------------------------------------------------------- GUE, GRE, GENEVE

def gue0(proto, hlen=0, c=0, flags=0, ext=b"", ver=0):
    """GUE variant 0 header (draft-ietf-intarea-gue 3.1): ver(2) C(1) Hlen(5) | proto |
    flags(16), then ext (Hlen words of extension fields)."""
    return bytes([(ver << 6) | (c << 5) | hlen, proto]) + struct.pack("!H", flags) + ext


def gre_hdr(proto, key=None):
    """A GRE header by scapy (K and the key when key is given)."""
    g = GRE(proto=proto, key_present=int(key is not None))
    if key is not None:
        g.key = key
    return bytes(g)


def gopt(cls, typ, data):
    """One GENEVE option TLV (RFC 8926 3.5) built by hand."""
    assert len(data) % 4 == 0
    return struct.pack("!HBB", cls, typ, len(data) // 4) + data


def geneve_raw(vni, opts=b"", oam=0, crit=0, ver=0, proto=TEB, optlen=None):
    """GENEVE header bytes by hand (wrong versions, lengths, flags)."""
    ol = len(opts) // 4 if optlen is None else optlen
    return struct.pack("!BBHI", (ver << 6) | ol, (oam << 7) | (crit << 6), proto,
                       vni << 8) + opts


def geneve_scapy(vni, opts=()):
    """The GENEVE header the gateway must send, by scapy's contrib layer: options
    [(class, type, data)], C set when any option type has the critical bit 0x80."""
    crit = int(any(t & 0x80 for _, t, _ in opts))
    return bytes(GENEVE(vni=vni, proto=TEB, critical=crit,
                        options=[GeneveOptions(classid=c, type=t, data=d) for c, t, d in opts]))


def vxlan_raw(vni, flags=0x08, rsvd1=0, rsvd2=0):
    return struct.pack("!B3sI", flags, rsvd1.to_bytes(3, "big"), (vni << 8) | rsvd2)


# --------------------------------------------------------------------------- expectations

def fwd(p, dec=1):
    return fwd4(p, dec) if isinstance(p, IP) else fwd6(p, dec)


def tos_of(p):
    return p.tos if isinstance(p, IP) else p.tc


def ttl_of(p):
    return p.ttl if isinstance(p, IP) else p.hlim


def find_capture(got, tail, what):
    """The captured frame (scapy Ether) that ends with tail (the inner bytes; every outer frame
    here is longer than 60 bytes, so none carries Ethernet padding)."""
    m = [g for g in got if bytes(g).endswith(tail)]
    if len(m) != 1:
        raise AssertionError(f"{what}: {len(m)} captured frames carry the expected inner "
                             f"packet ({len(tail)} bytes) among {len(got)}:\n    " +
                             "\n    ".join(Ether(bytes(g)).summary() for g in got[:12]) +
                             tgw._ctx())
    return Ether(bytes(m[0]))


def check_sport(port, what):
    if not SPORT_MIN <= port <= SPORT_MAX:
        raise AssertionError(f"{what}: UDP source port {port} outside the kernel's default "
                             f"range [{SPORT_MIN}, {SPORT_MAX}]")


def fou4(inner, *, dport, sport, src=WAN4, dst=PEER4, ttl=None, tos=0, flags="DF", id=0,
         head=b"", csum=False):
    """The expected IPv4 / UDP / head (GUE, GRE ...) / inner, the UDP layer by scapy
    (checksum 0, or scapy's when csum)."""
    if ttl is None:
        ttl = ttl_of(inner)
    u = UDP(sport=sport, dport=dport)
    if not csum:
        u.chksum = 0
    return IP(bytes(IP(src=src, dst=dst, ttl=ttl, tos=tos, flags=flags, id=id) / u /
                    Raw(head + bytes(inner))))


def expect_l3_encap(got, items, what):
    """items: [(forwarded inner, builder(inner, sport, id) -> outer IP, fixed sport or None)].
    Each inner is found in the capture by its bytes; the expected frame uses the captured UDP
    source port (checked against the range, or equal to the fixed one) and IPv4 ID."""
    exp = []
    for inner, build, fixed in items:
        g = find_capture(got, bytes(inner), what)
        sp = g[UDP].sport
        if fixed is None:
            check_sport(sp, f"{what}: {inner.summary()}")
        elif sp != fixed:
            raise AssertionError(f"{what}: UDP source port {sp}, expected the fixed {fixed}")
        exp.append(wan_out(build(inner, sp, g[IP].id)))
    assert_pkts(got, exp, what)


def is_zero_csum6(b):
    """An IPv6 / UDP frame sent with checksum 0 (udp6zerocsumtx)."""
    e = Ether(bytes(b))
    return IPv6 in e and e[IPv6].nh == 17 and bytes(e[IPv6].payload)[6:8] == b"\0\0"


def tshark_allowing_zero_csum6(r):
    """What run()'s tshark check does, for a run made with tshark=False because some frames are
    IPv6 UDP with checksum 0 on purpose (udp6zerocsumtx, RFC 6935), which Wireshark reports as
    "Illegal checksum value (0)".  All other frames are dissected as usual; the zero-checksum
    frames too, and that message is the only problem allowed on them."""
    import os
    import shutil
    import tempfile
    d = tempfile.mkdtemp(prefix="tgw-udp-")
    try:
        frames = [(n, i, f) for n in r.raw for i, f in enumerate(r.raw[n])]
        for tag, group in (("normal", [x for x in frames if not is_zero_csum6(x[2])]),
                           ("zero", [x for x in frames if is_zero_csum6(x[2])])):
            if not group:
                continue
            path = os.path.join(d, f"{tag}.pcap")
            tgw.write_pcap(path, [f for _, _, f in group])
            try:
                tgw.tshark_check(path, [f"{n} frame {i + 1}" for n, i, _ in group])
            except AssertionError as e:
                other = [ln for ln in str(e).splitlines()[1:]
                         if "Illegal checksum value (0)" not in ln]
                if tag == "normal" or other:
                    raise
    finally:
        shutil.rmtree(d, ignore_errors=True)


# --------------------------------------------------------------------------- configs

def peer_neigh(addrs):
    return [{"dst": a, "lladdr": PEER_MAC, "dev": "wan0"} for a in addrs]


def l3_cfg(tunnels, routes=(), fou=(), neighbors=(R2, R3, R4, R2_6, R3_6)):
    c = tgw.base_config(tunnels=tunnels, routes=list(routes),
                        neighbors=peer_neigh(neighbors))
    c["fou"] = list(fou)
    return c


def l2_cfg(tunnels, bridges, n_lan=1, fou=None):
    """lan0 (and lan1, lan2) as bridge members without addresses, wan0 as usual."""
    c = tgw.base_config(tunnels=tunnels, std_neighbors=False,
                        neighbors=peer_neigh([PEER4, PEER6, R2, R3, R2_6, R3_6]))
    c["ports"][0] = {"name": "lan0", "mac": LAN_MAC}
    for i, mac in enumerate([LAN1_MAC, LAN2_MAC][:n_lan - 1]):
        c["ports"].append({"name": f"lan{i + 1}", "mac": mac})
    c["bridges"] = bridges
    if fou is not None:
        c["fou"] = fou
    return c


def back4(**kw):
    return udp4(src=REMOTE4, dst=LAN_HOST4, **kw)


def back6(**kw):
    return udp6(src=REMOTE6, dst=LAN_HOST6, **kw)


def tcp4(id=7, size_pad=333):
    return IP(bytes(IP(src=LAN_HOST4, dst=REMOTE4, id=id, ttl=128) /
                    TCP(sport=40001, dport=8080, flags="PA", seq=7, ack=9) / (b"t" * size_pad)))


def icmp4(id=8):
    return IP(bytes(IP(src=LAN_HOST4, dst=REMOTE4, id=id) / ICMP(type=8, id=7, seq=1) /
                    (b"p" * 56)))


def frame(dst, src, payload, vlan=None):
    from scapy.layers.l2 import Dot1Q
    if vlan is None:
        return bytes(Ether(dst=dst, src=src) / payload)
    return bytes(Ether(dst=dst, src=src) / Dot1Q(vlan=vlan) / payload)


def frame_ds(fr):
    """The DS byte of an untagged IPv4/IPv6 frame's payload, else 0."""
    e = Ether(fr)
    if e.type == 0x0800:
        return e[IP].tos
    if e.type == 0x86dd:
        return e[IPv6].tc
    return 0


# =========================================================================== FOU

def test_fou_ipip_encap_decap():
    """ipip "f0" with "encap": {"type": "fou", "dport": 5555} and "fou": port 5555 ipproto 4.
    Encap (lan0 -> wan0): IPv4/UDP, TCP, ICMP inners up to the MTU 1472 (1500 - 20 - 8), each
    byte-exact IPv4 (proto 17, TTL = inner TTL after the decrement, TOS 0 + inner ECN with CE
    sent as ECT(0), DF) / UDP (dport 5555, checksum 0, source port in [32768, 60999]) / the
    inner; a 1473-byte DF packet gets ICMP fragmentation needed with MTU 1472 (too_big).
    Decap (wan0 -> lan0), each inner forwarded bit-exact but for the TTL decrement: with a
    valid UDP checksum, with checksum 0, sent as two outer fragments (reassembled first), with
    trailing bytes after the UDP datagram inside the IP payload (the datagram is trimmed to the
    UDP length), plain IP-in-IP (proto 4) to the same tunnel, RFC 6040 (outer CE sets CE on an
    ECT(0) inner; a Not-ECT inner is dropped, ecn_drop); from a sender no ipip tunnel has ->
    no_tunnel; to LAN4 (a local address, but not the tunnel's local) -> no_tunnel."""
    t = {"name": "f0", "type": "ipip", "local": WAN4, "remote": PEER4,
         "encap": {"type": "fou", "dport": FOU_PORT}}
    c = l3_cfg([t], [{"dst": "10.2.0.0/24", "dev": "f0"}],
               fou=[{"port": FOU_PORT, "ipproto": 4}])
    inners = [udp4(size=28, id=1), udp4(size=101, id=2, tos=0xb9), udp4(size=1472, id=3),
              udp4(size=200, id=4, tos=0x03, ttl=9), tcp4(id=5), icmp4(id=6)]
    big = udp4(size=1473, id=9)
    a, b = back4(size=100, id=11), back4(size=1001, id=12, tos=0xb8)
    cc, d = back4(size=60, id=13, tos=0x02), back4(size=60, id=14)
    e, f, g = back4(size=77, id=15), back4(size=1400, id=16), back4(size=90, id=17)
    h = back4(size=120, id=18)
    x1, x2 = back4(size=66, id=19), back4(size=67, id=20)
    bigouter = ip4_udp(udp_seg(PEER4, WAN4, 40000, FOU_PORT, bytes(f)), flags=0, id=0x777)
    frags = fragment(bigouter, fragsize=800)
    assert len(frags) == 2
    wan = [udp_in(bytes(a), FOU_PORT),
           udp_in(bytes(b), FOU_PORT, ttl=1, tos=0x48),
           udp_in(bytes(cc), FOU_PORT, tos=0x03),
           udp_in(bytes(d), FOU_PORT, tos=0x03),
           udp_in(bytes(e), FOU_PORT, csum=False)] + \
        [wan_in(IP(bytes(fr))) for fr in frags] + \
        [wan_in(ip4_udp(udp_seg(PEER4, WAN4, 40001, FOU_PORT, bytes(g)),
                        trailer=b"\xde\xad\xbe\xef\x01\x02")),
         wan_in(tgw.outer4(h, src=PEER4, dst=WAN4, ttl=64)),
         udp_in(bytes(x1), FOU_PORT, src=OTHER4),
         udp_in(bytes(x2), FOU_PORT, dst=LAN4)]
    r = tgw.run(c, {"lan0": [lan_in(p) for p in inners + [big]], "wan0": wan})
    expect_l3_encap(r.out["wan0"], [
        (fwd4(p), lambda i, sp, oid, p=p: fou4(i, dport=FOU_PORT, sport=sp, id=oid,
                                                tos=ecn_encap(0, p.tos)), None)
        for p in inners], "wan0")
    delivered = [fwd4(a), fwd4(b), set_ecn4(fwd4(cc), 3), fwd4(e), fwd4(f), fwd4(g), fwd4(h)]
    got_l = r.out["lan0"]
    icmp = tgw.pick(got_l, lambda x: ICMP in x and x[IP].src == LAN4, "lan0 ICMP error")
    assert_pkts(got_l, [lan_out(p) for p in delivered] + [frag_needed(big, 1472, icmp)],
                "lan0")
    assert_drops(r, {"ecn_drop": 1, "no_tunnel": 2, "too_big": 1})
    dec = [a, b, cc, e, f, g, h]
    assert_tunnel(r, "f0", encap_packets=len(inners), encap_bytes=sum(map(len, inners)),
                  decap_packets=len(dec), decap_bytes=sum(map(len, dec)))


def test_fou_sit_encap_decap():
    """sit "s0" (mode ip6ip) with FOU encap to port 5558 and "fou": port 5558 ipproto 41.
    Encap: IPv6 inners (UDP, TCP, ICMPv6, up to the MTU 1472) -> IPv4 (TTL = hop limit after
    the decrement, TOS 0 + inner ECN, DF, proto 17) / UDP (dport 5558, checksum 0, auto
    source port) / IPv6, byte-exact; a 1473-byte IPv6 packet gets ICMPv6 Packet Too Big with
    MTU 1472.  Decap: UDP to 5558 carrying IPv6 from PEER4 is forwarded to lan0 with hop limit
    - 1 (two inners, one with the largest size); an IPv4 packet on the proto-41 port is
    dropped as proto 41 carrying IPv4 would be (tnl_bad_inner)."""
    t = {"name": "s0", "type": "sit", "local": WAN4, "remote": PEER4,
         "encap": {"type": "fou", "dport": FOU_SIT_PORT, "sport": "auto"}}
    c = l3_cfg([t], [{"dst": "2001:db8:2::/64", "dev": "s0"}],
               fou=[{"port": FOU_SIT_PORT, "ipproto": 41}])
    inners = [udp6(size=48), udp6(size=99, tc=0x02, hlim=7), udp6(size=1472, fl=0x12345),
              udp6(size=300, tc=0xbb),
              IPv6(bytes(IPv6(src=LAN_HOST6, dst=REMOTE6, hlim=255) /
                         TCP(sport=40001, dport=8080, flags="S", seq=5))),
              IPv6(bytes(IPv6(src=LAN_HOST6, dst=REMOTE6) /
                         ICMPv6EchoRequest(id=9, seq=9, data=b"x" * 31)))]
    big = udp6(size=1473, sport=40404)
    a, b = back6(size=100), back6(size=1472, tc=0xb8, fl=0x54321)
    v4 = back4(size=80, id=3)
    wan = [udp_in(bytes(a), FOU_SIT_PORT), udp_in(bytes(b), FOU_SIT_PORT, sport=33000),
           udp_in(bytes(v4), FOU_SIT_PORT)]
    r = tgw.run(c, {"lan0": [lan_in(p) for p in inners + [big]], "wan0": wan})
    expect_l3_encap(r.out["wan0"], [
        (fwd6(p), lambda i, sp, oid, p=p: fou4(i, dport=FOU_SIT_PORT, sport=sp, id=oid,
                                                tos=ecn_encap(0, p.tc)), None)
        for p in inners], "wan0")
    got_l = r.out["lan0"]
    err = tgw.pick(got_l, lambda x: ICMPv6PacketTooBig in x, "lan0 Packet Too Big")
    assert_pkts(got_l, [lan_out(fwd6(a)), lan_out(fwd6(b)), ptb(big, 1472, err)], "lan0")
    assert_drops(r, {"too_big": 1, "tnl_bad_inner": 1})
    assert_tunnel(r, "s0", encap_packets=len(inners), encap_bytes=sum(map(len, inners)),
                  decap_packets=2, decap_bytes=len(a) + len(b))


def test_fou_gre_encap_decap():
    """gre "g0" with FOU encap to port 5557 and "fou": port 5557 ipproto 47.  Encap: IPv4 and
    IPv6 inners up to the MTU 1468 (1500 - 20 - 8 - 4) -> IPv4 (proto 17, TTL inherited, TOS
    0 + ECN, DF) / UDP (dport 5557, checksum 0, auto source port) / GRE (flags 0, protocol
    0x0800 / 0x86DD) / inner, byte-exact.  Decap: UDP to 5557 / GRE from PEER4 with IPv4 and
    IPv6 inners -> lan0, bit-exact but for the decrement; a keyed GRE packet where only the
    unkeyed tunnel exists -> no_tunnel (the GRE rules apply unchanged)."""
    t = {"name": "g0", "type": "gre", "local": WAN4, "remote": PEER4,
         "encap": {"type": "fou", "dport": FOU_GRE_PORT}}
    c = l3_cfg([t], [{"dst": "10.2.0.0/24", "dev": "g0"},
                     {"dst": "2001:db8:2::/64", "dev": "g0"}],
               fou=[{"port": FOU_GRE_PORT, "ipproto": 47}])
    inners = [udp4(size=28, id=1), udp4(size=1468, id=2, tos=0x01), tcp4(id=3),
              udp6(size=48), udp6(size=1468, tc=0x03), udp6(size=555, hlim=3)]
    big4, big6 = udp4(size=1469, id=4), udp6(size=1469, sport=40999)
    a, b, cc = back4(size=100, id=10), back6(size=201), back4(size=1468, id=11, tos=0x04)
    x = back4(size=64, id=12)
    wan = [udp_in(gre_hdr(P_IP4) + bytes(a), FOU_GRE_PORT),
           udp_in(gre_hdr(P_IP6) + bytes(b), FOU_GRE_PORT, csum=False),
           udp_in(gre_hdr(P_IP4) + bytes(cc), FOU_GRE_PORT, sport=61000),
           udp_in(gre_hdr(P_IP4, key=5) + bytes(x), FOU_GRE_PORT)]
    r = tgw.run(c, {"lan0": [lan_in(p) for p in inners + [big4, big6]], "wan0": wan})
    expect_l3_encap(r.out["wan0"], [
        (fwd(p), lambda i, sp, oid, p=p: fou4(
            i, dport=FOU_GRE_PORT, sport=sp, id=oid, tos=ecn_encap(0, tos_of(p)),
            head=gre_hdr(P_IP4 if isinstance(p, IP) else P_IP6)), None)
        for p in inners], "wan0")
    got_l = r.out["lan0"]
    e4 = tgw.pick(got_l, lambda y: ICMP in y and y[IP].src == LAN4, "lan0 ICMP error")
    e6 = tgw.pick(got_l, lambda y: ICMPv6PacketTooBig in y, "lan0 Packet Too Big")
    assert_pkts(got_l, [lan_out(fwd(p)) for p in (a, b, cc)] +
                [frag_needed(big4, 1468, e4), ptb(big6, 1468, e6)], "lan0")
    assert_drops(r, {"too_big": 2, "no_tunnel": 1})
    assert_tunnel(r, "g0", encap_packets=len(inners), encap_bytes=sum(map(len, inners)),
                  decap_packets=3, decap_bytes=len(a) + len(b) + len(cc))


def test_fou_csum():
    """"csum": true on FOU encap (ipip "fc" with a fixed "sport": 4242, and gre "gc" with key
    3, auto source port): every UDP checksum is present and right (scapy's checksum
    byte-exact, verified by an independent one's-complement sum, and tshark with
    udp.check_checksum on finds none bad).  One inner is tuned so that the checksum computes
    to 0: it must be sent as 0xffff (RFC 768).  Receive: a FOU packet with a wrong nonzero
    checksum -> udp_bad_checksum; one with the right checksum and one whose right checksum is
    0xffff (standing for 0) are delivered."""
    tunnels = [{"name": "fc", "type": "ipip", "local": WAN4, "remote": PEER4,
                "encap": {"type": "fou", "dport": FOU_PORT, "sport": 4242, "csum": True}},
               {"name": "gc", "type": "gre", "local": WAN4, "remote": R2, "key": 3,
                "encap": {"type": "fou", "dport": FOU_GRE_PORT, "csum": True}}]
    c = l3_cfg(tunnels, [{"dst": "10.2.0.0/24", "dev": "fc"},
                         {"dst": "10.2.1.0/24", "dev": "gc"},
                         {"dst": "2001:db8:2:1::/64", "dev": "gc"}],
               fou=[{"port": FOU_PORT, "ipproto": 4}])
    to_fc = [udp4(size=29, id=1), udp4(size=1000, id=2), tcp4(id=3)]
    # an inner whose FOU datagram sums to all ones, so that the checksum computes to 0
    base = bytearray(bytes(udp4(size=100, id=4, fill=bytes(72))))
    base[26:28] = b"\0\0"                     # inner UDP checksum 0 (none)
    probe = fwd4(IP(bytes(base)))
    seg = bytes(UDP(sport=4242, dport=FOU_PORT, len=8 + len(probe), chksum=0)) + bytes(probe)
    s = ones_sum(pseudo(WAN4, PEER4, len(seg)) + seg)
    w = (0xffff - s) % 0xffff                 # the missing addend, in one's complement
    base[-2:] = struct.pack("!H", w)
    zero = IP(bytes(base))
    to_fc.append(zero)
    to_gc = [udp4(dst="10.2.1.5", size=333, id=5), udp6(dst="2001:db8:2:1::5", size=99)]
    good, bad = back4(size=90, id=20), back4(size=91, id=21)
    # a datagram whose right checksum is 0xffff (the sum of the rest is 0)
    q = bytearray(bytes(back4(size=100, id=22, fill=bytes(72))))
    q[26:28] = b"\0\0"
    inner_q = bytes(q)
    seg_q = struct.pack("!HHHH", 40000, FOU_PORT, 8 + len(inner_q), 0) + inner_q
    w = (0xffff - ones_sum(pseudo(PEER4, WAN4, len(seg_q)) + seg_q)) % 0xffff
    q[-2:] = struct.pack("!H", w)
    inner_q = bytes(q)
    seg_q = udp_seg(PEER4, WAN4, 40000, FOU_PORT, inner_q)
    wan = [udp_in(bytes(good), FOU_PORT),
           wan_in(ip4_udp(bad_csum(PEER4, WAN4, 40000, FOU_PORT, bytes(bad)))),
           wan_in(ip4_udp(seg_q))]
    assert seg_q[6:8] == b"\xff\xff", seg_q[6:8].hex()
    r = tgw.run(c, {"lan0": [lan_in(p) for p in to_fc + to_gc], "wan0": wan})
    got = r.out["wan0"]
    items = [(fwd4(p), lambda i, sp, oid, p=p: fou4(i, dport=FOU_PORT, sport=sp, id=oid,
                                                     tos=ecn_encap(0, p.tos), csum=True), 4242)
             for p in to_fc]
    items += [(fwd(p), lambda i, sp, oid, p=p: fou4(
        i, dport=FOU_GRE_PORT, sport=sp, id=oid, dst=R2, tos=ecn_encap(0, tos_of(p)),
        csum=True, head=gre_hdr(P_IP4 if isinstance(p, IP) else P_IP6, key=3)), None)
        for p in to_gc]
    expect_l3_encap(got, items, "wan0")
    for fr in got:
        ip = fr[IP]
        seg = bytes(ip.payload)
        if not udp_csum_ok(ip.src, ip.dst, seg) or seg[6:8] == b"\0\0":
            raise AssertionError(f"wan0: UDP checksum {seg[6:8].hex()} does not verify: "
                                 f"{fr.summary()}")
    zf = find_capture(got, bytes(fwd4(zero)), "wan0 zero-sum frame")
    if bytes(zf[IP].payload)[6:8] != b"\xff\xff":
        raise AssertionError(f"a UDP checksum that computes to 0 must be sent as 0xffff, got "
                             f"{bytes(zf[IP].payload)[6:8].hex()}")
    assert_pkts(r.out["lan0"], [lan_out(fwd4(good)), lan_out(fwd4(IP(inner_q)))], "lan0")
    assert_drops(r, {"udp_bad_checksum": 1})
    assert_tunnel(r, "fc", encap_packets=len(to_fc), encap_bytes=sum(map(len, to_fc)),
                  decap_packets=2)
    assert_tunnel(r, "gc", encap_packets=len(to_gc), encap_bytes=sum(map(len, to_gc)))


def test_fou6_decap():
    """FOU and GUE receive ports over IPv6 ("family": "ipv6"): port 5560 ipproto 47 feeds
    ip6gre "g6" (PEER6), port 5561 gue feeds ip6tnl "t6" (mode any, from R3_6).  Delivered,
    bit-exact but for the decrement: IPv6/UDP/GRE with IPv4 and IPv6 inners, the same behind a
    destination options header before UDP, GUE proto 41 and 4, GUE variant 1 IPv6 and IPv4.
    Dropped: a zero UDP checksum on either port (FOU/GUE over IPv6 never accept one:
    udp_zero_checksum), a wrong checksum (udp_bad_checksum), IPv4 UDP to port 5560 (an
    IPv6-only receive port: local_proto)."""
    tunnels = [{"name": "g6", "type": "ip6gre", "local": WAN6, "remote": PEER6},
               {"name": "t6", "type": "ip6tnl", "local": WAN6, "remote": R3_6, "mode": "any"}]
    c = l3_cfg(tunnels, fou=[{"port": FOU6_GRE_PORT, "ipproto": 47, "family": "ipv6"},
                             {"port": GUE6_PORT, "gue": True, "family": "ipv6"}])
    a, b, cc = back4(size=100, id=1), back6(size=333), back4(size=64, id=2)
    d, e = back6(size=120, hlim=5), back4(size=1000, id=3, tos=0x02)
    f, g = back6(size=90, sport=41001), back4(size=55, id=4)
    z1, z2, z3, z4 = back4(id=5), back6(size=80, sport=41002), back4(id=6), back4(id=7)
    wan = [udp_in(gre_hdr(P_IP4) + bytes(a), FOU6_GRE_PORT, src=PEER6),
           udp_in(gre_hdr(P_IP6) + bytes(b), FOU6_GRE_PORT, src=PEER6),
           udp_in(gre_hdr(P_IP4) + bytes(cc), FOU6_GRE_PORT, src=PEER6, dstopt=True),
           udp_in(gue0(41) + bytes(d), GUE6_PORT, src=R3_6),
           udp_in(gue0(4) + bytes(e), GUE6_PORT, src=R3_6),
           udp_in(bytes(f), GUE6_PORT, src=R3_6),
           udp_in(bytes(g), GUE6_PORT, src=R3_6),
           udp_in(gre_hdr(P_IP4) + bytes(z1), FOU6_GRE_PORT, src=PEER6, csum=False),
           udp_in(gue0(41) + bytes(z2), GUE6_PORT, src=R3_6, csum=False),
           wan_in(ip6_udp(bad_csum(PEER6, WAN6, 50000, FOU6_GRE_PORT,
                                   gre_hdr(P_IP4) + bytes(z3)))),
           udp_in(gre_hdr(P_IP4) + bytes(z4), FOU6_GRE_PORT)]
    r = tgw.run(c, {"wan0": wan})
    assert_pkts(r.out["lan0"], [lan_out(fwd(p)) for p in (a, b, cc, d, e, f, g)], "lan0")
    assert_no_output(r, "wan0")
    assert_drops(r, {"udp_zero_checksum": 2, "udp_bad_checksum": 1, "local_proto": 1})
    assert_tunnel(r, "g6", decap_packets=3, decap_bytes=len(a) + len(b) + len(cc))
    assert_tunnel(r, "t6", decap_packets=4, decap_bytes=sum(map(len, (d, e, f, g))))


# =========================================================================== GUE

def gue_cfg():
    """u4: ipip to PEER4, ug: gre key 9 to R2, us: sit mode any to R3, all "encap" gue to
    port 5556; "fou": port 5556 gue."""
    tunnels = [{"name": "u4", "type": "ipip", "local": WAN4, "remote": PEER4,
                "encap": {"type": "gue", "dport": GUE_PORT}},
               {"name": "ug", "type": "gre", "local": WAN4, "remote": R2, "key": 9,
                "encap": {"type": "gue", "dport": GUE_PORT}},
               {"name": "us", "type": "sit", "local": WAN4, "remote": R3, "mode": "any",
                "encap": {"type": "gue", "dport": GUE_PORT}}]
    routes = [{"dst": "10.2.0.0/24", "dev": "u4"},
              {"dst": "10.2.1.0/24", "dev": "ug"}, {"dst": "2001:db8:2:1::/64", "dev": "ug"},
              {"dst": "10.2.2.0/24", "dev": "us"}, {"dst": "2001:db8:2:2::/64", "dev": "us"}]
    return l3_cfg(tunnels, routes, fou=[{"port": GUE_PORT, "gue": True}])


def test_gue_encap():
    """GUE variant 0 encap, byte-exact: IPv4 (proto 17, TTL inherited, TOS 0 + ECN, DF) / UDP
    (dport 5556, checksum 0, auto source port) / GUE (version 0, C 0, Hlen 0, flags 0, proto =
    the inner IP protocol: 4 for ipip "u4", 47 for gre "ug" (whatever the GRE payload), 4 or 41
    per packet for sit mode any "us") / [GRE with key 9, protocol 0x0800 / 0x86DD] / inner, the
    inners up to each MTU (ipip and sit 1468 = 1500 - 20 - 8 - 4, gre with key 1460); one byte
    more with DF gets ICMP fragmentation needed / Packet Too Big naming that MTU (too_big)."""
    to_u4 = [udp4(size=28, id=1), udp4(size=1468, id=2, tos=0x02)]
    to_ug = [udp4(dst="10.2.1.5", size=100, id=3), udp6(dst="2001:db8:2:1::5", size=1460)]
    to_us = [udp4(dst="10.2.2.5", size=200, id=4, ttl=30),
             udp6(dst="2001:db8:2:2::5", size=1468, tc=0x01)]
    big = [udp4(size=1469, id=5), udp6(dst="2001:db8:2:1::5", size=1461, sport=40777)]
    r = tgw.run(gue_cfg(), {"lan0": [lan_in(p) for p in to_u4 + to_ug + to_us + big]})
    items = [(fwd4(p), lambda x, sp, oid, p=p: fou4(x, dport=GUE_PORT, sport=sp, id=oid,
                                                     tos=ecn_encap(0, p.tos), head=gue0(4)),
              None) for p in to_u4]
    items += [(fwd(p), lambda x, sp, oid, p=p: fou4(
        x, dport=GUE_PORT, sport=sp, id=oid, dst=R2, tos=ecn_encap(0, tos_of(p)),
        head=gue0(47) + gre_hdr(P_IP4 if isinstance(p, IP) else P_IP6, key=9)), None)
        for p in to_ug]
    items += [(fwd(p), lambda x, sp, oid, p=p: fou4(
        x, dport=GUE_PORT, sport=sp, id=oid, dst=R3, tos=ecn_encap(0, tos_of(p)),
        head=gue0(4 if isinstance(p, IP) else 41)), None) for p in to_us]
    expect_l3_encap(r.out["wan0"], items, "wan0")
    got_l = r.out["lan0"]
    e4 = tgw.pick(got_l, lambda y: ICMP in y and y[IP].src == LAN4, "lan0 ICMP error")
    e6 = tgw.pick(got_l, lambda y: ICMPv6PacketTooBig in y, "lan0 Packet Too Big")
    assert_pkts(got_l, [frag_needed(big[0], 1468, e4), ptb(big[1], 1460, e6)], "lan0")
    assert_drops(r, {"too_big": 2})
    for name, sent in (("u4", to_u4), ("ug", to_ug), ("us", to_us)):
        assert_tunnel(r, name, encap_packets=2, encap_bytes=sum(map(len, sent)))


def test_gue_decap():
    """GUE receive on port 5556 ("fou": gue), to lan0 bit-exact but for the decrement:
    variant 0 proto 4 (ipip u4), 47 with a keyed GRE header carrying IPv4 and IPv6 (gre ug),
    41 and 4 (sit mode any us); Hlen 1 with flags PRIV and a zero private-flags word (u4);
    Hlen 2 with flags 0 and two unknown extension words, which are skipped (ug); variant 1 (no
    GUE header, first bits 01) with an IPv4 packet (as proto 4 -> u4) and an IPv6 packet (as
    proto 41 -> us).  Nothing dropped; per-tunnel decap counters."""
    i = [back4(size=100, id=10), back4(size=101, id=11), back6(size=102),
         back6(size=1460, hlim=9), back4(size=104, id=12), back4(size=105, id=13),
         back4(size=1400, id=14, tos=0x01), back4(size=107, id=15), back6(size=108)]
    wan = [udp_in(gue0(4) + bytes(i[0]), GUE_PORT),
           udp_in(gue0(47) + gre_hdr(P_IP4, key=9) + bytes(i[1]), GUE_PORT, src=R2),
           udp_in(gue0(47) + gre_hdr(P_IP6, key=9) + bytes(i[2]), GUE_PORT, src=R2),
           udp_in(gue0(41) + bytes(i[3]), GUE_PORT, src=R3),
           udp_in(gue0(4) + bytes(i[4]), GUE_PORT, src=R3),
           udp_in(gue0(4, hlen=1, flags=GUE_PRIV, ext=bytes(4)) + bytes(i[5]), GUE_PORT),
           udp_in(gue0(47, hlen=2, ext=bytes.fromhex("deadbeefcafef00d")) +
                  gre_hdr(P_IP4, key=9) + bytes(i[6]), GUE_PORT, src=R2),
           udp_in(bytes(i[7]), GUE_PORT),
           udp_in(bytes(i[8]), GUE_PORT, src=R3, csum=False)]
    r = tgw.run(gue_cfg(), {"wan0": wan})
    assert_pkts(r.out["lan0"], [lan_out(fwd(p)) for p in i], "lan0")
    assert_no_output(r, "wan0")
    assert_drops(r, {})
    per = {"u4": [i[0], i[5], i[7]], "ug": [i[1], i[2], i[6]], "us": [i[3], i[4], i[8]]}
    for name in per:
        assert_tunnel(r, name, decap_packets=3, decap_bytes=sum(map(len, per[name])),
                      encap_packets=0)


def test_gue_bad_input():
    """The GUE receive catalogue (port 5556), each dropped and counted, nothing forwarded but
    the two good packets (variant 0 and variant 1 from PEER4):
      C bit set (a control message, ctype 0)                          gue_control
      flags 0x8000 (unknown) with Hlen 1; flags PRIV with the private
      flags word 0x00000001 (unknown private flag)                     gue_bad_flags (2)
      Hlen 3 with 8 bytes after the header; 2 bytes of GUE; flags PRIV
      with Hlen 0 (the private flags word is missing)                 gue_bad_hlen (3)
      proto 17; proto 0                                               gue_bad_proto (2)
      version 2 (0x80), version 3 (0xc0), variant 1 with first nibble
      5 (neither IPv4 nor IPv6)                                       gue_bad_version (3)
      proto 4 from a sender no ipip tunnel has                        no_tunnel"""
    inner = back4(size=60, id=1)
    ib = bytes(inner)
    bad = {
        "gue_control": [udp_in(gue0(0, c=1) + ib, GUE_PORT)],
        "gue_bad_flags": [udp_in(gue0(4, hlen=1, flags=0x8000, ext=bytes(4)) + ib, GUE_PORT),
                          udp_in(gue0(4, hlen=1, flags=GUE_PRIV, ext=b"\0\0\0\x01") + ib,
                                 GUE_PORT)],
        "gue_bad_hlen": [udp_in(gue0(4, hlen=3) + bytes(8), GUE_PORT),
                         udp_in(b"\x00\x04", GUE_PORT),
                         udp_in(gue0(4, flags=GUE_PRIV) + ib, GUE_PORT)],
        "gue_bad_proto": [udp_in(gue0(17) + ib, GUE_PORT), udp_in(gue0(0) + ib, GUE_PORT)],
        "gue_bad_version": [udp_in(gue0(4, ver=2) + ib, GUE_PORT),
                            udp_in(gue0(4, ver=3) + ib, GUE_PORT),
                            udp_in(b"\x50" + ib[1:], GUE_PORT)],
        "no_tunnel": [udp_in(gue0(4) + ib, GUE_PORT, src=OTHER4)],
    }
    good = [back4(size=70, id=2), back4(size=71, id=3)]
    wan = [f for v in bad.values() for f in v]
    wan += [udp_in(gue0(4) + bytes(good[0]), GUE_PORT), udp_in(bytes(good[1]), GUE_PORT)]
    r = tgw.run(gue_cfg(), {"wan0": wan})
    assert_pkts(r.out["lan0"], [lan_out(fwd4(p)) for p in good], "lan0")
    assert_no_output(r, "wan0")
    assert_drops(r, {k: len(v) for k, v in bad.items()})
    assert_tunnel(r, "u4", decap_packets=2, decap_bytes=sum(map(len, good)))


# =========================================================================== source ports

def test_udp_sport():
    """"sport": "auto" follows the inner flow (udp_flow_src_port).  ipip "sa" (FOU): 32 IPv4
    flows (inner source ports 41000..41031), each sent twice with a different size, ID and TOS:
    both packets of a flow get the same outer source port, every port is in [32768, 60999],
    and the 32 flows use at least 8 distinct ports.  sit "s6" (FOU): 16 IPv6 flows twice each,
    stable per flow, in range, at least 4 distinct.  gre "sf" with "sport": 4242: every packet
    (of 8 flows) carries exactly 4242.  Every frame is byte-exact otherwise."""
    tunnels = [{"name": "sa", "type": "ipip", "local": WAN4, "remote": PEER4,
                "encap": {"type": "fou", "dport": FOU_PORT, "sport": "auto"}},
               {"name": "sf", "type": "gre", "local": WAN4, "remote": R2,
                "encap": {"type": "fou", "dport": FOU_GRE_PORT, "sport": 4242}},
               {"name": "s6", "type": "sit", "local": WAN4, "remote": R3,
                "encap": {"type": "gue", "dport": GUE_PORT}}]
    c = l3_cfg(tunnels, [{"dst": "10.2.0.0/24", "dev": "sa"}, {"dst": "10.2.1.0/24", "dev": "sf"},
                         {"dst": "2001:db8:2::/64", "dev": "s6"}])
    flows4 = [[udp4(size=60 + k * 40, id=(i << 4) | k, tos=k * 4, sport=41000 + i)
               for k in range(2)] for i in range(32)]
    flows6 = [[udp6(size=70 + k * 50, tc=k * 4, sport=42000 + i) for k in range(2)]
              for i in range(16)]
    fixed = [udp4(dst="10.2.1.5", size=80, id=0x500 + i, sport=43000 + i) for i in range(8)]
    sent = [p for fl in flows4 for p in fl] + [p for fl in flows6 for p in fl] + fixed
    r = tgw.run(c, {"lan0": [lan_in(p) for p in sent]})
    got = r.out["wan0"]
    items = [(fwd4(p), lambda x, sp, oid, p=p: fou4(x, dport=FOU_PORT, sport=sp, id=oid,
                                                     tos=ecn_encap(0, p.tos)), None)
             for fl in flows4 for p in fl]
    items += [(fwd6(p), lambda x, sp, oid, p=p: fou4(x, dport=GUE_PORT, sport=sp, id=oid,
                                                      dst=R3, tos=ecn_encap(0, p.tc),
                                                      head=gue0(41)), None)
              for fl in flows6 for p in fl]
    items += [(fwd4(p), lambda x, sp, oid: fou4(x, dport=FOU_GRE_PORT, sport=sp, id=oid,
                                                dst=R2, head=gre_hdr(P_IP4)), 4242)
              for p in fixed]
    expect_l3_encap(got, items, "wan0")
    for name, flows, need in (("IPv4 / ipip", flows4, 8), ("IPv6 / sit", flows6, 4)):
        ports = []
        for i, fl in enumerate(flows):
            sp = {find_capture(got, bytes(fwd(p)), "wan0")[UDP].sport for p in fl}
            if len(sp) != 1:
                raise AssertionError(f"{name} flow {i}: the packets of one flow got different "
                                     f"source ports {sorted(sp)}")
            ports.append(sp.pop())
        if len(set(ports)) < need:
            raise AssertionError(f"{name}: {len(flows)} flows use only {len(set(ports))} "
                                 f"distinct source ports ({sorted(set(ports))}), expected at "
                                 f"least {need}")
    assert_drops(r, {})


# =========================================================================== GENEVE

GOPTS = [(0x0102, 0x85, bytes.fromhex("deadbeef")),               # critical
         (0xffff, 0x01, bytes.fromhex("0011223344556677"))]       # not critical
GOPTS_JSON = [{"class": "0x0102", "type": "0x85", "data": "0xdeadbeef"},
              {"class": 65535, "type": 1, "data": "0011223344556677"}]
NCOPT = [(0x0005, 0x06, bytes.fromhex("01020304"))]
NCOPT_JSON = [{"class": 5, "type": 6, "data": "01020304"}]


def geneve_out4(fr, sport, oid, vni, opts=(), dst=PEER4, dport=GENEVE_PORT, csum=False,
                head=None):
    """Expected wan0 frame: IPv4 (TTL 64, DF clear, TOS 0 + ECN) / UDP / GENEVE / frame."""
    u = UDP(sport=sport, dport=dport)
    if not csum:
        u.chksum = 0
    h = head if head is not None else geneve_scapy(vni, opts)
    return wan_out(IP(src=WAN4, dst=dst, ttl=64, tos=ecn_encap(0, frame_ds(fr)), flags=0,
                      id=oid) / u / Raw(h + fr))


def geneve_out6(fr, sport, vni, opts=(), dst=PEER6, dport=GENEVE_PORT, csum=True, head=None):
    """Expected wan0 frame: IPv6 (hop limit 64, flow label 0, TC 0 + ECN) / UDP (checksum by
    scapy unless csum is False) / GENEVE (or head) / frame."""
    u = UDP(sport=sport, dport=dport)
    if not csum:
        u.chksum = 0
    h = head if head is not None else geneve_scapy(vni, opts)
    return wan_out(IPv6(src=WAN6, dst=dst, hlim=64, tc=ecn_encap(0, frame_ds(fr)), fl=0) /
                   u / Raw(h + fr))


def l2_expect(got, frames, build, what):
    """Expected frames for the frames sent into an L2 tunnel, each found in the capture by its
    bytes; build(frame, captured Ether) -> expected.  Source ports checked for range."""
    exp = []
    for fr in frames:
        g = find_capture(got, fr, what)
        check_sport(g[UDP].sport, f"{what}: {Ether(fr).summary()}")
        exp.append(build(fr, g))
    return exp


def lan_frames(dst=RMT_MAC, src=LAN_HOST_MAC):
    """Frames a host on a bridged lan sends towards the tunnel: IPv4 ECT(1), IPv6 CE,
    broadcast ARP, 802.1Q-tagged IPv4, a short non-IP frame."""
    return [frame(dst, src, udp4(size=100, ttl=33, tos=0xb9, id=1)),
            frame(dst, src, udp6(size=120, hlim=20, tc=0x2b)),
            frame(BCAST, src, ARP(op=1, hwsrc=src, psrc=LAN_HOST4, pdst=REMOTE4)),
            frame(dst, src, udp4(size=90, id=2, tos=0x03), vlan=100),
            frame(dst, src, Raw(b"\x00" * 46))]


def down_frames(dst=LAN_HOST_MAC, n=0):
    """Frames from behind the tunnel towards the lan host."""
    return [frame(dst, RMT_MAC, udp4(src=REMOTE4, dst=LAN_HOST4, size=300 + n, id=11 + n)),
            frame(dst, RMT_MAC, udp6(src=REMOTE6, dst=LAN_HOST6, size=90 + n)),
            frame(BCAST, RMT_MAC, ARP(op=1, hwsrc=RMT_MAC, psrc=REMOTE4, pdst=LAN_HOST4)),
            frame(dst, RMT_MAC, Raw(b"x" * (30 + n)))]


def gen_in(fr, vni, src=PEER4, opts=b"", **kw):
    """A wan0 frame from src: IP / UDP (checksum right) / GENEVE (opts raw) / fr."""
    csum = kw.pop("csum", True)
    return udp_in(geneve_raw(vni, opts, **kw) + fr, GENEVE_PORT, src=src, csum=csum)


def test_geneve_ipv4_bridge():
    """geneve over IPv4, three tunnels each bridged with one lan port.
    gn (VNI 0x123456, PEER4, no options) with lan0; go (VNI 77, PEER4, options: class 0x0102
    type 0x85 (critical) data deadbeef, class 0xffff type 1 data 0011223344556677) with lan1;
    gc (VNI 78 given as a string, R2, no "local", one non-critical option, "udpcsum") with
    lan2.
    Encap, byte-exact: IPv4 from WAN4 (TTL 64, DF clear, TOS 0 + the frame's IP ECN, proto 17)
    / UDP (dport 6081, checksum 0 (gc: right, "udpcsum"), source port in [32768, 60999], equal
    for two frames of one
    flow) / GENEVE (version 0, option length, O 0, C = 1 only when a sent option has the
    critical type bit, protocol 0x6558, VNI) / options exactly as configured / the frame
    unchanged.  MTU: gn takes a 1464-byte frame (1500 - 20 - 8 - 8 - 14 + 14), drops 1465
    (too_big); go with 20 option bytes takes 1444, drops 1445.
    Decap into the bridges, frames unchanged: to gn with no options, with an unknown
    non-critical option (skipped); to go with its own critical option (understood), with a
    critical option of another type -> geneve_critical_option; to gn a critical option it does
    not send -> geneve_critical_option; VNI 0x123456 from R2 (geneve matches the remote) and
    VNI 79 -> no_tunnel."""
    tunnels = [{"name": "gn", "type": "geneve", "id": 0x123456, "remote": PEER4,
                "local": WAN4},
               {"name": "go", "type": "geneve", "id": 77, "remote": PEER4, "local": WAN4,
                "options": GOPTS_JSON},
               {"name": "gc", "type": "geneve", "id": "78", "remote": R2,
                "options": NCOPT_JSON, "udpcsum": True}]
    c = l2_cfg(tunnels, [{"name": "br0", "members": ["lan0", "gn"]},
                         {"name": "br1", "members": ["go", "lan1"]},
                         {"name": "br2", "members": ["lan2", "gc"]}], n_lan=3)
    up0 = lan_frames()
    same_flow = frame(RMT_MAC, LAN_HOST_MAC, udp4(size=222, ttl=33, tos=0xb9, id=9))
    up0 += [same_flow, frame(RMT_MAC, LAN_HOST_MAC, udp4(size=1464 - 14, id=3))]
    up0_big = frame(RMT_MAC, LAN_HOST_MAC, udp4(size=1465 - 14, id=4))
    up1 = lan_frames(src=LAN1_HOST_MAC)[:3] + [
        frame(RMT_MAC, LAN1_HOST_MAC, udp6(size=1444 - 14))]
    up1_big = frame(RMT_MAC, LAN1_HOST_MAC, udp6(size=1445 - 14))
    up2 = lan_frames(src=LAN2_HOST_MAC)[:2]
    d0 = down_frames()
    d1 = down_frames(LAN1_HOST_MAC, 1)[:2]
    crit_other = gopt(0x0102, 0x86, b"\0\0\0\1")
    unknown_nc = gopt(0x1234, 0x05, b"abcd")
    wan = [gen_in(d0[0], 0x123456), gen_in(d0[1], 0x123456, opts=unknown_nc),
           gen_in(d0[2], 0x123456, opts=unknown_nc + gopt(0x4321, 0x7f, b"12345678")),
           gen_in(d0[3], 0x123456, csum=False),
           gen_in(d1[0], 77, opts=gopt(*GOPTS[0]), crit=1),
           gen_in(d1[1], 77, opts=gopt(*GOPTS[1]) + gopt(*GOPTS[0]), crit=1)]
    bad = {"geneve_critical_option": [gen_in(d1[0], 77, opts=crit_other, crit=1),
                                      gen_in(d0[0], 0x123456, opts=gopt(*GOPTS[0]), crit=1)],
           "no_tunnel": [gen_in(d0[0], 0x123456, src=R2), gen_in(d0[0], 79)]}
    wan += [f for v in bad.values() for f in v]
    r = tgw.run(c, {"lan0": up0 + [up0_big], "lan1": up1 + [up1_big], "lan2": up2,
                    "wan0": wan})
    got = r.out["wan0"]
    exp = l2_expect(got, up0, lambda fr, g: geneve_out4(fr, g[UDP].sport, g[IP].id, 0x123456),
                    "wan0 (gn)")
    exp += l2_expect(got, up1, lambda fr, g: geneve_out4(fr, g[UDP].sport, g[IP].id, 77,
                                                         GOPTS), "wan0 (go)")
    exp += l2_expect(got, up2, lambda fr, g: geneve_out4(fr, g[UDP].sport, g[IP].id, 78,
                                                         NCOPT, dst=R2, csum=True),
                     "wan0 (gc)")
    assert_pkts(got, exp, "wan0")
    sp = {find_capture(got, f, "wan0")[UDP].sport for f in (up0[0], same_flow)}
    if len(sp) != 1:
        raise AssertionError(f"gn: two frames of one IPv4 flow got source ports {sorted(sp)}")
    assert_pkts(r.out["lan0"], d0, "lan0 (gn -> br0)")
    assert_pkts(r.out["lan1"], d1, "lan1 (go -> br1)")
    assert_no_output(r, "lan2")
    assert_drops(r, dict({k: len(v) for k, v in bad.items()}, too_big=2))
    assert_tunnel(r, "gn", encap_packets=len(up0), encap_bytes=sum(map(len, up0)),
                  decap_packets=len(d0), decap_bytes=sum(map(len, d0)))
    assert_tunnel(r, "go", encap_packets=len(up1), encap_bytes=sum(map(len, up1)),
                  decap_packets=len(d1), decap_bytes=sum(map(len, d1)))
    assert_tunnel(r, "gc", encap_packets=len(up2), decap_packets=0)


def test_geneve_ipv6_bridge():
    """geneve over IPv6: g6 (VNI 600, PEER6, one critical option, UDP checksum by default)
    with lan0; gz (VNI 601, R2_6, "udp6zerocsumtx" and "udp6zerocsumrx") with lan1.
    Encap, byte-exact: IPv6 from WAN6 (hop limit 64, flow label 0, TC 0 + the frame's ECN,
    next header 17) / UDP (dport 6081, checksum right for g6 and 0 for gz, source port in
    range) / GENEVE / frame.  MTU: g6 (1500 - 40 - 8 - 8 - 8 - 14) takes a 1436-byte frame,
    drops 1437 (too_big).  Decap: g6 with a right checksum (with and without its critical
    option) and gz with a zero checksum are delivered; a zero checksum to g6 ->
    udp_zero_checksum; a wrong checksum -> udp_bad_checksum; VNI 600 from R2_6 -> no_tunnel."""
    opt = [(0x0102, 0x85, bytes.fromhex("deadbeef"))]
    tunnels = [{"name": "g6", "type": "geneve", "id": 600, "remote": PEER6, "local": WAN6,
                "options": [{"class": "0x0102", "type": "0x85", "data": "deadbeef"}]},
               {"name": "gz", "type": "geneve", "id": 601, "remote": R2_6,
                "udp6zerocsumtx": True, "udp6zerocsumrx": True}]
    c = l2_cfg(tunnels, [{"name": "br0", "members": ["lan0", "g6"]},
                         {"name": "br1", "members": ["lan1", "gz"]}], n_lan=2)
    up0 = lan_frames() + [frame(RMT_MAC, LAN_HOST_MAC, udp4(size=1436 - 14, id=5))]
    big = frame(RMT_MAC, LAN_HOST_MAC, udp4(size=1437 - 14, id=6))
    up1 = lan_frames(src=LAN1_HOST_MAC)[:3]
    d0 = down_frames()
    d1 = down_frames(LAN1_HOST_MAC, 2)[:2]
    wan = [gen_in(d0[0], 600, src=PEER6), gen_in(d0[1], 600, src=PEER6, opts=gopt(*opt[0]),
                                                 crit=1),
           gen_in(d0[2], 600, src=PEER6), gen_in(d0[3], 600, src=PEER6),
           gen_in(d1[0], 601, src=R2_6, csum=False), gen_in(d1[1], 601, src=R2_6)]
    x = d0[0]
    bad = {"udp_zero_checksum": [gen_in(x, 600, src=PEER6, csum=False)],
           "udp_bad_checksum": [wan_in(ip6_udp(bad_csum(PEER6, WAN6, 50000, GENEVE_PORT,
                                                        geneve_raw(600) + x)))],
           "no_tunnel": [gen_in(x, 600, src=R2_6)]}
    wan += [f for v in bad.values() for f in v]
    r = tgw.run(c, {"lan0": up0 + [big], "lan1": up1, "wan0": wan}, tshark=False)
    tshark_allowing_zero_csum6(r)
    got = r.out["wan0"]
    exp = l2_expect(got, up0, lambda fr, g: geneve_out6(fr, g[UDP].sport, 600, opt),
                    "wan0 (g6)")
    exp += l2_expect(got, up1, lambda fr, g: geneve_out6(fr, g[UDP].sport, 601, dst=R2_6,
                                                         csum=False), "wan0 (gz)")
    assert_pkts(got, exp, "wan0")
    for g in got:
        seg = bytes(g[IPv6].payload)
        if g[IPv6].dst == PEER6 and not udp_csum_ok(WAN6, PEER6, seg):
            raise AssertionError(f"g6: UDP checksum does not verify: {g.summary()}")
        if g[IPv6].dst == R2_6 and seg[6:8] != b"\0\0":
            raise AssertionError(f"gz (udp6zerocsumtx): checksum {seg[6:8].hex()}, expected 0")
    assert_pkts(r.out["lan0"], d0, "lan0")
    assert_pkts(r.out["lan1"], d1, "lan1")
    assert_drops(r, dict({k: len(v) for k, v in bad.items()}, too_big=1))
    assert_tunnel(r, "g6", encap_packets=len(up0), encap_bytes=sum(map(len, up0)),
                  decap_packets=len(d0), decap_bytes=sum(map(len, d0)))
    assert_tunnel(r, "gz", encap_packets=len(up1), decap_packets=len(d1),
                  decap_bytes=sum(map(len, d1)))


def test_geneve_bad_input():
    """The GENEVE receive catalogue (gn: VNI 100 from PEER4, one option class 0x0102 type
    0x85), each dropped and counted, nothing delivered but two good frames:
      6 bytes of GENEVE header                                        geneve_truncated
      version 1; version 3                                            geneve_bad_version (2)
      protocol 0x0800; 0x86DD                                         geneve_bad_proto (2)
      option length 63 words (252 bytes) in a 60-byte payload; option length 1 word holding
      an option that claims 2 data words; option length 2 words holding an
      option that claims 31 data words                                geneve_bad_options (3)
      a critical option the tunnel does not know                      geneve_critical_option
      the O bit (a control message)                                   geneve_control
      VNI 101; VNI 100 from R2                                        no_tunnel (2)
      a wrong nonzero UDP checksum                                    udp_bad_checksum"""
    t = {"name": "gn", "type": "geneve", "id": 100, "remote": PEER4, "local": WAN4,
         "options": [{"class": "0x0102", "type": "0x85", "data": "00000000"}]}
    c = l2_cfg([t], [{"name": "br0", "members": ["lan0", "gn"]}])
    fr = frame(LAN_HOST_MAC, RMT_MAC, udp4(src=REMOTE4, dst=LAN_HOST4, size=60, id=1))
    good = [frame(LAN_HOST_MAC, RMT_MAC, udp4(src=REMOTE4, dst=LAN_HOST4, size=61, id=2)),
            frame(LAN_HOST_MAC, RMT_MAC, udp4(src=REMOTE4, dst=LAN_HOST4, size=62, id=3))]
    bad = {
        "geneve_truncated": [pad60(udp_in(geneve_raw(100)[:6], GENEVE_PORT))],
        "geneve_bad_version": [gen_in(fr, 100, ver=1), gen_in(fr, 100, ver=3)],
        "geneve_bad_proto": [gen_in(fr, 100, proto=P_IP4), gen_in(fr, 100, proto=P_IP6)],
        "geneve_bad_options": [
            udp_in(geneve_raw(100, optlen=63) + bytes(60), GENEVE_PORT),
            gen_in(fr, 100, opts=struct.pack("!HBB", 0x1234, 1, 2) + b"", optlen=1),
            gen_in(fr, 100, opts=struct.pack("!HBB", 0x1234, 1, 31) + b"abcd", optlen=2)],
        "geneve_critical_option": [gen_in(fr, 100, opts=gopt(0x0102, 0x84, b"wxyz"), crit=1)],
        "geneve_control": [gen_in(fr, 100, oam=1)],
        "no_tunnel": [gen_in(fr, 101), gen_in(fr, 100, src=R2)],
        "udp_bad_checksum": [wan_in(ip4_udp(bad_csum(PEER4, WAN4, 50000, GENEVE_PORT,
                                                     geneve_raw(100) + fr)))],
    }
    wan = [gen_in(good[0], 100)] + [f for v in bad.values() for f in v] + \
        [gen_in(good[1], 100, opts=gopt(0x0102, 0x85, bytes(4)), crit=1)]
    r = tgw.run(c, {"wan0": wan})
    assert_pkts(r.out["lan0"], good, "lan0")
    assert_no_output(r, "wan0")
    assert_drops(r, {k: len(v) for k, v in bad.items()})
    assert_tunnel(r, "gn", decap_packets=2, decap_bytes=sum(map(len, good)))


# =========================================================================== VXLAN

def vxlan_out(fr, g, vni, v6=False, dst=None, dport=VXLAN_PORT, csum=None):
    """Expected vxlan frame from the captured g: outer as for geneve, VXLAN by scapy."""
    u = UDP(sport=g[UDP].sport, dport=dport)
    if csum is None:
        csum = v6
    if not csum:
        u.chksum = 0
    body = bytes(VXLAN(vni=vni)) + fr
    ecn = ecn_encap(0, frame_ds(fr))
    if v6:
        return wan_out(IPv6(src=WAN6, dst=dst or PEER6, hlim=64, tc=ecn, fl=0) / u / Raw(body))
    return wan_out(IP(src=WAN4, dst=dst or PEER4, ttl=64, tos=ecn, flags=0, id=g[IP].id) / u /
                   Raw(body))


def vx_in(fr, vni, src=PEER4, dport=VXLAN_PORT, csum=True, **kw):
    return udp_in(vxlan_raw(vni, **kw) + fr, dport, src=src, csum=csum)


def test_vxlan_ipv4_bridge():
    """vxlan over IPv4: vx (VNI 5000, PEER4, local WAN4, default port 4789) with lan0; vy
    (VNI 5001, R2, no "local", "dstport": 8472, "udpcsum": true) with lan1.
    Encap, byte-exact: IPv4 (from WAN4, the source chosen for vy too; TTL 64, DF clear, TOS 0 +
    ECN) / UDP (checksum 0 for vx, right for vy; source port in range) / VXLAN (flags 0x08, VNI)
    / frame; MTU 1500 - 20 - 8 - 8 - 14: a 1464-byte frame passes, 1465 is too_big.
    Decap: VNI 5000 to 4789 from PEER4 and from a sender no tunnel names (vxlan
    takes any sender, vxlan_vs_find_vni) and with other reserved bits set (ignored, RFC 7348);
    VNI 5001 to 8472 -> lan1.  Dropped: I flag clear (flags 0x00, 0x80) -> vxlan_no_vni_flag;
    7 bytes of VXLAN -> vxlan_truncated; VNI 5001 to 4789 and VNI 5000 to 8472 (the VNI is
    looked up on its port) -> no_tunnel."""
    tunnels = [{"name": "vx", "type": "vxlan", "id": 5000, "remote": PEER4, "local": WAN4},
               {"name": "vy", "type": "vxlan", "id": 5001, "remote": R2, "dstport": 8472,
                "udpcsum": True}]
    c = l2_cfg(tunnels, [{"name": "br0", "members": ["lan0", "vx"]},
                         {"name": "br1", "members": ["lan1", "vy"]}], n_lan=2)
    up0 = lan_frames() + [frame(RMT_MAC, LAN_HOST_MAC, udp4(size=1450, id=7))]
    big = frame(RMT_MAC, LAN_HOST_MAC, udp4(size=1451, id=8))
    up1 = lan_frames(src=LAN1_HOST_MAC)[:3]
    d0 = down_frames()
    d1 = down_frames(LAN1_HOST_MAC, 3)[:2]
    wan = [vx_in(d0[0], 5000), vx_in(d0[1], 5000, src=OTHER4),
           vx_in(d0[2], 5000, flags=0x0c, rsvd1=0xabcdef, rsvd2=0x5a),
           vx_in(d0[3], 5000, csum=False),
           vx_in(d1[0], 5001, src=R2, dport=8472), vx_in(d1[1], 5001, dport=8472)]
    x = d0[0]
    bad = {"vxlan_no_vni_flag": [vx_in(x, 5000, flags=0), vx_in(x, 5000, flags=0x80)],
           "vxlan_truncated": [pad60(udp_in(vxlan_raw(5000)[:7], VXLAN_PORT))],
           "no_tunnel": [vx_in(x, 5001), vx_in(x, 5000, dport=8472)]}
    wan += [f for v in bad.values() for f in v]
    r = tgw.run(c, {"lan0": up0 + [big], "lan1": up1, "wan0": wan})
    got = r.out["wan0"]
    exp = l2_expect(got, up0, lambda fr, g: vxlan_out(fr, g, 5000), "wan0 (vx)")
    exp += l2_expect(got, up1, lambda fr, g: vxlan_out(fr, g, 5001, dst=R2, dport=8472,
                                                       csum=True), "wan0 (vy)")
    assert_pkts(got, exp, "wan0")
    assert_pkts(r.out["lan0"], d0, "lan0")
    assert_pkts(r.out["lan1"], d1, "lan1")
    assert_drops(r, dict({k: len(v) for k, v in bad.items()}, too_big=1))
    assert_tunnel(r, "vx", encap_packets=len(up0), encap_bytes=sum(map(len, up0)),
                  decap_packets=len(d0), decap_bytes=sum(map(len, d0)))
    assert_tunnel(r, "vy", encap_packets=len(up1), decap_packets=len(d1))


def test_vxlan_ipv6_bridge():
    """vxlan over IPv6: v6 (VNI 600, PEER6, checksums by default) with lan0, vz (VNI 601,
    R2_6, "udp6zerocsumtx") with lan1, vr (VNI 602, R3_6, "udp6zerocsumrx") with lan2.
    Encap, byte-exact: IPv6 (hop limit 64, flow label 0, TC 0 + ECN) / UDP (v6: checksum
    present and right; vz: 0) / VXLAN / frame.  Decap: v6 with a right checksum; vr with a
    zero checksum and with a right one; dropped: zero checksum to v6 and to vz (zerocsumtx
    says nothing about receive) -> udp_zero_checksum (2)."""
    tunnels = [{"name": "v6", "type": "vxlan", "id": 600, "remote": PEER6, "local": WAN6},
               {"name": "vz", "type": "vxlan", "id": 601, "remote": R2_6,
                "udp6zerocsumtx": True},
               {"name": "vr", "type": "vxlan", "id": 602, "remote": R3_6,
                "udp6zerocsumrx": True}]
    c = l2_cfg(tunnels, [{"name": "br0", "members": ["lan0", "v6"]},
                         {"name": "br1", "members": ["lan1", "vz"]},
                         {"name": "br2", "members": ["lan2", "vr"]}], n_lan=3)
    up0 = lan_frames() + [frame(RMT_MAC, LAN_HOST_MAC, udp6(size=1430))]
    up1 = lan_frames(src=LAN1_HOST_MAC)[:2]
    d0 = down_frames()[:2]
    d2 = down_frames(LAN2_HOST_MAC, 5)[:2]
    wan = [vx_in(d0[0], 600, src=PEER6), vx_in(d0[1], 600, src=PEER6),
           vx_in(d2[0], 602, src=R3_6, csum=False), vx_in(d2[1], 602, src=R3_6)]
    bad = {"udp_zero_checksum": [vx_in(d0[0], 600, src=PEER6, csum=False),
                                 vx_in(d0[0], 601, src=R2_6, csum=False)]}
    wan += [f for v in bad.values() for f in v]
    r = tgw.run(c, {"lan0": up0, "lan1": up1, "wan0": wan}, tshark=False)
    tshark_allowing_zero_csum6(r)
    got = r.out["wan0"]
    exp = l2_expect(got, up0, lambda fr, g: vxlan_out(fr, g, 600, v6=True), "wan0 (v6)")
    exp += l2_expect(got, up1, lambda fr, g: vxlan_out(fr, g, 601, v6=True, dst=R2_6,
                                                       csum=False), "wan0 (vz)")
    assert_pkts(got, exp, "wan0")
    for g in got:
        seg = bytes(g[IPv6].payload)
        if g[IPv6].dst == PEER6 and (seg[6:8] == b"\0\0" or
                                     not udp_csum_ok(WAN6, PEER6, seg)):
            raise AssertionError(f"v6: UDP checksum {seg[6:8].hex()} does not verify")
        if g[IPv6].dst == R2_6 and seg[6:8] != b"\0\0":
            raise AssertionError(f"vz (udp6zerocsumtx): checksum {seg[6:8].hex()}, expected 0")
    assert_pkts(r.out["lan0"], d0, "lan0")
    assert_no_output(r, "lan1")
    assert_pkts(r.out["lan2"], d2, "lan2")
    assert_drops(r, {k: len(v) for k, v in bad.items()})
    assert_tunnel(r, "v6", encap_packets=len(up0), decap_packets=2)
    assert_tunnel(r, "vz", encap_packets=len(up1), decap_packets=0)
    assert_tunnel(r, "vr", encap_packets=0, decap_packets=2,
                  decap_bytes=sum(map(len, d2)))


# =========================================================================== UDP itself

def test_udp_bad_input():
    """UDP receive rules, IPv4 and IPv6, around ipip "f0" (FOU port 5555) and ip6gre "g6"
    (FOU port 5560, IPv6):
      4 bytes of UDP header (IPv4 and IPv6)                           udp_truncated (2)
      UDP length 7; UDP length one past the IP payload (IPv4 and
      IPv6)                                                           udp_bad_length (3)
      a wrong nonzero checksum (IPv4 and IPv6)                        udp_bad_checksum (2)
      a zero checksum over IPv6 to a FOU port                         udp_zero_checksum
      UDP to WAN4 port 9999, to 6081 and 4789 (no geneve/vxlan
      tunnel), to 5560 over IPv4 and 5555 over IPv6 (the other
      family's ports)                                                 local_proto (5)
    Delivered: IPv4 and IPv6 FOU packets with right checksums, one whose UDP length is 6
    bytes shorter than the IP payload (the datagram is trimmed), and the IPv6 one likewise."""
    tunnels = [{"name": "f0", "type": "ipip", "local": WAN4, "remote": PEER4},
               {"name": "g6", "type": "ip6gre", "local": WAN6, "remote": PEER6}]
    c = l3_cfg(tunnels, fou=[{"port": FOU_PORT, "ipproto": 4},
                             {"port": FOU6_GRE_PORT, "ipproto": 47, "family": "ipv6"}])
    x4, x6 = bytes(back4(size=60, id=1)), gre_hdr(P_IP4) + bytes(back4(size=61, id=2))
    g4a, g4b = back4(size=100, id=10), back4(size=101, id=11)
    g6a, g6b = back4(size=102, id=12), back6(size=103)
    seg = udp_seg(PEER4, WAN4, 50000, FOU_PORT, x4)
    seg6 = udp_seg(PEER6, WAN6, 50000, FOU6_GRE_PORT, x6)
    bad = {
        "udp_truncated": [pad60(wan_in(IP(src=PEER4, dst=WAN4, proto=17) / Raw(seg[:4]))),
                          pad60(wan_in(IPv6(src=PEER6, dst=WAN6, nh=17) / Raw(seg6[:4])))],
        "udp_bad_length": [
            wan_in(ip4_udp(udp_seg(PEER4, WAN4, 50000, FOU_PORT, x4, ulen=7))),
            wan_in(ip4_udp(udp_seg(PEER4, WAN4, 50000, FOU_PORT, x4, ulen=len(seg) + 1,
                                   csum=False))),
            wan_in(ip6_udp(udp_seg(PEER6, WAN6, 50000, FOU6_GRE_PORT, x6,
                                   ulen=len(seg6) + 1)))],
        "udp_bad_checksum": [wan_in(ip4_udp(bad_csum(PEER4, WAN4, 50000, FOU_PORT, x4))),
                             wan_in(ip6_udp(bad_csum(PEER6, WAN6, 50000, FOU6_GRE_PORT, x6)))],
        "udp_zero_checksum": [udp_in(x6, FOU6_GRE_PORT, src=PEER6, csum=False)],
        "local_proto": [udp_in(x4, 9999), udp_in(geneve_raw(1) + bytes(20), GENEVE_PORT),
                        udp_in(vxlan_raw(1) + bytes(20), VXLAN_PORT),
                        udp_in(x6, FOU6_GRE_PORT), udp_in(x4, FOU_PORT, src=PEER6)],
    }
    trail = b"\x99\x88\x77\x66\x55\x44"
    good = [udp_in(bytes(g4a), FOU_PORT),
            wan_in(ip4_udp(udp_seg(PEER4, WAN4, 50001, FOU_PORT, bytes(g4b)), trailer=trail)),
            udp_in(gre_hdr(P_IP4) + bytes(g6a), FOU6_GRE_PORT, src=PEER6),
            wan_in(IPv6(bytes(IPv6(src=PEER6, dst=WAN6, nh=17) / Raw(
                udp_seg(PEER6, WAN6, 50002, FOU6_GRE_PORT, gre_hdr(P_IP6) + bytes(g6b)) +
                trail))))]
    r = tgw.run(c, {"wan0": [f for v in bad.values() for f in v] + good})
    assert_pkts(r.out["lan0"], [lan_out(fwd(p)) for p in (g4a, g4b, g6a, g6b)], "lan0")
    assert_no_output(r, "wan0")
    assert_drops(r, {k: len(v) for k, v in bad.items()})
    assert_tunnel(r, "f0", decap_packets=2, decap_bytes=len(g4a) + len(g4b))
    assert_tunnel(r, "g6", decap_packets=2, decap_bytes=len(g6a) + len(g6b))


# =========================================================================== round trips

B_LAN_MAC, B_HOST_MAC = "02:00:00:00:03:01", "02:00:00:00:03:05"


def l3_gateways(ttype, fou, **extra):
    from test_roundtrip import gateways
    a, b = gateways(ttype, **extra)
    a["fou"] = b["fou"] = fou
    return a, b


def rt_traffic(maxlen, v6=True):
    p = [udp4(size=s, id=100 + i, tos=(i * 0x21) & 0xff,
              fill=bytes((i + k * 13) & 0xff for k in range(s - 28)))
         for i, s in enumerate([28, 29, 64, 101, 576, 1001, maxlen])]
    p.append(tcp4(id=200))
    p.append(udp4(size=1500, id=203, flags=0))       # no DF: A fragments the outer packet
    if v6:
        p += [udp6(size=s, tc=(i * 0x31) & 0xff, fl=i * 0x1111 + 1, sport=41000 + i)
              for i, s in enumerate([48, 49, 100, 1001, maxlen])]
    return p


def l3_roundtrip(ttype, traffic, fou, **extra):
    a_cfg, b_cfg = l3_gateways(ttype, fou, **extra)
    a = tgw.run(a_cfg, {"lan0": [lan_in(p) for p in traffic]})
    assert_no_output(a, "lan0")
    assert_drops(a, {})
    assert_tunnel(a, "t0", encap_packets=len(traffic), encap_bytes=sum(map(len, traffic)))
    wire = a.raw["wan0"]
    for f in wire:
        e = Ether(f)
        if UDP not in e or e[UDP].dport != extra["encap"]["dport"]:
            if not (IP in e and e[IP].frag > 0):
                raise AssertionError(f"A sent a frame that is not UDP to the encap port: "
                                     f"{e.summary()}")
    b = tgw.run(b_cfg, {"wan0": wire})
    exp = [Ether(src=B_LAN_MAC, dst=B_HOST_MAC) / fwd(p, 2) for p in traffic]
    assert_pkts(b.out["lan0"], exp, "B lan0")
    assert_no_output(b, "wan0")
    assert_drops(b, {})
    assert_tunnel(b, "t0", decap_packets=len(traffic), decap_bytes=sum(map(len, traffic)))


def test_fou_ipip_roundtrip():
    """ipip over FOU (port 5555), A -> B: IPv4 inners up to the 1472 MTU, TCP, and a 1500-byte
    packet without DF whose outer UDP packet A fragments and B reassembles before the FOU
    decap; all arrive at B's lan in order-independent bit-exactness but for two decrements."""
    l3_roundtrip("ipip", rt_traffic(1472, v6=False), [{"port": FOU_PORT, "ipproto": 4}],
                 encap={"type": "fou", "dport": FOU_PORT})


def test_gue_gre_csum_roundtrip():
    """gre with key 0xdeadbeef over GUE with "csum": true (MTU 1500 - 20 - 8 - 4 - 8 = 1460):
    both families, the fragmented no-DF packet included (its UDP checksum covers the whole
    datagram and is verified by B after reassembly); B delivers everything bit-exact."""
    l3_roundtrip("gre", rt_traffic(1460), [{"port": GUE_PORT, "gue": True}],
                 key=0xdeadbeef, encap={"type": "gue", "dport": GUE_PORT, "csum": True})


def test_gue_sit_csum_roundtrip():
    """sit mode any over GUE with "csum": true (MTU 1468), A -> B: IPv4 (GUE proto 4) and
    IPv6 (GUE proto 41) inners, the 1500-byte no-DF IPv4 packet fragmented by A (its UDP
    checksum covers the whole datagram; B verifies it after reassembly); B delivers everything
    bit-exact but for the two decrements, nothing dropped."""
    l3_roundtrip("sit", rt_traffic(1468), [{"port": GUE_PORT, "gue": True}], mode="any",
                 encap={"type": "gue", "dport": GUE_PORT, "csum": True})


def l2_gateways(ttype, outer6, **extra):
    """A: lan0 bridged with t0 towards B; B: its lan0 bridged with t0 towards A."""
    a_loc, b_loc = (WAN6, PEER6) if outer6 else (WAN4, PEER4)
    ta = dict({"name": "t0", "type": ttype, "local": a_loc, "remote": b_loc}, **extra)
    a = l2_cfg([ta], [{"name": "br0", "members": ["lan0", "t0"]}])
    b = {"ports": [{"name": "lan0", "mac": B_LAN_MAC},
                   {"name": "wan0", "mac": PEER_MAC,
                    "addresses": [PEER4 + "/24", PEER6 + "/64"]}],
         "tunnels": [dict(ta, local=b_loc, remote=a_loc)],
         "bridges": [{"name": "br0", "members": ["lan0", "t0"]}],
         "neighbors": [{"dst": WAN4, "lladdr": WAN_MAC, "dev": "wan0"},
                       {"dst": WAN6, "lladdr": WAN_MAC, "dev": "wan0"}]}
    return a, b


def l2_roundtrip(ttype, outer6, maxframe, **extra):
    a_cfg, b_cfg = l2_gateways(ttype, outer6, **extra)
    frames = lan_frames() + [
        frame(RMT_MAC, LAN_HOST_MAC, udp4(size=s - 14, id=30 + i, tos=i,
                                          fill=bytes((i * 5 + k) & 0xff for k in range(s - 42))))
        for i, s in enumerate([60, 61, 333, 1001, maxframe])] + [
        frame(RMT_MAC, LAN_HOST_MAC, udp6(size=s - 14, sport=45000 + i))
        for i, s in enumerate([62, 777, maxframe])]
    a = tgw.run(a_cfg, {"lan0": frames})
    assert_no_output(a, "lan0")
    assert_drops(a, {})
    assert_tunnel(a, "t0", encap_packets=len(frames), encap_bytes=sum(map(len, frames)))
    b = tgw.run(b_cfg, {"wan0": a.raw["wan0"]})
    assert_pkts(b.out["lan0"], frames, "B lan0")
    assert_no_output(b, "wan0")
    assert_drops(b, {})
    assert_tunnel(b, "t0", decap_packets=len(frames), decap_bytes=sum(map(len, frames)))


def test_geneve_roundtrip():
    """geneve over IPv4 with two options (one critical, understood by B as it sends it too),
    A -> B: every frame (IPv4, IPv6, ARP, 802.1Q, non-IP, up to the 1444-byte maximum for 20
    option bytes) leaves B's lan0 unchanged; nothing dropped."""
    l2_roundtrip("geneve", False, 1444, id=4242, options=GOPTS_JSON)


def test_vxlan6_roundtrip():
    """vxlan over IPv6 (checksums on), A -> B: every frame up to the 1444-byte maximum
    (1500 - 40 - 8 - 8 - 14 + 14) leaves B's lan0 unchanged; nothing dropped."""
    l2_roundtrip("vxlan", True, 1444, id=99)


if __name__ == "__main__":
    tgw.main(globals())
