"""Policy-based IPsec (SPEC section 2 xfrm; `ip xfrm policy add ... dir out|in|fwd` with no mark
and no if_id), end to end: a site-to-site gateway.

lan0 (10.1.0.0/24, 2001:db8:1::/64) <-> tungw (192.0.2.1) <-> PEER4 (192.0.2.2), behind which
10.2.0.0/24 and 2001:db8:2::/64 are reached by plain routes via the peer.  Forwarded traffic
that an out policy selects leaves in its template's tunnel-mode SA; traffic no out policy
selects is forwarded as it is; ESP of an SA without an interface is decrypted, the inner
packet is checked against the fwd policies (forwarded) or the in policies (for the gateway),
then routed as if received on the port it came in on; a forwarded packet in the clear that a
fwd policy with templates selects is dropped.  The independent peer is scapy's
SecurityAssociation.

Kernel reference: net/xfrm/xfrm_policy.c (__xfrm_route_forward / xfrm_lookup on forwarded
packets; __xfrm_policy_check: a matching policy with templates needs a secpath that satisfies
them, XfrmInTmplMismatch; a tunnel-mode secpath and no policy, XfrmInNoPols; fwd on forward,
in on local delivery)."""

from scapy.layers.inet import UDP
from scapy.layers.ipsec import AH, ESP, SecurityAssociation

import tgw
from tgw import (DPORT, SPORT, IP, IPv6, ICMP, LAN4, LAN_HOST4, LAN_HOST6, PEER4, PEER6, REMOTE4, REMOTE6,
                 WAN4, WAN6, assert_drops, assert_no_output, assert_pkts, fwd4, fwd6, lan_in,
                 lan_out, udp4, udp6, wan_in, wan_out)

GCM = {"aead": {"name": "rfc4106(gcm(aes))", "key": "0x" + bytes(range(3, 23)).hex()}}
SCAPY_GCM = {"crypt_algo": "AES-GCM", "crypt_key": bytes(range(3, 23))}
OUT, IN, OUT6, IN6 = 0x501, 0x502, 0x601, 0x602
CLEAR4 = "10.7.0.9"          # beyond wan0, reached in the clear


def _sa(src, dst, spi, proto="esp"):
    s = {"src": src, "dst": dst, "proto": proto, "spi": spi, "mode": "tunnel"}
    if proto == "esp":
        s.update(GCM)
    else:
        s["auth"] = {"name": "hmac(sha1)", "key": "0x" + bytes(range(40, 60)).hex()}
    return s


def _pol(d, src, dst, tsrc=None, tdst=None, proto="esp", **extra):
    p = {"dir": d, "src": src, "dst": dst}
    if tsrc:
        p["tmpl"] = [{"src": tsrc, "dst": tdst, "proto": proto, "mode": "tunnel"}]
    p.update(extra)
    return p


def site_policies():
    """strongSwan's set for 10.1.0.0/24 <-> 10.2.0.0/24 (and the IPv6 pair, over IPv6):
    out, in and fwd."""
    return [
        _pol("out", "10.1.0.0/24", "10.2.0.0/24", WAN4, PEER4),
        _pol("in", "10.2.0.0/24", "10.1.0.0/24", PEER4, WAN4),
        _pol("fwd", "10.2.0.0/24", "10.1.0.0/24", PEER4, WAN4),
        _pol("out", "2001:db8:1::/64", "2001:db8:2::/64", WAN6, PEER6),
        _pol("in", "2001:db8:2::/64", "2001:db8:1::/64", PEER6, WAN6),
        _pol("fwd", "2001:db8:2::/64", "2001:db8:1::/64", PEER6, WAN6),
    ]


def cfg(policies=None, states=None):
    c = tgw.base_config(routes=[{"dst": "10.2.0.0/24", "via": PEER4, "dev": "wan0"},
                                {"dst": "10.7.0.0/24", "via": PEER4, "dev": "wan0"},
                                {"dst": "2001:db8:2::/64", "via": PEER6, "dev": "wan0"}])
    c["xfrm"] = {"states": states if states is not None else
                 [_sa(WAN4, PEER4, OUT), _sa(PEER4, WAN4, IN), _sa(WAN6, PEER6, OUT6),
                  _sa(PEER6, WAN6, IN6)],
                 "policies": policies if policies is not None else site_policies()}
    return c


def peer(spi, proto=ESP):
    hdr = {OUT: IP(src=WAN4, dst=PEER4), IN: IP(src=PEER4, dst=WAN4),
           OUT6: IPv6(src=WAN6, dst=PEER6), IN6: IPv6(src=PEER6, dst=WAN6)}[spi]
    if proto is AH:
        return SecurityAssociation(AH, spi=spi, tunnel_header=hdr, auth_algo="HMAC-SHA1-96",
                                   auth_key=bytes(range(40, 60)))
    return SecurityAssociation(ESP, spi=spi, tunnel_header=hdr, **SCAPY_GCM)


def test_out_policy_protects_forwarded_traffic():
    """Forwarded 10.1.0.0/24 -> 10.2.0.0/24 leaves as ESP SPI 0x501 to the peer (the inner TTL
    decremented by the forward, the outer from the SA); IPv6 the same over IPv6; traffic to
    10.7.0.0/24 (no policy) is forwarded in the clear.  scapy decrypts; the SA counts."""
    a = [udp4(id=i + 1, size=80 + 13 * i) for i in range(4)]
    b = [udp6(size=120 + i) for i in range(2)]
    clear = [udp4(dst=CLEAR4, id=40)]
    r = tgw.run(cfg(), {"lan0": [lan_in(p) for p in a + b + clear]})
    got = r.out.get("wan0", [])
    esp4 = [f for f in got if IP in f and f[IP].proto == 50]
    esp6 = [f for f in got if IPv6 in f and f[IPv6].nh == 50]
    plain = [f for f in got if IP in f and f[IP].proto == 17]
    assert (len(esp4), len(esp6), len(plain)) == (4, 2, 1), [f.summary() for f in got]
    for f in esp4:
        assert (f[IP].src, f[IP].dst, f[ESP].spi) == (WAN4, PEER4, OUT)
    for f in esp6:
        assert (f[IPv6].src, f[IPv6].dst, f[ESP].spi) == (WAN6, PEER6, OUT6)
    dec4 = [peer(OUT).decrypt(IP(bytes(f[IP]))) for f in esp4]
    dec6 = [peer(OUT6).decrypt(IPv6(bytes(f[IPv6]))) for f in esp6]
    assert_pkts([lan_out(d) for d in dec4], [lan_out(fwd4(p)) for p in a], "decrypted 0x501")
    assert_pkts([lan_out(d) for d in dec6], [lan_out(fwd6(p)) for p in b], "decrypted 0x601")
    assert sorted(f[ESP].seq for f in esp4) == [1, 2, 3, 4]
    assert_pkts(plain, [wan_out(fwd4(p)) for p in clear], "in the clear")
    assert_drops(r, {})
    assert r.stats["sas"][f"0x{OUT:08x}"]["packets"] == 4
    assert r.stats["sas"][f"0x{OUT6:08x}"]["packets"] == 2


