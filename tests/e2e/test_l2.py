"""L2 tunnels end to end: gretap, ip6gretap, erspan, ip6erspan, bridges and port mirrors.

Kernel references: net/ipv4/ip_gre.c (gre_tap_xmit, erspan_xmit, erspan_rcv),
net/ipv6/ip6_gre.c, include/net/erspan.h (erspan_build_header, erspan_build_header_v2,
erspan_detect_bso), net/bridge/br_fdb.c + br_forward.c (learning, flooding, no hairpin without
hairpin mode, is_skb_forwardable on a member's MTU), tc mirred (mirror copies).

GRE over IPv4: outer TTL = the untagged IPv4/IPv6 payload's TTL (else 64), TOS 0 with the
payload's ECN bits (INET_ECN_encapsulate), DF set; the outer ID is taken from the capture
(RFC 6864: any value with DF).  ip6gretap/ip6erspan: hop limit 64 (ip6gre default), the
encapsulation limit option (4), the flow label is taken from the capture (auto hash).
ERSPAN: the GRE header holds only S and a sequence number starting at 0 per tunnel; the type
III timestamp is copied from the capture but must be within a minute of now."""

import struct
import time

import tgw
from tgw import (ARP, ICMP, IP, IPv6, Raw, Ether, LAN4, LAN_HOST4, LAN_HOST_MAC,
                 LAN_MAC, LAN_HOST6, PEER4, PEER6, PEER_MAC, REMOTE4, REMOTE6, WAN4, WAN6,
                 WAN_GW4, WAN_GW6, WAN_GW_MAC, WAN_MAC, assert_drops, assert_no_output,
                 assert_pkts, assert_tunnel, fwd4, fwd6, lan_in, udp4, udp6)
from scapy.layers.l2 import GRE, Dot1Q, Dot1AD
# scapy.contrib.erspan also binds GRE 0x88be/0x22eb to its layers (for failure diffs)
from scapy.contrib.erspan import ERSPAN_II, ERSPAN_III

PEER2_4, PEER2_MAC = "192.0.2.3", "02:00:00:00:02:03"
LAN1_MAC = "02:00:00:00:03:01"
# stations behind the tunnels / on the bridged LAN
RMT_MAC = "02:00:00:00:0a:01"     # behind gt1 (the peer's side of the gretap)
RMT2_MAC = "02:00:00:00:0a:02"    # behind gt2
UNKNOWN_MAC = "02:00:00:00:0a:99"  # never seen anywhere
STATIC_MAC = "02:00:00:00:0a:55"  # a static fdb entry on lan0
OTHER = "02:00:00:00:0b:01"       # the mirrored station (ERSPAN destination tests)
BCAST = "ff:ff:ff:ff:ff:ff"
MCAST4 = "01:00:5e:00:00:fb"
MCAST6 = "33:33:00:00:00:01"

TEB, ERSPAN2_PROTO, ERSPAN3_PROTO = 0x6558, 0x88be, 0x22eb
GRE_S = 0x1000


# --------------------------------------------------------------------------- builders

def frame(dst, src, payload, vlan=None):
    """An Ethernet frame (optionally 802.1Q tagged) as bytes."""
    if vlan is None:
        return bytes(Ether(dst=dst, src=src) / payload)
    return bytes(Ether(dst=dst, src=src) / Dot1Q(prio=vlan >> 13, vlan=vlan & 0xfff) /
                 payload)


def l2_ds_ttl(fr):
    """(DS byte, TTL) the outer header inherits from an untagged IPv4/IPv6 payload."""
    e = Ether(fr)
    if e.type == 0x0800:
        return e[IP].tos, e[IP].ttl
    if e.type == 0x86dd:
        return e[IPv6].tc, e[IPv6].hlim
    return 0, 64


def ecn_of(ds):
    return tgw.ecn_encap(0, ds)


def gre4_frame(payload, *, id, ds_ttl, src=WAN4, dst=PEER4, dst_mac=PEER_MAC):
    """wan0 frame: IPv4 (TTL and ECN from ds_ttl, DF) / payload (GRE and what follows)."""
    ds, ttl = ds_ttl
    ip = IP(src=src, dst=dst, ttl=ttl, tos=ecn_of(ds), flags="DF", id=id, proto=47)
    return bytes(Ether(src=WAN_MAC, dst=dst_mac) / ip / payload)


def gre6_frame(payload, *, fl, ds_ttl, src=WAN6, dst=PEER6, dst_mac=PEER_MAC, limit=4):
    """wan0 frame: IPv6 hop limit 64, TC = payload ECN, encapsulation limit / payload."""
    ds, _ = ds_ttl
    opt = bytes([47, 0, 4, 1, limit, 1, 1, 0])
    ip6 = IPv6(src=src, dst=dst, hlim=64, tc=ecn_of(ds), fl=fl, nh=60)
    return bytes(Ether(src=WAN_MAC, dst=dst_mac) / ip6 / Raw(opt + bytes(payload)))


def gretap_hdr(fr):
    return GRE(proto=TEB) / Raw(fr)


def vlan_of(fr):
    e = Ether(fr)
    return e[Dot1Q].vlan if e.type == 0x8100 else None


def erspan2_hdr(fr, seq, sid, index):
    """GRE(S, seq) / ERSPAN type II for the mirrored frame fr (include/net/erspan.h)."""
    v = vlan_of(fr)
    ds, _ = l2_ds_ttl(fr)
    return (GRE(seqnum_present=1, proto=ERSPAN2_PROTO, sequence_number=seq) /
            ERSPAN_II(ver=1, vlan=v or 0, cos=ds >> 5, en=3 if v is not None else 0, t=0,
                      session_id=sid, reserved=0, index=index) / Raw(fr))


def erspan3_hdr(fr, seq, sid, ts, hwid=0, d=0):
    """GRE(S, seq) / ERSPAN type III: BSO from the frame length, P 1, Gra 0 (100 us)."""
    v = vlan_of(fr)
    ds, _ = l2_ds_ttl(fr)
    bso = 1 if len(fr) < 60 else 2 if len(fr) > 1514 else 0
    return (GRE(seqnum_present=1, proto=ERSPAN3_PROTO, sequence_number=seq) /
            ERSPAN_III(ver=2, vlan=v or 0, cos=ds >> 5, bso=bso, t=0, session_id=sid,
                       timestamp=ts, sgt_other=0, p=1, ft=0, hw=hwid, d=d, gra=0, o=0) /
            Raw(fr))


