/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ESP tunnel mode (RFC 4303) for vti and vti6: the encap nodes (policy lookup on
 * the inner packet, ESP header, IV, trailer, the burst's crypto in one call to
 * the lcore's intel-ipsec-mb manager, then the outer header) and the decap nodes
 * (SAD lookup, anti-replay, crypto, trailer checks, inbound policy check).
 * Each chunk works in three passes around the crypto call: prepare every packet,
 * run the jobs, finish every packet.
 */
#include <rte_esp.h>
#include <rte_ip.h>
#include <rte_random.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "esp.h"
#include "ipsec_inline.h"
#include "ip6tnl.h"
#include "node_util.h"
#include "tnl_inline.h"


static uint16_t esp_ip4_ident[RTE_MAX_LCORE];

/* Edges of the encap nodes beyond TGW_ENCAP_*. */
enum {
	ESP_ENCAP_NO_POLICY = TGW_ENCAP_NB,
	ESP_ENCAP_BLOCK,
	ESP_ENCAP_NO_STATE,
	ESP_ENCAP_SEQ_OVERFLOW,
	ESP_ENCAP_CRYPTO,
	ESP_ENCAP_NONLINEAR,
	ESP_ENCAP_AH,
	ESP_ENCAP_BEET_FRAG,
	ESP_ENCAP_NB
};
#define ESP_ENCAP_NEXT_NODES \
	[ESP_ENCAP_NO_POLICY] = TGW_DROP_NODE(xfrm_no_policy), \
	[ESP_ENCAP_BLOCK] = TGW_DROP_NODE(xfrm_policy_block), \
	[ESP_ENCAP_NO_STATE] = TGW_DROP_NODE(xfrm_no_state), \
	[ESP_ENCAP_SEQ_OVERFLOW] = TGW_DROP_NODE(esp_seq_overflow), \
	[ESP_ENCAP_CRYPTO] = TGW_DROP_NODE(ipsec_crypto_error), \
	[ESP_ENCAP_NONLINEAR] = TGW_DROP_NODE(ipsec_nonlinear), \
	[ESP_ENCAP_BEET_FRAG] = TGW_DROP_NODE(beet_fragment)

/* Edges of the decap nodes beyond TGW_DECAP_*. */
enum {
	ESP_DECAP_TRUNCATED = TGW_DECAP_NB,
	ESP_DECAP_BAD_LENGTH,
	ESP_DECAP_REPLAY,
	ESP_DECAP_AUTH,
	ESP_DECAP_PADDING,
	ESP_DECAP_TFC,
	ESP_DECAP_NEXT_HEADER,
	ESP_DECAP_NO_POLICY,
	ESP_DECAP_BLOCK,
	ESP_DECAP_MISMATCH,
	ESP_DECAP_CRYPTO,
	ESP_DECAP_NONLINEAR,
	ESP_DECAP_NATT_MISMATCH,
	ESP_DECAP_BEET_HEADER,
	ESP_DECAP_NB
};
#define ESP_DECAP_NEXT_NODES \
	[ESP_DECAP_TRUNCATED] = TGW_DROP_NODE(esp_truncated), \
	[ESP_DECAP_BAD_LENGTH] = TGW_DROP_NODE(esp_bad_length), \
	[ESP_DECAP_REPLAY] = TGW_DROP_NODE(esp_replay), \
	[ESP_DECAP_AUTH] = TGW_DROP_NODE(esp_auth_failed), \
	[ESP_DECAP_PADDING] = TGW_DROP_NODE(esp_bad_padding), \
	[ESP_DECAP_TFC] = TGW_DROP_NODE(esp_tfc_dummy), \
	[ESP_DECAP_NEXT_HEADER] = TGW_DROP_NODE(esp_bad_next_header), \
	[ESP_DECAP_NO_POLICY] = TGW_DROP_NODE(xfrm_no_policy), \
	[ESP_DECAP_BLOCK] = TGW_DROP_NODE(xfrm_policy_block), \
	[ESP_DECAP_MISMATCH] = TGW_DROP_NODE(xfrm_policy_mismatch), \
	[ESP_DECAP_CRYPTO] = TGW_DROP_NODE(ipsec_crypto_error), \
	[ESP_DECAP_NONLINEAR] = TGW_DROP_NODE(ipsec_nonlinear), \
	[ESP_DECAP_NATT_MISMATCH] = TGW_DROP_NODE(esp_natt_mismatch), \
	[ESP_DECAP_BEET_HEADER] = TGW_DROP_NODE(esp_bad_beet_header)

/* ---- encap ---- */

struct encap_ctx {
	struct tgw_tnl_acc acc;
	struct tgw_tnl_plan pl;
	struct sa_acc sacc;
	uint16_t ident;
};

/*
 * The SA a packet routed into tunnel t goes out with: an SA carrier's own (an xfrm
 * interface chose it, xfrm_node.c); for a vti the out policy matched on the inner
 * packet with mark okey (pol_idx), whose SA must be a tunnel-mode ESP SA between the
 * vti's endpoints (vti_xmit, vti_state_check). Returns TGW_ENCAP_PENDING or the edge.
 */
static __rte_always_inline uint16_t
esp_encap_sa(const struct tgw_tunnel *t, bool v6, int32_t pol_idx, int32_t *sa_idx)
{
	static const uint16_t edge[] = {
		[TGW_XFRM_OUT_OK] = TGW_ENCAP_PENDING,
		[TGW_XFRM_OUT_NO_POLICY] = ESP_ENCAP_NO_POLICY,
		[TGW_XFRM_OUT_BLOCK] = ESP_ENCAP_BLOCK,
		[TGW_XFRM_OUT_NO_STATE] = ESP_ENCAP_NO_STATE,
	};
	const struct tgw_sa *sa;
	int v;

	if (t->out_sa[v6] >= 0) {
		*sa_idx = t->out_sa[v6];
		return TGW_ENCAP_PENDING;
	}
	v = tgw_xfrm_out_sa(pol_idx, sa_idx);
	if (unlikely(v != TGW_XFRM_OUT_OK))
		return edge[v];
	sa = &tgw_sas[*sa_idx];
	if (unlikely(!tgw_vti_sa_ok(t, sa)))
		return ESP_ENCAP_NO_STATE;
	return TGW_ENCAP_PENDING;
}

/*
 * ESP around the payload of m for SA sa_idx with sequence number seq: the payload is the
 * plen bytes after the first hlen (0 in tunnel mode; the IP header in transport mode,
 * which moves to the front), next header nh. The ESP header and IV go in front of the
 * payload, the trailer after it, and the crypto op is filled. Returns
 * TGW_ENCAP_PENDING, or the edge (ESP_ENCAP_* or TGW_ENCAP_NO_MBUF).
 */
static __rte_always_inline uint16_t
esp_wrap(struct rte_mbuf *m, int32_t sa_idx, uint64_t seq, uint32_t hlen, uint32_t plen,
	 uint8_t nh, struct tgw_esp_op *op)
{
	const struct tgw_sa *sa = &tgw_sas[sa_idx];
	const struct tgw_sa_crypto *cr = sa->cr;
	struct rte_esp_hdr *esp;
	uint32_t pad, tail, esp_len;
	uint8_t *tr, *start;

	/* RFC 4303 §3.3.3: the counter never cycles */
	if (unlikely(sa->esn ? seq == 0 : seq > UINT32_MAX))
		return ESP_ENCAP_SEQ_OVERFLOW;
	if (unlikely(m->nb_segs != 1 && tgw_pktmbuf_linearize(m) < 0))
		return ESP_ENCAP_NONLINEAR;
	/* RFC 4303 §2.4: payload, padding, pad length and next header end 4-aligned (or on
	 * the cipher's block); the padding is 1, 2, 3, ... */
	pad = (cr->block - ((plen + 2) & (cr->block - 1))) & (cr->block - 1);
	tail = pad + 2 + cr->icv_len;
	tr = (uint8_t *)tgw_pktmbuf_append(m, tail);
	start = (uint8_t *)rte_pktmbuf_prepend(m, sizeof(*esp) + cr->iv_len);
	if (unlikely(tr == NULL || start == NULL))
		return TGW_ENCAP_NO_MBUF;
	if (hlen)
		memmove(start, start + sizeof(*esp) + cr->iv_len, hlen);
	esp = (struct rte_esp_hdr *)(start + hlen);
	for (uint32_t i = 0; i < pad; i++)
		tr[i] = (uint8_t)(i + 1);
	tr[pad] = (uint8_t)pad;
	tr[pad + 1] = nh;
	esp->spi = rte_cpu_to_be_32(sa->spi);
	esp->seq = rte_cpu_to_be_32((uint32_t)seq);
	if (cr->iv_len == 16) {
		/* RFC 3602 §2.4: a CBC IV is unpredictable. The field gets a nonce unique
		 * under the key, 64-bit seq || the SA's random iv_salt; the engine sends
		 * E_K(nonce) (iv_nonce). rte_rand's LFSR would be predictable from the IVs
		 * on the wire. */
		rte_be64_t n = rte_cpu_to_be_64(seq);

		memcpy(esp + 1, &n, 8);
		memcpy((uint8_t *)(esp + 1) + 8, cr->iv_salt, 8);
	} else if (cr->iv_len == 8) {
		/* RFC 4106 §3.1, RFC 3686 §3.1, RFC 7634 §2: counter-mode IVs must never
		 * repeat under a key. seq is unique in a run; XORed with the SA's random
		 * iv_salt (Linux's seqiv) so that a restart with the same manual keys, which
		 * counts from 1 again, does not send the same IVs again. */
		uint64_t salt, iv;

		memcpy(&salt, cr->iv_salt, 8);
		iv = rte_cpu_to_be_64(seq) ^ salt;
		memcpy(esp + 1, &iv, 8);
	}
	esp_len = sizeof(*esp) + cr->iv_len + plen + pad + 2;
	op->c = cr;
	op->esp = (uint8_t *)esp;
	op->len = esp_len;
	op->seq_hi = (uint32_t)(seq >> 32);
	op->iv_nonce = true;
	return TGW_ENCAP_PENDING;
}

/* Outer header on an encrypted packet (with NAT-T, a UDP header first: RFC 3948 §2.1,
 * checksum zero over IPv4, computed over IPv6), then the direct TX or the graph (as the other tunnels). */
static __rte_always_inline uint16_t
esp_encap_finish(struct rte_mbuf *m, struct encap_ctx *c, const struct tgw_inner *in,
		 const struct tgw_sa *sa, bool v6, uint16_t *ident)
{
	const struct tgw_tunnel *t = c->pl.t;
	struct tgw_inner out = *in;
	struct rte_udp_hdr *u = NULL;
	uint8_t proto = IPPROTO_ESP;
	bool direct;

	if (sa->natt) {
		u = (struct rte_udp_hdr *)rte_pktmbuf_prepend(m, sizeof(*u));
		if (unlikely(u == NULL))
			return TGW_ENCAP_NO_MBUF;
		u->src_port = rte_cpu_to_be_16(sa->natt_sport);
		u->dst_port = rte_cpu_to_be_16(sa->natt_dport);
		u->dgram_len = rte_cpu_to_be_16((uint16_t)m->pkt_len);
		u->dgram_cksum = 0;
		proto = IPPROTO_UDP;
	}
	out.len = m->pkt_len;
	if (!v6) {
		struct rte_ipv4_hdr *o = tgw_tnl_push(m, &c->pl, &out, sizeof(*o), &direct);

		if (unlikely(o == NULL))
			return TGW_ENCAP_NO_MBUF;
		/* the ID ours, or BEET's (ident); BEET's DF is the inner's (an IPv6 one:
		 * set), xfrm4_beet_make_header */
		tgw_ip4_outer_fill(o, t, proto, out.len + sizeof(*o), in->ds, in->ttl,
				   likely(sa->mode != TGW_XFRM_BEET) ? tgw_xfrm4_tunnel_df(in)
				   : !in->frag_ok ? RTE_BE16(RTE_IPV4_HDR_DF_FLAG) : 0,
				   ident);
	} else {
		struct rte_ipv6_hdr *o = tgw_tnl_push(m, &c->pl, &out, sizeof(*o), &direct);

		if (unlikely(o == NULL))
			return TGW_ENCAP_NO_MBUF;
		o->vtc_flow = rte_cpu_to_be_32(6u << 28 |
					       (uint32_t)tgw_tnl_outer_tos(t->tos, in->ds) << 20);
		o->payload_len = rte_cpu_to_be_16(out.len);
		if (t->ttl == 0)
			o->hop_limits = in->ttl;
		/* NAT-T over IPv6 needs a valid UDP checksum (RFC 8200 §8.1; the kernel's
		 * esp_output_encap_csum) */
		if (u != NULL) {
			o->proto = IPPROTO_UDP;
			u->dgram_cksum = rte_ipv6_udptcp_cksum(o, u);
		}
	}
	/* the outer packet is counted as the inner's length; direct reflects its own */
	return tgw_tnl_encap_done(m, &c->pl, in, direct, &c->acc);
}

/*
 * Largest inner packet an SA carries within the tunnel's underlay MTU (the kernel's
 * esp4_get_mtu): the outer header, ESP header, IV and ICV off, down to the block,
 * less the pad length and next header bytes.
 */
static __rte_always_inline uint32_t
esp_inner_mtu(const struct tgw_tunnel *t, const struct tgw_sa *sa)
{
	const struct tgw_sa_crypto *cr = sa->cr;
	/* the vti's MTU is the underlay's less the outer header (and NAT-T's UDP header) */
	uint32_t room = t->mtu - sizeof(struct rte_esp_hdr) - cr->iv_len - cr->icv_len -
			(sa->natt ? sizeof(struct rte_udp_hdr) : 0);

	return (room & ~(uint32_t)(cr->block - 1)) - 2;
}

/*
 * BEET mode (RFC 7402 §5; the kernel's esp4_get_mtu with the BEET header length): the
 * inner header is replaced by the outer one, so an inner packet may be as long as the
 * ESP payload room plus its own header; 8 bytes are kept for the IPv4 options pseudo
 * header as the kernel does (IPV4_BEET_PHMAXLEN).
 */
static __rte_always_inline uint32_t
esp_beet_mtu(const struct tgw_tunnel *t, const struct tgw_sa *sa, bool iv6)
{
	const struct tgw_sa_crypto *cr = sa->cr;
	uint32_t room = t->mtu - sizeof(struct rte_esp_hdr) - cr->iv_len - cr->icv_len -
			(sa->natt ? sizeof(struct rte_udp_hdr) : 0) - (iv6 ? 0 : 8);

	return (room & ~(uint32_t)(cr->block - 1)) - 2 +
	       (iv6 ? sizeof(struct rte_ipv6_hdr) : sizeof(struct rte_ipv4_hdr));
}

/*
 * BEET on transmit (RFC 7402 §5.1, the kernel's xfrm4_beet_encap_add): an inner packet
 * between the state's inner addresses ("sel"; others: no state, as the kernel's state
 * lookup by selector) loses its IP header; ESP carries the payload with the inner
 * protocol as next header. IPv4 options go in the pseudo header (next header 94: the
 * protocol, the options' length in 8 bytes, the pad length, a reserved byte, NOPs up to
 * 8-byte alignment, then the options). The outer header takes the inner's DS field,
 * TTL and DF (tgw_inner) and its IPv4 ID (*id; 0 for IPv6, as xfrm4_beet_make_header).
 * Returns TGW_ENCAP_PENDING with *nh, or the edge.
 */
static __rte_always_inline uint16_t
esp_beet_strip(struct rte_mbuf *m, const struct tgw_sa *sa, bool iv6, uint8_t *nh,
	       uint16_t *id)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);

	if (iv6) {
		const struct rte_ipv6_hdr *ip6 = (const struct rte_ipv6_hdr *)p;

		if (unlikely(sa->sel_src.family != 6 ||
			     memcmp(ip6->src_addr, sa->sel_src.v6, 16) != 0 ||
			     memcmp(ip6->dst_addr, sa->sel_dst.v6, 16) != 0))
			return ESP_ENCAP_NO_STATE;
		/* xfrm6_extract_output: no fragments (the fragment header would travel
		 * without the header it belongs to); one after other extension headers
		 * goes too: the BEET peer rebuilds only the fixed header */
		if (unlikely(ip6->proto == IPPROTO_FRAGMENT))
			return ESP_ENCAP_BEET_FRAG;
		*nh = ip6->proto;
		*id = 0;
		rte_pktmbuf_adj(m, sizeof(*ip6));
	} else {
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)p;
		uint32_t optlen = (p[0] & 0xfu) * 4 - sizeof(*ip), phl;
		uint8_t proto = ip->next_proto_id;

		if (unlikely(sa->sel_src.family != 4 || ip->src_addr != sa->sel_src.v4 ||
			     ip->dst_addr != sa->sel_dst.v4))
			return ESP_ENCAP_NO_STATE;
		/* xfrm4_extract_output: the offset and MF would be lost with the header */
		if (unlikely(ip->fragment_offset &
			     RTE_BE16(RTE_IPV4_HDR_OFFSET_MASK | RTE_IPV4_HDR_MF_FLAG)))
			return ESP_ENCAP_BEET_FRAG;
		*nh = proto;
		*id = rte_be_to_cpu_16(ip->packet_id);
		if (likely(optlen == 0)) {
			rte_pktmbuf_adj(m, sizeof(*ip));
			return TGW_ENCAP_PENDING;
		}
		/* the pseudo header and its padding end where the options begin */
		phl = 8 - (optlen & 4);
		p += sizeof(*ip) - phl;
		p[0] = proto;
		p[1] = (uint8_t)(optlen / 8);
		p[2] = (uint8_t)(phl - 4);
		p[3] = 0;
		memset(p + 4, 1, phl - 4); /* IPOPT_NOP */
		*nh = IPPROTO_BEETPH;
		rte_pktmbuf_adj(m, sizeof(*ip) - phl);
	}
	return TGW_ENCAP_PENDING;
}

