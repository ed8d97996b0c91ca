"""gre and ip6gre (RFC 2784 GRE with the RFC 2890 key and sequence number) end to end.

Kernel reference: net/ipv4/ip_gre.c, net/ipv6/ip6_gre.c, net/ipv4/ip_tunnel.c
(ip_tunnel_lookup, ip_tunnel_rcv), net/ipv4/gre_demux.c (gre_parse_header).
Transmit: the GRE header carries C/K/S from ocsum/okey/oseq in the order checksum + reserved1,
key, sequence (RFC 2890 section 2); the protocol type is 0x0800 or 0x86DD from the inner; the
sequence number starts at 0 per tunnel and counts every packet sent on it (__gre_xmit,
atomic_fetch_inc(o_seqno)); the checksum covers the GRE header and payload (RFC 2784 2.5).
gre: outer TTL inherits the inner TTL / hop limit after the forwarding decrement, TOS 0 with
the inner's ECN bits (INET_ECN_encapsulate), DF set; the outer IPv4 ID is taken from the
capture.  ip6gre: hop limit 64, traffic class 0 with the inner's ECN, the RFC 2473
encapsulation limit destination option (4) unless "encaplimit": "none"; the outer flow label
is taken from the capture unless configured.
Receive: ip_tunnel_rcv's checks (a checksum must be present exactly when icsum is set; with
iseq a sequence number is required and (s32)(seq - expected) < 0 is dropped), key matching as
ip_tunnel_key_match, RFC 6040 ECN decapsulation.  run() has tshark dissect every output frame:
Wireshark 4.0 always verifies the GRE checksum (there is no gre preference to turn on) and
reports a bad one as a protocol warning, which run() fails on; the tests also verify every
checksum themselves (gre_fields)."""

import struct

import tgw
from scapy.layers.l2 import GRE
from tgw import (ICMP, IP, IPv6, TCP, Ether, ICMPv6EchoRequest, LAN4, LAN6, LAN_HOST4,
                 LAN_HOST6, PEER4, PEER6, PEER_MAC, REMOTE4, REMOTE6, WAN4, WAN6, WAN_MAC, Raw,
                 assert_drops, assert_no_output, assert_pkts, assert_tunnel, ecn_encap, fwd4,
                 fwd6, lan_in, lan_out, set_ecn4, set_ecn6, udp4, udp6, wan_in, wan_out)

P_IP4, P_IP6 = 0x0800, 0x86DD
OTHER4, OTHER6 = "192.0.2.99", "2001:db8:ffff::99"   # a sender no tunnel has as remote


# --------------------------------------------------------------------------- builders

def gre_layer(inner, key=None, seq=None, csum=False, proto=None):
    """Scapy GRE header + inner as raw bytes (scapy fills the checksum when csum)."""
    if proto is None:
        proto = P_IP4 if isinstance(inner, IP) else P_IP6
    g = GRE(proto=proto, chksum_present=int(bool(csum)), key_present=int(key is not None),
            seqnum_present=int(seq is not None))
    if key is not None:
        g.key = key
    if seq is not None:
        g.sequence_number = seq
    return g / Raw(bytes(inner))


def gre4(inner, src=WAN4, dst=PEER4, ttl=None, tos=0, flags="DF", id=0, payload=None, **g):
    """IPv4 / GRE / inner.  payload (bytes) replaces the GRE header + inner when given."""
    if ttl is None:
        ttl = inner.ttl if isinstance(inner, IP) else inner.hlim
    body = payload if payload is not None else bytes(gre_layer(inner, **g))
    return IP(bytes(IP(src=src, dst=dst, ttl=ttl, tos=tos, flags=flags, id=id, proto=47) /
                    Raw(body)))


def gre6(inner, src=WAN6, dst=PEER6, hlim=64, tc=0, fl=0, limit=4, payload=None, **g):
    """IPv6 [/ dest-opt encapsulation limit] / GRE / inner."""
    body = payload if payload is not None else bytes(gre_layer(inner, **g))
    if limit is None:
        return IPv6(bytes(IPv6(src=src, dst=dst, hlim=hlim, tc=tc, fl=fl, nh=47) / Raw(body)))
    opt = bytes([47, 0, 4, 1, limit, 1, 1, 0])
    return IPv6(bytes(IPv6(src=src, dst=dst, hlim=hlim, tc=tc, fl=fl, nh=60) /
                      Raw(opt + body)))


def ones_sum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def raw_gre(inner, flags=0, proto=None, key=None, seq=None, csum=None):
    """GRE bytes built by hand (reserved bits, versions, wrong checksums).  csum: None = no C
    bit, "good" = the right checksum, an int = that (wrong) value."""
    if proto is None:
        proto = P_IP4 if isinstance(inner, IP) else P_IP6
    f = flags | (0x8000 if csum is not None else 0) | (0x2000 if key is not None else 0) | \
        (0x1000 if seq is not None else 0)
    h = struct.pack("!HH", f, proto)
    if csum is not None:
        h += b"\0\0\0\0"
    if key is not None:
        h += struct.pack("!I", key)
    if seq is not None:
        h += struct.pack("!I", seq)
    b = h + bytes(inner)
    if csum is not None:
        c = (~ones_sum(b) & 0xffff) if csum == "good" else csum
        b = b[:4] + struct.pack("!H", c) + b[6:]
    return b


def gre_bytes(frame):
    """The GRE header + payload of a captured frame (IPv4 or IPv6 outer, dest-opt skipped)."""
    e = Ether(bytes(frame))
    if e.type == 0x0800:
        ip = bytes(e.payload)
        tot = struct.unpack("!H", ip[2:4])[0]
        return ip[(ip[0] & 15) * 4:tot]
    ip = bytes(e.payload)
    plen = struct.unpack("!H", ip[4:6])[0]
    g = ip[40:40 + plen]
    return g[(g[1] + 1) * 8:] if ip[6] == 60 else g


def gre_payload(frame):
    """What follows the GRE header in a captured frame."""
    g = gre_bytes(frame)
    return g[4 + 4 * bin(g[0] & 0xb0).count("1"):]


def gre_fields(frame):
    """(flags word, proto, key, seq, checksum_ok) of the GRE header in a captured frame."""
    g = gre_bytes(frame)
    flags, proto = struct.unpack("!HH", g[:4])
    q = 4 + (4 if flags & 0x8000 else 0)
    key = seq = None
    if flags & 0x2000:
        key = struct.unpack("!I", g[q:q + 4])[0]
        q += 4
    if flags & 0x1000:
        seq = struct.unpack("!I", g[q:q + 4])[0]
    ck = ones_sum(g) == 0xffff if flags & 0x8000 else None
    return flags, proto, key, seq, ck