def gre_payload(b):
    """(GRE bytes onwards, IPv4 id or IPv6 flow label) of a captured wan0 frame, or None."""
    e = Ether(b)
    if IP in e and e[IP].proto == 47:
        return bytes(e[IP].payload), e[IP].id
    if IPv6 in e and e[IPv6].nh == 60 and bytes(e[IPv6].payload)[:1] == b"\x2f":
        return bytes(e[IPv6].payload)[8:], e[IPv6].fl
    return None


def capture_of(got, inner, hdr_len):
    """The captured outer frame carrying exactly inner behind hdr_len bytes of GRE(+ERSPAN):
    (GRE bytes, IPv4 id / IPv6 flow label) or (None, 0) when there is none."""
    for g in got:
        p = gre_payload(g)
        if p and p[0][hdr_len:] == inner:
            return p
    return None, 0


def now_ts():
    return int(time.time() * 10000) & 0xffffffff


def check_ts(ts, what):
    d = (ts - now_ts()) & 0xffffffff
    if min(d, 0x100000000 - d) > 600000:
        raise AssertionError(f"{what}: ERSPAN III timestamp {ts} is not within a minute of "
                             f"now ({now_ts()}, 100 us units)")


def erspan_expect(got, frames, *, ver, sid, index=0, hwid=0, d=0, v6=False, fixed_seq=True):
    """Expected wan0 ERSPAN frames for the mirrored frames (in mirroring order: sequence
    numbers 0, 1, ... when fixed_seq, else taken from the capture, which must then hold each
    number 0..n-1 exactly once).  IPv4 id / flow label and the type III timestamp come from
    the capture; the timestamp must be within a minute of now."""
    hlen = 8 + (8 if ver == 1 else 12)
    exp, seqs = [], []
    for i, fr in enumerate(frames):
        cap, oid = capture_of(got, fr, hlen)
        seq = i
        if not fixed_seq and cap is not None:
            seq = struct.unpack("!I", cap[4:8])[0]
        seqs.append(seq)
        if ver == 1:
            hdr = erspan2_hdr(fr, seq, sid, index)
        else:
            ts = struct.unpack("!I", cap[12:16])[0] if cap is not None else 0
            if cap is not None:
                check_ts(ts, f"mirror copy {i + 1}")
            hdr = erspan3_hdr(fr, seq, sid, ts, hwid, d)
        dt = l2_ds_ttl(fr)
        exp.append(gre6_frame(hdr, fl=oid, ds_ttl=dt) if v6 else
                   gre4_frame(hdr, id=oid, ds_ttl=dt))
    if sorted(seqs) != list(range(len(frames))):
        raise AssertionError(f"ERSPAN sequence numbers {sorted(seqs)}, expected "
                             f"0..{len(frames) - 1} each once")
    return exp


def is_gre(b):
    return gre_payload(b) is not None


# --------------------------------------------------------------------------- configs

def member_lan():
    """lan0 as a bridge member: no addresses."""
    return {"name": "lan0", "mac": LAN_MAC}


def l2_config(tunnels, bridges, extra_ports=(), neighbors=()):
    c = tgw.base_config(tunnels=tunnels, std_neighbors=False, neighbors=[
        {"dst": PEER4, "lladdr": PEER_MAC, "dev": "wan0"},
        {"dst": PEER6, "lladdr": PEER_MAC, "dev": "wan0"}] + list(neighbors))
    c["ports"][0] = member_lan()
    c["ports"] += list(extra_ports)
    c["bridges"] = bridges
    return c


def mirror_config(tunnel, mirrors, mtu=None):
    """base_config (lan0 routed, default routes via the wan0 gateway) with an erspan tunnel
    and mirrors (and both ports' MTU when mtu)."""
    extra = {"mtu": mtu} if mtu else None
    c = tgw.base_config(tunnels=[tunnel], lan_extra=extra, wan_extra=extra,
                        routes=[{"dst": "default", "via": WAN_GW4, "dev": "wan0"},
                                {"dst": "::/0", "via": WAN_GW6, "dev": "wan0"}],
                        neighbors=[{"dst": WAN_GW4, "lladdr": WAN_GW_MAC, "dev": "wan0"},
                                   {"dst": WAN_GW6, "lladdr": WAN_GW_MAC, "dev": "wan0"}])
    c["mirrors"] = mirrors
    return c


def lan_frames():
    """Frames a host on the bridged lan0 sends towards the tunnel side."""
    return [
        frame(RMT_MAC, LAN_HOST_MAC, udp4(size=100, ttl=33, tos=0xb9, id=1)),   # ECT(1)
        frame(RMT_MAC, LAN_HOST_MAC, udp4(size=200, ttl=7, tos=0x03, id=2)),    # CE
        frame(RMT_MAC, LAN_HOST_MAC, udp6(size=120, hlim=20, tc=0x2a)),          # ECT(0)
        frame(BCAST, LAN_HOST_MAC, ARP(op=1, hwsrc=LAN_HOST_MAC, psrc=LAN_HOST4,
                                       pdst=REMOTE4)),
        frame(MCAST6, LAN_HOST_MAC, udp6(dst="ff02::1", size=80, hlim=1)),
        frame(RMT_MAC, LAN_HOST_MAC, udp4(size=100, ttl=9, tos=0xb9, id=3), vlan=0x6064),
        bytes(Ether(dst=RMT_MAC, src=LAN_HOST_MAC) / Dot1AD(vlan=100) / Dot1Q(vlan=200) /
              udp4(size=60, id=4)),
        frame(RMT_MAC, LAN_HOST_MAC, Raw(b"\x00" * 46)),   # not IP: ethertype 0x9000
    ]


