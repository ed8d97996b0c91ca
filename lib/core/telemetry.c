/* SPDX-License-Identifier: BSD-3-Clause */
/* rte_telemetry commands: /tungw/ports, /tungw/tunnels, /tungw/stats, /tungw/routes, /tungw/sas. */
#include "telemetry.h"

#include <rte_telemetry.h>

#include "stats.h"
#include "tnl.h"

static int
tel_ports(const char *cmd, const char *params, struct rte_tel_data *d)
{
	rte_tel_data_start_dict(d);
	for (unsigned int p = 0; p < tgw.n_ports; p++) {
		struct rte_tel_data *o = rte_tel_data_alloc();
		char mac[RTE_ETHER_ADDR_FMT_SIZE];

		rte_tel_data_start_dict(o);
		rte_tel_data_add_dict_string(o, "device", tgw.ports[p].device);
		rte_tel_data_add_dict_string(o, "driver", tgw.ports[p].driver);
		rte_ether_format_addr(mac, sizeof(mac), &tgw.ports[p].mac);
		rte_tel_data_add_dict_string(o, "mac", mac);
		rte_tel_data_add_dict_int(o, "port_id", tgw.ports[p].port_id);
		rte_tel_data_add_dict_int(o, "mtu", tgw.ports[p].mtu);
		rte_tel_data_add_dict_container(d, tgw.ports[p].name, o, 0);
	}
	return 0;
}

static int
tel_tunnels(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char a[64];

	rte_tel_data_start_dict(d);
	for (unsigned int t = 0; t < tgw.n_tunnels && t < RTE_TEL_MAX_DICT_ENTRIES; t++) {
		const struct tgw_tunnel *tn = &tgw.tunnels[t];
		struct rte_tel_data *o = rte_tel_data_alloc();

		rte_tel_data_start_dict(o);
		rte_tel_data_add_dict_string(o, "type", tn->ops->type);
		rte_tel_data_add_dict_string(o, "mode", tn->mode);
		rte_tel_data_add_dict_string(o, "local", tgw_ip_str(&tn->local, a, sizeof(a)));
		rte_tel_data_add_dict_string(o, "remote", tgw_ip_str(&tn->remote, a, sizeof(a)));
		rte_tel_data_add_dict_int(o, "mtu", tn->mtu);
		rte_tel_data_add_dict_container(d, tn->name, o, 0);
	}
	return 0;
}

static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct rte_tel_data *ports = rte_tel_data_alloc(), *tunnels = rte_tel_data_alloc();
	struct rte_tel_data *drops = rte_tel_data_alloc(), *sas = rte_tel_data_alloc();

	rte_tel_data_start_dict(d);
	rte_tel_data_start_dict(ports);
	rte_tel_data_start_dict(tunnels);
	rte_tel_data_start_dict(drops);
	rte_tel_data_start_dict(sas);
	for (unsigned int p = 0; p < tgw.n_ports; p++) {
		struct rte_tel_data *o = rte_tel_data_alloc();
		struct tgw_port_counters c;

		tgw_stats_port(p, &c);
		rte_tel_data_start_dict(o);
		rte_tel_data_add_dict_u64(o, "rx_packets", c.rx_packets);
		rte_tel_data_add_dict_u64(o, "rx_bytes", c.rx_bytes);
		rte_tel_data_add_dict_u64(o, "tx_packets", c.tx_packets);
		rte_tel_data_add_dict_u64(o, "tx_bytes", c.tx_bytes);
		rte_tel_data_add_dict_u64(o, "rx_missed", c.rx_missed);
		rte_tel_data_add_dict_u64(o, "tx_dropped", c.tx_dropped);
		rte_tel_data_add_dict_container(ports, tgw.ports[p].name, o, 0);
	}
	for (unsigned int t = 0; t < tgw.n_tunnels && t < RTE_TEL_MAX_DICT_ENTRIES; t++) {
		struct rte_tel_data *o = rte_tel_data_alloc();
		struct tgw_tnl_stats s;

		tgw_stats_tnl(t, &s);
		rte_tel_data_start_dict(o);
		rte_tel_data_add_dict_u64(o, "encap_packets", s.encap_packets);
		rte_tel_data_add_dict_u64(o, "encap_bytes", s.encap_bytes);
		rte_tel_data_add_dict_u64(o, "decap_packets", s.decap_packets);
		rte_tel_data_add_dict_u64(o, "decap_bytes", s.decap_bytes);
		rte_tel_data_add_dict_container(tunnels, tgw.tunnels[t].name, o, 0);
	}
	for (unsigned int r = 0; r < TGW_DROP_MAX; r++) {
		uint64_t v = tgw_stats_drop(r);

		if (v)
			rte_tel_data_add_dict_u64(drops, tgw_drop_names[r], v);
	}
	rte_tel_data_add_dict_container(d, "ports", ports, 0);
	rte_tel_data_add_dict_container(d, "tunnels", tunnels, 0);
	rte_tel_data_add_dict_container(d, "sas", sas, 0);
	rte_tel_data_add_dict_container(d, "drops", drops, 0);
	return 0;
}

static int
tel_routes(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char a[64], k[80];

	rte_tel_data_start_dict(d);
	for (unsigned int i = 0; i < tgw.n_routes && i < RTE_TEL_MAX_DICT_ENTRIES; i++) {
		const struct tgw_route *r = &tgw.routes[i];
		struct rte_tel_data *o = rte_tel_data_alloc();

		rte_tel_data_start_dict(o);
		snprintf(k, sizeof(k), "%s/%u", tgw_ip_str(&r->dst.ip, a, sizeof(a)), r->dst.len);
		if (r->via.family)
			rte_tel_data_add_dict_string(o, "via", tgw_ip_str(&r->via, a, sizeof(a)));
		rte_tel_data_add_dict_string(o, "dev", r->port >= 0 ? tgw.ports[r->port].name
								    : tgw.tunnels[r->tunnel].name);
		rte_tel_data_add_dict_container(d, k, o, 0);
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
	rte_telemetry_register_cmd("/tungw/stats", tel_stats, "Counters (SPEC §5). No parameters");
	rte_telemetry_register_cmd("/tungw/routes", tel_routes, "Static routes. No parameters");
	rte_telemetry_register_cmd("/tungw/sas", tel_sas, "IPsec SAs. No parameters");
}
