/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * GRE over IPv4 and IPv6: the encap and decap nodes of gre, gretap, ip6gre,
 * ip6gretap, erspan and ip6erspan. One node per outer family; the tunnel says
 * what the inner is (IP, Ethernet, mirrored Ethernet behind an ERSPAN header).
 */
#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_random.h>

#include "gre.h"
#include "ip6tnl.h"
#include "ip_common.h"
#include "node_util.h"
#include "tnl_inline.h"
#include "udp_inline.h"

uint64_t tgw_erspan_ts_base, tgw_erspan_tsc0;

static uint16_t gre_ident[RTE_MAX_LCORE];

struct encap_ctx {
	struct tgw_tnl_acc acc;
	struct tgw_tnl_plan pl;
	uint16_t ident;
	uint32_t ts; /* ERSPAN III timestamp for the burst: real time in 100 µs units */
};

/*
 * The per-packet ERSPAN fields (include/net/erspan.h): COS from the inner IP
 * precedence, an in-frame 802.1Q tag's VLAN (type II: En = 3, tag kept in the frame),
 * type III: BSO from the frame length and the timestamp.
 */
static __rte_always_inline void
erspan_fill(uint8_t *eh, const struct tgw_tunnel *t, const uint8_t *frame, uint32_t len,
	    uint8_t ds, uint32_t ts, bool trunc)
{
	struct tgw_erspan3_hdr *e = (struct tgw_erspan3_hdr *)eh;
	uint16_t vlan = 0, en = 0;

	if (len >= RTE_ETHER_HDR_LEN + 4 &&
	    ((const struct rte_ether_hdr *)frame)->ether_type == RTE_BE16(RTE_ETHER_TYPE_VLAN)) {
		vlan = tgw_be16_at(frame + RTE_ETHER_HDR_LEN) & 0xfff;
		en = t->erspan_ver == 1 ? 3 : 0;
	}
	if (t->erspan_ver == 2) {
		en = len < RTE_ETHER_MIN_LEN - RTE_ETHER_CRC_LEN   ? 1 /* short */
		     : len > RTE_ETHER_MAX_LEN - RTE_ETHER_CRC_LEN ? 2 /* oversized */
								   : 0;
		e->timestamp = rte_cpu_to_be_32(ts);
	}
	e->ver_vlan = rte_cpu_to_be_16((uint16_t)(t->erspan_ver << 12 | vlan));
	e->cos_en_t_sid = rte_cpu_to_be_16((uint16_t)((ds >> 5) << 13 | en << 11 | trunc << 10 |
						      (t->ikey & TGW_ERSPAN_SID_MASK)));
}

/* GRE fields filled per packet: protocol type (gre), sequence number, ERSPAN header,
 * then the checksum over the GRE header and payload (RFC 2784 §2.5). */
static __rte_always_inline void
gre_fill(struct rte_mbuf *m, uint8_t *o, const struct tgw_tunnel *t, const struct tgw_inner *in,
	 uint32_t ts, bool trunc)
{
	uint8_t *g = o + t->gre_off;

	/* headers behind Ethernet are 2-byte aligned at best: unaligned stores by memcpy */
	if (!(t->inner & TGW_INNER_ETH)) {
		rte_be16_t proto = in->v6 ? RTE_BE16(RTE_ETHER_TYPE_IPV6)
					  : RTE_BE16(RTE_ETHER_TYPE_IPV4);

		memcpy(g + 2, &proto, sizeof(proto));
	}
	/* one sequence space per tunnel, as the kernel; lcores take numbers by atomic add */
	if (t->oflags & TGW_TF_SEQ) {
		rte_be32_t seq = rte_cpu_to_be_32(
			__atomic_fetch_add(&tgw_tnl_rt[t->id].oseq, 1, __ATOMIC_RELAXED));

		memcpy(o + t->seq_off, &seq, sizeof(seq));
	}
	if (t->ers_off)
		erspan_fill(o + t->ers_off, t, o + t->hdr_len, in->len, in->ds, ts, trunc);
	if (t->oflags & TGW_TF_CSUM) {
		uint32_t off = g - rte_pktmbuf_mtod(m, uint8_t *);
		uint16_t c = ~tgw_mbuf_cksum(m, off, m->pkt_len - off, 0);

		memcpy(g + 4, &c, sizeof(c));
	}
}

