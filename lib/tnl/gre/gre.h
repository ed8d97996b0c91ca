/* SPDX-License-Identifier: BSD-3-Clause */
/* GRE (RFC 2784, RFC 2890) and ERSPAN (draft-foschiano-erspan): wire formats, nodes. */
#ifndef TGW_GRE_H
#define TGW_GRE_H

#include <rte_byteorder.h>
#include <rte_common.h>

#include "tnl.h"

#define TGW_NODE_GRE4_ENCAP "tgw_gre4_encap"
#define TGW_NODE_GRE6_ENCAP "tgw_gre6_encap"
#define TGW_NODE_GRE4_DECAP "tgw_gre4_decap"
#define TGW_NODE_GRE6_DECAP "tgw_gre6_decap"

/* The first 16 bits of the GRE header, host order (RFC 2784 §2, RFC 2890 §2). */
#define TGW_GRE_C 0x8000
#define TGW_GRE_R 0x4000 /* RFC 1701 routing present */
#define TGW_GRE_K 0x2000
#define TGW_GRE_S 0x1000
#define TGW_GRE_SSR 0x0800    /* RFC 1701 strict source route */
#define TGW_GRE_RECUR 0x0700  /* RFC 1701 recursion control */
#define TGW_GRE_FLAGS 0x00f8  /* RFC 1701 flags */
#define TGW_GRE_VER 0x0007
/* RFC 2784 §2.3: bits a receiver must find clear (SPEC §3: routing, strict source route,
 * recursion, flags) */
#define TGW_GRE_RESERVED (TGW_GRE_R | TGW_GRE_SSR | TGW_GRE_RECUR | TGW_GRE_FLAGS)

#define TGW_ETH_P_TEB 0x6558     /* transparent Ethernet bridging */
#define TGW_ETH_P_ERSPAN 0x88be  /* ERSPAN type II */
#define TGW_ETH_P_ERSPAN2 0x22eb /* ERSPAN type III */

/* Endpoint-table classes: the kernel keeps gre, gretap and erspan tunnels apart. */
enum { TGW_GRE_CLS_L3, TGW_GRE_CLS_TAP, TGW_GRE_CLS_ERSPAN };

/* ERSPAN type II header (ver 1): Ver(4) VLAN(12) | COS(3) En(2) T(1) Session(10),
 * Reserved(12) Index(20). */
struct tgw_erspan2_hdr {
	rte_be16_t ver_vlan;
	rte_be16_t cos_en_t_sid;
	rte_be32_t index;
} __rte_packed;
static_assert(sizeof(struct tgw_erspan2_hdr) == 8, "ERSPAN II header size");

/* ERSPAN type III header (ver 2): the same first word (En is BSO), a 32-bit timestamp,
 * SGT, then P(1) FT(5) HWID(6) D(1) Gra(2) O(1). */
struct tgw_erspan3_hdr {
	rte_be16_t ver_vlan;
	rte_be16_t cos_en_t_sid;
	rte_be32_t timestamp;
	rte_be16_t sgt;
	rte_be16_t p_ft_hwid_d_gra_o;
} __rte_packed;
static_assert(sizeof(struct tgw_erspan3_hdr) == 12, "ERSPAN III header size");

#define TGW_ERSPAN_SID_MASK 0x3ff
#define TGW_ERSPAN_INDEX_MASK 0xfffff

/* GRE header length from its first 16 bits (host order). */
static inline uint32_t
tgw_gre_hdr_len(uint16_t flags)
{
	return 4 + ((flags & TGW_GRE_C) ? 4 : 0) + ((flags & TGW_GRE_K) ? 4 : 0) +
	       ((flags & TGW_GRE_S) ? 4 : 0);
}

/* ERSPAN timestamp base: real time in 100 µs units at tsc0 (set on the control path). */
extern uint64_t tgw_erspan_ts_base, tgw_erspan_tsc0;

/* A GRE (or vti) key: a number or a dotted quad, as iproute2 takes it. 1 present, 0 absent,
 * -1 error reported. */
int tgw_gre_key_parse(struct tgw_cfg_ctx *c, json_t *obj, const char *path, const char *key,
		      uint32_t *out);

#endif
