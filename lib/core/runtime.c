/* SPDX-License-Identifier: BSD-3-Clause */
#include "runtime.h"

#include <stdio.h>
#include <time.h>

#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_mempool.h>

#include "ctl.h"
#include "graph.h"
#include "gre.h"
#include "ipsec.h"
#include "l2.h"
#include "ports.h"
#include "route.h"
#include "stats.h"
#include "tnl.h"

/* Register the metadata at TGW_META_OFF; -1 if a PMD or library took that room first. */
static int
meta_register(void)
{
	static const struct rte_mbuf_dynfield desc = {
		.name = "tgw_meta",
		.size = sizeof(struct tgw_meta),
		.align = __alignof__(struct tgw_meta),
	};
	static int off = -1;

	if (off < 0)
		off = rte_mbuf_dynfield_register_offset(&desc, TGW_META_OFF);
	return off == (int)TGW_META_OFF ? off : -1;
}

int
tgw_runtime_init(char *err, size_t errlen)
{
	unsigned int lc, n_mbufs;
	int socket = rte_socket_id();

	tgw.quit = false;
	tgw.n_workers = 0;
	RTE_LCORE_FOREACH_WORKER(lc) {
		if (tgw.n_workers == TGW_MAX_WORKERS)
			break;
		tgw.workers[tgw.n_workers++] = lc;
	}
	if (tgw.n_workers == 0) {
		snprintf(err, errlen, "needs a worker lcore besides the main one (e.g. -l 0-1)");
		return -1;
	}
	if (meta_register() < 0 || (tgw_stats == NULL && tgw_stats_init() < 0)) {
		snprintf(err, errlen, "cannot register the mbuf metadata: %s",
			 rte_strerror(rte_errno));
		return -1;
	}
	/* RX and TX rings of up to 4096 descriptors (ports.c DESC_MAX) on every queue */
	n_mbufs = tgw.n_ports * tgw.n_workers * 2 * 4096 + 16384;
	if (tgw.pool == NULL)
		tgw.pool = rte_pktmbuf_pool_create("tgw_mbuf", n_mbufs, 256, 0,
						   RTE_MBUF_DEFAULT_BUF_SIZE, socket);
	if (tgw.indirect_pool == NULL)
		tgw.indirect_pool = rte_pktmbuf_pool_create("tgw_indirect", 8191, 256, 0, 0,
							    socket);
	if (tgw_n_mirrors && tgw.mirror_pool == NULL) {
		tgw.mirror_pool = rte_pktmbuf_pool_create("tgw_mirror", 8191, 256, 0,
							  RTE_MBUF_DEFAULT_BUF_SIZE, socket);
		if (tgw.mirror_pool == NULL) {
			snprintf(err, errlen, "cannot create the mirror pool: %s",
				 rte_strerror(rte_errno));
			return -1;
		}
	}
	{
		struct timespec ts;

		/* ERSPAN type III timestamps: real time in 100 µs units from here on */
		clock_gettime(CLOCK_REALTIME, &ts);
		tgw_erspan_ts_base = (uint64_t)ts.tv_sec * 10000 + ts.tv_nsec / 100000;
		tgw_erspan_tsc0 = rte_rdtsc();
	}
	if (tgw.pool == NULL || tgw.indirect_pool == NULL) {
		snprintf(err, errlen, "cannot create the mbuf pools: %s", rte_strerror(rte_errno));
		return -1;
	}
	for (unsigned int p = 0; p < tgw.n_ports; p++) {
		/* every worker polls its own queue of every port: queues is the worker count */
		if (tgw.ports[p].queues && tgw.ports[p].queues != tgw.n_workers) {
			snprintf(err, errlen, "port %s: \"queues\": %u, but there are %u workers "
				 "(one RX and one TX queue each; use \"auto\")", tgw.ports[p].name,
				 tgw.ports[p].queues, tgw.n_workers);
			return -1;
		}
		if (tgw_port_init(&tgw.ports[p], tgw.n_workers, err, errlen) < 0)
			return -1;
	}
	tgw_tnl_rebuild();
	if (tgw_route_init(socket, err, errlen) < 0)
		return -1;
	if (tgw_n_sas && tgw_ipsec_start(err, errlen) < 0)
		return -1;
	return tgw_graph_setup(err, errlen);
}

int
tgw_runtime_start(char *err, size_t errlen)
{
	for (unsigned int p = 0; p < tgw.n_ports; p++)
		if (tgw_port_start(&tgw.ports[p], err, errlen) < 0)
			return -1;
	return 0;
}

unsigned int
tgw_runtime_fini(void)
{
	unsigned int in_use = 0;
	struct tgw_port_counters c;

	tgw_ctl_poll();
	tgw_ctl_fini();
	tgw_graph_fini();
	if (tgw_n_sas)
		tgw_ipsec_stop();
	for (unsigned int p = 0; p < tgw.n_ports; p++) {
		tgw_stats_port(p, &c); /* keep the last PMD counters */
		tgw_port_close(&tgw.ports[p]);
	}
	if (tgw.pool)
		in_use += rte_mempool_in_use_count(tgw.pool);
	if (tgw.indirect_pool)
		in_use += rte_mempool_in_use_count(tgw.indirect_pool);
	if (tgw.mirror_pool)
		in_use += rte_mempool_in_use_count(tgw.mirror_pool);
	return in_use;
}
