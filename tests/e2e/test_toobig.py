"""Packets too big for the tunnel, and fragmented tunnel packets (SPEC section 3, "Too big").

Inner IPv4 with DF beyond the tunnel MTU: ICMP fragmentation needed (3/4) with the tunnel MTU
as next-hop MTU (RFC 1191), dropped (too_big).  Inner IPv6: ICMPv6 Packet Too Big (RFC 4443
3.2).  Inner IPv4 without DF: the outer IPv4 packet is fragmented (SPEC), and the peer
reassembles.  Fragmented outer packets addressed to tungw are reassembled before decap, in
any order.  Default tunnel MTUs: underlay 1500 - 20 (ipip, sit), - 48 (ip6tnl with the
encapsulation limit option), - 40 (without)."""

import tgw
from tgw import (ICMPv6PacketTooBig, IP, IPv6, Raw, LAN4, LAN6, LAN_HOST4, LAN_HOST6, PEER4,
                 PEER6, REMOTE4, REMOTE6, WAN4, WAN6, assert_drops, assert_no_output,
                 assert_pkts, assert_tunnel, fwd4, fwd6, lan_in, lan_out, outer4, outer6, udp4,
                 udp6, wan_in, wan_out)
from scapy.all import IPv6ExtHdrFragment


def ipip_cfg(**tunnel):
    t = {"name": "ipip0", "type": "ipip", "local": WAN4, "remote": PEER4,
         "addresses": ["10.0.0.1/30"]}
    t.update(tunnel)
    return tgw.base_config(tunnels=[t], routes=[{"dst": "10.2.0.0/24", "dev": "ipip0"}])


def sit_cfg(**tunnel):
    t = {"name": "sit0", "type": "sit", "local": WAN4, "remote": PEER4, "mode": "any"}
    t.update(tunnel)
    return tgw.base_config(tunnels=[t], routes=[{"dst": "2001:db8:2::/64", "dev": "sit0"},
                                                {"dst": "10.2.0.0/24", "dev": "sit0"}])


def ip6tnl_cfg(**tunnel):
    t = {"name": "ip6tnl0", "type": "ip6tnl", "local": WAN6, "remote": PEER6, "mode": "any"}
    t.update(tunnel)
    return tgw.base_config(tunnels=[t], routes=[{"dst": "2001:db8:2::/64", "dev": "ip6tnl0"},
                                                {"dst": "10.2.0.0/24", "dev": "ip6tnl0"}])


def frag_needed(orig, mtu, got):
    g = got[IP]
    return lan_out(tgw.icmp4_error(orig, 3, 4, LAN4, LAN_HOST4, id=g.id, flags=g.flags,
                                   nexthopmtu=mtu))


def ptb(orig, mtu, got):
    return lan_out(tgw.icmp6_error(orig, ICMPv6PacketTooBig, LAN6, LAN_HOST6, fl=got[IPv6].fl,
                                   mtu=mtu))


def check_df_too_big(c, fits, big, mtu, tunnel, encap):
    """fits goes through the tunnel, big is refused with an ICMP error naming mtu."""
    r = tgw.run(c, {"lan0": [lan_in(fits), lan_in(big)]})
    got_w = r.out["wan0"]
    tgw.expect_count(got_w, 1, "wan0 (only the packet that fits)")
    assert_pkts(got_w, [encap(fits, got_w[0])], "wan0 (the packet that fits)")
    got_l = r.out["lan0"]
    tgw.expect_count(got_l, 1, "lan0 (one ICMP error)")
    err = frag_needed(big, mtu, got_l[0]) if isinstance(big, IP) else ptb(big, mtu, got_l[0])
    assert_pkts(got_l, [err], "lan0 (ICMP error)")
    assert_drops(r, {"too_big": 1})
    assert_tunnel(r, tunnel, encap_packets=1, encap_bytes=len(fits))


def enc4(inner, got):
    return wan_out(outer4(fwd4(inner) if isinstance(inner, IP) else fwd6(inner), id=got[IP].id))


def enc6(limit=4):
    def f(inner, got):
        i = fwd4(inner) if isinstance(inner, IP) else fwd6(inner)
        return wan_out(outer6(i, fl=got[IPv6].fl, limit=limit))
    return f