def check_gre(frames, want, what):
    """want: list of (key, seq, csum, proto) per frame; checks the GRE header field by field
    and the checksum by an independent one's-complement sum."""
    tgw.expect_count(frames, len(want), what)
    for i, (f, (key, seq, csum, proto)) in enumerate(zip(frames, want)):
        flags, p, k, s, ck = gre_fields(f)
        wflags = (0x8000 if csum else 0) | (0x2000 if key is not None else 0) | \
            (0x1000 if seq is not None else 0)
        bad = []
        if flags != wflags:
            bad.append(f"flags {flags:#06x}, expected {wflags:#06x}")
        if p != proto:
            bad.append(f"protocol {p:#06x}, expected {proto:#06x}")
        if k != key:
            bad.append(f"key {k}, expected {key}")
        if s != seq:
            bad.append(f"sequence {s}, expected {seq}")
        if csum and not ck:
            bad.append("GRE checksum does not verify")
        if bad:
            raise AssertionError(f"{what} frame {i + 1}: " + "; ".join(bad))


def fwd(p, dec=1):
    return fwd4(p, dec) if isinstance(p, IP) else fwd6(p, dec)


def tos_of(p):
    return p.tos if isinstance(p, IP) else p.tc


def gre_cfg(tunnels, routes=(), neighbors=()):
    return tgw.base_config(tunnels=tunnels, routes=list(routes), neighbors=list(neighbors))


def peer_neigh(addrs):
    return [{"dst": a, "lladdr": PEER_MAC, "dev": "wan0"} for a in addrs]


def from_lan4(dst=REMOTE4, **kw):
    return udp4(src=LAN_HOST4, dst=dst, **kw)


def back4(**kw):
    return udp4(src=REMOTE4, dst=LAN_HOST4, **kw)


def back6(**kw):
    return udp6(src=REMOTE6, dst=LAN_HOST6, **kw)


# --------------------------------------------------------------------------- plain gre / ip6gre

def basic_cfg(ttype, **extra):
    local, remote = (WAN4, PEER4) if ttype == "gre" else (WAN6, PEER6)
    t = {"name": "g0", "type": ttype, "local": local, "remote": remote,
         "addresses": ["10.0.0.1/30", "2001:db8:200::1/64"]}
    t.update(extra)
    return gre_cfg([t], routes=[{"dst": "10.2.0.0/24", "dev": "g0"},
                                {"dst": "2001:db8:2::/64", "dev": "g0"}])


def encap_inners(maxlen):
    return [udp4(size=28, id=1), udp4(size=101, id=2, tos=0xb9), udp4(size=maxlen, id=3),
            udp4(size=200, id=4, tos=0x03, ttl=9),
            IP(bytes(IP(src=LAN_HOST4, dst=REMOTE4, id=5, ttl=128) /
                     TCP(sport=40001, dport=8080, flags="PA", seq=7, ack=9) / (b"t" * 333))),
            IP(bytes(IP(src=LAN_HOST4, dst=REMOTE4, id=6) / ICMP(type=8, id=7, seq=1) /
                     (b"p" * 56))),
            udp6(size=48), udp6(size=99, tc=0x02, hlim=7), udp6(size=maxlen, fl=0x12345),
            udp6(size=300, tc=0xbb),
            IPv6(bytes(IPv6(src=LAN_HOST6, dst=REMOTE6) /
                       ICMPv6EchoRequest(id=9, seq=9, data=b"x" * 31)))]


def decap_cases(o6):
    """(outer packet, expected lan0 packet or None) for the decap half of the basic tests:
    both inner families, odd sizes, outer TTL/hop limit 1, RFC 6040 ECN."""
    wrap = (lambda i, **k: gre6(i, src=PEER6, dst=WAN6, **{("tc" if x == "tos" else x): v
                                                           for x, v in k.items()})) if o6 else \
        (lambda i, **k: gre4(i, src=PEER4, dst=WAN4, **k))
    lim = {"limit": None} if o6 else {}
    a = back4(size=100, id=1)
    b = back4(size=1001, id=2, tos=0xb8)
    c = back4(size=60, id=3, tos=0x02)           # ECT(0) under an outer CE: becomes CE
    d = back4(size=60, id=4, tos=0x00)           # Not-ECT under an outer CE: ecn_drop
    e = back6(size=100)
    f = back6(size=777, tc=0x01, fl=0x54321)     # ECT(1) under an outer CE: becomes CE
    g = back6(size=48, hlim=2)
    out = [(wrap(a, ttl=64) if not o6 else wrap(a), fwd4(a)),
           (wrap(b, ttl=1, tos=0x48) if not o6 else wrap(b, hlim=1, tos=0x48, **lim), fwd4(b)),
           (wrap(c, tos=0x03), set_ecn4(fwd4(c), 3)),
           (wrap(d, tos=0x03), None),
           (wrap(e, tos=0x01), fwd6(e)),
           (wrap(f, tos=0x03, **lim), set_ecn6(fwd6(f), 3)),
           (wrap(g), fwd6(g))]
    return out


def _basic(ttype, maxlen):
    inners = encap_inners(maxlen)
    cases = decap_cases(ttype == "ip6gre")
    r = tgw.run(basic_cfg(ttype), {"lan0": [lan_in(p) for p in inners],
                                   "wan0": [wan_in(o) for o, _ in cases]})
    got = r.out["wan0"]
    tgw.expect_count(got, len(inners), "wan0")
    exp = []
    for g, p in zip(got, inners):
        if ttype == "gre":
            exp.append(wan_out(gre4(fwd(p), tos=ecn_encap(0, tos_of(p)), id=g[IP].id)))
        else:
            exp.append(wan_out(gre6(fwd(p), tc=ecn_encap(0, tos_of(p)), fl=g[IPv6].fl)))
    assert_pkts(got, exp, "wan0", ordered=True)
    check_gre(got, [(None, None, False, P_IP4 if isinstance(p, IP) else P_IP6)
                    for p in inners], "wan0")
    want_lan = [x for _, x in cases if x is not None]
    assert_pkts(r.out["lan0"], [lan_out(x) for x in want_lan], "lan0")
    assert_drops(r, {"ecn_drop": 1})
    assert_tunnel(r, "g0", encap_packets=len(inners), encap_bytes=sum(len(p) for p in inners),
                  decap_packets=len(want_lan), decap_bytes=sum(len(x) for x in want_lan))


