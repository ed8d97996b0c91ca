#!/usr/bin/python3
"""Write the input pcaps of the `make run` demo (config/demo.json).

  /usr/bin/python3 config/demo/make_pcaps.py

lan_in.pcap holds what the LAN host 10.1.0.2 / 2001:db8:1::2 (02:00:00:00:01:02) sends to
the gateway's lan0 (02:00:00:00:01:01): an ARP request and pings for the gateway, then
traffic routed into each tunnel.  wan_in.pcap holds what arrives on wan0
(02:00:00:00:02:01) from the upstream router (02:00:00:00:02:fe): packets the three tunnel
remotes encapsulated for the LAN host, and a ping to the gateway's WAN address.

Timestamps are fixed so that running the script again writes the same bytes.
"""

import os

from scapy.all import (ARP, ICMP, IP, UDP, Ether, ICMPv6EchoRequest, IPv6,
                       IPv6ExtHdrDestOpt, PadN, HBHOptUnknown, Raw, wrpcap)

HERE = os.path.dirname(os.path.abspath(__file__))

LAN_MAC, HOST_MAC = "02:00:00:00:01:01", "02:00:00:00:01:02"
WAN_MAC, ROUTER_MAC = "02:00:00:00:02:01", "02:00:00:00:02:fe"
LAN4, HOST4 = "10.1.0.1", "10.1.0.2"
LAN6, HOST6 = "2001:db8:1::1", "2001:db8:1::2"
WAN4, WAN6 = "192.0.2.1", "2001:db8:ffff::1"
IPIP_PEER, SIT_PEER, IP6TNL_PEER = "198.51.100.2", "203.0.113.2", "2001:db8:4::2"

# Inner hosts behind each tunnel (see the routes of config/demo.json).
IPIP_HOST4 = "10.2.0.5"
SIT_HOST4, SIT_HOST6 = "10.3.0.5", "2001:db8:3::5"
IP6TNL_HOST4, IP6TNL_HOST6 = "10.4.0.5", "2001:db8:44::5"


def udp(n, sport=40000):
    """A small UDP datagram, distinct per flow (source port) and per packet (payload)."""
    return UDP(sport=sport, dport=9999) / Raw(b"tungw demo %02d " % n + b"." * 16)


def encap_limit(nh):
    """RFC 2473 §5.1 Tunnel Encapsulation Limit option (4) padded to 8 bytes, as ip6tnl sends."""
    return IPv6ExtHdrDestOpt(nh=nh, options=[HBHOptUnknown(otype=4, optlen=1, optdata=b"\x04"),
                                            PadN(optlen=1, optdata=b"\x00")])


def lan_frames():
    h = Ether(src=HOST_MAC, dst=LAN_MAC)
    f = [
        Ether(src=HOST_MAC, dst="ff:ff:ff:ff:ff:ff") /
        ARP(op=1, hwsrc=HOST_MAC, psrc=HOST4, pdst=LAN4),
        h / IP(src=HOST4, dst=LAN4) / ICMP(id=0x1234, seq=1) / Raw(b"ping the gateway"),
        h / IPv6(src=HOST6, dst=LAN6) / ICMPv6EchoRequest(id=0x1234, seq=1, data=b"ping6"),
    ]
    n = 0
    for dst in [IPIP_HOST4] * 3 + [SIT_HOST4] * 2 + [IP6TNL_HOST4] * 2:
        n += 1
        f.append(h / IP(src=HOST4, dst=dst, ttl=64) / udp(n, 40000 + n))
    for dst in [SIT_HOST6] * 3 + [IP6TNL_HOST6] * 3:
        n += 1
        f.append(h / IPv6(src=HOST6, dst=dst, hlim=64) / udp(n, 40000 + n))
    f.append(h / IP(src=HOST4, dst=IPIP_HOST4) / ICMP(id=0x4321, seq=1) / Raw(b"ping via ipip"))
    return f


def wan_frames():
    r = Ether(src=ROUTER_MAC, dst=WAN_MAC)
    f = []
    n = 0
    for _ in range(3):      # ipip0: IPv4 in IPv4 (RFC 2003)
        n += 1
        f.append(r / IP(src=IPIP_PEER, dst=WAN4, proto=4) /
                 IP(src=IPIP_HOST4, dst=HOST4, ttl=63) / udp(n, 50000 + n))
    for _ in range(2):      # sit1: IPv6 in IPv4 (RFC 4213), protocol 41
        n += 1
        f.append(r / IP(src=SIT_PEER, dst=WAN4, proto=41) /
                 IPv6(src=SIT_HOST6, dst=HOST6, hlim=63) / udp(n, 50000 + n))
    for _ in range(2):      # sit1 mode any: IPv4 in IPv4 as well
        n += 1
        f.append(r / IP(src=SIT_PEER, dst=WAN4, proto=4) /
                 IP(src=SIT_HOST4, dst=HOST4, ttl=63) / udp(n, 50000 + n))
    for _ in range(2):      # ipip6: IPv6 in IPv6 with the encapsulation limit option
        n += 1
        f.append(r / IPv6(src=IP6TNL_PEER, dst=WAN6, nh=60) / encap_limit(41) /
                 IPv6(src=IP6TNL_HOST6, dst=HOST6, hlim=63) / udp(n, 50000 + n))
    for _ in range(2):      # ipip6 mode any: IPv4 in IPv6, no option
        n += 1
        f.append(r / IPv6(src=IP6TNL_PEER, dst=WAN6, nh=4) /
                 IP(src=IP6TNL_HOST4, dst=HOST4, ttl=63) / udp(n, 50000 + n))
    f.append(r / IP(src="198.51.100.77", dst=WAN4) / ICMP(id=0x5678, seq=1) /
             Raw(b"ping the wan side"))
    return f


def write(name, frames):
    for i, p in enumerate(frames):
        p.time = 1700000000 + i / 1000
    path = os.path.join(HERE, name)
    wrpcap(path, frames)
    print(f"{path}: {len(frames)} frames")


if __name__ == "__main__":
    write("lan_in.pcap", lan_frames())
    write("wan_in.pcap", wan_frames())
