/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * AH (RFC 4302): the tunnel-mode encap nodes of AH SA carriers (an xfrm interface or a
 * policy-based out policy chose the SA, xfrm_node.c), the transport-mode encap nodes
 * of the gateway's own tunnel packets (tunnel.xfrm_tsa) and the decap nodes of IP
 * protocol 51 (both modes). The ICV covers the IP header with its mutable fields
 * zeroed (RFC 4302 §3.3.3.1), the AH header with a zero ICV field and the payload;
 * ESN high bits are appended for the computation only. Each chunk works in passes
 * around one intel-ipsec-mb call.
 */
#include <rte_ip.h>

#include "esp.h"
#include "ipsec_inline.h"
#include "node_util.h"
#include "tnl_inline.h"

#define AH_HDR 12 /* next header, payload length, reserved, SPI, sequence number */
/* Transport mode on receive: the IP header and the extension headers before AH that
 * are kept aside while their mutable fields are zero (the kernel's ah_input copies
 * them likewise); longer ones are dropped (ah_bad_header). */
#define TGW_AH_HDR_SAVE 256

static uint16_t ah_ip4_ident[RTE_MAX_LCORE];

enum {
	AH_ENCAP_SEQ_OVERFLOW = TGW_ENCAP_NB,
	AH_ENCAP_NO_STATE,
	AH_ENCAP_CRYPTO,
	AH_ENCAP_NONLINEAR,
	AH_ENCAP_NB
};

enum {
	AH_DECAP_TRUNCATED = TGW_DECAP_NB,
	AH_DECAP_BAD_LENGTH,
	AH_DECAP_BAD_HEADER,
	AH_DECAP_REPLAY,
	AH_DECAP_AUTH,
	AH_DECAP_NEXT_HEADER,
	AH_DECAP_NO_POLICY,
	AH_DECAP_BLOCK,
	AH_DECAP_MISMATCH,
	AH_DECAP_CRYPTO,
	AH_DECAP_NONLINEAR,
	AH_DECAP_NB
};

/* The AH header with its ICV, as the kernel sends it: 8-byte aligned for IPv4 too
 * (ah4.c without XFRM_STATE_ALIGN4), as RFC 4302 §3.3.3.2.1 requires for IPv6. */
static __rte_always_inline uint32_t
ah_len(const struct tgw_sa_crypto *cr)
{
	return RTE_ALIGN_CEIL(AH_HDR + cr->icv_len, 8u);
}

/* The mutable fields of the outer header, saved while they are zero for the ICV. */
struct ah_mut {
	uint32_t w0;   /* IPv4: version/IHL, TOS, total length; IPv6: version/TC/flow label */
	uint16_t frag; /* IPv4 flags and fragment offset */
	uint8_t ttl;   /* TTL / hop limit */
	uint16_t csum; /* IPv4 header checksum */
};

static __rte_always_inline void
ah_mut_zero(uint8_t *ip, bool v6, struct ah_mut *s)
{
	if (!v6) {
		struct rte_ipv4_hdr *o = (struct rte_ipv4_hdr *)ip;

		s->w0 = o->type_of_service;
		s->frag = o->fragment_offset;
		s->ttl = o->time_to_live;
		s->csum = o->hdr_checksum;
		o->type_of_service = 0;
		o->fragment_offset = 0;
		o->time_to_live = 0;
		o->hdr_checksum = 0;
	} else {
		struct rte_ipv6_hdr *o = (struct rte_ipv6_hdr *)ip;

		s->w0 = o->vtc_flow;
		s->ttl = o->hop_limits;
		o->vtc_flow = RTE_BE32(6u << 28);
		o->hop_limits = 0;
	}
}

static __rte_always_inline void
ah_mut_restore(uint8_t *ip, bool v6, const struct ah_mut *s)
{
	if (!v6) {
		struct rte_ipv4_hdr *o = (struct rte_ipv4_hdr *)ip;

		o->type_of_service = (uint8_t)s->w0;
		o->fragment_offset = s->frag;
		o->time_to_live = s->ttl;
		o->hdr_checksum = s->csum;
	} else {
		struct rte_ipv6_hdr *o = (struct rte_ipv6_hdr *)ip;

		o->vtc_flow = s->w0;
		o->hop_limits = s->ttl;
	}
}

/*
 * Zero what may change in transit in IPv4 options (the kernel's
 * ip_clear_mutable_options: all but security, extended security, CIPSO, router
 * alert and RFC 1770) or in the options of IPv6 hop-by-hop / destination options
 * headers before AH (RFC 4302 §3.3.3.1.2.2: the option type's change bit). A
 * routing header received here has no segments left (ip6_node.c) and is immutable.
 * Returns -1 on a malformed option.
 */
