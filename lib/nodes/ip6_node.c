/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv6: tgw_ip6_input, tgw_ip6_lookup, tgw_ip6_rewrite, tgw_icmp6_local (echo,
 * ND to the control lcore), tgw_icmp6_error (Packet Too Big, Time Exceeded),
 * reassembly in input.
 */
#include <rte_fib6.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>

#include "ip_common.h"
#include "ipsec_inline.h"
#include "node_util.h"

#define IP6_FWD_NEXT_NODES \
	{ \
		[IP_FWD_REWRITE] = TGW_NODE_IP6_REWRITE, \
		[IP_FWD_ICMP_ERR] = TGW_NODE_ICMP6_ERROR, \
		[IP_FWD_TRUNCATED] = TGW_DROP_NODE(ip6_truncated), \
		[IP_FWD_BAD_VERSION] = TGW_DROP_NODE(ip6_bad_version), \
		[IP_FWD_BAD_HLEN] = TGW_DROP_NODE(ip6_bad_exthdr), \
		[IP_FWD_BAD_LENGTH] = TGW_DROP_NODE(ip6_bad_length), \
		[IP_FWD_BAD_CKSUM] = TGW_DROP_NODE(ip6_bad_exthdr), \
		[IP_FWD_BAD_ADDR] = TGW_DROP_NODE(ip6_bad_addr), \
		[IP_FWD_NO_ROUTE] = TGW_DROP_NODE(no_route), \
		[IP_FWD_LOCAL_PROTO] = TGW_DROP_NODE(local_proto), \
		[IP_FWD_PUNT] = TGW_NODE_PUNT, \
		[IP_FWD_NOT_HOST] = TGW_DROP_NODE(not_for_us), \
		[IP_FWD_XFRM_BLOCK] = TGW_DROP_NODE(xfrm_policy_block), \
		[IP_FWD_XFRM_MISMATCH] = TGW_DROP_NODE(xfrm_policy_mismatch), \
	}

static __rte_always_inline bool
tgw_ip6_is_loopback(const uint8_t *a)
{
	static const uint8_t lo[16] = {[15] = 1};

	return a[15] == 1 && memcmp(a, lo, 16) == 0;
}

static __rte_always_inline uint16_t
ip6_validate(struct rte_mbuf *m, const struct rte_ipv6_hdr *ip6)
{
	uint32_t tot;

	if (unlikely(m->data_len < sizeof(*ip6)))
		return IP_FWD_TRUNCATED;
	if (unlikely((ip6->vtc_flow & RTE_BE32(0xf0000000)) != RTE_BE32(0x60000000)))
		return IP_FWD_BAD_VERSION;
	tot = rte_be_to_cpu_16(ip6->payload_len) + sizeof(*ip6);
	if (unlikely(tot > m->pkt_len))
		return IP_FWD_BAD_LENGTH;
	if (unlikely(tot < m->pkt_len))
		rte_pktmbuf_trim(m, m->pkt_len - tot);
	/* RFC 4291 §2.7: multicast source; §2.5.3: ::1 is never on the wire */
	if (unlikely(ip6->src_addr[0] == 0xff || tgw_ip6_is_loopback(ip6->src_addr) ||
		     tgw_ip6_is_loopback(ip6->dst_addr)))
		return IP_FWD_BAD_ADDR;
	return IP_FWD_PENDING;
}

/*
 * Walks the extension headers of a packet for us (RFC 8200 §4): hop-by-hop
 * first only, destination options, routing with no segments left, a fragment
 * header right after the fixed header (to reassembly). Sets meta.aux to the
 * upper-layer offset | its protocol << 16 and returns the edge of that protocol.
 */
