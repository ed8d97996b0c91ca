/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4: tgw_ip4_input (validate, route, TTL), tgw_ip4_lookup (route only, for
 * packets the gateway made: encapsulated, ICMP), tgw_ip4_rewrite (neighbour,
 * MTU, Ethernet header), tgw_icmp4_local (echo), tgw_icmp4_error; reassembly in input.
 */
#include <rte_cycles.h>
#include <rte_fib.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>

#include "ip_common.h"
#include "ipsec_inline.h"
#include "node_util.h"

/* Same static edges for input and lookup, so the dynamic ones share indices. */
#define IP4_FWD_NEXT_NODES \
	{ \
		[IP_FWD_REWRITE] = TGW_NODE_IP4_REWRITE, \
		[IP_FWD_ICMP_ERR] = TGW_NODE_ICMP4_ERROR, \
		[IP_FWD_TRUNCATED] = TGW_DROP_NODE(ip4_truncated), \
		[IP_FWD_BAD_VERSION] = TGW_DROP_NODE(ip4_bad_version), \
		[IP_FWD_BAD_HLEN] = TGW_DROP_NODE(ip4_bad_ihl), \
		[IP_FWD_BAD_LENGTH] = TGW_DROP_NODE(ip4_bad_length), \
		[IP_FWD_BAD_CKSUM] = TGW_DROP_NODE(ip4_bad_checksum), \
		[IP_FWD_BAD_ADDR] = TGW_DROP_NODE(ip4_bad_addr), \
		[IP_FWD_NO_ROUTE] = TGW_DROP_NODE(no_route), \
		[IP_FWD_LOCAL_PROTO] = TGW_DROP_NODE(local_proto), \
		[IP_FWD_PUNT] = TGW_NODE_PUNT, \
		[IP_FWD_NOT_HOST] = TGW_DROP_NODE(not_for_us), \
		[IP_FWD_XFRM_BLOCK] = TGW_DROP_NODE(xfrm_policy_block), \
		[IP_FWD_XFRM_MISMATCH] = TGW_DROP_NODE(xfrm_policy_mismatch), \
	}

/*
 * The header checksum verifies (RFC 1071): the ones'-complement sum of the header's
 * 16-bit words is 0xffff. Since 2^16 = 1 (mod 0xffff), that sum is the arithmetic sum
 * of the words mod 0xffff, also of 32-bit words, in either byte order (a byte swap
 * multiplies by 256, prime to 0xffff); a non-zero header cannot sum to +0. So: the
 * five 32-bit words of a 20-byte header, loaded in three registers (a copy through a
 * stack buffer would stall on store forwarding), summed in 64 bits, and one modulo
 * by a constant, in place of the folds.
 */
static __rte_always_inline bool
tgw_ip4_cksum_ok(const struct rte_ipv4_hdr *ip, uint32_t ihl)
{
	const uint8_t *p = (const uint8_t *)ip;
	uint64_t a, b;
	uint32_t c;

	if (unlikely(ihl != sizeof(*ip)))
		return rte_raw_cksum(ip, ihl) == 0xffff;
	memcpy(&a, p, sizeof(a));
	memcpy(&b, p + 8, sizeof(b));
	memcpy(&c, p + 16, sizeof(c));
	return ((a & 0xffffffff) + (a >> 32) + (b & 0xffffffff) + (b >> 32) + c) % 0xffff == 0;
}

/* Martian first octets (RFC 1812 §5.3.7, RFC 5735): sources 0/8, 127/8, 224/4 and up;
 * destinations 0/8, 127/8, multicast, class E and broadcast (the gateway routes no multicast
 * and has no service on a group). */
static const uint8_t ip4_bad_src[256] = {[0] = 1, [127] = 1, [224 ... 255] = 1};
static const uint8_t ip4_bad_dst[256] = {[0] = 1, [127] = 1, [224 ... 255] = 1};