static inline int
ah_zero_options(uint8_t *p, uint32_t hlen, bool v6)
{
	uint32_t off = v6 ? sizeof(struct rte_ipv6_hdr) : sizeof(struct rte_ipv4_hdr);
	uint8_t nh = v6 ? ((struct rte_ipv6_hdr *)p)->proto : 0;

	if (!v6) {
		while (off < hlen) {
			uint8_t t = p[off], l;

			if (t == 0) /* end of options */
				break;
			if (t == 1) { /* no operation */
				off++;
				continue;
			}
			if (off + 2 > hlen || (l = p[off + 1]) < 2 || off + l > hlen)
				return -1;
			if (t != 130 && t != 133 && t != 134 && t != 148 && t != 149)
				memset(p + off, 0, l);
			off += l;
		}
		return 0;
	}
	while (off < hlen) {
		uint32_t end = off + (p[off + 1] + 1u) * 8, o = off + 2;

		if (nh == IPPROTO_HOPOPTS || nh == IPPROTO_DSTOPTS) {
			while (o < end) {
				uint8_t t = p[o], l;

				if (t == 0) { /* Pad1 */
					o++;
					continue;
				}
				if (o + 2 > end || o + 2u + (l = p[o + 1]) > end)
					return -1;
				if (t & 0x20)
					memset(p + o + 2, 0, l);
				o += 2u + l;
			}
		}
		nh = p[off];
		off = end;
	}
	return 0;
}

/* ---- encap ---- */

struct ah_encap_ctx {
	struct tgw_tnl_acc acc;
	struct tgw_tnl_plan pl;
	struct sa_acc sacc;
	uint16_t ident;
};

/* What pass 1 leaves for pass 3 of an outgoing packet. */
struct ah_out {
	struct tgw_inner in;
	struct ah_mut mut;
	int32_t sa;
	uint8_t *ip;
	bool direct;
	bool esn_room;
};

/*
 * The ICVs of a chunk's outgoing packets (ops[j] of packet idx[j]) in one call, then per
 * packet the ESN room off and the mutable fields back; a failed op's packet gets edge
 * crypto_edge (the others keep TGW_ENCAP_PENDING).
 */
static __rte_always_inline void
ah_out_burst(struct rte_mbuf **pkts, struct ah_out *a, struct tgw_auth_op *ops,
	     const uint16_t *idx, uint16_t n_ops, bool v6, uint16_t crypto_edge, uint16_t *nexts)
{
	if (n_ops)
		tgw_auth_burst(tgw_crypto_mgr(), ops, n_ops);
	for (uint16_t j = 0; j < n_ops; j++) {
		uint16_t i = idx[j];

		if (a[i].esn_room)
			rte_pktmbuf_trim(pkts[i], 4);
		if (unlikely(ops[j].status != TGW_CRYPTO_OK)) {
			nexts[i] = crypto_edge;
			continue;
		}
		ah_mut_restore(a[i].ip, v6, &a[i].mut);
	}
}

/*
 * Pass 1 for a packet of an AH carrier: MTU with the SA's overhead, AH header and outer
 * header (all fields final, then the mutable ones saved and zeroed), the ICV op.
 */
static __rte_always_inline uint16_t
ah_encap_prepare(struct rte_mbuf *m, struct ah_encap_ctx *c, bool v6, struct ah_out *a,
		 struct tgw_auth_op *op)
{
	const struct tgw_tunnel *t = c->pl.t;
	const struct tgw_sa *sa;
	const struct tgw_sa_crypto *cr;
	uint32_t alen, hlen = v6 ? sizeof(struct rte_ipv6_hdr) : sizeof(struct rte_ipv4_hdr);
	struct tgw_inner out;
	uint8_t *ah;
	uint64_t seq;
	uint16_t r;

