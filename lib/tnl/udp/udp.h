/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The UDP tunnels: FOU and GUE (the "encap" of ipip, sit and gre, and the "fou"
 * receive ports), GENEVE (RFC 8926) and VXLAN (RFC 7348). What they share: the
 * receive-port demultiplexer, source-port entropy, the UDP checksum rules.
 */
#ifndef TGW_UDP_H
#define TGW_UDP_H

#include <rte_byteorder.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "config.h"
#include "tgw.h"
#include "tnl.h"

#define TGW_NODE_UDP4_LOCAL "tgw_udp4_local"
#define TGW_NODE_UDP6_LOCAL "tgw_udp6_local"
#define TGW_NODE_UDPL2_ENCAP "tgw_udpl2_encap"
#define TGW_NODE_GENEVE_DECAP "tgw_geneve_decap"
#define TGW_NODE_VXLAN_DECAP "tgw_vxlan_decap"

/* Static edges of the UDP local nodes; the decap nodes of FOU/GUE payloads follow. */
enum {
	UDP_GENEVE,
	UDP_VXLAN,
	UDP_TRUNC,
	UDP_BAD_LEN,
	UDP_BAD_CSUM,
	UDP_ZERO_CSUM,
	UDP_NO_PORT,
	GUE_BAD_VERSION,
	GUE_BAD_HLEN,
	GUE_BAD_FLAGS,
	GUE_CONTROL,
	GUE_BAD_PROTO,
	NATT_KEEPALIVE,
	NATT_NON_ESP,
	TGW_UDP_NO_TUNNEL,
	TGW_UDP_LOCAL_NB
};

#define TGW_GENEVE_PORT 6081
#define TGW_VXLAN_PORT 4789
/* The kernel's default ip_local_port_range: "auto" source ports fall in [32768, 61000). */
#define TGW_UDP_SPORT_MIN 32768
#define TGW_UDP_SPORT_MAX 61000

/* GUE (draft-ietf-intarea-gue): variant 0 header, first 32 bits. */
struct tgw_gue_hdr {
	uint8_t vch;   /* version (2) | C (1) | Hlen (5): extension words after this header */
	uint8_t proto; /* IP protocol of the payload, or control type when C */
	rte_be16_t flags;
} __rte_packed;
#define TGW_GUE_FLAG_PRIV 0x0001 /* host order: 4 bytes of private flags follow */

/* GENEVE (RFC 8926 §3.4). */
struct tgw_geneve_hdr {
	uint8_t ver_optlen; /* version (2) | option length in 4-byte words (6) */
	uint8_t oc;         /* O (control) 0x80, C (critical options present) 0x40 */
	rte_be16_t proto;
	rte_be32_t vni_rsvd; /* VNI (24) | reserved (8) */
} __rte_packed;
#define TGW_GENEVE_O 0x80
#define TGW_GENEVE_C 0x40
#define TGW_GENEVE_OPT_CRIT 0x80 /* in the option type */

/* VXLAN (RFC 7348 §5). */
struct tgw_vxlan_hdr {
	rte_be32_t flags; /* I flag 0x08000000, the rest reserved */
	rte_be32_t vni_rsvd;
} __rte_packed;
#define TGW_VXLAN_I RTE_BE32(0x08000000)

/* Endpoint-table class and key of the L2 UDP tunnels: the key is the VNI and the
 * receive port's index (the kernel keeps a socket per port). */
enum { TGW_UDP_CLS_GENEVE = 1, TGW_UDP_CLS_VXLAN = 2 };
#define TGW_UDP_KEY(vni, port_idx) ((uint32_t)(vni) | (uint32_t)(port_idx) << 24)

/*
 * Source port from an inner flow hash, as the kernel's udp_flow_src_port: the hash
 * folded onto its upper half, then scaled onto [min, max).
 */
static __rte_always_inline uint16_t
tgw_udp_sport(uint32_t hash)
{
	hash ^= hash << 16;
	return (uint16_t)((((uint64_t)hash * (TGW_UDP_SPORT_MAX - TGW_UDP_SPORT_MIN)) >> 32) +
			  TGW_UDP_SPORT_MIN);
}

/* Config: "fou" entries; "encap" of ipip, sit, gre; receive ports of geneve/vxlan. */
int tgw_fou_parse(struct tgw_cfg_ctx *c, json_t *arr);
int tgw_udp_port_add(struct tgw_cfg_ctx *c, const char *path, uint8_t kind, uint8_t family,
		     uint16_t port, uint8_t ipproto);
/* Bytes of UDP (+ GUE) in front of the tunnel's own header, 0 without encap. */
uint16_t tgw_udp_encap_len(const struct tgw_tunnel *t);
/* Writes UDP (+ GUE for inner protocol proto) at hdr + off; returns the bytes written. */
uint16_t tgw_udp_encap_build(struct tgw_tunnel *t, uint8_t off, uint8_t proto);

#endif