static __rte_always_inline uint16_t
ip6_local_demux(struct rte_mbuf *m, const struct rte_ipv6_hdr *ip6)
{
	uint32_t off = sizeof(*ip6);
	uint8_t nh = ip6->proto;

	for (int i = 0; i < 8; i++) {
		const uint8_t *h;
		uint32_t len;

		switch (nh) {
		case IPPROTO_HOPOPTS:
			if (i != 0)
				return IP_FWD_BAD_HLEN;
			break;
		case IPPROTO_DSTOPTS:
		case IPPROTO_ROUTING:
			break;
		case IPPROTO_FRAGMENT:
			if (off != sizeof(*ip6) || m->data_len < off + 8)
				return IP_FWD_BAD_HLEN;
			tgw_meta(m)->aux = off;
			return IP_FWD_REASM;
		default:
			tgw_meta(m)->aux = off | (uint32_t)nh << 16;
			if (unlikely(tgw.xfrm_pb & TGW_XFRM_PB_IN) && !tgw_meta(m)->xfrm) {
				int v = tgw_xfrm_local_clear(m, nh, off);

				if (unlikely(v != TGW_XFRM_IN_OK))
					return v == TGW_XFRM_IN_BLOCK ? IP_FWD_XFRM_BLOCK
								      : IP_FWD_XFRM_MISMATCH;
			}
			return tgw_edges.ip6_local[nh];
		}
		if (unlikely(m->data_len < off + 8))
			return IP_FWD_TRUNCATED;
		h = rte_pktmbuf_mtod_offset(m, const uint8_t *, off);
		if (nh == IPPROTO_ROUTING && h[3] != 0)
			return IP_FWD_BAD_HLEN; /* segments left: we are not a router of it */
		len = (h[1] + 1) * 8;
		if (unlikely(m->data_len < off + len))
			return IP_FWD_TRUNCATED;
		nh = h[0];
		off += len;
	}
	return IP_FWD_BAD_HLEN;
}

/* As ip4_dispatch; link-local addresses are never forwarded (RFC 4291 §2.5.6). */
static __rte_always_inline uint16_t
ip6_dispatch(struct rte_mbuf *m, uint32_t nh_idx)
{
	struct rte_ipv6_hdr *ip6 = rte_pktmbuf_mtod(m, struct rte_ipv6_hdr *);
	const struct tgw_nh *nh = &tgw.nh[nh_idx];
	struct tgw_meta *md = tgw_meta(m);

	if (unlikely(nh->kind < TGW_NH_PORT)) {
		if (nh->kind == TGW_NH_LOCAL)
			return ip6_local_demux(m, ip6);
		if (tgw_meta_special(m))
			return md->local ? IP_FWD_NO_ROUTE : IP_FWD_NOT_HOST;
		/* RFC 4443 §3.1: destination unreachable, no route to destination */
		md->punt = TGW_DROP_no_route;
		md->aux = 0;
		return IP_FWD_ICMP_ERR;
	}
	if (unlikely(tgw_meta_special(m))) {
		if (!md->local)
			return IP_FWD_NOT_HOST;
		/* the gateway's own packets (echo replies, ICMP errors; not the tunnels'
		 * outer packets) meet the policy-based out policies too */
		if (unlikely(tgw.xfrm_pb & 2) && nh->kind == TGW_NH_PORT &&
		    md->in_if < TGW_MAX_PORTS) {
			md->nh = nh_idx;
			md->tunnel = TGW_TUNNEL_NONE;
			md->xfrm = 1; /* no fwd policy: not forwarded */
			return tgw_edges.ip6_xfrm_pb;
		}
	} else {
		if (unlikely((ip6->dst_addr[0] == 0xfe && (ip6->dst_addr[1] & 0xc0) == 0x80) ||
			     (ip6->src_addr[0] == 0xfe && (ip6->src_addr[1] & 0xc0) == 0x80)))
			return IP_FWD_BAD_ADDR;
		if (unlikely(ip6->hop_limits <= 1)) {
			md->punt = TGW_DROP_hop_limit_exceeded;
			md->aux = 0;
			return IP_FWD_ICMP_ERR;
		}
		ip6->hop_limits--;
		/* policy-based IPsec on a forwarded packet out of a port (__xfrm_route_forward) */
		if (unlikely(tgw.xfrm_pb & 2) && nh->kind == TGW_NH_PORT) {
			md->nh = nh_idx;
			md->tunnel = TGW_TUNNEL_NONE;
			return tgw_edges.ip6_xfrm_pb;
		}
	}
	md->nh = nh_idx;
	md->tunnel = nh->tunnel;
	return tgw_fwd_direct(m, nh, tgw_edges.ip6_fwd_tx, nh->fwd_edge[1]);
}

