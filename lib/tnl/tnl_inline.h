/* SPDX-License-Identifier: BSD-3-Clause */
/* Tunnel core, fast path: rules every tunnel type shares on receive and transmit. */
#ifndef TGW_TNL_INLINE_H
#define TGW_TNL_INLINE_H

#include <rte_byteorder.h>
#include <rte_hash_crc.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "stats.h"
#include "tgw.h"
#include "tnl.h"
#include "drops.h"
#include "node_util.h"

int tgw_tnl_lookup_slow(uint8_t family, uint8_t proto, uint16_t sub, uint32_t key,
			const void *dst, const void *src);

/* ECN codepoints (RFC 3168 §5). */
#define TGW_ECN_MASK 3
#define TGW_ECN_ECT0 2
#define TGW_ECN_CE 3

/* Outer TOS from the tunnel's tos and the inner DS field (kernel INET_ECN_encapsulate):
 * the outer ECN field copies an ECT inner, and is ECT(0) for a CE inner (RFC 6040 §4.1,
 * compatibility with the kernel's choice). */
static __rte_always_inline uint8_t
tgw_tnl_outer_tos(int16_t tos, uint8_t inner_ds)
{
	uint8_t o = tos < 0 ? inner_ds : (uint8_t)tos;
	uint8_t ie = inner_ds & TGW_ECN_MASK;

	return (o & ~TGW_ECN_MASK) | (ie == TGW_ECN_CE ? TGW_ECN_ECT0 : ie);
}

/* RFC 6040 §4.2 on decap: -1 drop (CE over Not-ECT), 1 set inner CE, 0 leave. */
static __rte_always_inline int
tgw_tnl_ecn_decap(uint8_t outer_ds, uint8_t inner_ds)
{
	if ((outer_ds & TGW_ECN_MASK) != TGW_ECN_CE)
		return 0;
	if ((inner_ds & TGW_ECN_MASK) == 0)
		return -1;
	return (inner_ds & TGW_ECN_MASK) != TGW_ECN_CE;
}

/* Set CE on an inner IPv4 header, fixing its checksum incrementally (RFC 1624). */
static __rte_always_inline void
tgw_ip4_set_ce(struct rte_ipv4_hdr *ip)
{
	uint16_t old = rte_be_to_cpu_16(*(uint16_t *)ip);
	uint16_t new = old | TGW_ECN_CE;
	uint32_t s = (uint16_t)~rte_be_to_cpu_16(ip->hdr_checksum) + (uint16_t)~old + new;

	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	*(uint16_t *)ip = rte_cpu_to_be_16(new);
	ip->hdr_checksum = rte_cpu_to_be_16(~s & 0xffff);
}

static __rte_always_inline void
tgw_ip6_set_ce(struct rte_ipv6_hdr *ip6)
{
	ip6->vtc_flow |= rte_cpu_to_be_32(TGW_ECN_CE << 20);
}

/* The flow label of an IPv6 header (RFC 8200 §3), read bytewise: headers behind
 * Ethernet are only 2-byte aligned. */