static uint16_t
esp_encap_chunk(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t n,
		bool whole, bool v6)
{
	struct rte_mbuf **pkts = (struct rte_mbuf **)objs;
	const struct tgw_ipsec_tables *tb = __atomic_load_n(&tgw_ipsec_tab, __ATOMIC_ACQUIRE);
	uint16_t nexts[TGW_IPSEC_CHUNK], idx[TGW_IPSEC_CHUNK], n_ops = 0;
	struct tgw_spd4_key k4[TGW_IPSEC_CHUNK];
	struct tgw_spd6_key k6[TGW_IPSEC_CHUNK];
	struct tgw_inner in[TGW_IPSEC_CHUNK];
	struct tgw_esp_op ops[TGW_IPSEC_CHUNK];
	int32_t pol[TGW_IPSEC_CHUNK], sa[TGW_IPSEC_CHUNK];
	uint64_t seq[TGW_IPSEC_CHUNK];
	bool iv6[TGW_IPSEC_CHUNK], skip[TGW_IPSEC_CHUNK], noclass[TGW_IPSEC_CHUNK];
	uint16_t *ident = &esp_ip4_ident[rte_lcore_id()], beet_id[TGW_IPSEC_CHUNK];
	struct encap_ctx c = {.sacc.sa = -1};

	c.ident = *ident;
	tgw_tnl_plan_init(&c.pl);
	/* pass 1: the tunnel's checks, the selector keys */
	for (uint16_t i = 0; i < n; i++) {
		const struct tgw_tunnel *t = tgw_tnl_plan_get(&c.pl, tgw_meta(pkts[i])->tunnel);

		nexts[i] = tgw_xfrm_encap_check(pkts[i], t, &in[i]);
		skip[i] = nexts[i] != TGW_ENCAP_PENDING;
		iv6[i] = in[i].v6;
		/* an SA carrier's packets come with their SA, and so do a vti's when one
		 * out policy catches all its packets of the family */
		noclass[i] = skip[i] || t->out_sa[iv6[i]] >= 0;
		if (!noclass[i])
			sel_key(rte_pktmbuf_mtod(pkts[i], const uint8_t *), pkts[i]->data_len,
				t->okey, 0, &k4[i], &k6[i]);
	}
	/* pass 2: the out policies, then ESP around each packet */
	if (tb != NULL)
		spd_classify(tb, TGW_XFRM_OUT, k4, k6, iv6, noclass, n, pol);
	else
		for (uint16_t i = 0; i < n; i++)
			pol[i] = -1;
	for (uint16_t i = 0; i < n; i++) {
		const struct tgw_tunnel *t;

		if (skip[i])
			continue;
		t = tgw_tnl_plan_get(&c.pl, tgw_meta(pkts[i])->tunnel);
		nexts[i] = esp_encap_sa(t, iv6[i], pol[i], &sa[i]);
		if (nexts[i] != TGW_ENCAP_PENDING)
			continue;
		/* a vti's AH SA: to the AH encap node as a packet of the SA's carrier */
		if (unlikely(tgw_sas[sa[i]].proto == IPPROTO_AH)) {
			tgw_meta(pkts[i])->tunnel = tgw_sas[sa[i]].carrier;
			nexts[i] = tgw_sas[sa[i]].carrier >= 0 ? ESP_ENCAP_AH : ESP_ENCAP_NO_STATE;
			continue;
		}
		/* too big with the SA's overhead (xfrm4_tunnel_check_size) */
		nexts[i] = tgw_tnl_mtu_check(pkts[i], &in[i],
					     likely(tgw_sas[sa[i]].mode != TGW_XFRM_BEET)
						     ? esp_inner_mtu(t, &tgw_sas[sa[i]])
						     : esp_beet_mtu(t, &tgw_sas[sa[i]], iv6[i]));
	}
	tgw_seq_take(sa, nexts, TGW_ENCAP_PENDING, n, seq);
	for (uint16_t i = 0; i < n; i++) {
		if (nexts[i] != TGW_ENCAP_PENDING)
			continue;
		if (unlikely(tgw_sas[sa[i]].mode == TGW_XFRM_BEET)) {
			uint8_t nh;

			nexts[i] = esp_beet_strip(pkts[i], &tgw_sas[sa[i]], iv6[i], &nh,
						  &beet_id[i]);
			if (nexts[i] == TGW_ENCAP_PENDING)
				nexts[i] = esp_wrap(pkts[i], sa[i], seq[i], 0, pkts[i]->pkt_len,
						    nh, &ops[n_ops]);
		} else {
			/* tunnel mode: the inner packet is the payload (RFC 4303 §3.1.2) */
			nexts[i] = esp_wrap(pkts[i], sa[i], seq[i], 0, in[i].len,
					    in[i].v6 ? IPPROTO_IPV6 : IPPROTO_IPIP, &ops[n_ops]);
		}
		if (nexts[i] == TGW_ENCAP_PENDING)
			idx[n_ops++] = i;
	}
	/* pass 3: the burst's crypto, then the outer headers */
	if (n_ops)
		tgw_esp_crypt_burst(tgw_crypto_mgr(), ops, n_ops, true);
	for (uint16_t j = 0; j < n_ops; j++) {
		uint16_t i = idx[j];
		struct rte_mbuf *m = pkts[i];

		tgw_tnl_plan_get(&c.pl, tgw_meta(m)->tunnel);
		if (unlikely(ops[j].status != TGW_CRYPTO_OK)) {
			nexts[i] = ESP_ENCAP_CRYPTO;
			continue;
		}
		sa_acc_add(&c.sacc, sa[i], in[i].len);
		nexts[i] = esp_encap_finish(m, &c, &in[i], &tgw_sas[sa[i]], v6,
					    likely(tgw_sas[sa[i]].mode != TGW_XFRM_BEET)
						    ? &c.ident
						    : &beet_id[i]);
	}
	*ident = c.ident;
	sa_acc_flush(&c.sacc);
	tgw_tnl_acc_flush(&c.acc, true);
	tgw_node_dispatch(graph, node, objs, nexts, n, &tgw_node_ctx(node)->spec, whole);
	return n;
}

