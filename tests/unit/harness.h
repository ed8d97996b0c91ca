/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit test harness: one EAL per binary, gateways built from a JSON string on
 * ring-based ethdevs, the graph of worker 0 walked on the main lcore, and the
 * "PASS <name>" / "FAIL <name>: <why>" protocol of tests/run.py.
 */
#ifndef TGW_TEST_HARNESS_H
#define TGW_TEST_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "drops.h"
#include "tgw.h"

/* ---- cases ---- */

/* Run one case: PASS unless h_fail() was called during it. */
void h_case(const char *name, void (*fn)(void));
/* The same in a child process: a crash is reported as "FAIL <name>: crashed (...)" and
 * the cases after it still run. State the case changes stays in the child. */
void h_case_isolated(const char *name, void (*fn)(void));
/* Record the first failure reason of the running case (later ones are ignored). */
void h_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool h_failed(void);
/* Exit status for main: 0 if every case passed. */
int h_done(void);

/* In a case: on a false condition record why and jump to the case's "out:" label. */
#define H_CHECK(cond, ...)                                                                         \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			h_fail(__VA_ARGS__);                                                       \
			goto out;                                                                  \
		}                                                                                  \
	} while (0)

/* ---- EAL and gateways ---- */

/* rte_eal_init once per process with the machine's arguments (no hugepages, -l 0-1). */
int h_eal_init(void);

#define H_MAX_PORTS 4
#define H_RING_SIZE 2048

struct h_gw {
	unsigned int n_ports;
	uint16_t port_id[H_MAX_PORTS];
	char dev[H_MAX_PORTS][RTE_ETH_NAME_MAX_LEN]; /* ethdev name, the port "device" */
	struct rte_ring *rx[H_MAX_PORTS], *tx[H_MAX_PORTS];
	unsigned int in_use0; /* mbufs in use before (leaked by an earlier gateway) */
	bool up;
};

/*
 * Create n ring ethdevs, load json (every "$P0".."$P3" is replaced by the
 * name of ring port 0..3), tgw_runtime_init and tgw_runtime_start. 0 or -1
 * with the reason recorded by h_fail(). The first gateway of a process fixes
 * the largest number of ports later ones may use (the TX node clones and their
 * edges are made once per process).
 */
int h_gw_start(struct h_gw *g, unsigned int n_ports, const char *json);
/* Free what is left in the rings, tgw_runtime_fini, free the routing tables and the
 * ring ports. Returns the number of mbufs still in use (tgw_runtime_fini), less those an
 * earlier gateway of the process left in use (the pools outlive gateways). */
unsigned int h_gw_stop(struct h_gw *g);

/* ---- packets ---- */

/* A single-segment mbuf from tgw.pool holding len bytes, received on port p. */
struct rte_mbuf *h_mbuf(const struct h_gw *g, unsigned int p, const void *bytes, size_t len);
/* Enqueue into the RX ring of port p; returns how many were taken (the rest are freed). */
unsigned int h_push(struct h_gw *g, unsigned int p, struct rte_mbuf **m, unsigned int n);
/* Walk graph 0 on this lcore until every RX ring is empty, polling the control path between
 * walks (ARP/ND answers, held packets); then a few more walks for what that injected. */
void h_run(struct h_gw *g);
/* Dequeue up to max frames from the TX ring of port p. */
unsigned int h_pop(struct h_gw *g, unsigned int p, struct rte_mbuf **m, unsigned int max);
/* Free and count whatever is in the TX rings. */
unsigned int h_drain(struct h_gw *g);
/* Mbufs of tgw.pool in use now. */
unsigned int h_in_use(void);

/* Compare m (single segment) with exp; skip[] is a mask of len bytes (1: ignore bit),
 * or NULL. 0 if equal, else -1 and a description of the first difference in why. */
int h_cmp(const struct rte_mbuf *m, const uint8_t *exp, size_t len, const uint8_t *mask, char *why,
	  size_t whylen);

/* ---- counters ---- */

struct h_drops {
	uint64_t v[TGW_DROP_MAX];
};
void h_drops_snap(struct h_drops *d);
/* Check the drop counters moved by exactly want[] since before (reasons not in want: 0).
 * want is a list of (reason, count) pairs ended by reason -1. 0 or -1 with why. */
int h_drops_check(const struct h_drops *before, const int *want, char *why, size_t whylen);
/* "reason +n, ..." for every counter that moved since before ("none" if none). */
const char *h_drops_diff(const struct h_drops *before, char *buf, size_t len);

#endif
