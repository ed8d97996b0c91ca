"""The router around the tunnels: ARP, ND, ICMP/ICMPv6 echo, forwarding, TTL expiry, no route,
next-hop resolution.  Kernel reference: net/ipv4/{arp,icmp,ip_forward}.c,
net/ipv6/{ndisc,icmp,ip6_output}.c.  Generated ICMP errors: TTL 64, TOS 0xc0 (icmp_send), the
source address the route back selects, as much of the offending packet as fits in 576 bytes
(IPv4) or 1280 bytes (IPv6)."""

import tgw
from scapy.all import fragment
from tgw import (ARP, ICMP, ICMPv6DestUnreach, ICMPv6EchoReply, ICMPv6EchoRequest, ICMPv6ND_NA,
                 ICMPv6ND_NS, ICMPv6NDOptDstLLAddr, ICMPv6NDOptSrcLLAddr, ICMPv6TimeExceeded, IP,
                 IPv6, Raw, TCP, Ether, LAN4, LAN6, LAN_HOST4, LAN_HOST6, LAN_HOST_MAC,
                 LAN_LL, LAN_MAC, WAN4, WAN6, WAN_LL, WAN_GW4, WAN_GW6, WAN_GW_MAC, WAN_MAC, assert_drops,
                 assert_no_output, assert_pkts, fwd4, fwd6, lan_in, lan_out, udp4, udp6)

FAR4, FAR6 = "198.51.100.7", "2001:db8:64::7"


def cfg(routes=None, neighbors=()):
    if routes is None:
        routes = [{"dst": "default", "via": WAN_GW4, "dev": "wan0"},
                  {"dst": "2001:db8:64::/64", "via": WAN_GW6, "dev": "wan0"}]
    return tgw.base_config(routes=routes, neighbors=[
        {"dst": WAN_GW4, "lladdr": WAN_GW_MAC, "dev": "wan0"},
        {"dst": WAN_GW6, "lladdr": WAN_GW_MAC, "dev": "wan0"}] + list(neighbors))


def gw_out(pkt):
    return Ether(src=WAN_MAC, dst=WAN_GW_MAC) / pkt


# ------------------------------------------------------------------ ARP

def test_arp_reply():
    """ARP who-has 10.1.0.1 (broadcast) is answered by lan0 with its MAC."""
    req = Ether(src=LAN_HOST_MAC, dst="ff:ff:ff:ff:ff:ff") / ARP(
        op=1, hwsrc=LAN_HOST_MAC, psrc=LAN_HOST4, hwdst="00:00:00:00:00:00", pdst=LAN4)
    r = tgw.run(cfg(), {"lan0": [req]})
    exp = Ether(src=LAN_MAC, dst=LAN_HOST_MAC) / ARP(
        op=2, hwsrc=LAN_MAC, psrc=LAN4, hwdst=LAN_HOST_MAC, pdst=LAN_HOST4)
    assert_pkts(r.out["lan0"], [exp], "lan0")
    assert_no_output(r, "wan0")
    assert_drops(r, {})


def test_arp_reply_unicast_request():
    """A unicast ARP request (a NUD probe) to lan0's MAC is answered the same way."""
    req = Ether(src=LAN_HOST_MAC, dst=LAN_MAC) / ARP(
        op=1, hwsrc=LAN_HOST_MAC, psrc=LAN_HOST4, hwdst=LAN_MAC, pdst=LAN4)
    r = tgw.run(cfg(), {"lan0": [req]})
    exp = Ether(src=LAN_MAC, dst=LAN_HOST_MAC) / ARP(
        op=2, hwsrc=LAN_MAC, psrc=LAN4, hwdst=LAN_HOST_MAC, pdst=LAN_HOST4)
    assert_pkts(r.out["lan0"], [exp], "lan0")