def test_inbound_decrypted_and_forwarded():
    """ESP from the peer (SA 0x502, no vti, no interface) is decrypted; the inner packet passes
    the fwd policy and is forwarded to lan0 as if received on wan0 (TTL decremented once);
    IPv6 over IPv6 the same."""
    a = [udp4(src=REMOTE4, dst=LAN_HOST4, id=i + 1, size=70 + 11 * i) for i in range(3)]
    b = [udp6(src=REMOTE6, dst=LAN_HOST6, size=150)]
    frames = [wan_in(peer(IN).encrypt(p, seq_num=i + 1)) for i, p in enumerate(a)]
    frames += [wan_in(peer(IN6).encrypt(p, seq_num=1)) for p in b]
    r = tgw.run(cfg(), {"wan0": frames})
    assert_pkts(r.out.get("lan0", []), [lan_out(fwd4(p)) for p in a] +
                [lan_out(fwd6(p)) for p in b], "lan0")
    assert_drops(r, {})
    assert r.stats["sas"][f"0x{IN:08x}"]["packets"] == 3
    assert r.stats["sas"][f"0x{IN6:08x}"]["packets"] == 1


def test_inbound_for_the_gateway_meets_in_policy():
    """A decrypted echo request to the gateway's own LAN address is checked against the in
    policy (not fwd) and answered; its reply, forwarded out of wan0 to 10.2.0.5, is protected
    by the out policy... which selects only 10.1.0.0/24 sources: the reply (from 10.1.0.1)
    matches it, so it leaves as ESP."""
    req = IP(src=REMOTE4, dst=LAN4, ttl=64, id=7) / ICMP(type=8, id=3, seq=1) / (b"p" * 24)
    c = cfg()
    # the in policy alone lets it in: drop the fwd one to show which is used
    c["xfrm"]["policies"] = [p for p in c["xfrm"]["policies"] if p["dir"] != "fwd"]
    r = tgw.run(c, {"wan0": [wan_in(peer(IN).encrypt(req, seq_num=1))]})
    got = r.out.get("wan0", [])
    assert len(got) == 1 and ESP in got[0], [f.summary() for f in got]
    rep = peer(OUT).decrypt(IP(bytes(got[0][IP])))
    assert rep[ICMP].type == 0 and (rep[IP].src, rep[IP].dst) == (LAN4, REMOTE4)
    assert_drops(r, {})
    # with no in policy (only out and fwd) the same request is refused
    c["xfrm"]["policies"] = [p for p in site_policies() if p["dir"] != "in"]
    r = tgw.run(c, {"wan0": [wan_in(peer(IN).encrypt(req, seq_num=1))]})
    assert_no_output(r, "wan0", "lan0")
    assert_drops(r, {"xfrm_no_policy": 1})


def test_fwd_policy_verdicts():
    """Decrypted traffic whose inner source no fwd policy selects: xfrm_no_policy (a tunnel-mode
    secpath without policy, XfrmInNoPols); an fwd policy naming another SA's template:
    xfrm_policy_mismatch; clear traffic from the protected subnet arriving on wan0:
    xfrm_policy_mismatch (the policy requires ESP); clear traffic no fwd policy selects is
    forwarded; a fwd block policy drops."""
    pol = site_policies() + [_pol("fwd", "10.9.0.0/24", "10.1.0.0/24", PEER4, "192.0.2.77"),
                             _pol("fwd", "10.6.0.0/24", "10.1.0.0/24", action="block")]
    spoof = udp4(src=REMOTE4, dst=LAN_HOST4, id=2)
    other = udp4(src="10.8.0.1", dst=LAN_HOST4, id=3)
    frames = [wan_in(peer(IN).encrypt(udp4(src="10.5.0.1", dst=LAN_HOST4, id=1), seq_num=1)),
              wan_in(peer(IN).encrypt(udp4(src="10.9.0.1", dst=LAN_HOST4, id=4), seq_num=2)),
              wan_in(spoof), wan_in(other),
              wan_in(udp4(src="10.6.0.1", dst=LAN_HOST4, id=5))]
    r = tgw.run(cfg(policies=pol), {"wan0": frames})
    assert_pkts(r.out.get("lan0", []), [lan_out(fwd4(other))], "lan0")
    assert_drops(r, {"xfrm_no_policy": 1, "xfrm_policy_mismatch": 2, "xfrm_policy_block": 1})


def test_out_policy_verdicts():
    """A block out policy drops (xfrm_policy_block); an out policy whose template has no SA:
    xfrm_no_state; policy priority picks the lower number (a block at priority 5 shadowed by
    the site policy at priority 1 for 10.2.0.0/24)."""
    pol = [_pol("out", "10.1.0.0/24", "10.2.0.0/24", WAN4, PEER4, priority=1),
           _pol("out", "0.0.0.0/0", "10.2.0.0/16", action="block", priority=5),
           _pol("out", "10.1.0.0/24", "10.7.0.0/24", WAN4, "192.0.2.3")]
    c = cfg(policies=pol)
    c["routes"].append({"dst": "10.2.9.0/24", "via": PEER4, "dev": "wan0"})
    pk = [udp4(id=1), udp4(dst="10.2.9.1", id=2), udp4(dst=CLEAR4, id=3)]
    r = tgw.run(c, {"lan0": [lan_in(p) for p in pk]})
    got = r.out.get("wan0", [])
    assert len(got) == 1 and got[0][ESP].spi == OUT
    assert_drops(r, {"xfrm_policy_block": 1, "xfrm_no_state": 1})


def test_too_big_with_sa_overhead():
    """A forwarded DF packet that fits wan0 but not with the SA's overhead gets ICMP
    fragmentation needed with the SA's inner MTU (1500 - 20 - 8 - 8 - 16, down to 4, - 2 =
    1446), as xfrm4_tunnel_check_size."""
    big = udp4(size=1447, id=9)
    ok = udp4(size=1446, id=10)
    r = tgw.run(cfg(), {"lan0": [lan_in(big), lan_in(ok)]})
    err = [f for f in r.out.get("lan0", []) if ICMP in f]
    assert len(err) == 1 and (err[0][ICMP].type, err[0][ICMP].code) == (3, 4)
    assert err[0][ICMP].nexthopmtu == 1446, err[0][ICMP].nexthopmtu
    assert len([f for f in r.out.get("wan0", []) if ESP in f]) == 1
    assert_drops(r, {"too_big": 1})


def test_too_big_one_round():
    """Packets bigger than the underlay too get the SA's MTU at once, not the carrier's first
    (the kernel's ip_forward checks the xfrm bundle's MTU after xfrm4_route_forward): a
    1600-byte DF packet gets fragmentation needed with 1446, a 1600-byte IPv6 packet over the
    IPv6 SA Packet Too Big with 1426 (1500 - 40 - 8 - 8 - 16 - 2), and through an AH state
    fragmentation needed with 1456 (1480 less the 24-byte AH header)."""
    from scapy.layers.inet6 import ICMPv6PacketTooBig
    r = tgw.run(cfg(), {"lan0": [lan_in(udp4(size=1600, id=9)), lan_in(udp6(size=1600))]})
    err = r.out.get("lan0", [])
    assert [f[ICMP].nexthopmtu for f in err if ICMP in f] == [1446], [f.summary() for f in err]
    assert [f[ICMPv6PacketTooBig].mtu for f in err if ICMPv6PacketTooBig in f] == [1426], \
        [f.summary() for f in err]
    assert_drops(r, {"too_big": 2})
    states = [_sa(WAN4, PEER4, OUT, "ah"), _sa(PEER4, WAN4, IN, "ah")]
    pol = [_pol("out", "10.1.0.0/24", "10.2.0.0/24", WAN4, PEER4, proto="ah")]
    r = tgw.run(cfg(policies=pol, states=states), {"lan0": [lan_in(udp4(size=1600, id=9))]})
    err = r.out.get("lan0", [])
    assert [f[ICMP].nexthopmtu for f in err if ICMP in f] == [1456], [f.summary() for f in err]


