"""Bad input catalogue (SPEC section 3, "Bad input"): every malformed or unwanted frame is
dropped and counted under its reason in stats "drops", the good packets around it are still
forwarded exactly, tungw exits 0 with every mbuf back.

Each case runs alone between good packets (test_<case>); test_all_mixed sends the whole
catalogue interleaved with good traffic in one run.  Where the reason is not pinned down by the
spec (a truncated inner packet may be refused by the tunnel or by the inner IPv4 input), a set
of acceptable reasons is given and exactly one of them must count the packet."""

import struct

import tgw
from tgw import (ARP, ICMP, ICMPv6ND_NS, ICMPv6NDOptSrcLLAddr, IP, IPv6, Raw, TCP, UDP, Ether,
                 LAN4, LAN6, LAN_HOST4, LAN_HOST6, LAN_HOST_MAC, LAN_MAC, OTHER_MAC, PEER4,
                 PEER_MAC, REMOTE4, WAN4, WAN6, WAN_MAC, anyof, assert_drops, assert_pkts,
                 assert_tunnel, fwd4, lan_in, lan_out, outer4, udp4, udp6, wan_in, wan_out)
from scapy.utils import checksum


def cfg():
    t = {"name": "ipip0", "type": "ipip", "local": WAN4, "remote": PEER4,
         "addresses": ["10.0.0.1/30"]}
    return tgw.base_config(tunnels=[t], routes=[{"dst": "10.2.0.0/24", "dev": "ipip0"}])


def ip4_raw(payload=b"", ver=4, ihl=5, tos=0, tlen=None, ident=0x4321, frag=0x4000, ttl=64,
            proto=17, src=LAN_HOST4, dst=REMOTE4, csum=None, options=b""):
    """An IPv4 header built by hand so that any field can be wrong; the checksum is correct
    (over the ihl*4 header bytes) unless csum is given."""
    if tlen is None:
        tlen = 20 + len(options) + len(payload)
    hdr = struct.pack("!BBHHHBBH4s4s", (ver << 4) | ihl, tos, tlen, ident, frag, ttl, proto, 0,
                      _a4(src), _a4(dst)) + options
    if csum is None:
        csum = checksum(hdr[:max(20, ihl * 4)])
    hdr = hdr[:10] + struct.pack("!H", csum) + hdr[12:]
    return hdr + payload


def _a4(a):
    return bytes(int(x) for x in a.split("."))


def udp_bytes(n=20):
    return bytes(UDP(sport=40000, dport=9999, chksum=0) / (b"u" * n))


def eth_wan(b, dst=WAN_MAC, etype=0x0800):
    return bytes(Ether(src=PEER_MAC, dst=dst, type=etype)) + bytes(b)


def eth_lan(b, dst=LAN_MAC, etype=0x0800):
    return bytes(Ether(src=LAN_HOST_MAC, dst=dst, type=etype)) + bytes(b)


def ipip_from_peer(inner_bytes, src=PEER4):
    return eth_wan(ip4_raw(inner_bytes, proto=4, src=src, dst=WAN4, ident=0))


def ip6_raw(payload, nh=17, plen=None, ver=6, src=LAN_HOST6, dst="2001:db8:2::5", hlim=64):
    if plen is None:
        plen = len(payload)
    return (struct.pack("!IHBB", (ver << 28), plen, nh, hlim) +
            bytes(IPv6(src=src, dst=dst))[8:40] + payload)


def ns_frame(target, hlim=255, cksum=None):
    ns = ICMPv6ND_NS(tgt=target)
    if cksum is not None:
        ns.cksum = cksum
    return bytes(Ether(src=LAN_HOST_MAC, dst="33:33:ff:00:00:01") /
                 IPv6(src=LAN_HOST6, dst="ff02::1:ff00:1", hlim=hlim) / ns /
                 ICMPv6NDOptSrcLLAddr(lladdr=LAN_HOST_MAC))


