/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * "fou" receive ports (`ip fou add port P ipproto N | gue [-6]`), the "encap" of
 * ipip, sit and gre tunnels (`encap fou|gue encap-sport auto|N encap-dport P
 * [encap-csum]`), and the UDP receive-port table they share with geneve and vxlan.
 */
#include <stdio.h>
#include <string.h>

#include "udp.h"

static const char *const kind_names[] = {"", "fou", "gue", "geneve", "vxlan", "espinudp"};

int
tgw_udp_port_add(struct tgw_cfg_ctx *c, const char *path, uint8_t kind, uint8_t family,
		 uint16_t port, uint8_t ipproto)
{
	uint8_t *slot = &tgw.udp_demux[family == 6][port];
	struct tgw_udp_port *u;

	if (*slot) {
		u = &tgw.udp_ports[*slot - 1];
		/* tunnels of one kind share their port (one socket per port in the kernel) */
		if (u->kind == kind && (kind == TGW_UDP_GENEVE || kind == TGW_UDP_VXLAN ||
					kind == TGW_UDP_ESPINUDP))
			return *slot - 1;
		return tgw_cfg_err(c, path, NULL,
				   "UDP port %u (IPv%u) is already taken by %s%s (as the kernel: "
				   "Address already in use)",
				   port, family, kind_names[u->kind],
				   u->kind == TGW_UDP_FOU ? " receive" : "");
	}
	if (tgw.n_udp_ports >= RTE_DIM(tgw.udp_ports))
		return tgw_cfg_err(c, path, NULL, "more than %zu UDP receive ports",
				   RTE_DIM(tgw.udp_ports));
	u = &tgw.udp_ports[tgw.n_udp_ports];
	u->kind = kind;
	u->family = family;
	u->port = port;
	u->ipproto = ipproto;
	*slot = ++tgw.n_udp_ports;
	return *slot - 1;
}

static int
fou_parse_one(struct tgw_cfg_ctx *c, json_t *obj, const char *path)
{
	static const char *const keys[] = {"port", "ipproto", "gue", "family", NULL};
	static const char *const families[] = {"ipv4", "ipv6", NULL};
	int64_t port, proto = 0;
	bool gue = false;
	int fam = 0, rc;
	char p[128];

	if (!json_is_object(obj))
		return tgw_cfg_err(c, path, obj, "is not an object");
	if (tgw_cfg_keys(c, obj, path, keys, NULL) < 0)
		return -1;
	rc = tgw_cfg_int(c, obj, path, "port", 1, 65535, &port);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return tgw_cfg_err(c, path, NULL, "fou entry needs \"port\"");
	if (tgw_cfg_bool(c, obj, path, "gue", &gue) < 0 ||
	    tgw_cfg_enum(c, obj, path, "family", families, &fam) < 0)
		return -1;
	rc = tgw_cfg_int(c, obj, path, "ipproto", 0, 255, &proto);
	if (rc < 0)
		return -1;
	snprintf(p, sizeof(p), "%s.ipproto", path);
	if (gue && rc == 1)
		return tgw_cfg_err(c, p, json_object_get(obj, "ipproto"),
				   "a gue port takes the protocol from the GUE header (as ip fou: "
				   "\"gue\" or \"ipproto\", not both)");
	if (!gue && rc == 0)
		return tgw_cfg_err(c, path, NULL, "fou entry needs \"ipproto\" or \"gue\"");
	if (!gue && proto != IPPROTO_IPIP && proto != IPPROTO_IPV6 && proto != IPPROTO_GRE)
		return tgw_cfg_err(c, p, json_object_get(obj, "ipproto"),
				   "no tunnel type receives IP protocol %" PRId64
				   " (4 ipip, 41 sit/ip6tnl, 47 gre)",
				   proto);
	snprintf(p, sizeof(p), "%s.port", path);
	return tgw_udp_port_add(c, p, gue ? TGW_UDP_GUE : TGW_UDP_FOU, fam ? 6 : 4, port,
				proto) < 0
		       ? -1
		       : 0;
}