def test_ah_policy_based():
    """An out policy with an AH template: forwarded traffic leaves as AH (scapy verifies the
    ICV); AH from the peer is verified and forwarded."""
    states = [_sa(WAN4, PEER4, OUT, "ah"), _sa(PEER4, WAN4, IN, "ah")]
    pol = [_pol("out", "10.1.0.0/24", "10.2.0.0/24", WAN4, PEER4, proto="ah"),
           _pol("fwd", "10.2.0.0/24", "10.1.0.0/24", PEER4, WAN4, proto="ah")]
    a = udp4(id=21)
    b = udp4(src=REMOTE4, dst=LAN_HOST4, id=22)
    r = tgw.run(cfg(policies=pol, states=states),
                {"lan0": [lan_in(a)], "wan0": [wan_in(peer(IN, AH).encrypt(b, seq_num=1))]})
    got = r.out.get("wan0", [])
    assert len(got) == 1 and AH in got[0]
    dec = IP(bytes(peer(OUT, AH).decrypt(IP(bytes(got[0][IP])))))   # verifies the ICV
    assert_pkts([lan_out(dec)], [lan_out(fwd4(a))], "AH verified by scapy")
    assert_pkts(r.out.get("lan0", []), [lan_out(fwd4(b))], "lan0")
    assert_drops(r, {})


# --------------------------------------------------------------------------- NAT-T

NATT = {"type": "espinudp", "sport": 4500, "dport": 4500}


def natt_cfg():
    """The site config with the IPv4 SAs UDP-encapsulated (`encap espinudp 4500 4500`), plus
    a plain inbound SA 0x503 the fwd policy also accepts."""
    states = [_sa(WAN4, PEER4, OUT), _sa(PEER4, WAN4, IN), _sa(PEER4, WAN4, 0x503)]
    states[0]["encap"] = dict(NATT)
    states[1]["encap"] = dict(NATT)
    return cfg(states=states, policies=site_policies()[:3])


def in_udp(esp_pkt, sport=4500, dport=4500, chksum=None):
    """scapy's IP/ESP from the peer carried in UDP (RFC 3948 section 2.1)."""
    u = UDP(sport=sport, dport=dport) / bytes(esp_pkt[ESP])
    if chksum is not None:
        u.chksum = chksum
    return IP(src=esp_pkt[IP].src, dst=esp_pkt[IP].dst, ttl=63) / u


def test_natt_both_ways():
    """With espinudp, forwarded traffic leaves as IP/UDP 4500->4500 (checksum 0, RFC 3948
    2.1)/ESP that scapy decrypts once the UDP header is off; ESP in UDP from the peer (zero
    or valid UDP checksum) is decrypted and forwarded; the inner MTU loses 8 more bytes
    (1438: a 1439-byte DF packet gets fragmentation needed with 1438)."""
    a = [udp4(id=i + 1, size=90 + i) for i in range(3)]
    big = udp4(id=9, size=1439)
    b = [udp4(src=REMOTE4, dst=LAN_HOST4, id=30 + i) for i in range(2)]
    frames = [wan_in(in_udp(peer(IN).encrypt(b[0], seq_num=1), chksum=0)),
              wan_in(in_udp(peer(IN).encrypt(b[1], seq_num=2)))]
    r = tgw.run(natt_cfg(), {"lan0": [lan_in(p) for p in a + [big]], "wan0": frames})
    got = r.out.get("wan0", [])
    assert len(got) == 3, [f.summary() for f in got]
    dec = []
    for f in got:
        assert UDP in f and (f[UDP].sport, f[UDP].dport, f[UDP].chksum) == (4500, 4500, 0)
        assert f[IP].proto == 17 and f[UDP].len == len(f[IP]) - 20
        esp = IP(src=f[IP].src, dst=f[IP].dst, proto=50) / bytes(f[UDP].payload)
        assert ESP(bytes(f[UDP].payload)).spi == OUT
        dec.append(peer(OUT).decrypt(IP(bytes(esp))))
    assert_pkts([lan_out(d) for d in dec], [lan_out(fwd4(p)) for p in a], "decrypted")
    lan = r.out.get("lan0", [])
    err = [f for f in lan if ICMP in f]
    assert len(err) == 1 and err[0][ICMP].nexthopmtu == 1438, [f.summary() for f in lan]
    assert_pkts([f for f in lan if ICMP not in f], [lan_out(fwd4(p)) for p in b], "lan0")
    assert_drops(r, {"too_big": 1})


def test_natt_receive_rules():
    """On UDP 4500: a one-byte 0xff keepalive is dropped (natt_keepalive); four zero bytes (the
    non-ESP marker: IKE, for a daemon tungw has not) and a datagram shorter than four bytes
    are natt_non_esp; ESP of the espinudp SA without UDP, and UDP-encapsulated ESP of the
    plain SA 0x503, are esp_natt_mismatch (xfrm_input's encap type check)."""
    inner = udp4(src=REMOTE4, dst=LAN_HOST4, id=50)
    ike = IP(src=PEER4, dst=WAN4) / UDP(sport=4500, dport=4500) / (b"\0\0\0\0" + b"x" * 40)
    frames = [wan_in(IP(src=PEER4, dst=WAN4) / UDP(sport=4500, dport=4500) / b"\xff"),
              wan_in(ike),
              wan_in(IP(src=PEER4, dst=WAN4) / UDP(sport=4500, dport=4500) / b"\x01\x02"),
              wan_in(peer(IN).encrypt(inner, seq_num=1)),
              wan_in(in_udp(SecurityAssociation(ESP, spi=0x503, tunnel_header=IP(
                  src=PEER4, dst=WAN4), **SCAPY_GCM).encrypt(inner, seq_num=1)))]
    r = tgw.run(natt_cfg(), {"wan0": frames})
    assert_no_output(r, "lan0")
    assert_drops(r, {"natt_keepalive": 1, "natt_non_esp": 2, "esp_natt_mismatch": 2})


def test_natt_ipv6():
    """espinudp over IPv6 (the kernel's esp6 since 5.8): forwarded IPv6 traffic leaves as
    IPv6/UDP 4500->4500/ESP with a valid UDP checksum (esp_output_encap_csum: IPv6 needs
    one); the peer's ESP in UDP over IPv6 with a valid checksum is decrypted and forwarded,
    one with checksum zero is refused (udp_zero_checksum, RFC 8200 section 8.1), a keepalive
    is natt_keepalive, one with checksum zero udp_zero_checksum (udpv6_rcv refuses it before
    the encapsulation socket sees it); the inner MTU is 8 bytes smaller."""
    states = [_sa(WAN6, PEER6, OUT6), _sa(PEER6, WAN6, IN6)]
    for st in states:
        st["encap"] = dict(NATT)
    c = cfg(states=states, policies=site_policies()[3:])
    a = [udp6(size=100 + i) for i in range(2)]
    b = [udp6(src=REMOTE6, dst=LAN_HOST6, size=120 + i) for i in range(2)]

    def in_udp6(pkt, chksum=None):
        u = UDP(sport=4500, dport=4500) / bytes(pkt[ESP])
        if chksum is not None:
            u.chksum = chksum
        return IPv6(src=PEER6, dst=WAN6, hlim=63) / u
    frames = [wan_in(in_udp6(peer(IN6).encrypt(b[0], seq_num=1))),
              wan_in(in_udp6(peer(IN6).encrypt(b[1], seq_num=2), chksum=0)),
              wan_in(IPv6(src=PEER6, dst=WAN6) / UDP(sport=4500, dport=4500) / b"\xff"),
              wan_in(IPv6(src=PEER6, dst=WAN6) / UDP(sport=4500, dport=4500, chksum=0) / b"\xff")]
    r = tgw.run(c, {"lan0": [lan_in(p) for p in a], "wan0": frames})
    got = r.out.get("wan0", [])
    assert len(got) == 2, [f.summary() for f in got]
    dec = []
    for f in got:
        o = f[IPv6]
        assert o.nh == 17 and (f[UDP].sport, f[UDP].dport) == (4500, 4500)
        sent = f[UDP].chksum
        assert sent != 0
        fixed = IPv6(bytes(o))
        del fixed[UDP].chksum
        assert IPv6(bytes(fixed))[UDP].chksum == sent, "UDP checksum"
        esp = IPv6(src=o.src, dst=o.dst, nh=50) / bytes(f[UDP].payload)
        dec.append(peer(OUT6).decrypt(IPv6(bytes(esp))))
    assert_pkts([lan_out(d) for d in dec], [lan_out(fwd6(p)) for p in a], "decrypted")
    assert_pkts(r.out.get("lan0", []), [lan_out(fwd6(b[0]))], "lan0")
    assert_drops(r, {"udp_zero_checksum": 2, "natt_keepalive": 1})