def test_gre_encap_decap():
    """gre, no options, both inner families each way in one run.  Encap (lan0 -> route ->
    gre0 -> wan0): IPv4/UDP, TCP, ICMP and IPv6/UDP, ICMPv6 up to the default MTU 1476
    (1500 - 20 - 4), byte-exact: outer TTL = inner TTL/hop limit after the decrement, TOS 0 +
    inner ECN (CE sent as ECT(0)), DF, proto 47, GRE flags 0, protocol 0x0800/0x86DD.
    Decap (wan0 -> lan0): inner forwarded with TTL/hop limit - 1 only; outer TTL 1 is fine;
    outer CE sets CE on an ECT inner and drops a Not-ECT inner (ecn_drop); tunnel counters."""
    _basic("gre", 1476)


def test_ip6gre_encap_decap():
    """ip6gre, defaults, both inner families each way.  Encap: IPv6 outer hop limit 64,
    traffic class 0 + inner ECN, destination options header with encapsulation limit 4 (next
    header 47 after it), GRE flags 0; MTU 1448 (1500 - 40 - 8 - 4) fits the largest inner.
    Decap with and without the destination option in front of GRE, outer hop limit 1, RFC
    6040 ECN as for gre; counters."""
    _basic("ip6gre", 1448)


# --------------------------------------------------------------------------- transmit options

TX_OPTS = [  # (tunnel name, config keys, key on the wire, seq, csum)
    ("t_none", {}, None, False, False),
    ("t_key", {"key": "1.2.3.4"}, 0x01020304, False, False),
    ("t_seq", {"seq": True}, None, True, False),
    ("t_csum", {"csum": True}, None, False, True),
    ("t_all", {"key": 4294967295, "seq": True, "csum": True}, 0xffffffff, True, True),
    ("t_oall", {"okey": 77, "oseq": True, "ocsum": True}, 77, True, True),
]


def _tx_options(o6):
    tunnels, routes, remotes, inners, which = [], [], [], [], []
    for n, (name, keys, _, _, _) in enumerate(TX_OPTS):
        remote = f"2001:db8:ffff::{n + 2:x}" if o6 else f"192.0.2.{n + 2}"
        remotes.append(remote)
        t = {"name": name, "type": "ip6gre" if o6 else "gre", "local": WAN6 if o6 else WAN4,
             "remote": remote}
        if o6 and name == "t_all":
            t.update(encaplimit="none", hoplimit=10, flowlabel="0x12345")
        t.update(keys)
        tunnels.append(t)
        routes += [{"dst": f"10.2.{n}.0/24", "dev": name},
                   {"dst": f"2001:db8:2:{n}::/64", "dev": name}]
    # three packets per tunnel, interleaved, both families, odd and even lengths
    for k in range(3):
        for n in range(len(TX_OPTS)):
            if k == 1:
                p = udp6(dst=f"2001:db8:2:{n}::5", size=101 + n, sport=41000 + n)
            else:
                p = udp4(dst=f"10.2.{n}.5", size=64 + k * 333 + n, id=16 * k + n,
                         tos=(0x01, 0, 0x03)[k])
            inners.append(p)
            which.append(n)
    r = tgw.run(gre_cfg(tunnels, routes, peer_neigh(remotes[1:])),
                {"lan0": [lan_in(p) for p in inners]})
    got = r.out["wan0"]
    tgw.expect_count(got, len(inners), "wan0")
    # IPv4 and IPv6 inners take different paths through the graph, so the wire order may
    # differ from the lan0 order; each tunnel's sequence numbers must count 0, 1, 2 in the
    # order its frames leave wan0.  Frames are matched to their inner by the GRE payload.
    inner_of = {bytes(fwd(p)): (p, n) for p, n in zip(inners, which)}
    count = [0] * len(TX_OPTS)
    exp, fields = [], []
    for i, g in enumerate(got):
        if gre_payload(g) not in inner_of:
            raise AssertionError(f"wan0 frame {i + 1}: GRE payload is none of the forwarded "
                                 f"inner packets: {g.summary()}")
        p, n = inner_of.pop(gre_payload(g))
        _, _, key, seq, csum = TX_OPTS[n]
        s = count[n] if seq else None
        count[n] += 1
        gk = dict(key=key, seq=s, csum=csum)
        if o6:
            if TX_OPTS[n][0] == "t_all":
                o = gre6(fwd(p), dst=remotes[n], hlim=10, fl=0x12345, limit=None,
                         tc=ecn_encap(0, tos_of(p)), **gk)
            else:
                o = gre6(fwd(p), dst=remotes[n], fl=g[IPv6].fl, tc=ecn_encap(0, tos_of(p)),
                         **gk)
        else:
            o = gre4(fwd(p), dst=remotes[n], id=g[IP].id, tos=ecn_encap(0, tos_of(p)), **gk)
        exp.append(wan_out(o))
        fields.append((key, s, csum, P_IP4 if isinstance(p, IP) else P_IP6))
    check_gre(got, fields, "wan0")
    assert_pkts(got, exp, "wan0", ordered=True)
    assert_drops(r, {})
    for n, (name, *_rest) in enumerate(TX_OPTS):
        mine = [p for p, w in zip(inners, which) if w == n]
        assert_tunnel(r, name, encap_packets=3, encap_bytes=sum(len(p) for p in mine))


def test_gre_tx_options():
    """Six gre tunnels (one remote each) get three packets each, interleaved, IPv4 and IPv6
    inner, odd and even lengths (frames matched to inners by GRE payload; sequence numbers
    count in each tunnel's wire order): none (flags 0), "key": "1.2.3.4" (K, key 0x01020304), "seq"
    (S, numbers 0, 1, 2 per tunnel), "csum" (C, reserved1 0, valid checksum over GRE header +
    payload), key 4294967295 + seq + csum (C|K|S, order checksum, key, sequence), and
    okey/oseq/ocsum alone (the same on the wire).  Each frame is checked field by field and
    byte-exact against scapy's GRE, each checksum verified independently."""
    _tx_options(False)


def test_ip6gre_tx_options():
    """The same six option sets on ip6gre tunnels (outer hop limit 64, encapsulation limit 4,
    flow label from the capture); the key+seq+csum tunnel also has "encaplimit": "none",
    "hoplimit": 10 and "flowlabel": "0x12345" (GRE right after the IPv6 header, label fixed)."""
    _tx_options(True)


# --------------------------------------------------------------------------- receive options