def test_arp_not_ours():
    """ARP for an address that is not ours is not answered (arp_ignored)."""
    req = Ether(src=LAN_HOST_MAC, dst="ff:ff:ff:ff:ff:ff") / ARP(
        op=1, hwsrc=LAN_HOST_MAC, psrc=LAN_HOST4, pdst="10.1.0.99")
    r = tgw.run(cfg(), {"lan0": [req]})
    assert_no_output(r)
    assert_drops(r, {"arp_ignored": 1})


# ------------------------------------------------------------------ ND

def _ns(target, dst_ip, dst_mac, src=LAN_HOST6, hlim=255, sllao=True):
    p = (Ether(src=LAN_HOST_MAC, dst=dst_mac) / IPv6(src=src, dst=dst_ip, hlim=hlim) /
         ICMPv6ND_NS(tgt=target))
    if sllao:
        p = p / ICMPv6NDOptSrcLLAddr(lladdr=LAN_HOST_MAC)
    return p


def _na(target, dst=LAN_HOST6, O=1, tlla=True):
    p = (Ether(src=LAN_MAC, dst=LAN_HOST_MAC) / IPv6(src=target, dst=dst, hlim=255, tc=0, fl=0) /
         ICMPv6ND_NA(R=1, S=1, O=O, tgt=target))
    if tlla:
        p = p / ICMPv6NDOptDstLLAddr(lladdr=LAN_MAC)
    return p


def test_ns_multicast():
    """NS for 2001:db8:1::1 to its solicited-node group (33:33:ff:00:00:01) gets a solicited
    NA with R (a router), S, O and the target link-layer address option, hop limit 255."""
    r = tgw.run(cfg(), {"lan0": [_ns(LAN6, "ff02::1:ff00:1", "33:33:ff:00:00:01")]})
    assert_pkts(r.out["lan0"], [_na(LAN6)], "lan0")
    assert_no_output(r, "wan0")
    assert_drops(r, {})


def test_ns_unicast():
    """A unicast NS (NUD probe) is answered with a solicited NA.  Linux omits the target
    link-layer address option and clears O for it (RFC 4861 7.2.4 allows it); either form with
    a consistent O flag is accepted."""
    r = tgw.run(cfg(), {"lan0": [_ns(LAN6, LAN6, LAN_MAC)]})
    got = r.out["lan0"]
    tgw.expect_count(got, 1, "lan0")
    if ICMPv6NDOptDstLLAddr in got[0]:
        exp = _na(LAN6, O=1)
    else:
        exp = _na(LAN6, O=0, tlla=False)
    assert_pkts(got, [exp], "lan0")
    assert_drops(r, {})


def test_ns_link_local():
    """Each port has its EUI-64 link-local address and answers NS for it."""
    ns = _ns(LAN_LL, "ff02::1:ff00:101", "33:33:ff:00:01:01", src="fe80::1")
    r = tgw.run(cfg(), {"lan0": [ns]})
    assert_pkts(r.out["lan0"], [_na(LAN_LL, dst="fe80::1")], "lan0")
    assert_drops(r, {})


def test_ns_not_ours():
    r = tgw.run(cfg(), {"lan0": [_ns("2001:db8:1::99", "ff02::1:ff00:99", "33:33:ff:00:00:99")]})
    assert_no_output(r)
    assert_drops(r, {"nd_ignored": 1})


def test_ns_bad_hop_limit():
    """RFC 4861 7.1.1: an NS whose hop limit is not 255 is invalid (nd_bad)."""
    r = tgw.run(cfg(), {"lan0": [_ns(LAN6, "ff02::1:ff00:1", "33:33:ff:00:00:01", hlim=64)]})
    assert_no_output(r)
    assert_drops(r, {"nd_bad": 1})


# ------------------------------------------------------------------ echo

def _echo4(dst, ident, seq, data, ttl=64, tos=0):
    return IP(bytes(IP(src=LAN_HOST4, dst=dst, ttl=ttl, tos=tos, id=ident) /
                    ICMP(type=8, id=ident, seq=seq) / data))


