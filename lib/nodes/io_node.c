/* SPDX-License-Identifier: BSD-3-Clause */
/* Graph I/O nodes: port RX (source), control injection (source), TX per port, punt. */
#include <rte_ethdev.h>
#include <rte_ring.h>

#include "eth_inline.h"

struct tgw_edges tgw_edges;

/*
 * Port mirroring: a copy of each frame (never the frame itself, which goes on
 * untouched) into the mirror tunnel's encap node. Copies come from their own pool:
 * a mirror that cannot keep up loses copies (mirror_no_mbuf), never originals.
 * Copies are marked so that they are not mirrored again on their way out.
 */
static void
mirror_copy(struct rte_graph *graph, struct rte_node *node, struct rte_mbuf **pkts, uint16_t n,
	    uint16_t port, uint16_t tunnel, uint16_t edge)
{
	uint32_t lost = 0;

	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *cp;

		if (tgw_meta(pkts[i])->mirror)
			continue;
		cp = rte_pktmbuf_copy(pkts[i], tgw.mirror_pool, 0, UINT32_MAX);
		if (unlikely(cp == NULL)) {
			lost++;
			continue;
		}
		tgw_meta_rx(cp, port, false);
		tgw_meta(cp)->mirror = 1;
		tgw_meta(cp)->tunnel = tunnel;
		rte_node_enqueue_x1(graph, node, edge, cp);
	}
	if (unlikely(lost))
		tgw_drop_count(TGW_DROP_mirror_no_mbuf, lost);
}

/* ---- tgw_rx: polls queue <worker> of every port, one port per call ---- */

#define TGW_RX_BURST 64

struct rx_ctx {
	uint16_t spec;
	uint16_t queue;
	uint16_t next_port;
};

static int
rx_init(const struct rte_graph *graph, struct rte_node *node)
{
	struct rx_ctx *c = (struct rx_ctx *)node->ctx;

	c->queue = tgw_graph_worker(graph);
	c->next_port = 0;
	return 0;
}

/* Receives one burst into the node's own stream and classifies it as eth-input does
 * (one node visit less per packet). */
static uint16_t
rx_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t cnt)
{
	struct rx_ctx *c = (struct rx_ctx *)node->ctx;
	uint16_t nexts[TGW_RX_BURST];
	uint16_t p = c->next_port, n;

	c->next_port = p + 1 == tgw.n_ports ? 0 : p + 1;
	n = rte_eth_rx_burst(tgw.ports[p].port_id, c->queue, (struct rte_mbuf **)node->objs,
			     TGW_RX_BURST);
	if (n == 0)
		return 0;
	node->idx = n;
	if (unlikely(tgw.ports[p].mirror[0] >= 0)) {
		for (uint16_t i = 0; i < n; i++) /* not copies of anything */
			tgw_meta(node->objs[i])->mirror = 0;
		mirror_copy(graph, node, (struct rte_mbuf **)node->objs, n, p,
			    tgw.ports[p].mirror[0], tgw_edges.rx_mirror[p]);
	}
	if (tgw.ports[p].bridge >= 0) {
		/* a bridge member is purely L2: every frame goes to its bridge */
		for (uint16_t i = 0; i < n; i++)
			tgw_meta_rx(node->objs[i], p, false);
		rte_node_next_stream_move(graph, node, tgw_edges.rx_bridge);
		return n;
	}
	{
		const struct eth_port ep = {.p = p, .mac = tgw_port_mac64[p]};

		/* a NIC's DMA leaves the frames out of the cache: prefetch them; a virtual
		 * PMD (pcap, ring, null) just wrote them with the CPU (profile rx_prefetch) */
		if (tgw.ports[p].rx_prefetch)
			TGW_NODE_LOOP(node->objs, n, nexts, eth_input_one, &ep);
		else
			TGW_NODE_LOOP_HOT(node->objs, n, nexts, eth_input_one, &ep);
	}
	tgw_node_dispatch(graph, node, node->objs, nexts, n, &c->spec, true);
	return n;
}

static struct rte_node_register rx_node = {
	.name = TGW_NODE_RX,
	.flags = RTE_NODE_SOURCE_F,
	.process = rx_process,
	.init = rx_init,
	.nb_edges = ETH_NEXT_NB,
	.next_nodes = ETH_NEXT_NODES,
};
RTE_NODE_REGISTER(rx_node);

/* ---- tgw_inject: packets the control lcore hands to this worker ---- */

enum { INJ_ETH, INJ_REWRITE4, INJ_REWRITE6, INJ_NB };

static int
inject_init(const struct rte_graph *graph, struct rte_node *node)
{
	tgw_node_ctx(node)->a = tgw_graph_worker(graph);
	return 0;
}

