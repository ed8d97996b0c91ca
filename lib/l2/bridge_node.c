/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tgw_bridge: learning bridge forwarding (IEEE 802.1D as the kernel's bridge):
 * learn the source, forward a known unicast destination to its member, flood
 * unknown unicast, broadcast and multicast to every member but the ingress one.
 * Frames pass unchanged (VLAN tags included).
 */
#include <rte_graph_worker.h>

#include "l2.h"
#include "node_util.h"

enum { BR_NEXT_TRUNCATED, BR_NEXT_SAME_PORT, BR_NEXT_NO_MBUF, BR_NEXT_NB };

struct br_ctx {
	struct rte_graph *graph;
	struct rte_node *node;
	uint32_t now;
	uint32_t no_mbuf;
};

/* Hand m to member mem of br: its edge, and the tunnel to encapsulate into. */
static __rte_always_inline uint16_t
br_out(struct rte_mbuf *m, const struct tgw_bridge *br, unsigned int mem)
{
	uint16_t ifx = br->members[mem];

	if (ifx >= TGW_MAX_PORTS)
		tgw_meta(m)->tunnel = ifx - TGW_MAX_PORTS;
	return br->edge[mem];
}

/* Copies of m to every member but in and last, which gets m itself. */
static __rte_always_inline uint16_t
br_flood(struct rte_mbuf *m, const struct tgw_bridge *br, unsigned int in, struct br_ctx *c)
{
	int last = -1;

	for (unsigned int i = 0; i < br->n_members; i++) {
		if (i == in)
			continue;
		if (last >= 0) {
			struct rte_mbuf *cp = rte_pktmbuf_copy(m, tgw.pool, 0, UINT32_MAX);

			if (unlikely(cp == NULL))
				c->no_mbuf++;
			else
				rte_node_enqueue_x1(c->graph, c->node, br_out(cp, br, last), cp);
		}
		last = i;
	}
	if (unlikely(last < 0))
		return BR_NEXT_SAME_PORT; /* a bridge of one member */
	return br_out(m, br, last);
}

/* Learns, then forwards or floods; returns the edge of the frame itself. */
static __rte_always_inline uint16_t
br_one(struct rte_mbuf *m, struct br_ctx *c)
{
	uint16_t ifx = tgw_meta(m)->in_if;
	struct tgw_bridge *br = &tgw_bridges[tgw_l2_bridge_of[ifx]];
	unsigned int in = tgw_l2_member_of[ifx];
	const uint8_t *e = rte_pktmbuf_mtod(m, const uint8_t *);
	uint64_t dst = 0, src = 0;
	int out;

	if (unlikely(m->data_len < RTE_ETHER_HDR_LEN))
		return BR_NEXT_TRUNCATED;
	memcpy(&dst, e, RTE_ETHER_ADDR_LEN);
	memcpy(&src, e + RTE_ETHER_ADDR_LEN, RTE_ETHER_ADDR_LEN);
	if (likely(!(src & 1) && src != 0)) /* group or zero sources are never learned */
		tgw_fdb_learn(br, src, in, c->now);
	if (dst & 1) /* broadcast, multicast */
		return br_flood(m, br, in, c);
	out = tgw_fdb_lookup(br, dst);
	if (out < 0)
		return br_flood(m, br, in, c);
	if (unlikely(out == (int)in))
		return BR_NEXT_SAME_PORT; /* the destination is on the segment it came from */
	return br_out(m, br, out);
}

static uint16_t
br_chunk(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t n, bool whole)
{
	uint16_t nexts[RTE_GRAPH_BURST_SIZE];
	struct br_ctx c = {.graph = graph, .node = node, .now = tgw_l2_now};

	TGW_NODE_LOOP_HOT(objs, n, nexts, br_one, &c);
	if (unlikely(c.no_mbuf))
		tgw_drop_count(TGW_DROP_no_mbuf, c.no_mbuf);
	tgw_node_dispatch(graph, node, objs, nexts, n, &tgw_node_ctx(node)->spec, whole);
	return n;
}

TGW_NODE_PROCESS(br_process, br_chunk)

static struct rte_node_register br_node = {
	.name = TGW_NODE_BRIDGE,
	.process = br_process,
	.nb_edges = BR_NEXT_NB,
	.next_nodes = {
		[BR_NEXT_TRUNCATED] = TGW_DROP_NODE(eth_truncated),
		[BR_NEXT_SAME_PORT] = TGW_DROP_NODE(bridge_same_port),
		[BR_NEXT_NO_MBUF] = TGW_DROP_NODE(no_mbuf),
	},
};
RTE_NODE_REGISTER(br_node);
