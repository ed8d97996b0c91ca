/* SPDX-License-Identifier: BSD-3-Clause */
/* What the IPsec nodes share: chunking, SA counters, policy selectors and the SPD lookup. */
#ifndef TGW_IPSEC_INLINE_H
#define TGW_IPSEC_INLINE_H

#include <rte_acl.h>
#include <rte_fib.h>
#include <rte_fib6.h>
#include <rte_ip.h>

#include <rte_graph.h>

#include "esp.h"
#include "ipsec.h"
#include "stats.h"
#include "tnl_inline.h"

/* Packets a pass works on at once: the per-packet crypto ops stay in L1. */
#define TGW_IPSEC_CHUNK 64

/* SA counters batched over a chunk: one pending SA at a time. */
struct sa_acc {
	int32_t sa;
	uint32_t pkts;
	uint64_t bytes;
};

static __rte_always_inline void
sa_acc_flush(struct sa_acc *a)
{
	if (a->pkts) {
		struct tgw_sa_stats *s = &tgw_stats_self()->sa[a->sa];

		s->packets += a->pkts;
		s->bytes += a->bytes;
	}
	a->pkts = 0;
	a->bytes = 0;
}

static __rte_always_inline void
sa_acc_add(struct sa_acc *a, int32_t sa, uint32_t bytes)
{
	if (unlikely(a->sa != sa)) {
		sa_acc_flush(a);
		a->sa = sa;
	}
	a->pkts++;
	a->bytes += bytes;
}

/* The ports of an SPD key (RFC 4301 §4.4.1.1): TCP/UDP/SCTP ports, ICMP type and code;
 * 0 for other protocols and non-first fragments (the kernel's flow). */
static __rte_always_inline void
sel_ports(const uint8_t *l4, uint32_t avail, uint8_t proto, bool first, rte_be16_t *sport,
	  rte_be16_t *dport)
{
	*sport = *dport = 0;
	if (!first || avail < 4)
		return;
	if (proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_SCTP) {
		memcpy(sport, l4, 2);
		memcpy(dport, l4 + 2, 2);
	} else if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6) {
		*sport = rte_cpu_to_be_16(l4[0]);
		*dport = rte_cpu_to_be_16(l4[1]);
	}
}

/* SPD key of the IP packet at p (len bytes). The header was validated before. */
static __rte_always_inline void
sel_key(const uint8_t *p, uint32_t len, uint32_t mark, uint32_t if_id,
	struct tgw_spd4_key *k4, struct tgw_spd6_key *k6)
{
	if ((p[0] >> 4) == 4) {
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)p;
		uint32_t ihl = (ip->version_ihl & 0xf) * 4;

		k4->proto = ip->next_proto_id;
		memcpy(&k4->src, &ip->src_addr, 4);
		memcpy(&k4->dst, &ip->dst_addr, 4);
		sel_ports(p + ihl, len > ihl ? len - ihl : 0, ip->next_proto_id,
			  !(ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_OFFSET_MASK)),
			  &k4->sport, &k4->dport);
		k4->mark = rte_cpu_to_be_32(mark);
		k4->if_id = rte_cpu_to_be_32(if_id);
	} else {
		const struct rte_ipv6_hdr *ip6 = (const struct rte_ipv6_hdr *)p;
		uint32_t off = sizeof(*ip6);
		uint8_t nh = ip6->proto;
		bool first = true;

		/* RFC 4301 §4.4.1.1: the next layer protocol is the one after the extension
		 * headers (the kernel's _decode_session6); IPv6 input validated them */
		for (unsigned int k = 0; k < 8 && len >= off + 8; k++) {
			if (nh == IPPROTO_FRAGMENT) {
				first = first && !(tgw_be16_at(p + off + 2) & 0xfff8);
				nh = p[off];
				off += 8;
			} else if (nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING ||
				   nh == IPPROTO_DSTOPTS) {
				uint32_t next = off + (p[off + 1] + 1u) * 8;

				nh = p[off];
				off = next;
			} else {
				break;
			}
		}
		k6->proto = nh;
		memcpy(k6->src, ip6->src_addr, 16);
		memcpy(k6->dst, ip6->dst_addr, 16);
		sel_ports(p + off, len > off ? len - off : 0, nh, first, &k6->sport, &k6->dport);
		k6->mark = rte_cpu_to_be_32(mark);
		k6->if_id = rte_cpu_to_be_32(if_id);
	}
}

/* Classify the keys of one chunk: policy index per packet, or -1. v6[i] selects the
 * key family; skip[i] leaves a packet out (already dropped). */