def tunnel_frames():
    """Frames the peer's side sends through the tunnel towards the bridged lan0."""
    return [
        frame(LAN_HOST_MAC, RMT_MAC, udp4(src=REMOTE4, dst=LAN_HOST4, size=300, id=11)),
        frame(LAN_HOST_MAC, RMT_MAC, udp6(src=REMOTE6, dst=LAN_HOST6, size=90)),
        frame(BCAST, RMT_MAC, ARP(op=1, hwsrc=RMT_MAC, psrc=REMOTE4, pdst=LAN_HOST4)),
        frame(LAN_HOST_MAC, RMT_MAC, udp4(src=REMOTE4, dst=LAN_HOST4, id=12), vlan=0xa00a),
        frame(LAN_HOST_MAC, RMT_MAC, Raw(b"x" * 30)),   # short, non-IP (ethertype 0x7878)
    ]


# --------------------------------------------------------------------------- gretap

def test_gretap_bridge():
    """gretap gt1 bridged with lan0 (a two-member bridge), both directions, byte-exact.
    lan0 -> gt1: untagged IPv4/IPv6 set the outer TTL (IPv4 TTL, IPv6 hop limit) and ECN
    (ECT(1) copied, CE -> ECT(0), ECT(0) copied), TOS 0 otherwise; ARP, 802.1Q, QinQ and
    non-IP frames get TTL 64, TOS 0; frames pass unchanged (tags included); DF set; GRE
    protocol 0x6558 with no key/seq/csum.  A frame of MTU + 14 = 1476 bytes passes, one of 1477
    is dropped as too_big (bridge is_skb_forwardable).  gt1 -> lan0: each decapsulated frame
    appears unchanged on lan0 (outer TTL/TOS do not matter).  Tunnel counters count frame
    bytes."""
    c = l2_config([{"name": "gt1", "type": "gretap", "local": WAN4, "remote": PEER4}],
                  [{"name": "br0", "members": ["lan0", "gt1"]}])
    up = lan_frames()
    ip_ok = udp4(size=1476 - 14, ttl=60, id=5)
    big_ok = frame(RMT_MAC, LAN_HOST_MAC, ip_ok)
    too_big = frame(RMT_MAC, LAN_HOST_MAC, udp4(size=1477 - 14, ttl=60, id=6))
    assert len(big_ok) == 1476 and len(too_big) == 1477
    down = tunnel_frames()
    wan = [bytes(Ether(src=PEER_MAC, dst=WAN_MAC) /
                 IP(src=PEER4, dst=WAN4, ttl=3 + i, tos=0x48, proto=47) / gretap_hdr(f))
           for i, f in enumerate(down)]
    r = tgw.run(c, {"lan0": up + [big_ok, too_big], "wan0": wan})
    got = [bytes(x) for x in r.out["wan0"]]
    exp = []
    for f in up + [big_ok]:
        _, oid = capture_of(got, f, 4)
        exp.append(gre4_frame(gretap_hdr(f), id=oid, ds_ttl=l2_ds_ttl(f)))
    assert_pkts(got, exp, "wan0 (lan0 -> gt1)")
    assert_pkts(r.out["lan0"], down, "lan0 (gt1 -> lan0)")
    assert_drops(r, {"too_big": 1})
    assert_tunnel(r, "gt1", encap_packets=len(up) + 1,
                  encap_bytes=sum(map(len, up)) + len(big_ok),
                  decap_packets=len(down), decap_bytes=sum(map(len, down)))


def test_ip6gretap_bridge():
    """ip6gretap gt6 bridged with lan0, both directions, byte-exact: outer IPv6 from WAN6 to
    PEER6, hop limit 64 (ip6gre default, not inherited), traffic class = the payload's ECN,
    destination options with Tunnel Encapsulation Limit 4 then GRE 0x6558, flow label from the
    capture.  MTU = 1500 - 40 - 8 - 4 - 14 = 1434: a 1448-byte frame passes, a 1449-byte one is
    dropped as too_big.  Decap accepts outer packets with and without a destination options
    header; the frames appear unchanged on lan0."""
    c = l2_config([{"name": "gt6", "type": "ip6gretap", "local": WAN6, "remote": PEER6}],
                  [{"name": "br0", "members": ["gt6", "lan0"]}])
    up = lan_frames()[:6]
    big_ok = frame(RMT_MAC, LAN_HOST_MAC, udp6(size=1448 - 14, hlim=5))
    too_big = frame(RMT_MAC, LAN_HOST_MAC, udp6(size=1449 - 14, hlim=5))
    down = tunnel_frames()
    wan = []
    for i, f in enumerate(down):
        if i % 2:
            ip6 = IPv6(src=PEER6, dst=WAN6, hlim=9, nh=47) / gretap_hdr(f)
        else:
            ip6 = IPv6(src=PEER6, dst=WAN6, hlim=9, nh=60) / Raw(
                bytes([47, 0, 4, 1, 4, 1, 1, 0]) + bytes(gretap_hdr(f)))
        wan.append(bytes(Ether(src=PEER_MAC, dst=WAN_MAC) / ip6))
    r = tgw.run(c, {"lan0": up + [big_ok, too_big], "wan0": wan})
    got = [bytes(x) for x in r.out["wan0"]]
    exp = []
    for f in up + [big_ok]:
        _, fl = capture_of(got, f, 4)
        exp.append(gre6_frame(gretap_hdr(f), fl=fl, ds_ttl=l2_ds_ttl(f)))
    assert_pkts(got, exp, "wan0 (lan0 -> gt6)")
    assert_pkts(r.out["lan0"], down, "lan0 (gt6 -> lan0)")
    assert_drops(r, {"too_big": 1})
    assert_tunnel(r, "gt6", encap_packets=len(up) + 1,
                  encap_bytes=sum(map(len, up)) + len(big_ok),
                  decap_packets=len(down), decap_bytes=sum(map(len, down)))


