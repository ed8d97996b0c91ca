/* SPDX-License-Identifier: BSD-3-Clause */
/* The per-worker packet graphs. */
#ifndef TGW_GRAPH_H
#define TGW_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include <rte_graph.h>

int tgw_graph_setup(char *err, size_t errlen);
void tgw_graph_fini(void);
int tgw_graph_export(const char *file);
void tgw_graph_stats_print(FILE *f);
struct rte_graph *tgw_graph_of(uint16_t w);
/* Per-node calls, objects and cycles are counted (--node-stats): set before launch. */
extern bool tgw_graph_node_stats;
/* lcore entry: arg is the worker index. */
int tgw_worker_main(void *arg);

#endif
