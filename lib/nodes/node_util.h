/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers every graph node uses: the x4 loop and the speculative dispatch. */
#ifndef TGW_NODE_UTIL_H
#define TGW_NODE_UTIL_H

#include <rte_graph.h>
#include <rte_ip.h>
#include <rte_graph_worker.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "drops.h"
#include "stats.h"
#include "tgw.h"

/*
 * Run ONE(m, ctx) -> next edge for every packet: four at a time with the next
 * four prefetched (l3fwd's processx4 pattern), then the tail. ONE is a
 * static __rte_always_inline function; its body is written once. Nodes after
 * the first, whose packets were just touched, use TGW_NODE_LOOP_HOT: the same
 * without the prefetch, which would only cost instructions there.
 */
#define TGW_NODE_LOOP(objs, n, nexts, ONE, ctx) TGW_NODE_LOOP_(objs, n, nexts, ONE, ctx, true)
#define TGW_NODE_LOOP_HOT(objs, n, nexts, ONE, ctx) \
	TGW_NODE_LOOP_(objs, n, nexts, ONE, ctx, false)
#define TGW_NODE_LOOP_(objs, n, nexts, ONE, ctx, pf) \
	do { \
		struct rte_mbuf **pkts_ = (struct rte_mbuf **)(objs); \
		uint16_t i_ = 0; \
		for (; i_ + 4 <= (n); i_ += 4) { \
			if ((pf) && likely(i_ + 8 <= (n))) { \
				rte_prefetch0(rte_pktmbuf_mtod(pkts_[i_ + 4], void *)); \
				rte_prefetch0(rte_pktmbuf_mtod(pkts_[i_ + 5], void *)); \
				rte_prefetch0(rte_pktmbuf_mtod(pkts_[i_ + 6], void *)); \
				rte_prefetch0(rte_pktmbuf_mtod(pkts_[i_ + 7], void *)); \
			} \
			(nexts)[i_] = ONE(pkts_[i_], ctx); \
			(nexts)[i_ + 1] = ONE(pkts_[i_ + 1], ctx); \
			(nexts)[i_ + 2] = ONE(pkts_[i_ + 2], ctx); \
			(nexts)[i_ + 3] = ONE(pkts_[i_ + 3], ctx); \
		} \
		for (; i_ < (n); i_++) \
			(nexts)[i_] = ONE(pkts_[i_], ctx); \
	} while (0)

/*
 * Pseudo-edges a node may put in nexts[] beside its real edges (a node has far
 * fewer): tgw_node_dispatch acts on them at the packet's place in the burst, so
 * nothing behind it overtakes it.
 * TGW_NEXT_GONE: the node consumed the packet (held for reassembly, or freed and
 * counted). TGW_NEXT_FRAG: fragment to the MTU in meta.aux (TGW_FRAG_AUX), each
 * fragment with the Ethernet header of next hop meta.nh, out of the edge in aux.
 */
#define TGW_NEXT_GONE 0xfffd
#define TGW_NEXT_FRAG 0xfffe
#define TGW_FRAG_AUX(mtu, edge) ((uint32_t)(mtu) | (uint32_t)(edge) << 16)
#define TGW_FRAG_MTU(aux) ((uint16_t)(aux))
#define TGW_FRAG_EDGE(aux) ((uint16_t)((aux) >> 16))

void tgw_frag_emit(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t n);

/*
 * Hand objs to the edges in nexts. When every packet takes the same edge as
 * the node's speculated one the whole stream moves in O(1); otherwise each run
 * of equal edges is enqueued in one copy. *spec learns the last edge taken.
 * whole: objs is all of node->objs (the node's own stream), else a chunk of it.
 */