def test_gretap_key_seq_csum():
    """gretap gk with "key": 42, "seq": true, "csum": true bridged with lan0.  Encap: GRE flags
    C|K|S, a valid RFC 2784 checksum over GRE header and frame, key 42, sequence 0, 1, 2 in
    order.  Decap (wan0, in order): key 42 with seq 5 and 6 and valid checksums delivered;
    a bad checksum (gre_bad_csum); seq 6 again (duplicate, gre_seq_order: ip_tunnel_rcv);
    no checksum (gre_csum_flag); no key (no keyed tunnel matches: no_tunnel)."""
    c = l2_config([{"name": "gk", "type": "gretap", "local": WAN4, "remote": PEER4,
                    "key": 42, "seq": True, "csum": True}],
                  [{"name": "br0", "members": ["lan0", "gk"]}])
    up = lan_frames()[:3]
    down = tunnel_frames()[:2]
    other = tunnel_frames()[2]

    def gin(fr, seq, key=42, csum=True, corrupt=False):
        g = bytes(GRE(chksum_present=int(csum), key_present=int(key is not None),
                      seqnum_present=1, key=key, sequence_number=seq, proto=TEB) / Raw(fr))
        if corrupt:
            g = g[:4] + bytes([g[4] ^ 0xff]) + g[5:]
        return bytes(Ether(src=PEER_MAC, dst=WAN_MAC) /
                     IP(src=PEER4, dst=WAN4, proto=47) / Raw(g))

    wan = [gin(down[0], 5), gin(down[1], 6), gin(other, 7, corrupt=True), gin(other, 6),
           gin(other, 8, csum=False), gin(other, 9, key=None)]
    r = tgw.run(c, {"lan0": up, "wan0": wan})
    got = [bytes(x) for x in r.out["wan0"]]
    exp = []
    for i, f in enumerate(up):
        _, oid = capture_of(got, f, 16)
        g = GRE(chksum_present=1, key_present=1, seqnum_present=1, key=42, sequence_number=i,
                proto=TEB) / Raw(f)
        exp.append(gre4_frame(bytes(g), id=oid, ds_ttl=l2_ds_ttl(f)))
    assert_pkts(got, exp, "wan0 (lan0 -> gk)")
    assert_pkts(r.out["lan0"], down, "lan0 (gk -> lan0)")
    assert_drops(r, {"gre_bad_csum": 1, "gre_seq_order": 1, "gre_csum_flag": 1,
                     "no_tunnel": 1})
    assert_tunnel(r, "gk", encap_packets=3, encap_bytes=sum(map(len, up)),
                  decap_packets=2, decap_bytes=sum(map(len, down)))


def test_gretap_decap_ecn():
    """RFC 6040 decapsulation applies to the IP packet inside a gretap frame, as Linux's
    ip_tunnel_rcv since commit 227adfb2b1df ("net: Set true network header for ECN
    decapsulation": the network header is set ETH_HLEN past an ARPHRD_ETHER tunnel's payload,
    then IP_ECN_decapsulate by the frame's ethertype).  Outer CE over an untagged IPv4 ECT(0)
    payload: the inner gets CE and a fixed header checksum; over an IPv6 ECT(1) payload: CE;
    over an IPv4 Not-ECT payload: dropped (ecn_drop); over an 802.1Q-tagged frame or ARP: no
    IP header at the network offset, unchanged.  An outer ECT(0) changes nothing."""
    c = l2_config([{"name": "gt1", "type": "gretap", "local": WAN4, "remote": PEER4}],
                  [{"name": "br0", "members": ["lan0", "gt1"]}])
    v4 = udp4(src=REMOTE4, dst=LAN_HOST4, tos=0xb8 | 2, id=101)
    v6 = udp6(src=REMOTE6, dst=LAN_HOST6, tc=0xb8 | 1)
    notect = udp4(src=REMOTE4, dst=LAN_HOST4, tos=0xb8, id=102)
    tagged = frame(LAN_HOST_MAC, RMT_MAC, udp4(src=REMOTE4, dst=LAN_HOST4, tos=0, id=103),
                   vlan=7)
    arp = frame(BCAST, RMT_MAC, ARP(op=1, hwsrc=RMT_MAC, psrc=REMOTE4, pdst=LAN_HOST4))
    plain = frame(LAN_HOST_MAC, RMT_MAC, udp4(src=REMOTE4, dst=LAN_HOST4, tos=0, id=104))

    def wan(fr, tos):
        return bytes(Ether(src=PEER_MAC, dst=WAN_MAC) /
                     IP(src=PEER4, dst=WAN4, tos=tos, proto=47) / gretap_hdr(fr))

    fr4, fr6, frn = (frame(LAN_HOST_MAC, RMT_MAC, p) for p in (v4, v6, notect))
    ins = [wan(fr4, 0x03), wan(fr6, 0x03), wan(frn, 0x03), wan(tagged, 0x03), wan(arp, 0x03),
           wan(plain, 0x02)]
    r = tgw.run(c, {"wan0": ins})
    exp = [frame(LAN_HOST_MAC, RMT_MAC, tgw.set_ecn4(v4, 3)),
           frame(LAN_HOST_MAC, RMT_MAC, tgw.set_ecn6(v6, 3)), tagged, arp, plain]
    assert_pkts(r.out["lan0"], exp, "lan0")
    assert_drops(r, {"ecn_drop": 1})


# --------------------------------------------------------------------------- bridge