	if (unlikely(t->xfrm_sa < 0))
		return AH_ENCAP_NO_STATE;
	sa = &tgw_sas[t->xfrm_sa];
	cr = sa->cr;
	alen = ah_len(cr);
	/* the kernel's xfrm_state_mtu: the carrier's MTU less the AH header */
	r = tgw_tnl_mtu_check(m, &a->in, t->mtu - alen);
	if (r != TGW_ENCAP_PENDING)
		return r;
	if (unlikely(m->nb_segs != 1 && tgw_pktmbuf_linearize(m) < 0))
		return AH_ENCAP_NONLINEAR;
	seq = __atomic_add_fetch(&tgw_sa_rt[t->xfrm_sa].oseq, 1, __ATOMIC_RELAXED);
	if (unlikely(sa->esn ? seq == 0 : seq > UINT32_MAX))
		return AH_ENCAP_SEQ_OVERFLOW;
	ah = (uint8_t *)rte_pktmbuf_prepend(m, alen);
	if (unlikely(ah == NULL))
		return TGW_ENCAP_NO_MBUF;
	ah[0] = a->in.v6 ? IPPROTO_IPV6 : IPPROTO_IPIP;
	ah[1] = (uint8_t)(alen / 4 - 2); /* RFC 4302 §2.2 */
	ah[2] = ah[3] = 0;
	{
		rte_be32_t w[2] = {rte_cpu_to_be_32(sa->spi), rte_cpu_to_be_32((uint32_t)seq)};

		memcpy(ah + 4, w, 8); /* the inner packet decides the alignment */
	}
	memset(ah + AH_HDR, 0, alen - AH_HDR);
	out = a->in;
	out.len = m->pkt_len;
	a->ip = tgw_tnl_push(m, &c->pl, &out, hlen, &a->direct);
	if (unlikely(a->ip == NULL))
		return TGW_ENCAP_NO_MBUF;
	if (!v6) {
		tgw_ip4_outer_fill((struct rte_ipv4_hdr *)a->ip, t, IPPROTO_AH, out.len + hlen,
				   a->in.ds, a->in.ttl, tgw_xfrm4_tunnel_df(&a->in), &c->ident);
	} else {
		struct rte_ipv6_hdr *o = (struct rte_ipv6_hdr *)a->ip;

		o->vtc_flow = rte_cpu_to_be_32(6u << 28 | (uint32_t)tgw_tnl_outer_tos(t->tos,
										a->in.ds)
								  << 20);
		o->payload_len = rte_cpu_to_be_16(out.len);
		if (t->ttl == 0)
			o->hop_limits = a->in.ttl;
	}
	ah_mut_zero(a->ip, v6, &a->mut);
	/* ESN: the engine appends seq_hi after the packet for the ICV */
	if (sa->esn) {
		if (unlikely(tgw_pktmbuf_append(m, 4) == NULL))
			return TGW_ENCAP_NO_MBUF;
		a->esn_room = true;
	}
	a->sa = t->xfrm_sa;
	op->c = cr;
	op->buf = a->ip;
	op->len = out.len + hlen;
	op->seq_hi = (uint32_t)(seq >> 32);
	op->tag = ah + AH_HDR;
	return TGW_ENCAP_PENDING;
}

static uint16_t
ah_encap_chunk(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t n,
	       bool whole, bool v6)
{
	struct rte_mbuf **pkts = (struct rte_mbuf **)objs;
	uint16_t nexts[TGW_IPSEC_CHUNK], idx[TGW_IPSEC_CHUNK], n_ops = 0;
	struct tgw_auth_op ops[TGW_IPSEC_CHUNK];
	struct ah_out a[TGW_IPSEC_CHUNK];
	uint16_t *ident = &ah_ip4_ident[rte_lcore_id()];
	struct ah_encap_ctx c = {.sacc.sa = -1};

	c.ident = *ident;
	tgw_tnl_plan_init(&c.pl);
	for (uint16_t i = 0; i < n; i++) {
		const struct tgw_tunnel *t = tgw_tnl_plan_get(&c.pl, tgw_meta(pkts[i])->tunnel);

		nexts[i] = tgw_xfrm_encap_check(pkts[i], t, &a[i].in);
		a[i].esn_room = false;
		if (nexts[i] == TGW_ENCAP_PENDING)
			nexts[i] = ah_encap_prepare(pkts[i], &c, v6, &a[i], &ops[n_ops]);
		if (nexts[i] == TGW_ENCAP_PENDING)
			idx[n_ops++] = i;
		else if (a[i].esn_room)
			rte_pktmbuf_trim(pkts[i], 4);
	}
	ah_out_burst(pkts, a, ops, idx, n_ops, v6, AH_ENCAP_CRYPTO, nexts);
	for (uint16_t j = 0; j < n_ops; j++) {
		uint16_t i = idx[j];

		if (nexts[i] != TGW_ENCAP_PENDING)
			continue;
		sa_acc_add(&c.sacc, a[i].sa, a[i].in.len);
		tgw_tnl_plan_get(&c.pl, tgw_meta(pkts[i])->tunnel);
		nexts[i] = tgw_tnl_encap_done(pkts[i], &c.pl, &a[i].in, a[i].direct, &c.acc);
	}
	*ident = c.ident;
	sa_acc_flush(&c.sacc);
	tgw_tnl_acc_flush(&c.acc, true);
	tgw_node_dispatch(graph, node, objs, nexts, n, &tgw_node_ctx(node)->spec, whole);
	return n;
}

