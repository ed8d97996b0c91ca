"""TTL, TOS and ECN across the tunnel (RFC 6040, as Linux's inet_ecn.h).

Encap (INET_ECN_encapsulate): outer ECN = inner ECN for ECT(0)/ECT(1), ECT(0) for an inner CE,
Not-ECT for a Not-ECT inner; the outer DSCP is the configured "tos" (default 0) or, with
"inherit", the inner DSCP.  Decap (INET_ECN_decapsulate): outer CE over an inner Not-ECT is
dropped (ecn_drop); outer CE over an ECT inner sets the inner CE (IPv4 checksum fixed); every
other combination leaves the inner packet alone; the outer DSCP and TTL are never copied in."""

import tgw
from tgw import (IP, IPv6, LAN_HOST4, LAN_HOST6, PEER4, PEER6, REMOTE4, REMOTE6, WAN4, WAN6,
                 assert_drops, assert_pkts, assert_tunnel, ecn_encap, fwd4, fwd6, lan_in, lan_out,
                 outer4, outer6, set_ecn4, set_ecn6, udp4, udp6, wan_in, wan_out)

TOS_VALUES = [0x00, 0x01, 0x02, 0x03, 0xb8, 0xb9, 0xba, 0xbb]


def tunnel_cfg(kind, **extra):
    if kind == "ipip":
        t = {"name": "t0", "type": "ipip", "local": WAN4, "remote": PEER4}
    elif kind == "sit":
        t = {"name": "t0", "type": "sit", "local": WAN4, "remote": PEER4, "mode": "any"}
    else:
        t = {"name": "t0", "type": "ip6tnl", "local": WAN6, "remote": PEER6, "mode": "any"}
    t.update(extra)
    return tgw.base_config(tunnels=[t], routes=[{"dst": "10.2.0.0/24", "dev": "t0"},
                                                {"dst": "2001:db8:2::/64", "dev": "t0"}])


def _encap(kind, inners, tos_of, **extra):
    """Send inners into tunnel t0; the outer TOS / traffic class of each must be tos_of(inner)."""
    r = tgw.run(tunnel_cfg(kind, **extra), {"lan0": [lan_in(p) for p in inners]})
    got = r.out["wan0"]
    tgw.expect_count(got, len(inners), "wan0")
    exp = []
    for g, inner in zip(got, inners):
        f = fwd4(inner) if isinstance(inner, IP) else fwd6(inner)
        itos = inner.tos if isinstance(inner, IP) else inner.tc
        if kind == "ip6tnl":
            exp.append(wan_out(outer6(f, tc=tos_of(itos), fl=g[IPv6].fl)))
        else:
            exp.append(wan_out(outer4(f, tos=tos_of(itos), id=g[IP].id)))
    assert_pkts(got, exp, "wan0", ordered=True)
    assert_drops(r, {})


def v4_inners():
    return [udp4(tos=t, id=i + 1) for i, t in enumerate(TOS_VALUES)]


def v6_inners():
    return [udp6(tc=t, sport=40000 + i) for i, t in enumerate(TOS_VALUES)]


def test_ipip_encap_tos_default():
    _encap("ipip", v4_inners(), lambda t: ecn_encap(0, t))


def test_ipip_encap_tos_inherit():
    _encap("ipip", v4_inners(), lambda t: ecn_encap(t, t), tos="inherit")


def test_ipip_encap_tos_fixed():
    """"tos": "0x20" (hex string): DSCP from the config, ECN from the inner."""
    _encap("ipip", v4_inners(), lambda t: ecn_encap(0x20, t), tos="0x20")


def test_sit_encap_tos_default():
    _encap("sit", v6_inners() + v4_inners(), lambda t: ecn_encap(0, t))


def test_sit_encap_tos_inherit():
    _encap("sit", v6_inners() + v4_inners(), lambda t: ecn_encap(t, t), tos="inherit")


def test_ip6tnl_encap_tclass_default():
    _encap("ip6tnl", v6_inners() + v4_inners(), lambda t: ecn_encap(0, t))


def test_ip6tnl_encap_tclass_inherit():
    _encap("ip6tnl", v6_inners() + v4_inners(), lambda t: ecn_encap(t, t), tos="inherit")


def test_ip6tnl_ttl_alias():
    """On IPv6-outer tunnels "ttl" is an alias of "hoplimit"."""
    inner = udp6(hlim=200)
    r = tgw.run(tunnel_cfg("ip6tnl", ttl=33), {"lan0": [lan_in(inner)]})
    got = r.out["wan0"]
    tgw.expect_count(got, 1, "wan0")
    assert_pkts(got, [wan_out(outer6(fwd6(inner), hlim=33, fl=got[0][IPv6].fl))], "wan0")


def _decap_matrix(kind, v6_inner):
    """All 16 outer/inner ECN combinations, outer DSCP 0x48 and TTL 2, inner DSCP 0xb8."""
    frames, exp, n = [], [], 0
    for o in range(4):
        for i in range(4):
            n += 1
            if v6_inner:
                inner = udp6(src=REMOTE6, dst=LAN_HOST6, tc=0xb8 | i, sport=41000 + n)
            else:
                inner = udp4(src=REMOTE4, dst=LAN_HOST4, tos=0xb8 | i, id=n)
            if kind == "ip6tnl":
                outer = outer6(inner, src=PEER6, dst=WAN6, tc=0x48 | o, hlim=2)
            else:
                outer = outer4(inner, src=PEER4, dst=WAN4, tos=0x48 | o, ttl=2)
            frames.append(wan_in(outer))
            if o == 3 and i == 0:
                continue                     # RFC 6040 4.2: CE over Not-ECT is dropped
            if o == 3:
                inner = set_ecn6(inner, 3) if v6_inner else set_ecn4(inner, 3)
            exp.append(lan_out(fwd6(inner) if v6_inner else fwd4(inner)))
    r = tgw.run(tunnel_cfg(kind), {"wan0": frames})
    assert_pkts(r.out["lan0"], exp, "lan0")
    assert_drops(r, {"ecn_drop": 1})
    assert_tunnel(r, "t0", decap_packets=15)


def test_ipip_decap_ecn():
    _decap_matrix("ipip", False)


def test_sit_decap_ecn_ipv6():
    _decap_matrix("sit", True)


def test_sit_decap_ecn_ipv4():
    _decap_matrix("sit", False)


def test_ip6tnl_decap_ecn_ipv6():
    _decap_matrix("ip6tnl", True)


def test_ip6tnl_decap_ecn_ipv4():
    _decap_matrix("ip6tnl", False)


if __name__ == "__main__":
    tgw.main(globals())
