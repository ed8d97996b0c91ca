/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fragmentation on transmit, in the node that found the packet too big
 * (tgw_node_dispatch's TGW_NEXT_FRAG): IPv4 with DF clear (RFC 791), or an IPv6
 * packet the gateway itself originated (RFC 8200 §4.5). Each fragment gets the next
 * hop's Ethernet header and takes the TX edge, in place of the packet, so that no
 * later packet of the burst overtakes it (as the kernel, which fragments
 * synchronously in ip_fragment: a GRE peer checking sequence numbers sees them
 * in order).
 */
#include <rte_ip.h>
#include <rte_ip_frag.h>

#include "ip_common.h"
#include "node_util.h"

#define FRAG_MAX 64

static uint32_t frag6_id[RTE_MAX_LCORE];

static void
frag_one(struct rte_graph *graph, struct rte_node *node, struct rte_mbuf *m)
{
	struct rte_mbuf *out[FRAG_MAX];
	struct tgw_meta md = *tgw_meta(m);
	const struct tgw_nh *nh = &tgw.nh[md.nh];
	uint16_t mtu = TGW_FRAG_MTU(md.aux), edge = TGW_FRAG_EDGE(md.aux);
	bool v4 = (*rte_pktmbuf_mtod(m, uint8_t *) >> 4) == 4;
	unsigned int lc = rte_lcore_id();
	int32_t k;

	if (v4) {
		k = rte_ipv4_fragment_packet(m, out, FRAG_MAX, mtu, tgw.pool, tgw.indirect_pool);
	} else {
		/* rte_ipv6_fragment_packet leaves the identification to the caller */
		k = rte_ipv6_fragment_packet(m, out, FRAG_MAX, mtu, tgw.pool, tgw.indirect_pool);
	}
	if (unlikely(k <= 0)) {
		rte_pktmbuf_free(m);
		tgw_drop_count(TGW_DROP_frag_failed, 1);
		return;
	}
	rte_pktmbuf_free(m);
	frag6_id[lc]++;
	for (int32_t j = 0; j < k; j++) {
		struct rte_mbuf *f = out[j];
		void *e;

		*tgw_meta(f) = md;
		if (v4) {
			struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(f, struct rte_ipv4_hdr *);

			ip->hdr_checksum = 0;
			ip->hdr_checksum = rte_ipv4_cksum(ip);
		} else {
			struct rte_ipv6_fragment_ext *fh = rte_pktmbuf_mtod_offset(
				f, struct rte_ipv6_fragment_ext *, sizeof(struct rte_ipv6_hdr));

			fh->id = rte_cpu_to_be_32(frag6_id[lc] | (lc << 24));
		}
		e = rte_pktmbuf_prepend(f, RTE_ETHER_HDR_LEN);
		if (unlikely(e == NULL)) {
			rte_pktmbuf_free(f);
			tgw_drop_count(TGW_DROP_no_mbuf, 1);
			continue;
		}
		memcpy(e, nh->l2, RTE_ETHER_HDR_LEN);
		rte_node_enqueue_x1(graph, node, edge, f);
	}
}

void
tgw_frag_emit(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++)
		frag_one(graph, node, objs[i]);
}