int
tgw_fou_parse(struct tgw_cfg_ctx *c, json_t *arr)
{
	json_t *v;
	size_t i;

	json_array_foreach(arr, i, v) {
		char p[64];

		snprintf(p, sizeof(p), "fou[%zu]", i);
		if (fou_parse_one(c, v, p) < 0)
			return -1;
	}
	return 0;
}

/* "encap": {"type": "fou"|"gue", "sport": "auto"|N, "dport": N, "csum": bool} */
int
tgw_tnl_parse_encap(struct tgw_cfg_ctx *c, json_t *obj, const char *path, struct tgw_tunnel *t)
{
	static const char *const keys[] = {"type", "sport", "dport", "csum", "remcsum", NULL};
	static const char *const types[] = {"fou", "gue", NULL};
	json_t *e = json_object_get(obj, "encap");
	bool remcsum = false;
	int64_t x;
	char p[256];
	int type, rc;

	if (e == NULL)
		return 0;
	snprintf(p, sizeof(p), "%s.encap", path);
	if (!json_is_object(e))
		return tgw_cfg_err(c, p, e, "is not an object");
	if (t->ops->outer != 4 || (t->inner & TGW_INNER_ETH))
		return tgw_cfg_err(c, p, NULL, "tunnel \"%s\": FOU/GUE encapsulation applies to "
				   "ipip, sit and gre", t->name);
	if (tgw_cfg_keys(c, e, p, keys, NULL) < 0)
		return -1;
	if (!json_object_get(e, "type"))
		return tgw_cfg_err(c, p, NULL, "tunnel \"%s\": encap needs \"type\"", t->name);
	if (tgw_cfg_enum(c, e, p, "type", types, &type) < 0)
		return -1;
	t->encap = type == 0 ? TGW_ENCAP_FOU : TGW_ENCAP_GUE;
	rc = tgw_cfg_int(c, e, p, "dport", 1, 65535, &x);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return tgw_cfg_err(c, p, NULL, "tunnel \"%s\": encap needs \"dport\"", t->name);
	t->dport = x;
	x = 0;
	if (tgw_cfg_int_or(c, e, p, "sport", 1, 65535, "auto", 0, &x) < 0)
		return -1;
	t->sport = x;
	t->udp_csum = false;
	if (tgw_cfg_bool(c, e, p, "csum", &t->udp_csum) < 0 ||
	    tgw_cfg_bool(c, e, p, "remcsum", &remcsum) < 0)
		return -1;
	if (remcsum) {
		snprintf(p, sizeof(p), "%s.encap.remcsum", path);
		return tgw_cfg_err(c, p, json_object_get(e, "remcsum"),
				   "tunnel \"%s\": remote checksum offload is not supported",
				   t->name);
	}
	return 0;
}

uint16_t
tgw_udp_encap_len(const struct tgw_tunnel *t)
{
	if (t->encap == TGW_ENCAP_NONE)
		return 0;
	return sizeof(struct rte_udp_hdr) +
	       (t->encap == TGW_ENCAP_GUE ? sizeof(struct tgw_gue_hdr) : 0);
}

uint16_t
tgw_udp_encap_build(struct tgw_tunnel *t, uint8_t off, uint8_t proto)
{
	struct rte_udp_hdr u = {.src_port = rte_cpu_to_be_16(t->sport),
				.dst_port = rte_cpu_to_be_16(t->dport)};

	if (t->encap == TGW_ENCAP_NONE) {
		t->udp_off = 0;
		return 0;
	}
	t->udp_off = off;
	memcpy(t->hdr + off, &u, sizeof(u));
	if (t->encap == TGW_ENCAP_GUE) {
		struct tgw_gue_hdr g = {.vch = 0, .proto = proto, .flags = 0};

		memcpy(t->hdr + off + sizeof(u), &g, sizeof(g));
	}
	return tgw_udp_encap_len(t);
}