/* The outer flow label: fixed, inherited from an IPv6 inner, or the kernel's auto hash. */
static __rte_always_inline uint32_t
gre6_flowlabel(struct rte_mbuf *m, const struct tgw_tunnel *t, const struct tgw_inner *in)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);

	if (t->flowlabel > 0)
		return t->flowlabel;
	if (t->inner & TGW_INNER_ETH)
		return rte_hash_crc(p, RTE_MIN(m->data_len, 2 * RTE_ETHER_ADDR_LEN + 2), 0) &
		       0xfffff;
	if (t->flowlabel == TGW_FLOWLABEL_INHERIT && in->v6)
		return tgw_ip6_flowlabel(p);
	return tgw_flow_hash(p, m->data_len, in->v6) & 0xfffff;
}

/* Prepends outer IP + GRE (+ ERSPAN) from the template; returns the next edge. */
static __rte_always_inline uint16_t
gre_encap_one(struct rte_mbuf *m, struct encap_ctx *c, const bool o6)
{
	const struct tgw_tunnel *t = tgw_tnl_plan_get(&c->pl, tgw_meta(m)->tunnel);
	const bool l2 = t->inner & TGW_INNER_ETH;
	struct tgw_inner in;
	bool trunc = false;
	uint16_t next = l2 ? tgw_tnl_l2_check(m, t, &in, &trunc) : tgw_tnl_encap_check(m, t, &in);
	uint32_t flow = 0;
	uint8_t *o;
	bool direct;

	if (unlikely(next != TGW_ENCAP_PENDING))
		return next;
	if (o6)
		flow = gre6_flowlabel(m, t, &in);
	/* plain gre (24 bytes) copies its template with constant-size moves */
	if (!o6 && t->hdr_len == sizeof(struct rte_ipv4_hdr) + 4)
		o = tgw_tnl_push(m, &c->pl, &in, sizeof(struct rte_ipv4_hdr) + 4, &direct);
	else
		o = tgw_tnl_push(m, &c->pl, &in, t->hdr_len, &direct);
	if (unlikely(o == NULL))
		return TGW_ENCAP_NO_MBUF;
	if (o6) {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)o;

		ip6->vtc_flow = rte_cpu_to_be_32(
			6u << 28 | (uint32_t)tgw_tnl_outer_tos(t->tos, in.ds) << 20 | flow);
		ip6->payload_len = rte_cpu_to_be_16(t->hdr_len - sizeof(*ip6) + in.len);
		if (t->ttl == 0)
			ip6->hop_limits = in.ttl;
	} else {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)o;

		tgw_ip4_outer_fill(ip, t, t->udp_off ? IPPROTO_UDP : IPPROTO_GRE,
				   in.len + t->hdr_len, in.ds, in.ttl,
				   (!t->pmtudisc && !in.v6 && !in.frag_ok)
					   ? RTE_BE16(RTE_IPV4_HDR_DF_FLAG) : 0,
				   &c->ident);
	}
	gre_fill(m, o, t, &in, c->ts, trunc);
	if (!o6) {
		/* after GRE: a UDP checksum covers it */
		if (t->udp_off)
			tgw_udp4_encap_fill(m, (struct rte_ipv4_hdr *)o, t, &in);
		if (unlikely(!l2 && in.len > t->mtu))
			tgw_ip4_outer_allow_frag((struct rte_ipv4_hdr *)o);
	}
	return tgw_tnl_encap_done(m, &c->pl, &in, direct, &c->acc);
}

static __rte_always_inline uint32_t
erspan_now(void)
{
	uint64_t dt = rte_rdtsc() - tgw_erspan_tsc0;

	return (uint32_t)(tgw_erspan_ts_base + dt * 10000 / rte_get_tsc_hz());
}

static __rte_always_inline uint16_t
gre4_encap_x(struct rte_mbuf *m, struct encap_ctx *c)
{
	return gre_encap_one(m, c, false);
}

static __rte_always_inline uint16_t
gre6_encap_x(struct rte_mbuf *m, struct encap_ctx *c)
{
	return gre_encap_one(m, c, true);
}

