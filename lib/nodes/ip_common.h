/* SPDX-License-Identifier: BSD-3-Clause */
/* What the IPv4 and IPv6 nodes share: edge numbering, checksums, ICMP errors, reassembly. */
#ifndef TGW_IP_COMMON_H
#define TGW_IP_COMMON_H

#include <rte_cycles.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>
#include <rte_mbuf.h>

#include "node_util.h"
#include "tnl_inline.h"

/* Static edges of ip4/ip6 input and lookup; dynamic ones (decap, encap) follow. */
enum {
	IP_FWD_REWRITE,
	IP_FWD_ICMP_ERR,
	IP_FWD_TRUNCATED,
	IP_FWD_BAD_VERSION,
	IP_FWD_BAD_HLEN,
	IP_FWD_BAD_LENGTH,
	IP_FWD_BAD_CKSUM, /* ip4; ip6: bad extension header */
	IP_FWD_BAD_ADDR,
	IP_FWD_NO_ROUTE,
	IP_FWD_LOCAL_PROTO,
	IP_FWD_PUNT,
	IP_FWD_NOT_HOST,
	IP_FWD_XFRM_BLOCK,    /* in policy on clear traffic for us (policy-based IPsec) */
	IP_FWD_XFRM_MISMATCH,
	IP_FWD_NB,
	IP_FWD_REASM = 0xfffc,   /* a fragment for us: reassembled in the node (not an edge) */
	IP_FWD_PENDING = 0xffff, /* not decided yet */
};

enum { REWRITE_PUNT, REWRITE_ICMP_ERR, REWRITE_TOO_BIG, REWRITE_NO_MBUF, REWRITE_NB };

/* ICMP error node edges: send, or drop counted under the reason that led here. */
enum {
	ICMP_ERR_SEND,
	ICMP_ERR_TTL,
	ICMP_ERR_HOPLIMIT,
	ICMP_ERR_TOO_BIG,
	ICMP_ERR_RATELIMIT,
	ICMP_ERR_NO_MBUF,
	ICMP_ERR_NO_ROUTE,
	ICMP_ERR_ENCAP_LIMIT,
	ICMP_ERR_NB
};
#define ICMP_ERR_NEXT_NODES(lookup) \
	{ \
		[ICMP_ERR_SEND] = lookup, \
		[ICMP_ERR_TTL] = TGW_DROP_NODE(ttl_exceeded), \
		[ICMP_ERR_HOPLIMIT] = TGW_DROP_NODE(hop_limit_exceeded), \
		[ICMP_ERR_TOO_BIG] = TGW_DROP_NODE(too_big), \
		[ICMP_ERR_RATELIMIT] = TGW_DROP_NODE(icmp_ratelimit), \
		[ICMP_ERR_NO_MBUF] = TGW_DROP_NODE(no_mbuf), \
		[ICMP_ERR_NO_ROUTE] = TGW_DROP_NODE(no_route), \
		[ICMP_ERR_ENCAP_LIMIT] = TGW_DROP_NODE(encap_limit), \
	}

static __rte_always_inline uint16_t
tgw_icmp_err_edge(uint8_t reason)
{
	switch (reason) {
	case TGW_DROP_ttl_exceeded:
		return ICMP_ERR_TTL;
	case TGW_DROP_hop_limit_exceeded:
		return ICMP_ERR_HOPLIMIT;
	case TGW_DROP_no_route:
		return ICMP_ERR_NO_ROUTE;
	case TGW_DROP_encap_limit:
		return ICMP_ERR_ENCAP_LIMIT;
	default:
		return ICMP_ERR_TOO_BIG;
	}
}

#define TGW_ICMP_DEST_UNREACH 3
#define TGW_ICMP_TIME_EXCEEDED 11

/* meta.aux of a packet sent to an ICMP error node: type, code, MTU. */
#define TGW_ICMP_AUX(type, code, mtu) (((uint32_t)(type) << 24) | ((code) << 16) | (mtu))
/* IPv6 Packet Too Big carries a 32-bit MTU: aux is the MTU, punt the reason, type implied. */