/* ---- reassembly of fragments addressed to the gateway, as ip4_reasm_one ---- */

struct tgw_reasm tgw_reasm6[RTE_MAX_LCORE];

static uint16_t
ip6_reasm_one(struct rte_mbuf **pm, struct tgw_reasm *r, uint64_t now)
{
	struct rte_mbuf *m = *pm, *done;
	struct rte_ipv6_hdr *ip6 = rte_pktmbuf_mtod(m, struct rte_ipv6_hdr *);
	struct rte_ipv6_fragment_ext *fh = (struct rte_ipv6_fragment_ext *)(ip6 + 1);
	uint8_t dst[16];
	uint64_t nh;
	uint16_t next;

	m->l2_len = 0;
	m->l3_len = sizeof(*ip6) + sizeof(*fh);
	if (unlikely(r->tbl == NULL || m->pkt_len <= m->l3_len)) {
		rte_pktmbuf_free(m);
		tgw_drop_count(TGW_DROP_frag_bad, 1);
		return TGW_NEXT_GONE;
	}
	done = rte_ipv6_frag_reassemble_packet(r->tbl, &r->dr, m, now, ip6, fh);
	if (done == NULL)
		return TGW_NEXT_GONE;
	*pm = done;
	ip6 = rte_pktmbuf_mtod(done, struct rte_ipv6_hdr *);
	next = ip6_validate(done, ip6);
	if (next != IP_FWD_PENDING)
		return next;
	memcpy(dst, ip6->dst_addr, 16);
	rte_fib6_lookup_bulk(tgw.fib6, &dst, &nh, 1);
	next = ip6_dispatch(done, nh);
	if (unlikely(next == IP_FWD_REASM)) { /* a fragment header again: nested fragments */
		rte_pktmbuf_free(done);
		tgw_drop_count(TGW_DROP_frag_bad, 1);
		return TGW_NEXT_GONE;
	}
	return next;
}

static __rte_noinline void
ip6_reasm_burst(struct rte_mbuf **pkts, uint16_t *nexts, uint16_t n)
{
	struct tgw_reasm *r = &tgw_reasm6[rte_lcore_id()];
	uint64_t now = rte_rdtsc();

	for (uint16_t i = 0; i < n; i++)
		if (nexts[i] == IP_FWD_REASM)
			nexts[i] = ip6_reasm_one(&pkts[i], r, now);
	tgw_reasm_death_row(r);
}

static __rte_always_inline uint16_t
ip6_route_burst(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t n,
		bool input, bool whole)
{
	struct rte_mbuf **pkts = (struct rte_mbuf **)objs;
	uint16_t nexts[RTE_GRAPH_BURST_SIZE];
	uint8_t dst[RTE_GRAPH_BURST_SIZE][16];
	uint64_t nh[RTE_GRAPH_BURST_SIZE];
	bool reasm = false;
	uint16_t i;

	for (i = 0; i < n; i++) {
		const struct rte_ipv6_hdr *ip6 = rte_pktmbuf_mtod(pkts[i], struct rte_ipv6_hdr *);

		nexts[i] = input ? ip6_validate(pkts[i], ip6) : IP_FWD_PENDING;
		if (likely(nexts[i] == IP_FWD_PENDING))
			memcpy(dst[i], ip6->dst_addr, 16);
		else
			memset(dst[i], 0, 16);
	}
	rte_fib6_lookup_bulk(tgw.fib6, dst, nh, n);
	for (i = 0; i < n; i++)
		if (likely(nexts[i] == IP_FWD_PENDING)) {
			nexts[i] = ip6_dispatch(pkts[i], nh[i]);
			reasm |= nexts[i] == IP_FWD_REASM;
		}
	if (unlikely(reasm))
		ip6_reasm_burst(pkts, nexts, n);
	tgw_node_dispatch(graph, node, objs, nexts, n, &tgw_node_ctx(node)->spec, whole);
	return n;
}

static uint16_t
ip6_input_chunk(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t n,
		bool whole)
{
	return ip6_route_burst(graph, node, objs, n, true, whole);
}

TGW_NODE_PROCESS(ip6_input_process, ip6_input_chunk)

