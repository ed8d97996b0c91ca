/* SPDX-License-Identifier: BSD-3-Clause */
/* Per-packet UDP work of the encap nodes: source port, length, GUE protocol, checksum. */
#ifndef TGW_UDP_INLINE_H
#define TGW_UDP_INLINE_H

#include <rte_ip.h>
#include <rte_udp.h>

#include "tnl_inline.h"
#include "udp.h"

/* Flow hash of an Ethernet frame for its source port: the flow of an untagged IP
 * packet, else the addresses and type (udp_flow_src_port's use_eth fallback). */
static __rte_always_inline uint32_t
tgw_l2_flow_hash(const uint8_t *f, uint32_t len)
{
	rte_be16_t et;

	if (len >= RTE_ETHER_HDR_LEN + 20) {
		memcpy(&et, f + 12, sizeof(et));
		if (et == RTE_BE16(RTE_ETHER_TYPE_IPV4) && (f[RTE_ETHER_HDR_LEN] >> 4) == 4)
			return tgw_flow_hash(f + RTE_ETHER_HDR_LEN, len - RTE_ETHER_HDR_LEN, false);
		if (et == RTE_BE16(RTE_ETHER_TYPE_IPV6) && len >= RTE_ETHER_HDR_LEN + 40 &&
		    (f[RTE_ETHER_HDR_LEN] >> 4) == 6)
			return tgw_flow_hash(f + RTE_ETHER_HDR_LEN, len - RTE_ETHER_HDR_LEN, true);
	}
	return rte_hash_crc(f, RTE_MIN(len, (uint32_t)RTE_ETHER_HDR_LEN), 0);
}

/*
 * The UDP header of an outer packet whose other headers are filled: source port fixed
 * or from the inner flow's hash (udp_flow_src_port), length, and the checksum when the
 * tunnel sends one (over the pseudo-header and everything after, RFC 768; 0 computes as
 * 0xffff): FOU/GUE with csum, geneve/vxlan with udpcsum or over IPv6.
 */
static __rte_always_inline void
tgw_udp_fill(struct rte_mbuf *m, uint8_t *o, const struct tgw_tunnel *t,
		const struct tgw_inner *in, uint32_t hash, bool v6)
{
	uint8_t *u = o + t->udp_off;
	rte_be16_t v;

	v = rte_cpu_to_be_16(t->sport ? t->sport : tgw_udp_sport(hash));
	memcpy(u, &v, sizeof(v));
	v = rte_cpu_to_be_16((uint16_t)(t->hdr_len - t->udp_off + in->len));
	memcpy(u + 4, &v, sizeof(v));
	if (t->udp_csum) {
		uint16_t off = (uint16_t)(u - rte_pktmbuf_mtod(m, uint8_t *));

		v = 0;
		memcpy(u + 6, &v, sizeof(v));
		v = v6 ? rte_ipv6_udptcp_cksum_mbuf(m, (const struct rte_ipv6_hdr *)o, off)
		       : rte_ipv4_udptcp_cksum_mbuf(m, (const struct rte_ipv4_hdr *)o, off);
		memcpy(u + 6, &v, sizeof(v));
	}
}

/* FOU/GUE under ipip, sit and gre (IPv4 outer): sit mode any's GUE protocol follows the
 * inner family (gre's is 47 in the template), then the UDP header. */
static __rte_always_inline void
tgw_udp4_encap_fill(struct rte_mbuf *m, struct rte_ipv4_hdr *o, const struct tgw_tunnel *t,
		    const struct tgw_inner *in)
{
	uint8_t *u = (uint8_t *)o + t->udp_off;
	const uint8_t *inner = (const uint8_t *)o + t->hdr_len;
	/* the hash reads the first segment only: the inner bytes in it, not in->len (a
	 * chained packet's L4 header may be in the next segment) */
	uint32_t avail = m->data_len - (uint32_t)(inner - rte_pktmbuf_mtod(m, const uint8_t *));

	if (t->encap == TGW_ENCAP_GUE && t->gre_off == 0 &&
	    t->inner == (TGW_INNER_IP4 | TGW_INNER_IP6))
		u[sizeof(struct rte_udp_hdr) + 1] = in->v6 ? IPPROTO_IPV6 : IPPROTO_IPIP;
	tgw_udp_fill(m, (uint8_t *)o, t, in, t->sport ? 0 : tgw_flow_hash(inner, avail, in->v6),
		     false);
}

#endif