TGW_IPSEC_PROCESS(esp4_encap_process, esp_encap_chunk, false)
TGW_IPSEC_PROCESS(esp6_encap_process, esp_encap_chunk, true)

static int
esp_encap_init(const struct rte_graph *graph, struct rte_node *node)
{
	RTE_SET_USED(node);
	esp_ip4_ident[tgw.workers[tgw_graph_worker(graph)]] = (uint16_t)rte_rand();
	return 0;
}

static struct rte_node_register esp4_encap_node = {
	.name = TGW_NODE_ESP4_ENCAP,
	.process = esp4_encap_process,
	.init = esp_encap_init,
	.nb_edges = ESP_ENCAP_NB,
	.next_nodes = {TGW_ENCAP_NEXT_NODES("tgw_ip4_rewrite", "tgw_ip4_lookup"),
		       ESP_ENCAP_NEXT_NODES, [ESP_ENCAP_AH] = TGW_NODE_AH4_ENCAP},
};
RTE_NODE_REGISTER(esp4_encap_node);

static struct rte_node_register esp6_encap_node = {
	.name = TGW_NODE_ESP6_ENCAP,
	.process = esp6_encap_process,
	.nb_edges = ESP_ENCAP_NB,
	.next_nodes = {TGW_ENCAP_NEXT_NODES("tgw_ip6_rewrite", "tgw_ip6_lookup"),
		       ESP_ENCAP_NEXT_NODES, [ESP_ENCAP_AH] = TGW_NODE_AH6_ENCAP},
};
RTE_NODE_REGISTER(esp6_encap_node);