/* ---- transport mode: the gateway's own packets ---- */

enum {
	AHT_REWRITE,
	AHT_LOOKUP,
	AHT_TUNNEL4, /* a tunnel-mode state: to the AH encap node of its carrier's family */
	AHT_TUNNEL6,
	AHT_BLOCK,
	AHT_NO_STATE,
	AHT_SEQ_OVERFLOW,
	AHT_CRYPTO,
	AHT_NONLINEAR,
	AHT_NO_MBUF,
	AHT_NB
};

/*
 * Pass 1 for a tunnel's outer packet (tgw_tnl_encap_done: meta.aux the state): the AH
 * header after the IP header (IPv6: after the fixed header; RFC 4302 §3.1.1 lets an
 * ip6tnl's destination options follow it), the IP header's protocol and length final,
 * then its mutable fields saved and zeroed for the ICV.
 */
static __rte_always_inline uint16_t
ah_transport_prepare(struct rte_mbuf *m, int32_t sa_idx, uint64_t seq, bool v6, struct ah_out *a,
		     struct tgw_auth_op *op)
{
	const struct tgw_sa *sa = &tgw_sas[sa_idx];
	const struct tgw_sa_crypto *cr = sa->cr;
	uint32_t alen = ah_len(cr), hlen;
	uint8_t *ip, *ah;

	if (unlikely(sa->esn ? seq == 0 : seq > UINT32_MAX))
		return AHT_SEQ_OVERFLOW;
	if (unlikely(m->nb_segs != 1 && tgw_pktmbuf_linearize(m) < 0))
		return AHT_NONLINEAR;
	ip = rte_pktmbuf_mtod(m, uint8_t *);
	hlen = v6 ? sizeof(struct rte_ipv6_hdr) : (ip[0] & 0xfu) * 4;
	a->in.len = m->pkt_len - hlen;
	ip = (uint8_t *)rte_pktmbuf_prepend(m, alen);
	if (unlikely(ip == NULL))
		return AHT_NO_MBUF;
	memmove(ip, ip + alen, hlen);
	ah = ip + hlen;
	ah[0] = v6 ? ip[6] : ip[9];
	ah[1] = (uint8_t)(alen / 4 - 2); /* RFC 4302 §2.2 */
	ah[2] = ah[3] = 0;
	{
		rte_be32_t w[2] = {rte_cpu_to_be_32(sa->spi), rte_cpu_to_be_32((uint32_t)seq)};

		memcpy(ah + 4, w, 8);
	}
	memset(ah + AH_HDR, 0, alen - AH_HDR);
	if (!v6) {
		struct rte_ipv4_hdr *o = (struct rte_ipv4_hdr *)ip;

		o->next_proto_id = IPPROTO_AH;
		o->total_length = rte_cpu_to_be_16((uint16_t)m->pkt_len);
		o->hdr_checksum = 0;
		o->hdr_checksum = rte_ipv4_cksum(o);
	} else {
		struct rte_ipv6_hdr *o = (struct rte_ipv6_hdr *)ip;

		o->proto = IPPROTO_AH;
		o->payload_len = rte_cpu_to_be_16((uint16_t)(m->pkt_len - sizeof(*o)));
	}
	op->len = m->pkt_len;
	ah_mut_zero(ip, v6, &a->mut);
	if (sa->esn) {
		if (unlikely(tgw_pktmbuf_append(m, 4) == NULL))
			return AHT_NO_MBUF;
		a->esn_room = true;
	}
	a->sa = sa_idx;
	a->ip = ip;
	op->c = cr;
	op->buf = ip;
	op->seq_hi = (uint32_t)(seq >> 32);
	op->tag = ah + AH_HDR;
	return TGW_ENCAP_PENDING;
}