static __rte_always_inline uint32_t
tgw_ip6_flowlabel(const uint8_t *p)
{
	return (uint32_t)(p[1] & 0xf) << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Inner flow hash: addresses, protocol and the first 4 bytes of L4 when present and
 * unfragmented (as the kernel's flow dissector). Used for source ports and flow labels. */
static __rte_always_inline uint32_t
tgw_flow_hash(const uint8_t *inner, uint32_t len, bool v6)
{
	uint32_t h;

	if (!v6) {
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)inner;
		uint32_t ihl = (ip->version_ihl & 0xf) * 4;

		uint64_t a;

		memcpy(&a, &ip->src_addr, sizeof(a));
		h = rte_hash_crc_8byte(a, ip->next_proto_id);
		if (len >= ihl + 4 && !(ip->fragment_offset & rte_cpu_to_be_16(0x3fff)))
			{
			uint32_t l4;

			memcpy(&l4, inner + ihl, sizeof(l4));
			h = rte_hash_crc_4byte(l4, h);
		}
	} else {
		const struct rte_ipv6_hdr *ip6 = (const struct rte_ipv6_hdr *)inner;

		h = rte_hash_crc(ip6->src_addr, 32, ip6->proto);
		if (len >= 44)
			{
			uint32_t l4;

			memcpy(&l4, inner + 40, sizeof(l4));
			h = rte_hash_crc_4byte(l4, h);
		}
	}
	return h;
}

/* Sum of the template's constant 16-bit words (frag_off, src, dst) for the outer checksum. */
static inline uint16_t
tgw_ip4_tmpl_csum_base(const struct rte_ipv4_hdr *ip)
{
	uint16_t w[10];
	uint32_t s;

	memcpy(w, ip, sizeof(w));
	s = w[3] + w[6] + w[7] + w[8] + w[9];

	s = (s & 0xffff) + (s >> 16);
	return (s & 0xffff) + (s >> 16);
}

/*
 * Fill the per-packet fields of an outer IPv4 header already copied from the template:
 * protocol, total length, TOS (inherit/ECN), TTL (inherit), ID, DF (df: without path
 * MTU discovery the kernel copies an IPv4 inner DF, ip_tunnel_xmit) and the checksum.
 * The ID is a per-lcore counter whether or not DF is set, as the kernel's iptunnel_xmit
 * always calls __ip_select_ident (RFC 6864 §4 allows any value with DF). The checksum is summed from the values in registers: reading back the
 * header just written with narrow stores would stall on store forwarding.
 */
static __rte_always_inline void
tgw_ip4_outer_fill(struct rte_ipv4_hdr *o, const struct tgw_tunnel *t, uint8_t proto,
		   uint16_t tot_len, uint8_t inner_ds, uint8_t inner_ttl, rte_be16_t df,
		   uint16_t *ident)
{
	uint8_t tos = tgw_tnl_outer_tos(t->tos, inner_ds);
	uint8_t ttl = t->ttl ? t->ttl : inner_ttl;
	rte_be16_t len = rte_cpu_to_be_16(tot_len), id = rte_cpu_to_be_16((*ident)++);
	uint32_t s;

	o->type_of_service = tos;
	o->total_length = len;
	o->packet_id = id;
	o->time_to_live = ttl;
	o->next_proto_id = proto;
	o->fragment_offset |= df; /* the template's is 0 when df may be set */
	/* native 16-bit words of the header: (vihl,tos) (len) (id) (frag) (ttl,proto) */
	s = t->csum_base + rte_cpu_to_be_16((uint16_t)(RTE_IPV4_VHL_DEF << 8 | tos)) + len + id +
	    df + rte_cpu_to_be_16((uint16_t)(ttl << 8 | proto));
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	o->hdr_checksum = (uint16_t)~s;
}

/* The inner packet may be fragmented but the outer is bigger than the tunnel MTU:
 * clear DF so that the outer packet is fragmented (RFC 791), checksum again. */
static inline void
tgw_ip4_outer_allow_frag(struct rte_ipv4_hdr *o)
{
	o->fragment_offset = 0;
	o->hdr_checksum = 0;
	o->hdr_checksum = rte_ipv4_cksum(o);
}

/* Per-lcore tunnel counters batched over a burst: one pending tunnel at a time. */
struct tgw_tnl_acc {
	uint16_t t;
	uint32_t pkts;
	uint64_t bytes;
};

static __rte_always_inline void
tgw_tnl_acc_flush(struct tgw_tnl_acc *a, bool encap)
{
	struct tgw_tnl_stats *s;

	if (a->pkts == 0)
		return;
	s = &tgw_stats_self()->tnl[a->t];
	if (encap) {
		s->encap_packets += a->pkts;
		s->encap_bytes += a->bytes;
	} else {
		s->decap_packets += a->pkts;
		s->decap_bytes += a->bytes;
	}
	a->pkts = 0;
	a->bytes = 0;
}

static __rte_always_inline void
tgw_tnl_acc_add(struct tgw_tnl_acc *a, uint16_t t, uint32_t bytes, bool encap)
{
	if (unlikely(a->t != t)) {
		tgw_tnl_acc_flush(a, encap);
		a->t = t;
	}
	a->pkts++;
	a->bytes += bytes;
}

/* Big-endian loads at any alignment (headers behind Ethernet are 2-byte aligned). */
static __rte_always_inline uint16_t
tgw_be16_at(const uint8_t *p)
{
	rte_be16_t v;

	memcpy(&v, p, sizeof(v));
	return rte_be_to_cpu_16(v);
}

static __rte_always_inline uint32_t
tgw_be32_at(const uint8_t *p)
{
	rte_be32_t v;

	memcpy(&v, p, sizeof(v));
	return rte_be_to_cpu_32(v);
}

/* Maximum nesting of tunnels inside tunnels before a packet is dropped as a loop. */
#define TGW_TNL_MAX_DEPTH 4

/* ---- shared encap/decap steps; decap and encap nodes number their edges so ---- */

enum {
	TGW_DECAP_IP4,
	TGW_DECAP_IP6,
	TGW_DECAP_NO_TUNNEL,
	TGW_DECAP_BAD_INNER,
	TGW_DECAP_ECN,
	TGW_DECAP_MODE,
	TGW_DECAP_BRIDGE,
	TGW_DECAP_NO_BRIDGE,
	TGW_DECAP_NB
};
#define TGW_DECAP_NEXT_NODES \
	[TGW_DECAP_IP4] = "tgw_ip4_input", [TGW_DECAP_IP6] = "tgw_ip6_input", \
	[TGW_DECAP_NO_TUNNEL] = TGW_DROP_NODE(no_tunnel), \
	[TGW_DECAP_BAD_INNER] = TGW_DROP_NODE(tnl_bad_inner), \
	[TGW_DECAP_ECN] = TGW_DROP_NODE(ecn_drop), [TGW_DECAP_MODE] = TGW_DROP_NODE(tnl_mode), \
	[TGW_DECAP_BRIDGE] = TGW_NODE_BRIDGE, [TGW_DECAP_NO_BRIDGE] = TGW_DROP_NODE(no_bridge)

/*
 * The inner IP packet at offset off: checks the inner header fits and matches the
 * family the outer protocol announced (v6), applies RFC 6040 with the outer DS field
 * and strips the outer headers. Returns the edge.
 */
static __rte_always_inline uint16_t
tgw_tnl_strip_ip(struct rte_mbuf *m, uint32_t off, bool v6, uint8_t outer_ds)
{
	uint8_t *in = rte_pktmbuf_mtod_offset(m, uint8_t *, off);
	struct tgw_meta *md = tgw_meta(m);
	uint8_t inner_ds;
	int ecn;

	if (unlikely(m->data_len < off + (v6 ? 40 : 20) || (in[0] >> 4) != (v6 ? 6 : 4)))
		return TGW_DECAP_BAD_INNER;
	inner_ds = v6 ? (uint8_t)((in[0] << 4) | (in[1] >> 4)) : in[1];
	ecn = tgw_tnl_ecn_decap(outer_ds, inner_ds);
	if (unlikely(ecn != 0)) {
		if (ecn < 0)
			return TGW_DECAP_ECN;
		if (v6)
			tgw_ip6_set_ce((struct rte_ipv6_hdr *)in);
		else
			tgw_ip4_set_ce((struct rte_ipv4_hdr *)in);
	}
	rte_pktmbuf_adj(m, off);
	md->local = 0;
	md->l2mc = 0;
	md->xfrm = 0; /* the inner packet's own protection is its own (secpath_reset) */
	return v6 ? TGW_DECAP_IP6 : TGW_DECAP_IP4;
}

/* Common decap tail for an IP inner packet (tgw_tnl_strip_ip), checking the tunnel's
 * mode first; the packet is marked as received on the tunnel. */
static __rte_always_inline uint16_t
tgw_tnl_decap_ip(struct rte_mbuf *m, const struct tgw_tunnel *t, uint32_t off, bool v6,
		 uint8_t outer_ds, struct tgw_tnl_acc *acc)
{
	uint16_t r;

	if (unlikely(!(t->inner & (v6 ? TGW_INNER_IP6 : TGW_INNER_IP4))))
		return TGW_DECAP_MODE;
	r = tgw_tnl_strip_ip(m, off, v6, outer_ds);
	if (unlikely(r != (v6 ? TGW_DECAP_IP6 : TGW_DECAP_IP4)))
		return r;
	tgw_meta(m)->in_if = TGW_IF_TUNNEL(t->id);
	tgw_tnl_acc_add(acc, t->id, m->pkt_len, false);
	return r;
}

/*
 * Common decap tail for an Ethernet frame at offset inner (gretap, erspan, geneve,
 * vxlan): RFC 6040 on the IP packet of an untagged frame, as the kernel's
 * ip_tunnel_rcv for an Ethernet tunnel (the network header ETH_HLEN into the
 * payload), then the frame goes to the tunnel's bridge.
 */
static __rte_always_inline uint16_t
tgw_tnl_decap_l2(struct rte_mbuf *m, const struct tgw_tunnel *t, uint32_t inner, uint8_t outer_ds,
		 struct tgw_tnl_acc *acc)
{
	struct tgw_meta *md = tgw_meta(m);
	uint8_t *f = rte_pktmbuf_mtod_offset(m, uint8_t *, inner);

	if (unlikely(m->data_len < inner + RTE_ETHER_HDR_LEN))
		return TGW_DECAP_BAD_INNER;
	if (unlikely((outer_ds & TGW_ECN_MASK) == TGW_ECN_CE)) {
		uint16_t et = tgw_be16_at(f + 12);
		uint8_t *ip = f + RTE_ETHER_HDR_LEN;
		int ecn = 0;

		if (et == RTE_ETHER_TYPE_IPV4 &&
		    m->data_len >= inner + RTE_ETHER_HDR_LEN + 20) {
			ecn = tgw_tnl_ecn_decap(outer_ds, ip[1]);
			if (ecn > 0)
				tgw_ip4_set_ce((struct rte_ipv4_hdr *)ip);
		} else if (et == RTE_ETHER_TYPE_IPV6 &&
			   m->data_len >= inner + RTE_ETHER_HDR_LEN + 40) {
			ecn = tgw_tnl_ecn_decap(outer_ds, (uint8_t)((ip[0] << 4) | (ip[1] >> 4)));
			if (ecn > 0)
				tgw_ip6_set_ce((struct rte_ipv6_hdr *)ip);
		}
		if (ecn < 0)
			return TGW_DECAP_ECN;
	}
	if (unlikely(t->bridge < 0))
		return TGW_DECAP_NO_BRIDGE;
	rte_pktmbuf_adj(m, inner);
	md->in_if = TGW_IF_TUNNEL(t->id);
	md->local = 0;
	md->l2mc = 0;
	tgw_tnl_acc_add(acc, t->id, m->pkt_len, false);
	return TGW_DECAP_BRIDGE;
}

/*
 * No tunnel of this IP-in-IP protocol: if one with these endpoints carries the other
 * inner family, the packet matched a tunnel whose mode refuses it (the kernel finds
 * the tunnel, then drops on its mode); otherwise no tunnel at all.
 */
static inline uint16_t
tgw_tnl_lookup_other_mode(uint8_t family, uint8_t proto, const void *dst, const void *src)
{
	if (proto != IPPROTO_IPIP && proto != IPPROTO_IPV6)
		return TGW_DECAP_NO_TUNNEL;
	return tgw_tnl_lookup_slow(family, proto == IPPROTO_IPIP ? IPPROTO_IPV6 : IPPROTO_IPIP, 0,
				   0, dst, src) >= 0
		       ? TGW_DECAP_MODE
		       : TGW_DECAP_NO_TUNNEL;
}

/* Endpoint lookup with a one-entry cache of the last (proto, dst, src) seen in the burst. */
struct tgw_tnl_cache {
	uint8_t valid, proto;
	int16_t tunnel;
	uint8_t dst[16], src[16];
};

static __rte_always_inline int
tgw_tnl_lookup_cached(struct tgw_tnl_cache *c, uint8_t family, uint8_t proto, const void *dst,
		      const void *src)
{
	size_t n = family == 4 ? 4 : 16;

	if (c->valid && c->proto == proto && memcmp(c->dst, dst, n) == 0 &&
	    memcmp(c->src, src, n) == 0)
		return c->tunnel;
	c->tunnel = tgw_tnl_lookup_slow(family, proto, 0, 0, dst, src);
	c->proto = proto;
	memcpy(c->dst, dst, n);
	memcpy(c->src, src, n);
	c->valid = 1;
	return c->tunnel;
}

/* Endpoint lookup with a one-entry cache of the last (proto, class, key, dst, src): GRE
 * keys, GRE classes, the VNIs of the UDP tunnels. */
struct tgw_tnl_kcache {
	uint8_t valid, proto;
	uint16_t sub;
	int16_t tunnel;
	uint32_t key;
	uint8_t dst[16], src[16];
};

static __rte_always_inline int
tgw_tnl_lookup_keyed(struct tgw_tnl_kcache *c, uint8_t family, uint8_t proto, uint16_t sub,
		     uint32_t key, const void *dst, const void *src)
{
	size_t n = family == 4 ? 4 : 16;

	if (c->valid && c->proto == proto && c->sub == sub && c->key == key &&
	    memcmp(c->dst, dst, n) == 0 && memcmp(c->src, src, n) == 0)
		return c->tunnel;
	c->tunnel = tgw_tnl_lookup_slow(family, proto, sub, key, dst, src);
	c->proto = proto;
	c->sub = sub;
	c->key = key;
	memcpy(c->dst, dst, n);
	memcpy(c->src, src, n);
	c->valid = 1;
	return c->tunnel;
}

enum {
	TGW_ENCAP_REWRITE,
	TGW_ENCAP_LOOKUP,
	TGW_ENCAP_ICMP4_ERR,
	TGW_ENCAP_ICMP6_ERR,
	TGW_ENCAP_MODE,
	TGW_ENCAP_NO_MBUF,
	TGW_ENCAP_RECURSION,
	TGW_ENCAP_TOO_BIG,
	TGW_ENCAP_XFRM4, /* the outer packet to transport-mode ESP (tunnel.xfrm_tsa) */
	TGW_ENCAP_XFRM6,
	TGW_ENCAP_XFRM_AH4, /* ... or AH (tunnel.xfrm_tsa_ah) */
	TGW_ENCAP_XFRM_AH6,
	TGW_ENCAP_NB,
	TGW_ENCAP_PENDING = 0xffff
};
#define TGW_ENCAP_NEXT_NODES(rewrite, lookup) \
	[TGW_ENCAP_REWRITE] = rewrite, [TGW_ENCAP_LOOKUP] = lookup, \
	[TGW_ENCAP_ICMP4_ERR] = "tgw_icmp4_error", [TGW_ENCAP_ICMP6_ERR] = "tgw_icmp6_error", \
	[TGW_ENCAP_MODE] = TGW_DROP_NODE(tnl_mode), [TGW_ENCAP_NO_MBUF] = TGW_DROP_NODE(no_mbuf), \
	[TGW_ENCAP_RECURSION] = TGW_DROP_NODE(tnl_recursion), \
	[TGW_ENCAP_TOO_BIG] = TGW_DROP_NODE(too_big), \
	[TGW_ENCAP_XFRM4] = "tgw_esp4_transport", [TGW_ENCAP_XFRM6] = "tgw_esp6_transport", \
	[TGW_ENCAP_XFRM_AH4] = "tgw_ah4_transport", [TGW_ENCAP_XFRM_AH6] = "tgw_ah6_transport"

/*
 * An encap node's view of the tunnel of the packets in hand: the tunnel and a copy
 * of its underlay next hop's state, refreshed when the tunnel changes within a
 * burst (a few loads: traffic interleaving many tunnels pays little). A resolved
 * next hop copied here stays valid for the burst: a MAC change waits for the
 * workers' RCU quiescent state after the graph walk.
 */
struct tgw_tnl_plan {
	const struct tgw_tunnel *t;
	uint16_t tid;    /* UINT16_MAX: none loaded */
	bool direct_ok;  /* next hop cached and resolved: Ethernet can go on here */
	uint16_t nh_mtu;
	uint8_t l2[RTE_ETHER_HDR_LEN];
};

static __rte_always_inline void
tgw_tnl_plan_init(struct tgw_tnl_plan *pl)
{
	pl->tid = UINT16_MAX;
}

static __rte_always_inline const struct tgw_tunnel *
tgw_tnl_plan_get(struct tgw_tnl_plan *pl, uint16_t tid)
{
	if (unlikely(tid != pl->tid)) {
		const struct tgw_tunnel *t = &tgw.tunnels[tid];
		const struct tgw_nh *nh = t->nh != TGW_NH_NONE ? &tgw.nh[t->nh] : NULL;

		pl->t = t;
		pl->tid = tid;
		/* a tunnel whose packets get transport-mode ESP goes through that node */
		pl->direct_ok = nh != NULL && nh->resolved && t->xfrm_tsa == -1;
		if (pl->direct_ok) {
			rte_smp_rmb(); /* the header was published before resolved */
			pl->nh_mtu = nh->mtu;
			memcpy(pl->l2, nh->l2, RTE_ETHER_HDR_LEN);
		}
	}
	return pl->t;
}

/* What encap needs of the inner IP packet. */
struct tgw_inner {
	bool v6;
	bool frag_ok; /* IPv4 with DF clear: may be fragmented in the outer packet */
	uint8_t ds, ttl;
	uint32_t len;
};

/*
 * SPEC §3 "Too big" for an inner packet and the MTU it must fit: IPv4 with DF ->
 * ICMP fragmentation needed, IPv6 -> ICMPv6 Packet Too Big (at least 1280), both
 * with mtu; IPv4 without DF goes on (its outer packet is fragmented). Returns
 * TGW_ENCAP_PENDING to go on, else the edge.
 */
static __rte_always_inline uint16_t
tgw_tnl_mtu_check(struct rte_mbuf *m, const struct tgw_inner *in, uint32_t mtu)
{
	struct tgw_meta *md = tgw_meta(m);

	if (likely(in->len <= mtu) || in->frag_ok)
		return TGW_ENCAP_PENDING;
	/* no ICMP error to ourselves about a packet we made (echo reply, nested tunnel) */
	if (md->local)
		return TGW_ENCAP_TOO_BIG;
	tgw_ip_unforward(m);
	md->punt = TGW_DROP_too_big;
	if (in->v6) {
		md->aux = RTE_MAX(mtu, 1280u);
		return TGW_ENCAP_ICMP6_ERR;
	}
	md->aux = ((uint32_t)3 << 24) | (4 << 16) | mtu; /* RFC 1191 */
	return TGW_ENCAP_ICMP4_ERR;
}

/*
 * First encap step for an IP inner packet without the MTU rule: the mode and nesting
 * checks and *in. Returns TGW_ENCAP_PENDING to go on, else the edge.
 */
static __rte_always_inline uint16_t
tgw_tnl_encap_parse(struct rte_mbuf *m, const struct tgw_tunnel *t, struct tgw_inner *in)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	struct tgw_meta *md = tgw_meta(m);

	in->v6 = (p[0] >> 4) == 6;
	in->len = m->pkt_len;
	/* a tunnel without a remote (NBMA) cannot send; a mode without this family either */
	if (unlikely(!((t->ver_ok >> (p[0] >> 4)) & 1)))
		return TGW_ENCAP_MODE;
	if (unlikely(md->depth >= TGW_TNL_MAX_DEPTH))
		return TGW_ENCAP_RECURSION;
	if (in->v6) {
		in->ds = (uint8_t)((p[0] << 4) | (p[1] >> 4)); /* traffic class */
		in->ttl = p[7];
		in->frag_ok = false;
	} else {
		in->ds = p[1];
		in->ttl = p[8];
		in->frag_ok = !(p[6] & 0x40);
	}
	return TGW_ENCAP_PENDING;
}