def test_bridge_learning_flooding_hairpin():
    """A three-member bridge lan0 + gt1 (PEER4) + gt2 (PEER2_4) with a static fdb entry for
    STATIC_MAC on lan0.  Frames from the tunnels (all through wan0, so in this order):
      1. gt2: RMT2 -> broadcast        flooded to lan0 and gt1 (RMT2 learned on gt2)
      2. gt1: RMT -> RMT2              only to gt2: learned unicast, not flooded
      3. gt1: RMT -> UNKNOWN           unknown unicast: flooded to lan0 and gt2
      4. gt1: RMT -> IPv4 multicast    flooded to lan0 and gt2
      5. gt2: RMT2 -> RMT              only to gt1 (RMT was learned on gt1 by 2.)
      6. gt1: RMT -> RMT               destination learned on the ingress member: dropped as
                                       bridge_same_port (no hairpin)
      7. gt2: UNKNOWN2 -> RMT2         RMT2 is on gt2 itself: bridge_same_port
      8. gt1: RMT -> STATIC_MAC        static entry: only to lan0
      9. gt1: RMT2 -> broadcast        the station moved: RMT2 now learned on gt1 (br_fdb_update);
                                       flooded to lan0 and gt2
     10. gt2: UNKNOWN2 -> RMT2         now only to gt1 (no longer same-port)
    and from lan0: a broadcast and an IPv6 multicast frame (flooded to gt1 and gt2), a frame to
    STATIC_MAC (static on lan0 itself: bridge_same_port).  Every copy is byte-identical."""
    c = l2_config([{"name": "gt1", "type": "gretap", "local": WAN4, "remote": PEER4},
                   {"name": "gt2", "type": "gretap", "local": WAN4, "remote": PEER2_4}],
                  [{"name": "br0", "members": ["lan0", "gt1", "gt2"],
                    "fdb": [{"lladdr": STATIC_MAC, "dev": "lan0"}]}],
                  neighbors=[{"dst": PEER2_4, "lladdr": PEER2_MAC, "dev": "wan0"}])
    unk2 = "02:00:00:00:0a:98"
    f = [frame(BCAST, RMT2_MAC, ARP(op=1, hwsrc=RMT2_MAC, psrc="10.9.0.2", pdst="10.9.0.1")),
         frame(RMT2_MAC, RMT_MAC, udp4(src=REMOTE4, dst="10.9.0.2", id=22)),
         frame(UNKNOWN_MAC, RMT_MAC, udp4(src=REMOTE4, dst="10.9.0.99", id=23)),
         frame(MCAST4, RMT_MAC, udp4(src=REMOTE4, dst="224.0.0.251", id=24, ttl=1)),
         frame(RMT_MAC, RMT2_MAC, udp4(src="10.9.0.2", dst=REMOTE4, id=25, ttl=99)),
         frame(RMT_MAC, RMT_MAC, udp4(src=REMOTE4, dst=REMOTE4, id=26)),
         frame(RMT2_MAC, unk2, udp4(src="10.9.0.98", dst="10.9.0.2", id=27)),
         frame(STATIC_MAC, RMT_MAC, udp4(src=REMOTE4, dst="10.9.0.55", id=28)),
         frame(BCAST, RMT2_MAC, udp4(src="10.9.0.2", dst="255.255.255.255", id=29)),
         frame(RMT2_MAC, unk2, udp4(src="10.9.0.98", dst="10.9.0.2", id=30))]
    src_of = [PEER2_4, PEER4, PEER4, PEER4, PEER2_4, PEER4, PEER2_4, PEER4, PEER4, PEER2_4]
    wan = [bytes(Ether(src=PEER_MAC if s == PEER4 else PEER2_MAC, dst=WAN_MAC) /
                 IP(src=s, dst=WAN4, ttl=64, proto=47) / gretap_hdr(x))
           for x, s in zip(f, src_of)]
    lf = [frame(BCAST, LAN_HOST_MAC, ARP(op=1, hwsrc=LAN_HOST_MAC, psrc=LAN_HOST4,
                                         pdst="10.1.0.77")),
          frame(MCAST6, LAN_HOST_MAC, udp6(dst="ff02::1", size=70, hlim=1)),
          frame(STATIC_MAC, LAN_HOST_MAC, udp4(dst="10.9.0.55", id=31))]
    r = tgw.run(c, {"wan0": wan, "lan0": lf})
    to_lan = [f[0], f[2], f[3], f[7], f[8]]
    to_gt1 = [f[0], f[4], f[9], lf[0], lf[1]]
    to_gt2 = [f[1], f[2], f[3], f[8], lf[0], lf[1]]
    got = [bytes(x) for x in r.out["wan0"]]
    exp = []
    for fr in to_gt1:
        _, oid = capture_of([g for g in got if Ether(g)[IP].dst == PEER4], fr, 4)
        exp.append(gre4_frame(gretap_hdr(fr), id=oid, ds_ttl=l2_ds_ttl(fr)))
    for fr in to_gt2:
        _, oid = capture_of([g for g in got if Ether(g)[IP].dst == PEER2_4], fr, 4)
        exp.append(gre4_frame(gretap_hdr(fr), id=oid, ds_ttl=l2_ds_ttl(fr), dst=PEER2_4,
                              dst_mac=PEER2_MAC))
    assert_pkts(r.out["lan0"], to_lan, "lan0")
    assert_pkts(got, exp, "wan0 (gt1 and gt2)")
    assert_drops(r, {"bridge_same_port": 3})
    assert_tunnel(r, "gt1", encap_packets=len(to_gt1), encap_bytes=sum(map(len, to_gt1)),
                  decap_packets=6, decap_bytes=sum(len(f[i]) for i in (1, 2, 3, 5, 7, 8)))
    assert_tunnel(r, "gt2", encap_packets=len(to_gt2), encap_bytes=sum(map(len, to_gt2)),
                  decap_packets=4, decap_bytes=sum(len(f[i]) for i in (0, 4, 6, 9)))


# --------------------------------------------------------------------------- ERSPAN source