def _reply4(req, got):
    g = got[IP]
    return lan_out(IP(bytes(IP(src=req.dst, dst=req.src, ttl=64, tos=req.tos, id=g.id,
                               flags=g.flags) /
                            ICMP(type=0, id=req[ICMP].id, seq=req[ICMP].seq) /
                            Raw(bytes(req[ICMP].payload)))))


def test_echo4():
    """Echo to lan0's address, to wan0's address (any local address answers), with TTL 1
    (local delivery does not decrement) and with an odd-length payload: one reply each,
    same id, sequence and data, TTL 64."""
    reqs = [_echo4(LAN4, 1, 1, b"abcdefgh" * 7),
            _echo4(WAN4, 2, 1, b"to the other port"),
            _echo4(LAN4, 3, 9, b"ttl one", ttl=1),
            _echo4(LAN4, 4, 65535, bytes(range(255)) * 4 + b"odd", tos=0x10)]
    r = tgw.run(cfg(), {"lan0": [lan_in(q) for q in reqs]})
    got = r.out["lan0"]
    exp = []
    for q in reqs:
        g = tgw.pick(got, lambda f, q=q: ICMP in f and f[ICMP].id == q[ICMP].id,
                     f"reply to echo id {q[ICMP].id}")
        exp.append(_reply4(q, g))
    assert_pkts(got, exp, "lan0")
    assert_no_output(r, "wan0")
    assert_drops(r, {})


def test_echo6():
    """ICMPv6 echo to the global and the link-local address of lan0."""
    reqs = [IPv6(bytes(IPv6(src=LAN_HOST6, dst=LAN6) /
                       ICMPv6EchoRequest(id=1, seq=1, data=b"global"))),
            IPv6(bytes(IPv6(src="fe80::1", dst=LAN_LL) /
                       ICMPv6EchoRequest(id=2, seq=7, data=b"link-local, odd"))),
            IPv6(bytes(IPv6(src=LAN_HOST6, dst=WAN6, hlim=1) /
                       ICMPv6EchoRequest(id=3, seq=1, data=b"other port")))]
    nb = [{"dst": "fe80::1", "lladdr": LAN_HOST_MAC, "dev": "lan0"}]
    r = tgw.run(cfg(neighbors=nb), {"lan0": [lan_in(q) for q in reqs]})
    got = r.out["lan0"]
    exp = []
    for q in reqs:
        qe = q[ICMPv6EchoRequest]
        g = tgw.pick(got, lambda f, qe=qe: ICMPv6EchoReply in f and f[ICMPv6EchoReply].id == qe.id,
                     f"reply to echo id {qe.id}")
        exp.append(lan_out(IPv6(bytes(IPv6(src=q.dst, dst=q.src, hlim=64, tc=0, fl=g[IPv6].fl) /
                                      ICMPv6EchoReply(id=qe.id, seq=qe.seq, data=qe.data)))))
    assert_pkts(got, exp, "lan0")
    assert_drops(r, {})


# ------------------------------------------------------------------ forwarding

def test_forward4():
    """Forwarded IPv4: TTL - 1, checksum updated, MACs rewritten, everything else (options,
    DF, ID, fragments) untouched; TTL 2 leaves with TTL 1."""
    pkts = [udp4(dst=FAR4, size=100, id=1),
            udp4(dst=FAR4, size=1500, id=2, tos=0xb9),
            udp4(dst=FAR4, size=64, id=3, ttl=2, flags=0),
            IP(bytes(IP(src=LAN_HOST4, dst=FAR4, id=4, options=[b"\x01\x01\x01\x00"]) /
                     TCP(sport=40000, dport=8080, flags="A", seq=1, ack=1) / b"data"))]
    pkts += [IP(bytes(f)) for f in fragment(udp4(dst=FAR4, size=100, id=5, flags=0), fragsize=48)]
    r = tgw.run(cfg(), {"lan0": [lan_in(p) for p in pkts]})
    assert_pkts(r.out["wan0"], [gw_out(fwd4(p)) for p in pkts], "wan0", ordered=True)
    assert_no_output(r, "lan0")
    assert_drops(r, {})