static uint16_t
ip6_lookup_chunk(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t n,
		 bool whole)
{
	return ip6_route_burst(graph, node, objs, n, false, whole);
}

TGW_NODE_PROCESS(ip6_lookup_process, ip6_lookup_chunk)

static struct rte_node_register ip6_input_node = {
	.name = TGW_NODE_IP6_INPUT,
	.process = ip6_input_process,
	.nb_edges = IP_FWD_NB,
	.next_nodes = IP6_FWD_NEXT_NODES,
};
RTE_NODE_REGISTER(ip6_input_node);

static struct rte_node_register ip6_lookup_node = {
	.name = TGW_NODE_IP6_LOOKUP,
	.process = ip6_lookup_process,
	.nb_edges = IP_FWD_NB,
	.next_nodes = IP6_FWD_NEXT_NODES,
};
RTE_NODE_REGISTER(ip6_lookup_node);

/* ---- tgw_ip6_rewrite ---- */

/* As ip4_rewrite; IPv6 is never fragmented by a router: too big is ICMPv6 PTB
 * (RFC 8200 §5), except our own (tunnel) packets, fragmented at the source. */
static __rte_always_inline uint16_t
ip6_rewrite_one(struct rte_mbuf *m, void *ctx)
{
	struct tgw_meta *md = tgw_meta(m);
	const struct tgw_nh *nh = &tgw.nh[md->nh];
	struct rte_ether_hdr *e;

	RTE_SET_USED(ctx);
	if (unlikely(!nh->resolved)) {
		md->punt = TGW_PUNT_HOLD6;
		return REWRITE_PUNT;
	}
	if (unlikely(m->pkt_len > nh->mtu)) {
		if (md->local) {
			md->aux = TGW_FRAG_AUX(nh->mtu, tgw_edges.rewrite6_tx[nh->port]);
			return TGW_NEXT_FRAG;
		}
		tgw_ip_unforward(m);
		md->punt = TGW_DROP_too_big;
		md->aux = nh->mtu;
		return REWRITE_ICMP_ERR;
	}
	e = (struct rte_ether_hdr *)rte_pktmbuf_prepend(m, RTE_ETHER_HDR_LEN);
	if (unlikely(e == NULL))
		return REWRITE_NO_MBUF;
	memcpy(e, nh->l2, RTE_ETHER_HDR_LEN);
	return tgw_edges.rewrite6_tx[nh->port];
}

static uint16_t
ip6_rewrite_chunk(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t n,
		  bool whole)
{
	uint16_t nexts[RTE_GRAPH_BURST_SIZE];

	TGW_NODE_LOOP_HOT(objs, n, nexts, ip6_rewrite_one, NULL);
	tgw_node_dispatch(graph, node, objs, nexts, n, &tgw_node_ctx(node)->spec, whole);
	return n;
}

TGW_NODE_PROCESS(ip6_rewrite_process, ip6_rewrite_chunk)

static struct rte_node_register ip6_rewrite_node = {
	.name = TGW_NODE_IP6_REWRITE,
	.process = ip6_rewrite_process,
	.nb_edges = REWRITE_NB,
	.next_nodes = {
		[REWRITE_PUNT] = TGW_NODE_PUNT,
		[REWRITE_ICMP_ERR] = TGW_NODE_ICMP6_ERROR,
		[REWRITE_TOO_BIG] = TGW_DROP_NODE(too_big),
		[REWRITE_NO_MBUF] = TGW_DROP_NODE(no_mbuf),
	},
};
RTE_NODE_REGISTER(ip6_rewrite_node);

/* ---- tgw_icmp6_local ---- */

enum { ICMP6L_LOOKUP, ICMP6L_PUNT, ICMP6L_BAD, ICMP6L_IGNORED, ICMP6L_ND_IGNORED, ICMP6L_NB };