def test_erspan1_mirror_ingress():
    """erspan er1 (type II, session 100, index 12345) mirrors lan0 ingress to PEER4.  Every
    frame received on lan0 (routed IPv4/IPv6, an ARP request for LAN4, an 802.1Q-tagged frame
    that the routed port then drops as bad_ethertype) is copied: GRE S + sequence 0, 1, ...
    (proto 0x88be, no key), ERSPAN ver 1, session 100, index 12345, T 0, COS = IPv4 TOS >> 5 /
    IPv6 TC >> 5, VLAN = the tag's VID with En 3 for the tagged frame (else 0/0); outer TTL from
    the untagged IP payload (else 64), ECN copied, DF.  The originals go on untouched: routed
    to the wan0 gateway, the ARP request answered on lan0; lan0's egress (the ARP reply) is not
    mirrored."""
    c = mirror_config({"name": "er1", "type": "erspan", "local": WAN4, "remote": PEER4,
                       "key": 100, "erspan": 12345},
                      [{"dev": "lan0", "direction": "ingress", "to": "er1"}])
    ip4 = udp4(size=200, ttl=40, tos=0xa1, id=41)          # COS 5, ECT(1)
    ip6 = udp6(size=150, hlim=30, tc=0x62)                 # COS 3, ECT(0)
    arp = frame(BCAST, LAN_HOST_MAC, ARP(op=1, hwsrc=LAN_HOST_MAC, psrc=LAN_HOST4, pdst=LAN4))
    tagged = frame(LAN_MAC, LAN_HOST_MAC, udp4(size=100, id=42, tos=0xe0), vlan=0x2123)
    ins = [bytes(lan_in(ip4)), bytes(lan_in(ip6)), arp, tagged]
    r = tgw.run(c, {"lan0": ins})
    got = [bytes(x) for x in r.out["wan0"]]
    routed = [bytes(Ether(src=WAN_MAC, dst=WAN_GW_MAC) / fwd4(ip4)),
              bytes(Ether(src=WAN_MAC, dst=WAN_GW_MAC) / fwd6(ip6))]
    mirrored = erspan_expect([g for g in got if is_gre(g)], ins, ver=1, sid=100, index=12345)
    assert_pkts(got, routed + mirrored, "wan0 (routed originals + ERSPAN copies)")
    reply = bytes(Ether(src=LAN_MAC, dst=LAN_HOST_MAC) /
                  ARP(op=2, hwsrc=LAN_MAC, psrc=LAN4, hwdst=LAN_HOST_MAC, pdst=LAN_HOST4))
    assert_pkts(r.out["lan0"], [reply], "lan0 (ARP reply)")
    assert_drops(r, {"bad_ethertype": 1})   # the tagged frame, on the routed lan0
    assert_tunnel(r, "er1", encap_packets=4, encap_bytes=sum(map(len, ins)),
                  decap_packets=0, decap_bytes=0)


def test_erspan2_mirror_egress():
    """erspan er2 (type III, session 513, hwid 37, erspan_dir egress) mirrors lan0 egress:
    every frame transmitted on lan0 (IPv4/IPv6 routed from wan0 to the lan host, 42 bytes to
    1514 bytes) is copied to PEER4 with GRE S + sequence 0.. (proto 0x22eb), ERSPAN ver 2,
    session 513, BSO 1 for frames under 60 bytes else 0, COS from the IP precedence, timestamp
    within a minute of now (100 us units), SGT 0, P 1, FT 0, HWID 37, D 1, Gra 0, O 0.  The
    originals on lan0 are exactly the routed packets; wan0 ingress is not mirrored."""
    c = mirror_config({"name": "er2", "type": "erspan", "local": WAN4, "remote": PEER4,
                       "key": 513, "erspan_ver": 2, "erspan_hwid": 37, "erspan_dir": "egress"},
                      [{"dev": "lan0", "direction": "egress", "to": "er2"}])
    inners = [udp4(src=REMOTE4, dst=LAN_HOST4, size=28, id=51, tos=0x20),   # 42-byte frame
              udp4(src=REMOTE4, dst=LAN_HOST4, size=46, id=52),             # exactly 60
              udp4(src=REMOTE4, dst=LAN_HOST4, size=1450 - 14, id=53, tos=0xc3)]
    in6 = udp6(src=REMOTE6, dst=LAN_HOST6, size=300, tc=0x81)
    r = tgw.run(c, {"wan0": [bytes(Ether(src=WAN_GW_MAC, dst=WAN_MAC) / p)
                             for p in inners + [in6]]})
    exp_lan = [bytes(Ether(src=LAN_MAC, dst=LAN_HOST_MAC) / fwd4(p)) for p in inners] + \
        [bytes(Ether(src=LAN_MAC, dst=LAN_HOST_MAC) / fwd6(in6))]
    assert_pkts(r.out["lan0"], exp_lan, "lan0 (routed originals)")
    sent = r.raw["lan0"]   # everything lan0 sent is mirrored, announcements included
    got = [bytes(x) for x in r.out["wan0"]]
    assert_pkts(got, erspan_expect(got, sent, ver=2, sid=513, hwid=37, d=1, fixed_seq=False),
                "wan0 (ERSPAN III copies of lan0 egress)")
    assert_drops(r, {})
    assert_tunnel(r, "er2", encap_packets=len(sent), encap_bytes=sum(map(len, sent)),
                  decap_packets=0, decap_bytes=0)


def test_erspan1_mirror_both_no_recursion():
    """Mirrors lan0 "both" and wan0 "egress" into er1 (type II, session 7, index 0).  A ping to
    LAN4 and a UDP packet routed to the wan0 gateway: the request and the UDP frame are
    mirrored on lan0 ingress, the echo reply on lan0 egress, the routed UDP frame on wan0
    egress; the ERSPAN packets themselves leave through wan0 and are not mirrored again
    (exactly 4 copies, sequence numbers 0..3 once each).  Originals are untouched."""
    c = mirror_config({"name": "er1", "type": "erspan", "local": WAN4, "remote": PEER4,
                       "key": 7},
                      [{"dev": "lan0", "direction": "both", "to": "er1"},
                       {"dev": "wan0", "direction": "egress", "to": "er1"}])
    req = IP(bytes(IP(src=LAN_HOST4, dst=LAN4, id=61, ttl=64) / ICMP(type=8, id=0x77, seq=3) /
                   (b"ping" * 10)))
    u = udp4(size=120, ttl=50, id=62)
    ins = [bytes(lan_in(req)), bytes(lan_in(u))]
    r = tgw.run(c, {"lan0": ins})
    rep = tgw.one(r.out["lan0"], "lan0 echo reply")
    gi = rep[IP]
    exp_rep = bytes(Ether(src=LAN_MAC, dst=LAN_HOST_MAC) /
                    IP(src=LAN4, dst=LAN_HOST4, ttl=64, id=gi.id, flags=gi.flags) /
                    ICMP(type=0, id=0x77, seq=3) / (b"ping" * 10))
    assert_pkts(r.out["lan0"], [exp_rep], "lan0 (echo reply)")
    routed = bytes(Ether(src=WAN_MAC, dst=WAN_GW_MAC) / fwd4(u))
    mirrored_src = ins + r.raw["lan0"] + [routed]
    got = [bytes(x) for x in r.out["wan0"]]
    gre = [g for g in got if is_gre(g)]
    # wan0's own announcements (if any) are mirrored too: include every non-GRE wan0 frame
    mirrored_src += [b for b in r.raw["wan0"] if not is_gre(b) and b != routed]
    exp = [routed] + erspan_expect(gre, mirrored_src, ver=1, sid=7, fixed_seq=False)
    assert_pkts([b for b in r.raw["wan0"]], exp, "wan0 (routed + ERSPAN copies, no recursion)")
    assert_drops(r, {})
    assert_tunnel(r, "er1", encap_packets=len(mirrored_src),
                  encap_bytes=sum(map(len, mirrored_src)), decap_packets=0, decap_bytes=0)