/* The transport-mode encap node: then to rewrite, or lookup without a next hop. */
static uint16_t
ah_transport_chunk(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t n,
		   bool whole, bool v6)
{
	struct rte_mbuf **pkts = (struct rte_mbuf **)objs;
	uint16_t nexts[TGW_IPSEC_CHUNK], idx[TGW_IPSEC_CHUNK], n_ops = 0;
	struct tgw_auth_op ops[TGW_IPSEC_CHUNK];
	struct ah_out a[TGW_IPSEC_CHUNK];
	int32_t sa[TGW_IPSEC_CHUNK];
	uint64_t seq[TGW_IPSEC_CHUNK];
	struct sa_acc sacc = {.sa = -1};

	for (uint16_t i = 0; i < n; i++)
		nexts[i] = tgw_xfrm_tsa_first(pkts[i], &sa[i], AHT_BLOCK, AHT_NO_STATE, AHT_TUNNEL4);
	tgw_seq_take(sa, nexts, TGW_ENCAP_PENDING, n, seq);
	for (uint16_t i = 0; i < n; i++) {
		if (nexts[i] != TGW_ENCAP_PENDING)
			continue;
		a[i].esn_room = false;
		nexts[i] = ah_transport_prepare(pkts[i], sa[i], seq[i], v6, &a[i], &ops[n_ops]);
		if (nexts[i] == TGW_ENCAP_PENDING)
			idx[n_ops++] = i;
		else if (a[i].esn_room)
			rte_pktmbuf_trim(pkts[i], 4);
	}
	ah_out_burst(pkts, a, ops, idx, n_ops, v6, AHT_CRYPTO, nexts);
	for (uint16_t j = 0; j < n_ops; j++) {
		uint16_t i = idx[j];

		if (nexts[i] != TGW_ENCAP_PENDING)
			continue;
		sa_acc_add(&sacc, sa[i], a[i].in.len);
		nexts[i] = tgw_meta(pkts[i])->nh != TGW_NH_NONE ? AHT_REWRITE : AHT_LOOKUP;
	}
	sa_acc_flush(&sacc);
	tgw_node_dispatch(graph, node, objs, nexts, n, &tgw_node_ctx(node)->spec, whole);
	return n;
}

/* ---- decap ---- */

struct ah_in {
	uint32_t off; /* of the AH header */
	uint32_t alen;
	int32_t sa;
	int16_t tunnel;
	uint8_t ds;
	bool esn_room;
	uint64_t seq;
	uint8_t icv[64]; /* as received */
	uint8_t calc[64];
	uint8_t hdr[TGW_AH_HDR_SAVE]; /* transport mode: the IP header as received */
};

/*
 * Pass 1 for a received AH packet: lengths, the SA and its interface, the replay
 * window, the ICV saved and zeroed with the mutable fields, the op.
 */
