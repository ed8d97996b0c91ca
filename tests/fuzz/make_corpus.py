#!/usr/bin/python3
"""Seed corpora of the fuzz targets: `/usr/bin/python3 tests/fuzz/make_corpus.py`
(re)writes tests/fuzz/corpus/rx/*.bin and tests/fuzz/corpus/config/*.json. Files named
crash-* (reproducers the fuzzers found) are left alone.

rx inputs are one byte of selector (bit 0: 0 = wan0, 1 = lan0; bit 1: deliver as a
two-segment chain) then the Ethernet frame, for the gateway of tests/fuzz/fuzz_rx.c.
The ESP seeds are encrypted with the keys of its xfrm states; fixed IVs keep the corpus
reproducible. The target keeps the SAs' replay windows from one input to the next, and the
regression replay (tests/run.py) runs the inputs in the order of their names: the vti1 seeds
are named (and numbered) for that order.
"""

import glob
import hashlib
import hmac
import json
import os
import struct

from scapy.layers.l2 import GRE
from scapy.layers.ipsec import AH, ESP, SecurityAssociation, _ESPPlain
from scapy.layers.inet import IPOption_NOP, IPOption_RR, IPOption_Router_Alert
from scapy.contrib.erspan import ERSPAN_II, ERSPAN_III
from scapy.all import (ARP, ICMP, IP, IPv6, UDP, TCP, Ether, Raw, ICMPv6EchoRequest,
                       ICMPv6ND_NS, ICMPv6ND_NA, ICMPv6NDOptSrcLLAddr, ICMPv6NDOptDstLLAddr,
                       IPv6ExtHdrDestOpt, IPv6ExtHdrHopByHop, IPv6ExtHdrRouting,
                       IPv6ExtHdrFragment, HBHOptUnknown, PadN, fragment)

HERE = os.path.dirname(os.path.abspath(__file__))
WAN, LAN = "02:00:00:00:00:01", "02:00:00:00:01:01"
PEER, HOST = "02:00:00:00:00:02", "02:00:00:00:01:05"
BCAST = "ff:ff:ff:ff:ff:ff"


def tel(nh, limit=4):
    return IPv6ExtHdrDestOpt(nh=nh, options=[HBHOptUnknown(otype=4, optdata=bytes([limit])),
                                             PadN(optdata=b"\x00")])


def u(n=16):
    return UDP(sport=1234, dport=5678) / Raw(b"x" * n)


def in4(src="10.2.0.9", dst="10.1.0.5", **kw):
    return IP(src=src, dst=dst, **kw) / u()


def in6(src="2001:db8:2::9", dst="2001:db8:1::5", **kw):
    return IPv6(src=src, dst=dst, **kw) / u()


def w(pkt):  # frame received on wan0
    return Ether(dst=WAN, src=PEER) / pkt


def l(pkt):  # frame received on lan0
    return Ether(dst=LAN, src=HOST) / pkt


RX = {}
# ---- wan0: decapsulation, local delivery, control ----
RX["wan_ipip_decap"] = (0, w(IP(src="192.0.2.2", dst="192.0.2.1") / in4()))
RX["wan_ipip_decap_unresolved"] = (0, w(IP(src="192.0.2.2", dst="192.0.2.1") / in4(dst="10.1.0.77")))
RX["wan_ipip_decap_ecn_drop"] = (0, w(IP(src="192.0.2.2", dst="192.0.2.1", tos=3) / in4(tos=0)))
RX["wan_ipip_decap_ce"] = (0, w(IP(src="192.0.2.2", dst="192.0.2.1", tos=3) / in4(tos=2)))
RX["wan_ipip_in_ipip"] = (0, w(IP(src="192.0.2.2", dst="192.0.2.1") /
                               IP(src="192.0.2.2", dst="192.0.2.1") / in4()))
RX["wan_tunl0_wildcard"] = (0, w(IP(src="198.51.100.9", dst="192.0.2.1") / in4()))
RX["wan_sit_decap6"] = (0, w(IP(src="192.0.2.3", dst="192.0.2.1") / in6()))
RX["wan_sit_decap4"] = (0, w(IP(src="192.0.2.3", dst="192.0.2.1", proto=4) / in4()))
RX["wan_ip6tnl_decap6"] = (0, w(IPv6(src="2001:db8:ff::2", dst="2001:db8:ff::1") / tel(41) / in6()))
RX["wan_ip6tnl_decap4"] = (0, w(IPv6(src="2001:db8:ff::2", dst="2001:db8:ff::1") / tel(4) / in4()))
RX["wan_ip6tnl_nolimit"] = (0, w(IPv6(src="2001:db8:ff::3", dst="2001:db8:ff::1", nh=41) / in6()))
RX["wan_ip6tnl_unknown"] = (0, w(IPv6(src="2001:db8:ff::9", dst="2001:db8:ff::1") / tel(41) / in6()))
RX["wan_ip6_exthdrs_local"] = (0, w(IPv6(src="2001:db8:ff::2", dst="2001:db8:ff::1") /
                                    IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt() /
                                    IPv6ExtHdrRouting(segleft=0) / tel(41) / in6()))
# GRE family: keyed/sequenced/checksummed gre, ip6gre, gretap and ERSPAN into a bridge,
# and the bad headers of each
_G = IP(src="192.0.2.2", dst="192.0.2.1")
RX["wan_gre_plain"] = (0, w(_G / GRE(proto=0x0800) / in4()))
RX["wan_gre_ksc"] = (0, w(_G / GRE(key_present=1, key=1, seqnum_present=1, sequence_number=5,
                                   chksum_present=1) / in4()))
RX["wan_gre_ksc_ipv6"] = (0, w(_G / GRE(key_present=1, key=1, seqnum_present=1,
                                        sequence_number=6, chksum_present=1) / in6()))
RX["wan_gre_bad_version"] = (0, w(_G / GRE(version=1, proto=0x0800) / in4()))
RX["wan_gre_routing"] = (0, w(_G / GRE(routing_present=1, proto=0x0800) / in4()))
RX["wan_gre_truncated"] = (0, w(IP(src="192.0.2.2", dst="192.0.2.1", proto=47) / Raw(bytes(GRE(key_present=1, key=1))[:6])))
RX["wan_gre_bad_proto"] = (0, w(_G / GRE(proto=0x8847) / Raw(b"mpls")))
RX["wan_ip6gre"] = (0, w(IPv6(src="2001:db8:ff::2", dst="2001:db8:ff::1") / tel(47) /
                         GRE(key_present=1, key=9, proto=0x86dd) / in6()))
_T = IP(src="192.0.2.3", dst="192.0.2.1")
RX["wan_gretap"] = (0, w(_T / GRE(proto=0x6558) / Ether(dst=BCAST, src=HOST) / in4()))
RX["wan_erspan3"] = (0, w(_T / GRE(proto=0x22eb, seqnum_present=1) / ERSPAN_III(ver=2, session_id=5) /
                          Ether(dst=HOST, src=PEER) / in4()))
RX["wan_erspan_truncated"] = (0, w(IP(src="192.0.2.3", dst="192.0.2.1", proto=47) / Raw(bytes(GRE(proto=0x88be, seqnum_present=1) /
                                                   ERSPAN_II(ver=1, session_id=5))[:12])))
RX["wan_erspan_bad_version"] = (0, w(_T / GRE(proto=0x88be, seqnum_present=1) /
                                     ERSPAN_III(ver=2, session_id=5) / Ether() / in4()))
RX["wan_ip6erspan"] = (0, w(IPv6(src="2001:db8:ff::3", dst="2001:db8:ff::1") / tel(47) /
                            GRE(proto=0x88be, seqnum_present=1) / ERSPAN_II(ver=1, session_id=7) /
                            Ether(dst=HOST, src=PEER) / in6()))
RX["lan_gre_encap"] = (1, l(in4(src="10.1.0.5", dst="10.8.0.9")))
RX["lan_ip6gre_encap"] = (1, l(in6(src="2001:db8:1::5", dst="2001:db8:6::9")))
# UDP tunnels: FOU (ipip, gre), GUE variants 0 and 1, geneve with options (v4, v6 zero
# checksum), vxlan; bad UDP lengths and checksums, GUE control and Hlen, geneve critical
# option and option overrun, vxlan without the I flag, FOU/GUE encap from lan0.
def fou(dport, payload, src="192.0.2.5", chksum=None):
    return w(IP(src=src, dst="192.0.2.1") / UDP(sport=40000, dport=dport, chksum=chksum) / payload)