def test_natt_ipv6_mtu():
    """The inner MTU of an espinudp state over IPv6 with rfc4106(gcm(aes)): 1500 - 40 - 8
    (UDP) - 8 - 8 - 16, down to 4, - 2 = 1418: a 1419-byte packet gets Packet Too Big with
    1418."""
    from scapy.layers.inet6 import ICMPv6PacketTooBig
    states = [_sa(WAN6, PEER6, OUT6), _sa(PEER6, WAN6, IN6)]
    for st in states:
        st["encap"] = dict(NATT)
    r = tgw.run(cfg(states=states, policies=site_policies()[3:]),
                {"lan0": [lan_in(udp6(size=1419)), lan_in(udp6(size=1418))]})
    err = [f for f in r.out.get("lan0", []) if ICMPv6PacketTooBig in f]
    assert len(err) == 1 and err[0][ICMPv6PacketTooBig].mtu == 1418, \
        [f.summary() for f in r.out.get("lan0", [])]
    got = r.out.get("wan0", [])
    assert len(got) == 1 and len(got[0][IPv6]) <= 1500 and UDP in got[0]
    assert_drops(r, {"too_big": 1})


# --------------------------------------------------------------------------- transport mode

TO, TI = 0x701, 0x702


def transport_cfg(v6=False, proto="esp", extra_policies=(), name="gre1"):
    """gre1 (WAN4 -> PEER4; ip6gre between WAN6 and PEER6 with v6; 10.2.0.0/24 routed into
    it) whose GRE packets a policy-based out policy (proto gre) protects with transport-mode
    ESP (or AH), and the in policy that requires it for GRE from the peer: `ip xfrm policy
    add src WAN dst PEER proto gre dir out tmpl proto esp mode transport`."""
    local, remote = (WAN6, PEER6) if v6 else (WAN4, PEER4)
    c = tgw.base_config(tunnels=[{"name": name, "type": "ip6gre" if v6 else "gre",
                                  "local": local, "remote": remote}],
                        routes=[{"dst": "10.2.0.0/24", "dev": name}])
    states = [_sa(local, remote, TO, proto), _sa(remote, local, TI, proto)]
    for st in states:
        st["mode"] = "transport"
    c["xfrm"] = {"states": states, "policies": [
        {"dir": "out", "src": local, "dst": remote, "proto": "gre",
         "tmpl": [{"proto": proto, "mode": "transport"}]},
        {"dir": "in", "src": remote, "dst": local, "proto": "gre",
         "tmpl": [{"proto": proto, "mode": "transport"}]}] + list(extra_policies)}
    return c


def gre_transport_cfg(extra_policies=()):
    return transport_cfg(extra_policies=extra_policies)


def tpeer(spi):
    return SecurityAssociation(ESP, spi=spi, **SCAPY_GCM)


def test_gre_over_transport_esp():
    """GRE over transport-mode ESP both ways: packets routed into gre1 leave as IP(proto 50)
    from WAN4 to PEER4 whose ESP scapy decrypts (transport mode) to the GRE packet of the
    forwarded inner; scapy's transport ESP around GRE from the peer is decrypted, the GRE
    decapsulated, the inner forwarded to lan0; clear GRE from the peer is refused by the in
    policy (xfrm_policy_mismatch); counters are the SAs' and gre1's."""
    from scapy.layers.l2 import GRE
    a = [udp4(id=i + 1, size=90 + 7 * i) for i in range(3)]
    b = [udp4(src=REMOTE4, dst=LAN_HOST4, id=20 + i) for i in range(2)]
    gre_in = [IP(src=PEER4, dst=WAN4, ttl=64, id=5) / GRE(proto=0x0800) / p for p in b]
    frames = [wan_in(tpeer(TI).encrypt(g, seq_num=i + 1)) for i, g in enumerate(gre_in)]
    clear = wan_in(IP(src=PEER4, dst=WAN4) / GRE(proto=0x0800) / udp4(src=REMOTE4,
                                                                       dst=LAN_HOST4, id=29))
    r = tgw.run(gre_transport_cfg(), {"lan0": [lan_in(p) for p in a],
                                      "wan0": frames + [clear]})
    got = r.out.get("wan0", [])
    assert len(got) == 3, [f.summary() for f in got]
    dec = []
    for f in got:
        assert (f[IP].src, f[IP].dst, f[IP].proto, f[ESP].spi) == (WAN4, PEER4, 50, TO)
        d = tpeer(TO).decrypt(IP(bytes(f[IP])))
        assert d[IP].proto == 47 and GRE in d, d.summary()
        dec.append(d[GRE].payload)
    assert_pkts([lan_out(IP(bytes(d))) for d in dec], [lan_out(fwd4(p)) for p in a],
                "GRE payloads")
    assert sorted(f[ESP].seq for f in got) == [1, 2, 3]
    assert_pkts(r.out.get("lan0", []), [lan_out(fwd4(p)) for p in b], "lan0")
    assert_drops(r, {"xfrm_policy_mismatch": 1})
    assert r.stats["sas"][f"0x{TO:08x}"]["packets"] == 3
    assert r.stats["sas"][f"0x{TI:08x}"]["packets"] == 2
    tgw.assert_tunnel(r, "gre1", encap_packets=3, decap_packets=2)


def test_gre_transport_mtu():
    """gre1's MTU leaves room for the transport ESP the kernel's path MTU would learn: 1500 - 20
    - 8 - 8 - 16, down to 4, - 2, + 20 (the IP header stays in front) - 24 (IP and GRE) =
    1442: a 1443-byte DF packet gets fragmentation needed with 1442, a 1442-byte one goes."""
    r = tgw.run(gre_transport_cfg(), {"lan0": [lan_in(udp4(size=1443, id=1)),
                                               lan_in(udp4(size=1442, id=2))]})
    err = [f for f in r.out.get("lan0", []) if ICMP in f]
    assert len(err) == 1 and err[0][ICMP].nexthopmtu == 1442, [f.summary() for f in err]
    got = r.out.get("wan0", [])
    assert len(got) == 1 and len(got[0][IP]) <= 1500 and ESP in got[0]
    assert_drops(r, {"too_big": 1})


