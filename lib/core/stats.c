/* SPDX-License-Identifier: BSD-3-Clause */
/* Counters: per-lcore on the fast path, summed here; the SPEC §5 JSON object. */
#include "stats.h"

#include <inttypes.h>
#include <stdio.h>

#include <jansson.h>
#include <rte_ethdev.h>
#include <rte_malloc.h>

#include "ipsec.h"

struct tgw_lcore_stats *tgw_stats;

int
tgw_stats_init(void)
{
	tgw_stats = rte_zmalloc("tgw_stats", sizeof(*tgw_stats) * RTE_MAX_LCORE,
				RTE_CACHE_LINE_SIZE);
	return tgw_stats ? 0 : -1;
}

uint64_t
tgw_stats_drop(enum tgw_drop r)
{
	uint64_t s = 0;

	for (unsigned int l = 0; tgw_stats && l < RTE_MAX_LCORE; l++)
		s += tgw_stats[l].drops[r];
	return s;
}

void
tgw_stats_tnl(uint16_t t, struct tgw_tnl_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned int l = 0; tgw_stats && l < RTE_MAX_LCORE; l++) {
		out->encap_packets += tgw_stats[l].tnl[t].encap_packets;
		out->encap_bytes += tgw_stats[l].tnl[t].encap_bytes;
		out->decap_packets += tgw_stats[l].tnl[t].decap_packets;
		out->decap_bytes += tgw_stats[l].tnl[t].decap_bytes;
	}
}

uint64_t
tgw_stats_port_tx_dropped(uint16_t p)
{
	uint64_t s = 0;

	for (unsigned int l = 0; tgw_stats && l < RTE_MAX_LCORE; l++)
		s += tgw_stats[l].port_tx_dropped[p];
	return s;
}

/* Port counters come from the PMD (no fast-path cost); tx_dropped is ours. */
static struct tgw_port_counters port_last[TGW_MAX_PORTS];

void
tgw_stats_port(uint16_t p, struct tgw_port_counters *c)
{
	struct rte_eth_stats st;

	if (rte_eth_dev_is_valid_port(tgw.ports[p].port_id) &&
	    rte_eth_stats_get(tgw.ports[p].port_id, &st) == 0) {
		port_last[p].rx_packets = st.ipackets;
		port_last[p].rx_bytes = st.ibytes;
		port_last[p].tx_packets = st.opackets;
		port_last[p].tx_bytes = st.obytes;
		port_last[p].rx_missed = st.imissed;
	}
	*c = port_last[p];
	c->tx_dropped = tgw_stats_port_tx_dropped(p);
}

void *
tgw_stats_json(void)
{
	json_t *root = json_object(), *ports = json_object(), *tunnels = json_object();
	json_t *drops = json_object(), *sas = json_object();

	for (unsigned int p = 0; p < tgw.n_ports; p++) {
		struct tgw_port_counters c;

		tgw_stats_port(p, &c);
		json_object_set_new(ports, tgw.ports[p].name,
				    json_pack("{sI sI sI sI sI sI}", "rx_packets",
					      (json_int_t)c.rx_packets, "rx_bytes",
					      (json_int_t)c.rx_bytes, "tx_packets",
					      (json_int_t)c.tx_packets, "tx_bytes",
					      (json_int_t)c.tx_bytes, "rx_missed",
					      (json_int_t)c.rx_missed, "tx_dropped",
					      (json_int_t)c.tx_dropped));
	}
	for (unsigned int t = 0; t < tgw.n_tunnels; t++) {
		struct tgw_tnl_stats s;

		tgw_stats_tnl(t, &s);
		json_object_set_new(tunnels, tgw.tunnels[t].name,
				    json_pack("{sI sI sI sI}", "encap_packets",
					      (json_int_t)s.encap_packets, "encap_bytes",
					      (json_int_t)s.encap_bytes, "decap_packets",
					      (json_int_t)s.decap_packets, "decap_bytes",
					      (json_int_t)s.decap_bytes));
	}
	for (unsigned int s = 0; s < tgw_n_sas; s++) {
		struct tgw_sa_stats st;

		tgw_stats_sa(s, &st);
		json_object_set_new(sas, tgw_sas[s].name,
				    json_pack("{sI sI sI sI}", "packets", (json_int_t)st.packets,
					      "bytes", (json_int_t)st.bytes, "replay",
					      (json_int_t)st.replay, "auth_failed",
					      (json_int_t)st.auth_failed));
	}
	for (unsigned int r = 0; r < TGW_DROP_MAX; r++) {
		uint64_t v = tgw_stats_drop(r);

		if (v)
			json_object_set_new(drops, tgw_drop_names[r], json_integer(v));
	}
	json_object_set_new(root, "ports", ports);
	json_object_set_new(root, "tunnels", tunnels);
	json_object_set_new(root, "sas", sas);
	json_object_set_new(root, "drops", drops);
	return root;
}

int
tgw_stats_write(const char *file)
{
	json_t *j = tgw_stats_json();
	int rc = json_dump_file(j, file, JSON_INDENT(1) | JSON_SORT_KEYS);

	json_decref(j);
	return rc;
}

void
tgw_stats_print_rates(double interval)
{
	static uint64_t last_rx, last_tx, last_drop;
	uint64_t rx = 0, tx = 0, drop = 0;

	for (unsigned int p = 0; p < tgw.n_ports; p++) {
		struct tgw_port_counters c;

		tgw_stats_port(p, &c);
		rx += c.rx_packets;
		tx += c.tx_packets;
	}
	for (unsigned int r = 0; r < TGW_DROP_MAX; r++)
		drop += tgw_stats_drop(r);
	printf("tungw: rx %.3f Mpps tx %.3f Mpps drop %.3f Mpps (rx %" PRIu64 " tx %" PRIu64
	       " drop %" PRIu64 ")\n",
	       (rx - last_rx) / interval / 1e6, (tx - last_tx) / interval / 1e6,
	       (drop - last_drop) / interval / 1e6, rx, tx, drop);
	fflush(stdout);
	last_rx = rx;
	last_tx = tx;
	last_drop = drop;
}
