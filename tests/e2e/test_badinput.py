"""Bad input catalogue (SPEC section 3, "Bad input"): every malformed or unwanted frame is
dropped and counted under its reason in stats "drops", the good packets around it are still
forwarded exactly, tungw exits 0 with every mbuf back.

The cases are sent in a few runs (test_catalogue_N), each mixing good packets with bad frames
whose drop reasons differ, so that every case is reported on its own
(test_catalogue_N[case]).  Where the reason is not pinned down by docs/drops.md (a truncated
inner packet may be refused by the tunnel or by the inner IPv4 input), a set of acceptable
reasons is given and exactly one of them must count the packet."""

import struct

import tgw
from tgw import (ARP, ICMP, ICMPv6ND_NS, ICMPv6NDOptSrcLLAddr, IP, IPv6, TCP, UDP, Ether,
                 LAN4, LAN6, LAN_HOST4, LAN_HOST6, LAN_HOST_MAC, LAN_MAC, OTHER_MAC, PEER4,
                 PEER_MAC, REMOTE4, WAN4, WAN_MAC, anyof, assert_drops, assert_pkts,
                 assert_tunnel, fwd4, lan_in, lan_out, outer4, udp4, wan_in, wan_out)
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
    # docs/drops.md: an extension header running past the packet is ip6_truncated
    ("ip6_exthdr_past_payload", "lan0",
     eth_lan(ip6_raw(bytes([17, 5, 1, 4, 0, 0, 0, 0]), nh=60, dst=LAN6), etype=0x86dd),
     "ip6_truncated"),
    # RFC 8200 4.3: hop-by-hop options only right after the IPv6 header
    ("ip6_hop_by_hop_not_first", "lan0",
     eth_lan(ip6_raw(bytes([0, 0, 1, 4, 0, 0, 0, 0, 59, 0, 1, 4, 0, 0, 0, 0]), nh=60, dst=LAN6),
             etype=0x86dd), "ip6_bad_exthdr"),
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


def _reasons(reason):
    return set(reason) if isinstance(reason, frozenset) else {reason}


def _batches():
    """Split CASES into runs in which no two cases share a possible drop reason, so that each
    case's drop is told apart in its run's counters."""
    batches = []
    for case in CASES:
        for b in batches:
            if not any(_reasons(case[3]) & _reasons(c[3]) for c in b):
                b.append(case)
                break
        else:
            batches.append([case])
    return batches


def _run_batch(cases):
    """Run cases between good packets; one sub-result per case (its reason counted once) and
    one for the whole run (no drop beyond the cases')."""
    r = _run([(port, frame) for _, port, frame, _ in cases],
             inner_bad=sum(name.startswith("tnl_inner") for name, _, _, _ in cases))
    got = dict(r.drops)
    results = []
    for name, port, _, reason in cases:
        hit = {k: got[k] for k in _reasons(reason) if k in got}
        if list(hit.values()) == [1]:
            results.append((name, None))
        else:
            want = " or ".join(sorted(_reasons(reason)))
            results.append((name, f"{name} on {port}: expected one drop counted as {want}, "
                                  f"got {hit or 'none'}; the run's drops: {got}"))
    # drops no case asked for; when a case failed they are most likely its packet, already
    # reported there
    allowed = set().union(*(_reasons(c[3]) for c in cases))
    stray = {k: v for k, v in got.items() if k not in allowed}
    bad = stray and all(err is None for _, err in results)
    results.append(("no_other_drops", f"drops not expected from any case of this run: {stray}; "
                                      f"cases: {[c[0] for c in cases]}" if bad else None))
    return results


def _make_batch(cases):
    def test():
        return _run_batch(cases)
    return test


for _i, _cases in enumerate(_batches()):
    _fn = _make_batch(_cases)
    _fn.__name__ = _fn.__qualname__ = f"test_catalogue_{_i + 1}"
    _fn.__doc__ = "bad input cases " + ", ".join(c[0] for c in _cases)
    globals()[_fn.__name__] = _fn


def test_one_bad_frame():
    """A single bad frame between good ones, alone in its run: only its reason is counted."""
    r = _run([("wan0", eth_wan(ip4_raw(udp_bytes(), csum=0xbeef, src=PEER4, dst=WAN4)))])
    assert_drops(r, {"ip4_bad_checksum": 1})


if __name__ == "__main__":
    tgw.main(globals())