def test_gre_keys_asymmetric():
    """ikey 100 / okey 200: sends key 200 (K), accepts only key 100; key 200 and no key are
    no_tunnel.  okey 5 alone: sends key 5, receives only unkeyed packets (a keyed one is
    no_tunnel).  An unkeyed tunnel drops a keyed packet (no_tunnel), as ip_tunnel_key_match.
    ikey as a dotted quad on ip6gre ("0.0.1.44" = 300) receives key 300 only."""
    R2, R3 = "192.0.2.3", "192.0.2.4"
    tunnels = [{"name": "asym", "type": "gre", "local": WAN4, "remote": PEER4,
                "ikey": 100, "okey": 200},
               {"name": "okonly", "type": "gre", "local": WAN4, "remote": R2, "okey": 5},
               {"name": "plain", "type": "gre", "local": WAN4, "remote": R3},
               {"name": "k6", "type": "ip6gre", "local": WAN6, "remote": PEER6,
                "ikey": "0.0.1.44"}]
    routes = [{"dst": "10.2.0.0/24", "dev": "asym"}, {"dst": "10.2.1.0/24", "dev": "okonly"}]
    out_a = from_lan4(dst="10.2.0.5", id=1)
    out_b = from_lan4(dst="10.2.1.5", id=2)
    ok = [back4(id=10), back4(id=11), back4(id=12), back6(size=80)]
    bad = [back4(id=20)] * 6
    wan = [gre4(ok[0], src=PEER4, dst=WAN4, key=100),
           gre4(bad[0], src=PEER4, dst=WAN4, key=200),
           gre4(bad[1], src=PEER4, dst=WAN4),
           gre4(ok[1], src=R2, dst=WAN4),
           gre4(bad[2], src=R2, dst=WAN4, key=5),
           gre4(ok[2], src=R3, dst=WAN4),
           gre4(bad[3], src=R3, dst=WAN4, key=1),
           gre6(ok[3], src=PEER6, dst=WAN6, key=300),
           gre6(bad[4], src=PEER6, dst=WAN6, key=301),
           gre6(bad[5], src=PEER6, dst=WAN6)]
    r = tgw.run(gre_cfg(tunnels, routes, peer_neigh([R2, R3])),
                {"lan0": [lan_in(out_a), lan_in(out_b)], "wan0": [wan_in(o) for o in wan]})
    got = r.out["wan0"]
    tgw.expect_count(got, 2, "wan0")
    exp = [wan_out(gre4(fwd4(out_a), id=got[0][IP].id, key=200)),
           wan_out(gre4(fwd4(out_b), dst=R2, id=got[1][IP].id, key=5))]
    check_gre(got, [(200, None, False, P_IP4), (5, None, False, P_IP4)], "wan0")
    assert_pkts(got, exp, "wan0", ordered=True)
    assert_pkts(r.out["lan0"], [lan_out(fwd(p)) for p in ok], "lan0")
    assert_drops(r, {"no_tunnel": 6})
    assert_tunnel(r, "asym", decap_packets=1, encap_packets=1)
    assert_tunnel(r, "okonly", decap_packets=1, encap_packets=1)
    assert_tunnel(r, "plain", decap_packets=1)
    assert_tunnel(r, "k6", decap_packets=1)


def test_gre_iseq_order():
    """iseq (RFC 2890 2.2, ip_tunnel_rcv serial arithmetic), three tunnels in one run, their
    packets interleaved.  "iseq": seq 5, 6, 4, 6, 7, 100 (gap accepted), 99, 101 -> 5, 6, 7,
    100, 101 forwarded in that order; 4, 6, 99 dropped as gre_seq_order; an unsequenced packet
    gre_no_seq.  Wrap ("seq": true): 0xfffffffe, 0xffffffff, 0, 1 accepted across the wrap,
    then 0xffffffff (older) and 1 (duplicate) gre_seq_order, 2 accepted.  No iseq: sequence
    numbers 9, 3, 3 and an unsequenced packet are all accepted (not checked)."""
    R2, R3 = "192.0.2.3", "192.0.2.4"
    tunnels = [{"name": "sq", "type": "gre", "local": WAN4, "remote": PEER4, "iseq": True},
               {"name": "wrap", "type": "gre", "local": WAN4, "remote": R2, "seq": True},
               {"name": "nosq", "type": "gre", "local": WAN4, "remote": R3}]
    sq = [(5, True), (6, True), (4, False), (6, False), (7, True), (100, True), (99, False),
          (101, True), (None, False)]
    wr = [(0xfffffffe, True), (0xffffffff, True), (0, True), (1, True), (0xffffffff, False),
          (1, False), (2, True)]
    ns = [(9, True), (3, True), (3, True), (None, True)]
    wan, fwd_exp = [], []
    streams = [(sq, PEER4, 1), (wr, R2, 2), (ns, R3, 3)]
    for i in range(max(len(s) for s, _, _ in streams)):
        for s, src, tag in streams:
            if i < len(s):
                seq, accepted = s[i]
                inner = back4(id=tag << 8 | i, size=60 + i)
                wan.append(gre4(inner, src=src, dst=WAN4, seq=seq))
                if accepted:
                    fwd_exp.append(fwd4(inner))
    r = tgw.run(gre_cfg(tunnels, neighbors=peer_neigh([R2, R3])),
                {"wan0": [wan_in(o) for o in wan]})
    assert_pkts(r.out["lan0"], [lan_out(p) for p in fwd_exp], "lan0", ordered=True)
    assert_no_output(r, "wan0")
    assert_drops(r, {"gre_seq_order": 5, "gre_no_seq": 1})
    assert_tunnel(r, "sq", decap_packets=5)
    assert_tunnel(r, "wrap", decap_packets=5)
    assert_tunnel(r, "nosq", decap_packets=4)