/*
 * First encap step for an IP inner packet: mode check and the tunnel MTU rule
 * (SPEC §3 "Too big"): IPv4 with DF -> ICMP fragmentation needed, IPv6 -> ICMPv6
 * Packet Too Big, both with the tunnel MTU; IPv4 without DF goes on and its outer
 * packet is fragmented. Returns TGW_ENCAP_PENDING to go on, else the edge.
 */
static __rte_always_inline uint16_t
tgw_tnl_encap_check(struct rte_mbuf *m, const struct tgw_tunnel *t, struct tgw_inner *in)
{
	uint16_t next = tgw_tnl_encap_parse(m, t, in);

	if (next != TGW_ENCAP_PENDING)
		return next;
	return tgw_tnl_mtu_check(m, in, t->mtu);
}

/*
 * First encap step for an Ethernet frame (gretap, ip6gretap, erspan, geneve,
 * vxlan): as a bridge
 * port, a frame longer than the tunnel MTU is dropped (the kernel's
 * is_skb_forwardable); TOS and TTL inherit from an untagged IP payload, else 0 and 64.
 */
static __rte_always_inline uint16_t
tgw_tnl_l2_check(struct rte_mbuf *m, const struct tgw_tunnel *t, struct tgw_inner *in, bool *trunc)
{
	const struct rte_ether_hdr *e = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const uint8_t *ip = (const uint8_t *)(e + 1);

	in->len = m->pkt_len;
	in->v6 = false;
	in->frag_ok = true; /* no inner DF to copy */
	in->ds = 0;
	in->ttl = 64;
	if (unlikely(!t->remote.family))
		return TGW_ENCAP_MODE;
	if (unlikely(tgw_meta(m)->depth >= TGW_TNL_MAX_DEPTH))
		return TGW_ENCAP_RECURSION;
	*trunc = false;
	if (unlikely(in->len > (uint32_t)t->mtu + RTE_ETHER_HDR_LEN)) {
		if (!t->erspan_ver)
			return TGW_ENCAP_TOO_BIG;
		/* ERSPAN sends the head of a long frame with the T bit (kernel erspan_xmit) */
		if (m->nb_segs != 1)
			return TGW_ENCAP_TOO_BIG;
		rte_pktmbuf_trim(m, in->len - t->mtu - RTE_ETHER_HDR_LEN);
		in->len = m->pkt_len;
		*trunc = true;
	}
	if (e->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV4) &&
	    m->data_len >= RTE_ETHER_HDR_LEN + 20 && (ip[0] >> 4) == 4) {
		in->ds = ip[1];
		in->ttl = ip[8];
	} else if (e->ether_type == RTE_BE16(RTE_ETHER_TYPE_IPV6) &&
		   m->data_len >= RTE_ETHER_HDR_LEN + 40 && (ip[0] >> 4) == 6) {
		in->ds = (uint8_t)((ip[0] << 4) | (ip[1] >> 4));
		in->ttl = ip[7];
	}
	return TGW_ENCAP_PENDING;
}