static __rte_always_inline uint16_t
ah_decap_prepare(struct rte_mbuf *m, const struct tgw_ipsec_tables *tb, bool v6, struct ah_in *e,
		 struct tgw_auth_op *op, struct tgw_tnl_cache *cache)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	const struct tgw_sa *sa;
	const struct tgw_sa_crypto *cr;
	const void *dst, *src;
	uint32_t mark = 0;
	struct ah_mut mut;
	struct tgw_sa_rt *rt;
	uint32_t w, full;

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
	if (unlikely(m->pkt_len < e->off + AH_HDR))
		return AH_DECAP_TRUNCATED;
	if (unlikely(m->nb_segs != 1 && tgw_pktmbuf_linearize(m) < 0))
		return AH_DECAP_NONLINEAR;
	e->sa = tgw_sad_lookup(tb, tgw_be32_at(p + e->off + 4), IPPROTO_AH, v6 ? 6 : 4, dst);
	if (unlikely(e->sa < 0))
		return TGW_DECAP_NO_TUNNEL;
	sa = &tgw_sas[e->sa];
	/* AH is received on the vti whose endpoints it came between (vti_input, the SA
	 * looked up with its ikey as the mark), else on the xfrm interface of the SA's
	 * if_id, or policy-based */
	e->tunnel = (int16_t)tgw_tnl_lookup_cached(cache, v6 ? 6 : 4, IPPROTO_AH, dst, src);
	if (e->tunnel >= 0)
		mark = tgw.tunnels[e->tunnel].ikey;
	else
		e->tunnel = sa->xfrmi;
	if (unlikely(e->tunnel < 0 && !(tgw.xfrm_pb & TGW_XFRM_PB_IN) &&
		     sa->mode != TGW_XFRM_TRANSPORT))
		return AH_DECAP_NO_POLICY;
	if (unlikely((mark & sa->mark_mask) != sa->mark))
		return TGW_DECAP_NO_TUNNEL;
	/* transport mode for the gateway's own traffic, policy-based only */
	if (unlikely(sa->mode != TGW_XFRM_TUNNEL &&
		     (sa->mode != TGW_XFRM_TRANSPORT || e->tunnel >= 0)))
		return TGW_DECAP_MODE;
	cr = sa->cr;
	e->alen = (p[e->off + 1] + 2u) * 4;
	/* the kernel's ah_input: the header holds the ICV, 8-byte aligned; RFC 4302's
	 * 4-byte alignment is accepted for IPv4 too (scapy, the BSDs) */
	full = AH_HDR + cr->icv_len;
	if (unlikely(e->alen != RTE_ALIGN_CEIL(full, 8u) &&
		     (v6 || e->alen != RTE_ALIGN_CEIL(full, 4u))))
		return AH_DECAP_BAD_LENGTH;
	if (unlikely(m->pkt_len < e->off + e->alen))
		return AH_DECAP_TRUNCATED;
	e->seq = tgw_be32_at(p + e->off + 8);
	rt = &tgw_sa_rt[e->sa];
	w = sa->replay_window ? sa->replay_window : 64;
	if (sa->esn)
		e->seq |= (uint64_t)tgw_esn_hi(__atomic_load_n(&rt->top, __ATOMIC_RELAXED), w,
					       (uint32_t)e->seq) << 32;
	if (sa->replay_window && unlikely(tgw_replay_check(rt, sa->replay_window, e->seq) < 0)) {
		tgw_stats_self()->sa[e->sa].replay++;
		return AH_DECAP_REPLAY;
	}
	if (sa->mode == TGW_XFRM_TRANSPORT) {
		if (unlikely(e->off > sizeof(e->hdr)))
			return AH_DECAP_BAD_HEADER;
		memcpy(e->hdr, p, e->off);
	}
	if (unlikely(ah_zero_options(p, e->off, v6) < 0))
		return AH_DECAP_BAD_HEADER;
	memcpy(e->icv, p + e->off + AH_HDR, cr->icv_len);
	memset(p + e->off + AH_HDR, 0, e->alen - AH_HDR);
	ah_mut_zero(p, v6, &mut);
	if (sa->esn) {
		if (unlikely(tgw_pktmbuf_append(m, 4) == NULL))
			return AH_DECAP_NONLINEAR;
		e->esn_room = true;
	}
	op->c = cr;
	op->buf = p;
	op->len = m->pkt_len - (sa->esn ? 4 : 0);
	op->seq_hi = (uint32_t)(e->seq >> 32);
	op->tag = e->calc;
	return TGW_ENCAP_PENDING;
}

/* Pass 3: the ICV verdict, the window, the next header, the inner packet. */
static __rte_always_inline uint16_t
ah_decap_finish(struct rte_mbuf *m, struct tgw_tnl_acc *acc, struct sa_acc *sacc, struct ah_in *e,
		const struct tgw_auth_op *op)
{
	const struct tgw_sa *sa = &tgw_sas[e->sa];
	uint8_t diff = 0, nh;

	if (e->esn_room)
		rte_pktmbuf_trim(m, 4);
	if (unlikely(op->status != TGW_CRYPTO_OK))
		return AH_DECAP_CRYPTO;
	for (uint32_t i = 0; i < sa->cr->icv_len; i++)
		diff |= e->icv[i] ^ e->calc[i];
	if (unlikely(diff != 0)) {
		tgw_stats_self()->sa[e->sa].auth_failed++;
		return AH_DECAP_AUTH;
	}
	if (unlikely(tgw_replay_accept(e->sa, e->seq) < 0))
		return AH_DECAP_REPLAY;
	nh = rte_pktmbuf_mtod(m, const uint8_t *)[e->off];
	if (sa->mode == TGW_XFRM_TRANSPORT) {
		/* the header as received, then without AH (RFC 4302 §3.1.1) */
		memcpy(rte_pktmbuf_mtod(m, uint8_t *), e->hdr, e->off);
		tgw_xfrm_transport_strip(m, e->off, e->alen, nh);
		sa_acc_add(sacc, e->sa, m->pkt_len - e->off);
		return TGW_ENCAP_PENDING;
	}
	/* tunnel mode carries an IP packet (xfrm4_mode_tunnel_input) */
	if (unlikely(nh != IPPROTO_IPIP && nh != IPPROTO_IPV6))
		return AH_DECAP_NEXT_HEADER;
	{
		uint16_t r = e->tunnel >= 0
				     ? tgw_tnl_decap_ip(m, &tgw.tunnels[e->tunnel], e->off + e->alen,
							nh == IPPROTO_IPV6, e->ds, acc)
				     : tgw_tnl_strip_ip(m, e->off + e->alen, nh == IPPROTO_IPV6, e->ds);

		if (r != TGW_DECAP_IP4 && r != TGW_DECAP_IP6)
			return r;
	}
	sa_acc_add(sacc, e->sa, m->pkt_len);
	return TGW_ENCAP_PENDING;
}

