"""Round trips: gateway A encapsulates into its wan0 pcap, that pcap is gateway B's wan0 input,
B decapsulates.  The IP packets B sends on its lan equal the originals bit for bit except the
two forwarding TTL / hop-limit decrements (and the IPv4 header checksum that follows); frames
carry B's MAC rewrite.  Large packets without DF are fragmented by A and reassembled by B."""

import tgw
from tgw import (ICMP, IP, IPv6, TCP, UDP, Ether, ICMPv6EchoRequest, LAN_HOST4, LAN_HOST6,
                 PEER4, PEER6, PEER_MAC, REMOTE4, REMOTE6, WAN4, WAN6, WAN_MAC,
                 assert_drops, assert_no_output, assert_pkts, assert_tunnel, fwd4, fwd6, lan_in,
                 udp4, udp6)

B_LAN_MAC, B_HOST_MAC = "02:00:00:00:03:01", "02:00:00:00:03:05"


def gateways(ttype, outer6=False, **extra):
    """Configs of A (the usual lan0/wan0) and B (the peer: 192.0.2.2 / 2001:db8:ffff::2)."""
    a_local, b_local = (WAN6, PEER6) if outer6 else (WAN4, PEER4)
    routes_a = [{"dst": "10.2.0.0/24", "dev": "t0"}, {"dst": "2001:db8:2::/64", "dev": "t0"}]
    ta = {"name": "t0", "type": ttype, "local": a_local, "remote": b_local}
    ta.update(extra)
    a = tgw.base_config(tunnels=[ta], routes=routes_a)
    tb = dict(ta, local=b_local, remote=a_local)
    b = {"ports": [{"name": "lan0", "mac": B_LAN_MAC,
                    "addresses": ["10.2.0.1/24", "2001:db8:2::1/64"]},
                   {"name": "wan0", "mac": PEER_MAC, "addresses": [PEER4 + "/24", PEER6 + "/64"]}],
         "tunnels": [tb],
         "routes": [{"dst": "10.1.0.0/24", "dev": "t0"}, {"dst": "2001:db8:1::/64", "dev": "t0"}],
         "neighbors": [{"dst": REMOTE4, "lladdr": B_HOST_MAC, "dev": "lan0"},
                       {"dst": REMOTE6, "lladdr": B_HOST_MAC, "dev": "lan0"},
                       {"dst": WAN4, "lladdr": WAN_MAC, "dev": "wan0"},
                       {"dst": WAN6, "lladdr": WAN_MAC, "dev": "wan0"}]}
    return a, b


def v4_traffic():
    p = []
    for i, size in enumerate([28, 29, 46, 64, 100, 576, 1000, 1279, 1479, 1480]):
        p.append(udp4(size=size, id=100 + i, tos=(i * 0x21) & 0xff,
                      fill=bytes((i + k * 13) & 0xff for k in range(size - 28))))
    p.append(IP(bytes(IP(src=LAN_HOST4, dst=REMOTE4, id=200, ttl=128) /
                      TCP(sport=40100, dport=8443, flags="S", seq=0xdeadbeef, window=512,
                          options=[("MSS", 1400), ("NOP", None), ("WScale", 7)]) /
                      (b"tcp payload " * 20))))
    p.append(IP(bytes(IP(src=LAN_HOST4, dst=REMOTE4, id=201) / ICMP(type=8, id=5, seq=6) /
                      (b"\x00\xff" * 100))))
    p.append(IP(bytes(IP(src=LAN_HOST4, dst=REMOTE4, id=202, options=[b"\x94\x04\x00\x00"]) /
                      UDP(sport=40000, dport=9999) / b"router alert option")))
    # no DF: too big for the tunnel MTU, so A fragments the outer packet and B reassembles it
    p.append(udp4(size=1500, id=203, flags=0))
    p.append(udp4(size=1481, id=204, flags=0, tos=0x03))
    return p


def v6_traffic():
    p = []
    for i, size in enumerate([48, 49, 64, 100, 1000, 1280, 1400]):
        p.append(udp6(size=size, tc=(i * 0x31) & 0xff, fl=i * 0x1111 + 1, sport=41000 + i,
                      fill=bytes((i * 3 + k) & 0xff for k in range(size - 48))))
    p.append(IPv6(bytes(IPv6(src=LAN_HOST6, dst=REMOTE6, hlim=255) /
                        TCP(sport=40200, dport=22, flags="S", seq=1, window=65535))))
    p.append(IPv6(bytes(IPv6(src=LAN_HOST6, dst=REMOTE6) /
                        ICMPv6EchoRequest(id=77, seq=78, data=b"v6 ping" * 9))))
    return p


def roundtrip(ttype, traffic, outer6=False, **extra):
    a_cfg, b_cfg = gateways(ttype, outer6, **extra)
    a = tgw.run(a_cfg, {"lan0": [lan_in(p) for p in traffic]})
    assert_no_output(a, "lan0")
    assert_drops(a, {})
    assert_tunnel(a, "t0", encap_packets=len(traffic), encap_bytes=sum(len(p) for p in traffic))
    wire = a.raw["wan0"]
    for f in wire:
        e = Ether(f)
        if e.dst != PEER_MAC or e.src != WAN_MAC:
            raise AssertionError(f"A sent a frame not addressed to B: {e.summary()}")
    b = tgw.run(b_cfg, {"wan0": wire})
    exp = [Ether(src=B_LAN_MAC, dst=B_HOST_MAC) /
           (fwd4(p, 2) if isinstance(p, IP) else fwd6(p, 2)) for p in traffic]
    assert_pkts(b.out["lan0"], exp, "B lan0")
    assert_no_output(b, "wan0")
    assert_drops(b, {})
    assert_tunnel(b, "t0", decap_packets=len(traffic), decap_bytes=sum(len(p) for p in traffic))


def test_ipip_roundtrip():
    roundtrip("ipip", v4_traffic())


def test_ipip_roundtrip_tos_inherit():
    roundtrip("ipip", v4_traffic(), tos="inherit", ttl=255)


def test_sit_roundtrip():
    roundtrip("sit", v6_traffic())


def small4():
    return [p for p in v4_traffic() if len(p) <= 1400]


def test_sit_any_roundtrip():
    roundtrip("sit", v6_traffic() + small4(), mode="any")


def test_ip6tnl_roundtrip():
    roundtrip("ip6tnl", v6_traffic(), outer6=True)


def test_ip6tnl_any_roundtrip():
    roundtrip("ip6tnl", v6_traffic() + small4(), outer6=True, mode="any",
              encaplimit="none")


if __name__ == "__main__":
    tgw.main(globals())