/* Header checks of RFC 1812 §5.2.2; returns IP_FWD_PENDING if the packet is sound. */
static __rte_always_inline uint16_t
ip4_validate(struct rte_mbuf *m, struct rte_ipv4_hdr *ip)
{
	uint32_t ihl, tot;

	if (likely(m->data_len >= sizeof(*ip) && ip->version_ihl == RTE_IPV4_VHL_DEF)) {
		ihl = sizeof(*ip);
	} else {
		if (unlikely(m->data_len < sizeof(*ip)))
			return IP_FWD_TRUNCATED;
		if (unlikely((ip->version_ihl >> 4) != 4))
			return IP_FWD_BAD_VERSION;
		ihl = (ip->version_ihl & 0xf) * 4;
		if (unlikely(ihl < sizeof(*ip)))
			return IP_FWD_BAD_HLEN;
		if (unlikely(ihl > m->data_len))
			return IP_FWD_TRUNCATED;
	}
	tot = rte_be_to_cpu_16(ip->total_length);
	if (unlikely(tot < ihl || tot > m->pkt_len))
		return IP_FWD_BAD_LENGTH;
	if (unlikely(tot < m->pkt_len))
		rte_pktmbuf_trim(m, m->pkt_len - tot); /* Ethernet padding */
	if ((m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) != RTE_MBUF_F_RX_IP_CKSUM_GOOD) {
		if (unlikely((m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) ==
			     RTE_MBUF_F_RX_IP_CKSUM_BAD))
			return IP_FWD_BAD_CKSUM;
		if (unlikely(!tgw_ip4_cksum_ok(ip, ihl)))
			return IP_FWD_BAD_CKSUM;
	}
	if (unlikely(ip4_bad_src[((const uint8_t *)&ip->src_addr)[0]] |
		     ip4_bad_dst[((const uint8_t *)&ip->dst_addr)[0]]))
		return IP_FWD_BAD_ADDR;
	return IP_FWD_PENDING;
}

/*
 * Route decision for one packet whose next hop is known. Forwarded packets that
 * are not ours get their TTL decremented (RFC 1812 §5.3.1); those that arrived in
 * an Ethernet group frame are not forwarded (the kernel's PACKET_HOST rule).
 */
static __rte_always_inline uint16_t
ip4_dispatch(struct rte_mbuf *m, uint32_t nh_idx)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	const struct tgw_nh *nh = &tgw.nh[nh_idx];
	struct tgw_meta *md = tgw_meta(m);
	uint32_t s;

	if (unlikely(nh->kind < TGW_NH_PORT)) {
		if (nh->kind == TGW_NH_LOCAL) {
			if (unlikely(ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_MF_FLAG |
								    RTE_IPV4_HDR_OFFSET_MASK)))
				return IP_FWD_REASM;
			if (unlikely(tgw.xfrm_pb & TGW_XFRM_PB_IN) && !md->xfrm) {
				int v = tgw_xfrm_local_clear(m, ip->next_proto_id,
							     (ip->version_ihl & 0xf) * 4u);

				if (unlikely(v != TGW_XFRM_IN_OK))
					return v == TGW_XFRM_IN_BLOCK ? IP_FWD_XFRM_BLOCK
								      : IP_FWD_XFRM_MISMATCH;
			}
			return tgw_edges.ip4_local[ip->next_proto_id];
		}
		/* a directed broadcast: not forwarded, not answered */
		if (nh->kind == TGW_NH_BCAST)
			return IP_FWD_BAD_ADDR;
		if (tgw_meta_special(m))
			return md->local ? IP_FWD_NO_ROUTE : IP_FWD_NOT_HOST;
		/* RFC 1812 §5.2.7.1: destination (network) unreachable */
		md->punt = TGW_DROP_no_route;
		md->aux = TGW_ICMP_AUX(TGW_ICMP_DEST_UNREACH, 0, 0);
		return IP_FWD_ICMP_ERR;
	}
	if (unlikely(tgw_meta_special(m))) {
		if (!md->local)
			return IP_FWD_NOT_HOST;
		/* the gateway's own packets (echo replies, ICMP errors; not the tunnels'
		 * outer packets) meet the policy-based out policies too */
		if (unlikely(tgw.xfrm_pb & 1) && nh->kind == TGW_NH_PORT &&
		    md->in_if < TGW_MAX_PORTS) {
			md->nh = nh_idx;
			md->tunnel = TGW_TUNNEL_NONE;
			md->xfrm = 1; /* no fwd policy: not forwarded */
			return tgw_edges.ip4_xfrm_pb;
		}
	} else {
		if (unlikely(ip->time_to_live <= 1)) {
			/* RFC 792: time exceeded in transit */
			md->punt = TGW_DROP_ttl_exceeded;
			md->aux = TGW_ICMP_AUX(TGW_ICMP_TIME_EXCEEDED, 0, 0);
			return IP_FWD_ICMP_ERR;
		}
		ip->time_to_live--;
		/* RFC 1141 incremental update for the TTL decrement */
		s = ip->hdr_checksum + RTE_BE16(0x0100);
		ip->hdr_checksum = (uint16_t)(s + (s >> 16));
		/* policy-based IPsec on a forwarded packet out of a port (__xfrm_route_forward) */
		if (unlikely(tgw.xfrm_pb & 1) && nh->kind == TGW_NH_PORT) {
			md->nh = nh_idx;
			md->tunnel = TGW_TUNNEL_NONE;
			return tgw_edges.ip4_xfrm_pb;
		}
	}
	md->nh = nh_idx;
	md->tunnel = nh->tunnel;
	return tgw_fwd_direct(m, nh, tgw_edges.ip4_fwd_tx, nh->fwd_edge[0]);
}

