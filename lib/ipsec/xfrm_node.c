/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The encap node of xfrm interfaces (SPEC §2 "xfrm", the kernel's xfrmi_xmit): the
 * out policy with the interface's if_id, matched on the inner packet, names the SA;
 * the packet goes on to the ESP or AH encap node of the SA's family as a packet of the SA's
 * carrier (xfrm_cfg.c), which holds the outer header and the underlay next hop.
 */
#include "esp.h"
#include "ipsec_inline.h"
#include "node_util.h"
#include "tnl_inline.h"

enum {
	XO_ESP4 = TGW_ENCAP_NB,
	XO_ESP6,
	XO_AH4,
	XO_AH6,
	XO_NO_POLICY,
	XO_BLOCK,
	XO_NO_STATE,
	XO_NB
};

static uint16_t
xfrm_out_chunk(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t n,
	       bool whole, bool v6)
{
	static const uint16_t verdict_edge[] = {
		[TGW_XFRM_OUT_NO_POLICY] = XO_NO_POLICY,
		[TGW_XFRM_OUT_BLOCK] = XO_BLOCK,
		[TGW_XFRM_OUT_NO_STATE] = XO_NO_STATE,
	};
	struct rte_mbuf **pkts = (struct rte_mbuf **)objs;
	const struct tgw_ipsec_tables *tb = __atomic_load_n(&tgw_ipsec_tab, __ATOMIC_ACQUIRE);
	uint16_t nexts[TGW_IPSEC_CHUNK];
	struct tgw_spd4_key k4[TGW_IPSEC_CHUNK];
	struct tgw_spd6_key k6[TGW_IPSEC_CHUNK];
	int32_t pol[TGW_IPSEC_CHUNK];
	bool iv6[TGW_IPSEC_CHUNK], skip[TGW_IPSEC_CHUNK];

	RTE_SET_USED(v6);
	/* the interface's checks (mode, nesting, its MTU), the selector keys */
	for (uint16_t i = 0; i < n; i++) {
		const struct tgw_tunnel *t = &tgw.tunnels[tgw_meta(pkts[i])->tunnel];
		struct tgw_inner in;

		nexts[i] = tgw_tnl_encap_check(pkts[i], t, &in);
		skip[i] = nexts[i] != TGW_ENCAP_PENDING;
		iv6[i] = in.v6;
		if (!skip[i])
			sel_key(rte_pktmbuf_mtod(pkts[i], const uint8_t *), pkts[i]->data_len, 0,
				t->if_id, &k4[i], &k6[i]);
	}
	if (tb != NULL)
		spd_classify(tb, TGW_XFRM_OUT, k4, k6, iv6, skip, n, pol);
	else
		for (uint16_t i = 0; i < n; i++)
			pol[i] = -1;
	/* the policy's SA, and its carrier */
	for (uint16_t i = 0; i < n; i++) {
		const struct tgw_sa *sa;
		int32_t s;
		int v;

		if (skip[i])
			continue;
		v = tgw_xfrm_out_sa(pol[i], &s);
		if (unlikely(v != TGW_XFRM_OUT_OK)) {
			nexts[i] = verdict_edge[v];
			continue;
		}
		sa = &tgw_sas[s];
		if (unlikely(sa->carrier < 0)) {
			nexts[i] = XO_NO_STATE;
			continue;
		}
		tgw_meta(pkts[i])->tunnel = sa->carrier;
		if (sa->proto == IPPROTO_AH)
			nexts[i] = sa->family == 4 ? XO_AH4 : XO_AH6;
		else
			nexts[i] = sa->family == 4 ? XO_ESP4 : XO_ESP6;
	}
	tgw_node_dispatch(graph, node, objs, nexts, n, &tgw_node_ctx(node)->spec, whole);
	return n;
}

/* one node for both families: the SA decides the outer one */
TGW_IPSEC_PROCESS(xfrm_out_process, xfrm_out_chunk, false)

static struct rte_node_register xfrm_out_node = {
	.name = TGW_NODE_XFRM_OUT,
	.process = xfrm_out_process,
	.nb_edges = XO_NB,
	.next_nodes = {TGW_ENCAP_NEXT_NODES("tgw_ip4_rewrite", "tgw_ip4_lookup"),
		       [XO_ESP4] = TGW_NODE_ESP4_ENCAP, [XO_ESP6] = TGW_NODE_ESP6_ENCAP,
		       [XO_AH4] = TGW_NODE_AH4_ENCAP, [XO_AH6] = TGW_NODE_AH6_ENCAP,
		       [XO_NO_POLICY] = TGW_DROP_NODE(xfrm_no_policy),
		       [XO_BLOCK] = TGW_DROP_NODE(xfrm_policy_block),
		       [XO_NO_STATE] = TGW_DROP_NODE(xfrm_no_state)},
};
RTE_NODE_REGISTER(xfrm_out_node);
