/* SPDX-License-Identifier: BSD-3-Clause */
/* IP in IPv4, shared by the ipip and sit types. */
#ifndef TGW_IPIP_H
#define TGW_IPIP_H

#include "tnl.h"

#define TGW_NODE_IP4IP_ENCAP "tgw_ip4ip_encap"
#define TGW_NODE_IP4IP_DECAP "tgw_ip4ip_decap"

/* The outer IPv4 template of an IP-in-IPv4 tunnel; with its FOU/GUE "encap". */
void tgw_ip4ip_build(struct tgw_tunnel *t);
void tgw_ip4ip_build_encap(struct tgw_tunnel *t);
uint16_t tgw_ip4ip_overhead(const struct tgw_tunnel *t);

#endif