static __rte_always_inline uint16_t
ip4_input_one(struct rte_mbuf *m, uint32_t *dst)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	uint16_t next = ip4_validate(m, ip);

	*dst = next == IP_FWD_PENDING ? rte_be_to_cpu_32(ip->dst_addr) : 0;
	return next;
}

static __rte_always_inline uint16_t
ip4_lookup_one(struct rte_mbuf *m, uint32_t *dst)
{
	*dst = rte_be_to_cpu_32(rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *)->dst_addr);
	return IP_FWD_PENDING;
}

/* ---- reassembly of fragments addressed to the gateway (rte_ip_frag) ---- */

struct tgw_reasm tgw_reasm4[RTE_MAX_LCORE];

/*
 * A fragment for us, in its place in the burst: absorbed (TGW_NEXT_GONE), or, when it
 * completes its datagram, replaced by the whole datagram (an mbuf chain; the nodes
 * read headers from the first segment only), which is routed here and goes on in
 * the fragment's place, ahead of the later packets of the burst, as the kernel's
 * ip_defrag hands it on at once (a GRE receiver checking sequence numbers relies on
 * that order).
 */
static uint16_t
ip4_reasm_one(struct rte_mbuf **pm, struct tgw_reasm *r, uint64_t now)
{
	struct rte_mbuf *m = *pm, *done;
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	uint32_t off = (rte_be_to_cpu_16(ip->fragment_offset) & RTE_IPV4_HDR_OFFSET_MASK) * 8;
	uint32_t dst;
	uint64_t nh;
	uint16_t next;

	m->l2_len = 0;
	m->l3_len = (ip->version_ihl & 0xf) * 4;
	if (unlikely(r->tbl == NULL || off + m->pkt_len - m->l3_len > 65535)) {
		rte_pktmbuf_free(m);
		tgw_drop_count(TGW_DROP_frag_bad, 1);
		return TGW_NEXT_GONE;
	}
	done = rte_ipv4_frag_reassemble_packet(r->tbl, &r->dr, m, now, ip);
	if (done == NULL)
		return TGW_NEXT_GONE;
	*pm = done;
	ip = rte_pktmbuf_mtod(done, struct rte_ipv4_hdr *);
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	next = ip4_input_one(done, &dst);
	if (next != IP_FWD_PENDING)
		return next;
	rte_fib_lookup_bulk(tgw.fib4, &dst, &nh, 1);
	next = ip4_dispatch(done, nh);
	if (unlikely(next == IP_FWD_REASM)) { /* cannot be: reassembled is whole */
		rte_pktmbuf_free(done);
		tgw_drop_count(TGW_DROP_frag_bad, 1);
		return TGW_NEXT_GONE;
	}
	return next;
}

static __rte_noinline void
ip4_reasm_burst(struct rte_mbuf **pkts, uint16_t *nexts, uint16_t n)
{
	struct tgw_reasm *r = &tgw_reasm4[rte_lcore_id()];
	uint64_t now = rte_rdtsc();

	for (uint16_t i = 0; i < n; i++)
		if (nexts[i] == IP_FWD_REASM)
			nexts[i] = ip4_reasm_one(&pkts[i], r, now);
	tgw_reasm_death_row(r);
}