/*
 * Make room for the outer headers (hdr_len bytes, a constant at each call site so
 * that the copies compile to a few moves) and copy the template in. With
 * the underlay next hop cached and resolved and the result within its MTU, the
 * Ethernet header goes on here too (*direct), so the packet leaves the encap node
 * straight for its port, as VPP's midchain adjacency. Returns the outer IP header,
 * or NULL without headroom.
 */
static __rte_always_inline void *
tgw_tnl_push(struct rte_mbuf *m, const struct tgw_tnl_plan *pl, const struct tgw_inner *in,
	     const uint16_t hdr_len, bool *direct)
{
	const struct tgw_tunnel *t = pl->t;
	uint8_t *o;

	*direct = pl->direct_ok && in->len + hdr_len <= pl->nh_mtu;
	if (likely(*direct)) {
		o = (uint8_t *)rte_pktmbuf_prepend(m, RTE_ETHER_HDR_LEN + hdr_len);
		if (unlikely(o == NULL))
			return NULL;
		memcpy(o, pl->l2, RTE_ETHER_HDR_LEN);
		o += RTE_ETHER_HDR_LEN;
	} else {
		o = (uint8_t *)rte_pktmbuf_prepend(m, hdr_len);
		if (unlikely(o == NULL))
			return NULL;
	}
	memcpy(o, t->hdr, hdr_len);
	return o;
}