static uint16_t
ah_decap_chunk(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t n,
	       bool whole, bool v6)
{
	static const uint16_t in_edge[] = {
		[TGW_XFRM_IN_NO_POLICY] = AH_DECAP_NO_POLICY,
		[TGW_XFRM_IN_BLOCK] = AH_DECAP_BLOCK,
		[TGW_XFRM_IN_MISMATCH] = AH_DECAP_MISMATCH,
	};
	struct rte_mbuf **pkts = (struct rte_mbuf **)objs;
	const struct tgw_ipsec_tables *tb = __atomic_load_n(&tgw_ipsec_tab, __ATOMIC_ACQUIRE);
	uint16_t nexts[TGW_IPSEC_CHUNK], idx[TGW_IPSEC_CHUNK], n_ops = 0;
	struct tgw_auth_op ops[TGW_IPSEC_CHUNK];
	struct ah_in e[TGW_IPSEC_CHUNK];
	int32_t sa[TGW_IPSEC_CHUNK];
	uint32_t mark[TGW_IPSEC_CHUNK];
	bool pb[TGW_IPSEC_CHUNK], skip[TGW_IPSEC_CHUNK];
	struct tgw_tnl_acc acc = {0};
	struct tgw_tnl_cache cache = {0};
	struct sa_acc sacc = {.sa = -1};

	for (uint16_t i = 0; i < n; i++) {
		e[i].esn_room = false;
		nexts[i] = tb ? ah_decap_prepare(pkts[i], tb, v6, &e[i], &ops[n_ops], &cache)
			      : TGW_DECAP_NO_TUNNEL;
		if (nexts[i] == TGW_ENCAP_PENDING)
			idx[n_ops++] = i;
		else if (e[i].esn_room)
			rte_pktmbuf_trim(pkts[i], 4);
	}
	if (n_ops)
		tgw_auth_burst(tgw_crypto_mgr(), ops, n_ops);
	for (uint16_t i = 0; i < n; i++)
		skip[i] = true;
	for (uint16_t j = 0; j < n_ops; j++) {
		uint16_t i = idx[j];

		nexts[i] = ah_decap_finish(pkts[i], &acc, &sacc, &e[i], &ops[j]);
		if (nexts[i] != TGW_ENCAP_PENDING)
			continue;
		skip[i] = false;
		sa[i] = e[i].sa;
		pb[i] = e[i].tunnel < 0;
		mark[i] = pb[i] ? 0 : tgw.tunnels[e[i].tunnel].ikey;
	}
	tgw_xfrm_in_pass(tb, pkts, sa, mark, pb, skip, n, in_edge, nexts);
	sa_acc_flush(&sacc);
	tgw_tnl_acc_flush(&acc, false);
	tgw_node_dispatch(graph, node, objs, nexts, n, &tgw_node_ctx(node)->spec, whole);
	return n;
}

TGW_IPSEC_PROCESS(ah4_encap_process, ah_encap_chunk, false)
TGW_IPSEC_PROCESS(ah6_encap_process, ah_encap_chunk, true)
TGW_IPSEC_PROCESS(ah4_transport_process, ah_transport_chunk, false)
TGW_IPSEC_PROCESS(ah6_transport_process, ah_transport_chunk, true)
TGW_IPSEC_PROCESS(ah4_decap_process, ah_decap_chunk, false)
TGW_IPSEC_PROCESS(ah6_decap_process, ah_decap_chunk, true)

static int
ah_encap_init(const struct rte_graph *graph, struct rte_node *node)
{
	RTE_SET_USED(node);
	ah_ip4_ident[tgw.workers[tgw_graph_worker(graph)]] = (uint16_t)rte_rand();
	return 0;
}

#define AH_ENCAP_NEXT_NODES \
	[AH_ENCAP_SEQ_OVERFLOW] = TGW_DROP_NODE(ah_seq_overflow), \
	[AH_ENCAP_NO_STATE] = TGW_DROP_NODE(xfrm_no_state), \
	[AH_ENCAP_CRYPTO] = TGW_DROP_NODE(ipsec_crypto_error), \
	[AH_ENCAP_NONLINEAR] = TGW_DROP_NODE(ipsec_nonlinear)