def test_ip6erspan_mirror():
    """ip6erspan e6 (type III, session 1023, hwid 63, dir ingress) mirrors lan0 ingress to
    PEER6: outer IPv6 hop limit 64, TC = the payload's ECN, encapsulation limit 4, flow label
    from the capture; GRE S + sequence 0.. (0x22eb); ERSPAN III with D 0, HWID 63, COS from the
    payload, BSO 1 for the 42-byte frame, 0 for the 454-byte one, 2 for the 1600-byte one
    (both ports at MTU 9000, so the jumbo frame is routed and fits the tunnel)."""
    c = mirror_config({"name": "e6", "type": "ip6erspan", "local": WAN6, "remote": PEER6,
                       "key": 1023, "erspan_ver": 2, "erspan_hwid": 63},
                      [{"dev": "lan0", "direction": "ingress", "to": "e6"}], mtu=9000)
    ip4 = udp4(size=28, ttl=40, tos=0x43, id=71)
    ip6 = udp6(size=400, hlim=30, tc=0xb9)
    jumbo = udp6(size=1600 - 14, hlim=30, tc=0x01)
    ins = [bytes(lan_in(ip4)), bytes(lan_in(ip6)), bytes(lan_in(jumbo))]
    r = tgw.run(c, {"lan0": ins})
    got = [bytes(x) for x in r.out["wan0"]]
    routed = [bytes(Ether(src=WAN_MAC, dst=WAN_GW_MAC) / fwd4(ip4)),
              bytes(Ether(src=WAN_MAC, dst=WAN_GW_MAC) / fwd6(ip6)),
              bytes(Ether(src=WAN_MAC, dst=WAN_GW_MAC) / fwd6(jumbo))]
    mirrored = erspan_expect([g for g in got if is_gre(g)], ins, ver=2, sid=1023, hwid=63,
                             d=0, v6=True)
    assert_pkts(got, routed + mirrored, "wan0 (routed + ip6erspan copies)")
    assert_drops(r, {})
    assert_tunnel(r, "e6", encap_packets=3, encap_bytes=sum(map(len, ins)))


# --------------------------------------------------------------------------- ERSPAN destination

def dest_config():
    """er1 (type II, session 100) bridged with lan0; er2 (type III, session 200) bridged with a
    third port lan1; gt9 (gretap to 192.0.2.9) in no bridge."""
    lan1 = {"name": "lan1", "mac": LAN1_MAC}
    return l2_config(
        [{"name": "er1", "type": "erspan", "local": WAN4, "remote": PEER4, "key": 100},
         {"name": "er2", "type": "erspan", "local": WAN4, "remote": PEER4, "key": 200,
          "erspan_ver": 2},
         {"name": "gt9", "type": "gretap", "local": WAN4, "remote": "192.0.2.9"}],
        [{"name": "br0", "members": ["lan0", "er1"]},
         {"name": "br1", "members": ["er2", "lan1"]}],
        extra_ports=[lan1])


def ers_in(payload, src=PEER4, flags=GRE_S, proto=ERSPAN2_PROTO, seq=0):
    """A wan0 frame from the peer: IPv4 / GRE(flags, proto[, seq]) / payload bytes."""
    g = struct.pack("!HH", flags, proto) + (struct.pack("!I", seq) if flags & GRE_S else b"")
    return bytes(Ether(src=PEER_MAC, dst=WAN_MAC) /
                 IP(src=src, dst=WAN4, ttl=64, proto=47) / Raw(g + bytes(payload)))


def ers2(fr, sid, vlan=0, en=0, index=5):
    return bytes(ERSPAN_II(ver=1, vlan=vlan, en=en, session_id=sid, index=index)) + fr


def ers3(fr, sid, vlan=0):
    return bytes(ERSPAN_III(ver=2, vlan=vlan, session_id=sid, timestamp=123456, p=1,
                            hw=3)) + fr


def test_erspan_destination():
    """ERSPAN receive into bridges: type II packets for session 100 (from PEER4) deliver the
    mirrored frames unchanged on lan0 (bridge br0 with er1), type III packets for session 200
    on lan1 (bridge br1 with er2): broadcast, unicast, 802.1Q-tagged (En 3), short frames.
    Any sequence number is accepted (no iseq).  Nothing goes back into the tunnels."""
    c = dest_config()
    f1 = [frame(BCAST, OTHER, ARP(op=1, hwsrc=OTHER, psrc="10.5.0.1", pdst="10.5.0.2")),
          frame(LAN_HOST_MAC, OTHER, udp4(src="10.5.0.1", dst=LAN_HOST4, size=500, id=81)),
          frame(LAN_HOST_MAC, OTHER, udp4(src="10.5.0.1", dst=LAN_HOST4, id=82), vlan=0x0fff),
          frame(LAN_HOST_MAC, OTHER, Raw(b"short"))]
    f2 = [frame(BCAST, OTHER, udp6(src=REMOTE6, dst="ff02::1", size=64)),
          frame(LAN_HOST_MAC, OTHER, udp4(src="10.5.0.1", dst=LAN_HOST4, size=1400, id=83),
                vlan=0x2005)]
    wan = [ers_in(ers2(f1[0], 100), seq=1000),
           ers_in(ers2(f1[1], 100), seq=3),
           ers_in(ers2(f1[2], 100, vlan=0xfff, en=3), seq=3),
           ers_in(ers2(f1[3], 100), seq=0),
           ers_in(ers3(f2[0], 200), proto=ERSPAN3_PROTO, seq=9),
           ers_in(ers3(f2[1], 200, vlan=5), proto=ERSPAN3_PROTO, seq=10)]
    r = tgw.run(c, {"wan0": wan})
    assert_pkts(r.out["lan0"], f1, "lan0 (br0 <- er1)")
    assert_pkts(r.out["lan1"], f2, "lan1 (br1 <- er2)")
    assert_no_output(r, "wan0")
    assert_drops(r, {})
    assert_tunnel(r, "er1", decap_packets=4, decap_bytes=sum(map(len, f1)),
                  encap_packets=0, encap_bytes=0)
    assert_tunnel(r, "er2", decap_packets=2, decap_bytes=sum(map(len, f2)),
                  encap_packets=0, encap_bytes=0)


