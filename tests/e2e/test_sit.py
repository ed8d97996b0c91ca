"""sit (IPv6 and IPv4 over IPv4, RFC 4213) end to end.

Kernel reference: net/ipv6/sit.c.  mode "ip6ip" (default) carries IPv6 only, "ipip" IPv4 only,
"any" both; a packet of the other family, sent or received, is dropped (tnl_mode).  Outer TTL
inherits the inner hop limit after forwarding; outer TOS 0 with the inner's ECN bits; DF set."""

import tgw
from tgw import (ICMPv6EchoReply, ICMPv6EchoRequest, IP, IPv6, TCP, LAN_HOST4, LAN_HOST6,
                 PEER4, REMOTE4, REMOTE6, WAN4, assert_drops, assert_no_output, assert_pkts,
                 assert_tunnel, fwd4, fwd6, lan_in, lan_out, outer4, udp4, udp6, wan_in, wan_out)

TUN6, TUN_PEER6 = "2001:db8:100::1", "2001:db8:100::2"


def cfg(**tunnel):
    t = {"name": "sit0", "type": "sit", "local": WAN4, "remote": PEER4,
         "addresses": [TUN6 + "/64"]}
    t.update(tunnel)
    return tgw.base_config(tunnels=[t], routes=[{"dst": "2001:db8:2::/64", "dev": "sit0"},
                                                {"dst": "10.2.0.0/24", "dev": "sit0"}])


def encap_expect(r, inners, **outer):
    got = r.out.get("wan0", [])
    exp = []
    for i, inner in enumerate(inners):
        oid = got[i][IP].id if i < len(got) and IP in got[i] else 0
        f = fwd6(inner) if isinstance(inner, IPv6) else fwd4(inner)
        exp.append(wan_out(outer4(f, id=oid, **outer)))
    return exp


def test_encap_ipv6():
    """IPv6 routed into sit0: IPv4 outer proto 41, TTL = inner hop limit after forwarding."""
    inners = [udp6(size=100),
              udp6(size=48, hlim=3),
              udp6(size=1480, fl=0xabcde),
              IPv6(bytes(IPv6(src=LAN_HOST6, dst=REMOTE6, hlim=255) /
                         TCP(sport=40001, dport=8080, flags="S", seq=5) / b"")),
              IPv6(bytes(IPv6(src=LAN_HOST6, dst=REMOTE6) /
                         ICMPv6EchoRequest(id=1, seq=2, data=b"ping" * 10))),
              udp6(dst=TUN_PEER6, size=77)]
    r = tgw.run(cfg(), {"lan0": [lan_in(p) for p in inners]})
    assert_pkts(r.out["wan0"], encap_expect(r, inners), "wan0")
    assert_no_output(r, "lan0")
    assert_drops(r, {})
    assert_tunnel(r, "sit0", encap_packets=len(inners), encap_bytes=sum(len(p) for p in inners),
                  decap_packets=0, decap_bytes=0)


def test_encap_ttl_fixed():
    inners = [udp6(hlim=64), udp6(hlim=7)]
    r = tgw.run(cfg(ttl=100), {"lan0": [lan_in(p) for p in inners]})
    assert_pkts(r.out["wan0"], encap_expect(r, inners, ttl=100), "wan0")


def test_decap_ipv6():
    """Proto 41 from the peer: inner IPv6 routed with hop limit - 1, nothing else changed."""
    inners = [udp6(src=REMOTE6, dst=LAN_HOST6, size=100),
              udp6(src=REMOTE6, dst=LAN_HOST6, size=1480, tc=0xb8, fl=0x12345),
              udp6(src=REMOTE6, dst=LAN_HOST6, size=48, hlim=2)]
    outers = [outer4(i, src=PEER4, dst=WAN4, ttl=64, tos=t) for i, t in
              zip(inners, (0, 0x48, 0x01))]
    r = tgw.run(cfg(), {"wan0": [wan_in(o) for o in outers]})
    assert_pkts(r.out["lan0"], [lan_out(fwd6(i)) for i in inners], "lan0")
    assert_no_output(r, "wan0")
    assert_drops(r, {})
    assert_tunnel(r, "sit0", decap_packets=3, decap_bytes=sum(len(i) for i in inners),
                  encap_packets=0)


def test_decap_no_tunnel():
    inner = udp6(src=REMOTE6, dst=LAN_HOST6)
    r = tgw.run(cfg(), {"wan0": [wan_in(outer4(inner, src="192.0.2.99", dst=WAN4))]})
    assert_no_output(r)
    assert_drops(r, {"no_tunnel": 1})


def test_mode_ip6ip_rejects_ipv4():
    """Default mode ip6ip: IPv4 inner is dropped both ways (tnl_mode), IPv6 still passes."""
    v4_out = udp4(id=1)
    v4_in = outer4(udp4(src=REMOTE4, dst=LAN_HOST4, id=2), src=PEER4, dst=WAN4)
    v6 = udp6()
    r = tgw.run(cfg(), {"lan0": [lan_in(v4_out), lan_in(v6)], "wan0": [wan_in(v4_in)]})
    assert_pkts(r.out["wan0"], encap_expect(r, [v6]), "wan0")
    assert_no_output(r, "lan0")
    assert_drops(r, {"tnl_mode": 2})