/* ---- transport mode: the gateway's own packets ---- */

/*
 * A tunnel's outer packet (tgw_tnl_encap_done: meta.aux the state, meta.nh the cached
 * next hop or none; a tunnel-mode state's and a block policy's are sorted out first,
 * tgw_xfrm_tsa_first) gets transport-mode ESP (RFC 4303 §3.1.1): the ESP header after
 * the IP header (IPv6: after the fixed header; the encapsulation limit option of an
 * ip6tnl travels encrypted, which §3.1.1 allows), the IP payload encrypted with its
 * protocol as the next header. Then to rewrite, or lookup without a next hop.
 */
enum {
	ESPT_REWRITE,
	ESPT_LOOKUP,
	ESPT_TUNNEL4, /* a tunnel-mode state: to the encap node of its carrier's family */
	ESPT_TUNNEL6,
	ESPT_BLOCK,
	ESPT_NO_STATE,
	ESPT_SEQ_OVERFLOW,
	ESPT_CRYPTO,
	ESPT_NONLINEAR,
	ESPT_NO_MBUF,
	ESPT_NB
};

static uint16_t
esp_transport_chunk(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t n,
		    bool whole, bool v6)
{
	struct rte_mbuf **pkts = (struct rte_mbuf **)objs;
	uint16_t nexts[TGW_IPSEC_CHUNK], idx[TGW_IPSEC_CHUNK], n_ops = 0;
	struct tgw_esp_op ops[TGW_IPSEC_CHUNK];
	int32_t sa[TGW_IPSEC_CHUNK];
	uint64_t seq[TGW_IPSEC_CHUNK];
	uint32_t plen[TGW_IPSEC_CHUNK];
	struct sa_acc sacc = {.sa = -1};

	for (uint16_t i = 0; i < n; i++)
		nexts[i] = tgw_xfrm_tsa_first(pkts[i], &sa[i], ESPT_BLOCK, ESPT_NO_STATE,
					      ESPT_TUNNEL4);
	tgw_seq_take(sa, nexts, TGW_ENCAP_PENDING, n, seq);
	for (uint16_t i = 0; i < n; i++) {
		const uint8_t *p = rte_pktmbuf_mtod(pkts[i], const uint8_t *);
		uint32_t hlen = v6 ? sizeof(struct rte_ipv6_hdr) : (p[0] & 0xf) * 4u;
		uint16_t r;

		if (nexts[i] != TGW_ENCAP_PENDING)
			continue;
		plen[i] = pkts[i]->pkt_len - hlen;
		r = esp_wrap(pkts[i], sa[i], seq[i], hlen, plen[i], v6 ? p[6] : p[9], &ops[n_ops]);
		nexts[i] = r == TGW_ENCAP_PENDING ? r
			   : r == ESP_ENCAP_SEQ_OVERFLOW ? ESPT_SEQ_OVERFLOW
			   : r == ESP_ENCAP_NONLINEAR ? ESPT_NONLINEAR : ESPT_NO_MBUF;
		if (r == TGW_ENCAP_PENDING)
			idx[n_ops++] = i;
	}
	if (n_ops)
		tgw_esp_crypt_burst(tgw_crypto_mgr(), ops, n_ops, true);
	for (uint16_t j = 0; j < n_ops; j++) {
		uint16_t i = idx[j];
		struct rte_mbuf *m = pkts[i];
		uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);

		if (unlikely(ops[j].status != TGW_CRYPTO_OK)) {
			nexts[i] = ESPT_CRYPTO;
			continue;
		}
		if (!v6) {
			struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;

			ip->next_proto_id = IPPROTO_ESP;
			ip->total_length = rte_cpu_to_be_16((uint16_t)m->pkt_len);
			ip->hdr_checksum = 0;
			ip->hdr_checksum = rte_ipv4_cksum(ip);
		} else {
			struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)p;

			ip6->proto = IPPROTO_ESP;
			ip6->payload_len =
				rte_cpu_to_be_16((uint16_t)(m->pkt_len - sizeof(*ip6)));
		}
		sa_acc_add(&sacc, sa[i], plen[i]);
		nexts[i] = tgw_meta(m)->nh != TGW_NH_NONE ? ESPT_REWRITE : ESPT_LOOKUP;
	}
	sa_acc_flush(&sacc);
	tgw_node_dispatch(graph, node, objs, nexts, n, &tgw_node_ctx(node)->spec, whole);
	return n;
}

