/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target over the receive path: one frame per input goes into the
 * RX ring of a ring port of a gateway with every tunnel type, the worker's
 * graph is walked on the worker lcore (so reassembly runs as in production),
 * the control lcore answers ARP/ND and holds packets in between, and all
 * output is drained and freed. After each input the mbuf pools must be back to
 * where they were: anything else is a leak and aborts.
 *
 * Input: byte 0 selects (bit 0) the port, wan0 or lan0, and (bit 1) whether the
 * frame arrives as a two-segment chain (as a reassembled packet travels); the
 * rest is the Ethernet frame. The tailroom of every input segment is poisoned
 * for ASan, so a read past the packet is reported even inside the mempool.
 * FUZZ_RX_VERBOSE=1 prints what each input did: the frames sent (outer addresses,
 * protocol, ESP/AH SPI, also of ESP in UDP, the MTU of an ICMP fragmentation needed or
 * ICMPv6 packet too big) and the drop reasons counted.
 *
 * Build: CC=clang meson setup build-fuzz -Dfuzz=true && ninja -C build-fuzz
 * Run:   build-fuzz/tests/fuzz/fuzz_rx -max_total_time=60 tests/fuzz/corpus/rx
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sanitizer/asan_interface.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_graph_worker.h>
#include <rte_ip_frag.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "config.h"
#include "ctl.h"
#include "graph.h"
#include "ip_common.h"
#include "runtime.h"
#include "stats.h"

#define N_PORTS 2
#define MAX_FRAME 4000
#define NATT_PORT 4500 /* the UDP port of the NAT-T states below */

/* Every tunnel type and mode (FOU/GUE receive ports and encap too), nested tunnels, a tunnel
 * loop, a wildcard tunnel, a tunnel address, a small-MTU port (fragmentation, too big), resolved
 * and unresolved neighbours.
 * IPsec (keys as tests/fuzz/make_corpus.py's seeds): vti1 (key 5) with an AES-GCM SA out
 * (0x101) and two in, AES-GCM (0x100) and AES-CBC/HMAC-SHA1 with ESN (0x102); vti6a (key 6)
 * with chacha20-poly1305 SAs (0x201 out, 0x200 in; the in SA without replay window, so the
 * fuzzer keeps reaching what follows the ICV check when it mutates the outer header of a
 * valid seed); an SA with no vti (0x300, no window: its inner packets meet no policy); an in
 * policy of vti1 (inner source 10.99.0.0/16) whose template no SA satisfies; block policies
 * each way. xfrm0 (if_id 9): AH hmac(sha1) out to 192.0.2.9 (0x401) for 10.13.0.0/24, ESP
 * out over IPv6 (0x403) for 10.14.0.0/24; AH in from 192.0.2.9 (0x400, hmac(sha256), ESN,
 * no window) and from 2001:db8:ff::9 (0x402, hmac(sha1), no window; its template matches no
 * in policy).
 * Policy-based (no mark, no if_id) with 192.0.2.10 / 2001:db8:ff::10: rfc4106(gcm(aes)) ESP
 * out (0x501) and in (0x500) for 10.1.0.0/24 <-> 10.20.0.0/24, over IPv6 (0x601 out, 0x600
 * in) for 2001:db8:1::/64 <-> 2001:db8:20::/64, AH hmac(sha1) out (0x511) and in (0x510) for
 * 10.1.0.0/24 <-> 10.21.0.0/24; out, in and fwd policies for each pair, a fwd block policy for
 * 10.22.0.0/24; the in SAs without replay window. Their presence sends every forwarded packet
 * through the fwd (clear) and out policies, and decrypts SA 0x300's packets too.
 * NAT-T (RFC 3948, policy-based) with 192.0.2.11: rfc4106(gcm(aes)) ESP in UDP 4500 -> 4500
 * out (0x701) and in (0x700, no window) for 10.1.0.0/24 <-> 10.30.0.0/24, out, in and fwd
 * policies; the in SA makes UDP port 4500 a NAT-T receive port (keepalive, non-ESP marker,
 * ESP pulled out of UDP for the ESP decap node, which checks the SA's encapsulation).
 * Transport mode (the gateway's own tunnel packets, policy-based): gre_te to 192.0.2.12 over
 * rfc4106(gcm(aes)) ESP (0x801 out, 0x800 in), gre_ta to 192.0.2.13 over AH hmac(sha1) (0x811
 * out, 0x810 in), ip6gre_te to 2001:db8:ff::12 over ESP (0x901 out, 0x900 in) and ip6gre_ta
 * to 2001:db8:ff::13 over AH (0x911 out, 0x910 in); an out and an in policy each ("proto":
 * "gre", template transport ESP or AH), the in SAs without replay window; 10.40.0.0/24,
 * 10.41.0.0/24, 10.42.0.0/24 and 2001:db8:41::/64 routed into them.
 * BEET (RFC 7402, policy-based) with 192.0.2.14, rfc4106(gcm(aes)): inner 10.1.0.5 <->
 * 10.50.0.9 (0xa01 out, 0xa00 in) and, over the same IPv4 outer pair, 2001:db8:1::5 <->
 * 2001:db8:50::9 (0xa11 out, 0xa10 in); 10.1.0.1 (the gateway's) <-> 10.50.0.9 (0xa21 out,
 * 0xa20 in); out policies 10.1.0.1 -> 10.50.0.9 (spi 0xa21), 10.1.0.0/24 -> 10.50.0.0/24
 * (spi 0xa01: wider than the state's selector) and 2001:db8:1::/64 -> 2001:db8:50::/64 (a
 * beet template without spi: the state whose "sel" is IPv6), fwd policies back, an in
 * policy 10.50.0.0/24 -> 10.1.0.1 (spi 0xa20); the in SAs without replay window;
 * 10.50.0.0/24 and 2001:db8:50::/64 routed to the peer on wan0.
 * AH through a vti: vti_ah (key 15) to 192.0.2.15, AH hmac(sha256) tunnel mode out (0xb01)
 * and in (0xb00, "mark": 15, no window), in and out policies with mark 15 and AH templates
 * (the out SA goes through a carrier copied from the vti); 0xb02 from the same peer with
 * mark 16; 10.60.0.0/24 and 2001:db8:60::/64 routed into the vti.
 * A tunnel's outer packets under policy-based out policies: gre_tm_esp to 192.0.2.16 with
 * tunnel-mode rfc4106(gcm(aes)) ESP (0xc01 out, 0xc00 in), gre_tm_ah to 192.0.2.17 with
 * tunnel-mode AH hmac(sha1) (0xc11, 0xc10), out and in policies "proto": "gre" with
 * tunnel-mode templates between the same endpoints; gre_tm_block to 192.0.2.18 (a block
 * policy), gre_tm_clear to 192.0.2.19 (an allow policy without a template); 10.61-64.0.0/24
 * (and 2001:db8:61::/64) routed into them.
 * NAT-T over IPv6 with 2001:db8:ff::11: rfc4106(gcm(aes)) ESP in UDP 4500 -> 4500 out (0xd01)
 * and in (0xd00, no window) for 2001:db8:1::/64 <-> 2001:db8:30::/64, out, in and fwd
 * policies (UDP 4500 opened on IPv6).
 * The gateway's own packets in transport mode: 192.0.2.1 <-> 192.0.2.20 transport ESP
 * rfc4106(gcm(aes)) (0xe01 out, 0xe00 in), an out policy for all of 192.0.2.1 -> 192.0.2.20
 * whose template names the state's addresses, an in policy back; 192.0.2.1 <-> 192.0.2.21
 * transport AH hmac(sha1) (0xe11, 0xe10), its out policy's template without addresses. */