def test_mode_ipip():
    """mode ipip: IPv4 over IPv4 (proto 4) both ways; IPv6 is refused."""
    out4 = udp4(id=1)
    in4 = udp4(src=REMOTE4, dst=LAN_HOST4, id=2)
    v6 = udp6()
    r = tgw.run(cfg(mode="ipip"), {"lan0": [lan_in(out4), lan_in(v6)],
                                   "wan0": [wan_in(outer4(in4, src=PEER4, dst=WAN4))]})
    assert_pkts(r.out["wan0"], encap_expect(r, [out4]), "wan0")
    assert_pkts(r.out["lan0"], [lan_out(fwd4(in4))], "lan0")
    assert_drops(r, {"tnl_mode": 1})
    assert_tunnel(r, "sit0", encap_packets=1, decap_packets=1)


def test_mode_checked_after_the_most_specific_tunnel():
    """sit's ipip6_tunnel_lookup picks the tunnel by its endpoints whatever its mode, then
    drops what the mode refuses: with "e" (ip6ip, exact) and "w" (mode ipip, remote any),
    IPv4-in-IPv4 from e's remote is dropped on e (tnl_mode), from another remote w takes
    it; the same with the modes swapped and IPv6. An ipip tunnel, though, sees IPv4-in-IPv4
    before any sit tunnel (the kernel's ipip module comes first): with one, a sit tunnel's
    mode no longer holds protocol 4."""
    v4a = udp4(src=REMOTE4, dst=LAN_HOST4, id=1)
    v4b = udp4(src=REMOTE4, dst=LAN_HOST4, id=2)
    v6a = udp6(src=REMOTE6, dst=LAN_HOST6)
    other = "192.0.2.77"
    # (exact tunnel's mode, wildcard-remote tunnel's mode, the exact one's other-family
    # packet, the same family from elsewhere, the exact one's own packet)
    for exact, wild, refused, taken, own in (("ip6ip", "ipip", v4a, v4b, v6a),
                                             ("ipip", "ip6ip", v6a, v6a, v4a)):
        c = tgw.base_config(
            tunnels=[{"name": "e", "type": "sit", "mode": exact, "local": WAN4,
                      "remote": PEER4},
                     {"name": "w", "type": "sit", "mode": wild, "local": WAN4,
                      "remote": "any"}],
            routes=[])
        r = tgw.run(c, {"wan0": [wan_in(outer4(refused, src=PEER4, dst=WAN4)),
                                 wan_in(outer4(taken, src=other, dst=WAN4)),
                                 wan_in(outer4(own, src=PEER4, dst=WAN4))]})
        fwd = [fwd6(p) if isinstance(p, IPv6) else fwd4(p) for p in (taken, own)]
        assert_pkts(r.out["lan0"], [lan_out(p) for p in fwd], f"lan0 ({exact} exact)")
        assert_drops(r, {"tnl_mode": 1})
        assert_tunnel(r, "e", decap_packets=1)
        assert_tunnel(r, "w", decap_packets=1)

    c = tgw.base_config(
        tunnels=[{"name": "a", "type": "sit", "local": WAN4, "remote": PEER4},
                 {"name": "i", "type": "ipip", "local": WAN4, "remote": "any"}],
        routes=[])
    r = tgw.run(c, {"wan0": [wan_in(outer4(v4a, src=PEER4, dst=WAN4))]})
    assert_pkts(r.out["lan0"], [lan_out(fwd4(v4a))], "lan0")
    assert_drops(r, {})
    assert_tunnel(r, "i", decap_packets=1)


def test_mode_any():
    """mode any: IPv4 (proto 4) and IPv6 (proto 41) both ways."""
    out4, out6 = udp4(id=1), udp6()
    in4 = udp4(src=REMOTE4, dst=LAN_HOST4, id=2)
    in6 = udp6(src=REMOTE6, dst=LAN_HOST6)
    r = tgw.run(cfg(mode="any"), {
        "lan0": [lan_in(out4), lan_in(out6)],
        "wan0": [wan_in(outer4(in4, src=PEER4, dst=WAN4)),
                 wan_in(outer4(in6, src=PEER4, dst=WAN4))]})
    assert_pkts(r.out["wan0"], encap_expect(r, [out4, out6]), "wan0", ordered=True)
    assert_pkts(r.out["lan0"], [lan_out(fwd4(in4)), lan_out(fwd6(in6))], "lan0")
    assert_drops(r, {})
    assert_tunnel(r, "sit0", encap_packets=2, decap_packets=2,
                  encap_bytes=len(out4) + len(out6), decap_bytes=len(in4) + len(in6))


def test_echo6_via_tunnel():
    """ICMPv6 echo to the tunnel's address through the tunnel is answered through it: reply
    hop limit 64, outer TTL inherits it (64), DF."""
    req = IPv6(bytes(IPv6(src=TUN_PEER6, dst=TUN6, hlim=64) /
                     ICMPv6EchoRequest(id=0x77, seq=3, data=b"0123456789abcdef!")))
    r = tgw.run(cfg(), {"wan0": [wan_in(outer4(req, src=PEER4, dst=WAN4, ttl=30))]})
    got = r.out["wan0"]
    tgw.expect_count(got, 1, "wan0")
    gi = IPv6(bytes(got[0][IP].payload))
    rep = IPv6(bytes(IPv6(src=TUN6, dst=TUN_PEER6, hlim=64, tc=0, fl=gi.fl) /
                     ICMPv6EchoReply(id=0x77, seq=3, data=b"0123456789abcdef!")))
    assert_pkts(got, [wan_out(outer4(rep, ttl=64, id=got[0][IP].id))], "wan0")
    assert_drops(r, {})
    assert_tunnel(r, "sit0", decap_packets=1, encap_packets=1, decap_bytes=len(req),
                  encap_bytes=len(rep))


if __name__ == "__main__":
    tgw.main(globals())