/* Echo request -> reply in place; NS/NA to the control lcore; the rest dropped. */
static __rte_always_inline uint16_t
icmp6_local_one(struct rte_mbuf *m, void *ctx)
{
	struct rte_ipv6_hdr *ip6 = rte_pktmbuf_mtod(m, struct rte_ipv6_hdr *);
	struct tgw_meta *md = tgw_meta(m);
	uint32_t off = md->aux & 0xffff, len = m->pkt_len - off;
	struct rte_icmp_hdr *ic;
	uint8_t tmp[16];
	uint32_t s;

	RTE_SET_USED(ctx);
	if (unlikely(len < sizeof(*ic) || m->data_len < off + sizeof(*ic)))
		return ICMP6L_BAD;
	if (unlikely(tgw_mbuf_cksum(m, off, len, tgw_ip6_phdr_sum(ip6, len, IPPROTO_ICMPV6)) != 0xffff))
		return ICMP6L_BAD;
	ic = rte_pktmbuf_mtod_offset(m, struct rte_icmp_hdr *, off);
	switch (ic->icmp_type) {
	case 128: /* echo request, RFC 4443 §4.1 */
		break;
	case 135: /* neighbour solicitation / advertisement, RFC 4861 */
	case 136:
		md->punt = TGW_PUNT_ND;
		return ICMP6L_PUNT;
	case 133:
	case 134:
	case 137:
		return ICMP6L_ND_IGNORED;
	default:
		return ICMP6L_IGNORED;
	}
	if (ic->icmp_code != 0)
		return ICMP6L_IGNORED;
	if (ip6->dst_addr[0] == 0xff) {
		/* echo to a multicast group: answer from our address on the interface */
		memcpy(tmp, ip6->src_addr, 16);
		if (!tgw_if_addr6(md->in_if, ip6->src_addr))
			return ICMP6L_IGNORED;
		memcpy(ip6->dst_addr, tmp, 16);
		ic->icmp_type = 129;
		ic->icmp_cksum = 0;
		ic->icmp_cksum = ~tgw_mbuf_cksum(m, off, len, tgw_ip6_phdr_sum(ip6, len, IPPROTO_ICMPV6));
	} else {
		memcpy(tmp, ip6->src_addr, 16);
		memcpy(ip6->src_addr, ip6->dst_addr, 16);
		memcpy(ip6->dst_addr, tmp, 16);
		ic->icmp_type = 129;
		/* RFC 1624: type 128 -> 129 subtracts 0x0100 from the sum */
		s = (uint16_t)~ic->icmp_cksum + (uint16_t)~RTE_BE16(0x8000) + RTE_BE16(0x8100);
		s = (s & 0xffff) + (s >> 16);
		s = (s & 0xffff) + (s >> 16);
		ic->icmp_cksum = ~s & 0xffff;
	}
	ip6->hop_limits = 64;
	md->local = 1;
	return ICMP6L_LOOKUP;
}

static uint16_t
icmp6_local_chunk(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t n,
		  bool whole)
{
	uint16_t nexts[RTE_GRAPH_BURST_SIZE];

	TGW_NODE_LOOP(objs, n, nexts, icmp6_local_one, NULL);
	tgw_node_dispatch(graph, node, objs, nexts, n, &tgw_node_ctx(node)->spec, whole);
	return n;
}

TGW_NODE_PROCESS(icmp6_local_process, icmp6_local_chunk)

static struct rte_node_register icmp6_local_node = {
	.name = TGW_NODE_ICMP6_LOCAL,
	.process = icmp6_local_process,
	.nb_edges = ICMP6L_NB,
	.next_nodes = {
		[ICMP6L_LOOKUP] = TGW_NODE_IP6_LOOKUP,
		[ICMP6L_PUNT] = TGW_NODE_PUNT,
		[ICMP6L_BAD] = TGW_DROP_NODE(icmp_bad),
		[ICMP6L_IGNORED] = TGW_DROP_NODE(icmp_ignored),
		[ICMP6L_ND_IGNORED] = TGW_DROP_NODE(nd_ignored),
	},
};
RTE_NODE_REGISTER(icmp6_local_node);

/* ---- tgw_icmp6_error ---- */

#define ICMP6_ERR_MAX 1280 /* RFC 4443 §2.4(c): the error fits the minimum MTU */

/* RFC 4443 §2.4(e): no error about an error, nor (but for Packet Too Big) about a
 * packet to a multicast group; never to an unspecified or multicast source. */
