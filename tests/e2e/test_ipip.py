"""ipip (RFC 2003) end to end: encap, decap, tunnel lookup, local traffic through the tunnel.

Kernel reference: net/ipv4/ipip.c + ip_tunnel.c.  Outer TTL inherits the inner TTL after the
forwarding decrement, outer TOS 0 with the inner's ECN bits (INET_ECN_encapsulate), outer DF
set (pmtudisc).  The outer IPv4 ID of a DF packet is not checked (RFC 6864: any value)."""

import tgw
from tgw import (ICMP, IP, TCP, UDP, Raw, LAN4, LAN_HOST4, PEER4, REMOTE4, WAN4, assert_drops,
                 assert_no_output, assert_pkts, assert_tunnel, fwd4, lan_in, lan_out, outer4,
                 udp4, wan_in, wan_out)

TUN4, TUN_PEER4 = "10.0.0.1", "10.0.0.2"


def cfg(**tunnel):
    t = {"name": "ipip0", "type": "ipip", "local": WAN4, "remote": PEER4,
         "addresses": [TUN4 + "/30"]}
    t.update(tunnel)
    return tgw.base_config(tunnels=[t], routes=[{"dst": "10.2.0.0/24", "dev": "ipip0"}])


def encap_expect(r, inners, **outer):
    """wan0 frames for forwarded inner packets; the DF outer ID is taken from the capture."""
    got = r.out.get("wan0", [])
    exp = []
    for i, inner in enumerate(inners):
        oid = got[i][IP].id if i < len(got) and IP in got[i] else 0
        exp.append(wan_out(outer4(fwd4(inner), id=oid, **outer)))
    return exp


def test_encap_protocols():
    """UDP, TCP, ICMP, IP options, an inner fragment and the peer's tunnel address are each
    forwarded into the tunnel: inner TTL - 1, outer TTL = inner TTL, TOS 0, DF, proto 4."""
    inners = [
        udp4(size=100, id=1),
        udp4(size=28, id=2),
        udp4(size=1480, id=3),
        IP(bytes(IP(src=LAN_HOST4, dst=REMOTE4, id=4, flags="DF", ttl=200) /
                 TCP(sport=40001, dport=8080, flags="PA", seq=1000, ack=2000) / (b"t" * 333))),
        IP(bytes(IP(src=LAN_HOST4, dst=REMOTE4, id=5) / ICMP(type=8, id=7, seq=1) / (b"p" * 56))),
        IP(bytes(IP(src=LAN_HOST4, dst=REMOTE4, id=6, options=[b"\x01\x01\x01\x00"]) /
                 UDP(sport=40000, dport=9999) / b"options")),
        IP(bytes(IP(src=LAN_HOST4, dst=REMOTE4, id=7, flags="MF", frag=0) /
                 Raw(bytes(range(64))))),
        udp4(dst=TUN_PEER4, size=200, id=8),
    ]
    r = tgw.run(cfg(), {"lan0": [lan_in(p) for p in inners]})
    assert_pkts(r.out["wan0"], encap_expect(r, inners), "wan0")
    assert_no_output(r, "lan0")
    assert_drops(r, {})
    assert_tunnel(r, "ipip0", encap_packets=len(inners), encap_bytes=sum(len(p) for p in inners),
                  decap_packets=0, decap_bytes=0)


def test_encap_ttl_fixed():
    """"ttl": 40 sets the outer TTL whatever the inner TTL."""
    inners = [udp4(ttl=64, id=1), udp4(ttl=9, id=2), udp4(ttl=255, id=3)]
    r = tgw.run(cfg(ttl=40), {"lan0": [lan_in(p) for p in inners]})
    assert_pkts(r.out["wan0"], encap_expect(r, inners, ttl=40), "wan0")
    assert_drops(r, {})


def test_encap_ttl_hex_string():
    """Integers accept 0x-hex strings (SPEC section 2): "ttl": "0x40" is TTL 64."""
    inners = [udp4(ttl=100, id=1)]
    r = tgw.run(cfg(ttl="0x40"), {"lan0": [lan_in(p) for p in inners]})
    assert_pkts(r.out["wan0"], encap_expect(r, inners, ttl=64), "wan0")