static __rte_always_inline uint16_t
ip4_route_burst(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t n,
		bool input, bool whole)
{
	struct rte_mbuf **pkts = (struct rte_mbuf **)objs;
	uint16_t nexts[RTE_GRAPH_BURST_SIZE];
	uint32_t dst[RTE_GRAPH_BURST_SIZE];
	uint64_t nh[RTE_GRAPH_BURST_SIZE];
	bool reasm = false;
	uint16_t i;

	if (input)
		for (i = 0; i < n; i++)
			nexts[i] = ip4_input_one(pkts[i], &dst[i]);
	else
		for (i = 0; i < n; i++)
			nexts[i] = ip4_lookup_one(pkts[i], &dst[i]);
	rte_fib_lookup_bulk(tgw.fib4, dst, nh, n);
	for (i = 0; i < n; i++)
		if (likely(nexts[i] == IP_FWD_PENDING)) {
			nexts[i] = ip4_dispatch(pkts[i], nh[i]);
			reasm |= nexts[i] == IP_FWD_REASM;
		}
	if (unlikely(reasm))
		ip4_reasm_burst(pkts, nexts, n);
	tgw_node_dispatch(graph, node, objs, nexts, n, &tgw_node_ctx(node)->spec, whole);
	return n;
}

static uint16_t
ip4_input_chunk(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t n,
		bool whole)
{
	return ip4_route_burst(graph, node, objs, n, true, whole);
}

TGW_NODE_PROCESS(ip4_input_process, ip4_input_chunk)

static uint16_t
ip4_lookup_chunk(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t n,
		 bool whole)
{
	return ip4_route_burst(graph, node, objs, n, false, whole);
}

TGW_NODE_PROCESS(ip4_lookup_process, ip4_lookup_chunk)

static struct rte_node_register ip4_input_node = {
	.name = TGW_NODE_IP4_INPUT,
	.process = ip4_input_process,
	.nb_edges = IP_FWD_NB,
	.next_nodes = IP4_FWD_NEXT_NODES,
};
RTE_NODE_REGISTER(ip4_input_node);

static struct rte_node_register ip4_lookup_node = {
	.name = TGW_NODE_IP4_LOOKUP,
	.process = ip4_lookup_process,
	.nb_edges = IP_FWD_NB,
	.next_nodes = IP4_FWD_NEXT_NODES,
};
RTE_NODE_REGISTER(ip4_lookup_node);

/* ---- tgw_ip4_rewrite ---- */

/*
 * Resolves the neighbour, enforces the port MTU and prepends the Ethernet header.
 * Unresolved: punted to the control lcore, which holds it. Too big: fragmented if
 * DF is clear, else ICMP fragmentation needed (RFC 1191), or dropped if ours.
 */
static __rte_always_inline uint16_t
ip4_rewrite_one(struct rte_mbuf *m, void *ctx)
{
	struct tgw_meta *md = tgw_meta(m);
	const struct tgw_nh *nh = &tgw.nh[md->nh];
	struct rte_ether_hdr *e;

	RTE_SET_USED(ctx);
	if (unlikely(!nh->resolved)) {
		md->punt = TGW_PUNT_HOLD4;
		return REWRITE_PUNT;
	}
	if (unlikely(m->pkt_len > nh->mtu)) {
		const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);

		if (!(ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_DF_FLAG))) {
			md->aux = TGW_FRAG_AUX(nh->mtu, tgw_edges.rewrite4_tx[nh->port]);
			return TGW_NEXT_FRAG;
		}
		if (md->local)
			return REWRITE_TOO_BIG;
		tgw_ip_unforward(m);
		md->punt = TGW_DROP_too_big;
		md->aux = TGW_ICMP_AUX(TGW_ICMP_DEST_UNREACH, 4, nh->mtu);
		return REWRITE_ICMP_ERR;
	}
	e = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, RTE_ETHER_HDR_LEN);
	if (unlikely(e == NULL))
		return REWRITE_NO_MBUF;
	memcpy(e, nh->l2, RTE_ETHER_HDR_LEN);
	return tgw_edges.rewrite4_tx[nh->port];
}