/*
 * Ones-complement sum of len bytes at off of a chained mbuf (at least off + len bytes long),
 * folded to 16 bits. A segment that starts an odd number of bytes into the range has its
 * folded sum byte-swapped (RFC 1071 §2(B)). Not rte_raw_cksum_mbuf: DPDK 22.11's truncates
 * such a segment's unfolded sum to 16 bits before the swap, and valid checksums fail.
 */
static inline uint16_t
tgw_mbuf_cksum_segs(const struct rte_mbuf *m, uint32_t off, uint32_t len)
{
	uint32_t sum = 0, done = 0;

	while (m != NULL && off >= m->data_len) {
		off -= m->data_len;
		m = m->next;
	}
	for (; m != NULL && done < len; m = m->next, off = 0) {
		uint32_t n = RTE_MIN((uint32_t)m->data_len - off, len - done);
		uint32_t t = __rte_raw_cksum_reduce(
			__rte_raw_cksum(rte_pktmbuf_mtod_offset(m, const void *, off), n, 0));

		sum += (done & 1) ? rte_bswap16((uint16_t)t) : t;
		done += n;
	}
	return __rte_raw_cksum_reduce(sum);
}

/* Folded ones-complement sum of len bytes at off, plus init (not complemented); 0 when the
 * packet is shorter. */
static __rte_always_inline uint16_t
tgw_mbuf_cksum(const struct rte_mbuf *m, uint32_t off, uint32_t len, uint32_t init)
{
	uint32_t s;

	if (likely(off + len <= m->data_len))
		s = rte_raw_cksum(rte_pktmbuf_mtod_offset(m, const void *, off), len);
	else if ((uint64_t)off + len <= m->pkt_len)
		s = tgw_mbuf_cksum_segs(m, off, len);
	else
		return 0;
	s += init;
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return s;
}

/* Sum of the IPv6 pseudo-header (RFC 8200 §8.1) for an upper-layer length and protocol. */
static __rte_always_inline uint32_t
tgw_ip6_phdr_sum(const struct rte_ipv6_hdr *ip6, uint32_t len, uint8_t proto)
{
	uint32_t s = rte_raw_cksum(ip6->src_addr, 32);

	s += rte_cpu_to_be_16(len >> 16) + rte_cpu_to_be_16(len & 0xffff);
	s += rte_cpu_to_be_16(proto);
	return s;
}

/* Keep at most len bytes, in the first segment. */
static inline void
tgw_mbuf_truncate(struct rte_mbuf *m, uint32_t len)
{
	if (m->nb_segs > 1) {
		rte_pktmbuf_free(m->next);
		m->next = NULL;
		m->nb_segs = 1;
		m->pkt_len = m->data_len;
	}
	if (m->pkt_len > len)
		rte_pktmbuf_trim(m, m->pkt_len - len);
}

/* Global ICMP error rate limit, per lcore: 1000/s with bursts of 50 (the kernel's
 * net.ipv4.icmp_msgs_per_sec and icmp_msgs_burst). */
struct tgw_icmp_bucket {
	uint64_t last;
	uint32_t tokens;
} __rte_cache_aligned;
extern struct tgw_icmp_bucket tgw_icmp_bucket[RTE_MAX_LCORE];

static inline bool
tgw_icmp_ratelimit_ok(void)
{
	struct tgw_icmp_bucket *b = &tgw_icmp_bucket[rte_lcore_id()];
	uint64_t now = rte_rdtsc(), hz = rte_get_tsc_hz();
	uint64_t add = (now - b->last) * 1000 / hz;

	if (add) {
		b->tokens = RTE_MIN((uint64_t)50, b->tokens + add);
		b->last = now;
	}
	if (b->tokens == 0)
		return false;
	b->tokens--;
	return true;
}

/* Per-lcore reassembly state (created by graph.c for every worker). */
struct tgw_reasm {
	struct rte_ip_frag_tbl *tbl;
	struct rte_ip_frag_death_row dr;
} __rte_cache_aligned;
extern struct tgw_reasm tgw_reasm4[RTE_MAX_LCORE], tgw_reasm6[RTE_MAX_LCORE];

static inline void
tgw_reasm_death_row(struct tgw_reasm *r)
{
	if (r->dr.cnt) {
		tgw_drop_count(TGW_DROP_frag_bad, r->dr.cnt);
		rte_ip_frag_free_death_row(&r->dr, 0);
	}
}

#endif