static uint16_t
gre4_encap_chunk(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t n,
		 bool whole)
{
	uint16_t nexts[RTE_GRAPH_BURST_SIZE];
	uint16_t *ident = &gre_ident[rte_lcore_id()];
	struct encap_ctx c = {0};

	c.ident = *ident;
	c.ts = erspan_now();
	tgw_tnl_plan_init(&c.pl);
	TGW_NODE_LOOP_HOT(objs, n, nexts, gre4_encap_x, &c);
	*ident = c.ident;
	tgw_tnl_acc_flush(&c.acc, true);
	tgw_node_dispatch(graph, node, objs, nexts, n, &tgw_node_ctx(node)->spec, whole);
	return n;
}

static uint16_t
gre6_encap_chunk(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t n,
		 bool whole)
{
	uint16_t nexts[RTE_GRAPH_BURST_SIZE];
	struct encap_ctx c = {0};

	c.ts = erspan_now();
	tgw_tnl_plan_init(&c.pl);
	TGW_NODE_LOOP_HOT(objs, n, nexts, gre6_encap_x, &c);
	tgw_tnl_acc_flush(&c.acc, true);
	tgw_node_dispatch(graph, node, objs, nexts, n, &tgw_node_ctx(node)->spec, whole);
	return n;
}

TGW_NODE_PROCESS(gre4_encap_process, gre4_encap_chunk)
TGW_NODE_PROCESS(gre6_encap_process, gre6_encap_chunk)

static int
gre4_encap_init(const struct rte_graph *graph, struct rte_node *node)
{
	RTE_SET_USED(node);
	gre_ident[tgw.workers[tgw_graph_worker(graph)]] = (uint16_t)rte_rand();
	return 0;
}

static struct rte_node_register gre4_encap_node = {
	.name = TGW_NODE_GRE4_ENCAP,
	.process = gre4_encap_process,
	.init = gre4_encap_init,
	.nb_edges = TGW_ENCAP_NB,
	.next_nodes = {TGW_ENCAP_NEXT_NODES("tgw_ip4_rewrite", "tgw_ip4_lookup")},
};
RTE_NODE_REGISTER(gre4_encap_node);

static struct rte_node_register gre6_encap_node = {
	.name = TGW_NODE_GRE6_ENCAP,
	.process = gre6_encap_process,
	.nb_edges = TGW_ENCAP_NB,
	.next_nodes = {TGW_ENCAP_NEXT_NODES("tgw_ip6_rewrite", "tgw_ip6_lookup")},
};
RTE_NODE_REGISTER(gre6_encap_node);

/* ---- decap ---- */

enum {
	GRE_DECAP_TRUNC = TGW_DECAP_NB,
	GRE_DECAP_VERSION,
	GRE_DECAP_RESERVED,
	GRE_DECAP_CSUM,
	GRE_DECAP_CSUM_FLAG,
	GRE_DECAP_NO_SEQ,
	GRE_DECAP_SEQ,
	GRE_DECAP_PROTO,
	GRE_DECAP_ERS_TRUNC,
	GRE_DECAP_ERS_VER,
	GRE_DECAP_NB
};

#define GRE_DECAP_NEXT_NODES \
	TGW_DECAP_NEXT_NODES, \
	[GRE_DECAP_TRUNC] = TGW_DROP_NODE(gre_truncated), \
	[GRE_DECAP_VERSION] = TGW_DROP_NODE(gre_bad_version), \
	[GRE_DECAP_RESERVED] = TGW_DROP_NODE(gre_reserved), \
	[GRE_DECAP_CSUM] = TGW_DROP_NODE(gre_bad_csum), \
	[GRE_DECAP_CSUM_FLAG] = TGW_DROP_NODE(gre_csum_flag), \
	[GRE_DECAP_NO_SEQ] = TGW_DROP_NODE(gre_no_seq), \
	[GRE_DECAP_SEQ] = TGW_DROP_NODE(gre_seq_order), \
	[GRE_DECAP_PROTO] = TGW_DROP_NODE(gre_bad_proto), \
	[GRE_DECAP_ERS_TRUNC] = TGW_DROP_NODE(erspan_truncated), \
	[GRE_DECAP_ERS_VER] = TGW_DROP_NODE(erspan_bad_version)