static uint16_t
inject_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t cnt)
{
	struct rte_ring *r = tgw.inject_ring[tgw_node_ctx(node)->a];
	struct rte_mbuf *pkts[32];
	unsigned int n, i;

	if (r == NULL)
		return 0;
	n = rte_ring_sc_dequeue_burst(r, (void **)pkts, RTE_DIM(pkts), NULL);
	for (i = 0; i < n; i++) {
		struct tgw_meta *md = tgw_meta(pkts[i]);
		rte_edge_t e;

		switch (md->inject) {
		case TGW_INJECT_TX:
			e = tgw_edges.inject_tx[md->aux];
			break;
		case TGW_INJECT_REWRITE4:
			e = INJ_REWRITE4;
			break;
		case TGW_INJECT_REWRITE6:
			e = INJ_REWRITE6;
			break;
		default:
			e = INJ_ETH;
			break;
		}
		rte_node_enqueue_x1(graph, node, e, pkts[i]);
	}
	return n;
}

static struct rte_node_register inject_node = {
	.name = TGW_NODE_INJECT,
	.flags = RTE_NODE_SOURCE_F,
	.process = inject_process,
	.init = inject_init,
	.nb_edges = INJ_NB,
	.next_nodes = {
		[INJ_ETH] = TGW_NODE_ETH_INPUT,
		[INJ_REWRITE4] = TGW_NODE_IP4_REWRITE,
		[INJ_REWRITE6] = TGW_NODE_IP6_REWRITE,
	},
};
RTE_NODE_REGISTER(inject_node);

/* ---- tgw_tx-<port>: one clone per port, queue = worker index ---- */

struct tx_ctx {
	uint16_t port_idx;
	uint16_t port_id;
	uint16_t queue;
};

static int
tx_init(const struct rte_graph *graph, struct rte_node *node)
{
	struct tx_ctx *c = (struct tx_ctx *)node->ctx;
	const char *dash = strrchr(node->name, '-');

	c->port_idx = dash ? atoi(dash + 1) : 0;
	c->port_id = tgw.ports[c->port_idx].port_id;
	c->queue = tgw_graph_worker(graph);
	return 0;
}

/* Transmits the stream; what the queue refuses is freed and counted (tx_full). */
static uint16_t
tx_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t cnt)
{
	struct tx_ctx *c = (struct tx_ctx *)node->ctx;
	uint16_t n;

	if (unlikely(tgw.ports[c->port_idx].mirror[1] >= 0))
		mirror_copy(graph, node, (struct rte_mbuf **)objs, cnt, c->port_idx,
			    tgw.ports[c->port_idx].mirror[1], tgw_edges.tx_mirror[c->port_idx]);
	n = rte_eth_tx_burst(c->port_id, c->queue, (struct rte_mbuf **)objs, cnt);
	if (unlikely(n < cnt)) {
		struct tgw_lcore_stats *s = tgw_stats_self();

		rte_pktmbuf_free_bulk((struct rte_mbuf **)&objs[n], cnt - n);
		s->drops[TGW_DROP_tx_full] += cnt - n;
		s->port_tx_dropped[c->port_idx] += cnt - n;
	}
	return cnt;
}

static struct rte_node_register tx_node = {
	.name = TGW_NODE_TX,
	.process = tx_process,
	.init = tx_init,
	.nb_edges = 0,
};
RTE_NODE_REGISTER(tx_node);

/* ---- tgw_punt: to the control lcore (ARP, ND, packets held for resolution) ---- */

static uint16_t
punt_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t cnt)
{
	unsigned int n = rte_ring_mp_enqueue_burst(tgw.punt_ring, objs, cnt, NULL);

	if (unlikely(n < cnt)) {
		rte_pktmbuf_free_bulk((struct rte_mbuf **)&objs[n], cnt - n);
		tgw_drop_count(TGW_DROP_neigh_hold_full, cnt - n);
	}
	return cnt;
}

static struct rte_node_register punt_node = {
	.name = TGW_NODE_PUNT,
	.process = punt_process,
	.nb_edges = 0,
};
RTE_NODE_REGISTER(punt_node);

/* ---- tgw_drop_<reason>: free and count ---- */

const char *const tgw_drop_names[TGW_DROP_MAX] = {
#define TGW_DROP_NAME(r) [TGW_DROP_##r] = #r,
	TGW_DROP_REASONS(TGW_DROP_NAME)
#undef TGW_DROP_NAME
};

static __rte_always_inline uint16_t
drop_burst(void **objs, uint16_t cnt, enum tgw_drop r)
{
	rte_pktmbuf_free_bulk((struct rte_mbuf **)objs, cnt);
	tgw_drop_count(r, cnt);
	return cnt;
}

#define TGW_DROP_NODE_DEF(r) \
	static uint16_t drop_##r##_process(struct rte_graph *g, struct rte_node *n, void **objs, \
					   uint16_t cnt) \
	{ \
		RTE_SET_USED(g); \
		RTE_SET_USED(n); \
		return drop_burst(objs, cnt, TGW_DROP_##r); \
	} \
	static struct rte_node_register drop_##r##_node = { \
		.name = TGW_DROP_NODE(r), \
		.process = drop_##r##_process, \
		.nb_edges = 0, \
	}; \
	RTE_NODE_REGISTER(drop_##r##_node);
TGW_DROP_REASONS(TGW_DROP_NODE_DEF)