def gnv(payload, opts=b"", flags=0, src="192.0.2.3", vni=100):
    import struct
    hdr = struct.pack("!BBHI", len(opts) // 4, flags, 0x6558, vni << 8) + opts
    return w(IP(src=src, dst="192.0.2.1") / UDP(sport=40001, dport=6081) / Raw(hdr) / payload)


_FR = Ether(dst=BCAST, src=HOST) / in4()
_OPT = bytes([1, 2, 0x81, 1, 0, 0x11, 0x22, 0x33])
RX["wan_fou_ipip"] = (0, fou(5555, in4()))
RX["wan_fou_gre"] = (0, fou(5557, GRE(proto=0x0800) / in4(), src="192.0.2.6"))
RX["wan_fou_bad_csum"] = (0, fou(5555, in4(), chksum=0x1234))
RX["wan_udp_bad_length"] = (0, w(IP(src="192.0.2.5", dst="192.0.2.1") /
                                 UDP(sport=1, dport=5555, len=200) / in4()))
RX["wan_gue_v0_gre"] = (0, fou(5556, Raw(bytes([0, 47, 0, 0])) / GRE(proto=0x0800) / in4(),
                               src="192.0.2.6"))
RX["wan_gue_v0_priv"] = (0, fou(5556, Raw(bytes([1, 4, 0, 1, 0, 0, 0, 0])) / in4()))
RX["wan_gue_v1_ipv4"] = (0, fou(5556, in4()))
RX["wan_gue_control"] = (0, fou(5556, Raw(bytes([0x20, 0, 0, 0])) / Raw(b"ctrl")))
RX["wan_gue_bad_hlen"] = (0, fou(5556, Raw(bytes([0x1f, 4, 0, 0]))))
RX["wan_fou6_sit"] = (0, w(IPv6(src="2001:db8:ff::2", dst="2001:db8:ff::1") /
                           UDP(sport=40002, dport=5555) / in6()))
RX["wan_geneve_opt"] = (0, gnv(_FR, _OPT))
RX["wan_geneve_crit_unknown"] = (0, gnv(_FR, bytes([1, 3, 0x80, 0])))
RX["wan_geneve_opt_overrun"] = (0, gnv(_FR, bytes([1, 2, 0x01, 31])))
RX["wan_geneve_oam"] = (0, gnv(_FR, flags=0x80))
RX["wan_geneve6_zero_csum"] = (0, w(IPv6(src="2001:db8:ff::3", dst="2001:db8:ff::1") /
                                    UDP(sport=40003, dport=6081, chksum=0) /
                                    Raw(bytes([0, 0, 0x65, 0x58, 0, 0, 101, 0])) / _FR))
RX["wan_vxlan"] = (0, w(IP(src="192.0.2.4", dst="192.0.2.1") / UDP(sport=40004, dport=4789) /
                        Raw(bytes([8, 0, 0, 0, 0, 0, 42, 0])) / _FR))
RX["wan_vxlan_no_i"] = (0, w(IP(src="192.0.2.4", dst="192.0.2.1") / UDP(sport=40004, dport=4789) /
                             Raw(bytes([0, 0, 0, 0, 0, 0, 42, 0])) / _FR))
RX["lan_fou_encap"] = (1, l(in4(src="10.1.0.5", dst="10.9.0.9")))
# a chain whose first segment ends inside the IPv4 header's end + 1: the UDP ports the
# source-port hash takes are in the second segment (read past the first before 936dab2)
RX["chain_lan_fou_encap_l4_seg2"] = (3, l(IP(src="10.1.0.5", dst="10.9.0.9") / UDP(sport=7, dport=9) /
                                        Raw(b"x" * 29)))
RX["lan_gue_encap6"] = (1, l(in6(src="2001:db8:1::5", dst="2001:db8:2::9")))
RX["lan_gue_gre_encap"] = (1, l(in4(src="10.1.0.5", dst="10.10.0.9")))
RX["wan_arp_request"] = (0, Ether(dst=BCAST, src=PEER) /
                         ARP(op=1, hwsrc=PEER, psrc="192.0.2.2", pdst="192.0.2.1"))
RX["wan_arp_request_new"] = (0, Ether(dst=BCAST, src="02:00:00:00:00:77") /
                             ARP(op=1, hwsrc="02:00:00:00:00:77", psrc="192.0.2.77",
                                 pdst="192.0.2.1"))
RX["wan_arp_reply"] = (0, Ether(dst=WAN, src=PEER) /
                       ARP(op=2, hwsrc=PEER, psrc="192.0.2.2", hwdst=WAN, pdst="192.0.2.1"))
RX["wan_ns"] = (0, Ether(dst="33:33:ff:00:00:01", src=PEER) /
                IPv6(src="2001:db8:ff::2", dst="ff02::1:ff00:1", hlim=255) /
                ICMPv6ND_NS(tgt="2001:db8:ff::1") / ICMPv6NDOptSrcLLAddr(lladdr=PEER))
RX["wan_ns_dad"] = (0, Ether(dst="33:33:ff:00:00:01", src=PEER) /
                    IPv6(src="::", dst="ff02::1:ff00:1", hlim=255) /
                    ICMPv6ND_NS(tgt="2001:db8:ff::1"))
RX["wan_na"] = (0, Ether(dst=WAN, src=PEER) /
                IPv6(src="2001:db8:ff::2", dst="2001:db8:ff::1", hlim=255) /
                ICMPv6ND_NA(tgt="2001:db8:ff::2", S=1, O=1) / ICMPv6NDOptDstLLAddr(lladdr=PEER))
RX["wan_echo4"] = (0, w(IP(src="192.0.2.2", dst="192.0.2.1") / ICMP() / Raw(b"ping")))
RX["wan_echo6"] = (0, w(IPv6(src="2001:db8:ff::2", dst="2001:db8:ff::1") /
                        ICMPv6EchoRequest(data=b"ping")))
RX["wan_echo6_linklocal"] = (0, w(IPv6(src="fe80::2", dst="fe80::ff:fe00:1") /
                                  ICMPv6EchoRequest()))
RX["wan_echo6_multicast"] = (0, Ether(dst="33:33:00:00:00:01", src=PEER) /
                             IPv6(src="2001:db8:ff::2", dst="ff02::1") / ICMPv6EchoRequest())
RX["wan_frag4_first"] = (0, w(fragment(IP(src="192.0.2.2", dst="192.0.2.1") /
                                       IP(src="10.2.0.9", dst="10.1.0.5") / u(200),
                                       fragsize=96)[0]))
RX["wan_frag4_last"] = (0, w(fragment(IP(src="192.0.2.2", dst="192.0.2.1") /
                                      IP(src="10.2.0.9", dst="10.1.0.5") / u(200),
                                      fragsize=96)[-1]))
RX["wan_frag6_first"] = (0, w(IPv6(src="2001:db8:ff::2", dst="2001:db8:ff::1") /
                              IPv6ExtHdrFragment(id=7, m=1, offset=0, nh=41) /
                              Raw(bytes(in6())[:48])))
RX["wan_udp_local"] = (0, w(IP(src="192.0.2.2", dst="192.0.2.1") / u()))
RX["wan_tcp_local6"] = (0, w(IPv6(src="2001:db8:ff::2", dst="2001:db8:ff::1") / TCP()))
RX["wan_ttl1_forward"] = (0, w(IP(src="192.0.2.2", dst="10.1.0.5", ttl=1) / u()))
RX["wan_hlim1_forward"] = (0, w(IPv6(src="2001:db8:ff::2", dst="2001:db8:1::5", hlim=1) / u()))
RX["wan_not_for_us"] = (0, Ether(dst="02:00:00:00:00:99", src=PEER) / in4())
RX["wan_bad_ethertype"] = (0, Ether(dst=WAN, src=PEER, type=0x88b5) / Raw(b"abcd"))
RX["wan_eth_truncated"] = (0, bytes(Ether(dst=WAN, src=PEER))[:10])
RX["wan_ip4_truncated"] = (0, bytes(w(IP(src="192.0.2.2", dst="192.0.2.1") / in4()))[:30])
RX["wan_ip4_bad_ihl"] = (0, w(IP(src="192.0.2.2", dst="192.0.2.1", ihl=15) / in4()))
RX["wan_ip4_bad_len"] = (0, w(IP(src="192.0.2.2", dst="192.0.2.1", len=1000) / in4()))
RX["wan_ip4_options"] = (0, w(IP(src="192.0.2.2", dst="192.0.2.1", options=b"\x01" * 8) / in4()))
RX["wan_ip6_truncated"] = (0, bytes(w(IPv6(src="2001:db8:ff::2", dst="2001:db8:ff::1") / tel(41) /
                                      in6()))[:60])
RX["wan_ip6tnl_inner_truncated"] = (0, w(IPv6(src="2001:db8:ff::2", dst="2001:db8:ff::1") /
                                         tel(41) / Raw(bytes(in6())[:20])))
# ---- lan0: forwarding and encapsulation ----
RX["lan_ipip_encap"] = (1, l(in4(src="10.1.0.5", dst="10.2.0.9", tos=0xb9)))
RX["lan_ipip_too_big_df"] = (1, l(IP(src="10.1.0.5", dst="10.2.0.9", flags="DF") / u(1420)))
RX["lan_ipip_frag_outer"] = (1, l(IP(src="10.1.0.5", dst="10.2.0.9") / u(1420)))
RX["lan_nopmtu_encap"] = (1, l(in4(src="10.1.0.5", dst="10.5.0.9", tos=0x03)))
RX["lan_sit_encap6"] = (1, l(in6(src="2001:db8:1::5", dst="2001:db8:2::9", tc=0x4b)))
RX["lan_sit_encap4"] = (1, l(in4(src="10.1.0.5", dst="10.3.0.9")))
RX["lan_sit_too_big6"] = (1, l(IPv6(src="2001:db8:1::5", dst="2001:db8:2::9") / u(1420)))
RX["lan_ip6tnl_encap6"] = (1, l(in6(src="2001:db8:1::5", dst="2001:db8:3::9")))
RX["lan_ip6tnl_encap4"] = (1, l(in4(src="10.1.0.5", dst="10.4.0.9")))
RX["lan_ip6tnl_inner_tel0"] = (1, l(IPv6(src="2001:db8:1::5", dst="2001:db8:3::9") / tel(17, 0) /
                                    u()))
RX["lan_ip6tnl_inner_tel2"] = (1, l(IPv6(src="2001:db8:1::5", dst="2001:db8:3::9") / tel(17, 2) /
                                    u()))
RX["lan_ip6tnl_nolimit"] = (1, l(in6(src="2001:db8:1::5", dst="2001:db8:4::9", fl=0x777)))
RX["lan_ip6tnl_limit0"] = (1, l(in6(src="2001:db8:1::5", dst="2001:db8:5::9")))
RX["lan_nested"] = (1, l(in4(src="10.1.0.5", dst="10.6.0.9")))
RX["lan_loop"] = (1, l(in4(src="10.1.0.5", dst="10.7.0.9")))
RX["lan_default_route"] = (1, l(in4(src="10.1.0.5", dst="8.8.8.8")))
RX["lan_default6"] = (1, l(in6(src="2001:db8:1::5", dst="2001:4860::8888")))
RX["lan_unresolved4"] = (1, l(in4(src="10.1.0.5", dst="10.1.0.99")))
RX["lan_unresolved6"] = (1, l(in6(src="2001:db8:1::5", dst="2001:db8:1::99")))
RX["lan_echo_gw"] = (1, l(IP(src="10.1.0.5", dst="10.1.0.1") / ICMP()))
RX["lan_to_tunnel_addr"] = (1, l(IP(src="10.1.0.5", dst="10.255.0.2") / ICMP()))
RX["lan_big_forward_df"] = (1, l(IP(src="10.1.0.5", dst="8.8.8.8", flags="DF") / u(1450)))
RX["lan_big_forward_frag"] = (1, l(IP(src="10.1.0.5", dst="8.8.8.8") / u(1450)))
# ---- chains (selector bit 1) ----
RX["chain_wan_ipip_decap"] = (2, w(IP(src="192.0.2.2", dst="192.0.2.1") / in4()))
RX["chain_wan_ip6tnl_decap"] = (2, w(IPv6(src="2001:db8:ff::2", dst="2001:db8:ff::1") / tel(41) /
                                     in6()))
RX["chain_lan_ipip_frag_outer"] = (3, l(IP(src="10.1.0.5", dst="10.2.0.9") / u(1420)))
RX["chain_lan_echo"] = (3, l(IP(src="10.1.0.5", dst="10.1.0.1") / ICMP() / Raw(b"p" * 64)))

# ---- IPsec: ESP to vti1 (192.0.2.7 -> 192.0.2.1, key 5) and vti6a (2001:db8:ff::7, key 6),
# an SA with no vti (from 192.0.2.8), ESP out of lan0 frames routed into the vtis ----
def _k(start, n):
    return bytes(range(start, start + n))


K_GCM_IN = _k(0x00, 20)          # SPI 0x100 (and 0x300), rfc4106(gcm(aes)) 128, salt last 4
K_CBC, K_SHA1 = _k(0x40, 16), _k(0x60, 20)  # SPI 0x102, cbc(aes) + hmac(sha1), ESN
K_CHACHA_IN = _k(0x80, 36)       # SPI 0x200, rfc7539esp(chacha20,poly1305), salt last 4
V4_PEER, V6_PEER = "192.0.2.7", "2001:db8:ff::7"
GW4, GW6 = "192.0.2.1", "2001:db8:ff::1"


def _sa(spi, src=V4_PEER, dst=GW4, tos=0, **kw):
    hdr = IPv6(src=src, dst=dst, tc=tos) if ":" in dst else IP(src=src, dst=dst, tos=tos)
    return SecurityAssociation(ESP, spi=spi, tunnel_header=hdr, **kw)


def sa_gcm(spi=0x100, src=V4_PEER, tos=0):
    return _sa(spi, src, tos=tos, crypt_algo="AES-GCM", crypt_key=K_GCM_IN)


def sa_chacha(tos=0):
    return _sa(0x200, V6_PEER, GW6, tos=tos, crypt_algo="CHACHA20-POLY1305",
               crypt_key=K_CHACHA_IN)


def esp_enc(sa, inner, seq, iv=None, **kw):
    """The outer IP packet of inner through sa (a fixed IV per sequence number)."""
    iv = iv or struct.pack("!Q", 0x1000 + seq)[-sa.crypt_algo.iv_size:]
    return sa.encrypt(inner, seq_num=seq, iv=iv, **kw)


def esp_cbc_esn(inner, seq, hi=0, iv=None):
    """AES-CBC + HMAC-SHA1-96 with ESN: scapy 2.5 leaves the high sequence bits out of the
    HMAC (RFC 4303 §2.2.1 puts them after the payload), so the ICV is computed here."""
    sa = _sa(0x102, crypt_algo="AES-CBC", crypt_key=K_CBC)
    pkt = esp_enc(sa, inner, seq, iv=iv or bytes([seq & 0xff]) * 16)
    body = bytes(pkt[ESP])
    icv = hmac.new(K_SHA1, body + struct.pack("!L", hi), hashlib.sha1).digest()[:12]
    pkt[ESP].data += icv
    if IP in pkt and pkt[IP].version == 4:
        pkt[IP].len += 12
        del pkt[IP].chksum
    return pkt.__class__(bytes(pkt))


def esp_custom(sa, outer, seq, payload, nh, padding=None):
    """An AEAD ESP packet with a trailer of our choosing (bad padding, TFC dummy, wrong
    next header): sa's cipher, authentic ICV."""
    iv = struct.pack("!Q", 0x1000 + seq)
    align = 4
    padlen = -(len(payload) + 2) % align
    pad = bytes(range(1, padlen + 1)) if padding is None else padding
    plain = _ESPPlain(spi=sa.spi, seq=seq, iv=iv, data=Raw(payload), padding=pad,
                      padlen=len(pad), nh=nh)
    enc = sa.crypt_algo.encrypt(sa, plain, sa.crypt_key, sa.crypt_icv_size)
    return outer / enc


def trunc(pkt, n):
    """pkt (outer IP / ESP) with its ESP part cut to n bytes, lengths fixed."""
    o = pkt.copy()
    raw = bytes(o[ESP])[:n]
    if o.version == 4:
        return IP(src=o.src, dst=o.dst, proto=50, tos=o.tos) / Raw(raw)
    return IPv6(src=o.src, dst=o.dst, nh=50) / Raw(raw)


def flip_last(pkt):
    b = bytearray(bytes(pkt))
    b[-1] ^= 0x5a
    return pkt.__class__(bytes(b))


_V = IP(src=V4_PEER, dst=GW4, proto=50)
_V6 = IPv6(src=V6_PEER, dst=GW6, nh=50)
_g = sa_gcm()
_c6 = sa_chacha()
# vti1, AES-GCM SPI 0x100, window 64: sequence numbers 64 (the chain seed runs first), 1, 2,
# 2 again (replay), 100, 70 (still in the window), 10 (too old), then new ones above 100
RX["chain_wan_esp_gcm"] = (2, w(esp_enc(_g, IP(src="10.11.0.5", dst="10.1.0.5") / u(300), 64)))
RX["wan_esp_gcm_1_seq1"] = (0, w(esp_enc(_g, in4(src="10.11.0.5"), 1)))
RX["wan_esp_gcm_2_seq2_inner6"] = (0, w(esp_enc(_g, in6(src="2001:db8:12::5"), 2)))
RX["wan_esp_gcm_3_seq2_dup"] = (0, w(esp_enc(_g, in6(src="2001:db8:12::5"), 2)))
RX["wan_esp_gcm_4_seq100"] = (0, w(esp_enc(_g, in4(src="10.11.0.5"), 100)))
RX["wan_esp_gcm_5_seq70"] = (0, w(esp_enc(_g, in4(src="10.11.0.5"), 70)))
RX["wan_esp_gcm_6_seq10_old"] = (0, w(esp_enc(_g, in4(src="10.11.0.5"), 10)))
RX["wan_esp_gcm_7_icv_flip"] = (0, w(flip_last(esp_enc(_g, in4(src="10.11.0.5"), 101))))
RX["wan_esp_gcm_8_policy_block"] = (0, w(esp_enc(_g, in4(src="10.98.0.9"), 102)))
RX["wan_esp_gcm_9_echo_vti_addr"] = (0, w(esp_enc(_g, IP(src="10.11.0.5", dst="10.254.0.1") /
                                                  ICMP() / Raw(b"ping"), 103)))
RX["wan_esp_gcm_a_inner_garbage"] = (0, w(esp_custom(_g, _V, 104, b"\x45\x00\x00\x14zz", 4)))
RX["wan_esp_gcm_b_ecn_drop"] = (0, w(esp_enc(sa_gcm(tos=3), in4(src="10.11.0.5", tos=0), 105)))
RX["wan_esp_gcm_c_inner_ttl1"] = (0, w(esp_enc(_g, in4(src="10.11.0.5", ttl=1), 106)))
RX["wan_esp_gcm_d_truncated_hdr"] = (0, w(trunc(esp_enc(_g, in4(), 107), 6)))
RX["wan_esp_gcm_e_truncated_icv"] = (0, w(trunc(esp_enc(_g, in4(), 108), 8 + 8 + 10)))
RX["wan_esp_gcm_f_bad_length"] = (0, w(trunc(esp_enc(_g, in4(), 109),
                                             len(esp_enc(_g, in4(), 109)[ESP]) - 1)))
RX["wan_esp_bad_spi"] = (0, w(esp_enc(sa_gcm(spi=0x999), in4(src="10.11.0.5"), 1)))
# vti1, AES-CBC + HMAC-SHA1 with ESN, SPI 0x102 (window 64, high bits inferred from its top)
RX["wan_esp_cbc_1_esn_seq1"] = (0, w(esp_cbc_esn(in4(src="10.11.0.5"), 1)))
RX["wan_esp_cbc_2_esn_seq2_inner6"] = (0, w(esp_cbc_esn(in6(src="2001:db8:12::5"), 2)))
RX["wan_esp_cbc_3_esn_hi1"] = (0, w(esp_cbc_esn(in4(src="10.11.0.5"), 3, hi=1)))
RX["wan_esp_cbc_4_esn_wrap_below"] = (0, w(esp_cbc_esn(in4(src="10.11.0.5"), 0xfffffff0)))
RX["wan_esp_cbc_5_scapy_esn_icv"] = (0, w(esp_enc(_sa(0x102, crypt_algo="AES-CBC", crypt_key=K_CBC,
                                                      auth_algo="HMAC-SHA1-96", auth_key=K_SHA1,
                                                      esn_en=True), in4(src="10.11.0.5"), 4,
                                              iv=b"\x04" * 16)))
RX["wan_esp_cbc_6_bad_length"] = (0, w(trunc(esp_cbc_esn(in4(), 5), 8 + 16 + 16 + 12 - 4)))
RX["wan_esp_gcm_g_tmpl_mismatch"] = (0, w(esp_enc(_g, in4(src="10.99.0.9"), 110)))
# SA 0x300 (no vti, no window): decrypted, then no in policy for the inner packet (the
# policies all carry a vti's mark); SA 0x100 from a host that is not vti1's remote (no vti:
# the same path)
_pb = sa_gcm(spi=0x300, src="192.0.2.8")
RX["wan_esp_pb_no_policy"] = (0, w(esp_enc(_pb, in4(), 1)))
RX["wan_esp_pb_ce"] = (0, w(esp_enc(sa_gcm(spi=0x300, src="192.0.2.8", tos=3),
                                   in4(src="10.99.0.9", tos=2), 3)))
RX["wan_esp_wrong_peer"] = (0, w(esp_enc(sa_gcm(src="192.0.2.9"), in4(src="10.11.0.5"), 200)))
# vti6a, chacha20-poly1305 SPI 0x200 (no window: every input decrypts)
RX["chain_wan_esp6_chacha"] = (2, w(esp_enc(_c6, in6(src="2001:db8:11::5"), 1)))
RX["wan_esp6_chacha_inner6"] = (0, w(esp_enc(_c6, in6(src="2001:db8:11::5"), 2)))
RX["wan_esp6_chacha_inner4"] = (0, w(esp_enc(_c6, in4(src="10.12.0.5"), 3)))
RX["wan_esp6_chacha_exthdr"] = (0, w(IPv6(bytes(IPv6(src=V6_PEER, dst=GW6) / tel(50) /
                                               esp_enc(_c6, in6(src="2001:db8:11::5"), 4)[ESP]))))
RX["wan_esp6_chacha_icv_flip"] = (0, w(flip_last(esp_enc(_c6, in6(src="2001:db8:11::5"), 5))))
RX["wan_esp6_chacha_truncated"] = (0, w(trunc(esp_enc(_c6, in6(), 6), 20)))
RX["wan_esp6_chacha_bad_padding"] = (0, w(esp_custom(_c6, _V6, 7, bytes(in6(src="2001:db8:11::5")),
                                                     41, padding=b"\x01\x02\x03\x09\x05\x06")))
RX["wan_esp6_chacha_tfc_dummy"] = (0, w(esp_custom(_c6, _V6, 8, b"dummy!", 59)))
RX["wan_esp6_chacha_bad_next_header"] = (0, w(esp_custom(_c6, _V6, 9, bytes(u()), 17)))
RX["wan_esp6_chacha_ce"] = (0, w(esp_enc(sa_chacha(tos=3), in6(src="2001:db8:11::5", tc=1),
                                         10)))
RX["wan_esp6_chacha_to_vti1"] = (0, w(esp_enc(_c6, in4(src="10.12.0.5", dst="10.11.0.9"), 11)))
# lan0 frames routed into the vtis: ESP out of wan0 (v4 and v6 inner each way), the out block
# policy (10.11.0.128/25), too big with DF, fragmented outer without
RX["lan_vti1_encap4"] = (1, l(in4(src="10.1.0.5", dst="10.11.0.9", tos=0xb9)))
RX["lan_vti1_encap6"] = (1, l(in6(src="2001:db8:1::5", dst="2001:db8:12::9")))
RX["lan_vti1_policy_block"] = (1, l(in4(src="10.1.0.5", dst="10.11.0.200")))
RX["lan_vti1_too_big_df"] = (1, l(IP(src="10.1.0.5", dst="10.11.0.9", flags="DF") / u(1360)))
RX["lan_vti1_big_frag"] = (1, l(IP(src="10.1.0.5", dst="10.11.0.9") / u(1360)))
RX["lan_vti6a_encap6"] = (1, l(in6(src="2001:db8:1::5", dst="2001:db8:11::9", tc=0x4b)))
RX["lan_vti6a_encap4"] = (1, l(in4(src="10.1.0.5", dst="10.12.0.9")))
RX["lan_vti6a_too_big6"] = (1, l(IPv6(src="2001:db8:1::5", dst="2001:db8:11::9") / u(1340)))
RX["chain_lan_vti1_encap"] = (3, l(IP(src="10.1.0.5", dst="10.11.0.9") / u(200)))

# ---- xfrm0 (if_id 9): AH from 192.0.2.9 (SPI 0x400, hmac(sha256), ESN, no window) and from
# 2001:db8:ff::9 (0x402, hmac(sha1)); lan0 frames into xfrm0 (AH out, ESP over IPv6 out) ----
K_AH256 = _k(0xc0, 32)


def _ah(spi, src, dst, algo, key, hdr_extra=None, **kw):
    hdr = IPv6(src=src, dst=dst) if ":" in dst else IP(src=src, dst=dst)
    return SecurityAssociation(AH, spi=spi, tunnel_header=hdr, auth_algo=algo, auth_key=key,
                               **kw)


_a4 = _ah(0x400, "192.0.2.9", GW4, "SHA2-256-128", K_AH256, esn_en=True, esn=0)
_a6 = _ah(0x402, "2001:db8:ff::9", GW6, "HMAC-SHA1-96", b"beef_fish_pork_salad")
RX["wan_ah_1_seq1"] = (0, w(_a4.encrypt(in4(src="10.13.0.5"), seq_num=1)))
RX["wan_ah_2_inner6"] = (0, w(_a4.encrypt(in6(src="2001:db8:13::5"), seq_num=2)))
RX["wan_ah_3_icv_flip"] = (0, w(flip_last(_a4.encrypt(in4(src="10.13.0.5"), seq_num=3))))
_a4opt = SecurityAssociation(AH, spi=0x400, auth_algo="SHA2-256-128", auth_key=K_AH256,
                             esn_en=True, esn=0,
                             tunnel_header=IP(src="192.0.2.9", dst=GW4,
                                              options=[IPOption_RR(routers=["198.51.100.1"]),
                                                       IPOption_NOP(), IPOption_NOP(),
                                                       IPOption_NOP(), IPOption_NOP(),
                                                       IPOption_NOP()]))
RX["wan_ah_4_ip_options"] = (0, w(_a4opt.encrypt(in4(src="10.13.0.5"), seq_num=4)))
RX["wan_ah_5_esn_hi1"] = (0, w(_ah(0x400, "192.0.2.9", GW4, "SHA2-256-128", K_AH256,
                                   esn_en=True, esn=1).encrypt(in4(src="10.13.0.5"), seq_num=5)))
RX["wan_ah6_1"] = (0, w(_a6.encrypt(in6(src="2001:db8:13::5"), seq_num=1)))
RX["wan_ah6_2_exthdr"] = (0, w(IPv6(bytes(IPv6(src="2001:db8:ff::9", dst=GW6) / tel(51) /
                                         _a6.encrypt(in6(), seq_num=2)[AH]))))
RX["wan_ah6_3_truncated"] = (0, w(IPv6(src="2001:db8:ff::9", dst=GW6, nh=51) /
                                  Raw(bytes(_a6.encrypt(in6(), seq_num=3)[AH])[:16])))
RX["lan_xfrm0_ah4"] = (1, l(in4(src="10.1.0.5", dst="10.13.0.9", tos=0xb9)))
RX["lan_xfrm0_v6_no_policy"] = (1, l(in6(src="2001:db8:1::5", dst="2001:db8:13::9")))
RX["lan_xfrm0_esp6_carrier"] = (1, l(in4(src="10.1.0.5", dst="10.14.0.9")))
RX["lan_xfrm0_esp6_too_big"] = (1, l(IP(src="10.1.0.5", dst="10.14.0.9", flags="DF") / u(1360)))
RX["chain_lan_xfrm0_ah"] = (3, l(IP(src="10.1.0.5", dst="10.13.0.9") / u(300)))

# ---- policy-based (no mark, no if_id) with PB_PEER4 / PB_PEER6: ESP rfc4106(gcm(aes)) in
# 0x500 (0x600 over IPv6) for 10.20.0.0/24 (2001:db8:20::/64) -> lan0's subnet, AH hmac(sha1)
# in 0x510 for 10.21.0.0/24; out, in and fwd policies each way; fwd block for 10.22.0.0/24.
# The in SAs have no replay window: these seeds run in any order. ----
PB_PEER4, PB_PEER6 = "192.0.2.10", "2001:db8:ff::10"
K_PB_ESP_IN, K_PB_AH_IN = _k(0xd0, 20), _k(0x30, 20)
_pe = _sa(0x500, PB_PEER4, GW4, crypt_algo="AES-GCM", crypt_key=K_PB_ESP_IN)
_pe6 = _sa(0x600, PB_PEER6, GW6, crypt_algo="AES-GCM", crypt_key=K_PB_ESP_IN)
_pa = _ah(0x510, PB_PEER4, GW4, "HMAC-SHA1-96", K_PB_AH_IN)
# wan0: decrypted, inner checked against the fwd policy (forwarded) or the in policy (for us)
RX["wan_pb_esp_fwd"] = (0, w(esp_enc(_pe, in4(src="10.20.0.5"), 1)))
RX["chain_wan_pb_esp_fwd"] = (2, w(esp_enc(_pe, IP(src="10.20.0.5", dst="10.1.0.5") / u(300),
                                           2)))
RX["wan_pb_esp6_fwd"] = (0, w(esp_enc(_pe6, in6(src="2001:db8:20::5"), 1)))
RX["wan_pb_esp_in_gw_echo"] = (0, w(esp_enc(_pe, IP(src="10.20.0.5", dst="10.1.0.1") / ICMP() /
                                             Raw(b"ping"), 3)))
RX["wan_pb_esp_no_fwd_policy"] = (0, w(esp_enc(_pe, in4(src="10.23.0.5"), 4)))
RX["wan_pb_esp_tmpl_mismatch"] = (0, w(esp_enc(_pe, in4(src="10.21.0.5"), 5)))
RX["wan_pb_esp_fwd_block"] = (0, w(esp_enc(_pe, in4(src="10.20.0.5", dst="10.22.0.9"), 6)))
RX["wan_pb_esp_icv_flip"] = (0, w(flip_last(esp_enc(_pe, in4(src="10.20.0.5"), 7))))
RX["wan_pb_esp_truncated"] = (0, w(trunc(esp_enc(_pe, in4(src="10.20.0.5"), 8), 8 + 8 + 10)))
RX["wan_pb_ah_fwd"] = (0, w(_pa.encrypt(in4(src="10.21.0.5"), seq_num=1)))
RX["wan_pb_ah_esp_policy"] = (0, w(_pa.encrypt(in4(src="10.20.0.5"), seq_num=2)))
# wan0 in the clear: the fwd policy of 10.20.0.0/24 requires ESP
RX["wan_pb_clear_protected"] = (0, w(IP(src="10.20.0.5", dst="10.1.0.5") / u()))
RX["wan_pb_clear6_protected"] = (0, w(IPv6(src="2001:db8:20::5", dst="2001:db8:1::5") / u()))
# lan0: the out policies (ESP, ESP over IPv6, AH through the SA carriers), too big for the SA,
# the fwd block policy
RX["lan_pb_esp_out"] = (1, l(in4(src="10.1.0.5", dst="10.20.0.9")))
RX["lan_pb_esp6_out"] = (1, l(in6(src="2001:db8:1::5", dst="2001:db8:20::9")))
RX["lan_pb_ah_out"] = (1, l(in4(src="10.1.0.5", dst="10.21.0.9")))
RX["lan_pb_esp_too_big_df"] = (1, l(IP(src="10.1.0.5", dst="10.20.0.9", flags="DF") / u(1360)))
RX["lan_pb_fwd_block"] = (1, l(in4(src="10.1.0.5", dst="10.22.0.9")))

# ---- NAT-T (RFC 3948) with NATT_PEER, policy-based: ESP rfc4106(gcm(aes)) in UDP 4500 -> 4500,
# in 0x700 (no window: any order) for 10.30.0.0/24 -> lan0's subnet, out 0x701; out, in and
# fwd policies. UDP 4500 to the gateway: a one-byte 0xff is a keepalive, four zero bytes (the
# non-ESP marker) or fewer than four bytes are not ESP, the rest is ESP of a NAT-T SA. The
# fuzz_rx input is one frame: a fragmented datagram is seeded as its first and last fragments
# (each alone; the chain seed travels as a reassembled one does). ----
NATT_PEER = "192.0.2.11"
K_NATT_IN = _k(0xa0, 20)
_ne = _sa(0x700, NATT_PEER, GW4, crypt_algo="AES-GCM", crypt_key=K_NATT_IN)


def in_udp(esp_pkt, chksum=0, sport=4500, dport=4500, **kw):
    """esp_pkt (outer IPv4 / ESP) with the ESP in UDP (RFC 3948 §2.1): checksum zero, or
    computed (None), or the one given; kw for the outer IP header."""
    return (IP(src=esp_pkt[IP].src, dst=esp_pkt[IP].dst, **kw) /
            UDP(sport=sport, dport=dport, chksum=chksum) / Raw(bytes(esp_pkt[ESP])))


def natt(payload, **kw):  # UDP 4500 -> 4500 from NATT_PEER to the gateway
    return w(IP(src=NATT_PEER, dst=GW4) / UDP(sport=4500, dport=4500, **kw) / Raw(payload))


_IKE_INIT = (b"\0" * 4 + struct.pack("!QQBBBBII", 0x1122334455667788, 0, 33, 0x20, 34, 0x08,
                                       0, 28))   # non-ESP marker, IKEv2 IKE_SA_INIT header
RX["wan_natt_esp_fwd"] = (0, w(in_udp(esp_enc(_ne, in4(src="10.30.0.5"), 1))))
RX["wan_natt_esp_fwd_csum"] = (0, w(in_udp(esp_enc(_ne, in4(src="10.30.0.5"), 2), chksum=None)))
RX["chain_wan_natt_esp_fwd"] = (2, w(in_udp(esp_enc(_ne, IP(src="10.30.0.5", dst="10.1.0.5") /
                                                    u(300), 3))))
RX["wan_natt_esp_in_gw_echo"] = (0, w(in_udp(esp_enc(_ne, IP(src="10.30.0.5", dst="10.1.0.1") /
                                                     ICMP() / Raw(b"ping"), 4))))
RX["wan_natt_esp_ip_options"] = (0, w(in_udp(esp_enc(_ne, in4(src="10.30.0.5"), 5),
                                             options=[IPOption_NOP()] * 4)))
_tr = IP(bytes(in_udp(esp_enc(_ne, in4(src="10.30.0.5"), 6))) + b"\xee" * 6)
_tr.len += 6
del _tr.chksum
RX["wan_natt_esp_ip_trailer"] = (0, w(_tr))   # UDP length < IP payload: trimmed
RX["wan_natt_bad_csum"] = (0, w(in_udp(esp_enc(_ne, in4(src="10.30.0.5"), 7), chksum=0x1234)))
RX["wan_natt_keepalive"] = (0, natt(b"\xff"))
RX["wan_natt_ike"] = (0, natt(_IKE_INIT))
RX["wan_natt_short"] = (0, natt(b"\x01\x02"))
RX["wan_natt_udp_len_long"] = (0, natt(bytes(esp_enc(_ne, in4(src="10.30.0.5"), 8)[ESP]),
                                       len=400))
RX["wan_natt_esp_truncated"] = (0, natt(bytes(esp_enc(_ne, in4(src="10.30.0.5"), 9)[ESP])
                                        [:8 + 8 + 10]))
RX["wan_natt_esp_icv_flip"] = (0, w(flip_last(in_udp(esp_enc(_ne, in4(src="10.30.0.5"), 10)))))
# the state's encapsulation is the packet's: ESP in UDP for the plain policy-based SA 0x500,
# plain ESP for the NAT-T SA
RX["wan_natt_plain_sa_in_udp"] = (0, w(in_udp(esp_enc(_pe, in4(src="10.20.0.5"), 11))))
RX["wan_natt_sa_plain_esp"] = (0, w(esp_enc(_ne, in4(src="10.30.0.5"), 12)))
_nf = fragment(in_udp(esp_enc(_ne, IP(src="10.30.0.5", dst="10.1.0.5") / u(300), 13)),
               fragsize=200)
RX["wan_natt_frag_first"] = (0, w(_nf[0]))
RX["wan_natt_frag_last"] = (0, w(_nf[-1]))
# lan0: the out policy (leaves as IP/UDP/ESP, checksum 0), too big for the SA with DF
RX["lan_natt_esp_out"] = (1, l(in4(src="10.1.0.5", dst="10.30.0.9")))
RX["lan_natt_too_big_df"] = (1, l(IP(src="10.1.0.5", dst="10.30.0.9", flags="DF") / u(1360)))

# ---- transport mode (policy-based, the gateway's own tunnel packets): gre_te with TP_ESP4
# (rfc4106(gcm(aes)), in 0x800), gre_ta with TP_AH4 (hmac(sha1), in 0x810), ip6gre_te with
# TP_ESP6 (in 0x900), ip6gre_ta with TP_AH6 (in 0x910), no window (any order); each with an
# out and an in policy "proto": "gre" whose template is transport ESP or AH. Received: ESP
# decrypted or AH verified (the IP header's mutable fields and options zeroed for the ICV,
# then restored), taken off, the packet back to IP input, its in policy checked, its GRE
# decapsulated; sent: the tunnel's outer packet gets ESP or AH after its IP header. ----
TP_ESP4, TP_AH4, TP_ESP6, TP_AH6 = "192.0.2.12", "192.0.2.13", "2001:db8:ff::12", "2001:db8:ff::13"
K_TP_ESP_IN, K_TP_AH_IN = _k(0x70, 20), _k(0xb4, 20)
_te = SecurityAssociation(ESP, spi=0x800, crypt_algo="AES-GCM", crypt_key=K_TP_ESP_IN)
_te6 = SecurityAssociation(ESP, spi=0x900, crypt_algo="AES-GCM", crypt_key=K_TP_ESP_IN)
_ta = SecurityAssociation(AH, spi=0x810, auth_algo="HMAC-SHA1-96", auth_key=K_TP_AH_IN)
_ta6 = SecurityAssociation(AH, spi=0x910, auth_algo="HMAC-SHA1-96", auth_key=K_TP_AH_IN)


def gre4(src, inner, **kw):  # a GRE packet (no key) from src to the gateway
    return IP(src=src, dst=GW4, **kw) / GRE(proto=0x86dd if IPv6 in inner else 0x0800) / inner


def gre6(src, inner, **kw):
    return IPv6(src=src, dst=GW6, **kw) / GRE(proto=0x86dd if inner.version == 6 else 0x0800) / \
        inner


def ah6_before(sa, seq, src, payload, nh, hlim=64, tc=0):
    """Transport AH right after the IPv6 fixed header, whatever payload (nh, bytes) follows
    (scapy puts AH after the destination options, Linux and tungw before them): the ICV
    over the header with tc, flow label and hop limit zero, AH with a zero ICV, payload."""
    icv_len = sa.auth_algo.icv_size
    ah = struct.pack("!BBHII", nh, (12 + icv_len + 7) // 8 * 2 - 2, 0, sa.spi, seq)
    ah_zero = ah + b"\0" * ((12 + icv_len + 7) // 8 * 8 - 12)
    hdr = IPv6(src=src, dst=GW6, nh=51, plen=len(ah_zero) + len(payload), hlim=hlim, tc=tc)
    zero = bytes(IPv6(src=src, dst=GW6, nh=51, plen=len(ah_zero) + len(payload), hlim=0))
    icv = hmac.new(sa.auth_key, zero + ah_zero + payload, hashlib.sha1).digest()[:icv_len]
    return IPv6(bytes(hdr)[:40] + ah + icv + ah_zero[12 + icv_len:] + payload)


def ah_icv_flip(pkt):
    o = pkt.copy()
    o[AH].icv = bytes(x ^ 1 for x in bytes(o[AH].icv))
    return o.__class__(bytes(o))


def hbh_mut(n):  # a hop-by-hop header with an option that changes en route
    return IPv6ExtHdrHopByHop(options=[HBHOptUnknown(otype=0x3e, optdata=bytes(range(n)))])


def dst_imm(n):  # destination options with an option that does not change en route
    return IPv6ExtHdrDestOpt(options=[HBHOptUnknown(otype=0x1e, optdata=bytes(range(n)))])


_i40 = in4(src="10.40.0.5")
# ESP (IPv4, gre_te): forwarded (inner IPv4, inner IPv6), ICV, truncated, not GRE inside (UDP
# to a closed port, echo request to the gateway: the in policy selects GRE only), GRE whose
# inner comes from 10.20.0.0/24 (its fwd policy wants tunnel ESP from PB_PEER4), transport ESP
# with the tunnel-mode SA 0x500, clear GRE from the protected peer
RX["wan_tp_esp_gre_fwd"] = (0, w(esp_enc(_te, gre4(TP_ESP4, _i40, ttl=61), 1)))
RX["wan_tp_esp_gre_inner6"] = (0, w(esp_enc(_te, gre4(TP_ESP4, in6(src="2001:db8:40::5")), 2)))
RX["wan_tp_esp_icv_flip"] = (0, w(flip_last(esp_enc(_te, gre4(TP_ESP4, _i40), 3))))
RX["wan_tp_esp_truncated"] = (0, w(trunc(esp_enc(_te, gre4(TP_ESP4, _i40), 4), 8 + 8 + 10)))
RX["wan_tp_esp_udp_closed"] = (0, w(esp_enc(_te, IP(src=TP_ESP4, dst=GW4) /
                                            UDP(sport=1234, dport=9) / Raw(b"x" * 16), 5)))
RX["wan_tp_esp_gw_echo"] = (0, w(esp_enc(_te, IP(src=TP_ESP4, dst=GW4) / ICMP() /
                                         Raw(b"ping"), 6)))
RX["wan_tp_esp_gre_inner_protected"] = (0, w(esp_enc(_te, gre4(TP_ESP4, in4(src="10.20.0.5")),
                                                     7)))
RX["wan_tp_esp_tunnel_sa"] = (0, w(esp_enc(SecurityAssociation(ESP, spi=0x500,
                                                               crypt_algo="AES-GCM",
                                                               crypt_key=K_PB_ESP_IN),
                                           gre4(PB_PEER4, _i40), 8)))
RX["wan_tp_clear_gre"] = (0, w(gre4(TP_ESP4, _i40)))
# AH (IPv4, gre_ta): forwarded (TTL, TOS and DF zero for the ICV and back), with IP options
# (record route zeroed for the ICV, router alert not), ICV, truncated, a bad length field,
# clear GRE from the protected peer, AH of SA 0x810 from the ESP peer (its in policy wants ESP)
_i41 = in4(src="10.41.0.5")
RX["wan_tp_ah_gre_fwd"] = (0, w(_ta.encrypt(gre4(TP_AH4, _i41, ttl=61, tos=0x20, id=5,
                                                 flags="DF"), seq_num=1)))
RX["wan_tp_ah_ip_options"] = (0, w(_ta.encrypt(gre4(TP_AH4, _i41, ttl=61, options=[
    IPOption_RR(routers=["198.51.100.1"]), IPOption_Router_Alert()]), seq_num=2)))
RX["wan_tp_ah_icv_flip"] = (0, w(ah_icv_flip(_ta.encrypt(gre4(TP_AH4, _i41), seq_num=3))))
RX["wan_tp_ah_truncated"] = (0, w(IP(src=TP_AH4, dst=GW4, proto=51) /
                                  Raw(bytes(_ta.encrypt(gre4(TP_AH4, _i41), seq_num=4)[AH])[:16])))
_bl = bytearray(bytes(_ta.encrypt(gre4(TP_AH4, _i41), seq_num=5)))
_bl[20 + 1] += 1   # AH payload length 5: 28 bytes, the header and a 12-byte ICV are 24
RX["wan_tp_ah_bad_length"] = (0, w(IP(bytes(_bl))))
RX["wan_tp_ah_clear_gre"] = (0, w(gre4(TP_AH4, _i41)))
RX["wan_tp_ah_from_esp_peer"] = (0, w(_ta.encrypt(gre4(TP_ESP4, _i40), seq_num=6)))
# AH (IPv6, ip6gre_ta): forwarded, hop-by-hop (a changing option) and destination options
# before AH, AH before the encapsulation limit option (as Linux's and tungw's ip6gre send it),
# 256 bytes up to AH (the most kept aside) and 296 (ah_bad_header), ICV
_i6_41 = in6(src="2001:db8:41::5")
RX["wan_tp_ah6_gre_fwd"] = (0, w(_ta6.encrypt(gre6(TP_AH6, _i6_41, hlim=61, tc=0x20),
                                              seq_num=1)))
RX["wan_tp_ah6_hbh_dstopt"] = (0, w(_ta6.encrypt(IPv6(src=TP_AH6, dst=GW6, hlim=61) / hbh_mut(4) /
                                                 dst_imm(4) / GRE(proto=0x86dd) / _i6_41,
                                                 seq_num=2)))
RX["wan_tp_ah6_tel_after_ah"] = (0, w(ah6_before(_ta6, 3, TP_AH6,
                                                bytes(tel(47) / GRE(proto=0x86dd) / _i6_41), 60,
                                                hlim=61)))
RX["wan_tp_ah6_exthdr_256"] = (0, w(_ta6.encrypt(IPv6(src=TP_AH6, dst=GW6) / hbh_mut(108) /
                                                 dst_imm(100) / GRE(proto=0x86dd) / _i6_41,
                                                 seq_num=4)))
RX["wan_tp_ah6_exthdr_long"] = (0, w(_ta6.encrypt(IPv6(src=TP_AH6, dst=GW6) / hbh_mut(124) /
                                                  dst_imm(124) / GRE(proto=0x86dd) / _i6_41,
                                                  seq_num=5)))
RX["wan_tp_ah6_icv_flip"] = (0, w(ah_icv_flip(_ta6.encrypt(gre6(TP_AH6, _i6_41), seq_num=6))))
# ESP (IPv6, ip6gre_te): forwarded, the encapsulation limit option inside the ESP (as Linux's
# and tungw's ip6gre send it), clear ip6gre from the protected peer without and with the
# encapsulation limit option
_i42 = in4(src="10.42.0.5")
RX["wan_tp_esp6_gre_fwd"] = (0, w(esp_enc(_te6, gre6(TP_ESP6, _i42), 1)))
RX["wan_tp_esp6_tel_inside"] = (0, w(esp_custom(_te6, IPv6(src=TP_ESP6, dst=GW6, nh=50), 2,
                                                bytes(tel(47) / GRE(proto=0x0800) / _i42), 60)))
RX["wan_tp_clear6_gre"] = (0, w(gre6(TP_ESP6, _i42)))
RX["wan_tp_clear6_gre_tel"] = (0, w(IPv6(src=TP_ESP6, dst=GW6) / tel(47) / GRE(proto=0x0800) /
                                    _i42))
# as reassembled packets travel (two segments: the decap nodes linearize)
RX["chain_wan_tp_esp_gre"] = (2, w(esp_enc(_te, gre4(TP_ESP4, IP(src="10.40.0.5", dst="10.1.0.5") /
                                                     u(300)), 9)))
RX["chain_wan_tp_ah6_gre"] = (2, w(_ta6.encrypt(gre6(TP_AH6, IPv6(src="2001:db8:41::5",
                                                                  dst="2001:db8:1::5") / u(300)),
                                                seq_num=7)))
# lan0 frames routed into the protected tunnels: out as ESP / AH after the outer IP header
# (0x801, 0x811, 0x901, 0x911), too big for the tunnel's MTU with room for ESP / AH
RX["lan_tp_esp_out"] = (1, l(in4(src="10.1.0.5", dst="10.40.0.9")))
RX["lan_tp_ah_out"] = (1, l(in4(src="10.1.0.5", dst="10.41.0.9", tos=0xb9)))
RX["lan_tp_esp6_out"] = (1, l(in4(src="10.1.0.5", dst="10.42.0.9")))
RX["lan_tp_ah6_out"] = (1, l(in6(src="2001:db8:1::5", dst="2001:db8:41::9")))
RX["lan_tp_esp_too_big_df"] = (1, l(IP(src="10.1.0.5", dst="10.40.0.9", flags="DF") / u(1360)))
RX["lan_tp_ah6_too_big"] = (1, l(IPv6(src="2001:db8:1::5", dst="2001:db8:41::9") / u(1340)))
RX["chain_lan_tp_ah_out"] = (3, l(IP(src="10.1.0.5", dst="10.41.0.9") / u(300)))

# ---- BEET (RFC 7402, policy-based) with BEET_PEER: rfc4106(gcm(aes)) states whose "sel" is
# 10.1.0.5 <-> 10.50.0.9 (0xa01 out, 0xa00 in), 2001:db8:1::5 <-> 2001:db8:50::9 over the same
# IPv4 outer pair (0xa11 out, 0xa10 in) and 10.1.0.1 (the gateway's) <-> 10.50.0.9 (0xa21 out,
# 0xa20 in), no window; out policies 10.1.0.0/24 -> 10.50.0.0/24 (wider than the selector) and
# 2001:db8:1::/64 -> 2001:db8:50::/64, fwd policies back, an in policy to 10.1.0.1. The wire
# format is transport ESP around the inner payload under the outer header (scapy's transport
# SA): the inner header is rebuilt from the state's "sel" and the outer TTL / DS / ID / DF;
# next header 94 is the IPv4 options pseudo header (protocol, options length / 8, pad
# length, reserved, NOPs, options). ----
BEET_PEER, K_BEET_IN = "192.0.2.14", _k(0xe0, 20)
_be = SecurityAssociation(ESP, spi=0xa00, crypt_algo="AES-GCM", crypt_key=K_BEET_IN)
_be6 = SecurityAssociation(ESP, spi=0xa10, crypt_algo="AES-GCM", crypt_key=K_BEET_IN)
_beg = SecurityAssociation(ESP, spi=0xa20, crypt_algo="AES-GCM", crypt_key=K_BEET_IN)


def beet_in(sa, inner, seq, **kw):
    """inner (an IP or IPv6 packet between the state's sel addresses) as BEET_PEER sends it:
    its payload in transport ESP under the outer header, its protocol the next header."""
    proto = inner.nh if inner.version == 6 else inner.proto
    return esp_enc(sa, IP(src=BEET_PEER, dst=GW4, proto=proto, **kw) / Raw(bytes(inner.payload)),
                   seq)


def beet_ph(sa, seq, payload, **kw):  # next header 94: payload starts with the pseudo header
    return esp_enc(sa, IP(src=BEET_PEER, dst=GW4, proto=94, **kw) / Raw(payload), seq)


_b4 = IP(src="10.50.0.9", dst="10.1.0.5") / u()
_b6 = IPv6(src="2001:db8:50::9", dst="2001:db8:1::5") / u()
_RA = bytes(IPOption_Router_Alert())                       # 4 bytes
_OPT8 = _RA + b"\x01\x01\x01\x00"                          # router alert, NOPs, end
_OPT40 = bytes(IPOption_RR(routers=["198.51.100.%d" % i for i in range(1, 10)])) + b"\x00"
_bu = bytes(_b4[UDP])
# received: forwarded (IPv4 inner with the outer TTL / TOS / ID / DF, IPv6 inner), the
# pseudo header with 4, 8 and 40 bytes of options (forwarded with them), pseudo header
# lengths past the payload, over 40 bytes, not a multiple of 4, negative, a payload shorter
# than the pseudo header (esp_bad_beet_header), next header 94 on the IPv6-inner SA
# (esp_bad_next_header), ICV, truncated, TTL 1 after the rebuild, to the gateway's own
# address (the in policy; the echo reply leaves through 0xa21), clear from the protected
# subnet (xfrm_policy_mismatch: forwarded and to the gateway)
RX["wan_beet_fwd"] = (0, w(beet_in(_be, _b4, 1, ttl=50, tos=0x28, id=77, flags="DF")))
RX["wan_beet6_fwd"] = (0, w(beet_in(_be6, _b6, 1, ttl=50, tos=0x28)))
RX["wan_beet_ph_opt4"] = (0, w(beet_ph(_be, 2, bytes([17, 0, 0, 0]) + _RA + _bu, ttl=50)))
RX["wan_beet_ph_opt8"] = (0, w(beet_ph(_be, 3, bytes([17, 1, 4, 0]) + b"\x01" * 4 + _OPT8 + _bu,
                                       ttl=50, flags="DF")))
RX["wan_beet_ph_opt40"] = (0, w(beet_ph(_be, 4, bytes([17, 5, 4, 0]) + b"\x01" * 4 + _OPT40 +
                                        _bu)))
RX["wan_beet_ph_past_payload"] = (0, w(beet_ph(_be, 5, bytes([17, 4, 4, 0]) + b"\x01" * 4 +
                                               _OPT8 + _bu[:8])))
RX["wan_beet_ph_over_40"] = (0, w(beet_ph(_be, 6, bytes([17, 5, 0, 0]) + b"\x01" * 44 + _bu)))
RX["wan_beet_ph_not_mult4"] = (0, w(beet_ph(_be, 7, bytes([17, 0, 2, 0]) + b"\x01" * 4 + _bu)))
RX["wan_beet_ph_negative"] = (0, w(beet_ph(_be, 8, bytes([17, 0, 8, 0]) + b"\x01" * 8 + _bu)))
RX["wan_beet_ph_short"] = (0, w(beet_ph(_be, 9, bytes([17, 0, 0]))))
RX["wan_beet6_ph"] = (0, w(beet_ph(_be6, 2, bytes([17, 0, 0, 0]) + _RA + _bu)))
RX["wan_beet_icv_flip"] = (0, w(flip_last(beet_in(_be, _b4, 10))))
RX["wan_beet_truncated"] = (0, w(trunc(beet_in(_be, _b4, 11), 8 + 8 + 10)))
RX["wan_beet_ttl1"] = (0, w(beet_in(_be, _b4, 12, ttl=1)))
RX["wan_beet_gw_echo"] = (0, w(beet_in(_beg, IP(src="10.50.0.9", dst="10.1.0.1") / ICMP() /
                                       Raw(b"ping"), 1)))
RX["wan_beet_clear_fwd"] = (0, w(_b4))
RX["wan_beet_clear_gw_echo"] = (0, w(IP(src="10.50.0.9", dst="10.1.0.1") / ICMP() / Raw(b"ping")))
RX["chain_wan_beet_fwd"] = (2, w(beet_in(_be, IP(src="10.50.0.9", dst="10.1.0.5") / u(300), 13)))
# lan0: between the selector's addresses (ESP 0xa01 / 0xa11 to BEET_PEER), from another
# address the out policy selects (xfrm_no_state), IPv4 options (4 bytes; 8 with record
# route: into the pseudo header), the BEET MTU (1400 - 20 - 8 - 8 - 16 - 8 - 2 + 20 = 1358:
# a 1358-byte DF packet leaves, 1359 gets frag needed 1358), too big without DF (the outer
# packet fragmented), IPv6 too big (the carrier's MTU 1380 comes first), an IPv4 fragment and
# an IPv6 one (as sent: BEET carries the IPv6 fragment header, the IPv4 one's offset and MF
# it drops; the kernel refuses both, xfrm4/6_extract_output)
BEET_LAN = dict(src="10.1.0.5", dst="10.50.0.9")
BEET_LAN6 = dict(src="2001:db8:1::5", dst="2001:db8:50::9")
RX["lan_beet_out"] = (1, l(in4(**BEET_LAN)))
RX["lan_beet_other_src"] = (1, l(in4(src="10.1.0.6", dst="10.50.0.9")))
RX["lan_beet_ip_options"] = (1, l(IP(options=[IPOption_Router_Alert()], **BEET_LAN) / u()))
RX["lan_beet_ip_options8"] = (1, l(IP(options=[IPOption_RR(routers=["198.51.100.1"])],
                                      **BEET_LAN) / u()))
RX["lan_beet_mtu_max_df"] = (1, l(IP(flags="DF", **BEET_LAN) / u(1358 - 28)))
RX["lan_beet_too_big_df"] = (1, l(IP(flags="DF", **BEET_LAN) / u(1359 - 28)))
RX["lan_beet_big_no_df"] = (1, l(IP(**BEET_LAN) / u(1370 - 28)))
RX["lan_beet_fragment"] = (1, l(IP(flags="MF", **BEET_LAN) / u(32)))
RX["lan_beet6_out"] = (1, l(in6(**BEET_LAN6)))
RX["lan_beet6_other_src"] = (1, l(in6(src="2001:db8:1::6", dst="2001:db8:50::9")))
RX["lan_beet6_too_big"] = (1, l(IPv6(**BEET_LAN6) / u(1381 - 48)))
RX["lan_beet6_fragment"] = (1, l(IPv6(**BEET_LAN6) / IPv6ExtHdrFragment(m=1, id=7) / u(32)))
RX["chain_lan_beet_out"] = (3, l(IP(**BEET_LAN) / u(300)))

# ---- AH through a vti (vti_ah, key 15, 192.0.2.15): AH hmac(sha256) tunnel mode, in 0xb00
# ("mark": 15, the vti's ikey; no window), out 0xb01; 0xb02 from the same peer with mark 16;
# in and out policies with mark 15 and AH templates. AH from the vti's endpoints is looked up
# with the ikey as the mark and received on the vti (vti4 registers for AH as for ESP); traffic
# routed into the vti goes out through the AH state's carrier (a copy of the vti), handed over
# by the ESP encap node. ----
VTI_AH_PEER = "192.0.2.15"
K_VTI_AH_IN = _k(0x31, 32)
_va = _ah(0xb00, VTI_AH_PEER, GW4, "SHA2-256-128", K_VTI_AH_IN)
# received: forwarded (IPv4 and IPv6 inner, chain), the SA whose mark (16) is not the vti's
# ikey and the vti's SA from a host that is not the vti's remote (no vti: mark 0), both
# no_tunnel; xfrm0's SA 0x400 (no mark: any mark matches) from the vti's peer (decapsulated
# on the vti, its policies looked up with the SA's if_id 9: xfrm0's in policy lets it in,
# forwarded), ICV, truncated
RX["wan_vti_ah_fwd"] = (0, w(_va.encrypt(in4(src="10.60.0.5"), seq_num=1)))
RX["wan_vti_ah_inner6"] = (0, w(_va.encrypt(in6(src="2001:db8:60::5"), seq_num=2)))
RX["chain_wan_vti_ah_fwd"] = (2, w(_va.encrypt(IP(src="10.60.0.5", dst="10.1.0.5") / u(300),
                                               seq_num=3)))
RX["wan_vti_ah_wrong_mark"] = (0, w(_ah(0xb02, VTI_AH_PEER, GW4, "SHA2-256-128",
                                        K_VTI_AH_IN).encrypt(in4(src="10.60.0.5"), seq_num=1)))
RX["wan_vti_ah_not_vti_peer"] = (0, w(_ah(0xb00, "192.0.2.8", GW4, "SHA2-256-128",
                                          K_VTI_AH_IN).encrypt(in4(src="10.60.0.5"),
                                                               seq_num=4)))
RX["wan_vti_ah_xfrm0_sa"] = (0, w(_ah(0x400, VTI_AH_PEER, GW4, "SHA2-256-128", K_AH256,
                                      esn_en=True, esn=0).encrypt(in4(src="10.60.0.5"),
                                                                  seq_num=6)))
RX["wan_vti_ah_icv_flip"] = (0, w(ah_icv_flip(_va.encrypt(in4(src="10.60.0.5"), seq_num=5))))
RX["wan_vti_ah_truncated"] = (0, w(IP(src=VTI_AH_PEER, dst=GW4, proto=51) /
                                   Raw(bytes(_va.encrypt(in4(src="10.60.0.5"),
                                                         seq_num=6)[AH])[:16])))
# lan0 routed into vti_ah: AH 0xb01 (next header IPIP / IPv6) to VTI_AH_PEER, chain; DF
# 1348 bytes leaves, 1349 is too big for the carrier (1380 less the 32-byte AH header)
RX["lan_vti_ah_out"] = (1, l(in4(src="10.1.0.5", dst="10.60.0.9", tos=0xb9)))
RX["lan_vti_ah_out6"] = (1, l(in6(src="2001:db8:1::5", dst="2001:db8:60::9")))
RX["lan_vti_ah_mtu_max_df"] = (1, l(IP(src="10.1.0.5", dst="10.60.0.9", flags="DF") /
                                    u(1348 - 28)))
RX["lan_vti_ah_too_big_df"] = (1, l(IP(src="10.1.0.5", dst="10.60.0.9", flags="DF") /
                                    u(1349 - 28)))
RX["chain_lan_vti_ah_out"] = (3, l(IP(src="10.1.0.5", dst="10.60.0.9") / u(300)))

# ---- a tunnel's outer packets under tunnel-mode IPsec, a block policy, no template:
# gre_tm_esp (192.0.2.16; rfc4106(gcm(aes)) tunnel mode 0xc01 out, 0xc00 in), gre_tm_ah
# (192.0.2.17; AH hmac(sha1) 0xc11 / 0xc10), policy-based out and in policies "proto": "gre"
# with tunnel-mode templates between the same endpoints ("GRE over IPsec tunnel mode");
# gre_tm_block (192.0.2.18) whose outer packets an out block policy selects, gre_tm_clear
# (192.0.2.19) an allow policy without a template; 10.61-64.0.0/24 routed into them. ----
TM_ESP, TM_AH = "192.0.2.16", "192.0.2.17"
_tme = _sa(0xc00, TM_ESP, GW4, crypt_algo="AES-GCM", crypt_key=_k(0x41, 20))
_tma = _ah(0xc10, TM_AH, GW4, "HMAC-SHA1-96", _k(0x81, 20))
_i61 = IP(src="10.61.0.5", dst="10.1.0.5") / u()
# received: tunnel-mode ESP / AH around IP/GRE from the peer (decrypted, the in policy for
# GRE to the gateway, the GRE decapsulated, the inner forwarded; chain), ICV, UDP to the
# gateway inside (no in policy selects it), clear GRE from the peer (xfrm_policy_mismatch)
RX["wan_tm_esp_gre_fwd"] = (0, w(esp_enc(_tme, gre4(TM_ESP, _i61), 1)))
RX["wan_tm_esp_gre_inner6"] = (0, w(esp_enc(_tme, gre4(TM_ESP, in6(src="2001:db8:61::5")), 2)))
RX["chain_wan_tm_esp_gre"] = (2, w(esp_enc(_tme, gre4(TM_ESP, IP(src="10.61.0.5",
                                                                 dst="10.1.0.5") / u(300)), 3)))
RX["wan_tm_esp_icv_flip"] = (0, w(flip_last(esp_enc(_tme, gre4(TM_ESP, _i61), 4))))
RX["wan_tm_esp_udp_local"] = (0, w(esp_enc(_tme, IP(src=TM_ESP, dst=GW4) / u(), 5)))
RX["wan_tm_clear_gre"] = (0, w(gre4(TM_ESP, _i61)))
RX["wan_tm_ah_gre_fwd"] = (0, w(_tma.encrypt(gre4(TM_AH, IP(src="10.62.0.5", dst="10.1.0.5") /
                                                  u()), seq_num=1)))
RX["wan_tm_ah_icv_flip"] = (0, w(ah_icv_flip(_tma.encrypt(gre4(TM_AH, IP(src="10.62.0.5",
                                                                          dst="10.1.0.5") / u()),
                                                           seq_num=2))))
# lan0 into each: ESP 0xc01 around IP(192.0.2.1 > TM_ESP, GRE) (chain), AH 0xc11 likewise,
# xfrm_policy_block, GRE in the clear; gre_tm_esp's MTU with room for the state's overhead
# (1400 - 20 - 8 - 8 - 16, down to 4, - 2 - 24 = 1322: DF 1322 leaves, 1323 frag needed),
# gre_tm_ah's (1400 - 20 - 24 - 24 = 1332: DF 1333 frag needed)
RX["lan_tm_esp_out"] = (1, l(in4(src="10.1.0.5", dst="10.61.0.9")))
RX["lan_tm_esp_out6"] = (1, l(in6(src="2001:db8:1::5", dst="2001:db8:61::9")))
RX["chain_lan_tm_esp_out"] = (3, l(IP(src="10.1.0.5", dst="10.61.0.9") / u(300)))
RX["lan_tm_esp_mtu_max_df"] = (1, l(IP(src="10.1.0.5", dst="10.61.0.9", flags="DF") /
                                    u(1322 - 28)))
RX["lan_tm_esp_too_big_df"] = (1, l(IP(src="10.1.0.5", dst="10.61.0.9", flags="DF") /
                                    u(1323 - 28)))
RX["lan_tm_esp_big_no_df"] = (1, l(IP(src="10.1.0.5", dst="10.61.0.9") / u(1360)))
RX["lan_tm_ah_out"] = (1, l(in4(src="10.1.0.5", dst="10.62.0.9", tos=0xb9)))
RX["lan_tm_ah_too_big_df"] = (1, l(IP(src="10.1.0.5", dst="10.62.0.9", flags="DF") /
                                   u(1333 - 28)))
RX["lan_tm_block"] = (1, l(in4(src="10.1.0.5", dst="10.63.0.9")))
RX["lan_tm_clear"] = (1, l(in4(src="10.1.0.5", dst="10.64.0.9")))

# ---- NAT-T over IPv6 with NATT6_PEER: rfc4106(gcm(aes)) ESP in UDP 4500 -> 4500, in 0xd00 (no
# window) for 2001:db8:30::/64 -> lan0's, out 0xd01; out, in and fwd policies; UDP 4500 opened
# on IPv6. A zero UDP checksum is refused over IPv6 (RFC 8200 §8.1); sent, the checksum is
# computed (the kernel's esp_output_encap_csum). ----
NATT6_PEER = "2001:db8:ff::11"
_ne6 = _sa(0xd00, NATT6_PEER, GW6, crypt_algo="AES-GCM", crypt_key=_k(0xc1, 20))


def in_udp6(esp_pkt, chksum=None, ext=None, **kw):
    """esp_pkt (outer IPv6 / ESP) with the ESP in UDP 4500 -> 4500: checksum computed (None)
    or the one given; ext: extension headers before UDP."""
    o = IPv6(src=esp_pkt[IPv6].src, dst=esp_pkt[IPv6].dst, **kw)
    if ext is not None:
        o = o / ext
    return o / UDP(sport=4500, dport=4500, chksum=chksum) / Raw(bytes(esp_pkt[ESP]))


def natt6(payload, **kw):
    return w(IPv6(src=NATT6_PEER, dst=GW6) / UDP(sport=4500, dport=4500, **kw) / Raw(payload))


_i30 = in6(src="2001:db8:30::5")
# received: forwarded; IPv4 inside (10.30.0.0/24's fwd policy wants the IPv4 SA 0x700:
# xfrm_policy_mismatch)
RX["wan_natt6_esp_fwd"] = (0, w(in_udp6(esp_enc(_ne6, _i30, 1))))
RX["wan_natt6_inner4_tmpl_mismatch"] = (0, w(in_udp6(esp_enc(_ne6, in4(src="10.30.0.5"), 2))))
# as chains: two bytes of Ethernet padding put the end of the first segment an even number of
# bytes into the datagram; without them it is odd (DPDK 22.11's rte_raw_cksum_mbuf truncated
# the second segment's unfolded sum to 16 bits before swapping its bytes, and the valid
# checksum failed: udp_bad_checksum; tgw_mbuf_cksum_segs sums it right): both forwarded
RX["chain_wan_natt6_esp_fwd"] = (2, bytes(w(in_udp6(esp_enc(_ne6, IPv6(src="2001:db8:30::5",
                                                                       dst="2001:db8:1::5") /
                                                            u(300), 3)))) + b"\0\0")
RX["chain_wan_natt6_odd_split"] = (2, w(in_udp6(esp_enc(_ne6, IPv6(src="2001:db8:30::5",
                                                                   dst="2001:db8:1::5") / u(300),
                                                        12))))
# zero checksum (udp_zero_checksum), bad checksum, keepalive (also with a zero checksum: the
# keepalive comes first), non-ESP marker, under four bytes, truncated ESP, a destination
# options header before UDP, ICV, ESP in UDP of the plain SA 0x600 and plain ESP of the NAT-T
# SA (esp_natt_mismatch)
RX["wan_natt6_zero_csum"] = (0, w(in_udp6(esp_enc(_ne6, _i30, 4), chksum=0)))
RX["wan_natt6_bad_csum"] = (0, w(in_udp6(esp_enc(_ne6, _i30, 5), chksum=0x1234)))
RX["wan_natt6_keepalive"] = (0, natt6(b"\xff"))
RX["wan_natt6_keepalive_zero_csum"] = (0, natt6(b"\xff", chksum=0))
RX["wan_natt6_ike"] = (0, natt6(_IKE_INIT))
RX["wan_natt6_short"] = (0, natt6(b"\x01\x02"))
RX["wan_natt6_esp_truncated"] = (0, natt6(bytes(esp_enc(_ne6, _i30, 6)[ESP])[:8 + 8 + 10]))
RX["wan_natt6_esp_exthdr"] = (0, w(in_udp6(esp_enc(_ne6, _i30, 7), ext=IPv6ExtHdrDestOpt(
    options=[PadN(optdata=b"\0" * 4)]))))
_nf6 = bytearray(bytes(esp_enc(_ne6, _i30, 9)[ESP]))
_nf6[-1] ^= 0x5a
RX["wan_natt6_esp_icv_flip"] = (0, natt6(bytes(_nf6)))   # the UDP checksum over the flip
RX["wan_natt6_plain_sa_in_udp"] = (0, w(in_udp6(esp_enc(_pe6, in6(src="2001:db8:20::5"), 10))))
RX["wan_natt6_sa_plain_esp"] = (0, w(esp_enc(_ne6, _i30, 11)))
# lan0: the out policy (leaves as IPv6/UDP 4500/ESP 0xd01 with a valid UDP checksum, chain),
# too big for the SA (1400 - 40 - 8 - 8 - 8 - 16, down to 4, - 2 = 1318: packet too big)
RX["lan_natt6_esp_out"] = (1, l(in6(src="2001:db8:1::5", dst="2001:db8:30::9")))
RX["chain_lan_natt6_esp_out"] = (3, l(IPv6(src="2001:db8:1::5", dst="2001:db8:30::9") / u(300)))
RX["lan_natt6_mtu_max"] = (1, l(IPv6(src="2001:db8:1::5", dst="2001:db8:30::9") / u(1318 - 48)))
RX["lan_natt6_too_big"] = (1, l(IPv6(src="2001:db8:1::5", dst="2001:db8:30::9") / u(1319 - 48)))

# ---- the gateway's own packets in transport mode: OWN_ESP (192.0.2.20) with transport ESP
# rfc4106(gcm(aes)) 0xe01 out / 0xe00 in, an out policy 192.0.2.1 -> OWN_ESP (every protocol)
# whose template names the state's addresses, an in policy back; OWN_AH (192.0.2.21) with
# transport AH hmac(sha1) 0xe11 / 0xe10, its out policy's template without addresses (as
# `ip xfrm policy ... tmpl proto ah mode transport`). ----
OWN_ESP, OWN_AH = "192.0.2.20", "192.0.2.21"
_oe = SecurityAssociation(ESP, spi=0xe00, crypt_algo="AES-GCM",
                          crypt_key=bytes(x & 0xff for x in range(0xf1, 0x105)))
_oa = SecurityAssociation(AH, spi=0xe10, auth_algo="HMAC-SHA1-96", auth_key=_k(0x24, 20))
_echo_oe = IP(src=OWN_ESP, dst=GW4) / ICMP(id=7, seq=1) / Raw(b"e" * 20)
# received: an echo request in transport ESP (the reply leaves in transport ESP 0xe01), UDP
# to a closed port (past the in policy: local_proto), chain, in the clear
# (xfrm_policy_mismatch); an echo request in transport AH from OWN_AH (its reply meets the
# out policy whose template, without addresses, was bound at start-up to the first AH
# transport state, gre_ta's 0x811; as the kernel's xfrm_state_find, the flow's addresses
# pick 0xe11 since 8d4a7a4: the reply leaves in AH 0xe11); lan0 to OWN_ESP
# (forwarded in the clear: the out policy's source is 192.0.2.1)
RX["wan_own_esp_echo"] = (0, w(esp_enc(_oe, _echo_oe, 1)))
RX["wan_own_esp_udp_closed"] = (0, w(esp_enc(_oe, IP(src=OWN_ESP, dst=GW4) /
                                             UDP(sport=1234, dport=9) / Raw(b"x" * 16), 2)))
RX["chain_wan_own_esp_echo"] = (2, w(esp_enc(_oe, IP(src=OWN_ESP, dst=GW4) / ICMP(id=7, seq=2) /
                                             Raw(b"e" * 300), 3)))
RX["wan_own_esp_clear_echo"] = (0, w(_echo_oe))
RX["wan_own_ah_echo"] = (0, w(_oa.encrypt(IP(src=OWN_AH, dst=GW4) / ICMP(id=8, seq=1) /
                                          Raw(b"a" * 20), seq_num=1)))
RX["lan_own_esp_peer_fwd"] = (1, l(in4(src="10.1.0.5", dst=OWN_ESP)))
# the gateway's ICMP error to OWN_ESP (time exceeded for its clear packet with TTL 1)
RX["wan_own_esp_ttl1_icmp"] = (0, w(IP(src=OWN_ESP, dst="10.1.0.5", ttl=1) / u()))



def load_text(p):
    with open(p) as f:
        return f.read()


CONFIG = {}
PORTS = [{"name": "wan0", "device": "net_null0", "addresses": ["192.0.2.1/24", "2001:db8:ff::1/64"]},
         {"name": "lan0", "device": "net_null1", "mac": "02:00:00:00:01:01",
          "addresses": ["10.1.0.1/24"], "mtu": 9000}]
CONFIG["minimal"] = {"ports": PORTS[:1]}
CONFIG["all_types"] = {
    "ports": PORTS,
    "tunnels": [
        {"name": "ipip1", "type": "ipip", "local": "192.0.2.1", "remote": "192.0.2.2",
         "ttl": "0x40", "tos": "inherit", "addresses": ["10.255.0.1/30"]},
        {"name": "sit1", "type": "sit", "mode": "any", "remote": "192.0.2.3", "pmtudisc": False},
        {"name": "ip6tnl1", "type": "ip6tnl", "remote": "2001:db8:ff::2", "encaplimit": "none",
         "flowlabel": "inherit", "hoplimit": 255},
        {"name": "ip6tnl2", "type": "ip6tnl", "mode": "ipip6", "local": "2001:db8:ff::1",
         "remote": "any", "encaplimit": 0, "flowlabel": "0x12345", "dev": "wan0", "mtu": 1280}],
    "routes": [{"dst": "10.2.0.0/24", "dev": "ipip1"}, {"dst": "default", "via": "192.0.2.254"},
               {"dst": "2001:db8:2::/48", "dev": "sit1"},
               {"dst": "default6", "via": "2001:db8:ff::fe", "dev": "wan0"}],
    "neighbors": [{"dst": "192.0.2.254", "lladdr": "02:00:00:00:00:fe", "dev": "wan0"}]}
BAD = {
    "bad_unknown_key": '{"ports": [{"name": "a", "device": "x", "mtuu": 1}]}',
    "bad_address": '{"ports": [{"name": "a", "device": "x"}], "tunnels": [{"name": "t", '
                   '"type": "ipip", "remote": "10.0.0.300"}]}',
    "bad_prefix": '{"ports": [{"name": "a", "device": "x", "addresses": ["1.2.3.4/33"]}]}',
    "bad_dup_name": '{"ports": [{"name": "a", "device": "x"}, {"name": "a", "device": "y"}]}',
    "bad_route_dev": '{"ports": [{"name": "a", "device": "x"}], "routes": [{"dst": "10.0.0.0/8",'
                     ' "dev": "b"}]}',
    "bad_type": '{"ports": [{"name": "a", "device": "x", "mtu": [1]}]}',
    "bad_syntax": '{"ports": [{"name": "a", "device": "x"}',
    "bad_missing": '{"ports": [{"device": "x"}]}',
    "bad_gre": '{"ports": [{"name": "a", "device": "x"}], "tunnels": [{"name": "g", '
               '"type": "gre", "remote": "1.2.3.4", "key": -1}]}',
    "bad_ttl": '{"ports": [{"name": "a", "device": "x"}], "tunnels": [{"name": "t", '
               '"type": "ipip", "remote": "1.2.3.4", "ttl": 256}]}',
    "bad_pmtudisc": '{"ports": [{"name": "a", "device": "x"}], "tunnels": [{"name": "t", '
                    '"type": "ipip", "remote": "1.2.3.4", "ttl": 64, "pmtudisc": false}]}',
    "bad_nested_escape": '{"ports": [{"name": "a\\"b", "device": "x\\u0000y", "addresses": '
                         '["::ffff:1.2.3.4/96", "fe80::1%eth0/64"]}]}',
    "bad_deep": '{"ports": [[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]}',
    "bad_big_ints": '{"ports": [{"name": "a", "device": "x", "mtu": 99999999999999999999}]}',
    "bad_hex": '{"ports": [{"name": "a", "device": "x", "mtu": "0x"}], "tunnels": []}',
    "bad_later": '{"ports": [{"name": "a", "device": "x"}], "xfrm": {}}',
}


def main():
    rx = os.path.join(HERE, "corpus", "rx")
    cfg = os.path.join(HERE, "corpus", "config")
    for d in (rx, cfg):
        os.makedirs(d, exist_ok=True)
        for f in glob.glob(os.path.join(d, "*")):
            if not os.path.basename(f).startswith("crash-"):
                os.remove(f)
    for name, (sel, pkt) in RX.items():
        with open(os.path.join(rx, name + ".bin"), "wb") as f:
            f.write(bytes([sel]) + bytes(pkt))
    for name, obj in CONFIG.items():
        with open(os.path.join(cfg, name + ".json"), "w") as f:
            json.dump(obj, f, indent=1)
    for name, text in BAD.items():
        with open(os.path.join(cfg, name + ".json"), "w") as f:
            f.write(text)
    # the example tables of the repository
    for p in sorted(glob.glob(os.path.join(HERE, "..", "..", "config", "*.json"))):
        with open(os.path.join(cfg, "example_" + os.path.basename(p)), "w") as f:
            f.write(load_text(p))
    print(f"{len(os.listdir(rx))} rx inputs, {len(os.listdir(cfg))} config inputs")


if __name__ == "__main__":
    main()
