/* SPDX-License-Identifier: BSD-3-Clause */
/* DPDK ports: probe, configure from the per-PMD profile, start, close. */
#ifndef TGW_PORTS_H
#define TGW_PORTS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "tgw.h"

/* A per-port "profile" object: -1 with the offending key and why. */
int tgw_profile_check(json_t *j, const char **bad_key, char *why, size_t len);
int tgw_port_init(struct tgw_port *pt, uint16_t nb_queues, char *err, size_t errlen);
int tgw_port_start(struct tgw_port *pt, char *err, size_t errlen);
void tgw_port_close(struct tgw_port *pt);

#endif
