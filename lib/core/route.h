/* SPDX-License-Identifier: BSD-3-Clause */
/* Routing tables and next hops (control path). */
#ifndef TGW_ROUTE_H
#define TGW_ROUTE_H

#include <stddef.h>
#include <stdint.h>

#include "tgw.h"

int tgw_route_init(int socket, char *err, size_t errlen);
void tgw_route_fini(void);
int tgw_route_add(const struct tgw_prefix *p, uint32_t nh);
uint32_t tgw_route_lookup(const struct tgw_ip *ip);
/* The PORT next hop for a gateway on a port, created unresolved if new. */
uint32_t tgw_nh_port(uint16_t port, const struct tgw_ip *gw);
/* Publish the neighbour's MAC: workers see resolved only after the header. */
void tgw_nh_set_l2(struct tgw_nh *nh, const struct rte_ether_addr *mac);

#endif