static const char config_fmt[] =
	"{\"ports\": [\n"
	" {\"name\": \"wan0\", \"device\": \"%s\", \"mac\": \"02:00:00:00:00:01\", \"mtu\": 1400,\n"
	"  \"addresses\": [\"192.0.2.1/24\", \"2001:db8:ff::1/64\"]},\n"
	" {\"name\": \"lan0\", \"device\": \"%s\", \"mac\": \"02:00:00:00:01:01\",\n"
	"  \"addresses\": [\"10.1.0.1/24\", \"2001:db8:1::1/64\"]}],\n"
	" \"tunnels\": [\n"
	" {\"name\": \"ipip1\", \"type\": \"ipip\", \"local\": \"192.0.2.1\", \"remote\": "
	"\"192.0.2.2\",\n"
	"  \"addresses\": [\"10.255.0.1/30\"]},\n"
	" {\"name\": \"ipip_nopmtu\", \"type\": \"ipip\", \"local\": \"192.0.2.1\",\n"
	"  \"remote\": \"192.0.2.4\", \"pmtudisc\": false, \"tos\": \"inherit\"},\n"
	" {\"name\": \"tunl0\", \"type\": \"ipip\", \"local\": \"any\", \"remote\": \"any\"},\n"
	" {\"name\": \"sit1\", \"type\": \"sit\", \"mode\": \"any\", \"local\": \"192.0.2.1\",\n"
	"  \"remote\": \"192.0.2.3\", \"ttl\": 64},\n"
	" {\"name\": \"ip6tnl1\", \"type\": \"ip6tnl\", \"mode\": \"any\", \"local\": "
	"\"2001:db8:ff::1\",\n"
	"  \"remote\": \"2001:db8:ff::2\", \"addresses\": [\"2001:db8:fe::1/64\"]},\n"
	" {\"name\": \"ip6tnl_nl\", \"type\": \"ip6tnl\", \"remote\": \"2001:db8:ff::3\",\n"
	"  \"encaplimit\": \"none\", \"flowlabel\": \"inherit\", \"hoplimit\": \"inherit\"},\n"
	" {\"name\": \"ip6tnl_l0\", \"type\": \"ip6tnl\", \"remote\": \"2001:db8:ff::4\",\n"
	"  \"encaplimit\": 0, \"tos\": \"inherit\"},\n"
	" {\"name\": \"nested\", \"type\": \"ipip\", \"local\": \"10.255.0.1\", \"remote\": "
	"\"10.2.0.77\"},\n"
	" {\"name\": \"loop\", \"type\": \"ipip\", \"local\": \"192.0.2.1\", \"remote\": "
	"\"10.7.0.1\"},\n"
	" {\"name\": \"gre0\", \"type\": \"gre\", \"local\": \"192.0.2.1\", \"remote\": \"192.0.2.2\"},\n"
	" {\"name\": \"gre1\", \"type\": \"gre\", \"local\": \"192.0.2.1\", \"remote\": \"192.0.2.2\",\n"
	"  \"key\": 1, \"seq\": true, \"csum\": true},\n"
	" {\"name\": \"ip6gre1\", \"type\": \"ip6gre\", \"remote\": \"2001:db8:ff::2\", \"ikey\": 9},\n"
	" {\"name\": \"gretap1\", \"type\": \"gretap\", \"local\": \"192.0.2.1\",\n"
	"  \"remote\": \"192.0.2.3\"},\n"
	" {\"name\": \"erspan1\", \"type\": \"erspan\", \"local\": \"192.0.2.1\",\n"
	"  \"remote\": \"192.0.2.3\", \"key\": 5, \"erspan_ver\": 2},\n"
	" {\"name\": \"erspan2\", \"type\": \"erspan\", \"local\": \"192.0.2.1\",\n"
	"  \"remote\": \"192.0.2.4\", \"key\": 6},\n"
	" {\"name\": \"ip6erspan1\", \"type\": \"ip6erspan\", \"remote\": \"2001:db8:ff::3\",\n"
	"  \"key\": 7},\n"
	" {\"name\": \"ipip_fou\", \"type\": \"ipip\", \"local\": \"192.0.2.1\", \"remote\": "
	"\"192.0.2.5\",\n"
	"  \"encap\": {\"type\": \"fou\", \"dport\": 5555, \"csum\": true}},\n"
	" {\"name\": \"gre_gue\", \"type\": \"gre\", \"local\": \"192.0.2.1\", \"remote\": "
	"\"192.0.2.6\",\n"
	"  \"encap\": {\"type\": \"gue\", \"dport\": 5556}},\n"
	" {\"name\": \"gnv1\", \"type\": \"geneve\", \"id\": 100, \"remote\": \"192.0.2.3\",\n"
	"  \"options\": [{\"class\": 258, \"type\": 129, \"data\": \"00112233\"}]},\n"
	" {\"name\": \"gnv6\", \"type\": \"geneve\", \"id\": 101, \"remote\": \"2001:db8:ff::3\",\n"
	"  \"udp6zerocsumrx\": true},\n"
	" {\"name\": \"vx1\", \"type\": \"vxlan\", \"id\": 42, \"remote\": \"192.0.2.4\",\n"
	"  \"udpcsum\": true},\n"
	" {\"name\": \"vti1\", \"type\": \"vti\", \"key\": 5, \"local\": \"192.0.2.1\",\n"
	"  \"remote\": \"192.0.2.7\", \"addresses\": [\"10.254.0.1/30\"]},\n"
	" {\"name\": \"vti6a\", \"type\": \"vti6\", \"key\": 6,\n"
	"  \"local\": \"2001:db8:ff::1\", \"remote\": \"2001:db8:ff::7\"},\n"
	" {\"name\": \"xfrm0\", \"type\": \"xfrm\", \"dev\": \"wan0\", \"if_id\": 9},\n"
	" {\"name\": \"gre_te\", \"type\": \"gre\", \"local\": \"192.0.2.1\",\n"
	"  \"remote\": \"192.0.2.12\"},\n"
	" {\"name\": \"gre_ta\", \"type\": \"gre\", \"local\": \"192.0.2.1\",\n"
	"  \"remote\": \"192.0.2.13\"},\n"
	" {\"name\": \"ip6gre_te\", \"type\": \"ip6gre\", \"local\": \"2001:db8:ff::1\",\n"
	"  \"remote\": \"2001:db8:ff::12\"},\n"
	" {\"name\": \"ip6gre_ta\", \"type\": \"ip6gre\", \"local\": \"2001:db8:ff::1\",\n"
	"  \"remote\": \"2001:db8:ff::13\"},\n"
	" {\"name\": \"vti_ah\", \"type\": \"vti\", \"key\": 15, \"local\": \"192.0.2.1\",\n"
	"  \"remote\": \"192.0.2.15\"},\n"
	" {\"name\": \"gre_tm_esp\", \"type\": \"gre\", \"local\": \"192.0.2.1\",\n"
	"  \"remote\": \"192.0.2.16\"},\n"
	" {\"name\": \"gre_tm_ah\", \"type\": \"gre\", \"local\": \"192.0.2.1\",\n"
	"  \"remote\": \"192.0.2.17\"},\n"
	" {\"name\": \"gre_tm_block\", \"type\": \"gre\", \"local\": \"192.0.2.1\",\n"
	"  \"remote\": \"192.0.2.18\"},\n"
	" {\"name\": \"gre_tm_clear\", \"type\": \"gre\", \"local\": \"192.0.2.1\",\n"
	"  \"remote\": \"192.0.2.19\"}],\n"
	" \"fou\": [{\"port\": 5555, \"ipproto\": 4}, {\"port\": 5556, \"gue\": true},\n"
	"  {\"port\": 5557, \"ipproto\": 47}, {\"port\": 5555, \"ipproto\": 41, \"family\": \"ipv6\"}],\n"
	" \"bridges\": [{\"name\": \"br0\", \"members\": [\"gretap1\", \"erspan1\", \"ip6erspan1\",\n"
	"  \"gnv1\", \"gnv6\", \"vx1\"]}],\n"
	" \"mirrors\": [{\"dev\": \"lan0\", \"direction\": \"both\", \"to\": \"erspan2\"}],\n"
	" \"routes\": [\n"
	" {\"dst\": \"10.2.0.0/24\", \"dev\": \"ipip1\"},\n"
	" {\"dst\": \"10.5.0.0/24\", \"dev\": \"ipip_nopmtu\"},\n"
	" {\"dst\": \"2001:db8:2::/64\", \"dev\": \"sit1\"},\n"
	" {\"dst\": \"10.3.0.0/24\", \"dev\": \"sit1\"},\n"
	" {\"dst\": \"2001:db8:3::/64\", \"dev\": \"ip6tnl1\"},\n"
	" {\"dst\": \"10.4.0.0/24\", \"dev\": \"ip6tnl1\"},\n"
	" {\"dst\": \"2001:db8:4::/64\", \"dev\": \"ip6tnl_nl\"},\n"
	" {\"dst\": \"2001:db8:5::/64\", \"dev\": \"ip6tnl_l0\"},\n"
	" {\"dst\": \"10.6.0.0/24\", \"dev\": \"nested\"},\n"
	" {\"dst\": \"10.7.0.0/24\", \"dev\": \"loop\"},\n"
	" {\"dst\": \"10.8.0.0/24\", \"dev\": \"gre1\"},\n"
	" {\"dst\": \"2001:db8:6::/64\", \"dev\": \"ip6gre1\"},\n"
	" {\"dst\": \"10.9.0.0/24\", \"dev\": \"ipip_fou\"},\n"
	" {\"dst\": \"10.10.0.0/24\", \"dev\": \"gre_gue\"},\n"
	" {\"dst\": \"10.11.0.0/24\", \"dev\": \"vti1\"},\n"
	" {\"dst\": \"2001:db8:12::/64\", \"dev\": \"vti1\"},\n"
	" {\"dst\": \"2001:db8:11::/64\", \"dev\": \"vti6a\"},\n"
	" {\"dst\": \"10.12.0.0/24\", \"dev\": \"vti6a\"},\n"
	" {\"dst\": \"10.13.0.0/24\", \"dev\": \"xfrm0\"},\n"
	" {\"dst\": \"10.14.0.0/24\", \"dev\": \"xfrm0\"},\n"
	" {\"dst\": \"2001:db8:13::/64\", \"dev\": \"xfrm0\"},\n"
	" {\"dst\": \"10.20.0.0/24\", \"via\": \"192.0.2.10\", \"dev\": \"wan0\"},\n"
	" {\"dst\": \"10.21.0.0/24\", \"via\": \"192.0.2.10\", \"dev\": \"wan0\"},\n"
	" {\"dst\": \"2001:db8:20::/64\", \"via\": \"2001:db8:ff::10\", \"dev\": \"wan0\"},\n"
	" {\"dst\": \"10.30.0.0/24\", \"via\": \"192.0.2.11\", \"dev\": \"wan0\"},\n"
	" {\"dst\": \"10.40.0.0/24\", \"dev\": \"gre_te\"},\n"
	" {\"dst\": \"10.41.0.0/24\", \"dev\": \"gre_ta\"},\n"
	" {\"dst\": \"10.42.0.0/24\", \"dev\": \"ip6gre_te\"},\n"
	" {\"dst\": \"2001:db8:41::/64\", \"dev\": \"ip6gre_ta\"},\n"
	" {\"dst\": \"10.50.0.0/24\", \"via\": \"192.0.2.14\", \"dev\": \"wan0\"},\n"
	" {\"dst\": \"2001:db8:50::/64\", \"via\": \"2001:db8:ff::14\", \"dev\": \"wan0\"},\n"
	" {\"dst\": \"10.60.0.0/24\", \"dev\": \"vti_ah\"},\n"
	" {\"dst\": \"2001:db8:60::/64\", \"dev\": \"vti_ah\"},\n"
	" {\"dst\": \"10.61.0.0/24\", \"dev\": \"gre_tm_esp\"},\n"
	" {\"dst\": \"2001:db8:61::/64\", \"dev\": \"gre_tm_esp\"},\n"
	" {\"dst\": \"10.62.0.0/24\", \"dev\": \"gre_tm_ah\"},\n"
	" {\"dst\": \"10.63.0.0/24\", \"dev\": \"gre_tm_block\"},\n"
	" {\"dst\": \"10.64.0.0/24\", \"dev\": \"gre_tm_clear\"},\n"
	" {\"dst\": \"2001:db8:30::/64\", \"via\": \"2001:db8:ff::11\", \"dev\": \"wan0\"},\n"
	" {\"dst\": \"default\", \"via\": \"192.0.2.254\"},\n"
	" {\"dst\": \"default6\", \"via\": \"2001:db8:ff::fe\", \"dev\": \"wan0\"}],\n"
	" \"neighbors\": [\n"
	" {\"dst\": \"192.0.2.2\", \"lladdr\": \"02:00:00:00:00:02\", \"dev\": \"wan0\"},\n"
	" {\"dst\": \"192.0.2.3\", \"lladdr\": \"02:00:00:00:00:03\", \"dev\": \"wan0\"},\n"
	" {\"dst\": \"192.0.2.4\", \"lladdr\": \"02:00:00:00:00:04\", \"dev\": \"wan0\"},\n"
	" {\"dst\": \"192.0.2.5\", \"lladdr\": \"02:00:00:00:00:05\", \"dev\": \"wan0\"},\n"
	" {\"dst\": \"192.0.2.6\", \"lladdr\": \"02:00:00:00:00:06\", \"dev\": \"wan0\"},\n"
	" {\"dst\": \"192.0.2.7\", \"lladdr\": \"02:00:00:00:00:07\", \"dev\": \"wan0\"},\n"
	" {\"dst\": \"192.0.2.9\", \"lladdr\": \"02:00:00:00:00:09\", \"dev\": \"wan0\"},\n"
	" {\"dst\": \"192.0.2.10\", \"lladdr\": \"02:00:00:00:00:10\", \"dev\": \"wan0\"},\n"
	" {\"dst\": \"192.0.2.11\", \"lladdr\": \"02:00:00:00:00:11\", \"dev\": \"wan0\"},\n"
	" {\"dst\": \"192.0.2.12\", \"lladdr\": \"02:00:00:00:00:12\", \"dev\": \"wan0\"},\n"
	" {\"dst\": \"192.0.2.13\", \"lladdr\": \"02:00:00:00:00:13\", \"dev\": \"wan0\"},\n"
	" {\"dst\": \"192.0.2.14\", \"lladdr\": \"02:00:00:00:00:14\", \"dev\": \"wan0\"},\n"
	" {\"dst\": \"192.0.2.15\", \"lladdr\": \"02:00:00:00:00:15\", \"dev\": \"wan0\"},\n"
	" {\"dst\": \"192.0.2.16\", \"lladdr\": \"02:00:00:00:00:16\", \"dev\": \"wan0\"},\n"
	" {\"dst\": \"192.0.2.17\", \"lladdr\": \"02:00:00:00:00:17\", \"dev\": \"wan0\"},\n"
	" {\"dst\": \"192.0.2.18\", \"lladdr\": \"02:00:00:00:00:18\", \"dev\": \"wan0\"},\n"
	" {\"dst\": \"192.0.2.19\", \"lladdr\": \"02:00:00:00:00:19\", \"dev\": \"wan0\"},\n"
	" {\"dst\": \"192.0.2.20\", \"lladdr\": \"02:00:00:00:00:20\", \"dev\": \"wan0\"},\n"
	" {\"dst\": \"192.0.2.21\", \"lladdr\": \"02:00:00:00:00:21\", \"dev\": \"wan0\"},\n"
	" {\"dst\": \"192.0.2.254\", \"lladdr\": \"02:00:00:00:00:fe\", \"dev\": \"wan0\"},\n"
	" {\"dst\": \"2001:db8:ff::7\", \"lladdr\": \"02:00:00:00:00:07\", \"dev\": \"wan0\"},\n"
	" {\"dst\": \"2001:db8:ff::2\", \"lladdr\": \"02:00:00:00:00:02\", \"dev\": \"wan0\"},\n"
	" {\"dst\": \"2001:db8:ff::3\", \"lladdr\": \"02:00:00:00:00:03\", \"dev\": \"wan0\"},\n"
	" {\"dst\": \"2001:db8:ff::10\", \"lladdr\": \"02:00:00:00:00:10\", \"dev\": \"wan0\"},\n"
	" {\"dst\": \"2001:db8:ff::12\", \"lladdr\": \"02:00:00:00:00:12\", \"dev\": \"wan0\"},\n"
	" {\"dst\": \"2001:db8:ff::13\", \"lladdr\": \"02:00:00:00:00:13\", \"dev\": \"wan0\"},\n"
	" {\"dst\": \"2001:db8:ff::14\", \"lladdr\": \"02:00:00:00:00:14\", \"dev\": \"wan0\"},\n"
	" {\"dst\": \"2001:db8:ff::11\", \"lladdr\": \"02:00:00:00:00:11\", \"dev\": \"wan0\"},\n"
	" {\"dst\": \"2001:db8:ff::fe\", \"lladdr\": \"02:00:00:00:00:fe\", \"dev\": \"wan0\"},\n"
	" {\"dst\": \"10.1.0.5\", \"lladdr\": \"02:00:00:00:01:05\", \"dev\": \"lan0\"},\n"
	" {\"dst\": \"2001:db8:1::5\", \"lladdr\": \"02:00:00:00:01:05\", \"dev\": \"lan0\"}],\n"
	" \"xfrm\": {\"states\": [\n"
	" {\"src\": \"192.0.2.1\", \"dst\": \"192.0.2.7\", \"proto\": \"esp\",\n"
	"  \"spi\": \"0x101\", \"mode\": \"tunnel\", \"aead\": {\"name\": \"rfc4106(gcm(aes))\",\n"
	"  \"key\": \"0x202122232425262728292a2b2c2d2e2f30313233\", \"icv_bits\": 128}},\n"
	" {\"src\": \"192.0.2.7\", \"dst\": \"192.0.2.1\", \"proto\": \"esp\",\n"
	"  \"spi\": \"0x100\", \"mode\": \"tunnel\", \"aead\": {\"name\": \"rfc4106(gcm(aes))\",\n"
	"  \"key\": \"0x000102030405060708090a0b0c0d0e0f10111213\", \"icv_bits\": 128}},\n"
	" {\"src\": \"192.0.2.7\", \"dst\": \"192.0.2.1\", \"proto\": \"esp\",\n"
	"  \"spi\": \"0x102\", \"mode\": \"tunnel\", \"esn\": true,\n"
	"  \"enc\": {\"name\": \"cbc(aes)\", \"key\": \"0x404142434445464748494a4b4c4d4e4f\"},\n"
	"  \"auth\": {\"name\": \"hmac(sha1)\",\n"
	"   \"key\": \"0x606162636465666768696a6b6c6d6e6f70717273\"}},\n"
	" {\"src\": \"2001:db8:ff::1\", \"dst\": \"2001:db8:ff::7\", \"proto\": \"esp\",\n"
	"  \"spi\": \"0x201\", \"mode\": \"tunnel\",\n"
	"  \"aead\": {\"name\": \"rfc7539esp(chacha20,poly1305)\", \"key\":\n"
	"   \"0xb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3\"}},\n"
	" {\"src\": \"2001:db8:ff::7\", \"dst\": \"2001:db8:ff::1\", \"proto\": \"esp\",\n"
	"  \"spi\": \"0x200\", \"mode\": \"tunnel\", \"replay_window\": 0,\n"
	"  \"aead\": {\"name\": \"rfc7539esp(chacha20,poly1305)\", \"key\":\n"
	"   \"0x808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9fa0a1a2a3\"}},\n"
	" {\"src\": \"192.0.2.8\", \"dst\": \"192.0.2.1\", \"proto\": \"esp\",\n"
	"  \"spi\": \"0x300\", \"mode\": \"tunnel\", \"replay_window\": 0,\n"
	"  \"aead\": {\"name\": \"rfc4106(gcm(aes))\",\n"
	"   \"key\": \"0x000102030405060708090a0b0c0d0e0f10111213\"}},\n"
	" {\"src\": \"192.0.2.1\", \"dst\": \"192.0.2.9\", \"proto\": \"ah\", \"spi\": \"0x401\",\n"
	"  \"mode\": \"tunnel\", \"if_id\": 9,\n"
	"  \"auth\": {\"name\": \"sha1\", \"key\": \"beef_fish_pork_salad\"}},\n"
	" {\"src\": \"192.0.2.9\", \"dst\": \"192.0.2.1\", \"proto\": \"ah\", \"spi\": \"0x400\",\n"
	"  \"mode\": \"tunnel\", \"if_id\": 9, \"esn\": true, \"replay_window\": 0,\n"
	"  \"auth\": {\"name\": \"hmac(sha256)\",\n"
	"   \"key\": \"0xc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf\"}},\n"
	" {\"src\": \"2001:db8:ff::9\", \"dst\": \"2001:db8:ff::1\", \"proto\": \"ah\",\n"
	"  \"spi\": \"0x402\", \"mode\": \"tunnel\", \"if_id\": 9, \"replay_window\": 0,\n"
	"  \"auth\": {\"name\": \"sha1\", \"key\": \"beef_fish_pork_salad\"}},\n"
	" {\"src\": \"2001:db8:ff::1\", \"dst\": \"2001:db8:ff::9\", \"proto\": \"esp\",\n"
	"  \"spi\": \"0x403\", \"mode\": \"tunnel\", \"if_id\": 9, \"aead\":\n"
	"  {\"name\": \"rfc4106(gcm(aes))\", \"key\": \"0x000102030405060708090a0b0c0d0e0f10111213\"}},\n"
	" {\"src\": \"192.0.2.1\", \"dst\": \"192.0.2.10\", \"proto\": \"esp\",\n"
	"  \"spi\": \"0x501\", \"mode\": \"tunnel\",\n"
	"  \"aead\": {\"name\": \"rfc4106(gcm(aes))\",\n"
	"   \"key\": \"0xe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3\", \"icv_bits\": 128}},\n"
	" {\"src\": \"192.0.2.10\", \"dst\": \"192.0.2.1\", \"proto\": \"esp\",\n"
	"  \"spi\": \"0x500\", \"mode\": \"tunnel\", \"replay_window\": 0,\n"
	"  \"aead\": {\"name\": \"rfc4106(gcm(aes))\",\n"
	"   \"key\": \"0xd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3\", \"icv_bits\": 128}},\n"
	" {\"src\": \"2001:db8:ff::1\", \"dst\": \"2001:db8:ff::10\", \"proto\": \"esp\",\n"
	"  \"spi\": \"0x601\", \"mode\": \"tunnel\",\n"
	"  \"aead\": {\"name\": \"rfc4106(gcm(aes))\",\n"
	"   \"key\": \"0xe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3\", \"icv_bits\": 128}},\n"
	" {\"src\": \"2001:db8:ff::10\", \"dst\": \"2001:db8:ff::1\", \"proto\": \"esp\",\n"
	"  \"spi\": \"0x600\", \"mode\": \"tunnel\", \"replay_window\": 0,\n"
	"  \"aead\": {\"name\": \"rfc4106(gcm(aes))\",\n"
	"   \"key\": \"0xd0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3\", \"icv_bits\": 128}},\n"
	" {\"src\": \"192.0.2.1\", \"dst\": \"192.0.2.10\", \"proto\": \"ah\",\n"
	"  \"spi\": \"0x511\", \"mode\": \"tunnel\", \"auth\": {\"name\": \"hmac(sha1)\",\n"
	"   \"key\": \"0x505152535455565758595a5b5c5d5e5f60616263\"}},\n"
	" {\"src\": \"192.0.2.10\", \"dst\": \"192.0.2.1\", \"proto\": \"ah\",\n"
	"  \"spi\": \"0x510\", \"mode\": \"tunnel\", \"replay_window\": 0,\n"
	"  \"auth\": {\"name\": \"hmac(sha1)\",\n"
	"   \"key\": \"0x303132333435363738393a3b3c3d3e3f40414243\"}},\n"
	" {\"src\": \"192.0.2.1\", \"dst\": \"192.0.2.11\", \"proto\": \"esp\",\n"
	"  \"spi\": \"0x701\", \"mode\": \"tunnel\",\n"
	"  \"encap\": {\"type\": \"espinudp\", \"sport\": 4500, \"dport\": 4500},\n"
	"  \"aead\": {\"name\": \"rfc4106(gcm(aes))\",\n"
	"   \"key\": \"0xc0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3\", \"icv_bits\": 128}},\n"
	" {\"src\": \"192.0.2.11\", \"dst\": \"192.0.2.1\", \"proto\": \"esp\",\n"
	"  \"spi\": \"0x700\", \"mode\": \"tunnel\", \"replay_window\": 0,\n"
	"  \"encap\": {\"type\": \"espinudp\", \"sport\": 4500, \"dport\": 4500},\n"
	"  \"aead\": {\"name\": \"rfc4106(gcm(aes))\",\n"
	"   \"key\": \"0xa0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3\", \"icv_bits\": 128}},\n"
	" {\"src\": \"192.0.2.1\", \"dst\": \"192.0.2.12\", \"proto\": \"esp\",\n"
	"  \"spi\": \"0x801\", \"mode\": \"transport\",\n"
	"  \"aead\": {\"name\": \"rfc4106(gcm(aes))\",\n"
	"   \"key\": \"0x909192939495969798999a9b9c9d9e9fa0a1a2a3\", \"icv_bits\": 128}},\n"
	" {\"src\": \"192.0.2.12\", \"dst\": \"192.0.2.1\", \"proto\": \"esp\",\n"
	"  \"spi\": \"0x800\", \"mode\": \"transport\", \"replay_window\": 0,\n"
	"  \"aead\": {\"name\": \"rfc4106(gcm(aes))\",\n"
	"   \"key\": \"0x707172737475767778797a7b7c7d7e7f80818283\", \"icv_bits\": 128}},\n"
	" {\"src\": \"192.0.2.1\", \"dst\": \"192.0.2.13\", \"proto\": \"ah\",\n"
	"  \"spi\": \"0x811\", \"mode\": \"transport\", \"auth\": {\"name\": \"hmac(sha1)\",\n"
	"   \"key\": \"0x15161718191a1b1c1d1e1f202122232425262728\"}},\n"
	" {\"src\": \"192.0.2.13\", \"dst\": \"192.0.2.1\", \"proto\": \"ah\",\n"
	"  \"spi\": \"0x810\", \"mode\": \"transport\", \"replay_window\": 0,\n"
	"  \"auth\": {\"name\": \"hmac(sha1)\",\n"
	"   \"key\": \"0xb4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7\"}},\n"
	" {\"src\": \"2001:db8:ff::1\", \"dst\": \"2001:db8:ff::12\", \"proto\": \"esp\",\n"
	"  \"spi\": \"0x901\", \"mode\": \"transport\",\n"
	"  \"aead\": {\"name\": \"rfc4106(gcm(aes))\",\n"
	"   \"key\": \"0x909192939495969798999a9b9c9d9e9fa0a1a2a3\", \"icv_bits\": 128}},\n"
	" {\"src\": \"2001:db8:ff::12\", \"dst\": \"2001:db8:ff::1\", \"proto\": \"esp\",\n"
	"  \"spi\": \"0x900\", \"mode\": \"transport\", \"replay_window\": 0,\n"
	"  \"aead\": {\"name\": \"rfc4106(gcm(aes))\",\n"
	"   \"key\": \"0x707172737475767778797a7b7c7d7e7f80818283\", \"icv_bits\": 128}},\n"
	" {\"src\": \"2001:db8:ff::1\", \"dst\": \"2001:db8:ff::13\", \"proto\": \"ah\",\n"
	"  \"spi\": \"0x911\", \"mode\": \"transport\", \"auth\": {\"name\": \"hmac(sha1)\",\n"
	"   \"key\": \"0x15161718191a1b1c1d1e1f202122232425262728\"}},\n"
	" {\"src\": \"2001:db8:ff::13\", \"dst\": \"2001:db8:ff::1\", \"proto\": \"ah\",\n"
	"  \"spi\": \"0x910\", \"mode\": \"transport\", \"replay_window\": 0,\n"
	"  \"auth\": {\"name\": \"hmac(sha1)\",\n"
	"   \"key\": \"0xb4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7\"}},\n"
	" {\"src\": \"192.0.2.1\", \"dst\": \"192.0.2.14\", \"proto\": \"esp\",\n"
	"  \"spi\": \"0xa01\", \"mode\": \"beet\",\n"
	"  \"sel\": {\"src\": \"10.1.0.5\", \"dst\": \"10.50.0.9\"},\n"
	"  \"aead\": {\"name\": \"rfc4106(gcm(aes))\",\n"
	"   \"key\": \"0x505152535455565758595a5b5c5d5e5f60616263\", \"icv_bits\": 128}},\n"
	" {\"src\": \"192.0.2.14\", \"dst\": \"192.0.2.1\", \"proto\": \"esp\",\n"
	"  \"spi\": \"0xa00\", \"mode\": \"beet\", \"replay_window\": 0,\n"
	"  \"sel\": {\"src\": \"10.50.0.9\", \"dst\": \"10.1.0.5\"},\n"
	"  \"aead\": {\"name\": \"rfc4106(gcm(aes))\",\n"
	"   \"key\": \"0xe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3\", \"icv_bits\": 128}},\n"
	" {\"src\": \"192.0.2.1\", \"dst\": \"192.0.2.14\", \"proto\": \"esp\",\n"
	"  \"spi\": \"0xa11\", \"mode\": \"beet\",\n"
	"  \"sel\": {\"src\": \"2001:db8:1::5\", \"dst\": \"2001:db8:50::9\"},\n"
	"  \"aead\": {\"name\": \"rfc4106(gcm(aes))\",\n"
	"   \"key\": \"0x505152535455565758595a5b5c5d5e5f60616263\", \"icv_bits\": 128}},\n"
	" {\"src\": \"192.0.2.14\", \"dst\": \"192.0.2.1\", \"proto\": \"esp\",\n"
	"  \"spi\": \"0xa10\", \"mode\": \"beet\", \"replay_window\": 0,\n"
	"  \"sel\": {\"src\": \"2001:db8:50::9\", \"dst\": \"2001:db8:1::5\"},\n"
	"  \"aead\": {\"name\": \"rfc4106(gcm(aes))\",\n"
	"   \"key\": \"0xe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3\", \"icv_bits\": 128}},\n"
	" {\"src\": \"192.0.2.1\", \"dst\": \"192.0.2.14\", \"proto\": \"esp\",\n"
	"  \"spi\": \"0xa21\", \"mode\": \"beet\",\n"
	"  \"sel\": {\"src\": \"10.1.0.1\", \"dst\": \"10.50.0.9\"},\n"
	"  \"aead\": {\"name\": \"rfc4106(gcm(aes))\",\n"
	"   \"key\": \"0x505152535455565758595a5b5c5d5e5f60616263\", \"icv_bits\": 128}},\n"
	" {\"src\": \"192.0.2.14\", \"dst\": \"192.0.2.1\", \"proto\": \"esp\",\n"
	"  \"spi\": \"0xa20\", \"mode\": \"beet\", \"replay_window\": 0,\n"
	"  \"sel\": {\"src\": \"10.50.0.9\", \"dst\": \"10.1.0.1\"},\n"
	"  \"aead\": {\"name\": \"rfc4106(gcm(aes))\",\n"
	"   \"key\": \"0xe0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3\", \"icv_bits\": 128}},\n"
	" {\"src\": \"192.0.2.1\", \"dst\": \"192.0.2.15\", \"proto\": \"ah\",\n"
	"  \"spi\": \"0xb01\", \"mode\": \"tunnel\", \"auth\": {\"name\": \"hmac(sha256)\",\n"
	"  \"key\": \"0x1112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f30\"}},\n"
	" {\"src\": \"192.0.2.15\", \"dst\": \"192.0.2.1\", \"proto\": \"ah\",\n"
	"  \"spi\": \"0xb00\", \"mode\": \"tunnel\", \"mark\": 15, \"replay_window\": 0,\n"
	"  \"auth\": {\"name\": \"hmac(sha256)\",\n"
	"  \"key\": \"0x3132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f50\"}},\n"
	" {\"src\": \"192.0.2.15\", \"dst\": \"192.0.2.1\", \"proto\": \"ah\",\n"
	"  \"spi\": \"0xb02\", \"mode\": \"tunnel\", \"mark\": 16, \"replay_window\": 0,\n"
	"  \"auth\": {\"name\": \"hmac(sha256)\",\n"
	"  \"key\": \"0x3132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f50\"}},\n"
	" {\"src\": \"192.0.2.1\", \"dst\": \"192.0.2.16\", \"proto\": \"esp\",\n"
	"  \"spi\": \"0xc01\", \"mode\": \"tunnel\", \"aead\": {\"name\": \"rfc4106(gcm(aes))\",\n"
	"  \"key\": \"0x2122232425262728292a2b2c2d2e2f3031323334\", \"icv_bits\": 128}},\n"
	" {\"src\": \"192.0.2.16\", \"dst\": \"192.0.2.1\", \"proto\": \"esp\",\n"
	"  \"spi\": \"0xc00\", \"mode\": \"tunnel\", \"replay_window\": 0,\n"
	"  \"aead\": {\"name\": \"rfc4106(gcm(aes))\",\n"
	"  \"key\": \"0x4142434445464748494a4b4c4d4e4f5051525354\", \"icv_bits\": 128}},\n"
	" {\"src\": \"192.0.2.1\", \"dst\": \"192.0.2.17\", \"proto\": \"ah\",\n"
	"  \"spi\": \"0xc11\", \"mode\": \"tunnel\", \"auth\": {\"name\": \"hmac(sha1)\",\n"
	"  \"key\": \"0x6162636465666768696a6b6c6d6e6f7071727374\"}},\n"
	" {\"src\": \"192.0.2.17\", \"dst\": \"192.0.2.1\", \"proto\": \"ah\",\n"
	"  \"spi\": \"0xc10\", \"mode\": \"tunnel\", \"replay_window\": 0,\n"
	"  \"auth\": {\"name\": \"hmac(sha1)\",\n"
	"  \"key\": \"0x8182838485868788898a8b8c8d8e8f9091929394\"}},\n"
	" {\"src\": \"2001:db8:ff::1\", \"dst\": \"2001:db8:ff::11\", \"proto\": \"esp\",\n"
	"  \"spi\": \"0xd01\", \"mode\": \"tunnel\", \"encap\": {\"type\": \"espinudp\",\n"
	"  \"sport\": 4500, \"dport\": 4500}, \"aead\": {\"name\": \"rfc4106(gcm(aes))\",\n"
	"  \"key\": \"0xa1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4\", \"icv_bits\": 128}},\n"
	" {\"src\": \"2001:db8:ff::11\", \"dst\": \"2001:db8:ff::1\", \"proto\": \"esp\",\n"
	"  \"spi\": \"0xd00\", \"mode\": \"tunnel\", \"replay_window\": 0,\n"
	"  \"encap\": {\"type\": \"espinudp\", \"sport\": 4500, \"dport\": 4500},\n"
	"  \"aead\": {\"name\": \"rfc4106(gcm(aes))\",\n"
	"  \"key\": \"0xc1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4\", \"icv_bits\": 128}},\n"
	" {\"src\": \"192.0.2.1\", \"dst\": \"192.0.2.20\", \"proto\": \"esp\",\n"
	"  \"spi\": \"0xe01\", \"mode\": \"transport\",\n"
	"  \"aead\": {\"name\": \"rfc4106(gcm(aes))\",\n"
	"  \"key\": \"0xe1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4\", \"icv_bits\": 128}},\n"
	" {\"src\": \"192.0.2.20\", \"dst\": \"192.0.2.1\", \"proto\": \"esp\",\n"
	"  \"spi\": \"0xe00\", \"mode\": \"transport\", \"replay_window\": 0,\n"
	"  \"aead\": {\"name\": \"rfc4106(gcm(aes))\",\n"
	"  \"key\": \"0xf1f2f3f4f5f6f7f8f9fafbfcfdfeff0001020304\", \"icv_bits\": 128}},\n"
	" {\"src\": \"192.0.2.1\", \"dst\": \"192.0.2.21\", \"proto\": \"ah\",\n"
	"  \"spi\": \"0xe11\", \"mode\": \"transport\", \"auth\": {\"name\": \"hmac(sha1)\",\n"
	"  \"key\": \"0x0405060708090a0b0c0d0e0f1011121314151617\"}},\n"
	" {\"src\": \"192.0.2.21\", \"dst\": \"192.0.2.1\", \"proto\": \"ah\",\n"
	"  \"spi\": \"0xe10\", \"mode\": \"transport\", \"replay_window\": 0,\n"
	"  \"auth\": {\"name\": \"hmac(sha1)\",\n"
	"  \"key\": \"0x2425262728292a2b2c2d2e2f3031323334353637\"}}],\n"
	" \"policies\": [\n"
	" {\"dir\": \"in\", \"mark\": 5, \"src\": \"10.98.0.0/16\", \"action\": \"block\"},\n"
	" {\"dir\": \"in\", \"mark\": 5, \"src\": \"10.99.0.0/16\", \"tmpl\": [{\"src\": \"192.0.2.9\",\n"
	"  \"dst\": \"192.0.2.1\", \"proto\": \"esp\", \"mode\": \"tunnel\"}]},\n"
	" {\"dir\": \"in\", \"mark\": 5, \"tmpl\": [{\"src\": \"192.0.2.7\",\n"
	"  \"dst\": \"192.0.2.1\", \"proto\": \"esp\", \"mode\": \"tunnel\"}]},\n"
	" {\"dir\": \"out\", \"mark\": 5, \"dst\": \"10.11.0.128/25\", \"action\": \"block\"},\n"
	" {\"dir\": \"out\", \"mark\": 5, \"tmpl\": [{\"src\": \"192.0.2.1\",\n"
	"  \"dst\": \"192.0.2.7\", \"proto\": \"esp\", \"mode\": \"tunnel\"}]},\n"
	" {\"dir\": \"in\", \"mark\": 6, \"tmpl\": [{\"src\": \"2001:db8:ff::7\",\n"
	"  \"dst\": \"2001:db8:ff::1\", \"proto\": \"esp\", \"mode\": \"tunnel\"}]},\n"
	" {\"dir\": \"out\", \"mark\": 6, \"tmpl\": [{\"src\": \"2001:db8:ff::1\",\n"
	"  \"dst\": \"2001:db8:ff::7\", \"proto\": \"esp\", \"mode\": \"tunnel\"}]},\n"
	" {\"dir\": \"in\", \"if_id\": 9, \"tmpl\": [{\"src\": \"192.0.2.9\",\n"
	"  \"dst\": \"192.0.2.1\", \"proto\": \"ah\", \"mode\": \"tunnel\"}]},\n"
	" {\"dir\": \"out\", \"if_id\": 9, \"dst\": \"10.13.0.0/24\", \"tmpl\": [{\"src\": \"192.0.2.1\",\n"
	"  \"dst\": \"192.0.2.9\", \"proto\": \"ah\", \"mode\": \"tunnel\"}]},\n"
	" {\"dir\": \"out\", \"if_id\": 9, \"dst\": \"10.14.0.0/24\", \"tmpl\": [{\"src\":\n"
	"  \"2001:db8:ff::1\", \"dst\": \"2001:db8:ff::9\", \"proto\": \"esp\", \"mode\": \"tunnel\"}]},\n"
	" {\"dir\": \"out\", \"src\": \"10.1.0.0/24\", \"dst\": \"10.20.0.0/24\",\n"
	"  \"tmpl\": [{\"src\": \"192.0.2.1\", \"dst\": \"192.0.2.10\", \"proto\": \"esp\",\n"
	"   \"mode\": \"tunnel\"}]},\n"
	" {\"dir\": \"in\", \"src\": \"10.20.0.0/24\", \"dst\": \"10.1.0.0/24\",\n"
	"  \"tmpl\": [{\"src\": \"192.0.2.10\", \"dst\": \"192.0.2.1\", \"proto\": \"esp\",\n"
	"   \"mode\": \"tunnel\"}]},\n"
	" {\"dir\": \"fwd\", \"src\": \"10.20.0.0/24\", \"dst\": \"10.1.0.0/24\",\n"
	"  \"tmpl\": [{\"src\": \"192.0.2.10\", \"dst\": \"192.0.2.1\", \"proto\": \"esp\",\n"
	"   \"mode\": \"tunnel\"}]},\n"
	" {\"dir\": \"out\", \"src\": \"2001:db8:1::/64\", \"dst\": \"2001:db8:20::/64\",\n"
	"  \"tmpl\": [{\"src\": \"2001:db8:ff::1\", \"dst\": \"2001:db8:ff::10\",\n"
	"   \"proto\": \"esp\", \"mode\": \"tunnel\"}]},\n"
	" {\"dir\": \"in\", \"src\": \"2001:db8:20::/64\", \"dst\": \"2001:db8:1::/64\",\n"
	"  \"tmpl\": [{\"src\": \"2001:db8:ff::10\", \"dst\": \"2001:db8:ff::1\",\n"
	"   \"proto\": \"esp\", \"mode\": \"tunnel\"}]},\n"
	" {\"dir\": \"fwd\", \"src\": \"2001:db8:20::/64\", \"dst\": \"2001:db8:1::/64\",\n"
	"  \"tmpl\": [{\"src\": \"2001:db8:ff::10\", \"dst\": \"2001:db8:ff::1\",\n"
	"   \"proto\": \"esp\", \"mode\": \"tunnel\"}]},\n"
	" {\"dir\": \"out\", \"src\": \"10.1.0.0/24\", \"dst\": \"10.21.0.0/24\",\n"
	"  \"tmpl\": [{\"src\": \"192.0.2.1\", \"dst\": \"192.0.2.10\", \"proto\": \"ah\",\n"
	"   \"mode\": \"tunnel\"}]},\n"
	" {\"dir\": \"in\", \"src\": \"10.21.0.0/24\", \"dst\": \"10.1.0.0/24\",\n"
	"  \"tmpl\": [{\"src\": \"192.0.2.10\", \"dst\": \"192.0.2.1\", \"proto\": \"ah\",\n"
	"   \"mode\": \"tunnel\"}]},\n"
	" {\"dir\": \"fwd\", \"src\": \"10.21.0.0/24\", \"dst\": \"10.1.0.0/24\",\n"
	"  \"tmpl\": [{\"src\": \"192.0.2.10\", \"dst\": \"192.0.2.1\", \"proto\": \"ah\",\n"
	"   \"mode\": \"tunnel\"}]},\n"
	" {\"dir\": \"fwd\", \"dst\": \"10.22.0.0/24\", \"action\": \"block\"},\n"
	" {\"dir\": \"out\", \"src\": \"10.1.0.0/24\", \"dst\": \"10.30.0.0/24\",\n"
	"  \"tmpl\": [{\"src\": \"192.0.2.1\", \"dst\": \"192.0.2.11\", \"proto\": \"esp\",\n"
	"   \"mode\": \"tunnel\"}]},\n"
	" {\"dir\": \"in\", \"src\": \"10.30.0.0/24\", \"dst\": \"10.1.0.0/24\",\n"
	"  \"tmpl\": [{\"src\": \"192.0.2.11\", \"dst\": \"192.0.2.1\", \"proto\": \"esp\",\n"
	"   \"mode\": \"tunnel\"}]},\n"
	" {\"dir\": \"fwd\", \"src\": \"10.30.0.0/24\", \"dst\": \"10.1.0.0/24\",\n"
	"  \"tmpl\": [{\"src\": \"192.0.2.11\", \"dst\": \"192.0.2.1\", \"proto\": \"esp\",\n"
	"   \"mode\": \"tunnel\"}]},\n"
	" {\"dir\": \"out\", \"src\": \"192.0.2.1\", \"dst\": \"192.0.2.12\", \"proto\": \"gre\",\n"
	"  \"tmpl\": [{\"proto\": \"esp\", \"mode\": \"transport\"}]},\n"
	" {\"dir\": \"in\", \"src\": \"192.0.2.12\", \"dst\": \"192.0.2.1\", \"proto\": \"gre\",\n"
	"  \"tmpl\": [{\"proto\": \"esp\", \"mode\": \"transport\"}]},\n"
	" {\"dir\": \"out\", \"src\": \"192.0.2.1\", \"dst\": \"192.0.2.13\", \"proto\": \"gre\",\n"
	"  \"tmpl\": [{\"proto\": \"ah\", \"mode\": \"transport\"}]},\n"
	" {\"dir\": \"in\", \"src\": \"192.0.2.13\", \"dst\": \"192.0.2.1\", \"proto\": \"gre\",\n"
	"  \"tmpl\": [{\"proto\": \"ah\", \"mode\": \"transport\"}]},\n"
	" {\"dir\": \"out\", \"src\": \"2001:db8:ff::1\", \"dst\": \"2001:db8:ff::12\",\n"
	"  \"proto\": \"gre\", \"tmpl\": [{\"proto\": \"esp\", \"mode\": \"transport\"}]},\n"
	" {\"dir\": \"in\", \"src\": \"2001:db8:ff::12\", \"dst\": \"2001:db8:ff::1\",\n"
	"  \"proto\": \"gre\", \"tmpl\": [{\"proto\": \"esp\", \"mode\": \"transport\"}]},\n"
	" {\"dir\": \"out\", \"src\": \"2001:db8:ff::1\", \"dst\": \"2001:db8:ff::13\",\n"
	"  \"proto\": \"gre\", \"tmpl\": [{\"proto\": \"ah\", \"mode\": \"transport\"}]},\n"
	" {\"dir\": \"in\", \"src\": \"2001:db8:ff::13\", \"dst\": \"2001:db8:ff::1\",\n"
	"  \"proto\": \"gre\", \"tmpl\": [{\"proto\": \"ah\", \"mode\": \"transport\"}]},\n"
	" {\"dir\": \"out\", \"src\": \"10.1.0.1\", \"dst\": \"10.50.0.9\",\n"
	"  \"tmpl\": [{\"src\": \"192.0.2.1\", \"dst\": \"192.0.2.14\", \"proto\": \"esp\",\n"
	"   \"mode\": \"beet\", \"spi\": \"0xa21\"}]},\n"
	" {\"dir\": \"out\", \"src\": \"10.1.0.0/24\", \"dst\": \"10.50.0.0/24\",\n"
	"  \"tmpl\": [{\"src\": \"192.0.2.1\", \"dst\": \"192.0.2.14\", \"proto\": \"esp\",\n"
	"   \"mode\": \"beet\", \"spi\": \"0xa01\"}]},\n"
	" {\"dir\": \"fwd\", \"src\": \"10.50.0.0/24\", \"dst\": \"10.1.0.0/24\",\n"
	"  \"tmpl\": [{\"src\": \"192.0.2.14\", \"dst\": \"192.0.2.1\", \"proto\": \"esp\",\n"
	"   \"mode\": \"beet\"}]},\n"
	" {\"dir\": \"in\", \"src\": \"10.50.0.0/24\", \"dst\": \"10.1.0.1\",\n"
	"  \"tmpl\": [{\"src\": \"192.0.2.14\", \"dst\": \"192.0.2.1\", \"proto\": \"esp\",\n"
	"   \"mode\": \"beet\", \"spi\": \"0xa20\"}]},\n"
	" {\"dir\": \"out\", \"src\": \"2001:db8:1::/64\", \"dst\": \"2001:db8:50::/64\",\n"
	"  \"tmpl\": [{\"src\": \"192.0.2.1\", \"dst\": \"192.0.2.14\", \"proto\": \"esp\",\n"
	"   \"mode\": \"beet\"}]},\n"
	" {\"dir\": \"fwd\", \"src\": \"2001:db8:50::/64\", \"dst\": \"2001:db8:1::/64\",\n"
	"  \"tmpl\": [{\"src\": \"192.0.2.14\", \"dst\": \"192.0.2.1\", \"proto\": \"esp\",\n"
	"   \"mode\": \"beet\"}]},\n"
	" {\"dir\": \"in\", \"mark\": 15, \"tmpl\": [{\"src\": \"192.0.2.15\",\n"
	"  \"dst\": \"192.0.2.1\", \"proto\": \"ah\", \"mode\": \"tunnel\"}]},\n"
	" {\"dir\": \"out\", \"mark\": 15, \"tmpl\": [{\"src\": \"192.0.2.1\",\n"
	"  \"dst\": \"192.0.2.15\", \"proto\": \"ah\", \"mode\": \"tunnel\"}]},\n"
	" {\"dir\": \"out\", \"src\": \"192.0.2.1\", \"dst\": \"192.0.2.16\", \"proto\": \"gre\",\n"
	"  \"tmpl\": [{\"src\": \"192.0.2.1\", \"dst\": \"192.0.2.16\", \"proto\": \"esp\",\n"
	"  \"mode\": \"tunnel\"}]},\n"
	" {\"dir\": \"in\", \"src\": \"192.0.2.16\", \"dst\": \"192.0.2.1\", \"proto\": \"gre\",\n"
	"  \"tmpl\": [{\"src\": \"192.0.2.16\", \"dst\": \"192.0.2.1\", \"proto\": \"esp\",\n"
	"  \"mode\": \"tunnel\"}]},\n"
	" {\"dir\": \"out\", \"src\": \"192.0.2.1\", \"dst\": \"192.0.2.17\", \"proto\": \"gre\",\n"
	"  \"tmpl\": [{\"src\": \"192.0.2.1\", \"dst\": \"192.0.2.17\", \"proto\": \"ah\",\n"
	"  \"mode\": \"tunnel\"}]},\n"
	" {\"dir\": \"in\", \"src\": \"192.0.2.17\", \"dst\": \"192.0.2.1\", \"proto\": \"gre\",\n"
	"  \"tmpl\": [{\"src\": \"192.0.2.17\", \"dst\": \"192.0.2.1\", \"proto\": \"ah\",\n"
	"  \"mode\": \"tunnel\"}]},\n"
	" {\"dir\": \"out\", \"src\": \"192.0.2.1\", \"dst\": \"192.0.2.18\", \"proto\": \"gre\",\n"
	"  \"action\": \"block\"},\n"
	" {\"dir\": \"out\", \"src\": \"192.0.2.1\", \"dst\": \"192.0.2.19\",\n"
	"  \"proto\": \"gre\"},\n"
	" {\"dir\": \"out\", \"src\": \"2001:db8:1::/64\", \"dst\": \"2001:db8:30::/64\",\n"
	"  \"tmpl\": [{\"src\": \"2001:db8:ff::1\", \"dst\": \"2001:db8:ff::11\",\n"
	"  \"proto\": \"esp\", \"mode\": \"tunnel\"}]},\n"
	" {\"dir\": \"in\", \"src\": \"2001:db8:30::/64\", \"dst\": \"2001:db8:1::/64\",\n"
	"  \"tmpl\": [{\"src\": \"2001:db8:ff::11\", \"dst\": \"2001:db8:ff::1\",\n"
	"  \"proto\": \"esp\", \"mode\": \"tunnel\"}]},\n"
	" {\"dir\": \"fwd\", \"src\": \"2001:db8:30::/64\", \"dst\": \"2001:db8:1::/64\",\n"
	"  \"tmpl\": [{\"src\": \"2001:db8:ff::11\", \"dst\": \"2001:db8:ff::1\",\n"
	"  \"proto\": \"esp\", \"mode\": \"tunnel\"}]},\n"
	" {\"dir\": \"out\", \"src\": \"192.0.2.1\", \"dst\": \"192.0.2.20\",\n"
	"  \"tmpl\": [{\"src\": \"192.0.2.1\", \"dst\": \"192.0.2.20\", \"proto\": \"esp\",\n"
	"  \"mode\": \"transport\"}]},\n"
	" {\"dir\": \"in\", \"src\": \"192.0.2.20\", \"dst\": \"192.0.2.1\",\n"
	"  \"tmpl\": [{\"proto\": \"esp\", \"mode\": \"transport\"}]},\n"
	" {\"dir\": \"out\", \"src\": \"192.0.2.1\", \"dst\": \"192.0.2.21\",\n"
	"  \"tmpl\": [{\"proto\": \"ah\", \"mode\": \"transport\"}]},\n"
	" {\"dir\": \"in\", \"src\": \"192.0.2.21\", \"dst\": \"192.0.2.1\",\n"
	"  \"tmpl\": [{\"proto\": \"ah\", \"mode\": \"transport\"}]}]}}\n";