# (case name, port, frame bytes, expected drop reason or anyof(...))
CASES = [
    ("eth_empty", "wan0", b"", "eth_truncated"),
    ("eth_truncated_10", "wan0", eth_wan(b"")[:10], "eth_truncated"),
    ("eth_truncated_13", "wan0", eth_wan(b"")[:13], "eth_truncated"),
    ("not_for_us", "wan0", eth_wan(ip4_raw(udp_bytes(), src=PEER4, dst=WAN4), dst=OTHER_MAC),
     "not_for_us"),
    ("bad_ethertype", "wan0", eth_wan(b"\x00" * 46, etype=0x88b5), "bad_ethertype"),
    ("vlan_tag_unsupported", "wan0",
     eth_wan(b"\x00\x05\x08\x00" + ip4_raw(udp_bytes(), src=PEER4, dst=WAN4), etype=0x8100),
     "bad_ethertype"),
    ("ip4_truncated", "wan0", eth_wan(ip4_raw(udp_bytes(), src=PEER4, dst=WAN4)[:12]),
     "ip4_truncated"),
    ("ip4_bad_version", "wan0", eth_wan(ip4_raw(udp_bytes(), ver=5, src=PEER4, dst=WAN4)),
     "ip4_bad_version"),
    ("ip4_bad_ihl", "wan0", eth_wan(ip4_raw(udp_bytes(), ihl=4, src=PEER4, dst=WAN4)),
     "ip4_bad_ihl"),
    ("ip4_total_length_past_frame", "wan0",
     eth_wan(ip4_raw(udp_bytes(), tlen=200, src=PEER4, dst=WAN4)), "ip4_bad_length"),
    ("ip4_total_length_below_header", "wan0",
     eth_wan(ip4_raw(udp_bytes(), tlen=19, src=PEER4, dst=WAN4)), "ip4_bad_length"),
    ("ip4_ihl_past_total_length", "wan0",
     eth_wan(ip4_raw(udp_bytes(), ihl=6, tlen=20, src=PEER4, dst=WAN4, options=b"\x01" * 4)),
     anyof("ip4_bad_ihl", "ip4_bad_length")),
    ("ip4_bad_checksum", "wan0", eth_wan(ip4_raw(udp_bytes(), csum=0xbeef, src=PEER4, dst=WAN4)),
     "ip4_bad_checksum"),
    ("ip4_src_loopback", "lan0", eth_lan(ip4_raw(udp_bytes(), src="127.0.0.1")), "ip4_bad_addr"),
    ("ip4_src_multicast", "lan0", eth_lan(ip4_raw(udp_bytes(), src="224.1.2.3")),
     "ip4_bad_addr"),
    ("ip4_src_limited_broadcast", "lan0", eth_lan(ip4_raw(udp_bytes(), src="255.255.255.255")),
     "ip4_bad_addr"),
    ("ip4_dst_zero", "lan0", eth_lan(ip4_raw(udp_bytes(), dst="0.0.0.0")), "ip4_bad_addr"),
    ("ip6_truncated", "lan0", eth_lan(ip6_raw(udp_bytes())[:30], etype=0x86dd), "ip6_truncated"),
    ("ip6_bad_version", "lan0", eth_lan(ip6_raw(udp_bytes(), ver=4), etype=0x86dd),
     "ip6_bad_version"),
    ("ip6_payload_length_past_frame", "lan0", eth_lan(ip6_raw(udp_bytes(), plen=200),
                                                      etype=0x86dd), "ip6_bad_length"),
    ("ip6_src_multicast", "lan0", eth_lan(ip6_raw(udp_bytes(), src="ff02::1"), etype=0x86dd),
     "ip6_bad_addr"),
    ("ip6_dst_loopback", "lan0", eth_lan(ip6_raw(udp_bytes(), dst="::1"), etype=0x86dd),
     "ip6_bad_addr"),
    ("ip6_exthdr_past_payload", "lan0",
     eth_lan(ip6_raw(bytes([17, 5, 1, 4, 0, 0, 0, 0]), nh=60, dst=LAN6), etype=0x86dd),
     "ip6_bad_exthdr"),
    ("no_tunnel", "wan0", ipip_from_peer(ip4_raw(udp_bytes(), src=REMOTE4, dst=LAN_HOST4),
                                         src="192.0.2.99"), "no_tunnel"),
    ("tnl_inner_version_6", "wan0",
     ipip_from_peer(ip6_raw(udp_bytes(), src="2001:db8:2::5", dst=LAN_HOST6)), "tnl_bad_inner"),
    ("tnl_inner_truncated", "wan0",
     ipip_from_peer(ip4_raw(udp_bytes(), src=REMOTE4, dst=LAN_HOST4)[:10]),
     anyof("tnl_bad_inner", "ip4_truncated")),
    ("tnl_inner_empty", "wan0", ipip_from_peer(b""), anyof("tnl_bad_inner", "ip4_truncated")),
    ("tnl_inner_length_past_outer", "wan0",
     ipip_from_peer(ip4_raw(udp_bytes(), tlen=300, src=REMOTE4, dst=LAN_HOST4)),
     anyof("tnl_bad_inner", "ip4_bad_length")),
    ("tnl_inner_bad_checksum", "wan0",
     ipip_from_peer(ip4_raw(udp_bytes(), csum=0x1234, src=REMOTE4, dst=LAN_HOST4)),
     anyof("tnl_bad_inner", "ip4_bad_checksum")),
    ("local_udp", "lan0", eth_lan(ip4_raw(udp_bytes(), dst=LAN4)), "local_proto"),
    ("local_tcp", "wan0", eth_wan(ip4_raw(bytes(TCP(sport=1234, dport=22, flags="S")), proto=6,
                                          src=PEER4, dst=WAN4)), "local_proto"),
    ("icmp_bad_checksum", "lan0",
     eth_lan(ip4_raw(bytes(ICMP(type=8, id=1, seq=1, chksum=0x1111) / b"ping"), proto=1,
                     dst=LAN4)), "icmp_bad"),
    ("icmp_truncated", "lan0", eth_lan(ip4_raw(b"\x08\x00\xf7", proto=1, dst=LAN4)),
     "icmp_bad"),
    ("icmp_echo_reply_unsolicited", "lan0",
     eth_lan(ip4_raw(bytes(ICMP(type=0, id=1, seq=1) / b"pong"), proto=1, dst=LAN4)),
     "icmp_ignored"),
    ("arp_bad_plen", "lan0",
     eth_lan(bytes(ARP(op=1, hwsrc=LAN_HOST_MAC, psrc=LAN_HOST4, pdst=LAN4))[:5] + b"\x10" +
             bytes(ARP(op=1, hwsrc=LAN_HOST_MAC, psrc=LAN_HOST4, pdst=LAN4))[6:],
             dst="ff:ff:ff:ff:ff:ff", etype=0x0806), "arp_bad"),
    ("arp_truncated", "lan0",
     eth_lan(bytes(ARP(op=1, hwsrc=LAN_HOST_MAC, psrc=LAN_HOST4, pdst=LAN4))[:20],
             dst="ff:ff:ff:ff:ff:ff", etype=0x0806), "arp_bad"),
    ("arp_not_ours", "lan0",
     eth_lan(bytes(ARP(op=1, hwsrc=LAN_HOST_MAC, psrc=LAN_HOST4, pdst="10.1.0.77")),
             dst="ff:ff:ff:ff:ff:ff", etype=0x0806), "arp_ignored"),
    ("nd_bad_hop_limit", "lan0", ns_frame(LAN6, hlim=64), "nd_bad"),
    ("nd_bad_checksum", "lan0", ns_frame(LAN6, cksum=0x1234), anyof("nd_bad", "icmp_bad")),
    ("nd_not_ours", "lan0", ns_frame("2001:db8:1::77"), "nd_ignored"),
]