/*
 * Last encap step: counters, and the edge; a packet that is not direct goes on through
 * the graph as one of ours (rewrite resolves it, lookup routes it). One only too big
 * for the cached next hop is fragmented here (TGW_NEXT_FRAG), in its place in the
 * burst: a detour through rewrite would let the later packets of the burst, sent
 * direct, overtake it (and a GRE sequence number would reach the wire out of order).
 */
static __rte_always_inline uint16_t
tgw_tnl_encap_done(struct rte_mbuf *m, const struct tgw_tnl_plan *pl, const struct tgw_inner *in,
		   bool direct, struct tgw_tnl_acc *acc)
{
	const struct tgw_tunnel *t = pl->t;
	struct tgw_meta *md;
	const uint8_t *o;

	tgw_tnl_acc_add(acc, t->id, in->len, true);
	if (likely(direct))
		return t->tx_edge;
	md = tgw_meta(m);
	md->depth++;
	md->local = 1;
	md->in_if = TGW_IF_TUNNEL(t->id);
	if (unlikely(t->xfrm_tsa != -1)) {
		md->nh = t->nh;
		md->aux = (uint32_t)t->xfrm_tsa;
		return (t->outer == 6 ? TGW_ENCAP_XFRM6 : TGW_ENCAP_XFRM4) +
		       (t->xfrm_tsa_ah ? TGW_ENCAP_XFRM_AH4 - TGW_ENCAP_XFRM4 : 0);
	}
	if (t->nh == TGW_NH_NONE)
		return TGW_ENCAP_LOOKUP;
	md->nh = t->nh;
	o = rte_pktmbuf_mtod(m, const uint8_t *);
	/* not direct with the next hop resolved: too big for it (IPv4 outer without DF;
	 * an IPv6 packet of ours is fragmented at the source) */
	if (pl->direct_ok && ((o[0] >> 4) == 6 || !(o[6] & 0x40))) {
		md->aux = TGW_FRAG_AUX(pl->nh_mtu, t->tx_edge);
		return TGW_NEXT_FRAG;
	}
	return TGW_ENCAP_REWRITE;
}

#endif