def test_ip6gre_over_transport_esp():
    """The same over IPv6: ip6gre between WAN6 and PEER6 in transport-mode ESP (next header 50
    after the fixed header) both ways; scapy decrypts tungw's and tungw decrypts scapy's."""
    from scapy.layers.l2 import GRE
    c = transport_cfg(v6=True, name="gre6")
    a = udp4(id=3)
    b = udp4(src=REMOTE4, dst=LAN_HOST4, id=4)
    g = IPv6(src=PEER6, dst=WAN6, hlim=64) / GRE(proto=0x0800) / b
    r = tgw.run(c, {"lan0": [lan_in(a)], "wan0": [wan_in(tpeer(TI).encrypt(g, seq_num=1))]})
    got = r.out.get("wan0", [])
    assert len(got) == 1 and got[0][IPv6].nh == 50, [f.summary() for f in got]
    d = tpeer(TO).decrypt(IPv6(bytes(got[0][IPv6])))
    assert GRE in d, d.summary()
    assert_pkts([lan_out(IP(bytes(d[GRE].payload)))], [lan_out(fwd4(a))], "GRE payload")
    assert_pkts(r.out.get("lan0", []), [lan_out(fwd4(b))], "lan0")
    assert_drops(r, {})


def test_transport_template_not_for_forwarded():
    """A transport-mode state protects the gateway's own tunnel packets: a forwarded packet
    that an out policy with a transport template selects is dropped (xfrm_no_state), not
    sent in tunnel mode through the state, while gre1's own packets still leave in
    transport ESP."""
    c = gre_transport_cfg([{"dir": "out", "dst": "10.7.0.0/24",
                            "tmpl": [{"proto": "esp", "mode": "transport"}]}])
    c["routes"].append({"dst": "10.7.0.0/24", "via": PEER4, "dev": "wan0"})
    r = tgw.run(c, {"lan0": [lan_in(udp4(dst=CLEAR4, id=3)), lan_in(udp4(id=4))]})
    got = r.out.get("wan0", [])
    assert len(got) == 1 and got[0][IP].proto == 50 and got[0][ESP].spi == TO, \
        [f.summary() for f in got]
    assert_drops(r, {"xfrm_no_state": 1})


def gre_tunnel_mode_cfg(proto="esp", extra=()):
    """gre1 (WAN4 -> PEER4) whose GRE packets a policy-based out policy protects with a
    tunnel-mode state between the same endpoints ("GRE over IPsec tunnel mode": `ip xfrm
    policy add src WAN dst PEER proto gre dir out tmpl src WAN dst PEER proto esp mode
    tunnel`), and the in policy that requires it for GRE from the peer."""
    c = tgw.base_config(tunnels=[{"name": "gre1", "type": "gre", "local": WAN4,
                                  "remote": PEER4}],
                        routes=[{"dst": "10.2.0.0/24", "dev": "gre1"}])
    c["xfrm"] = {"states": [_sa(WAN4, PEER4, TO, proto), _sa(PEER4, WAN4, TI, proto)],
                 "policies": [
                     _pol("out", WAN4, PEER4, WAN4, PEER4, proto=proto, proto_sel="gre"),
                     _pol("in", PEER4, WAN4, PEER4, WAN4, proto=proto, proto_sel="gre")] +
                 list(extra)}
    for pol in c["xfrm"]["policies"][:2]:
        pol["proto"] = pol.pop("proto_sel")
    return c


def test_gre_over_tunnel_mode_esp_and_ah():
    """GRE over tunnel-mode IPsec: gre1's outer packets go through the state's carrier, so
    they leave as IP(WAN4 -> PEER4, ESP or AH)/IP(WAN4 -> PEER4, GRE)/inner; scapy's tunnel
    SA decrypts (verifies) them to the GRE packet; the peer's ESP/AH around GRE is
    decrypted, passes the in policy (for the gateway, proto gre), and the GRE is
    decapsulated and forwarded.  gre1's MTU leaves room for the state's overhead: ESP
    rfc4106(gcm(aes)) 1500 - 20 - 8 - 8 - 16, down to 4, - 2 - 24 = 1422; AH hmac(sha1)
    1500 - 20 - 24 - 24 = 1432."""
    from scapy.layers.l2 import GRE
    for proto, mtu in (("esp", 1422), ("ah", 1432)):
        P = ESP if proto == "esp" else AH

        def tsa(spi, src, dst):
            hdr = IP(src=src, dst=dst)
            if P is AH:
                return SecurityAssociation(AH, spi=spi, tunnel_header=hdr,
                                           auth_algo="HMAC-SHA1-96", auth_key=bytes(range(40, 60)))
            return SecurityAssociation(ESP, spi=spi, tunnel_header=hdr, **SCAPY_GCM)
        a = [udp4(id=i + 1, size=100 + i) for i in range(2)]
        b = udp4(src=REMOTE4, dst=LAN_HOST4, id=20)
        g = IP(src=PEER4, dst=WAN4, ttl=64) / GRE(proto=0x0800) / b
        r = tgw.run(gre_tunnel_mode_cfg(proto),
                    {"lan0": [lan_in(p) for p in a] + [lan_in(udp4(size=mtu + 1, id=9))],
                     "wan0": [wan_in(tsa(TI, PEER4, WAN4).encrypt(g, seq_num=1))]})
        got = r.out.get("wan0", [])
        assert len(got) == 2, [f.summary() for f in got]
        for f, inner in zip(got, a):
            assert (f[IP].src, f[IP].dst, f[P].spi) == (WAN4, PEER4, TO), f.summary()
            d = IP(bytes(tsa(TO, WAN4, PEER4).decrypt(IP(bytes(f[IP])))))
            assert (d.src, d.dst, d.proto) == (WAN4, PEER4, 47) and GRE in d, d.summary()
            assert_pkts([lan_out(IP(bytes(d[GRE].payload)))], [lan_out(fwd4(inner))], "GRE")
        lan = r.out.get("lan0", [])
        err = [f for f in lan if ICMP in f]
        assert len(err) == 1 and err[0][ICMP].nexthopmtu == mtu, [f.summary() for f in lan]
        assert_pkts([f for f in lan if ICMP not in f], [lan_out(fwd4(b))], "lan0")
        assert_drops(r, {"too_big": 1})
        tgw.assert_tunnel(r, "gre1", encap_packets=2, decap_packets=1)
        assert r.stats["sas"][f"0x{TO:08x}"]["packets"] == 2


def test_tunnel_outer_block_and_no_template():
    """A block policy on a tunnel's outer packets drops them (xfrm_policy_block), as
    xfrm_lookup; an allow policy without a template leaves them in the clear."""
    from scapy.layers.l2 import GRE
    c = gre_tunnel_mode_cfg()
    c["xfrm"]["policies"][0] = {"dir": "out", "src": WAN4, "dst": PEER4, "proto": "gre",
                                "action": "block"}
    r = tgw.run(c, {"lan0": [lan_in(udp4(id=1))]})
    assert_no_output(r, "wan0")
    assert_drops(r, {"xfrm_policy_block": 1})
    c["xfrm"]["policies"][0] = {"dir": "out", "src": WAN4, "dst": PEER4, "proto": "gre"}
    r = tgw.run(c, {"lan0": [lan_in(udp4(id=2))]})
    got = r.out.get("wan0", [])
    assert len(got) == 1 and GRE in got[0] and got[0][IP].proto == 47, \
        [f.summary() for f in got]
    assert_drops(r, {})


def ah_transport_cfg(v6=False):
    """transport_cfg with AH hmac(sha1) (gre1 is an ip6gre with v6)."""
    return transport_cfg(v6, "ah")


def ahpeer(spi):
    return SecurityAssociation(AH, spi=spi, auth_algo="HMAC-SHA1-96",
                               auth_key=bytes(range(40, 60)))