GOOD_OUT = [udp4(size=100, id=0x0a01), udp4(size=300, id=0x0a02)]
GOOD_IN = [udp4(src=REMOTE4, dst=LAN_HOST4, size=120, id=0x0b01),
           udp4(src=REMOTE4, dst=LAN_HOST4, size=64, id=0x0b02)]


def _run(bad, inner_bad=0):
    """bad: list of (port, frame).  Good packets go first and last on both ports.  inner_bad
    of them are tunnel packets whose inner packet is bad: the tunnel may count them as
    decapsulated (Linux does when the inner IP input is what refuses them)."""
    lan = [bytes(lan_in(GOOD_OUT[0]))]
    wan = [bytes(wan_in(outer4(GOOD_IN[0], src=PEER4, dst=WAN4)))]
    for port, frame in bad:
        (lan if port == "lan0" else wan).append(frame)
    lan.append(bytes(lan_in(GOOD_OUT[1])))
    wan.append(bytes(wan_in(outer4(GOOD_IN[1], src=PEER4, dst=WAN4))))
    r = tgw.run(cfg(), {"lan0": lan, "wan0": wan})
    got = r.out["wan0"]
    ids = [g[IP].id if IP in g else 0 for g in got]
    exp_w = [wan_out(outer4(fwd4(p), id=ids[i] if i < len(ids) else 0))
             for i, p in enumerate(GOOD_OUT)]
    assert_pkts(got, exp_w, "wan0 (good packets)", ordered=True)
    assert_pkts(r.out["lan0"], [lan_out(fwd4(p)) for p in GOOD_IN], "lan0 (good packets)",
                ordered=True)
    assert_tunnel(r, "ipip0", encap_packets=2, encap_bytes=sum(len(p) for p in GOOD_OUT))
    t = r.tunnel("ipip0")
    good_bytes = sum(len(p) for p in GOOD_IN)
    if not (2 <= t.get("decap_packets", -1) <= 2 + inner_bad and
            (t["decap_packets"] == 2) == (t.get("decap_bytes") == good_bytes)):
        raise AssertionError(f"stats.tunnels.ipip0: decap_packets {t.get('decap_packets')}, "
                             f"decap_bytes {t.get('decap_bytes')}; expected 2 packets of "
                             f"{good_bytes} bytes (plus at most {inner_bad} bad inner ones)")
    return r