static __rte_always_inline void
spd_classify(const struct tgw_ipsec_tables *tb, uint8_t dir, struct tgw_spd4_key *k4,
	     struct tgw_spd6_key *k6, const bool *v6, const bool *skip, uint16_t n, int32_t *pol)
{
	const uint8_t *d4[TGW_IPSEC_CHUNK], *d6[TGW_IPSEC_CHUNK];
	uint16_t i4[TGW_IPSEC_CHUNK], i6[TGW_IPSEC_CHUNK], n4 = 0, n6 = 0;
	uint32_t r[TGW_IPSEC_CHUNK];

	for (uint16_t i = 0; i < n; i++) {
		pol[i] = -1;
		if (skip[i])
			continue;
		if (v6[i]) {
			d6[n6] = (const uint8_t *)&k6[i];
			i6[n6++] = i;
		} else {
			d4[n4] = (const uint8_t *)&k4[i];
			i4[n4++] = i;
		}
	}
	if (n4 && tb->spd[dir][0]) {
		rte_acl_classify(tb->spd[dir][0], d4, r, n4, 1);
		for (uint16_t j = 0; j < n4; j++)
			pol[i4[j]] = (int32_t)r[j] - 1;
	}
	if (n6 && tb->spd[dir][1]) {
		rte_acl_classify(tb->spd[dir][1], d6, r, n6, 1);
		for (uint16_t j = 0; j < n6; j++)
			pol[i6[j]] = (int32_t)r[j] - 1;
	}
}

/*
 * After the ICV verified: move SA sa's window to seq (-1: replayed meanwhile, counted);
 * without a window, ESN still needs the top to infer the high bits.
 */
static __rte_always_inline int
tgw_replay_accept(int32_t sa, uint64_t seq)
{
	struct tgw_sa_rt *rt = &tgw_sa_rt[sa];
	const struct tgw_sa *s = &tgw_sas[sa];

	if (s->replay_window) {
		if (unlikely(tgw_replay_update(rt, s->replay_window, seq) < 0)) {
			tgw_stats_self()->sa[sa].replay++;
			return -1;
		}
	} else if (s->esn) {
		uint64_t top = __atomic_load_n(&rt->top, __ATOMIC_RELAXED);

		while (seq > top && !__atomic_compare_exchange_n(&rt->top, &top, seq, false,
								 __ATOMIC_RELAXED, __ATOMIC_RELAXED))
			;
	}
	return 0;
}

/*
 * Sequence numbers for the packets of a chunk whose nexts[i] is still `pending`, into
 * seq[i]: one atomic add per run of packets of the same SA (RFC 4303 §3.3.3, RFC 4302
 * §3.3.2: one sequence space per SA, which every worker sends on).
 */
static __rte_always_inline void
tgw_seq_take(const int32_t *sa, const uint16_t *nexts, uint16_t pending, uint16_t n,
	     uint64_t *seq)
{
	uint16_t i = 0;

	while (i < n) {
		uint16_t j, cnt = 1;
		uint64_t s;

		if (nexts[i] != pending) {
			i++;
			continue;
		}
		for (j = i + 1; j < n; j++) {
			if (nexts[j] != pending)
				continue;
			if (sa[j] != sa[i])
				break;
			cnt++;
		}
		s = __atomic_fetch_add(&tgw_sa_rt[sa[i]].oseq, cnt, __ATOMIC_RELAXED);
		for (uint16_t k = i; k < j; k++)
			if (nexts[k] == pending)
				seq[k] = ++s;
		i = j;
	}
}

/* An SA a vti may send with (vti_xmit, vti_state_check): tunnel-mode ESP or AH between
 * the vti's endpoints (AH through the SA's carrier, a copy of the vti). */
static __rte_always_inline bool
tgw_vti_sa_ok(const struct tgw_tunnel *t, const struct tgw_sa *sa)
{
	return sa->mode == TGW_XFRM_TUNNEL &&
	       sa->family == t->outer && tgw_ip_eq(&sa->dst, &t->remote) &&
	       (!t->local.family || tgw_ip_eq(&sa->src, &t->local));
}

/* A node's process callback: fn on chunks of TGW_IPSEC_CHUNK, for one outer family. */
static __rte_always_inline uint16_t
tgw_ipsec_process(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t n,
		  uint16_t (*fn)(struct rte_graph *, struct rte_node *, void **, uint16_t, bool,
				 bool),
		  bool v6)
{
	if (n <= TGW_IPSEC_CHUNK)
		return fn(graph, node, objs, n, true, v6);
	for (uint16_t off = 0; off < n; off += TGW_IPSEC_CHUNK)
		fn(graph, node, objs + off, RTE_MIN(n - off, TGW_IPSEC_CHUNK), false, v6);
	return n;
}