def test_gre_over_transport_ah():
    """GRE over transport-mode AH both ways, IPv4 and IPv6: tungw's packets carry AH (next
    header GRE) right after the IP header, their ICV verified by scapy's transport SA (with
    TTL, TOS and flags as sent: the mutable fields are restored after the ICV); scapy's AH
    around GRE from the peer is verified, taken off, the GRE decapsulated and the inner
    forwarded (the IPv4 header's TTL and TOS, zero for the ICV, are back); a tampered ICV is
    dropped (ah_auth_failed) and clear GRE refused by the in policy."""
    from scapy.layers.l2 import GRE
    for v6 in (False, True):
        L3, local, remote = (IPv6, WAN6, PEER6) if v6 else (IP, WAN4, PEER4)
        a = [udp4(id=i + 1, size=90 + 9 * i) for i in range(3)]
        b = [udp4(src=REMOTE4, dst=LAN_HOST4, id=20 + i) for i in range(3)]
        outer = (lambda: IPv6(src=remote, dst=local, hlim=61, tc=0x20)) if v6 else \
            (lambda: IP(src=remote, dst=local, ttl=61, tos=0x20, id=5, flags="DF"))
        sent = [ahpeer(TI).encrypt(outer() / GRE(proto=0x0800) / p, seq_num=i + 1)
                for i, p in enumerate(b)]
        bad = L3(bytes(sent[2]))
        bad[AH].icv = bytes(x ^ 1 for x in bytes(bad[AH].icv))
        clear = outer() / GRE(proto=0x0800) / udp4(src=REMOTE4, dst=LAN_HOST4, id=29)
        r = tgw.run(ah_transport_cfg(v6), {"lan0": [lan_in(p) for p in a],
                                           "wan0": [wan_in(x) for x in sent[:2] + [bad, clear]]})
        got = r.out.get("wan0", [])
        assert len(got) == 3, [f.summary() for f in got]
        dec = []
        for f in got:
            o = f[L3]
            # ip6gre's encapsulation limit option (destination options, 60) follows AH
            assert (o.src, o.dst, f[AH].spi, f[AH].nh) == (local, remote, TO, 60 if v6 else 47)
            assert (o.nh if v6 else o.proto) == 51
            if not v6:
                assert o.flags == "DF" and o.ttl == 63, (o.flags, o.ttl)
            d = L3(bytes(ahpeer(TO).decrypt(L3(bytes(o)))))     # verifies the ICV
            assert GRE in d and AH not in d, d.summary()
            dec.append(IP(bytes(d[GRE].payload)))
        assert_pkts([lan_out(d) for d in dec], [lan_out(fwd4(p)) for p in a], "GRE payloads")
        assert sorted(f[AH].seq for f in got) == [1, 2, 3]
        assert_pkts(r.out.get("lan0", []), [lan_out(fwd4(p)) for p in b[:2]], "lan0")
        assert_drops(r, {"ah_auth_failed": 1, "xfrm_policy_mismatch": 1})
        assert r.stats["sas"][f"0x{TO:08x}"]["packets"] == 3
        assert r.stats["sas"][f"0x{TI:08x}"]["packets"] == 2
        tgw.assert_tunnel(r, "gre1", encap_packets=3, decap_packets=2)


def test_gre_transport_ah_mtu():
    """gre1's MTU leaves room for the AH header: 1500 - 24 (AH with a 12-byte ICV, 8-aligned)
    - 24 (IP and GRE) = 1452; a 1453-byte DF packet gets fragmentation needed with 1452."""
    r = tgw.run(ah_transport_cfg(), {"lan0": [lan_in(udp4(size=1453, id=1)),
                                              lan_in(udp4(size=1452, id=2))]})
    err = [f for f in r.out.get("lan0", []) if ICMP in f]
    assert len(err) == 1 and err[0][ICMP].nexthopmtu == 1452, [f.summary() for f in err]
    got = r.out.get("wan0", [])
    assert len(got) == 1 and len(got[0][IP]) == 1500 and AH in got[0]
    assert_drops(r, {"too_big": 1})


# --------------------------------------------------------------------------- BEET

BO, BI, BO6, BI6 = 0x801, 0x802, 0x803, 0x804


def beet_cfg():
    """BEET (RFC 7402) states between WAN4 and PEER4 for the inner pair LAN_HOST4 <->
    REMOTE4 and, across families, LAN_HOST6 <-> REMOTE6 over the same IPv4 outer pair:
    `ip xfrm state add src WAN4 dst PEER4 proto esp spi 0x801 mode beet sel src LAN_HOST4
    dst REMOTE4 ...`, with out and fwd policies whose templates are mode beet (the out ones
    wider than the states' selectors)."""
    def st(src, dst, spi, ssrc, sdst):
        return dict(_sa(src, dst, spi), mode="beet", sel={"src": ssrc, "dst": sdst})

    def pol(d, src, dst, tsrc, tdst):
        return {"dir": d, "src": src, "dst": dst,
                "tmpl": [{"src": tsrc, "dst": tdst, "proto": "esp", "mode": "beet"}]}
    return cfg(states=[st(WAN4, PEER4, BO, LAN_HOST4, REMOTE4),
                       st(PEER4, WAN4, BI, REMOTE4, LAN_HOST4),
                       st(WAN4, PEER4, BO6, LAN_HOST6, REMOTE6),
                       st(PEER4, WAN4, BI6, REMOTE6, LAN_HOST6)],
               policies=[pol("out", "10.1.0.0/24", "10.2.0.0/24", WAN4, PEER4),
                         pol("fwd", "10.2.0.0/24", "10.1.0.0/24", PEER4, WAN4),
                         pol("out", "2001:db8:1::/64", "2001:db8:2::/64", WAN4, PEER4),
                         pol("fwd", "2001:db8:2::/64", "2001:db8:1::/64", PEER4, WAN4)])


def beet_in(spi, l4, ttl=50, tos=0x28, id=77, proto=17, seq=1):
    """What a BEET peer sends: its inner payload l4 (bytes) under the outer IPv4 header from
    PEER4, in transport-mode ESP (BEET's wire format)."""
    from scapy.packet import Raw
    return tpeer(spi).encrypt(IP(src=PEER4, dst=WAN4, ttl=ttl, tos=tos, id=id, flags="DF",
                                 proto=proto) / Raw(l4), seq_num=seq)


def test_beet_both_ways():
    """BEET both ways, IPv4 inner and IPv6 inner over IPv4: a forwarded packet between the
    state's inner addresses leaves as ESP from WAN4 to PEER4 whose decrypted payload (scapy's
    transport SA) is the inner UDP datagram, next header UDP, the outer TTL, DS, DF and ID
    the inner's (IPv6: DF, ID 0); the peer's ESP is decrypted and the inner header rebuilt with the state's inner
    addresses and the outer TTL / DS field / ID (IPv6: hop limit and traffic class), then
    forwarded.  A packet the out policy selects but no state's selector covers is
    xfrm_no_state; the SAs count."""
    a = udp4(id=31, tos=0x10, size=120)
    a6 = udp6(size=140, tc=0x10)
    other = udp4(src="10.1.0.3", id=32)
    b = udp4(src=REMOTE4, dst=LAN_HOST4, id=77, ttl=50, tos=0x28, size=110)
    b6 = udp6(src=REMOTE6, dst=LAN_HOST6, hlim=50, tc=0x28, size=130)
    frames = [wan_in(beet_in(BI, bytes(b[UDP]))), wan_in(beet_in(BI6, bytes(b6[UDP])))]
    r = tgw.run(beet_cfg(), {"lan0": [lan_in(p) for p in (a, a6, other)], "wan0": frames})
    got = r.out.get("wan0", [])
    assert len(got) == 2, [f.summary() for f in got]
    for f, inner, spi in ((got[0], a, BO), (got[1], a6, BO6)):
        o = f[IP]
        assert (o.src, o.dst, o.proto, f[ESP].spi) == (WAN4, PEER4, 50, spi), f.summary()
        # xfrm4_beet_make_header: the inner's ID and DF (an IPv6 inner: ID 0, DF)
        assert (o.ttl, o.tos, o.flags, o.id) == (63, 0x10, "DF", 31 if spi == BO else 0), \
            (o.ttl, o.tos, o.flags, o.id)
        d = IP(bytes(tpeer(spi).decrypt(IP(bytes(o)))))
        assert d.proto == 17 and bytes(d.payload) == bytes(inner[UDP]), d.summary()
    assert_pkts(r.out.get("lan0", []),
                [lan_out(fwd4(b)), lan_out(fwd6(b6))], "lan0: rebuilt inner headers")
    assert_drops(r, {"xfrm_no_state": 1})
    for spi in (BO, BI, BO6, BI6):
        assert r.stats["sas"][f"0x{spi:08x}"]["packets"] == 1, spi