def test_gre_icsum():
    """icsum (ip_tunnel_rcv: a checksum must be present exactly when icsum is set).  gre
    "icsum": a valid checksum (odd-length payload; and one frame with 6 non-zero Ethernet
    trailer bytes after the IP packet, which must not enter the sum) is accepted; no checksum
    -> gre_csum_flag; a wrong one -> gre_bad_csum.  An unkeyed tunnel without icsum drops a
    packet with a valid checksum (gre_csum_flag).  icsum does not make it send one (no C bit
    on the wire).  ip6gre "csum": valid accepted (behind the destination option too), wrong
    -> gre_bad_csum, absent -> gre_csum_flag; it sends a valid checksum."""
    R2 = "192.0.2.3"
    tunnels = [{"name": "ic", "type": "gre", "local": WAN4, "remote": PEER4, "icsum": True},
               {"name": "noc", "type": "gre", "local": WAN4, "remote": R2},
               {"name": "c6", "type": "ip6gre", "local": WAN6, "remote": PEER6, "csum": True}]
    routes = [{"dst": "10.2.0.0/24", "dev": "ic"}, {"dst": "2001:db8:2::/64", "dev": "c6"}]
    a, b, c = back4(id=1, size=101), back4(id=2, size=64), back6(size=99)
    d, x = back6(size=200), back4(id=9)
    y6 = back6(size=60)
    trailer = Ether(bytes(wan_in(gre4(b, src=PEER4, dst=WAN4, csum=True))) + b"\xff\x01" * 3)
    wan = [wan_in(gre4(a, src=PEER4, dst=WAN4, csum=True)),
           trailer,
           wan_in(gre4(x, src=PEER4, dst=WAN4)),
           wan_in(gre4(x, src=PEER4, dst=WAN4, payload=raw_gre(x, csum=0x1234))),
           wan_in(gre4(x, src=R2, dst=WAN4, csum=True)),
           wan_in(gre6(c, src=PEER6, dst=WAN6, csum=True)),
           wan_in(gre6(d, src=PEER6, dst=WAN6, csum=True, limit=None)),
           wan_in(gre6(y6, src=PEER6, dst=WAN6, payload=raw_gre(y6, csum=0xbeef))),
           wan_in(gre6(y6, src=PEER6, dst=WAN6))]
    o4, o6 = from_lan4(id=5, size=77), udp6(size=91)
    r = tgw.run(gre_cfg(tunnels, routes, peer_neigh([R2])),
                {"lan0": [lan_in(o4), lan_in(o6)], "wan0": wan})
    assert_pkts(r.out["lan0"], [lan_out(fwd(p)) for p in (a, b, c, d)], "lan0")
    got = r.out["wan0"]
    tgw.expect_count(got, 2, "wan0")
    g4 = tgw.pick(got, lambda f: f.type == 0x0800, "gre frame")
    g6 = tgw.pick(got, lambda f: f.type == 0x86DD, "ip6gre frame")
    check_gre([g4, g6], [(None, None, False, P_IP4), (None, None, True, P_IP6)], "wan0")
    assert_pkts([g4, g6], [wan_out(gre4(fwd4(o4), id=g4[IP].id)),
                           wan_out(gre6(fwd6(o6), fl=g6[IPv6].fl, csum=True))], "wan0",
                ordered=True)
    assert_drops(r, {"gre_csum_flag": 3, "gre_bad_csum": 2})
    assert_tunnel(r, "ic", decap_packets=2, decap_bytes=len(a) + len(b), encap_packets=1)
    assert_tunnel(r, "noc", decap_packets=0)
    assert_tunnel(r, "c6", decap_packets=2, decap_bytes=len(c) + len(d), encap_packets=1)


# --------------------------------------------------------------------------- seq + fragments

from scapy.all import IPv6ExtHdrFragment, defragment  # noqa: E402
from test_toobig import frag4  # noqa: E402


def wire_datagrams(frames, what):
    """Group IPv4 frames in wire order into datagrams: [(first index, [frames])].  A frame with
    MF or an offset is a fragment of the datagram of its IP ID; the fragments of one datagram
    must be contiguous on the wire (no frame of anything else between them), each one within
    the 1500-byte port MTU, DF clear, non-final ones a multiple of 8 bytes, and their offsets
    must cover the payload exactly once."""
    out, open_id = [], None
    for i, f in enumerate(frames):
        ip = f[IP]
        if not (ip.flags.MF or ip.frag):
            out.append((i, [f]))
            open_id = None
            continue
        if open_id == ip.id:
            out[-1][1].append(f)
            continue
        if any(len(fs) > 1 or fs[0][IP].flags.MF or fs[0][IP].frag
               for _, fs in out if fs[0][IP].id == ip.id):
            raise AssertionError(f"{what} frame {i + 1}: fragment of IP ID {ip.id:#x}, whose "
                                 f"earlier fragments were followed by other frames; wire "
                                 f"order:\n    " + "\n    ".join(
                                     f"{k + 1}: {x[IP].summary()} id={x[IP].id:#x} "
                                     f"off={x[IP].frag * 8} mf={int(bool(x[IP].flags.MF))}"
                                     for k, x in enumerate(frames)))
        out.append((i, [f]))
        open_id = ip.id
    for i, fs in out:
        if len(fs) == 1 and not (fs[0][IP].flags.MF or fs[0][IP].frag):
            continue
        pos = 0
        for k, f in enumerate(sorted(fs, key=lambda x: x[IP].frag)):
            ip = f[IP]
            n = ip.len - ip.ihl * 4
            last = k == len(fs) - 1
            if ip.frag * 8 != pos or bool(ip.flags.MF) == last or ip.flags.DF:
                raise AssertionError(f"{what}: datagram at frame {i + 1} (ID {ip.id:#x}): "
                                     f"fragment offset {ip.frag * 8} (expected {pos}), MF "
                                     f"{int(bool(ip.flags.MF))}, DF {int(bool(ip.flags.DF))}")
            if ip.len > 1500 or (not last and n % 8):
                raise AssertionError(f"{what}: fragment of {ip.len} bytes ({n} of payload) at "
                                     f"offset {pos}: over the MTU or not a multiple of 8")
            pos += n
    return out