#define TGW_IPSEC_PROCESS(name, fn, v6) \
	static uint16_t name(struct rte_graph *graph, struct rte_node *node, void **objs, \
			     uint16_t n) \
	{ \
		return tgw_ipsec_process(graph, node, objs, n, fn, v6); \
	}

/* Verdicts of an out policy lookup (the edges each node maps them to). */
enum { TGW_XFRM_OUT_OK, TGW_XFRM_OUT_NO_POLICY, TGW_XFRM_OUT_BLOCK, TGW_XFRM_OUT_NO_STATE };

/*
 * DF of an IPsec tunnel-mode IPv4 outer header (xfrm4_tunnel_encap_add): an IPv4 inner's,
 * and for an IPv6 inner set (xfrm6_extract_header) unless the inner fits IPv6's minimum
 * MTU of 1280, where a fragmentation needed could not lower the IPv6 path MTU (Linux 5.19,
 * "do not set IPv4 DF flag when encapsulating IPv6 frames <= 1280 bytes").
 */
static __rte_always_inline rte_be16_t
tgw_xfrm4_tunnel_df(const struct tgw_inner *in)
{
	return !in->frag_ok && !(in->v6 && in->len <= 1280) ? RTE_BE16(RTE_IPV4_HDR_DF_FLAG) : 0;
}

/* tgw_tnl_encap_check for the ESP and AH encap nodes: a policy-based carrier
 * (sa_mtu_only) leaves the MTU to the SA's check that follows. */
static __rte_always_inline uint16_t
tgw_xfrm_encap_check(struct rte_mbuf *m, const struct tgw_tunnel *t, struct tgw_inner *in)
{
	uint16_t next = tgw_tnl_encap_parse(m, t, in);

	if (next != TGW_ENCAP_PENDING || t->sa_mtu_only)
		return next;
	return tgw_tnl_mtu_check(m, in, t->mtu);
}

/* The SA an out policy (index pol_idx, or -1) sends with: xfrm_lookup's verdicts. */
static __rte_always_inline int
tgw_xfrm_out_sa(int32_t pol_idx, int32_t *sa)
{
	const struct tgw_policy *pol;

	if (unlikely(pol_idx < 0))
		return TGW_XFRM_OUT_NO_POLICY;
	pol = &tgw_policies[pol_idx];
	if (unlikely(pol->block))
		return TGW_XFRM_OUT_BLOCK;
	if (unlikely(pol->n_tmpls == 0 || pol->tmpl[0].sa < 0))
		return TGW_XFRM_OUT_NO_STATE;
	*sa = pol->tmpl[0].sa;
	return TGW_XFRM_OUT_OK;
}

enum { TGW_XFRM_IN_OK, TGW_XFRM_IN_NO_POLICY, TGW_XFRM_IN_BLOCK, TGW_XFRM_IN_MISMATCH };

/*
 * RFC 4301 §5.2 (kernel __xfrm_policy_check): a decapsulated inner packet must match an
 * in policy (pol_idx, or -1) that allows it and whose template SA sa_idx satisfies
 * (xfrm_state_ok).
 */
static __rte_always_inline int
tgw_xfrm_in_verdict(int32_t sa_idx, int32_t pol_idx)
{
	const struct tgw_sa *sa = &tgw_sas[sa_idx];
	const struct tgw_policy *pol;
	const struct tgw_xfrm_tmpl *t;

	/* no policy: a transport-mode SA's packet is accepted (secpath_has_nontransport) */
	if (unlikely(pol_idx < 0))
		return sa->mode == TGW_XFRM_TRANSPORT ? TGW_XFRM_IN_OK : TGW_XFRM_IN_NO_POLICY;
	pol = &tgw_policies[pol_idx];
	if (unlikely(pol->block))
		return TGW_XFRM_IN_BLOCK;
	if (unlikely(pol->n_tmpls == 0))
		return TGW_XFRM_IN_MISMATCH;
	t = &pol->tmpl[0];
	if (unlikely(t->proto != sa->proto || t->mode != sa->mode ||
		     (t->spi && t->spi != sa->spi) || (t->reqid && t->reqid != sa->reqid) ||
		     (t->dst.family && !tgw_ip_eq(&t->dst, &sa->dst)) ||
		     (t->src.family && !tgw_ip_eq(&t->src, &sa->src))))
		return TGW_XFRM_IN_MISMATCH;
	return TGW_XFRM_IN_OK;
}