static uint16_t
ip4_rewrite_chunk(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t n,
		  bool whole)
{
	uint16_t nexts[RTE_GRAPH_BURST_SIZE];

	TGW_NODE_LOOP_HOT(objs, n, nexts, ip4_rewrite_one, NULL);
	tgw_node_dispatch(graph, node, objs, nexts, n, &tgw_node_ctx(node)->spec, whole);
	return n;
}

TGW_NODE_PROCESS(ip4_rewrite_process, ip4_rewrite_chunk)

static struct rte_node_register ip4_rewrite_node = {
	.name = TGW_NODE_IP4_REWRITE,
	.process = ip4_rewrite_process,
	.nb_edges = REWRITE_NB,
	.next_nodes = {
		[REWRITE_PUNT] = TGW_NODE_PUNT,
		[REWRITE_ICMP_ERR] = TGW_NODE_ICMP4_ERROR,
		[REWRITE_TOO_BIG] = TGW_DROP_NODE(too_big),
		[REWRITE_NO_MBUF] = TGW_DROP_NODE(no_mbuf),
	},
};
RTE_NODE_REGISTER(ip4_rewrite_node);

/* ---- tgw_icmp4_local: echo (RFC 792) ---- */

enum { ICMP4L_LOOKUP, ICMP4L_BAD, ICMP4L_IGNORED, ICMP4L_NB };

/* Turns an echo request to us into the reply in place; other messages are dropped. */
static __rte_always_inline uint16_t
icmp4_local_one(struct rte_mbuf *m, void *ctx)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	uint32_t ihl = (ip->version_ihl & 0xf) * 4;
	struct rte_icmp_hdr *ic;
	rte_be32_t a;
	uint32_t s;

	RTE_SET_USED(ctx);
	if (unlikely(m->pkt_len < ihl + sizeof(*ic) || m->data_len < ihl + sizeof(*ic)))
		return ICMP4L_BAD;
	ic = (struct rte_icmp_hdr *)((uint8_t *)ip + ihl);
	if (ic->icmp_type != RTE_IP_ICMP_ECHO_REQUEST || ic->icmp_code != 0)
		return ICMP4L_IGNORED;
	if (unlikely(tgw_mbuf_cksum(m, ihl, m->pkt_len - ihl, 0) != 0xffff))
		return ICMP4L_BAD;
	ic->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	/* RFC 1624: type 8 -> 0 adds 0x0800 to the checksum */
	s = ic->icmp_cksum + RTE_BE16(0x0800);
	ic->icmp_cksum = (uint16_t)(s + (s >> 16));
	a = ip->src_addr;
	ip->src_addr = ip->dst_addr;
	ip->dst_addr = a;
	ip->time_to_live = 64;
	ip->fragment_offset = 0;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = rte_ipv4_cksum(ip);
	tgw_meta(m)->local = 1;
	return ICMP4L_LOOKUP;
}

static uint16_t
icmp4_local_chunk(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t n,
		  bool whole)
{
	uint16_t nexts[RTE_GRAPH_BURST_SIZE];

	TGW_NODE_LOOP(objs, n, nexts, icmp4_local_one, NULL);
	tgw_node_dispatch(graph, node, objs, nexts, n, &tgw_node_ctx(node)->spec, whole);
	return n;
}

TGW_NODE_PROCESS(icmp4_local_process, icmp4_local_chunk)

static struct rte_node_register icmp4_local_node = {
	.name = TGW_NODE_ICMP4_LOCAL,
	.process = icmp4_local_process,
	.nb_edges = ICMP4L_NB,
	.next_nodes = {
		[ICMP4L_LOOKUP] = TGW_NODE_IP4_LOOKUP,
		[ICMP4L_BAD] = TGW_DROP_NODE(icmp_bad),
		[ICMP4L_IGNORED] = TGW_DROP_NODE(icmp_ignored),
	},
};
RTE_NODE_REGISTER(icmp4_local_node);

/* ---- tgw_icmp4_error: time exceeded, fragmentation needed ---- */

/*
 * RFC 1812 §4.3.2.7: no error about an ICMP error, a non-first fragment, or a
 * packet to or from a broadcast/multicast/unspecified address.
 */