def test_forward6():
    pkts = [udp6(dst=FAR6, size=100), udp6(dst=FAR6, size=1500, tc=0x11, fl=0xbeef),
            udp6(dst=FAR6, size=48, hlim=2)]
    r = tgw.run(cfg(), {"lan0": [lan_in(p) for p in pkts]})
    assert_pkts(r.out["wan0"], [gw_out(fwd6(p)) for p in pkts], "wan0", ordered=True)
    assert_drops(r, {})


def test_forward_back_to_lan():
    """A packet from the wan side to a lan host goes out lan0 with the static neighbour's MAC."""
    p = udp4(src=FAR4, dst=LAN_HOST4, id=9)
    r = tgw.run(cfg(), {"wan0": [Ether(src=WAN_GW_MAC, dst=WAN_MAC) / p]})
    assert_pkts(r.out["lan0"], [lan_out(fwd4(p))], "lan0")
    assert_drops(r, {})


def test_ttl_exceeded4():
    """TTL 1 to be forwarded: ICMP time exceeded (11/0) from lan0's address, quoting the
    packet as received (TTL 1); TTL 0 likewise."""
    p = udp4(dst=FAR4, size=700, ttl=1, id=0x11)
    r = tgw.run(cfg(), {"lan0": [lan_in(p)]})
    got = r.out["lan0"]
    tgw.expect_count(got, 1, "lan0")
    exp = tgw.icmp4_error(p, 11, 0, LAN4, LAN_HOST4, id=got[0][IP].id, flags=got[0][IP].flags)
    assert_pkts(got, [lan_out(exp)], "lan0")
    assert_no_output(r, "wan0")
    assert_drops(r, {"ttl_exceeded": 1})


def test_hop_limit_exceeded6():
    p = udp6(dst=FAR6, size=1400, hlim=1)
    r = tgw.run(cfg(), {"lan0": [lan_in(p)]})
    got = r.out["lan0"]
    tgw.expect_count(got, 1, "lan0")
    exp = tgw.icmp6_error(p, ICMPv6TimeExceeded, LAN6, LAN_HOST6, fl=got[0][IPv6].fl, code=0)
    assert_pkts(got, [lan_out(exp)], "lan0")
    assert_no_output(r, "wan0")
    assert_drops(r, {"hop_limit_exceeded": 1})


def test_no_route():
    """Without a default route, IPv4 and IPv6 to an unknown prefix are dropped (no_route)."""
    c = cfg(routes=[])
    r = tgw.run(c, {"lan0": [lan_in(udp4(dst=FAR4)), lan_in(udp6(dst=FAR6))]})
    assert_no_output(r, "wan0")
    assert_drops(r, {"no_route": 2})


def test_no_route_icmp_unreachable4():
    """Linux answers a packet it has no route for with ICMP destination unreachable, net
    unreachable (ip_error: 3/0), from the incoming side's address."""
    p = udp4(dst=FAR4, size=200)
    r = tgw.run(cfg(routes=[]), {"lan0": [lan_in(p)]})
    got = r.out["lan0"]
    tgw.expect_count(got, 1, "lan0")
    exp = tgw.icmp4_error(p, 3, 0, LAN4, LAN_HOST4, id=got[0][IP].id, flags=got[0][IP].flags)
    assert_pkts(got, [lan_out(exp)], "lan0")
    assert_drops(r, {"no_route": 1})


def test_no_route_icmp_unreachable6():
    """Linux answers with ICMPv6 destination unreachable, no route (1/0)."""
    p = udp6(dst=FAR6, size=200)
    r = tgw.run(cfg(routes=[]), {"lan0": [lan_in(p)]})
    got = r.out["lan0"]
    tgw.expect_count(got, 1, "lan0")
    exp = tgw.icmp6_error(p, ICMPv6DestUnreach, LAN6, LAN_HOST6, fl=got[0][IPv6].fl, code=0)
    assert_pkts(got, [lan_out(exp)], "lan0")
    assert_drops(r, {"no_route": 1})


