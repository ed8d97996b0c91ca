/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The encap node of xfrm interfaces (SPEC §2 "xfrm", the kernel's xfrmi_xmit): the
 * out policy with the interface's if_id, matched on the inner packet, names the SA;
 * the packet goes on to the ESP or AH encap node of the SA's family as a packet of the SA's
 * carrier (xfrm_cfg.c), which holds the outer header and the underlay next hop.
 * Forwarded packets come here too when policy-based IPsec is configured (tgw.xfrm_pb):
 * the fwd policies check those in the clear, then an out policy (no if_id, no mark)
 * sends them through its SA's carrier, or none forwards them as they are.
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
	XO_MISMATCH,
	XO_FWD6, /* policy-based, no out policy: forwarded in the clear (XO: TGW_ENCAP_REWRITE) */
	XO_ESPT4, /* the gateway's own packet in a transport-mode state */
	XO_ESPT6,
	XO_AHT4,
	XO_AHT6,
	XO_NB
};

/*
 * A forwarded packet in the clear against the fwd policies (__xfrm_policy_check with no
 * secpath): a policy that names templates requires IPsec (XfrmInTmplMismatch); a block
 * policy drops; an allow policy without templates, or none, lets it through.
 */
static __rte_always_inline uint16_t
xfrm_fwd_clear(int32_t pol_idx)
{
	const struct tgw_policy *pol;

	if (pol_idx < 0)
		return TGW_ENCAP_PENDING;
	pol = &tgw_policies[pol_idx];
	if (unlikely(pol->block))
		return XO_BLOCK;
	if (unlikely(pol->n_tmpls))
		return XO_MISMATCH;
	return TGW_ENCAP_PENDING;
}

/* The transport node for the gateway's own packet m under policy pol_idx, whose template
 * was bound at start-up to transport state s: that state when the packet's addresses are
 * its own, else another state the template allows for them (a template without
 * addresses stands for several peers); no state for a forwarded packet. */
static __rte_always_inline uint16_t
xfrm_transport_edge(struct rte_mbuf *m, bool v6, int32_t pol_idx, int32_t s)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct tgw_sa *sa = &tgw_sas[s];
	const void *src, *dst;
	bool own;

	if (v6) {
		const struct rte_ipv6_hdr *ip6 = (const struct rte_ipv6_hdr *)p;

		src = ip6->src_addr;
		dst = ip6->dst_addr;
		own = sa->family == 6 && memcmp(src, sa->src.v6, 16) == 0 &&
		      memcmp(dst, sa->dst.v6, 16) == 0;
	} else {
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)p;

		src = &ip->src_addr;
		dst = &ip->dst_addr;
		own = sa->family == 4 && ip->src_addr == sa->src.v4 && ip->dst_addr == sa->dst.v4;
	}
	if (unlikely(!own)) {
		s = tgw_xfrm_tmpl_state(pol_idx, v6 ? 6 : 4, src, dst);
		if (s < 0)
			return XO_NO_STATE;
		sa = &tgw_sas[s];
	}
	tgw_meta(m)->aux = (uint32_t)s;
	return (sa->proto == IPPROTO_AH ? XO_AHT4 : XO_ESPT4) + v6;
}

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
	bool iv6[TGW_IPSEC_CHUNK], skip[TGW_IPSEC_CHUNK], pb[TGW_IPSEC_CHUNK];
	bool fwd_check[TGW_IPSEC_CHUNK], any_fwd = false;

	RTE_SET_USED(v6);
	if (tb == NULL)
		tb = &(const struct tgw_ipsec_tables){0};
	/* an interface's checks (mode, nesting, its MTU), the selector keys; a forwarded
	 * packet (policy-based) in the clear is checked against the fwd policies first */
	for (uint16_t i = 0; i < n; i++) {
		struct tgw_meta *md = tgw_meta(pkts[i]);
		const uint8_t *p = rte_pktmbuf_mtod(pkts[i], const uint8_t *);
		uint32_t if_id = 0;

		pb[i] = md->tunnel == TGW_TUNNEL_NONE;
		iv6[i] = (p[0] >> 4) == 6;
		nexts[i] = TGW_ENCAP_PENDING;
		if (!pb[i]) {
			const struct tgw_tunnel *t = &tgw.tunnels[md->tunnel];
			struct tgw_inner in;

			nexts[i] = tgw_tnl_encap_check(pkts[i], t, &in);
			if_id = t->if_id;
		}
		skip[i] = nexts[i] != TGW_ENCAP_PENDING;
		fwd_check[i] = pb[i] && !md->xfrm;
		any_fwd |= fwd_check[i];
		if (!skip[i])
			sel_key(p, pkts[i]->data_len, 0, if_id, &k4[i], &k6[i]);
	}
	if (any_fwd) {
		for (uint16_t i = 0; i < n; i++)
			fwd_check[i] = !fwd_check[i]; /* spd_classify's skip */
		spd_classify(tb, TGW_XFRM_FWD, k4, k6, iv6, fwd_check, n, pol);
		for (uint16_t i = 0; i < n; i++)
			if (!fwd_check[i]) {
				nexts[i] = xfrm_fwd_clear(pol[i]);
				skip[i] = nexts[i] != TGW_ENCAP_PENDING;
			}
	}
	spd_classify(tb, TGW_XFRM_OUT, k4, k6, iv6, skip, n, pol);
	/* the policy's SA, and its carrier */
	for (uint16_t i = 0; i < n; i++) {
		const struct tgw_sa *sa;
		int32_t s;
		int v;

		if (skip[i])
			continue;
		v = tgw_xfrm_out_sa(pol[i], &s);
		if (v == TGW_XFRM_OUT_NO_POLICY && pb[i]) {
			/* no out policy: forwarded as it is, to the neighbour (md->nh) */
			nexts[i] = iv6[i] ? XO_FWD6 : TGW_ENCAP_REWRITE;
			continue;
		}
		if (unlikely(v != TGW_XFRM_OUT_OK)) {
			nexts[i] = verdict_edge[v];
			continue;
		}
		sa = &tgw_sas[s];
		/* transport mode (xfrm_state_find for a transport template takes the flow's
		 * addresses): a packet between the state's own addresses, i.e. the gateway's
		 * (its ICMP), goes to the transport node with the state in meta.aux; a
		 * forwarded one finds no state */
		if (unlikely(sa->mode == TGW_XFRM_TRANSPORT)) {
			nexts[i] = xfrm_transport_edge(pkts[i], iv6[i], pol[i], s);
			continue;
		}
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
		       [XO_NO_STATE] = TGW_DROP_NODE(xfrm_no_state),
		       [XO_MISMATCH] = TGW_DROP_NODE(xfrm_policy_mismatch),
		       [XO_FWD6] = "tgw_ip6_rewrite",
		       [XO_ESPT4] = TGW_NODE_ESP4_TRANSPORT, [XO_ESPT6] = TGW_NODE_ESP6_TRANSPORT,
		       [XO_AHT4] = TGW_NODE_AH4_TRANSPORT, [XO_AHT6] = TGW_NODE_AH6_TRANSPORT},
};
RTE_NODE_REGISTER(xfrm_out_node);