def test_erspan_bad_input():
    """Malformed or unmatched ERSPAN/GRE from the peer, each dropped and counted, next to two
    good packets (one per type) that are delivered:
      ERSPAN II with 4 of its 8 header bytes, Ethernet-padded to 60   erspan_truncated
      ERSPAN III with 8 of its 12 header bytes                       erspan_truncated
      proto 0x88be carrying version 2; proto 0x22eb carrying version 1; 0x88be without the S bit
                                                                     erspan_bad_version (3)
      unknown session id 101; session 100 from an unknown remote     no_tunnel (2)
      GRE of 2 bytes; GRE with S set but no sequence number          gre_truncated (2)
      gretap to gt9, which is in no bridge                           no_bridge"""
    c = dest_config()
    good1 = frame(LAN_HOST_MAC, OTHER, udp4(src="10.5.0.1", dst=LAN_HOST4, id=91))
    good2 = frame(LAN_HOST_MAC, OTHER, udp4(src="10.5.0.1", dst=LAN_HOST4, id=92))
    inner = frame(LAN_HOST_MAC, OTHER, udp4(src="10.5.0.1", dst=LAN_HOST4, id=93))

    def pad60(b):
        return b + bytes(max(0, 60 - len(b)))

    trunc_gre = bytes(Ether(src=PEER_MAC, dst=WAN_MAC) /
                      IP(src=PEER4, dst=WAN4, proto=47) / Raw(b"\x10\x00"))
    trunc_seq = bytes(Ether(src=PEER_MAC, dst=WAN_MAC) /
                      IP(src=PEER4, dst=WAN4, proto=47) / Raw(b"\x10\x00\x88\xbe"))
    no_bridge = bytes(Ether(src=PEER_MAC, dst=WAN_MAC) /
                      IP(src="192.0.2.9", dst=WAN4, proto=47) / gretap_hdr(inner))
    bad = {
        "erspan_truncated": [pad60(ers_in(ers2(b"", 100)[:4])),
                             ers_in(ers3(b"", 200)[:8], proto=ERSPAN3_PROTO)],
        "erspan_bad_version": [ers_in(ers3(inner, 100)),
                               ers_in(ers2(inner, 200), proto=ERSPAN3_PROTO),
                               ers_in(ers2(inner, 100), flags=0)],
        "no_tunnel": [ers_in(ers2(inner, 101)), ers_in(ers2(inner, 100), src="192.0.2.77")],
        "gre_truncated": [pad60(trunc_gre), pad60(trunc_seq)],
        "no_bridge": [no_bridge],
    }
    wan = [ers_in(ers2(good1, 100), seq=1)] + [b for v in bad.values() for b in v] + \
        [ers_in(ers3(good2, 200), proto=ERSPAN3_PROTO, seq=2)]
    r = tgw.run(c, {"wan0": wan})
    assert_pkts(r.out["lan0"], [good1], "lan0")
    assert_pkts(r.out["lan1"], [good2], "lan1")
    assert_no_output(r, "wan0")
    assert_drops(r, {k: len(v) for k, v in bad.items()})
    assert_tunnel(r, "er1", decap_packets=1, decap_bytes=len(good1))
    assert_tunnel(r, "er2", decap_packets=1, decap_bytes=len(good2))
    assert_tunnel(r, "gt9", decap_packets=0, encap_packets=0)


if __name__ == "__main__":
    tgw.main(globals())


def test_erspan_truncates_long_frames():
    """A mirrored frame longer than the ERSPAN tunnel's MTU + 14 (type II over IPv4: 1500 -
    20 - 8 - 8 - 14 = 1450, so 1464-byte frames) is sent truncated to that length with the
    ERSPAN T bit set, as the kernel's erspan_xmit (pskb_trim + truncate); a frame that fits
    goes whole with T 0.  The original 1514-byte frame is routed untouched."""
    c = mirror_config({"name": "er1", "type": "erspan", "local": WAN4, "remote": PEER4,
                       "key": 9, "erspan": 3},
                      [{"dev": "lan0", "direction": "ingress", "to": "er1"}])
    big = udp4(size=1500, id=61)
    small = udp4(size=1450, id=62)   # a 1464-byte frame: fits exactly
    ins = [bytes(lan_in(big)), bytes(lan_in(small))]
    # tshark rightly calls the truncated inner IP packet malformed: checked here instead
    r = tgw.run(c, {"lan0": ins}, tshark=False)
    got = [Ether(bytes(x)) for x in r.out["wan0"]]
    copies = [g for g in got if g.haslayer(ERSPAN_II)]
    routed = [bytes(g) for g in got if not g.haslayer(ERSPAN_II)]
    assert_pkts(routed, [bytes(Ether(src=WAN_MAC, dst=WAN_GW_MAC) / fwd4(big)),
                         bytes(Ether(src=WAN_MAC, dst=WAN_GW_MAC) / fwd4(small))],
                "wan0 (routed originals)")
    assert len(copies) == 2, "expected 2 ERSPAN copies, got %d" % len(copies)
    by_len = {}
    for cp in copies:
        e = cp[ERSPAN_II]
        assert e.ver == 1 and e.session_id == 9 and e.index == 3, e.summary()
        by_len[e.t] = bytes(e.payload)
    assert by_len.get(1) == ins[0][:1464], "truncated copy: T 1 and the first 1464 bytes"
    assert by_len.get(0) == ins[1], "a frame that fits is copied whole with T 0"
    assert_drops(r, {})