static __rte_always_inline void
tgw_node_dispatch(struct rte_graph *graph, struct rte_node *node, void **objs,
		  const uint16_t *nexts, uint16_t n, uint16_t *spec, bool whole)
{
	uint16_t i, start, sp = *spec, diff = 0, first;

	if (n == 0)
		return;
	for (i = 0; i < n; i++) /* no early exit: vectorized */
		diff |= nexts[i] ^ sp;
	if (unlikely(diff != 0)) {
		/* one edge for all, another than last time (a node visited twice per walk,
		 * as ip4 input for the outer and then the inner packet): learn it */
		first = nexts[0];
		diff = 0;
		for (i = 1; i < n; i++)
			diff |= nexts[i] ^ first;
		if (diff == 0 && first < TGW_NEXT_GONE)
			*spec = sp = first;
		else
			diff = 1;
	}
	if (likely(diff == 0)) {
		if (likely(whole))
			rte_node_next_stream_move(graph, node, sp);
		else
			rte_node_enqueue(graph, node, sp, objs, n);
		return;
	}
	start = 0;
	for (i = 1; i <= n; i++) {
		if (i == n || nexts[i] != nexts[start]) {
			if (likely(nexts[start] < TGW_NEXT_GONE))
				rte_node_enqueue(graph, node, nexts[start], &objs[start], i - start);
			else if (nexts[start] == TGW_NEXT_FRAG)
				tgw_frag_emit(graph, node, &objs[start], i - start);
			start = i;
		}
	}
	if (likely(nexts[n - 1] < TGW_NEXT_GONE))
		*spec = nexts[n - 1];
}

typedef uint16_t (*tgw_chunk_fn)(struct rte_graph *graph, struct rte_node *node, void **objs,
				 uint16_t n, bool whole);

/*
 * A node's stream can outgrow RTE_GRAPH_BURST_SIZE (rte_graph reallocates it, e.g.
 * when fragments multiply packets), while the per-packet arrays on the stack are
 * sized for one burst: process in chunks of at most a burst.
 */
static __rte_always_inline uint16_t
tgw_node_chunks(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t n,
		tgw_chunk_fn fn)
{
	if (likely(n <= RTE_GRAPH_BURST_SIZE))
		return fn(graph, node, objs, n, true);
	for (uint16_t off = 0; off < n; off += RTE_GRAPH_BURST_SIZE)
		fn(graph, node, objs + off, RTE_MIN(n - off, RTE_GRAPH_BURST_SIZE), false);
	return n;
}

/* The process callback of a node whose work is done by fn on at most a burst. */
#define TGW_NODE_PROCESS(name, fn) \
	static uint16_t name(struct rte_graph *graph, struct rte_node *node, void **objs, \
			     uint16_t n) \
	{ \
		return tgw_node_chunks(graph, node, objs, n, fn); \
	}

/* Node context: the speculated next edge, first in every node's ctx. */
struct tgw_node_ctx {
	uint16_t spec;
	uint16_t a, b, c;
	uint64_t u;
};

static __rte_always_inline struct tgw_node_ctx *
tgw_node_ctx(struct rte_node *node)
{
	return (struct tgw_node_ctx *)node->ctx;
}

/* Node names. */
#define TGW_NODE_RX "tgw_rx"
#define TGW_NODE_INJECT "tgw_inject"
#define TGW_NODE_ETH_INPUT "tgw_eth_input"
#define TGW_NODE_IP4_INPUT "tgw_ip4_input"
#define TGW_NODE_IP4_LOOKUP "tgw_ip4_lookup"
#define TGW_NODE_IP4_REWRITE "tgw_ip4_rewrite"
#define TGW_NODE_ICMP4_LOCAL "tgw_icmp4_local"
#define TGW_NODE_ICMP4_ERROR "tgw_icmp4_error"
#define TGW_NODE_IP6_INPUT "tgw_ip6_input"
#define TGW_NODE_IP6_LOOKUP "tgw_ip6_lookup"
#define TGW_NODE_IP6_REWRITE "tgw_ip6_rewrite"
#define TGW_NODE_ICMP6_LOCAL "tgw_icmp6_local"
#define TGW_NODE_ICMP6_ERROR "tgw_icmp6_error"
#define TGW_NODE_PUNT "tgw_punt"
#define TGW_NODE_TX "tgw_tx"
#define TGW_NODE_BRIDGE "tgw_bridge"

/* Worker index of a graph, from its name "tgw_w<N>". */
static inline int
tgw_graph_worker(const struct rte_graph *graph)
{
	return atoi(graph->name + 5);
}