def _make(name, port, frame, reason):
    def test():
        r = _run([(port, frame)], inner_bad=int(name.startswith("tnl_inner")))
        assert_drops(r, {reason: 1})
    return test


for _name, _port, _frame, _reason in CASES:
    _fn = _make(_name, _port, _frame, _reason)
    _fn.__name__ = _fn.__qualname__ = f"test_{_name}"
    _fn.__doc__ = f"{_name} on {_port} is dropped as {_reason}"
    globals()[_fn.__name__] = _fn


def test_all_mixed():
    """The whole catalogue in one run, interleaved with good traffic; each reason counted."""
    r = _run([(p, f) for _, p, f, _ in CASES],
             inner_bad=sum(n.startswith("tnl_inner") for n, _, _, _ in CASES))
    want = {}
    for _, _, _, reason in CASES:
        want[reason] = want.get(reason, 0) + 1
    # a set of acceptable reasons may resolve to a reason that is also counted directly
    fixed = {k: v for k, v in want.items() if isinstance(k, str)}
    loose = [(k, v) for k, v in want.items() if not isinstance(k, str)]
    got = dict(r.drops)
    total_want = sum(want.values())
    total_got = sum(got.values())
    if total_got != total_want:
        raise AssertionError(f"drops total {total_got}, expected {total_want}: {got}")
    for reason, n in fixed.items():
        extra = sum(v for k, v in loose if reason in k)
        if not n <= got.get(reason, 0) <= n + extra:
            raise AssertionError(f"drops[{reason!r}] = {got.get(reason)}, expected {n}"
                                 f"{f' to {n + extra}' if extra else ''}; all drops {got}")
    allowed = set(fixed) | {x for k, _ in loose for x in k}
    stray = set(got) - allowed
    if stray:
        raise AssertionError(f"unexpected drop reasons {sorted(stray)}: {got}")


if __name__ == "__main__":
    tgw.main(globals())