def test_encap_ttl_inherit_explicit():
    """"ttl": "inherit" and "ttl": 0 both mean inherit (outer TTL = inner TTL after forwarding)."""
    inners = [udp4(ttl=17, id=1), udp4(ttl=2, id=2)]
    for ttl in ("inherit", 0):
        r = tgw.run(cfg(ttl=ttl), {"lan0": [lan_in(p) for p in inners]})
        assert_pkts(r.out["wan0"], encap_expect(r, inners), f"wan0 (ttl {ttl!r})")


def test_encap_nopmtudisc():
    """pmtudisc false: the outer DF copies the inner DF (ip_tunnel_xmit), nothing forces it."""
    no_df = udp4(id=1, flags=0)
    df = udp4(id=2, flags="DF")
    r = tgw.run(cfg(pmtudisc=False), {"lan0": [lan_in(no_df), lan_in(df)]})
    got = r.out["wan0"]
    tgw.expect_count(got, 2, "wan0")
    exp = [wan_out(outer4(fwd4(no_df), flags=0, id=got[0][IP].id)),
           wan_out(outer4(fwd4(df), flags="DF", id=got[1][IP].id))]
    assert_pkts(got, exp, "wan0", ordered=True)


def test_decap():
    """Packets from the peer are decapsulated and routed: inner TTL - 1, nothing else changes;
    the outer TTL, TOS and DF do not matter (outer TTL 1 is fine: it is for us)."""
    inners = [udp4(src=REMOTE4, dst=LAN_HOST4, size=100, id=1),
              udp4(src=REMOTE4, dst=LAN_HOST4, size=1480, id=2, tos=0xb8),
              IP(bytes(IP(src=REMOTE4, dst=LAN_HOST4, id=3, ttl=5) /
                       TCP(sport=443, dport=40002, flags="SA", seq=1, ack=2) / b"")),
              udp4(src=REMOTE4, dst=LAN_HOST4, size=60, id=4, flags=0)]
    outers = [outer4(inners[0], src=PEER4, dst=WAN4, ttl=64),
              outer4(inners[1], src=PEER4, dst=WAN4, ttl=1, tos=0x48),
              outer4(inners[2], src=PEER4, dst=WAN4, ttl=200, flags=0, id=999),
              outer4(inners[3], src=PEER4, dst=WAN4, ttl=3)]
    r = tgw.run(cfg(), {"wan0": [wan_in(o) for o in outers]})
    assert_pkts(r.out["lan0"], [lan_out(fwd4(i)) for i in inners], "lan0")
    assert_no_output(r, "wan0")
    assert_drops(r, {})
    assert_tunnel(r, "ipip0", decap_packets=4, decap_bytes=sum(len(i) for i in inners),
                  encap_packets=0, encap_bytes=0)


def test_decap_no_tunnel():
    """An ipip packet whose endpoints match no tunnel is dropped as no_tunnel, without ICMP."""
    inner = udp4(src=REMOTE4, dst=LAN_HOST4)
    bad = [outer4(inner, src="192.0.2.99", dst=WAN4),        # unknown remote
           outer4(inner, src=PEER4, dst=LAN4)]               # another local address
    good = outer4(udp4(src=REMOTE4, dst=LAN_HOST4, id=77), src=PEER4, dst=WAN4)
    r = tgw.run(cfg(), {"wan0": [wan_in(bad[0]), wan_in(bad[1]), wan_in(good)]})
    assert_pkts(r.out["lan0"], [lan_out(fwd4(udp4(src=REMOTE4, dst=LAN_HOST4, id=77)))], "lan0")
    assert_no_output(r, "wan0")
    assert_drops(r, {"no_tunnel": 2})
    assert_tunnel(r, "ipip0", decap_packets=1)


def test_decap_lookup_precedence():
    """ip_tunnel_lookup order: exact (local, remote) before local-only ("remote": "any") before
    the any/any catch-all (tunl0-like)."""
    c = tgw.base_config(
        tunnels=[{"name": "exact", "type": "ipip", "local": WAN4, "remote": PEER4,
                  "addresses": ["10.0.0.1/30"]},
                 {"name": "localonly", "type": "ipip", "local": WAN4, "remote": "any",
                  "addresses": ["10.0.1.1/30"]},
                 {"name": "catchall", "type": "ipip", "addresses": ["10.0.2.1/30"]}],
        routes=[])
    a = udp4(src=REMOTE4, dst=LAN_HOST4, id=1)
    b = udp4(src=REMOTE4, dst=LAN_HOST4, id=2)
    d = udp4(src=REMOTE4, dst=LAN_HOST4, id=3)
    r = tgw.run(c, {"wan0": [wan_in(outer4(a, src=PEER4, dst=WAN4)),
                             wan_in(outer4(b, src="192.0.2.77", dst=WAN4)),
                             wan_in(outer4(d, src="192.0.2.77", dst=LAN4))]})
    assert_pkts(r.out["lan0"], [lan_out(fwd4(x)) for x in (a, b, d)], "lan0")
    assert_drops(r, {})
    assert_tunnel(r, "exact", decap_packets=1, decap_bytes=len(a))
    assert_tunnel(r, "localonly", decap_packets=1, decap_bytes=len(b))
    assert_tunnel(r, "catchall", decap_packets=1, decap_bytes=len(d))