static __rte_always_inline bool
icmp4_error_allowed(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ip, uint32_t ihl)
{
	if (ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_OFFSET_MASK))
		return false;
	if (ip->src_addr == 0 || (ip->src_addr & RTE_BE32(0xf0000000)) >= RTE_BE32(0xe0000000))
		return false;
	if ((ip->dst_addr & RTE_BE32(0xf0000000)) >= RTE_BE32(0xe0000000))
		return false;
	if (ip->next_proto_id == IPPROTO_ICMP) {
		const uint8_t *t = rte_pktmbuf_mtod_offset(m, const uint8_t *, ihl);

		if (m->data_len < ihl + 1)
			return false;
		if (*t != RTE_IP_ICMP_ECHO_REQUEST && *t != RTE_IP_ICMP_ECHO_REPLY &&
		    *t != 13 && *t != 14)
			return false;
	}
	return true;
}

#define ICMP4_ERR_MAX 576 /* RFC 1812 §4.3.2.3: the error datagram fits 576 bytes */

/* Turns the packet into the ICMP error about it, in place; meta.punt names the drop reason
 * of the original, counted here whether or not the error is sent. */
static __rte_always_inline uint16_t
icmp4_error_one(struct rte_mbuf *m, void *ctx)
{
	struct tgw_meta *md = tgw_meta(m);
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *), *o;
	uint32_t ihl = (ip->version_ihl & 0xf) * 4, keep;
	struct rte_icmp_hdr *ic;
	rte_be32_t src;

	RTE_SET_USED(ctx);
	if (!icmp4_error_allowed(m, ip, ihl) || !tgw_if_addr4(md->in_if, &src))
		return tgw_icmp_err_edge(md->punt);
	if (!tgw_icmp_ratelimit_ok())
		return ICMP_ERR_RATELIMIT;
	if (unlikely(rte_pktmbuf_headroom(m) < sizeof(*o) + sizeof(*ic)))
		return ICMP_ERR_NO_MBUF;
	tgw_drop_count(md->punt, 1);
	tgw_mbuf_truncate(m, ICMP4_ERR_MAX - sizeof(*o) - sizeof(*ic));
	keep = m->pkt_len;
	o = (struct rte_ipv4_hdr *)rte_pktmbuf_prepend(m, sizeof(*o) + sizeof(*ic));
	ic = (struct rte_icmp_hdr *)(o + 1);
	o->version_ihl = RTE_IPV4_VHL_DEF;
	o->type_of_service = 0xc0; /* RFC 1812 §4.3.2.5: precedence internetwork control */
	o->total_length = rte_cpu_to_be_16(sizeof(*o) + sizeof(*ic) + keep);
	o->packet_id = 0;
	o->fragment_offset = 0;
	o->time_to_live = 64;
	o->next_proto_id = IPPROTO_ICMP;
	o->dst_addr = ((struct rte_ipv4_hdr *)(ic + 1))->src_addr;
	o->src_addr = src;
	o->hdr_checksum = 0;
	o->hdr_checksum = rte_ipv4_cksum(o);
	ic->icmp_type = md->aux >> 24;
	ic->icmp_code = (md->aux >> 16) & 0xff;
	ic->icmp_cksum = 0;
	ic->icmp_ident = 0;
	ic->icmp_seq_nb = rte_cpu_to_be_16(md->aux & 0xffff); /* next-hop MTU, RFC 1191 */
	ic->icmp_cksum = ~tgw_mbuf_cksum(m, sizeof(*o), sizeof(*ic) + keep, 0);
	md->local = 1;
	return ICMP_ERR_SEND;
}

static uint16_t
icmp4_error_chunk(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t n,
		  bool whole)
{
	uint16_t nexts[RTE_GRAPH_BURST_SIZE];

	TGW_NODE_LOOP(objs, n, nexts, icmp4_error_one, NULL);
	tgw_node_dispatch(graph, node, objs, nexts, n, &tgw_node_ctx(node)->spec, whole);
	return n;
}

TGW_NODE_PROCESS(icmp4_error_process, icmp4_error_chunk)

static struct rte_node_register icmp4_error_node = {
	.name = TGW_NODE_ICMP4_ERROR,
	.process = icmp4_error_process,
	.nb_edges = ICMP_ERR_NB,
	.next_nodes = ICMP_ERR_NEXT_NODES(TGW_NODE_IP4_LOOKUP),
};
RTE_NODE_REGISTER(icmp4_error_node);