/* tgw.xfrm_pb bit: policy-based in or fwd policies exist (SAs without an interface are
 * decrypted; bits 0 and 1 are the families whose forwarded packets meet the policies). */
#define TGW_XFRM_PB_IN 4

/* Is the IP packet at p for the gateway itself (decides in or fwd policy)? */
static __rte_always_inline bool
tgw_xfrm_for_us(const uint8_t *p, bool v6)
{
	uint64_t nh;

	if (!v6) {
		uint32_t dst = rte_be_to_cpu_32(((const struct rte_ipv4_hdr *)p)->dst_addr);

		rte_fib_lookup_bulk(tgw.fib4, &dst, &nh, 1);
	} else {
		uint8_t dst[1][16];

		memcpy(dst[0], ((const struct rte_ipv6_hdr *)p)->dst_addr, 16);
		rte_fib6_lookup_bulk(tgw.fib6, dst, &nh, 1);
	}
	return tgw.nh[nh].kind <= TGW_NH_LOCAL;
}

/*
 * A packet for the gateway that came in the clear (meta.xfrm 0), against the in policies
 * when policy-based ones exist (the kernel's xfrm4_policy_check / xfrm6_policy_check at
 * local delivery): a matching policy with a template requires IPsec, a block policy
 * drops. ESP and AH are checked after decryption instead, and ESP in UDP (NAT-T) is
 * taken off before the policy (udp_queue_rcv_skb). Returns a TGW_XFRM_IN_* verdict.
 */
static inline int
tgw_xfrm_local_clear(const struct rte_mbuf *m, uint8_t proto, uint32_t l4off)
{
	const struct tgw_ipsec_tables *tb = __atomic_load_n(&tgw_ipsec_tab, __ATOMIC_ACQUIRE);
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	bool v6 = (p[0] >> 4) == 6;
	struct tgw_spd4_key k4;
	struct tgw_spd6_key k6;
	const struct tgw_policy *pol;
	const uint8_t *d;
	uint32_t r = 0;

	if (proto == IPPROTO_ESP || proto == IPPROTO_AH || tb == NULL ||
	    tb->spd[TGW_XFRM_IN][v6] == NULL)
		return TGW_XFRM_IN_OK;
	if (proto == IPPROTO_UDP && m->data_len >= l4off + 4 &&
	    tgw.udp_demux[v6][tgw_be16_at(p + l4off + 2)] &&
	    tgw.udp_ports[tgw.udp_demux[v6][tgw_be16_at(p + l4off + 2)] - 1].kind ==
		    TGW_UDP_ESPINUDP)
		return TGW_XFRM_IN_OK;
	sel_key(p, m->data_len, 0, 0, &k4, &k6);
	d = v6 ? (const uint8_t *)&k6 : (const uint8_t *)&k4;
	rte_acl_classify(tb->spd[TGW_XFRM_IN][v6], &d, &r, 1, 1);
	if (r == 0)
		return TGW_XFRM_IN_OK;
	pol = &tgw_policies[r - 1];
	if (pol->block)
		return TGW_XFRM_IN_BLOCK;
	return pol->n_tmpls ? TGW_XFRM_IN_MISMATCH : TGW_XFRM_IN_OK;
}

/*
 * First step of the transport nodes for a tunnel's outer packet (meta.aux: tunnel.xfrm_tsa):
 * a block policy's edge, no state's, or a tunnel-mode state's: the packet goes on as
 * one of the state's carrier to the encap node of the carrier's family (edge tunnel4,
 * tunnel4 + 1 for IPv6), the outer packet as its inner. Returns TGW_ENCAP_PENDING
 * with *sa for transport mode.
 */
static __rte_always_inline uint16_t
tgw_xfrm_tsa_first(struct rte_mbuf *m, int32_t *sa, uint16_t block, uint16_t no_state,
		   uint16_t tunnel4)
{
	struct tgw_meta *md = tgw_meta(m);
	const struct tgw_sa *s;

	*sa = (int32_t)md->aux;
	if (unlikely(*sa < 0))
		return *sa == TGW_TSA_BLOCK ? block : no_state;
	s = &tgw_sas[*sa];
	if (likely(s->mode != TGW_XFRM_TUNNEL))
		return TGW_ENCAP_PENDING;
	if (unlikely(s->carrier < 0))
		return no_state;
	md->tunnel = (uint16_t)s->carrier;
	*sa = -1; /* no sequence number here */
	return tunnel4 + (s->family == 6);
}

