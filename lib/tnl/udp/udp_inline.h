/* SPDX-License-Identifier: BSD-3-Clause */
/* Per-packet UDP work of the encap nodes: source port, length, GUE protocol, checksum. */
#ifndef TGW_UDP_INLINE_H
#define TGW_UDP_INLINE_H

#include <rte_ip.h>
#include <rte_udp.h>

#include "tnl_inline.h"
#include "udp.h"

/*
 * The UDP header of an IPv4 outer packet whose other headers are filled: source
 * port fixed or from the inner flow (udp_flow_src_port), length, the GUE protocol
 * of sit's two inner families, and the checksum when the tunnel sends one (over
 * the pseudo-header and everything after, RFC 768; 0 computes as 0xffff).
 */
static __rte_always_inline void
tgw_udp4_encap_fill(struct rte_mbuf *m, struct rte_ipv4_hdr *o, const struct tgw_tunnel *t,
		    const struct tgw_inner *in)
{
	uint8_t *u = (uint8_t *)o + t->udp_off;
	const uint8_t *inner = (const uint8_t *)o + t->hdr_len;
	rte_be16_t v;

	v = rte_cpu_to_be_16(t->sport ? t->sport
				      : tgw_udp_sport(tgw_flow_hash(inner, in->len, in->v6)));
	memcpy(u, &v, sizeof(v));
	v = rte_cpu_to_be_16((uint16_t)(t->hdr_len - t->udp_off + in->len));
	memcpy(u + 4, &v, sizeof(v));
	/* sit mode any: the inner family decides (gre's GUE protocol is 47 in the template) */
	if (t->encap == TGW_ENCAP_GUE && t->gre_off == 0 &&
	    t->inner == (TGW_INNER_IP4 | TGW_INNER_IP6))
		u[sizeof(struct rte_udp_hdr) + 1] = in->v6 ? IPPROTO_IPV6 : IPPROTO_IPIP;
	if (t->udp_csum) {
		uint16_t off = (uint16_t)(u - rte_pktmbuf_mtod(m, uint8_t *));

		v = 0;
		memcpy(u + 6, &v, sizeof(v));
		v = rte_ipv4_udptcp_cksum_mbuf(m, o, off);
		memcpy(u + 6, &v, sizeof(v));
	}
}

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

/* The UDP header of a geneve / vxlan packet whose outer IP header is filled: source
 * port, length, checksum (IPv4 with udpcsum, IPv6 unless udp6zerocsumtx). */
static __rte_always_inline void
tgw_udp_l2_fill(struct rte_mbuf *m, uint8_t *o, const struct tgw_tunnel *t,
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

#endif
