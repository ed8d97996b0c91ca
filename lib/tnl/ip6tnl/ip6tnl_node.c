/* SPDX-License-Identifier: BSD-3-Clause */
/* IP in IPv6 (RFC 2473): the ip6tnl encap and decap nodes. */
#include <rte_ip.h>

#include "ip6tnl.h"
#include "node_util.h"
#include "tnl_inline.h"

/*
 * RFC 2473 §4.1.1: an inner IPv6 packet that carries a Tunnel Encapsulation
 * Limit of 0 in a destination options header right after its fixed header must
 * not be encapsulated again; a lower limit than ours is decremented and kept.
 * Returns the limit to send, or -1 to drop with *ptr the offset of the limit.
 */
static __rte_always_inline int
ip6tnl_inner_limit(const struct rte_mbuf *m, const struct tgw_tunnel *t, uint32_t *ptr)
{
	const struct rte_ipv6_hdr *ip6 = rte_pktmbuf_mtod(m, const struct rte_ipv6_hdr *);
	const uint8_t *o;
	uint32_t len, i;

	if (likely(ip6->proto != IPPROTO_DSTOPTS))
		return t->encaplimit;
	if (m->data_len < sizeof(*ip6) + 8)
		return t->encaplimit;
	o = (const uint8_t *)(ip6 + 1);
	len = (o[1] + 1) * 8;
	if (m->data_len < sizeof(*ip6) + len)
		return t->encaplimit;
	for (i = 2; i + 1 < len;) {
		if (o[i] == 0) { /* Pad1 */
			i++;
			continue;
		}
		if (o[i] == TGW_IP6_OPT_TEL && o[i + 1] == 1 && i + 2 < len) {
			if (o[i + 2] == 0) {
				*ptr = sizeof(*ip6) + i + 2;
				return -1;
			}
			return RTE_MIN((int)t->encaplimit, o[i + 2] - 1);
		}
		i += 2 + o[i + 1];
	}
	return t->encaplimit;
}

struct encap_ctx {
	struct tgw_tnl_acc acc;
	struct tgw_tnl_plan pl;
};

/* Prepends the outer IPv6 header (and encapsulation limit option) from the template. */
static __rte_always_inline uint16_t
ip6tnl_encap_one(struct rte_mbuf *m, struct encap_ctx *c)
{
	const struct tgw_tunnel *t = tgw_tnl_plan_get(&c->pl, tgw_meta(m)->tunnel);
	struct rte_ipv6_hdr *o;
	struct tgw_inner in;
	uint16_t next = tgw_tnl_encap_check(m, t, &in);
	uint32_t flow;
	int limit = t->encaplimit;
	bool direct;

	if (unlikely(next != TGW_ENCAP_PENDING))
		return next;
	if (t->encaplimit != TGW_ENCAPLIMIT_NONE && in.v6) {
		uint32_t ptr;

		limit = ip6tnl_inner_limit(m, t, &ptr);
		if (unlikely(limit < 0)) {
			/* RFC 2473 §4.1.1: ICMPv6 Parameter Problem, code 0, at the limit */
			tgw_ip_unforward(m);
			tgw_meta(m)->punt = TGW_DROP_encap_limit;
			tgw_meta(m)->aux = ptr;
			return TGW_ENCAP_ICMP6_ERR;
		}
	}
	if (t->flowlabel > 0)
		flow = t->flowlabel;
	else if (t->flowlabel == TGW_FLOWLABEL_INHERIT && in.v6)
		flow = tgw_ip6_flowlabel(rte_pktmbuf_mtod(m, const uint8_t *));
	else /* the kernel's auto flow label (net.ipv6.auto_flowlabels=1) */
		flow = tgw_flow_hash(rte_pktmbuf_mtod(m, uint8_t *), m->data_len, in.v6) & 0xfffff;
	if (t->encaplimit != TGW_ENCAPLIMIT_NONE)
		o = tgw_tnl_push(m, &c->pl, &in, sizeof(*o) + sizeof(struct tgw_ip6_encap_limit), &direct);
	else
		o = tgw_tnl_push(m, &c->pl, &in, sizeof(*o), &direct);
	if (unlikely(o == NULL))
		return TGW_ENCAP_NO_MBUF;
	if (t->encaplimit != TGW_ENCAPLIMIT_NONE) {
		struct tgw_ip6_encap_limit *el = (struct tgw_ip6_encap_limit *)(o + 1);

		el->next_header = in.v6 ? IPPROTO_IPV6 : IPPROTO_IPIP;
		el->limit = limit;
	} else {
		o->proto = in.v6 ? IPPROTO_IPV6 : IPPROTO_IPIP;
	}
	o->vtc_flow = rte_cpu_to_be_32(6u << 28 | (uint32_t)tgw_tnl_outer_tos(t->tos, in.ds) << 20 |
				       flow);
	o->payload_len = rte_cpu_to_be_16(t->hdr_len - sizeof(*o) + in.len);
	if (t->ttl == 0)
		o->hop_limits = in.ttl;
	return tgw_tnl_encap_done(m, &c->pl, &in, direct, &c->acc);
}