/*
 * Transport mode on receive (RFC 4303 §3.1.1, RFC 4302 §3.1.1): the IP header (hlen
 * bytes, through the extension headers before ESP or AH) moves over the IPsec header
 * (ehl bytes) and announces the payload's protocol nh; the packet goes back to IP input
 * as received on its port.
 */
static __rte_always_inline void
tgw_xfrm_transport_strip(struct rte_mbuf *m, uint32_t hlen, uint32_t ehl, uint8_t nh)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);

	memmove(p + ehl, p, hlen);
	p = (uint8_t *)rte_pktmbuf_adj(m, ehl);
	if ((p[0] >> 4) == 4) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;

		ip->next_proto_id = nh;
		ip->total_length = rte_cpu_to_be_16((uint16_t)m->pkt_len);
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	} else {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)p;
		uint8_t *nhp = &ip6->proto;
		uint8_t type = ip6->proto;

		/* the next header field that named ESP or AH: the last extension header's
		 * (IPv6 input validated them) */
		for (uint32_t off = sizeof(*ip6); off < hlen;) {
			nhp = p + off;
			off += type == IPPROTO_FRAGMENT ? 8u : (p[off + 1] + 1u) * 8;
			type = *nhp;
		}
		*nhp = nh;
		ip6->payload_len = rte_cpu_to_be_16((uint16_t)(m->pkt_len - sizeof(*ip6)));
	}
}

/*
 * The last pass of the decap nodes (RFC 4301 §5.2, the kernel's __xfrm_policy_check):
 * each decapsulated inner packet (skip[i] false) that SA sa[i] carried, keyed with
 * mark[i] (the vti's ikey), against the in policies, or the fwd policies when the SA
 * is policy-based (pb[i]: no interface) and the gateway forwards the packet. nexts[i]
 * becomes the IP input edge of the inner family, or edge[verdict].
 */
static __rte_always_inline void
tgw_xfrm_in_pass(const struct tgw_ipsec_tables *tb, struct rte_mbuf **pkts, const int32_t *sa,
		 const uint32_t *mark, const bool *pb, const bool *skip, uint16_t n,
		 const uint16_t *edge, uint16_t *nexts)
{
	struct tgw_spd4_key k4[TGW_IPSEC_CHUNK];
	struct tgw_spd6_key k6[TGW_IPSEC_CHUNK];
	int32_t pol[TGW_IPSEC_CHUNK], polf[TGW_IPSEC_CHUNK];
	bool iv6[TGW_IPSEC_CHUNK], in_skip[TGW_IPSEC_CHUNK], fwd_skip[TGW_IPSEC_CHUNK];
	bool any_fwd = false;

	for (uint16_t i = 0; i < n; i++) {
		const uint8_t *p = rte_pktmbuf_mtod(pkts[i], const uint8_t *);
		bool fwd;

		in_skip[i] = fwd_skip[i] = true;
		if (skip[i])
			continue;
		iv6[i] = (p[0] >> 4) == 6;
		sel_key(p, pkts[i]->data_len, mark[i], tgw_sas[sa[i]].if_id, &k4[i], &k6[i]);
		fwd = pb[i] && !tgw_xfrm_for_us(p, iv6[i]);
		in_skip[i] = fwd;
		fwd_skip[i] = !fwd;
		any_fwd |= fwd;
	}
	if (tb == NULL)
		tb = &(const struct tgw_ipsec_tables){0};
	spd_classify(tb, TGW_XFRM_IN, k4, k6, iv6, in_skip, n, pol);
	if (any_fwd)
		spd_classify(tb, TGW_XFRM_FWD, k4, k6, iv6, fwd_skip, n, polf);
	for (uint16_t i = 0; i < n; i++) {
		int v;

		if (skip[i])
			continue;
		v = tgw_xfrm_in_verdict(sa[i], fwd_skip[i] ? pol[i] : polf[i]);
		if (unlikely(v != TGW_XFRM_IN_OK)) {
			nexts[i] = edge[v];
			continue;
		}
		nexts[i] = iv6[i] ? TGW_DECAP_IP6 : TGW_DECAP_IP4;
		/* its policy is checked: tgw_xfrm_out does not take it for clear traffic */
		tgw_meta(pkts[i])->xfrm = 1;
	}
}

#endif
