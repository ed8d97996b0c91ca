"""ip6tnl (IPv6 and IPv4 over IPv6, RFC 2473) end to end.

Kernel reference: net/ipv6/ip6_tunnel.c.  Outer hop limit 64 ("hoplimit"), traffic class 0
with the inner's ECN bits, the RFC 2473 Tunnel Encapsulation Limit destination option (4) unless
"encaplimit": "none".  An inner IPv6 packet carrying its own encapsulation limit option sets
the outer one to its value - 1, and a limit of 0 is refused with an ICMPv6 parameter problem
(RFC 2473 4.1.1, ip6_tnl_xmit).  The outer flow label is only checked when configured (Linux
otherwise puts a flow hash there)."""

import tgw
from tgw import (ICMPv6EchoReply, ICMPv6EchoRequest, ICMPv6ParamProblem, IPv6, LAN6,
                 LAN_HOST4, LAN_HOST6, PEER6, REMOTE4, REMOTE6, UDP, WAN6, assert_drops,
                 assert_no_output, assert_pkts, assert_tunnel, encap_limit_opt, fwd4, fwd6,
                 lan_in, lan_out, outer6, udp4, udp6, wan_in, wan_out)

TUN6, TUN_PEER6 = "2001:db8:200::1", "2001:db8:200::2"


def cfg(**tunnel):
    t = {"name": "ip6tnl0", "type": "ip6tnl", "local": WAN6, "remote": PEER6,
         "addresses": [TUN6 + "/64"]}
    t.update(tunnel)
    return tgw.base_config(tunnels=[t], routes=[{"dst": "2001:db8:2::/64", "dev": "ip6tnl0"},
                                                {"dst": "10.2.0.0/24", "dev": "ip6tnl0"}])


def encap_expect(r, inners, fl=None, **outer):
    """wan0 frames for forwarded inners; the flow label comes from the capture unless fl."""
    got = r.out.get("wan0", [])
    exp = []
    for i, inner in enumerate(inners):
        f = fwd6(inner) if isinstance(inner, IPv6) else fwd4(inner)
        label = fl if fl is not None else (got[i][IPv6].fl if i < len(got) and IPv6 in got[i]
                                           else 0)
        exp.append(wan_out(outer6(f, fl=label, **outer)))
    return exp


def test_encap_ip6ip6():
    """Default ip6ip6: outer hop limit 64 whatever the inner's, dest-opt encap limit 4."""
    inners = [udp6(size=100), udp6(size=48, hlim=9), udp6(size=1452, tc=0x20),
              IPv6(bytes(IPv6(src=LAN_HOST6, dst=REMOTE6) /
                         ICMPv6EchoRequest(id=9, seq=9, data=b"x" * 31))),
              udp6(dst=TUN_PEER6, size=64)]
    r = tgw.run(cfg(), {"lan0": [lan_in(p) for p in inners]})
    assert_pkts(r.out["wan0"], encap_expect(r, inners), "wan0")
    assert_no_output(r, "lan0")
    assert_drops(r, {})
    assert_tunnel(r, "ip6tnl0", encap_packets=len(inners),
                  encap_bytes=sum(len(p) for p in inners), decap_packets=0, decap_bytes=0)


def test_encap_encaplimit_none():
    inners = [udp6(size=300)]
    r = tgw.run(cfg(encaplimit="none"), {"lan0": [lan_in(p) for p in inners]})
    assert_pkts(r.out["wan0"], encap_expect(r, inners, limit=None), "wan0")


def test_encap_encaplimit_value():
    inners = [udp6(size=300)]
    r = tgw.run(cfg(encaplimit=7), {"lan0": [lan_in(p) for p in inners]})
    assert_pkts(r.out["wan0"], encap_expect(r, inners, limit=7), "wan0")


def test_encap_hoplimit_and_flowlabel():
    """"hoplimit": 10 and "flowlabel": "0x12345" (a hex string) go into the outer header."""
    inners = [udp6(size=120), udp6(size=200, fl=0xfffff)]
    r = tgw.run(cfg(hoplimit=10, flowlabel="0x12345"), {"lan0": [lan_in(p) for p in inners]})
    assert_pkts(r.out["wan0"], encap_expect(r, inners, fl=0x12345, hlim=10), "wan0")