def test_gre_oseq_fragment_wire_order():
    """gre with "oseq" only (tunnel MTU 1500 - 20 - 8 = 1472): eight IPv4 inner packets without
    DF arrive in one burst, 1500 bytes, three of 100..300, 1480, three more small.  The two big
    ones exceed the tunnel MTU, so their outer packets (DF clear) are fragmented to the 1500-byte
    wan0 MTU; the small ones go out whole with DF (pmtudisc).  As the kernel, which numbers
    (__gre_xmit) and fragments (ip_fragment under ip_local_out) each packet synchronously, the
    wire carries, in frame order: both fragments of the seq-0 datagram, seq 1, 2, 3, both
    fragments of seq 4, seq 5, 6, 7 -- the fragments of datagram k contiguous and before any
    frame of datagram k + 1, GRE sequence numbers 0..7 in wire order.  Each datagram,
    reassembled with scapy's defragment, is byte-exact the outer packet of inner k (TTL 63,
    DF clear on the fragmented ones, GRE flags S only, protocol 0x0800); no drops.
    (Regression: fragments that took a separate node left after the small packets of the
    same burst, so sequence numbers 1, 2, 3 preceded 0 on the wire.)"""
    t = {"name": "g0", "type": "gre", "local": WAN4, "remote": PEER4, "oseq": True}
    sizes = [1500, 100, 201, 300, 1480, 64, 555, 1001]
    inners = [udp4(size=s, id=0x100 + k, flags=0, tos=(0x01 if k % 2 else 0),
                   fill=bytes((k * 31 + j) & 0xff for j in range(s - 28)))
              for k, s in enumerate(sizes)]
    r = tgw.run(gre_cfg([t], [{"dst": "10.2.0.0/24", "dev": "g0"}]),
                {"lan0": [lan_in(p) for p in inners]})
    assert_no_output(r, "lan0")
    assert_drops(r, {})
    got = r.out["wan0"]
    tgw.expect_count(got, len(inners) + 2, "wan0 (6 whole packets + 2 x 2 fragments)")
    dgrams = wire_datagrams(got, "wan0")
    order = []
    for i, fs in dgrams:
        whole = Ether(bytes(defragment(fs)[0])) if len(fs) > 1 else fs[0]
        order.append((i, len(fs), gre_fields(whole)[3], whole))
    summary = ", ".join(f"frame {i + 1}: seq {s}" + (f" ({n} fragments)" if n > 1 else "")
                        for i, n, s, _ in order)
    if [s for _, _, s, _ in order] != list(range(len(inners))):
        raise AssertionError(f"wan0: GRE sequence numbers in wire order are not 0..7: "
                             f"{summary}")
    for k, ((i, n, s, whole), p) in enumerate(zip(order, inners)):
        big = len(p) > 1472
        if n != (2 if big else 1):
            raise AssertionError(f"wan0: datagram {k} (inner {len(p)} bytes) in {n} frames, "
                                 f"expected {2 if big else 1}: {summary}")
        exp = wan_out(gre4(fwd4(p), flags=0 if big else "DF", id=whole[IP].id,
                           tos=ecn_encap(0, p.tos), seq=k))
        tgw.assert_pkt(whole, exp, f"wan0 datagram {k} (seq {k}, frame {i + 1}, reassembled)")
    check_gre([w for *_x, w in order], [(None, k, False, P_IP4) for k in range(len(inners))],
              "wan0 datagrams")
    assert_tunnel(r, "g0", encap_packets=len(inners), encap_bytes=sum(sizes))


def iseq_wan4(inner, seq, frag=None, id=0):
    """The peer's IPv4 GRE packet with sequence number seq; frag: split its outer packet into
    fragments of that many payload bytes (DF clear)."""
    o = gre4(inner, src=PEER4, dst=WAN4, flags=0 if frag else "DF", id=id, seq=seq)
    return [wan_in(f) for f in (frag4(o, frag) if frag else [o])]


def iseq_wan6(inner, seq, frag=None, id=0):
    """The peer's IPv6 GRE packet (encapsulation limit option) with sequence number seq; frag:
    fragment header, the destination options + GRE + inner split into frag-byte pieces."""
    o = gre6(inner, src=PEER6, dst=WAN6, seq=seq)
    if not frag:
        return [wan_in(o)]
    part = bytes(o)[40:]
    return [wan_in(IPv6(bytes(IPv6(src=PEER6, dst=WAN6, hlim=64) /
                              IPv6ExtHdrFragment(nh=60, offset=x // 8,
                                                 m=int(x + frag < len(part)), id=id) /
                              Raw(part[x:x + frag]))))
            for x in range(0, len(part), frag)]


def _iseq_reassembly(o6):
    tname = "s6" if o6 else "s4"
    t = {"name": tname, "type": "ip6gre" if o6 else "gre", "local": WAN6 if o6 else WAN4,
         "remote": PEER6 if o6 else PEER4, "iseq": True}
    back = back6 if o6 else back4
    wrap = iseq_wan6 if o6 else iseq_wan4
    # (inner size, fragment size): seq 0 and 4 arrive as two outer fragments each
    plan = [(1200, 800), (100, None), (333, None), (64, None), (1000, 600), (77, None)]
    inners = [back(size=s, **({"sport": 43000 + k} if o6 else {"id": 0x200 + k}))
              for k, (s, _) in enumerate(plan)]
    wan = []
    for k, (p, (_, fr)) in enumerate(zip(inners, plan)):
        wan += wrap(p, k, frag=fr, id=0x7000 + k)
    assert len(wan) == 8
    r = tgw.run(gre_cfg([t]), {"wan0": wan})
    assert_pkts(r.out["lan0"], [lan_out(fwd(p)) for p in inners], "lan0", ordered=True)
    assert_no_output(r, "wan0")
    assert_drops(r, {})
    assert_tunnel(r, tname, decap_packets=len(inners), decap_bytes=sum(len(p) for p in inners))


def test_gre_iseq_reassembly_order():
    """gre with "iseq" only; one burst from the peer: seq 0 as two outer IPv4 fragments (back
    to back), seq 1, 2, 3 whole, seq 4 as two fragments, seq 5 whole.  As the kernel, whose
    ip_defrag hands the completed datagram on at once (ip_local_deliver -> gre_rcv), seq 0 is
    checked before seq 1 and seq 4 before 5: all six inners reach lan0 in order 0..5, bit-exact
    but for the TTL decrement, nothing dropped (no gre_seq_order).
    (Regression: reassembled datagrams that took a separate node were decapsulated after the
    whole packets of the same burst, and seq 0 and 4 were dropped as gre_seq_order.)"""
    _iseq_reassembly(False)


def test_ip6gre_iseq_reassembly_order():
    """The same over ip6gre ("iseq"): seq 0 and 4 arrive as two IPv6 fragments each (fragment
    header, the encapsulation limit option and GRE in the fragmentable part), seq 1, 2, 3, 5
    whole, one burst.  As the kernel (ipv6_frag_rcv completes the datagram synchronously, then
    ip6gre_rcv -> __ip6_tnl_rcv checks the sequence number): all six IPv6 inners reach lan0 in
    order, nothing dropped."""
    _iseq_reassembly(True)


def test_gre_iseq_straddling_fragment():
    """The boundary of test_gre_iseq_reassembly_order: the first fragment of seq 0, then seq 1
    whole, then the last fragment of seq 0, one burst.  The kernel completes seq 0 only with its
    last fragment, after it has accepted seq 1 (next expected 2), so seq 0 is older and dropped:
    exactly seq 1's inner reaches lan0, gre_seq_order 1, decap_packets 1."""
    t = {"name": "s4", "type": "gre", "local": WAN4, "remote": PEER4, "iseq": True}
    a, b = back4(size=1200, id=0x300), back4(size=150, id=0x301)
    fa = iseq_wan4(a, 0, frag=800, id=0x7100)
    assert len(fa) == 2
    r = tgw.run(gre_cfg([t]), {"wan0": [fa[0]] + iseq_wan4(b, 1) + [fa[1]]})
    assert_pkts(r.out["lan0"], [lan_out(fwd4(b))], "lan0", ordered=True)
    assert_no_output(r, "wan0")
    assert_drops(r, {"gre_seq_order": 1})
    assert_tunnel(r, "s4", decap_packets=1, decap_bytes=len(b))