def test_beet_ipv4_options():
    """IPv4 options in BEET travel in the pseudo header (next header 94: protocol,
    options length / 8, pad length, reserved, NOPs to 8 bytes, the options), as the
    kernel's xfrm4_beet_encap_add / xfrm4_remove_beet_encap: a 4-byte router alert (no
    padding) out, and in with a 8-byte option pair (4 NOPs of padding); a pseudo header
    whose lengths run past the payload is esp_bad_beet_header; next header 94 for an IPv6
    inner is esp_bad_next_header."""
    from scapy.layers.inet import IPOption_Router_Alert
    ra = bytes(IPOption_Router_Alert())
    a = IP(bytes(IP(src=LAN_HOST4, dst=REMOTE4, id=41, options=[IPOption_Router_Alert()]) /
                 UDP(sport=SPORT, dport=DPORT) / (b"x" * 40)))
    opts8 = ra + b"\x01\x01\x01\x00"            # router alert, NOPs, end of options
    b = IP(bytes(IP(src=REMOTE4, dst=LAN_HOST4, id=77, ttl=50, tos=0x28, flags="DF",
                    options=[IPOption_Router_Alert(), b"\x01\x01\x01\x00"]) /
                 UDP(sport=SPORT, dport=DPORT) / (b"y" * 30)))
    assert len(b[IP].options) >= 1 and b[IP].ihl == 7
    ph_in = bytes([17, 1, 4, 0]) + b"\x01" * 4 + opts8 + bytes(b[UDP])
    bad = bytes([17, 6, 0, 0]) + opts8 + bytes(b[UDP])[:8]   # 52 bytes of options claimed
    r = tgw.run(beet_cfg(), {"lan0": [lan_in(a)],
                             "wan0": [wan_in(beet_in(BI, ph_in, proto=94)),
                                      wan_in(beet_in(BI, bad, proto=94, seq=2)),
                                      wan_in(beet_in(BI6, ph_in, proto=94, seq=3))]})
    got = r.out.get("wan0", [])
    assert len(got) == 1, [f.summary() for f in got]
    d = IP(bytes(tpeer(BO).decrypt(IP(bytes(got[0][IP])))))
    assert d.proto == 94, d.summary()
    assert bytes(d.payload) == bytes([17, 0, 0, 0]) + ra + bytes(a[UDP]), bytes(d.payload).hex()
    assert_pkts(r.out.get("lan0", []), [lan_out(fwd4(b))], "lan0: options restored")
    assert_drops(r, {"esp_bad_beet_header": 1, "esp_bad_next_header": 1})


def test_beet_fragments_refused():
    """Fragments are not sent in BEET mode (xfrm4/6_extract_output refuse them): an IPv4
    first fragment (MF), a later one (offset) and an IPv6 fragment between the state's inner
    addresses are beet_fragment; the whole packet beside them goes."""
    from scapy.layers.inet6 import IPv6ExtHdrFragment
    f1 = IP(bytes(IP(src=LAN_HOST4, dst=REMOTE4, id=5, flags="MF") / UDP() / (b"a" * 40)))
    f2 = IP(bytes(IP(src=LAN_HOST4, dst=REMOTE4, id=5, frag=6) / (b"b" * 40)))
    f6 = IPv6(bytes(IPv6(src=LAN_HOST6, dst=REMOTE6) / IPv6ExtHdrFragment(id=7, m=1) /
                    UDP() / (b"c" * 40)))
    whole = udp4(id=6)
    r = tgw.run(beet_cfg(), {"lan0": [lan_in(p) for p in (f1, f2, f6, whole)]})
    got = r.out.get("wan0", [])
    assert len(got) == 1 and ESP in got[0], [f.summary() for f in got]
    assert_drops(r, {"beet_fragment": 3})


def test_beet_mtu():
    """BEET's inner MTU with rfc4106(gcm(aes)) over a 1500-byte IPv4 underlay: 1480 - 8 - 8
    - 16 - 8 (kept for the options pseudo header, IPV4_BEET_PHMAXLEN) down to 4, - 2, + 20
    (the inner header the outer replaces) = 1458: a 1459-byte DF packet gets fragmentation
    needed with 1458, a 1458-byte one leaves as a 1492-byte ESP packet."""
    r = tgw.run(beet_cfg(), {"lan0": [lan_in(udp4(size=1459, id=1)),
                                      lan_in(udp4(size=1458, id=2))]})
    err = [f for f in r.out.get("lan0", []) if ICMP in f]
    assert len(err) == 1 and err[0][ICMP].nexthopmtu == 1458, [f.summary() for f in err]
    got = r.out.get("wan0", [])
    assert len(got) == 1 and len(got[0][IP]) == 1492 and ESP in got[0], \
        [(f.summary(), len(f[IP])) for f in got]
    assert_drops(r, {"too_big": 1})


def test_ip6gre_transport_extension_headers():
    """The selector's protocol is the one after the IPv6 extension headers (RFC 4301
    4.4.1.1, the kernel's _decode_session6): GRE from the peer behind ip6gre's
    encapsulation limit option (destination options, as Linux's ip6gre sends by default),
    before the ESP header or inside it, in transport ESP passes the "proto gre" in policy and is forwarded; the same in the
    clear is refused by it (xfrm_policy_mismatch), not let through."""
    from scapy.layers.inet6 import IPv6ExtHdrDestOpt, HBHOptUnknown
    from scapy.layers.l2 import GRE
    c = transport_cfg(v6=True, name="gre6")
    tel = IPv6ExtHdrDestOpt(options=[HBHOptUnknown(otype=4, optdata=b"\x04"),
                                     HBHOptUnknown(otype=1, optdata=b"")])
    b = udp4(src=REMOTE4, dst=LAN_HOST4, id=4)
    from scapy.packet import Raw
    b2 = udp4(src=REMOTE4, dst=LAN_HOST4, id=6)
    import scapy.layers.ipsec as sipsec
    # the option before ESP (Linux's placement, ip6_find_1stfragopt, and scapy's) and
    # inside it (tungw's: ESP after the fixed header), the latter by splitting there
    before = tpeer(TI).encrypt(IPv6(src=PEER6, dst=WAN6, hlim=64) / tel / GRE(proto=0x0800) / b,
                               seq_num=1)
    split = sipsec.split_for_transport
    sipsec.split_for_transport = lambda pkt, proto: (IPv6(src=PEER6, dst=WAN6, hlim=64,
                                                          nh=proto), 60,
                                                     Raw(bytes(tel / GRE(proto=0x0800) / b2)))
    try:
        inside = tpeer(TI).encrypt(IPv6(src=PEER6, dst=WAN6), seq_num=2)
    finally:
        sipsec.split_for_transport = split
    assert IPv6(bytes(before)).nh == 60 and IPv6(bytes(inside)).nh == 50
    clear = IPv6(src=PEER6, dst=WAN6) / tel / GRE(proto=0x0800) / udp4(src=REMOTE4,
                                                                       dst=LAN_HOST4, id=5)
    r = tgw.run(c, {"wan0": [wan_in(before), wan_in(inside), wan_in(clear)]})
    assert_pkts(r.out.get("lan0", []), [lan_out(fwd4(b)), lan_out(fwd4(b2))], "lan0")
    assert_drops(r, {"xfrm_policy_mismatch": 1})