TGW_IPSEC_PROCESS(esp4_transport_process, esp_transport_chunk, false)
TGW_IPSEC_PROCESS(esp6_transport_process, esp_transport_chunk, true)

#define ESPT_NEXT_NODES \
	[ESPT_TUNNEL4] = TGW_NODE_ESP4_ENCAP, [ESPT_TUNNEL6] = TGW_NODE_ESP6_ENCAP, \
	[ESPT_BLOCK] = TGW_DROP_NODE(xfrm_policy_block), \
	[ESPT_NO_STATE] = TGW_DROP_NODE(xfrm_no_state), \
	[ESPT_SEQ_OVERFLOW] = TGW_DROP_NODE(esp_seq_overflow), \
	[ESPT_CRYPTO] = TGW_DROP_NODE(ipsec_crypto_error), \
	[ESPT_NONLINEAR] = TGW_DROP_NODE(ipsec_nonlinear), \
	[ESPT_NO_MBUF] = TGW_DROP_NODE(no_mbuf)

static struct rte_node_register esp4_transport_node = {
	.name = TGW_NODE_ESP4_TRANSPORT,
	.process = esp4_transport_process,
	.nb_edges = ESPT_NB,
	.next_nodes = {[ESPT_REWRITE] = "tgw_ip4_rewrite", [ESPT_LOOKUP] = "tgw_ip4_lookup",
		       ESPT_NEXT_NODES},
};
RTE_NODE_REGISTER(esp4_transport_node);