struct decap_ctx {
	struct tgw_tnl_acc acc;
	struct tgw_tnl_kcache cache;
};

/* RFC 2890 §2.2 with the kernel's serial arithmetic (ip_tunnel_rcv): a number before
 * the expected one is out of order or a duplicate; gaps are losses and accepted. The
 * receive state is written by the worker that receives the tunnel (RSS keeps one
 * outer flow on one queue). */
static __rte_always_inline bool
gre_seq_ok(const struct tgw_tunnel *t, uint32_t seq)
{
	struct tgw_tnl_rt *rt = &tgw_tnl_rt[t->id];
	uint64_t st = __atomic_load_n(&rt->iseq, __ATOMIC_RELAXED);

	if (st != 0 && (int32_t)(seq - (uint32_t)st) < 0)
		return false;
	__atomic_store_n(&rt->iseq, 1ull << 32 | (uint32_t)(seq + 1), __ATOMIC_RELAXED);
	return true;
}


/*
 * Validates the GRE header (RFC 2784 §2.3, RFC 2890) and an ERSPAN header, finds the
 * tunnel by endpoints, class and key, checks checksum and sequence as the tunnel
 * requires, strips the outer headers. Returns the edge; drops are edges too.
 * IPv6 outer: meta.aux holds the upper-layer offset from ip6 local delivery.
 */
static __rte_always_inline uint16_t
gre_decap_one(struct rte_mbuf *m, struct decap_ctx *c, const bool o6)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t off, hlen, key = 0, seq = 0, q, inner;
	uint16_t flags, proto;
	const struct tgw_tunnel *t;
	const void *dst, *src;
	uint8_t ds, cls;
	bool keyed;
	int tid;

	if (o6) {
		const struct rte_ipv6_hdr *ip6 = (const struct rte_ipv6_hdr *)p;

		off = tgw_meta(m)->aux & 0xffff;
		dst = ip6->dst_addr;
		src = ip6->src_addr;
		ds = (rte_be_to_cpu_32(ip6->vtc_flow) >> 20) & 0xff;
	} else {
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)p;

		off = (ip->version_ihl & 0xf) * 4;
		dst = &ip->dst_addr;
		src = &ip->src_addr;
		ds = ip->type_of_service;
	}
	if (unlikely(m->data_len < off + 4))
		return GRE_DECAP_TRUNC;
	flags = tgw_be16_at(p + off);
	proto = tgw_be16_at(p + off + 2);
	if (unlikely(flags & TGW_GRE_VER))
		return GRE_DECAP_VERSION; /* RFC 2784 §2.3.1: version 0 only */
	if (unlikely(flags & TGW_GRE_RESERVED))
		return GRE_DECAP_RESERVED;
	hlen = tgw_gre_hdr_len(flags);
	if (unlikely(m->data_len < off + hlen))
		return GRE_DECAP_TRUNC;
	q = off + 4 + ((flags & TGW_GRE_C) ? 4 : 0);
	keyed = flags & TGW_GRE_K;
	if (keyed) {
		key = tgw_be32_at(p + q);
		q += 4;
	}
	if (flags & TGW_GRE_S)
		seq = tgw_be32_at(p + q);
	inner = off + hlen;
	if (likely(proto == RTE_ETHER_TYPE_IPV4 || proto == RTE_ETHER_TYPE_IPV6)) {
		cls = TGW_GRE_CLS_L3;
	} else if (proto == TGW_ETH_P_TEB) {
		cls = TGW_GRE_CLS_TAP;
	} else if (proto == TGW_ETH_P_ERSPAN || proto == TGW_ETH_P_ERSPAN2) {
		uint8_t ver;

		cls = TGW_GRE_CLS_ERSPAN;
		/* type II and III carry a sequence number; type I (no header) is not supported */
		if (unlikely(!(flags & TGW_GRE_S)))
			return GRE_DECAP_ERS_VER;
		if (unlikely(m->data_len < inner + sizeof(struct tgw_erspan2_hdr)))
			return GRE_DECAP_ERS_TRUNC;
		ver = p[inner] >> 4;
		if (unlikely(ver != (proto == TGW_ETH_P_ERSPAN ? 1 : 2)))
			return GRE_DECAP_ERS_VER;
		/* the session id is the key (kernel erspan_rcv) */
		key = tgw_be16_at(p + inner + 2) & TGW_ERSPAN_SID_MASK;
		keyed = true;
		inner += ver == 1 ? sizeof(struct tgw_erspan2_hdr) : sizeof(struct tgw_erspan3_hdr);
		if (unlikely(m->data_len < inner))
			return GRE_DECAP_ERS_TRUNC;
	} else {
		cls = TGW_GRE_CLS_L3; /* found, then refused: the gre device has no such protocol */
	}
	tid = tgw_tnl_lookup_keyed(&c->cache, o6 ? 6 : 4, IPPROTO_GRE, TGW_TNL_SUB(cls, keyed), key,
				   dst, src);
	if (unlikely(tid < 0))
		return TGW_DECAP_NO_TUNNEL;
	t = &tgw.tunnels[tid];
	/* kernel ip_tunnel_rcv: a checksum must be present exactly when icsum is set */
	if (unlikely(!(flags & TGW_GRE_C) != !(t->iflags & TGW_TF_CSUM)))
		return GRE_DECAP_CSUM_FLAG;
	if ((flags & TGW_GRE_C) && unlikely(tgw_mbuf_cksum(m, off, m->pkt_len - off, 0) != 0xffff))
		return GRE_DECAP_CSUM;
	if (t->iflags & TGW_TF_SEQ) {
		if (unlikely(!(flags & TGW_GRE_S)))
			return GRE_DECAP_NO_SEQ;
		if (unlikely(!gre_seq_ok(t, seq)))
			return GRE_DECAP_SEQ;
	}
	if (cls != TGW_GRE_CLS_L3)
		return tgw_tnl_decap_l2(m, t, inner, ds, &c->acc);
	if (proto == RTE_ETHER_TYPE_IPV4)
		return tgw_tnl_decap_ip(m, t, inner, false, ds, &c->acc);
	if (proto == RTE_ETHER_TYPE_IPV6)
		return tgw_tnl_decap_ip(m, t, inner, true, ds, &c->acc);
	return GRE_DECAP_PROTO;
}

