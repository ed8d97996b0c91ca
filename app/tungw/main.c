/* SPDX-License-Identifier: BSD-3-Clause */
/* tungw: EAL, command line (SPEC §1), signals, lcore launch, the control loop. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_pdump.h>

#include "config.h"
#include "ctl.h"
#include "graph.h"
#include "route.h"
#include "runtime.h"
#include "stats.h"
#include "telemetry.h"

struct opts {
	const char *config;
	bool check;
	double stats_interval;
	const char *stats_json;
	const char *graph_dot;
	bool node_stats;
	long idle_exit_ms;
	double duration;
};

static volatile sig_atomic_t stop_signal;

static void
on_signal(int sig)
{
	stop_signal = sig;
	tgw.quit = true;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: tungw [EAL options] -- -c FILE [--check] [--stats-interval SEC]\n"
		   "             [--stats-json FILE] [--idle-exit MS] [--duration SEC]\n"
		   "             [--graph-dot FILE] [--node-stats]\n");
}

static int
number(const char *opt, const char *s, double *out)
{
	char *end;

	*out = strtod(s, &end);
	if (*s == 0 || *end || *out < 0) {
		fprintf(stderr, "tungw: %s: \"%s\" is not a non-negative number\n", opt, s);
		return -1;
	}
	return 0;
}

static int
parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longs[] = {
		{"config", required_argument, NULL, 'c'},
		{"check", no_argument, NULL, 'k'},
		{"stats-interval", required_argument, NULL, 's'},
		{"stats-json", required_argument, NULL, 'j'},
		{"idle-exit", required_argument, NULL, 'i'},
		{"duration", required_argument, NULL, 'd'},
		{"graph-dot", required_argument, NULL, 'g'},
		{"node-stats", no_argument, NULL, 'n'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	double x;
	int c;

	o->stats_interval = isatty(STDOUT_FILENO) ? 1 : 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", longs, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 'k':
			o->check = true;
			break;
		case 's':
			if (number("--stats-interval", optarg, &o->stats_interval) < 0)
				return -1;
			break;
		case 'j':
			o->stats_json = optarg;
			break;
		case 'i':
			if (number("--idle-exit", optarg, &x) < 0)
				return -1;
			o->idle_exit_ms = (long)x;
			break;
		case 'd':
			if (number("--duration", optarg, &o->duration) < 0)
				return -1;
			break;
		case 'g':
			o->graph_dot = optarg;
			break;
		case 'n':
			o->node_stats = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "tungw: unexpected argument \"%s\"\n", argv[optind]);
		return -1;
	}
	if (o->config == NULL) {
		fprintf(stderr, "tungw: -c FILE is required\n");
		usage(stderr);
		return -1;
	}
	return 0;
}

static uint64_t
rx_total(void)
{
	uint64_t rx = 0;

	for (unsigned int p = 0; p < tgw.n_ports; p++) {
		struct tgw_port_counters c;

		tgw_stats_port(p, &c);
		rx += c.rx_packets;
	}
	return rx;
}

static void
print_final(void)
{
	printf("tungw: final counters\n");
	for (unsigned int p = 0; p < tgw.n_ports; p++) {
		struct tgw_port_counters c;

		tgw_stats_port(p, &c);
		printf("  port %-12s rx %" PRIu64 " pkts %" PRIu64 " bytes, tx %" PRIu64
		       " pkts %" PRIu64 " bytes, rx_missed %" PRIu64 ", tx_dropped %" PRIu64 "\n",
		       tgw.ports[p].name, c.rx_packets, c.rx_bytes, c.tx_packets, c.tx_bytes,
		       c.rx_missed, c.tx_dropped);
	}
	for (unsigned int t = 0; t < tgw.n_tunnels; t++) {
		struct tgw_tnl_stats s;

		tgw_stats_tnl(t, &s);
		printf("  tunnel %-10s encap %" PRIu64 " pkts %" PRIu64 " bytes, decap %" PRIu64
		       " pkts %" PRIu64 " bytes\n",
		       tgw.tunnels[t].name, s.encap_packets, s.encap_bytes, s.decap_packets,
		       s.decap_bytes);
	}
	for (unsigned int r = 0; r < TGW_DROP_MAX; r++) {
		uint64_t v = tgw_stats_drop(r);

		if (v)
			printf("  drop %-20s %" PRIu64 "\n", tgw_drop_names[r], v);
	}
}

int
main(int argc, char **argv)
{
	struct opts o = {0};
	char err[512];
	int sep = argc, n, rc = 0;
	uint64_t hz, start, last_stats, last_rx_change, last_rx;
	unsigned int leaked;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			sep = i;
			break;
		}
	/* application options after "--" (or all of them when there is none) */
	if (sep == argc) {
		if (parse_opts(argc, argv, &o) < 0)
			return 2;
	} else {
		argv[sep] = argv[0];
		if (parse_opts(argc - sep, argv + sep, &o) < 0)
			return 2;
	}
	if (tgw_config_load(o.config, err, sizeof(err)) < 0) {
		fprintf(stderr, "tungw: %s\n", err);
		return 2;
	}
	if (o.check) {
		tgw_config_summary(stdout);
		return 0;
	}

	/* before EAL init: the PMD plugins it loads fill the 64 telemetry command slots */
	tgw_telemetry_init();
	n = rte_eal_init(sep, argv);
	if (n < 0) {
		fprintf(stderr, "tungw: EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (tgw_runtime_init(err, sizeof(err)) < 0 || tgw_runtime_start(err, sizeof(err)) < 0) {
		fprintf(stderr, "tungw: %s\n", err);
		tgw_runtime_fini();
		rte_eal_cleanup();
		return 1;
	}
	if (rte_pdump_init() < 0)
		RTE_LOG(INFO, USER1, "pdump unavailable (dpdk-dumpcap needs a shared config)\n");
	if (o.graph_dot && tgw_graph_export(o.graph_dot) < 0)
		fprintf(stderr, "tungw: cannot write %s\n", o.graph_dot);
	printf("tungw: %u ports, %u tunnels, %u workers, running\n", tgw.n_ports, tgw.n_tunnels,
	       tgw.n_workers);
	fflush(stdout);

	tgw_graph_node_stats = o.node_stats;
	for (uint16_t w = 0; w < tgw.n_workers; w++)
		rte_eal_remote_launch(tgw_worker_main, (void *)(uintptr_t)w, tgw.workers[w]);

	hz = rte_get_tsc_hz();
	start = last_stats = last_rx_change = rte_rdtsc();
	last_rx = 0;
	while (!tgw.quit) {
		uint64_t now;

		tgw_ctl_poll();
		rte_delay_us_sleep(500);
		now = rte_rdtsc();
		if (o.stats_interval > 0 && now - last_stats >= o.stats_interval * hz) {
			tgw_stats_print_rates((double)(now - last_stats) / hz);
			last_stats = now;
		}
		if (o.idle_exit_ms > 0) {
			uint64_t rx = rx_total();

			if (rx != last_rx) {
				last_rx = rx;
				last_rx_change = now;
			} else if (now - last_rx_change >= (uint64_t)o.idle_exit_ms * hz / 1000) {
				tgw.quit = true;
			}
		}
		if (o.duration > 0 && now - start >= o.duration * hz)
			tgw.quit = true;
	}
	rte_eal_mp_wait_lcore();
	if (stop_signal)
		printf("tungw: signal %d, stopping\n", (int)stop_signal);
	if (o.node_stats)
		tgw_graph_stats_print(stdout);
	leaked = tgw_runtime_fini();
	print_final();
	if (o.stats_json && tgw_stats_write(o.stats_json) < 0) {
		fprintf(stderr, "tungw: cannot write %s\n", o.stats_json);
		rc = 1;
	}
	printf("tungw: mbufs in use at exit: %u\n", leaked);
	fflush(stdout);
	rte_pdump_uninit();
	tgw_route_fini();
	rte_eal_cleanup();
	tgw_config_free();
	return rc;
}