static struct rte_node_register esp6_transport_node = {
	.name = TGW_NODE_ESP6_TRANSPORT,
	.process = esp6_transport_process,
	.nb_edges = ESPT_NB,
	.next_nodes = {[ESPT_REWRITE] = "tgw_ip6_rewrite", [ESPT_LOOKUP] = "tgw_ip6_lookup",
		       ESPT_NEXT_NODES},
};
RTE_NODE_REGISTER(esp6_transport_node);

/* ---- decap ---- */

struct decap_ctx {
	struct tgw_tnl_acc acc;
	struct tgw_tnl_cache cache;
	struct sa_acc sacc;
};

/* What pass 1 learns of a received packet for the later passes. */
struct esp_in {
	uint32_t off;   /* of the ESP header */
	int32_t sa;
	int16_t tunnel; /* the vti it arrived on, or -1 */
	uint8_t ds;     /* outer DS field */
	uint64_t seq;
};

/*
 * Pass 1 for one received packet: lengths, the SA (SPI, destination, protocol, and
 * the mark of the vti whose endpoints it came between, as vti_input), the replay
 * window, the crypto op. Returns TGW_ENCAP_PENDING-like 0xffff to go on, or the edge.
 */
#define ESP_PENDING 0xffff
static __rte_always_inline uint16_t
esp_decap_prepare(struct rte_mbuf *m, struct decap_ctx *c, const struct tgw_ipsec_tables *tb,
		  bool v6, struct esp_in *e, struct tgw_esp_op *op)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct tgw_sa *sa;
	const struct tgw_sa_crypto *cr;
	const void *dst, *src;
	uint32_t esp_len, ct_len, mark = 0, w;
	struct tgw_sa_rt *rt;
	uint32_t seq_lo;

	if (!v6) {
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)p;

		e->off = (ip->version_ihl & 0xf) * 4;
		e->ds = ip->type_of_service;
		dst = &ip->dst_addr;
		src = &ip->src_addr;
	} else {
		const struct rte_ipv6_hdr *ip6 = (const struct rte_ipv6_hdr *)p;

		e->off = tgw_meta(m)->aux & 0xffff;
		e->ds = (uint8_t)(rte_be_to_cpu_32(ip6->vtc_flow) >> 20);
		dst = ip6->dst_addr;
		src = ip6->src_addr;
	}
	if (unlikely(m->pkt_len < e->off + sizeof(struct rte_esp_hdr)))
		return ESP_DECAP_TRUNCATED;
	/* linearizing appends the later segments to the first: the headers stay put */
	if (unlikely(m->nb_segs != 1 && tgw_pktmbuf_linearize(m) < 0))
		return ESP_DECAP_NONLINEAR;
	e->tunnel = (int16_t)tgw_tnl_lookup_cached(&c->cache, v6 ? 6 : 4, IPPROTO_ESP, dst, src);
	if (e->tunnel >= 0)
		mark = tgw.tunnels[e->tunnel].ikey;
	e->sa = tgw_sad_lookup(tb, tgw_be32_at(p + e->off), IPPROTO_ESP, v6 ? 6 : 4, dst);
	if (unlikely(e->sa < 0))
		return TGW_DECAP_NO_TUNNEL;
	sa = &tgw_sas[e->sa];
	/* not from a vti's endpoints: the xfrm interface of the SA's if_id (xfrmi_rcv_cb),
	 * else policy-based (the packet stays on the port it came in on). Without
	 * policy-based in or fwd policies no policy can accept it (but transport mode,
	 * which needs none): it is not decrypted to be dropped. */
	if (e->tunnel < 0) {
		if (sa->xfrmi >= 0)
			e->tunnel = sa->xfrmi;
		else if (unlikely(!(tgw.xfrm_pb & TGW_XFRM_PB_IN) &&
				  sa->mode != TGW_XFRM_TRANSPORT))
			return ESP_DECAP_NO_POLICY;
	}
	/* xfrm_state_lookup with the vti's mark */
	if (unlikely((mark & sa->mark_mask) != sa->mark))
		return TGW_DECAP_NO_TUNNEL;
	/* xfrm_input: the state's encapsulation is the one the packet came in (RFC 3948) */
	if (unlikely(sa->natt != tgw_meta(m)->natt))
		return ESP_DECAP_NATT_MISMATCH;
	tgw_meta(m)->natt = 0;
	/* transport mode for the gateway's own traffic (policy-based only); BEET policy-based
	 * or on an xfrm interface; a vti takes tunnel mode only (vti_state_check) */
	if (unlikely(sa->mode != TGW_XFRM_TUNNEL && e->tunnel >= 0 &&
		     (sa->mode == TGW_XFRM_TRANSPORT || e->tunnel != sa->xfrmi)))
		return TGW_DECAP_MODE;
	cr = sa->cr;
	esp_len = m->pkt_len - e->off;
	/* RFC 4303 §2: header, IV, at least pad length and next header, ICV */
	if (unlikely(esp_len < sizeof(struct rte_esp_hdr) + cr->iv_len + 2u + cr->icv_len))
		return ESP_DECAP_TRUNCATED;
	ct_len = esp_len - sizeof(struct rte_esp_hdr) - cr->iv_len - cr->icv_len;
	if (unlikely(ct_len & (cr->block - 1)))
		return ESP_DECAP_BAD_LENGTH;
	/* RFC 4303 §3.4.3: the window first, the ICV next, the window moves last */
	seq_lo = tgw_be32_at(p + e->off + 4);
	rt = &tgw_sa_rt[e->sa];
	w = sa->replay_window ? sa->replay_window : 64;
	e->seq = sa->esn ? (uint64_t)tgw_esn_hi(__atomic_load_n(&rt->top, __ATOMIC_RELAXED), w,
						 seq_lo) << 32 | seq_lo
			 : seq_lo;
	if (sa->replay_window && unlikely(tgw_replay_check(rt, sa->replay_window, e->seq) < 0)) {
		tgw_stats_self()->sa[e->sa].replay++;
		return ESP_DECAP_REPLAY;
	}
	op->c = cr;
	op->esp = rte_pktmbuf_mtod_offset(m, uint8_t *, e->off);
	op->len = esp_len - cr->icv_len;
	op->seq_hi = (uint32_t)(e->seq >> 32);
	return ESP_PENDING;
}