static uint16_t
ip6tnl_encap_chunk(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t n,
		   bool whole)
{
	uint16_t nexts[RTE_GRAPH_BURST_SIZE];
	struct encap_ctx c = {0};

	tgw_tnl_plan_init(&c.pl);
	TGW_NODE_LOOP_HOT(objs, n, nexts, ip6tnl_encap_one, &c);
	tgw_tnl_acc_flush(&c.acc, true);
	tgw_node_dispatch(graph, node, objs, nexts, n, &tgw_node_ctx(node)->spec, whole);
	return n;
}

TGW_NODE_PROCESS(ip6tnl_encap_process, ip6tnl_encap_chunk)

static struct rte_node_register ip6tnl_encap_node = {
	.name = TGW_NODE_IP6TNL_ENCAP,
	.process = ip6tnl_encap_process,
	.nb_edges = TGW_ENCAP_NB,
	.next_nodes = {TGW_ENCAP_NEXT_NODES("tgw_ip6_rewrite", "tgw_ip6_lookup")},
};
RTE_NODE_REGISTER(ip6tnl_encap_node);

struct decap_ctx {
	struct tgw_tnl_acc acc;
	struct tgw_tnl_cache cache;
};

/* meta.aux from ip6 local delivery: upper-layer offset | protocol << 16. */
static __rte_always_inline uint16_t
ip6tnl_decap_one(struct rte_mbuf *m, struct decap_ctx *c)
{
	const struct rte_ipv6_hdr *ip6 = rte_pktmbuf_mtod(m, const struct rte_ipv6_hdr *);
	uint32_t aux = tgw_meta(m)->aux;
	uint8_t proto = aux >> 16;
	int tid = tgw_tnl_lookup_cached(&c->cache, 6, proto, ip6->dst_addr, ip6->src_addr);

	if (unlikely(tid < 0))
		return tgw_tnl_lookup_other_mode(6, proto, ip6->dst_addr, ip6->src_addr);
	return tgw_tnl_decap_ip(m, &tgw.tunnels[tid], aux & 0xffff, proto == IPPROTO_IPV6,
				(rte_be_to_cpu_32(ip6->vtc_flow) >> 20) & 0xff, &c->acc);
}

static uint16_t
ip6tnl_decap_chunk(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t n,
		   bool whole)
{
	uint16_t nexts[RTE_GRAPH_BURST_SIZE];
	struct decap_ctx c = {0};

	TGW_NODE_LOOP_HOT(objs, n, nexts, ip6tnl_decap_one, &c);
	tgw_tnl_acc_flush(&c.acc, false);
	tgw_node_dispatch(graph, node, objs, nexts, n, &tgw_node_ctx(node)->spec, whole);
	return n;
}

TGW_NODE_PROCESS(ip6tnl_decap_process, ip6tnl_decap_chunk)

static struct rte_node_register ip6tnl_decap_node = {
	.name = TGW_NODE_IP6TNL_DECAP,
	.process = ip6tnl_decap_process,
	.nb_edges = TGW_DECAP_NB,
	.next_nodes = {TGW_DECAP_NEXT_NODES},
};
RTE_NODE_REGISTER(ip6tnl_decap_node);
