/* SPDX-License-Identifier: BSD-3-Clause */
/* rte_telemetry commands: /tungw/ports, /tungw/tunnels, /tungw/stats, /tungw/routes, /tungw/sas. */
#include "telemetry.h"

#include <ctype.h>

#include <rte_telemetry.h>

#include "stats.h"
#include "tnl.h"

/*
 * DPDK 22.11 telemetry dictionaries hold scalars and arrays, not dictionaries:
 * nested objects are flattened into "object/field" keys, e.g. "ports/wan0/rx_packets"
 * (at most RTE_TEL_MAX_DICT_ENTRIES keys per reply).
 */
/* Names may hold characters telemetry refuses ("wan-0"): those become '_'. */
static void
key(char *k, size_t len, const char *a, const char *b, const char *c)
{
	snprintf(k, len, "%s/%s%s%s", a, b, c ? "/" : "", c ? c : "");
	for (; *k; k++)
		if (!isalnum((unsigned char)*k) && *k != '_' && *k != '/')
			*k = '_';
}

static void
add_u64(struct rte_tel_data *d, const char *a, const char *b, const char *c, uint64_t v)
{
	char k[RTE_TEL_MAX_STRING_LEN];

	key(k, sizeof(k), a, b, c);
	rte_tel_data_add_dict_u64(d, k, v);
}

static void
add_str(struct rte_tel_data *d, const char *a, const char *b, const char *v)
{
	char k[RTE_TEL_MAX_STRING_LEN];

	key(k, sizeof(k), a, b, NULL);
	rte_tel_data_add_dict_string(d, k, v);
}

static int
tel_ports(const char *cmd, const char *params, struct rte_tel_data *d)
{
	rte_tel_data_start_dict(d);
	for (unsigned int p = 0; p < tgw.n_ports; p++) {
		const struct tgw_port *pt = &tgw.ports[p];
		char mac[RTE_ETHER_ADDR_FMT_SIZE];

		rte_ether_format_addr(mac, sizeof(mac), &pt->mac);
		add_str(d, pt->name, "device", pt->device);
		add_str(d, pt->name, "driver", pt->driver);
		add_str(d, pt->name, "mac", mac);
		add_u64(d, pt->name, "port_id", NULL, pt->port_id);
		add_u64(d, pt->name, "mtu", NULL, pt->mtu);
	}
	return 0;
}

static int
tel_tunnels(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char a[64];

	rte_tel_data_start_dict(d);
	for (unsigned int t = 0; t < tgw.n_tunnels; t++) {
		const struct tgw_tunnel *tn = &tgw.tunnels[t];

		add_str(d, tn->name, "type", tn->ops->type);
		add_str(d, tn->name, "mode", tn->mode);
		add_str(d, tn->name, "local", tgw_ip_str(&tn->local, a, sizeof(a)));
		add_str(d, tn->name, "remote", tgw_ip_str(&tn->remote, a, sizeof(a)));
		add_u64(d, tn->name, "mtu", NULL, tn->mtu);
	}
	return 0;
}

/* The SPEC §5 counters as "ports.<p>.<f>", "tunnels.<t>.<f>", "drops.<reason>". */
static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	rte_tel_data_start_dict(d);
	for (unsigned int p = 0; p < tgw.n_ports; p++) {
		const char *n = tgw.ports[p].name;
		struct tgw_port_counters c;

		tgw_stats_port(p, &c);
		add_u64(d, "ports", n, "rx_packets", c.rx_packets);
		add_u64(d, "ports", n, "rx_bytes", c.rx_bytes);
		add_u64(d, "ports", n, "tx_packets", c.tx_packets);
		add_u64(d, "ports", n, "tx_bytes", c.tx_bytes);
		add_u64(d, "ports", n, "rx_missed", c.rx_missed);
		add_u64(d, "ports", n, "tx_dropped", c.tx_dropped);
	}
	for (unsigned int t = 0; t < tgw.n_tunnels; t++) {
		const char *n = tgw.tunnels[t].name;
		struct tgw_tnl_stats s;

		tgw_stats_tnl(t, &s);
		add_u64(d, "tunnels", n, "encap_packets", s.encap_packets);
		add_u64(d, "tunnels", n, "encap_bytes", s.encap_bytes);
		add_u64(d, "tunnels", n, "decap_packets", s.decap_packets);
		add_u64(d, "tunnels", n, "decap_bytes", s.decap_bytes);
	}
	for (unsigned int r = 0; r < TGW_DROP_MAX; r++) {
		uint64_t v = tgw_stats_drop(r);

		if (v)
			add_u64(d, "drops", tgw_drop_names[r], NULL, v);
	}
	return 0;
}

/* Route i as "<i>/dst", "<i>/via", "<i>/dev" (names may not hold '.' or ':'). */
static int
tel_routes(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char a[64], k[16], v[80];

	rte_tel_data_start_dict(d);
	for (unsigned int i = 0; i < tgw.n_routes; i++) {
		const struct tgw_route *r = &tgw.routes[i];

		snprintf(k, sizeof(k), "%u", i);
		snprintf(v, sizeof(v), "%s/%u", tgw_ip_str(&r->dst.ip, a, sizeof(a)), r->dst.len);
		add_str(d, k, "dst", v);
		if (r->via.family)
			add_str(d, k, "via", tgw_ip_str(&r->via, a, sizeof(a)));
		add_str(d, k, "dev", r->port >= 0 ? tgw.ports[r->port].name
						  : tgw.tunnels[r->tunnel].name);
	}
	return 0;
}

static int
tel_sas(const char *cmd, const char *params, struct rte_tel_data *d)
{
	rte_tel_data_start_dict(d);
	return 0;
}

void
tgw_telemetry_init(void)
{
	rte_telemetry_register_cmd("/tungw/ports", tel_ports, "Ports. No parameters");
	rte_telemetry_register_cmd("/tungw/tunnels", tel_tunnels, "Tunnels. No parameters");
	rte_telemetry_register_cmd("/tungw/stats", tel_stats, "Counters: ports, tunnels, drops. No parameters");
	rte_telemetry_register_cmd("/tungw/routes", tel_routes, "Static routes. No parameters");
	rte_telemetry_register_cmd("/tungw/sas", tel_sas, "IPsec SAs. No parameters");
}