# ------------------------------------------------------------------ next-hop resolution

def test_arp_resolution():
    """A next hop without a neighbour entry is resolved: broadcast ARP request from wan0's
    address and MAC (target MAC zero); the held packet is freed at exit."""
    routes = [{"dst": "198.51.100.0/24", "via": "192.0.2.253", "dev": "wan0"}]
    r = tgw.run(cfg(routes=routes), {"lan0": [lan_in(udp4(dst=FAR4))]})
    got = r.out["wan0"]
    exp = Ether(src=WAN_MAC, dst="ff:ff:ff:ff:ff:ff") / ARP(
        op=1, hwsrc=WAN_MAC, psrc=WAN4, hwdst="00:00:00:00:00:00", pdst="192.0.2.253")
    if not 1 <= len(got) <= 3:
        raise AssertionError(f"wan0: {len(got)} frames, expected 1 to 3 ARP requests: "
                             f"{[g.summary() for g in got]}")
    assert_pkts(got, [exp] * len(got), "wan0")
    assert_no_output(r, "lan0")
    assert_drops(r, {"neigh_failed": 1})     # docs/drops.md: still held at exit


def test_nd_resolution():
    """IPv6 next hop without a neighbour entry: multicast NS to its solicited-node group with
    the source link-layer option, from one of wan0's addresses (RFC 4861 7.2.2: the prompting
    packet's source is not ours, so any; Linux takes the link-local one)."""
    routes = [{"dst": "2001:db8:64::/64", "via": "2001:db8:ffff::fd", "dev": "wan0"}]
    r = tgw.run(cfg(routes=routes), {"lan0": [lan_in(udp6(dst=FAR6))]})
    got = r.out["wan0"]
    if not 1 <= len(got) <= 3:
        raise AssertionError(f"wan0: {len(got)} frames, expected 1 to 3 NS: "
                             f"{[g.summary() for g in got]}")
    src = got[0][IPv6].src if IPv6 in got[0] else WAN_LL
    if src not in (WAN_LL, WAN6):
        raise AssertionError(f"NS source {src} is not one of wan0's addresses ({WAN_LL}, {WAN6})")
    exp = (Ether(src=WAN_MAC, dst="33:33:ff:00:00:fd") /
           IPv6(src=src, dst="ff02::1:ff00:fd", hlim=255, tc=0, fl=0) /
           ICMPv6ND_NS(tgt="2001:db8:ffff::fd") / ICMPv6NDOptSrcLLAddr(lladdr=WAN_MAC))
    assert_pkts(got, [exp] * len(got), "wan0")
    assert_no_output(r, "lan0")
    assert_drops(r, {"neigh_failed": 1})


if __name__ == "__main__":
    tgw.main(globals())


# ------------------------------------------------------------------ --node-stats

def test_node_stats_counts_each_node():
    """--node-stats prints, per node, the objects it processed: 5 forwarded packets pass
    tgw_rx and tgw_ip4_input once each and leave by wan0's TX node (tgw_tx-1); without the
    option nothing is printed (the worker then walks its graph without timing nodes)."""
    pkts = [lan_in(udp4(dst=FAR4, id=i)) for i in range(5)]
    r = tgw.run(cfg(), {"lan0": pkts}, extra_args=["--node-stats"])
    assert len(r.out["wan0"]) == 5
    objs = {}
    for line in r.stdout.splitlines():
        cols = [c.strip() for c in line.split("|")]
        if len(cols) > 3 and cols[1].startswith("tgw_"):
            objs[cols[1]] = int(cols[3])
    assert objs.get("tgw_rx") == 5, objs
    assert objs.get("tgw_ip4_input") == 5, objs
    assert objs.get("tgw_tx-1") == 5, objs
    r = tgw.run(cfg(), {"lan0": pkts})
    assert "tgw_ip4_input" not in r.stdout