def test_mode_any():
    """mode "any" on ipip means ipip (MPLS over IP is not supported)."""
    fwd = udp4(id=1)
    back = udp4(src=REMOTE4, dst=LAN_HOST4, id=2)
    r = tgw.run(cfg(mode="any"), {"lan0": [lan_in(fwd)],
                                  "wan0": [wan_in(outer4(back, src=PEER4, dst=WAN4))]})
    assert_pkts(r.out["wan0"], encap_expect(r, [fwd]), "wan0")
    assert_pkts(r.out["lan0"], [lan_out(fwd4(back))], "lan0")
    assert_drops(r, {})


def _echo_reply(req, got_ip, src):
    """The expected reply to the IPv4 echo request req (IP id/flags from the capture)."""
    return IP(bytes(IP(src=src, dst=req.src, ttl=64, tos=req.tos, id=got_ip.id,
                       flags=got_ip.flags) /
                    ICMP(type=0, code=0, id=req[ICMP].id, seq=req[ICMP].seq) /
                    Raw(bytes(req[ICMP].payload))))


def test_echo_via_tunnel():
    """An echo request to the tunnel's own address (and to a port address) arriving through
    the tunnel is answered through the tunnel: outer TTL = reply TTL 64, DF, TOS 0."""
    req1 = IP(bytes(IP(src=TUN_PEER4, dst=TUN4, id=11) / ICMP(type=8, id=0x4242, seq=1) /
                    (b"abcdefgh" * 7)))
    req2 = IP(bytes(IP(src=TUN_PEER4, dst=LAN4, id=12) / ICMP(type=8, id=0x4243, seq=2) /
                    b"odd-length!"))
    r = tgw.run(cfg(), {"wan0": [wan_in(outer4(req1, src=PEER4, dst=WAN4)),
                                 wan_in(outer4(req2, src=PEER4, dst=WAN4))]})
    got = r.out["wan0"]
    tgw.expect_count(got, 2, "wan0")
    exp = []
    for req in (req1, req2):
        g = tgw.pick(got, lambda f, q=req: IP in f and ICMP in f and f[ICMP].id == q[ICMP].id,
                     f"reply to echo id {req[ICMP].id:#x}")
        inner = IP(bytes(g[IP].payload))
        exp.append(wan_out(outer4(_echo_reply(req, inner, req.dst), id=g[IP].id, ttl=64)))
    assert_pkts(got, exp, "wan0")
    assert_no_output(r, "lan0")
    assert_drops(r, {})
    assert_tunnel(r, "ipip0", decap_packets=2, encap_packets=2,
                  decap_bytes=len(req1) + len(req2), encap_bytes=len(req1) + len(req2))


def test_decap_inner_ttl_exceeded():
    """A decapsulated packet with TTL 1 cannot be forwarded: ICMP time exceeded goes back to
    its source through the tunnel, from the tunnel's address (icmp_send source selection)."""
    inner = udp4(src=REMOTE4, dst=LAN_HOST4, ttl=1, id=5, size=120)
    r = tgw.run(cfg(), {"wan0": [wan_in(outer4(inner, src=PEER4, dst=WAN4, ttl=64))]})
    got = r.out["wan0"]
    tgw.expect_count(got, 1, "wan0")
    gi = IP(bytes(got[0][IP].payload))
    icmp = tgw.icmp4_error(inner, 11, 0, TUN4, REMOTE4, id=gi.id, flags=gi.flags)
    assert_pkts(got, [wan_out(outer4(icmp, id=got[0][IP].id, ttl=64))], "wan0")
    assert_no_output(r, "lan0")
    assert_drops(r, {"ttl_exceeded": 1})
    assert_tunnel(r, "ipip0", decap_packets=1, encap_packets=1)


if __name__ == "__main__":
    tgw.main(globals())
