/* SPDX-License-Identifier: BSD-3-Clause */
/* tgw_eth_input: Ethernet input for injected frames (the RX node does the same in place). */
#include <rte_ethdev.h>

#include "eth_inline.h"

uint16_t tgw_port_idx[RTE_MAX_ETHPORTS];
uint64_t tgw_port_mac64[TGW_MAX_PORTS];

static uint16_t
eth_input_chunk(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t n,
		bool whole)
{
	struct rte_mbuf **pkts = (struct rte_mbuf **)objs;
	uint16_t nexts[RTE_GRAPH_BURST_SIZE];

	/* injected frames may come from any port */
	for (uint16_t i = 0; i < n; i++) {
		uint16_t p = pkts[i]->port < RTE_MAX_ETHPORTS ? tgw_port_idx[pkts[i]->port] : 0;
		const struct eth_port ep = {.p = p, .mac = tgw_port_mac64[p]};

		nexts[i] = eth_input_one(pkts[i], &ep);
	}
	tgw_node_dispatch(graph, node, objs, nexts, n, &tgw_node_ctx(node)->spec, whole);
	return n;
}

TGW_NODE_PROCESS(eth_input_process, eth_input_chunk)

static struct rte_node_register eth_input_node = {
	.name = TGW_NODE_ETH_INPUT,
	.process = eth_input_process,
	.nb_edges = ETH_NEXT_NB,
	.next_nodes = ETH_NEXT_NODES,
};
RTE_NODE_REGISTER(eth_input_node);