def test_ipip_df_too_big():
    check_df_too_big(ipip_cfg(), udp4(size=1480, id=1), udp4(size=1481, id=2), 1480, "ipip0",
                     enc4)


def test_ipip_configured_mtu():
    check_df_too_big(ipip_cfg(mtu=1400), udp4(size=1400, id=1), udp4(size=1401, id=2), 1400,
                     "ipip0", enc4)


def test_ipip_mtu_follows_underlay():
    """The default tunnel MTU is the underlay port's MTU minus 20."""
    c = ipip_cfg()
    c["ports"][1]["mtu"] = 1400
    check_df_too_big(c, udp4(size=1380, id=1), udp4(size=1381, id=2), 1380, "ipip0", enc4)


def check_fragments(got, inner, ttl, tos=0, src=WAN4, dst=PEER4, mtu=1500):
    """got must be the outer IPv4 fragments of outer4(inner): each field as expected, DF
    clear, one ID, sizes within mtu, offsets covering the payload exactly once."""
    payload = bytes(inner)
    if len(got) < 2:
        raise AssertionError(f"expected outer fragments, got {[g.summary() for g in got]}")
    ident = got[0][IP].id
    frags = sorted(got, key=lambda g: g[IP].frag)
    exp, pos = [], 0
    for i, g in enumerate(frags):
        ip = g[IP]
        n = ip.len - ip.ihl * 4
        if ip.frag * 8 != pos:
            raise AssertionError(f"fragment offsets {[f[IP].frag * 8 for f in frags]} leave a gap"
                                 f" or overlap at byte {pos}")
        if ip.len > mtu:
            raise AssertionError(f"fragment of {ip.len} bytes exceeds the MTU {mtu}")
        last = i == len(frags) - 1
        if not last and n % 8:
            raise AssertionError(f"non-final fragment carries {n} bytes, not a multiple of 8")
        exp.append(wan_out(IP(bytes(IP(src=src, dst=dst, ttl=ttl, tos=tos, proto=4, id=ident,
                                       flags=0 if last else "MF", frag=pos // 8) /
                                    Raw(payload[pos:pos + n])))))
        pos += n
    if pos != len(payload):
        raise AssertionError(f"fragments carry {pos} bytes, the outer payload is {len(payload)}")
    assert_pkts(got, exp, "wan0 fragments")


def test_ipip_no_df_fragments_outer():
    """Inner IPv4 without DF beyond the tunnel MTU: the outer packet is fragmented, DF clear;
    the fragments reassemble to the inner packet as forwarded."""
    small = udp4(size=200, id=1, flags=0)
    big = udp4(size=1500, id=2, flags=0, tos=0x02)
    r = tgw.run(ipip_cfg(), {"lan0": [lan_in(small), lan_in(big)]})
    got = r.out["wan0"]
    whole = [g for g in got if not (g[IP].flags.MF or g[IP].frag)]
    frags = [g for g in got if g[IP].flags.MF or g[IP].frag]
    tgw.expect_count(whole, 1, "wan0 unfragmented packets")
    g = whole[0][IP]
    exp_small = wan_out(outer4(fwd4(small), id=g.id))     # pmtudisc: DF on the outer
    assert_pkts(whole, [exp_small], "wan0 (small packet)")
    check_fragments(frags, fwd4(big), ttl=63, tos=0x02)
    assert_no_output(r, "lan0")
    assert_drops(r, {})
    assert_tunnel(r, "ipip0", encap_packets=2, encap_bytes=len(small) + len(big))


def test_sit_ipv6_too_big():
    check_df_too_big(sit_cfg(), udp6(size=1480), udp6(size=1481), 1480, "sit0", enc4)


def test_sit_ipv4_df_too_big():
    check_df_too_big(sit_cfg(), udp4(size=1480, id=1), udp4(size=1481, id=2), 1480, "sit0",
                     enc4)


def test_ip6tnl_ipv6_too_big():
    check_df_too_big(ip6tnl_cfg(), udp6(size=1452), udp6(size=1453), 1452, "ip6tnl0", enc6())


def test_ip6tnl_ipv6_too_big_no_encaplimit():
    check_df_too_big(ip6tnl_cfg(encaplimit="none"), udp6(size=1460), udp6(size=1461), 1460,
                     "ip6tnl0", enc6(None))


def test_ip6tnl_ipv4_df_too_big():
    check_df_too_big(ip6tnl_cfg(), udp4(size=1452, id=1), udp4(size=1453, id=2), 1452,
                     "ip6tnl0", enc6())


def frag4(outer, size, order=None):
    """Split an IPv4 packet into fragments of size payload bytes (a multiple of 8)."""
    hdr = IP(bytes(outer))
    payload = bytes(hdr.payload)
    chunks = [(o, payload[o:o + size]) for o in range(0, len(payload), size)]
    frames = []
    for o, c in chunks:
        mf = o + size < len(payload)
        frames.append(IP(bytes(IP(src=hdr.src, dst=hdr.dst, ttl=hdr.ttl, tos=hdr.tos, id=hdr.id,
                                  proto=hdr.proto, flags="MF" if mf else 0, frag=o // 8) /
                               Raw(c))))
    if order:
        frames = [frames[i] for i in order]
    return frames


def test_reassembly_before_decap():
    """Outer fragments from the peer, in order and reversed, are reassembled and decapsulated."""
    a = udp4(src=REMOTE4, dst=LAN_HOST4, size=1400, id=1)
    b = udp4(src=REMOTE4, dst=LAN_HOST4, size=1000, id=2)
    fa = frag4(outer4(a, src=PEER4, dst=WAN4, flags=0, id=0x1111), 512)
    fb = frag4(outer4(b, src=PEER4, dst=WAN4, flags=0, id=0x2222), 400)[::-1]
    r = tgw.run(ipip_cfg(), {"wan0": [wan_in(f) for f in fa + fb]})
    assert_pkts(r.out["lan0"], [lan_out(fwd4(a)), lan_out(fwd4(b))], "lan0")
    assert_drops(r, {})
    assert_tunnel(r, "ipip0", decap_packets=2, decap_bytes=len(a) + len(b))


def test_reassembly_interleaved():
    """Fragments of two outer packets interleaved, one of them with the first fragment last."""
    a = udp4(src=REMOTE4, dst=LAN_HOST4, size=900, id=1)
    b = udp4(src=REMOTE4, dst=LAN_HOST4, size=900, id=2)
    fa = frag4(outer4(a, src=PEER4, dst=WAN4, flags=0, id=7), 304)
    fb = frag4(outer4(b, src=PEER4, dst=WAN4, flags=0, id=8), 304, order=[1, 2, 0])
    mixed = [x for pair in zip(fa, fb) for x in pair]
    r = tgw.run(ipip_cfg(), {"wan0": [wan_in(f) for f in mixed]})
    assert_pkts(r.out["lan0"], [lan_out(fwd4(a)), lan_out(fwd4(b))], "lan0")
    assert_drops(r, {})


def test_reassembly_ipv6_outer():
    """IPv6 outer fragments (fragment header) from the ip6tnl peer are reassembled."""
    inner = udp6(src=REMOTE6, dst=LAN_HOST6, size=1400)
    outer = outer6(inner, src=PEER6, dst=WAN6)
    unfrag = bytes(outer)[40:]          # dest-opt header + inner: the fragmentable part
    frames = []
    for o in range(0, len(unfrag), 600):
        chunk = unfrag[o:o + 600]
        frames.append(IPv6(bytes(IPv6(src=PEER6, dst=WAN6, hlim=64) /
                                 IPv6ExtHdrFragment(nh=60, offset=o // 8,
                                                    m=int(o + 600 < len(unfrag)), id=0xabcd) /
                                 Raw(chunk))))
    r = tgw.run(ip6tnl_cfg(), {"wan0": [wan_in(f) for f in frames[::-1]]})
    assert_pkts(r.out["lan0"], [lan_out(fwd6(inner))], "lan0")
    assert_drops(r, {})
    assert_tunnel(r, "ip6tnl0", decap_packets=1, decap_bytes=len(inner))


def test_lone_fragment():
    """A fragment whose siblings never come is held, never forwarded; tungw still exits 0 with
    every mbuf back."""
    a = udp4(src=REMOTE4, dst=LAN_HOST4, size=1400, id=1)
    fa = frag4(outer4(a, src=PEER4, dst=WAN4, flags=0, id=0x3333), 512)
    r = tgw.run(ipip_cfg(), {"wan0": [wan_in(fa[0]), wan_in(fa[2])]})
    assert_no_output(r)


if __name__ == "__main__":
    tgw.main(globals())