static __rte_always_inline uint16_t
gre4_decap_x(struct rte_mbuf *m, struct decap_ctx *c)
{
	return gre_decap_one(m, c, false);
}

static __rte_always_inline uint16_t
gre6_decap_x(struct rte_mbuf *m, struct decap_ctx *c)
{
	return gre_decap_one(m, c, true);
}

static uint16_t
gre4_decap_chunk(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t n,
		 bool whole)
{
	uint16_t nexts[RTE_GRAPH_BURST_SIZE];
	struct decap_ctx c = {0};

	TGW_NODE_LOOP_HOT(objs, n, nexts, gre4_decap_x, &c);
	tgw_tnl_acc_flush(&c.acc, false);
	tgw_node_dispatch(graph, node, objs, nexts, n, &tgw_node_ctx(node)->spec, whole);
	return n;
}

static uint16_t
gre6_decap_chunk(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t n,
		 bool whole)
{
	uint16_t nexts[RTE_GRAPH_BURST_SIZE];
	struct decap_ctx c = {0};

	TGW_NODE_LOOP_HOT(objs, n, nexts, gre6_decap_x, &c);
	tgw_tnl_acc_flush(&c.acc, false);
	tgw_node_dispatch(graph, node, objs, nexts, n, &tgw_node_ctx(node)->spec, whole);
	return n;
}

TGW_NODE_PROCESS(gre4_decap_process, gre4_decap_chunk)
TGW_NODE_PROCESS(gre6_decap_process, gre6_decap_chunk)

static struct rte_node_register gre4_decap_node = {
	.name = TGW_NODE_GRE4_DECAP,
	.process = gre4_decap_process,
	.nb_edges = GRE_DECAP_NB,
	.next_nodes = {GRE_DECAP_NEXT_NODES},
};
RTE_NODE_REGISTER(gre4_decap_node);

static struct rte_node_register gre6_decap_node = {
	.name = TGW_NODE_GRE6_DECAP,
	.process = gre6_decap_process,
	.nb_edges = GRE_DECAP_NB,
	.next_nodes = {GRE_DECAP_NEXT_NODES},
};
RTE_NODE_REGISTER(gre6_decap_node);
