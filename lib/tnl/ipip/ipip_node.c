/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IP in IPv4 (RFC 2003 and RFC 4213 §3.5): the encap and decap nodes of the
 * ipip and sit types, which differ only in the inner families they carry; with
 * "encap", a UDP (+ GUE) header follows the outer IPv4 header.
 */
#include <rte_ip.h>
#include <rte_random.h>

#include "ipip.h"
#include "node_util.h"
#include "tnl_inline.h"
#include "udp_inline.h"

static uint16_t ip4_ident[RTE_MAX_LCORE];

struct encap_ctx {
	struct tgw_tnl_acc acc;
	struct tgw_tnl_plan pl;
	uint16_t ident; /* the lcore's IPv4 ID counter, in a register for the burst */
};

/* Prepends the outer IPv4 header from the template; fills lengths, TOS, TTL, checksum. */
static __rte_always_inline uint16_t
ip4ip_encap_one(struct rte_mbuf *m, struct encap_ctx *c)
{
	const struct tgw_tunnel *t = tgw_tnl_plan_get(&c->pl, tgw_meta(m)->tunnel);
	struct rte_ipv4_hdr *o;
	struct tgw_inner in;
	uint16_t next = tgw_tnl_encap_check(m, t, &in);
	bool direct;

	if (unlikely(next != TGW_ENCAP_PENDING))
		return next;
	/* the plain tunnel copies its template with constant-size moves */
	if (likely(t->udp_off == 0))
		o = tgw_tnl_push(m, &c->pl, &in, sizeof(*o), &direct);
	else
		o = tgw_tnl_push(m, &c->pl, &in, t->hdr_len, &direct);
	if (unlikely(o == NULL))
		return TGW_ENCAP_NO_MBUF;
	tgw_ip4_outer_fill(o, t,
			   t->udp_off ? IPPROTO_UDP : in.v6 ? IPPROTO_IPV6 : IPPROTO_IPIP,
			   in.len + t->hdr_len, in.ds, in.ttl,
			   (!t->pmtudisc && !in.v6 && !in.frag_ok) ? RTE_BE16(RTE_IPV4_HDR_DF_FLAG) : 0,
			   &c->ident);
	if (t->udp_off)
		tgw_udp4_encap_fill(m, o, t, &in);
	if (unlikely(in.len > t->mtu))
		tgw_ip4_outer_allow_frag(o);
	return tgw_tnl_encap_done(m, &c->pl, &in, direct, &c->acc);
}

static uint16_t
ip4ip_encap_chunk(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t n,
		  bool whole)
{
	uint16_t nexts[RTE_GRAPH_BURST_SIZE];
	uint16_t *ident = &ip4_ident[rte_lcore_id()];
	struct encap_ctx c = {0};

	/* a counter in memory would chain every packet's store to the next one's load */
	c.ident = *ident;
	tgw_tnl_plan_init(&c.pl);
	TGW_NODE_LOOP_HOT(objs, n, nexts, ip4ip_encap_one, &c);
	*ident = c.ident;
	tgw_tnl_acc_flush(&c.acc, true);
	tgw_node_dispatch(graph, node, objs, nexts, n, &tgw_node_ctx(node)->spec, whole);
	return n;
}

TGW_NODE_PROCESS(ip4ip_encap_process, ip4ip_encap_chunk)

/* Each worker's IDs start at a random point, so that two workers sending to the same
 * remote do not walk the same sequence (reassembly there keys on the ID). */
static int
ip4ip_encap_init(const struct rte_graph *graph, struct rte_node *node)
{
	RTE_SET_USED(node);
	ip4_ident[tgw.workers[tgw_graph_worker(graph)]] = (uint16_t)rte_rand();
	return 0;
}

static struct rte_node_register ip4ip_encap_node = {
	.name = TGW_NODE_IP4IP_ENCAP,
	.process = ip4ip_encap_process,
	.init = ip4ip_encap_init,
	.nb_edges = TGW_ENCAP_NB,
	.next_nodes = {TGW_ENCAP_NEXT_NODES("tgw_ip4_rewrite", "tgw_ip4_lookup")},
};
RTE_NODE_REGISTER(ip4ip_encap_node);

struct decap_ctx {
	struct tgw_tnl_acc acc;
	struct tgw_tnl_cache cache;
};

/* Matches the outer endpoints to a tunnel and strips the outer IPv4 header. */
static __rte_always_inline uint16_t
ip4ip_decap_one(struct rte_mbuf *m, struct decap_ctx *c)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, const struct rte_ipv4_hdr *);
	int tid = tgw_tnl_lookup_cached(&c->cache, 4, ip->next_proto_id, &ip->dst_addr,
					&ip->src_addr);

	if (unlikely(tid < 0))
		return tgw_tnl_lookup_other_mode(4, ip->next_proto_id, &ip->dst_addr, &ip->src_addr);
	return tgw_tnl_decap_ip(m, &tgw.tunnels[tid], (ip->version_ihl & 0xf) * 4,
				ip->next_proto_id == IPPROTO_IPV6, ip->type_of_service, &c->acc);
}

static uint16_t
ip4ip_decap_chunk(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t n,
		  bool whole)
{
	uint16_t nexts[RTE_GRAPH_BURST_SIZE];
	struct decap_ctx c = {0};

	TGW_NODE_LOOP_HOT(objs, n, nexts, ip4ip_decap_one, &c);
	tgw_tnl_acc_flush(&c.acc, false);
	tgw_node_dispatch(graph, node, objs, nexts, n, &tgw_node_ctx(node)->spec, whole);
	return n;
}

TGW_NODE_PROCESS(ip4ip_decap_process, ip4ip_decap_chunk)

static struct rte_node_register ip4ip_decap_node = {
	.name = TGW_NODE_IP4IP_DECAP,
	.process = ip4ip_decap_process,
	.nb_edges = TGW_DECAP_NB,
	.next_nodes = {TGW_DECAP_NEXT_NODES},
};
RTE_NODE_REGISTER(ip4ip_decap_node);