static struct rte_ring *rx_ring[N_PORTS], *tx_ring[N_PORTS];
static uint16_t port_id[N_PORTS];
static unsigned int worker;
static bool verbose; /* FUZZ_RX_VERBOSE=1: what each input did */
static uint64_t drops0[TGW_DROP_MAX];

/* Abort with a message: the fuzzer records the input. */
static void __attribute__((noreturn)) die(const char *fmt, const char *arg)
{
	fprintf(stderr, "fuzz_rx: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	abort();
}

const char *__asan_default_options(void);
const char *__ubsan_default_options(void);

/* DPDK keeps its memory to the end: no leak report at exit. */
const char *
__asan_default_options(void)
{
	return "detect_leaks=0";
}

/* Undefined behaviour is a finding, not a warning. */
const char *
__ubsan_default_options(void)
{
	return "halt_on_error=1:print_stacktrace=1:suppressions=" TGW_SRC_DIR
	       "/tests/fuzz/ubsan.supp";
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char prefix[64], err[512], dev[N_PORTS][RTE_ETH_NAME_MAX_LEN], *json;
	size_t jlen;

	RTE_SET_USED(argc);
	RTE_SET_USED(argv);
	snprintf(prefix, sizeof(prefix), "tgw_fuzz_rx_%d", (int)getpid());
	char *eal[] = {"fuzz_rx",	"--no-huge", "-m", "512", "--no-shconf",	 "--no-pci",
		       "--file-prefix", prefix,	     "-l", "0-1", "--log-level=*:error", NULL};

	if (rte_eal_init(RTE_DIM(eal) - 1, eal) < 0)
		die("EAL init failed: %s", rte_strerror(rte_errno));
	for (int p = 0; p < N_PORTS; p++) {
		char name[32];
		int id;

		snprintf(name, sizeof(name), "fzrx%d", p);
		rx_ring[p] =
			rte_ring_create(name, 1024, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "fztx%d", p);
		tx_ring[p] =
			rte_ring_create(name, 4096, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (rx_ring[p] == NULL || tx_ring[p] == NULL)
			die("rings: %s", rte_strerror(rte_errno));
		snprintf(name, sizeof(name), "fz%d", p);
		id = rte_eth_from_rings(name, &rx_ring[p], 1, &tx_ring[p], 1, SOCKET_ID_ANY);
		if (id < 0)
			die("rte_eth_from_rings: %s", rte_strerror(rte_errno));
		port_id[p] = id;
		rte_eth_dev_get_name_by_port(id, dev[p]);
	}
	jlen = sizeof(config_fmt) + 2 * RTE_ETH_NAME_MAX_LEN;
	json = malloc(jlen);
	snprintf(json, jlen, config_fmt, dev[0], dev[1]);
	if (tgw_config_load_text("fuzz_rx.json", json, err, sizeof(err)) < 0)
		die("config: %s", err);
	free(json);
	if (tgw_runtime_init(err, sizeof(err)) < 0 || tgw_runtime_start(err, sizeof(err)) < 0)
		die("runtime: %s", err);
	worker = tgw.workers[0];
	verbose = getenv("FUZZ_RX_VERBOSE") != NULL;
	return 0;
}

/* On the worker lcore: walk graph 0 until the RX rings are empty, then a few times more. */
static int
walk(void *arg)
{
	struct rte_graph *g = tgw_graph_of(0);

	RTE_SET_USED(arg);
	for (int i = 0; i < 2 * N_PORTS + 2; i++)
		rte_graph_walk(g);
	return 0;
}

static void
run_worker(void)
{
	if (rte_eal_remote_launch(walk, NULL, worker) != 0)
		die("%s", "remote launch failed");
	rte_eal_wait_lcore(worker);
}

/* Does the UDP checksum of the datagram at l4off of frame m verify (RFC 768 over the IPv4
 * or IPv6 pseudo header at ipoff; summed here, not by the code under test)? */
static bool
udp_csum_ok(const struct rte_mbuf *m, uint32_t ipoff, uint32_t l4off, bool v6)
{
	static uint8_t buf[MAX_FRAME + 64];
	uint8_t ub[8], ib[40];
	const uint8_t *ip = rte_pktmbuf_read(m, ipoff, v6 ? 40 : 20, ib);
	const uint8_t *u = rte_pktmbuf_read(m, l4off, sizeof(ub), ub);
	uint32_t ulen, s;

	if (ip == NULL || u == NULL)
		return false;
	ulen = (uint32_t)(u[4] << 8 | u[5]);
	if (ulen < 8 || ulen > sizeof(buf) || l4off + ulen > m->pkt_len)
		return false;
	u = rte_pktmbuf_read(m, l4off, ulen, buf);
	s = IPPROTO_UDP + ulen;
	for (uint32_t i = v6 ? 8 : 12; i < (v6 ? 40u : 20u); i += 2)
		s += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	for (uint32_t i = 0; i < ulen; i += 2)
		s += (uint32_t)(u[i] << 8 | (i + 1 < ulen ? u[i + 1] : 0));
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s == 0xffff;
}

/* FUZZ_RX_VERBOSE: one line per frame sent, its outer IP header (and an ESP/AH SPI, also of
 * ESP in UDP to or from NATT_PORT with whether a non-zero UDP checksum verifies; the MTU an
 * ICMP or ICMPv6 too-big error reports; the offset of a non-first IPv4 fragment instead). */
static void
describe(int p, const struct rte_mbuf *m)
{
	static const char *const port_name[N_PORTS] = {"wan0", "lan0"};
	uint8_t buf[14 + 60 + 8 + 4];
	const uint8_t *f = rte_pktmbuf_read(m, 0, RTE_MIN(m->pkt_len, sizeof(buf)), buf);
	uint32_t len = RTE_MIN(m->pkt_len, sizeof(buf));
	char src[INET6_ADDRSTRLEN] = "?", dst[INET6_ADDRSTRLEN] = "?";
	const uint8_t *ip = f + 14, *l4;
	uint16_t type;
	uint8_t proto;

	if (f == NULL || len < 14) {
		fprintf(stderr, "fuzz_rx:  %s: %u bytes\n", port_name[p], m->pkt_len);
		return;
	}
	type = (uint16_t)(f[12] << 8 | f[13]);
	if (type == RTE_ETHER_TYPE_IPV4 && len >= 14 + 20) {
		inet_ntop(AF_INET, ip + 12, src, sizeof(src));
		inet_ntop(AF_INET, ip + 16, dst, sizeof(dst));
		proto = ip[9];
		l4 = ip + (ip[0] & 0xf) * 4;
	} else if (type == RTE_ETHER_TYPE_IPV6 && len >= 14 + 40) {
		inet_ntop(AF_INET6, ip + 8, src, sizeof(src));
		inet_ntop(AF_INET6, ip + 24, dst, sizeof(dst));
		proto = ip[6];
		l4 = ip + 40;
	} else {
		fprintf(stderr, "fuzz_rx:  %s: ethertype 0x%04x, %u bytes\n", port_name[p], type,
			m->pkt_len);
		return;
	}
	fprintf(stderr, "fuzz_rx:  %s: %s > %s proto %u, %u bytes", port_name[p], src, dst, proto,
		m->pkt_len);
	if (type == RTE_ETHER_TYPE_IPV4 && ((ip[6] & 0x1f) | ip[7]) != 0) {
		/* a non-first fragment: no transport header to read */
		fprintf(stderr, ", fragment offset %u\n", ((ip[6] & 0x1fu) << 8 | ip[7]) * 8);
		return;
	}
	if ((proto == IPPROTO_ESP && l4 + 4 <= f + len) ||
	    (proto == IPPROTO_AH && l4 + 8 <= f + len)) {
		rte_be32_t spi;

		memcpy(&spi, l4 + (proto == IPPROTO_AH ? 4 : 0), sizeof(spi));
		fprintf(stderr, ", %s spi 0x%" PRIx32, proto == IPPROTO_AH ? "ah" : "esp",
			rte_be_to_cpu_32(spi));
	} else if (proto == IPPROTO_UDP && l4 + 8 + 4 <= f + len &&
		   ((l4[0] << 8 | l4[1]) == NATT_PORT || (l4[2] << 8 | l4[3]) == NATT_PORT)) {
		const char *ck = "";
		rte_be32_t spi;

		memcpy(&spi, l4 + 8, sizeof(spi));
		if ((l4[6] | l4[7]) != 0)
			ck = udp_csum_ok(m, 14, (uint32_t)(l4 - f), type == RTE_ETHER_TYPE_IPV6)
				     ? " (valid)"
				     : " (bad)";
		fprintf(stderr, ", udp %u > %u csum 0x%04x%s, espinudp spi 0x%" PRIx32,
			l4[0] << 8 | l4[1], l4[2] << 8 | l4[3], l4[6] << 8 | l4[7], ck,
			rte_be_to_cpu_32(spi));
	} else if (l4 + 8 <= f + len && ((proto == IPPROTO_ICMP && l4[0] == 3 && l4[1] == 4) ||
					 (proto == IPPROTO_ICMPV6 && l4[0] == 2))) {
		rte_be32_t mtu; /* of a fragmentation needed (RFC 1191) or a packet too big */
		uint32_t v;

		memcpy(&mtu, l4 + 4, sizeof(mtu));
		v = rte_be_to_cpu_32(mtu);
		if (proto == IPPROTO_ICMP)
			fprintf(stderr, ", frag needed mtu %" PRIu32, v & 0xffff);
		else
			fprintf(stderr, ", too big mtu %" PRIu32, v);
	}
	fprintf(stderr, "\n");
}

static void
drain(void)
{
	void *objs[64];
	unsigned int n, out[N_PORTS] = {0};

	for (int p = 0; p < N_PORTS; p++)
		while ((n = rte_ring_dequeue_burst(tx_ring[p], objs, RTE_DIM(objs), NULL)) > 0) {
			for (unsigned int i = 0; verbose && i < n; i++)
				describe(p, objs[i]);
			rte_pktmbuf_free_bulk((struct rte_mbuf **)objs, n);
			out[p] += n;
		}
	if (!verbose)
		return;
	fprintf(stderr, "fuzz_rx: out wan0 %u lan0 %u, drops:", out[0], out[1]);
	for (int r = 0; r < TGW_DROP_MAX; r++) {
		uint64_t v = tgw_stats_drop(r);

		if (v != drops0[r])
			fprintf(stderr, " %s %" PRIu64, tgw_drop_names[r], v - drops0[r]);
		drops0[r] = v;
	}
	fprintf(stderr, "\n");
}

/* Fragments waiting for their siblings would hold mbufs: expire them all. */
static void
reasm_flush(void)
{
	struct tgw_reasm *r[2] = {&tgw_reasm4[worker], &tgw_reasm6[worker]};

	for (int v = 0; v < 2; v++) {
		if (r[v]->tbl == NULL)
			continue;
		for (int k = 0; k < 4; k++) {
			rte_ip_frag_table_del_expired_entries(r[v]->tbl, &r[v]->dr, UINT64_MAX);
			rte_ip_frag_free_death_row(&r[v]->dr, 0);
		}
	}
}

static unsigned int
in_use(void)
{
	return rte_mempool_in_use_count(tgw.pool) + rte_mempool_in_use_count(tgw.indirect_pool);
}

static void
poison_tail(struct rte_mbuf *m, bool on)
{
	for (; m; m = m->next) {
		char *end = rte_pktmbuf_mtod_offset(m, char *, m->data_len);
		size_t room = (char *)m->buf_addr + m->buf_len - end;

		if (on)
			ASAN_POISON_MEMORY_REGION(end, room);
		else
			ASAN_UNPOISON_MEMORY_REGION(end, room);
	}
}

static void
unpoison_segs(struct rte_mbuf **segs, int n)
{
	for (int i = 0; i < n; i++)
		ASAN_UNPOISON_MEMORY_REGION(segs[i]->buf_addr, segs[i]->buf_len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rte_mbuf *m, *seg2 = NULL, *segs[2];
	unsigned int before, after, p, nseg = 1;
	size_t len, first;
	bool chain;

	if (size < 1)
		return 0;
	p = data[0] & 1;
	chain = data[0] & 2;
	data++;
	len = RTE_MIN(size - 1, (size_t)MAX_FRAME);
	first = chain ? len / 2 : len;
	before = in_use();
	/* the per-lcore ICMP error bucket: full for every input (deterministic) */
	tgw_icmp_bucket[worker].tokens = 50;

	m = rte_pktmbuf_alloc(tgw.pool);
	if (m == NULL)
		die("%s", "no mbuf");
	if (first > rte_pktmbuf_tailroom(m)) {
		/* too long for one segment: always a chain */
		first = rte_pktmbuf_tailroom(m);
		chain = true;
	}
	memcpy(rte_pktmbuf_append(m, first), data, first);
	segs[0] = m;
	if (chain && len > first) {
		seg2 = rte_pktmbuf_alloc(tgw.pool);
		if (seg2 == NULL)
			die("%s", "no mbuf");
		seg2->data_off = 0;
		if (len - first > rte_pktmbuf_tailroom(seg2))
			len = first + rte_pktmbuf_tailroom(seg2);
		memcpy(rte_pktmbuf_append(seg2, len - first), data + first, len - first);
		if (rte_pktmbuf_chain(m, seg2) < 0)
			die("%s", "chain");
		segs[nseg++] = seg2;
	}
	m->port = port_id[p]; /* what a PMD sets (net_ring does not) */
	poison_tail(m, true);
	if (rte_ring_enqueue(rx_ring[p], m) != 0)
		die("%s", "RX ring full");

	run_worker();
	unpoison_segs(segs, nseg);
	/* until quiet: control lcore (answers, held packets dropped), worker again */
	for (int round = 0; round < 8; round++) {
		tgw_ctl_poll();
		tgw_ctl_fini(); /* drop what waits for a neighbour */
		run_worker();
		if (rte_ring_count(tgw.punt_ring) == 0 && rte_ring_count(tgw.inject_ring[0]) == 0)
			break;
	}
	reasm_flush();
	drain();

	after = in_use();
	if (after != before) {
		fprintf(stderr, "fuzz_rx: %u mbufs in use after the input, %u before\n", after,
			before);
		abort();
	}
	return 0;
}
