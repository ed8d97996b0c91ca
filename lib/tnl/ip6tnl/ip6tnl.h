/* SPDX-License-Identifier: BSD-3-Clause */
/* IP in IPv6 (RFC 2473). */
#ifndef TGW_IP6TNL_H
#define TGW_IP6TNL_H

#include <rte_common.h>

#include "tnl.h"

#define TGW_NODE_IP6TNL_ENCAP "tgw_ip6tnl_encap"
#define TGW_NODE_IP6TNL_DECAP "tgw_ip6tnl_decap"

/* RFC 2473 §5.1: Tunnel Encapsulation Limit option in a Destination Options header,
 * padded to 8 bytes with a PadN option, as the kernel's ip6_tnl sends it. */
struct tgw_ip6_encap_limit {
	uint8_t next_header;
	uint8_t hdr_len; /* 0: 8 bytes */
	uint8_t opt_type; /* 4 */
	uint8_t opt_len;  /* 1 */
	uint8_t limit;
	uint8_t padn_type; /* 1 */
	uint8_t padn_len;  /* 1 */
	uint8_t padn_data; /* 0 */
} __rte_packed;
static_assert(sizeof(struct tgw_ip6_encap_limit) == 8, "encap limit option size");

#define TGW_IP6_OPT_TEL 4

/* The outer IPv6 template (and encapsulation limit option) of an IPv6-outer tunnel;
 * next: the protocol after it when constant, else 0. */
void tgw_ip6_outer_build(struct tgw_tunnel *t, uint8_t next);
/* "encaplimit" and "flowlabel" of the kernel's ip6_tunnel and ip6_gre types. */
int tgw_ip6_outer_parse(struct tgw_cfg_ctx *c, json_t *obj, const char *path,
			struct tgw_tunnel *t);
#define TGW_FLOWLABEL_INHERIT (-1)

#endif