/*
 * BEET on receive (RFC 7402 §5.2, the kernel's xfrm4_remove_beet_encap and
 * xfrm6_remove_beet_encap): the payload at off gets an IP header of the state's inner
 * family with its inner addresses ("sel"), protocol nh, and the outer header's DS field,
 * TTL / hop limit, IPv4 ID and DF (an IPv6 outer: no ID, DF; its flow label for an
 * IPv6 inner). Next header 94 is IPv4's options pseudo header. Returns ESP_PENDING or
 * the edge.
 */
static __rte_always_inline uint16_t
esp_beet_restore(struct rte_mbuf *m, const struct tgw_sa *sa, uint32_t off, uint8_t nh)
{
	const uint8_t *o = rte_pktmbuf_mtod(m, const uint8_t *);
	rte_be16_t id = 0, frag = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	uint32_t flow = 0, optlen = 0;
	struct tgw_meta *md = tgw_meta(m);
	uint8_t ds, ttl, *p;

	if ((o[0] >> 4) == 4) {
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)o;

		ds = ip->type_of_service;
		ttl = ip->time_to_live;
		id = ip->packet_id;
		frag = ip->fragment_offset & RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	} else {
		uint32_t vtc = tgw_be32_at(o);

		ds = (uint8_t)(vtc >> 20);
		flow = vtc & 0xfffff;
		ttl = ((const struct rte_ipv6_hdr *)o)->hop_limits;
	}
	if (nh == IPPROTO_BEETPH) {
		const uint8_t *ph = o + off;
		int32_t ol;

		if (unlikely(sa->sel_src.family != 4))
			return ESP_DECAP_NEXT_HEADER;
		if (unlikely(m->pkt_len < off + 4))
			return ESP_DECAP_BEET_HEADER;
		/* the options' length from the pseudo header's (IPV4_BEET_PHMAXLEN 8) */
		ol = ph[1] * 8 + 8 - (4 + ph[2]);
		if (unlikely(ol < 0 || (ol & 3) || ol > 40 ||
			     m->pkt_len < off + 4u + ph[2] + (uint32_t)ol))
			return ESP_DECAP_BEET_HEADER;
		nh = ph[0];
		optlen = (uint32_t)ol;
		off += 4u + ph[2];
	}
	rte_pktmbuf_adj(m, off);
	p = (uint8_t *)rte_pktmbuf_prepend(m, sa->sel_src.family == 4 ? sizeof(struct rte_ipv4_hdr)
								      : sizeof(struct rte_ipv6_hdr));
	if (unlikely(p == NULL))
		return ESP_DECAP_NONLINEAR;
	if (sa->sel_src.family == 4) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;

		ip->version_ihl = (uint8_t)(0x45 + optlen / 4);
		ip->type_of_service = ds;
		ip->total_length = rte_cpu_to_be_16((uint16_t)m->pkt_len);
		ip->packet_id = id;
		ip->fragment_offset = frag;
		ip->time_to_live = ttl;
		ip->next_proto_id = nh;
		ip->src_addr = sa->sel_src.v4;
		ip->dst_addr = sa->sel_dst.v4;
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	} else {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)p;

		ip6->vtc_flow = rte_cpu_to_be_32(6u << 28 | (uint32_t)ds << 20 | flow);
		ip6->payload_len = rte_cpu_to_be_16((uint16_t)(m->pkt_len - sizeof(*ip6)));
		ip6->proto = nh;
		ip6->hop_limits = ttl;
		memcpy(ip6->src_addr, sa->sel_src.v6, 16);
		memcpy(ip6->dst_addr, sa->sel_dst.v6, 16);
	}
	md->local = 0;
	md->l2mc = 0;
	md->xfrm = 0;
	return ESP_PENDING;
}

/*
 * Pass 3 for one decrypted packet: the ICV verdict, the window, the trailer (RFC 4303
 * §2.4: padding 1, 2, 3 ...; §2.6 dummy packets), then the inner packet stripped and
 * marked as received on the vti. Returns the edge, ESP_PENDING for the policy pass.
 */
