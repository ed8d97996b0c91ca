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

/* The receiving port of a burst, and its MAC as the low 48 bits of a load. */
struct eth_port {
	uint16_t p;
	uint64_t mac;
};

static __rte_always_inline void
eth_strip(struct rte_mbuf *m)
{
	m->data_off += RTE_ETHER_HDR_LEN;
	m->data_len -= RTE_ETHER_HDR_LEN;
	m->pkt_len -= RTE_ETHER_HDR_LEN;
}

/*
 * Accepts frames to the port's MAC or to a group address, sets the receive
 * metadata, strips Ethernet from IP packets and returns the next edge (ARP keeps
 * its Ethernet header for the control lcore).
 */
static __rte_always_inline uint16_t
eth_input_one(struct rte_mbuf *m, const struct eth_port *ep)
{
	const struct rte_ether_hdr *e = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	uint64_t dst;
	bool mc;

	if (unlikely(m->data_len < RTE_ETHER_HDR_LEN))
		return ETH_NEXT_TRUNCATED;
	memcpy(&dst, e, sizeof(dst));
	mc = dst & 1; /* the group bit: broadcast, multicast */
	if (unlikely(((dst ^ ep->mac) << 16) != 0 && !mc))
		return ETH_NEXT_NOT_FOR_US;
	tgw_meta_rx(m, ep->p, mc);
	if (likely(e->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4))) {
		eth_strip(m);
		return ETH_NEXT_IP4;
	}
	if (e->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV6)) {
		eth_strip(m);
		return ETH_NEXT_IP6;
	}
	if (e->ether_type == RTE_BE16(RTE_ETHER_TYPE_ARP)) {
		tgw_meta(m)->punt = TGW_PUNT_ARP;
		return ETH_NEXT_PUNT;
	}
	return ETH_NEXT_BAD_ETHERTYPE;
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
