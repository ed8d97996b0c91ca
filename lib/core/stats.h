/* SPDX-License-Identifier: BSD-3-Clause */
/* Per-lcore counters: plain, cache aligned, summed by readers. */
#ifndef TGW_STATS_H
#define TGW_STATS_H

#include <stdint.h>

#include <rte_lcore.h>

#include "drops.h"
#include "tgw.h"

struct tgw_tnl_stats {
	uint64_t encap_packets, encap_bytes, decap_packets, decap_bytes;
};

/* SA counters (SPEC §5 "sas"). */
struct tgw_sa_stats {
	uint64_t packets, bytes, replay, auth_failed;
};

struct tgw_lcore_stats {
	uint64_t drops[TGW_DROP_MAX];
	uint64_t port_tx_dropped[TGW_MAX_PORTS];
	struct tgw_tnl_stats tnl[TGW_MAX_TUNNELS];
	struct tgw_sa_stats sa[TGW_MAX_SAS];
} __rte_cache_aligned;

extern struct tgw_lcore_stats *tgw_stats; /* [RTE_MAX_LCORE] */

static __rte_always_inline struct tgw_lcore_stats *
tgw_stats_self(void)
{
	return &tgw_stats[rte_lcore_id()];
}

int tgw_stats_init(void);
/* Sum over lcores. */
uint64_t tgw_stats_drop(enum tgw_drop r);
void tgw_stats_tnl(uint16_t t, struct tgw_tnl_stats *out);
uint64_t tgw_stats_port_tx_dropped(uint16_t p);

struct tgw_port_counters {
	uint64_t rx_packets, rx_bytes, tx_packets, tx_bytes, rx_missed, tx_dropped;
};
void tgw_stats_port(uint16_t p, struct tgw_port_counters *c);

/* The SPEC §5 object, as a jansson json_t * (returned as void * to keep jansson out). */
void *tgw_stats_json(void);
int tgw_stats_write(const char *file);
void tgw_stats_print_rates(double interval);

#endif
