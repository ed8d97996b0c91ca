/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * tgw_frag: fragments a packet that exceeds the next hop's MTU (meta.aux) and
 * may be fragmented: IPv4 with DF clear (RFC 791), or an IPv6 packet the gateway
 * itself originated (RFC 8200 §4.5). The fragments go back to rewrite.
 */
#include <rte_ip.h>
#include <rte_ip_frag.h>

#include "ip_common.h"
#include "node_util.h"

enum { FRAG_REWRITE4, FRAG_REWRITE6, FRAG_FAILED, FRAG_NB };

#define FRAG_MAX 64

static uint32_t frag6_id[RTE_MAX_LCORE];

static uint16_t
frag_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++) {
		struct rte_mbuf *m = objs[i], *out[FRAG_MAX];
		struct tgw_meta md = *tgw_meta(m);
		bool v4 = (*rte_pktmbuf_mtod(m, uint8_t *) >> 4) == 4;
		int32_t k;

		if (v4) {
			k = rte_ipv4_fragment_packet(m, out, FRAG_MAX, md.aux, tgw.pool,
						     tgw.indirect_pool);
		} else {
			/* rte_ipv6_fragment_packet leaves the identification to the caller */
			k = rte_ipv6_fragment_packet(m, out, FRAG_MAX, md.aux, tgw.pool,
						     tgw.indirect_pool);
		}
		if (unlikely(k <= 0)) {
			rte_node_enqueue_x1(graph, node, FRAG_FAILED, m);
			continue;
		}
		rte_pktmbuf_free(m);
		frag6_id[rte_lcore_id()]++;
		for (int32_t j = 0; j < k; j++) {
			*tgw_meta(out[j]) = md;
			if (v4) {
				struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(out[j], struct rte_ipv4_hdr *);

				ip->hdr_checksum = 0;
				ip->hdr_checksum = rte_ipv4_cksum(ip);
			} else {
				struct rte_ipv6_fragment_ext *fh = rte_pktmbuf_mtod_offset(
					out[j], struct rte_ipv6_fragment_ext *,
					sizeof(struct rte_ipv6_hdr));

				fh->id = rte_cpu_to_be_32(frag6_id[rte_lcore_id()] |
							  (rte_lcore_id() << 24));
			}
			rte_node_enqueue_x1(graph, node, v4 ? FRAG_REWRITE4 : FRAG_REWRITE6, out[j]);
		}
	}
	return n;
}

static struct rte_node_register frag_node = {
	.name = TGW_NODE_FRAG,
	.process = frag_process,
	.nb_edges = FRAG_NB,
	.next_nodes = {
		[FRAG_REWRITE4] = TGW_NODE_IP4_REWRITE,
		[FRAG_REWRITE6] = TGW_NODE_IP6_REWRITE,
		[FRAG_FAILED] = TGW_DROP_NODE(frag_failed),
	},
};
RTE_NODE_REGISTER(frag_node);