def test_decap_ip6ip6():
    """From the peer, with and without the encapsulation limit option: inner routed with
    hop limit - 1, nothing else changed."""
    inners = [udp6(src=REMOTE6, dst=LAN_HOST6, size=100),
              udp6(src=REMOTE6, dst=LAN_HOST6, size=1452, tc=0xb8, fl=0x54321),
              udp6(src=REMOTE6, dst=LAN_HOST6, size=60)]
    outers = [outer6(inners[0], src=PEER6, dst=WAN6, hlim=1),
              outer6(inners[1], src=PEER6, dst=WAN6, limit=None, tc=0x48),
              outer6(inners[2], src=PEER6, dst=WAN6, limit=0, fl=7)]
    r = tgw.run(cfg(), {"wan0": [wan_in(o) for o in outers]})
    assert_pkts(r.out["lan0"], [lan_out(fwd6(i)) for i in inners], "lan0")
    assert_no_output(r, "wan0")
    assert_drops(r, {})
    assert_tunnel(r, "ip6tnl0", decap_packets=3, decap_bytes=sum(len(i) for i in inners),
                  encap_packets=0)


def test_decap_no_tunnel():
    inner = udp6(src=REMOTE6, dst=LAN_HOST6)
    r = tgw.run(cfg(), {"wan0": [wan_in(outer6(inner, src="2001:db8:ffff::99", dst=WAN6))]})
    assert_no_output(r)
    assert_drops(r, {"no_tunnel": 1})


def test_mode_ip6ip6_rejects_ipv4():
    """Default mode ip6ip6: IPv4 inner is refused both ways (tnl_mode); IPv6 passes."""
    out4 = udp4(id=1)
    in4 = udp4(src=REMOTE4, dst=LAN_HOST4, id=2)
    v6 = udp6()
    r = tgw.run(cfg(), {"lan0": [lan_in(out4), lan_in(v6)],
                        "wan0": [wan_in(outer6(in4, src=PEER6, dst=WAN6))]})
    assert_pkts(r.out["wan0"], encap_expect(r, [v6]), "wan0")
    assert_no_output(r, "lan0")
    assert_drops(r, {"tnl_mode": 2})


def test_mode_ipip6():
    """mode ipip6: IPv4 over IPv6 (next header 4 after the option) both ways; IPv6 refused."""
    out4 = udp4(id=1)
    in4 = udp4(src=REMOTE4, dst=LAN_HOST4, id=2)
    v6 = udp6()
    r = tgw.run(cfg(mode="ipip6"), {"lan0": [lan_in(out4), lan_in(v6)],
                                    "wan0": [wan_in(outer6(in4, src=PEER6, dst=WAN6))]})
    assert_pkts(r.out["wan0"], encap_expect(r, [out4]), "wan0")
    assert_pkts(r.out["lan0"], [lan_out(fwd4(in4))], "lan0")
    assert_drops(r, {"tnl_mode": 1})


def test_mode_checked_after_the_most_specific_tunnel():
    """ip6_tnl_lookup picks the tunnel by its endpoints whatever its mode, and ipxip6_rcv
    then drops what the mode refuses: with "a" (ip6ip6, exact endpoints) and "b" (ipip6,
    remote any), IPv4-in-IPv6 from a's remote is dropped on a (tnl_mode), not taken by
    b; from another remote b takes it; IPv6-in-IPv6 from a's remote goes to a."""
    c = tgw.base_config(
        tunnels=[{"name": "a", "type": "ip6tnl", "local": WAN6, "remote": PEER6},
                 {"name": "b", "type": "ip6tnl", "mode": "ipip6", "local": WAN6,
                  "remote": "any"}],
        routes=[])
    v4a = udp4(src=REMOTE4, dst=LAN_HOST4, id=1)
    v4b = udp4(src=REMOTE4, dst=LAN_HOST4, id=2)
    v6a = udp6(src=REMOTE6, dst=LAN_HOST6)
    r = tgw.run(c, {"wan0": [wan_in(outer6(v4a, src=PEER6, dst=WAN6)),
                             wan_in(outer6(v4b, src="2001:db8:ffff::99", dst=WAN6)),
                             wan_in(outer6(v6a, src=PEER6, dst=WAN6, limit=None))]})
    assert_pkts(r.out["lan0"], [lan_out(fwd4(v4b)), lan_out(fwd6(v6a))], "lan0")
    assert_drops(r, {"tnl_mode": 1})
    assert_tunnel(r, "a", decap_packets=1, decap_bytes=len(v6a))
    assert_tunnel(r, "b", decap_packets=1, decap_bytes=len(v4b))