# --------------------------------------------------------------------------- bad input

def test_gre_bad_input():
    """The receive catalogue, each dropped and counted by its reason, nothing forwarded except
    the final good packets.  IPv4 outer (tunnel g4 unkeyed, g4k key 7, same endpoints) and IPv6
    outer (g6, behind the encapsulation limit option): version 1 and 7 -> gre_bad_version;
    R (0x4000), strict source route (0x0800), recursion (0x0100, 0x0400), flags (0x0008,
    0x0080) -> gre_reserved; 3 bytes of GRE, C|K|S with 8 bytes, K with 6 bytes ->
    gre_truncated; key 8 where only key 7 exists, GRE protocol 0x6558 with no gretap ->
    no_tunnel; protocol 0x0806 and 0x8847 -> gre_bad_proto; protocol 0x0800 over an IPv6
    inner, 0x86DD over an IPv4 inner, 0x0800 over 10 bytes -> tnl_bad_inner."""
    tunnels = [{"name": "g4", "type": "gre", "local": WAN4, "remote": PEER4},
               {"name": "g4k", "type": "gre", "local": WAN4, "remote": PEER4, "key": 7},
               {"name": "g6", "type": "ip6gre", "local": WAN6, "remote": PEER6}]
    i4, i6 = back4(id=1), back6()
    v4 = lambda payload: wan_in(gre4(i4, src=PEER4, dst=WAN4, payload=payload))  # noqa: E731
    v6 = lambda payload: wan_in(gre6(i6, src=PEER6, dst=WAN6, payload=payload))  # noqa: E731
    bad = {
        "gre_bad_version": [v4(raw_gre(i4, flags=1)), v4(raw_gre(i4, flags=7, key=7)),
                            v6(raw_gre(i6, flags=1))],
        "gre_reserved": [v4(raw_gre(i4, flags=0x4000)), v4(raw_gre(i4, flags=0x0800)),
                         v4(raw_gre(i4, flags=0x0100)), v4(raw_gre(i4, flags=0x0400)),
                         v4(raw_gre(i4, flags=0x0008)), v4(raw_gre(i4, flags=0x0080, key=7)),
                         v6(raw_gre(i6, flags=0x4000)), v6(raw_gre(i6, flags=0x0200))],
        "gre_truncated": [v4(b"\x00\x00\x08"), v4(raw_gre(b"", key=7, seq=1, csum=0)[:8]),
                          v4(raw_gre(b"", key=7)[:6]), v6(b"\x00\x00"),
                          v6(raw_gre(b"", seq=1)[:7])],
        "no_tunnel": [v4(raw_gre(i4, key=8)), v4(raw_gre(i4, proto=0x6558)),
                      v6(raw_gre(i6, key=7))],
        "gre_bad_proto": [v4(raw_gre(i4, proto=0x0806)), v4(raw_gre(i4, proto=0x8847, key=7)),
                          v6(raw_gre(i6, proto=0x0806))],
        "tnl_bad_inner": [v4(raw_gre(i6, proto=P_IP4)), v4(raw_gre(i4, proto=P_IP6)),
                          v4(raw_gre(bytes(i4)[:10], proto=P_IP4)),
                          v6(raw_gre(i4, proto=P_IP6)), v6(raw_gre(i6, proto=P_IP4))],
    }
    good = [back4(id=100), back4(id=101), back6(size=70)]
    frames = [f for v in bad.values() for f in v]
    frames += [wan_in(gre4(good[0], src=PEER4, dst=WAN4)),
               wan_in(gre4(good[1], src=PEER4, dst=WAN4, key=7)),
               wan_in(gre6(good[2], src=PEER6, dst=WAN6))]
    r = tgw.run(gre_cfg(tunnels), {"wan0": frames})
    assert_pkts(r.out["lan0"], [lan_out(fwd(p)) for p in good], "lan0")
    assert_no_output(r, "wan0")
    assert_drops(r, {k: len(v) for k, v in bad.items()})
    assert_tunnel(r, "g4", decap_packets=1, decap_bytes=len(good[0]))
    assert_tunnel(r, "g4k", decap_packets=1, decap_bytes=len(good[1]))
    assert_tunnel(r, "g6", decap_packets=1, decap_bytes=len(good[2]))


# --------------------------------------------------------------------------- lookup precedence

def test_gre_lookup_precedence():
    """ip_tunnel_lookup order with keys (IPv4 outer): exact (local, remote, key) before
    remote only (local "any") before local only (remote "any") before both "any"; each level
    requires the key to match.  Key 1: exact / remote-only / local-only / wildcard tunnels;
    key 2: a remote-only and a local-only tunnel both match PEER4 -> WAN4 and the remote-only
    one wins; an unkeyed packet goes to the unkeyed exact tunnel; key 3 -> no_tunnel."""
    tunnels = [{"name": "exact", "type": "gre", "local": WAN4, "remote": PEER4, "key": 1},
               {"name": "ronly", "type": "gre", "remote": PEER4, "key": 1},
               {"name": "lonly", "type": "gre", "local": WAN4, "key": 1},
               {"name": "wild", "type": "gre", "key": 1},
               {"name": "r2", "type": "gre", "remote": PEER4, "key": 2},
               {"name": "l2", "type": "gre", "local": WAN4, "key": 2},
               {"name": "plain", "type": "gre", "local": WAN4, "remote": PEER4}]
    cases = [("exact", PEER4, WAN4, 1), ("ronly", PEER4, LAN4, 1), ("lonly", OTHER4, WAN4, 1),
             ("wild", OTHER4, LAN4, 1), ("r2", PEER4, WAN4, 2), ("plain", PEER4, WAN4, None)]
    inners = [back4(id=i + 1, size=60 + i) for i in range(len(cases))]
    wan = [wan_in(gre4(p, src=s, dst=d, key=k)) for p, (_, s, d, k) in zip(inners, cases)]
    wan.append(wan_in(gre4(back4(id=99), src=PEER4, dst=WAN4, key=3)))
    r = tgw.run(gre_cfg(tunnels), {"wan0": wan})
    assert_pkts(r.out["lan0"], [lan_out(fwd4(p)) for p in inners], "lan0")
    assert_drops(r, {"no_tunnel": 1})
    for (name, *_x), p in zip(cases, inners):
        assert_tunnel(r, name, decap_packets=1, decap_bytes=len(p))
    assert_tunnel(r, "l2", decap_packets=0)