def test_transport_without_policy_accepted():
    """Transport ESP that no in policy selects is accepted, as the kernel's policy check
    accepts a transport-only secpath without a policy: an echo request to the gateway in the
    GRE tunnel's transport SA (the in policy selects GRE only) is answered, in the clear (the
    out policy selects GRE only).  Tunnel-mode ESP without a policy stays dropped."""
    echo = IP(src=PEER4, dst=WAN4, ttl=64) / ICMP(type=8, id=7, seq=1)
    r = tgw.run(gre_transport_cfg(), {"wan0": [wan_in(tpeer(TI).encrypt(echo, seq_num=1))]})
    rep = [f for f in r.out.get("wan0", []) if ICMP in f]
    assert len(rep) == 1 and rep[0][ICMP].type == 0 and rep[0][IP].dst == PEER4, \
        [f.summary() for f in r.out.get("wan0", [])]
    assert_drops(r, {})
    assert r.stats["sas"][f"0x{TI:08x}"]["packets"] == 1


def test_gateway_own_packets_in_transport_mode():
    """An out policy selecting all of the gateway's traffic to the peer in transport mode
    (`ip xfrm policy add src WAN dst PEER dir out tmpl proto esp mode transport`): the
    echo reply to the peer's transport-ESP echo request leaves in transport ESP (scapy
    decrypts it to the reply); with AH, the reply carries AH that scapy verifies."""
    for proto in ("esp", "ah"):
        c = transport_cfg(proto=proto, extra_policies=[
            {"dir": "out", "src": WAN4, "dst": PEER4,
             "tmpl": [{"proto": proto, "mode": "transport"}]}])
        sa_in, sa_out = (tpeer(TI), tpeer(TO)) if proto == "esp" else (ahpeer(TI), ahpeer(TO))
        echo = IP(src=PEER4, dst=WAN4, ttl=64) / ICMP(type=8, id=7, seq=1) / (b"e" * 20)
        r = tgw.run(c, {"wan0": [wan_in(sa_in.encrypt(echo, seq_num=1))]})
        got = r.out.get("wan0", [])
        assert len(got) == 1 and got[0][IP].proto == (50 if proto == "esp" else 51), \
            [f.summary() for f in got]
        d = IP(bytes(sa_out.decrypt(IP(bytes(got[0][IP])))))
        assert ICMP in d and d[ICMP].type == 0 and (d.src, d.dst) == (WAN4, PEER4), d.summary()
        assert bytes(d[ICMP].payload) == b"e" * 20
        assert_drops(r, {})


def test_gateway_own_packets_transport_template_without_addresses():
    """One out policy for the gateway's traffic to two peers whose transport template names
    no addresses (`ip xfrm policy add src WAN dst 192.0.2.0/24 dir out tmpl proto esp mode
    transport`), a transport state to each peer: each echo reply leaves in the state of its
    own peer (xfrm_state_find takes the flow's addresses), not the one the template met
    first; a reply to a third host with no state is dropped (xfrm_no_state)."""
    peer2, host3 = "192.0.2.78", "192.0.2.79"
    c = tgw.base_config()
    c["neighbors"] += [{"dst": h, "lladdr": "02:00:00:00:02:%s" % h[-2:], "dev": "wan0"}
                       for h in (peer2, host3)]
    c["xfrm"] = {"states": [dict(_sa(WAN4, PEER4, TO), mode="transport"),
                            dict(_sa(PEER4, WAN4, TI), mode="transport"),
                            dict(_sa(WAN4, peer2, 0x2222), mode="transport"),
                            dict(_sa(peer2, WAN4, 0x2223), mode="transport")],
                 "policies": [{"dir": "out", "src": WAN4, "dst": "192.0.2.0/24",
                               "tmpl": [{"proto": "esp", "mode": "transport"}]}]}
    echo = [IP(src=h, dst=WAN4, ttl=64) / ICMP(type=8, id=7 + k, seq=1) / (b"e" * 20)
            for k, h in enumerate((PEER4, peer2))]
    frames = [wan_in(tpeer(TI).encrypt(echo[0], seq_num=1)),
              wan_in(tpeer(0x2223).encrypt(echo[1], seq_num=1)),
              wan_in(IP(src=host3, dst=WAN4) / ICMP(type=8, id=9, seq=1))]
    r = tgw.run(c, {"wan0": frames})
    got = sorted(r.out.get("wan0", []), key=lambda f: f[IP].dst)
    assert [(f[IP].dst, f[IP].proto, f[ESP].spi) for f in got] == \
        [(PEER4, 50, TO), (peer2, 50, 0x2222)], [f.summary() for f in got]
    for f, (h, spi) in zip(got, ((PEER4, TO), (peer2, 0x2222))):
        d = IP(bytes(tpeer(spi).decrypt(IP(bytes(f[IP])))))
        assert ICMP in d and d[ICMP].type == 0 and (d.src, d.dst) == (WAN4, h), d.summary()
    assert_drops(r, {"xfrm_no_state": 1})
    assert r.stats["sas"]["0x00002222"]["packets"] == 1
    assert r.stats["sas"][f"0x{TO:08x}"]["packets"] == 1


def test_in_policy_on_clear_local_traffic():
    """An in policy requiring transport ESP for everything from the peer to the gateway: a
    clear echo request from the peer is dropped (xfrm_policy_mismatch), an in policy with
    "block" for another peer drops its packets (xfrm_policy_block), while NAT-T ESP in UDP
    from the peer is taken off before the policy (decrypted and forwarded) and a clear
    packet from a host no in policy selects is answered."""
    c = natt_cfg()
    c["xfrm"]["states"].append(dict(_sa(PEER4, WAN4, 0x777), mode="transport"))
    c["xfrm"]["policies"] += [
        {"dir": "in", "src": PEER4, "dst": WAN4, "tmpl": [{"proto": "esp", "mode": "transport"}]},
        {"dir": "in", "src": "192.0.2.66", "action": "block"}]
    c["neighbors"].append({"dst": "192.0.2.77", "lladdr": "02:00:00:00:02:77", "dev": "wan0"})
    echo = IP(src=PEER4, dst=WAN4) / ICMP(type=8, id=1, seq=1)
    other = IP(src="192.0.2.77", dst=WAN4) / ICMP(type=8, id=2, seq=1)
    inner = udp4(src=REMOTE4, dst=LAN_HOST4, id=60)
    frames = [wan_in(echo), wan_in(IP(src="192.0.2.66", dst=WAN4) / ICMP(type=8)),
              wan_in(in_udp(peer(IN).encrypt(inner, seq_num=1))), wan_in(other)]
    r = tgw.run(c, {"wan0": frames})
    assert_pkts(r.out.get("lan0", []), [lan_out(fwd4(inner))], "lan0")
    replies = [f for f in r.out.get("wan0", []) if ICMP in f]
    assert len(replies) == 1 and replies[0][IP].dst == "192.0.2.77", \
        [f.summary() for f in r.out.get("wan0", [])]
    assert_drops(r, {"xfrm_policy_mismatch": 1, "xfrm_policy_block": 1})


if __name__ == "__main__":
    tgw.main(globals())