def test_mode_any():
    out4, out6 = udp4(id=1), udp6()
    in4 = udp4(src=REMOTE4, dst=LAN_HOST4, id=2)
    in6 = udp6(src=REMOTE6, dst=LAN_HOST6)
    r = tgw.run(cfg(mode="any"), {
        "lan0": [lan_in(out4), lan_in(out6)],
        "wan0": [wan_in(outer6(in4, src=PEER6, dst=WAN6)),
                 wan_in(outer6(in6, src=PEER6, dst=WAN6, limit=None))]})
    assert_pkts(r.out["wan0"], encap_expect(r, [out4, out6]), "wan0", ordered=True)
    assert_pkts(r.out["lan0"], [lan_out(fwd4(in4)), lan_out(fwd6(in6))], "lan0")
    assert_drops(r, {})


def test_echo6_via_tunnel():
    req = IPv6(bytes(IPv6(src=TUN_PEER6, dst=TUN6, hlim=64) /
                     ICMPv6EchoRequest(id=0x99, seq=1, data=b"through the tunnel")))
    r = tgw.run(cfg(), {"wan0": [wan_in(outer6(req, src=PEER6, dst=WAN6))]})
    got = r.out["wan0"]
    tgw.expect_count(got, 1, "wan0")
    gi = IPv6(bytes(got[0][IPv6].payload)[8:])
    rep = IPv6(bytes(IPv6(src=TUN6, dst=TUN_PEER6, hlim=64, tc=0, fl=gi.fl) /
                     ICMPv6EchoReply(id=0x99, seq=1, data=b"through the tunnel")))
    assert_pkts(got, [wan_out(outer6(rep, fl=got[0][IPv6].fl))], "wan0")
    assert_drops(r, {})
    assert_tunnel(r, "ip6tnl0", decap_packets=1, encap_packets=1)


def _with_limit(limit, size_pad=40):
    """An IPv6/UDP packet from the lan host carrying its own encapsulation limit option."""
    return IPv6(bytes(IPv6(src=LAN_HOST6, dst=REMOTE6, hlim=64) / encap_limit_opt(limit) /
                      UDP(sport=tgw.SPORT, dport=tgw.DPORT) / (b"L" * size_pad)))


def test_inner_encap_limit_decrements():
    """RFC 2473 4.1.1: an inner packet with encapsulation limit 3 leaves with outer limit 2."""
    inner = _with_limit(3)
    r = tgw.run(cfg(), {"lan0": [lan_in(inner)]})
    assert_pkts(r.out["wan0"], encap_expect(r, [inner], limit=2), "wan0")
    assert_drops(r, {})


def test_inner_encap_limit_zero():
    """RFC 2473 4.1.1: limit 0 cannot be encapsulated: ICMPv6 parameter problem (code 0)
    pointing at the limit byte (offset 40 + 2 + 2 = 44) goes back, the packet is dropped."""
    inner = _with_limit(0)
    r = tgw.run(cfg(), {"lan0": [lan_in(inner)]})
    assert_no_output(r, "wan0")
    got = r.out["lan0"]
    tgw.expect_count(got, 1, "lan0")
    exp = tgw.icmp6_error(inner, ICMPv6ParamProblem, LAN6, LAN_HOST6, fl=got[0][IPv6].fl,
                          code=0, ptr=44)
    assert_pkts(got, [lan_out(exp)], "lan0")
    assert_drops(r, {"encap_limit": 1})


if __name__ == "__main__":
    tgw.main(globals())