def test_ip6gre_lookup_precedence():
    """ip6gre_tunnel_lookup (net/ipv6/ip6_gre.c) walks tunnels_r_l (exact), then tunnels_r
    (remote only, local any), then tunnels_l (local only), then tunnels_wc: remote only before
    local only, as IPv4 GRE and unlike ip6tnl's ip6_tnl_lookup.  Key 1: exact / remote-only /
    local-only / wildcard each get their packet; key 2: remote-only "r2" and local-only "l2"
    both match PEER6 -> WAN6, the kernel picks r2; key 3 -> no_tunnel."""
    tunnels = [{"name": "exact", "type": "ip6gre", "local": WAN6, "remote": PEER6, "key": 1},
               {"name": "ronly", "type": "ip6gre", "remote": PEER6, "key": 1},
               {"name": "lonly", "type": "ip6gre", "local": WAN6, "key": 1},
               {"name": "wild", "type": "ip6gre", "key": 1},
               {"name": "r2", "type": "ip6gre", "remote": PEER6, "key": 2},
               {"name": "l2", "type": "ip6gre", "local": WAN6, "key": 2}]
    cases = [("exact", PEER6, WAN6, 1), ("ronly", PEER6, LAN6, 1), ("lonly", OTHER6, WAN6, 1),
             ("wild", OTHER6, LAN6, 1), ("r2", PEER6, WAN6, 2)]
    inners = [back6(size=60 + i, sport=42000 + i) for i in range(len(cases))]
    wan = [wan_in(gre6(p, src=s, dst=d, key=k)) for p, (_, s, d, k) in zip(inners, cases)]
    wan.append(wan_in(gre6(back6(size=99), src=PEER6, dst=WAN6, key=3)))
    r = tgw.run(gre_cfg(tunnels), {"wan0": wan})
    assert_pkts(r.out["lan0"], [lan_out(fwd6(p)) for p in inners], "lan0")
    assert_drops(r, {"no_tunnel": 1})
    for (name, *_x), p in zip(cases, inners):
        assert_tunnel(r, name, decap_packets=1, decap_bytes=len(p))
    assert_tunnel(r, "l2", decap_packets=0)


# --------------------------------------------------------------------------- round trips

from test_roundtrip import B_HOST_MAC, B_LAN_MAC, gateways as rt_gateways  # noqa: E402


def gateways(ttype, **extra):
    """Configs of A (lan0/wan0 as usual) and B (the peer, mirrored tunnel)."""
    return rt_gateways(ttype, outer6=ttype == "ip6gre", **extra)


def rt_traffic(maxlen, frag=False):
    p = []
    for i, size in enumerate([28, 29, 64, 101, 576, 1001, maxlen]):
        p.append(udp4(size=size, id=100 + i, tos=(i * 0x21) & 0xff,
                      fill=bytes((i + k * 13) & 0xff for k in range(size - 28))))
    p.append(IP(bytes(IP(src=LAN_HOST4, dst=REMOTE4, id=200, ttl=128) /
                      TCP(sport=40100, dport=8443, flags="S", seq=0xdeadbeef, window=512,
                          options=[("MSS", 1400), ("NOP", None), ("WScale", 7)]) /
                      (b"tcp payload " * 20))))
    if frag:
        # no DF and larger than the tunnel MTU: A fragments the outer packet, B reassembles
        # it before checking the GRE checksum and sequence number
        p.append(udp4(size=1500, id=203, flags=0))
    for i, size in enumerate([48, 49, 100, 1001, maxlen]):
        p.append(udp6(size=size, tc=(i * 0x31) & 0xff, fl=i * 0x1111 + 1, sport=41000 + i,
                      fill=bytes((i * 3 + k) & 0xff for k in range(size - 48))))
    p.append(IPv6(bytes(IPv6(src=LAN_HOST6, dst=REMOTE6, hlim=255) /
                        ICMPv6EchoRequest(id=77, seq=78, data=b"v6 ping" * 9))))
    p.append(udp4(size=333, id=300))
    return p


def roundtrip(ttype, traffic, **extra):
    a_cfg, b_cfg = gateways(ttype, **extra)
    a = tgw.run(a_cfg, {"lan0": [lan_in(p) for p in traffic]})
    assert_no_output(a, "lan0")
    assert_drops(a, {})
    assert_tunnel(a, "t0", encap_packets=len(traffic), encap_bytes=sum(len(p) for p in traffic))
    wire = a.raw["wan0"]
    for f in wire:
        e = Ether(f)
        if e.dst != PEER_MAC or e.src != WAN_MAC:
            raise AssertionError(f"A sent a frame not addressed to B: {e.summary()}")
    b = tgw.run(b_cfg, {"wan0": wire})
    exp = [Ether(src=B_LAN_MAC, dst=B_HOST_MAC) / fwd(p, 2) for p in traffic]
    assert_pkts(b.out["lan0"], exp, "B lan0")
    assert_no_output(b, "wan0")
    assert_drops(b, {})
    assert_tunnel(b, "t0", decap_packets=len(traffic), decap_bytes=sum(len(p) for p in traffic))


def test_gre_roundtrip():
    """gre without options, A -> B: IPv4 (up to the 1476 MTU, TCP with options, one 1500-byte
    packet without DF that A fragments and B reassembles) and IPv6 (up to 1476) come out of B
    in order, equal to the originals but for the two TTL / hop-limit decrements."""
    roundtrip("gre", rt_traffic(1476, frag=True))


def test_gre_roundtrip_key_seq_csum():
    """gre with "key": 0xdeadbeef, "seq", "csum" on both gateways (MTU 1500 - 20 - 16): B
    verifies A's key, checksums and sequence 0, 1, 2... (icsum/iseq), nothing dropped, inner
    packets of both families bit-exact but for the two decrements.  (No fragmented packet
    here: see test_gre_oseq_fragment_wire_order and test_gre_iseq_reassembly_order.)"""
    roundtrip("gre", rt_traffic(1464), key=0xdeadbeef, seq=True, csum=True)


def test_ip6gre_roundtrip_key_seq_csum():
    """ip6gre with "key": "10.20.30.40", "seq", "csum" (encapsulation limit option in front of
    GRE; MTU 1500 - 40 - 8 - 16): every inner packet of both families arrives at B's lan in
    order and bit-exact but for the two decrements; nothing dropped."""
    roundtrip("ip6gre", rt_traffic(1436), key="10.20.30.40", seq=True, csum=True)


if __name__ == "__main__":
    tgw.main(globals())