/* Dynamic edges, filled at start-up (graph.c), identical for every graph instance. */
struct tgw_edges {
	/* ip4/ip6 forwarding nodes: edge into each tunnel type's encap node */
	uint16_t ip4_fwd_encap[TGW_TNL_MAX_TYPES];
	uint16_t ip6_fwd_encap[TGW_TNL_MAX_TYPES];
	/* local delivery demux by IP protocol */
	uint16_t ip4_local[256];
	uint16_t ip6_local[256];
	/* rewrite/inject -> tx node of each port */
	uint16_t rewrite4_tx[TGW_MAX_PORTS];
	/* ip4 / ip6 forwarding nodes -> tx node of each port (resolved neighbour) */
	uint16_t ip4_fwd_tx[TGW_MAX_PORTS];
	/* ip4 / ip6 forwarding nodes -> tgw_xfrm_out (policy-based IPsec, tgw.xfrm_pb) */
	uint16_t ip4_xfrm_pb, ip6_xfrm_pb;
	uint16_t ip6_fwd_tx[TGW_MAX_PORTS];
	uint16_t rewrite6_tx[TGW_MAX_PORTS];
	uint16_t inject_tx[TGW_MAX_PORTS];
	/* encap node of each tunnel type -> tx node of each port (cached next hop) */
	uint16_t encap_tx[TGW_TNL_MAX_TYPES][TGW_MAX_PORTS];
	/* UDP local delivery -> decap node of the protocol FOU/GUE carry */
	uint16_t udp4_decap[256];
	uint16_t udp6_decap[256];
	/* rx -> bridge (member ports); rx and each port's tx -> encap node of a mirror */
	uint16_t rx_bridge;
	uint16_t rx_mirror[TGW_MAX_PORTS];
	uint16_t tx_mirror[TGW_MAX_PORTS];
};
extern struct tgw_edges tgw_edges;

/*
 * Undo the forwarding TTL / hop-limit decrement of a packet about to be quoted in
 * an ICMP error, which quotes it as received (the kernel checks the MTU before
 * ip_forward/ip6_forward decrement). Packets the gateway made were not decremented.
 */
static inline void
tgw_ip_unforward(struct rte_mbuf *m)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);

	if (tgw_meta(m)->local)
		return;
	if ((p[0] >> 4) == 4) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;

		ip->time_to_live++;
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	} else {
		p[7]++; /* hop limit */
	}
}

/*
 * The common case of rewrite done in the forwarding node itself: a resolved
 * neighbour and a packet within its MTU get the Ethernet header here and go
 * straight to the port's TX (one node visit less). Returns the TX edge from
 * tx_edges, or fallback (the rewrite node handles resolution, MTU and errors).
 */
static __rte_always_inline uint16_t
tgw_fwd_direct(struct rte_mbuf *m, const struct tgw_nh *nh, const uint16_t *tx_edges,
	       uint16_t fallback)
{
	void *e;

	if (nh->kind != TGW_NH_PORT || !nh->resolved || m->pkt_len > nh->mtu)
		return fallback;
	e = rte_pktmbuf_prepend(m, RTE_ETHER_HDR_LEN);
	if (unlikely(e == NULL))
		return fallback;
	memcpy(e, nh->l2, RTE_ETHER_HDR_LEN);
	return tx_edges[nh->port];
}

/* Count n drops of one reason in the calling lcore's counters. */
static __rte_always_inline void
tgw_drop_count(enum tgw_drop r, uint32_t n)
{
	tgw_stats_self()->drops[r] += n;
}

/*
 * rte_pktmbuf_append and rte_pktmbuf_linearize for nodes that grow a packet into its
 * tailroom (the ESP trailer and ICV). The fuzz target poisons the tailroom of every
 * input segment for ASan, so a read past the packet is caught; the bytes these calls
 * make part of the packet are unpoisoned. Without ASan they are the DPDK calls.
 */
#if defined(__SANITIZE_ADDRESS__)
#define TGW_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TGW_ASAN 1
#endif
#endif
#ifdef TGW_ASAN
#include <sanitizer/asan_interface.h>
#endif

static inline char *
tgw_pktmbuf_append(struct rte_mbuf *m, uint16_t len)
{
	char *p = rte_pktmbuf_append(m, len);

#ifdef TGW_ASAN
	if (p != NULL)
		ASAN_UNPOISON_MEMORY_REGION(p, len);
#endif
	return p;
}

static inline int
tgw_pktmbuf_linearize(struct rte_mbuf *m)
{
	int rc = rte_pktmbuf_linearize(m);

#ifdef TGW_ASAN
	if (rc == 0)
		ASAN_UNPOISON_MEMORY_REGION(rte_pktmbuf_mtod(m, char *), m->data_len);
#endif
	return rc;
}

#endif
