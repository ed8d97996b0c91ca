/* SPDX-License-Identifier: BSD-3-Clause */
/* Ethernet input, shared by tgw_eth_input and the RX node (which classifies in place). */
#ifndef TGW_ETH_INLINE_H
#define TGW_ETH_INLINE_H

#include "node_util.h"

extern uint16_t tgw_port_idx[RTE_MAX_ETHPORTS];
extern uint64_t tgw_port_mac64[TGW_MAX_PORTS]; /* the port MAC as the low 48 bits of a load */

enum {
	ETH_NEXT_IP4,
	ETH_NEXT_IP6,
	ETH_NEXT_PUNT,
	ETH_NEXT_TRUNCATED,
	ETH_NEXT_NOT_FOR_US,
	ETH_NEXT_BAD_ETHERTYPE,
	ETH_NEXT_NB
};

/* Returns the next edge; the mbuf data then starts at the L3 header. */
static __rte_always_inline uint16_t
eth_input_one(struct rte_mbuf *m, void *ctx)
{
	const struct rte_ether_hdr *e = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	uint16_t p = tgw_port_idx[m->port];
	struct tgw_meta *md = tgw_meta(m);
	uint64_t dst;

	RTE_SET_USED(ctx);
	if (unlikely(m->data_len < RTE_ETHER_HDR_LEN))
		return ETH_NEXT_TRUNCATED;
	memcpy(&dst, e, sizeof(dst));
	/* our MAC, or the group bit (broadcast, multicast) */
	if (unlikely(((dst ^ tgw_port_mac64[p]) & 0xffffffffffffULL) != 0 && !(dst & 1)))
		return ETH_NEXT_NOT_FOR_US;
	md->in_if = p;
	md->depth = 0;
	md->local = 0;
	md->l2mc = dst & 1;
	switch (e->ether_type) {
	case RTE_BE16(RTE_ETHER_TYPE_IPV4):
		rte_pktmbuf_adj(m, RTE_ETHER_HDR_LEN);
		return ETH_NEXT_IP4;
	case RTE_BE16(RTE_ETHER_TYPE_IPV6):
		rte_pktmbuf_adj(m, RTE_ETHER_HDR_LEN);
		return ETH_NEXT_IP6;
	case RTE_BE16(RTE_ETHER_TYPE_ARP):
		md->punt = TGW_PUNT_ARP;
		return ETH_NEXT_PUNT;
	default:
		return ETH_NEXT_BAD_ETHERTYPE;
	}
}

#define ETH_NEXT_NODES \
	{ \
		[ETH_NEXT_IP4] = TGW_NODE_IP4_INPUT, \
		[ETH_NEXT_IP6] = TGW_NODE_IP6_INPUT, \
		[ETH_NEXT_PUNT] = TGW_NODE_PUNT, \
		[ETH_NEXT_TRUNCATED] = TGW_DROP_NODE(eth_truncated), \
		[ETH_NEXT_NOT_FOR_US] = TGW_DROP_NODE(not_for_us), \
		[ETH_NEXT_BAD_ETHERTYPE] = TGW_DROP_NODE(bad_ethertype), \
	}

#endif