#define AH_DECAP_NEXT_NODES \
	[AH_DECAP_TRUNCATED] = TGW_DROP_NODE(ah_truncated), \
	[AH_DECAP_BAD_LENGTH] = TGW_DROP_NODE(ah_bad_length), \
	[AH_DECAP_BAD_HEADER] = TGW_DROP_NODE(ah_bad_header), \
	[AH_DECAP_REPLAY] = TGW_DROP_NODE(ah_replay), \
	[AH_DECAP_AUTH] = TGW_DROP_NODE(ah_auth_failed), \
	[AH_DECAP_NEXT_HEADER] = TGW_DROP_NODE(ah_bad_next_header), \
	[AH_DECAP_NO_POLICY] = TGW_DROP_NODE(xfrm_no_policy), \
	[AH_DECAP_BLOCK] = TGW_DROP_NODE(xfrm_policy_block), \
	[AH_DECAP_MISMATCH] = TGW_DROP_NODE(xfrm_policy_mismatch), \
	[AH_DECAP_CRYPTO] = TGW_DROP_NODE(ipsec_crypto_error), \
	[AH_DECAP_NONLINEAR] = TGW_DROP_NODE(ipsec_nonlinear)

static struct rte_node_register ah4_encap_node = {
	.name = TGW_NODE_AH4_ENCAP,
	.process = ah4_encap_process,
	.init = ah_encap_init,
	.nb_edges = AH_ENCAP_NB,
	.next_nodes = {TGW_ENCAP_NEXT_NODES("tgw_ip4_rewrite", "tgw_ip4_lookup"),
		       AH_ENCAP_NEXT_NODES},
};
RTE_NODE_REGISTER(ah4_encap_node);

static struct rte_node_register ah6_encap_node = {
	.name = TGW_NODE_AH6_ENCAP,
	.process = ah6_encap_process,
	.nb_edges = AH_ENCAP_NB,
	.next_nodes = {TGW_ENCAP_NEXT_NODES("tgw_ip6_rewrite", "tgw_ip6_lookup"),
		       AH_ENCAP_NEXT_NODES},
};
RTE_NODE_REGISTER(ah6_encap_node);

#define AHT_NEXT_NODES \
	[AHT_TUNNEL4] = TGW_NODE_AH4_ENCAP, [AHT_TUNNEL6] = TGW_NODE_AH6_ENCAP, \
	[AHT_BLOCK] = TGW_DROP_NODE(xfrm_policy_block), \
	[AHT_NO_STATE] = TGW_DROP_NODE(xfrm_no_state), \
	[AHT_SEQ_OVERFLOW] = TGW_DROP_NODE(ah_seq_overflow), \
	[AHT_CRYPTO] = TGW_DROP_NODE(ipsec_crypto_error), \
	[AHT_NONLINEAR] = TGW_DROP_NODE(ipsec_nonlinear), \
	[AHT_NO_MBUF] = TGW_DROP_NODE(no_mbuf)

static struct rte_node_register ah4_transport_node = {
	.name = TGW_NODE_AH4_TRANSPORT,
	.process = ah4_transport_process,
	.nb_edges = AHT_NB,
	.next_nodes = {[AHT_REWRITE] = "tgw_ip4_rewrite", [AHT_LOOKUP] = "tgw_ip4_lookup",
		       AHT_NEXT_NODES},
};
RTE_NODE_REGISTER(ah4_transport_node);

static struct rte_node_register ah6_transport_node = {
	.name = TGW_NODE_AH6_TRANSPORT,
	.process = ah6_transport_process,
	.nb_edges = AHT_NB,
	.next_nodes = {[AHT_REWRITE] = "tgw_ip6_rewrite", [AHT_LOOKUP] = "tgw_ip6_lookup",
		       AHT_NEXT_NODES},
};
RTE_NODE_REGISTER(ah6_transport_node);

static struct rte_node_register ah4_decap_node = {
	.name = TGW_NODE_AH4_DECAP,
	.process = ah4_decap_process,
	.nb_edges = AH_DECAP_NB,
	.next_nodes = {TGW_DECAP_NEXT_NODES, AH_DECAP_NEXT_NODES},
};
RTE_NODE_REGISTER(ah4_decap_node);

static struct rte_node_register ah6_decap_node = {
	.name = TGW_NODE_AH6_DECAP,
	.process = ah6_decap_process,
	.nb_edges = AH_DECAP_NB,
	.next_nodes = {TGW_DECAP_NEXT_NODES, AH_DECAP_NEXT_NODES},
};
RTE_NODE_REGISTER(ah6_decap_node);