static __rte_always_inline bool
icmp6_error_allowed(const struct rte_mbuf *m, const struct rte_ipv6_hdr *ip6, bool ptb)
{
	static const uint8_t zero[16];

	if (ip6->src_addr[0] == 0xff || memcmp(ip6->src_addr, zero, 16) == 0)
		return false;
	if (!ptb && ip6->dst_addr[0] == 0xff)
		return false;
	if (ip6->proto == IPPROTO_ICMPV6) {
		if (m->data_len < sizeof(*ip6) + 1)
			return false;
		if (*rte_pktmbuf_mtod_offset(m, const uint8_t *, sizeof(*ip6)) < 128)
			return false;
	}
	return true;
}

static __rte_always_inline uint16_t
icmp6_error_one(struct rte_mbuf *m, void *ctx)
{
	struct tgw_meta *md = tgw_meta(m);
	struct rte_ipv6_hdr *ip6 = rte_pktmbuf_mtod(m, struct rte_ipv6_hdr *), *o;
	bool ptb = md->punt == TGW_DROP_too_big; /* may answer a multicast destination */
	uint8_t src[16];
	uint32_t keep, plen;
	uint8_t *ic;

	RTE_SET_USED(ctx);
	if (!icmp6_error_allowed(m, ip6, ptb) || !tgw_if_addr6(md->in_if, src))
		return tgw_icmp_err_edge(md->punt);
	if (!tgw_icmp_ratelimit_ok())
		return ICMP_ERR_RATELIMIT;
	if (unlikely(rte_pktmbuf_headroom(m) < sizeof(*o) + 8))
		return ICMP_ERR_NO_MBUF;
	tgw_drop_count(md->punt, 1);
	tgw_mbuf_truncate(m, ICMP6_ERR_MAX - sizeof(*o) - 8);
	keep = m->pkt_len;
	o = (struct rte_ipv6_hdr *)rte_pktmbuf_prepend(m, sizeof(*o) + 8);
	ic = (uint8_t *)(o + 1);
	plen = 8 + keep;
	o->vtc_flow = RTE_BE32(0x60000000);
	o->payload_len = rte_cpu_to_be_16(plen);
	o->proto = IPPROTO_ICMPV6;
	o->hop_limits = 64;
	memcpy(o->dst_addr, ((struct rte_ipv6_hdr *)(ic + 8))->src_addr, 16);
	memcpy(o->src_addr, src, 16);
	/* RFC 4443: Packet Too Big (MTU), Time Exceeded (hop limit), Parameter Problem
	 * (pointer: RFC 2473 §4.1.1 encapsulation limit reached), Destination Unreachable */
	switch (md->punt) {
	case TGW_DROP_too_big:
		ic[0] = 2;
		break;
	case TGW_DROP_hop_limit_exceeded:
		ic[0] = 3;
		break;
	case TGW_DROP_encap_limit:
		ic[0] = 4;
		break;
	default:
		ic[0] = 1;
		break;
	}
	ic[1] = 0;
	ic[2] = ic[3] = 0;
	{
		rte_be32_t v = rte_cpu_to_be_32(md->aux);

		memcpy(ic + 4, &v, sizeof(v));
	}
	*(uint16_t *)(ic + 2) =
		~tgw_mbuf_cksum(m, sizeof(*o), plen, tgw_ip6_phdr_sum(o, plen, IPPROTO_ICMPV6));
	md->local = 1;
	return ICMP_ERR_SEND;
}

static uint16_t
icmp6_error_chunk(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t n,
		  bool whole)
{
	uint16_t nexts[RTE_GRAPH_BURST_SIZE];

	TGW_NODE_LOOP(objs, n, nexts, icmp6_error_one, NULL);
	tgw_node_dispatch(graph, node, objs, nexts, n, &tgw_node_ctx(node)->spec, whole);
	return n;
}

TGW_NODE_PROCESS(icmp6_error_process, icmp6_error_chunk)

static struct rte_node_register icmp6_error_node = {
	.name = TGW_NODE_ICMP6_ERROR,
	.process = icmp6_error_process,
	.nb_edges = ICMP_ERR_NB,
	.next_nodes = ICMP_ERR_NEXT_NODES(TGW_NODE_IP6_LOOKUP),
};
RTE_NODE_REGISTER(icmp6_error_node);