static __rte_always_inline uint16_t
esp_decap_finish(struct rte_mbuf *m, struct decap_ctx *c, const struct esp_in *e,
		 const struct tgw_esp_op *op)
{
	const struct tgw_sa *sa = &tgw_sas[e->sa];
	const struct tgw_sa_crypto *cr = sa->cr;
	const uint8_t *tr = op->esp + op->len - 2;
	uint32_t ct_len = op->len - sizeof(struct rte_esp_hdr) - cr->iv_len;
	uint8_t pad = tr[0], nh = tr[1];

	if (unlikely(op->status != TGW_CRYPTO_OK)) {
		if (op->status == TGW_CRYPTO_AUTH_FAILED) {
			tgw_stats_self()->sa[e->sa].auth_failed++;
			return ESP_DECAP_AUTH;
		}
		return ESP_DECAP_CRYPTO;
	}
	if (unlikely(tgw_replay_accept(e->sa, e->seq) < 0))
		return ESP_DECAP_REPLAY;
	if (unlikely(pad + 2u > ct_len))
		return ESP_DECAP_PADDING;
	for (uint32_t i = 0; i < pad; i++)
		if (unlikely(tr[-(int)pad + (int)i] != i + 1))
			return ESP_DECAP_PADDING;
	if (unlikely(nh == TGW_ESP_NH_TFC))
		return ESP_DECAP_TFC;
	if (sa->mode == TGW_XFRM_TRANSPORT) {
		rte_pktmbuf_trim(m, pad + 2u + cr->icv_len);
		sa_acc_add(&c->sacc, e->sa, m->pkt_len - e->off - sizeof(struct rte_esp_hdr) -
						    cr->iv_len);
		tgw_xfrm_transport_strip(m, e->off, sizeof(struct rte_esp_hdr) + cr->iv_len, nh);
		return ESP_PENDING;
	}
	if (sa->mode == TGW_XFRM_BEET) {
		uint16_t r;

		rte_pktmbuf_trim(m, pad + 2u + cr->icv_len);
		r = esp_beet_restore(m, sa, e->off + sizeof(struct rte_esp_hdr) + cr->iv_len, nh);
		if (r != ESP_PENDING)
			return r;
		if (e->tunnel >= 0) {
			/* received on the xfrm interface (xfrmi_rcv_cb) */
			const struct tgw_tunnel *t = &tgw.tunnels[e->tunnel];

			tgw_meta(m)->in_if = TGW_IF_TUNNEL(t->id);
			tgw_tnl_acc_add(&c->acc, t->id, m->pkt_len, false);
		}
		sa_acc_add(&c->sacc, e->sa, m->pkt_len);
		return ESP_PENDING;
	}
	if (unlikely(nh != IPPROTO_IPIP && nh != IPPROTO_IPV6))
		return ESP_DECAP_NEXT_HEADER;
	rte_pktmbuf_trim(m, pad + 2u + cr->icv_len);
	{
		uint32_t off = e->off + sizeof(struct rte_esp_hdr) + cr->iv_len;
		uint16_t r = e->tunnel >= 0 ? tgw_tnl_decap_ip(m, &tgw.tunnels[e->tunnel], off,
							      nh == IPPROTO_IPV6, e->ds, &c->acc)
					    : tgw_tnl_strip_ip(m, off, nh == IPPROTO_IPV6, e->ds);

		if (r != TGW_DECAP_IP4 && r != TGW_DECAP_IP6)
			return r;
	}
	sa_acc_add(&c->sacc, e->sa, m->pkt_len);
	return ESP_PENDING;
}

static uint16_t
esp_decap_chunk(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t n,
		bool whole, bool v6)
{
	static const uint16_t in_edge[] = {
		[TGW_XFRM_IN_NO_POLICY] = ESP_DECAP_NO_POLICY,
		[TGW_XFRM_IN_BLOCK] = ESP_DECAP_BLOCK,
		[TGW_XFRM_IN_MISMATCH] = ESP_DECAP_MISMATCH,
	};
	struct rte_mbuf **pkts = (struct rte_mbuf **)objs;
	const struct tgw_ipsec_tables *tb = __atomic_load_n(&tgw_ipsec_tab, __ATOMIC_ACQUIRE);
	uint16_t nexts[TGW_IPSEC_CHUNK], idx[TGW_IPSEC_CHUNK], n_ops = 0;
	struct tgw_esp_op ops[TGW_IPSEC_CHUNK];
	struct esp_in e[TGW_IPSEC_CHUNK];
	int32_t sa[TGW_IPSEC_CHUNK];
	uint32_t mark[TGW_IPSEC_CHUNK];
	bool pb[TGW_IPSEC_CHUNK], skip[TGW_IPSEC_CHUNK];
	struct decap_ctx c = {.sacc.sa = -1};

	/* pass 1: SA, window, ops */
	for (uint16_t i = 0; i < n; i++) {
		nexts[i] = tb ? esp_decap_prepare(pkts[i], &c, tb, v6, &e[i], &ops[n_ops])
			      : TGW_DECAP_NO_TUNNEL;
		if (nexts[i] == ESP_PENDING)
			idx[n_ops++] = i;
	}
	/* pass 2: the burst's crypto */
	if (n_ops)
		tgw_esp_crypt_burst(tgw_crypto_mgr(), ops, n_ops, false);
	/* pass 3: verdicts, trailers, inner packets */
	for (uint16_t i = 0; i < n; i++)
		skip[i] = true;
	for (uint16_t j = 0; j < n_ops; j++) {
		uint16_t i = idx[j];

		nexts[i] = esp_decap_finish(pkts[i], &c, &e[i], &ops[j]);
		if (nexts[i] != ESP_PENDING)
			continue;
		skip[i] = false;
		sa[i] = e[i].sa;
		pb[i] = e[i].tunnel < 0;
		mark[i] = pb[i] ? 0 : tgw.tunnels[e[i].tunnel].ikey;
	}
	/* pass 4: the in (or fwd) policies */
	tgw_xfrm_in_pass(tb, pkts, sa, mark, pb, skip, n, in_edge, nexts);
	sa_acc_flush(&c.sacc);
	tgw_tnl_acc_flush(&c.acc, false);
	tgw_node_dispatch(graph, node, objs, nexts, n, &tgw_node_ctx(node)->spec, whole);
	return n;
}

TGW_IPSEC_PROCESS(esp4_decap_process, esp_decap_chunk, false)
TGW_IPSEC_PROCESS(esp6_decap_process, esp_decap_chunk, true)

static struct rte_node_register esp4_decap_node = {
	.name = TGW_NODE_ESP4_DECAP,
	.process = esp4_decap_process,
	.nb_edges = ESP_DECAP_NB,
	.next_nodes = {TGW_DECAP_NEXT_NODES, ESP_DECAP_NEXT_NODES},
};
RTE_NODE_REGISTER(esp4_decap_node);

static struct rte_node_register esp6_decap_node = {
	.name = TGW_NODE_ESP6_DECAP,
	.process = esp6_decap_process,
	.nb_edges = ESP_DECAP_NB,
	.next_nodes = {TGW_DECAP_NEXT_NODES, ESP_DECAP_NEXT_NODES},
};
RTE_NODE_REGISTER(esp6_decap_node);
