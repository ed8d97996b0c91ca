/* SPDX-License-Identifier: BSD-3-Clause */
/* Bridges and mirrors, control path: configuration, MAC table ageing, summary. */
#include "l2.h"

#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ether.h>

#include "tnl.h"

struct tgw_bridge tgw_bridges[TGW_MAX_BRIDGES];
uint16_t tgw_n_bridges;
struct tgw_mirror tgw_mirrors[TGW_MAX_PORTS * 2];
uint16_t tgw_n_mirrors;
int8_t tgw_l2_bridge_of[TGW_MAX_PORTS + TGW_MAX_TUNNELS];
uint8_t tgw_l2_member_of[TGW_MAX_PORTS + TGW_MAX_TUNNELS];
volatile uint32_t tgw_l2_now;

static uint64_t
mac64(const struct rte_ether_addr *a)
{
	uint64_t m = 0;

	memcpy(&m, a, RTE_ETHER_ADDR_LEN);
	return m;
}

/* A member name: a port without addresses, or an L2 tunnel. Returns its interface index. */
static int
member_find(struct tgw_cfg_ctx *c, const char *path, json_t *v, bool for_bridge)
{
	const char *s = json_string_value(v);
	int i;

	if (!json_is_string(v))
		return tgw_cfg_err(c, path, v, "is not a port or tunnel name");
	i = tgw_port_find(s);
	if (i >= 0) {
		if (for_bridge && tgw.ports[i].n_addrs)
			return tgw_cfg_err(c, path, v, "port \"%s\" has addresses: a bridge member "
					   "is purely L2", s);
		return i;
	}
	i = tgw_tunnel_find(s);
	if (i < 0)
		return tgw_cfg_err(c, path, v, "no such port or tunnel");
	if (!(tgw.tunnels[i].inner & TGW_INNER_ETH))
		return tgw_cfg_err(c, path, v, "tunnel \"%s\" (%s) does not carry Ethernet", s,
				   tgw.tunnels[i].ops->type);
	return TGW_IF_TUNNEL(i);
}

static int
parse_fdb(struct tgw_cfg_ctx *c, json_t *arr, const char *path, struct tgw_bridge *br,
	  unsigned int b)
{
	static const char *const keys[] = {"lladdr", "dev", NULL};
	json_t *v;
	size_t i;

	if (!json_is_array(arr))
		return tgw_cfg_err(c, path, arr, "is not an array");
	json_array_foreach(arr, i, v) {
		struct rte_ether_addr a;
		struct tgw_fdb_bucket *bk;
		const char *s;
		char p[300], q[340];
		int rc, m;
		unsigned int w;

		snprintf(p, sizeof(p), "%s[%zu]", path, i);
		if (!json_is_object(v))
			return tgw_cfg_err(c, p, v, "is not an object");
		if (tgw_cfg_keys(c, v, p, keys, NULL) < 0)
			return -1;
		rc = tgw_cfg_str(c, v, p, "lladdr", &s);
		if (rc < 0)
			return -1;
		snprintf(q, sizeof(q), "%s.lladdr", p);
		if (rc == 0)
			return tgw_cfg_err(c, p, NULL, "fdb entry needs \"lladdr\"");
		if (strlen(s) != 17 || rte_ether_unformat_addr(s, &a) < 0 ||
		    !rte_is_unicast_ether_addr(&a) || rte_is_zero_ether_addr(&a))
			return tgw_cfg_err(c, q, json_object_get(v, "lladdr"),
					   "is not a unicast MAC address");
		snprintf(q, sizeof(q), "%s.dev", p);
		if (json_object_get(v, "dev") == NULL)
			return tgw_cfg_err(c, p, NULL, "fdb entry needs \"dev\"");
		m = member_find(c, q, json_object_get(v, "dev"), true);
		if (m < 0)
			return -1;
		if (tgw_l2_bridge_of[m] != (int)b)
			return tgw_cfg_err(c, q, json_object_get(v, "dev"),
					   "is not a member of bridge \"%s\"", br->name);
		bk = tgw_fdb_bucket(br, mac64(&a));
		for (w = 0; w < TGW_FDB_WAYS && bk->w[w]; w++)
			if (((bk->w[w] ^ mac64(&a)) & TGW_FDB_MAC_MASK) == 0)
				return tgw_cfg_err(c, q, json_object_get(v, "lladdr"),
						   "is already in the table");
		if (w == TGW_FDB_WAYS)
			return tgw_cfg_err(c, q, json_object_get(v, "lladdr"), "hash bucket full");
		bk->w[w] = mac64(&a) | (uint64_t)(tgw_l2_member_of[m] + 1) << 48 | TGW_FDB_STATIC;
	}
	return 0;
}

static int
parse_bridge(struct tgw_cfg_ctx *c, json_t *obj, const char *path, unsigned int b)
{
	static const char *const keys[] = {"name", "members", "ageing", "fdb", NULL};
	struct tgw_bridge *br = &tgw_bridges[b];
	json_t *mem, *v;
	const char *s;
	char p[256];
	int64_t x;
	size_t i;
	int rc;

	if (!json_is_object(obj))
		return tgw_cfg_err(c, path, obj, "is not an object");
	if (tgw_cfg_keys(c, obj, path, keys, NULL) < 0)
		return -1;
	rc = tgw_cfg_str(c, obj, path, "name", &s);
	if (rc < 0)
		return -1;
	snprintf(p, sizeof(p), "%s.name", path);
	if (rc == 0)
		return tgw_cfg_err(c, path, NULL, "bridge needs \"name\"");
	if (*s == 0 || strlen(s) >= TGW_NAME_LEN)
		return tgw_cfg_err(c, p, json_object_get(obj, "name"), "is empty or too long");
	if (tgw_port_find(s) >= 0 || tgw_tunnel_find(s) >= 0)
		return tgw_cfg_err(c, p, json_object_get(obj, "name"),
				   "is already the name of a port or tunnel");
	for (unsigned int j = 0; j < b; j++)
		if (strcmp(tgw_bridges[j].name, s) == 0)
			return tgw_cfg_err(c, p, json_object_get(obj, "name"),
					   "duplicates bridges[%u]", j);
	snprintf(br->name, sizeof(br->name), "%s", s);
	br->ageing = 300; /* the kernel's default ageing_time */
	rc = tgw_cfg_int(c, obj, path, "ageing", 1, 1000000, &x);
	if (rc < 0)
		return -1;
	if (rc == 1)
		br->ageing = x;
	mem = json_object_get(obj, "members");
	snprintf(p, sizeof(p), "%s.members", path);
	if (mem == NULL)
		return tgw_cfg_err(c, path, NULL, "bridge \"%s\" needs \"members\"", br->name);
	if (!json_is_array(mem))
		return tgw_cfg_err(c, p, mem, "is not an array");
	if (json_array_size(mem) > TGW_BR_MAX_MEMBERS)
		return tgw_cfg_err(c, p, NULL, "more than %d members", TGW_BR_MAX_MEMBERS);
	json_array_foreach(mem, i, v) {
		char q[280];
		int m;

		snprintf(q, sizeof(q), "%s[%zu]", p, i);
		m = member_find(c, q, v, true);
		if (m < 0)
			return -1;
		if (tgw_l2_bridge_of[m] >= 0)
			return tgw_cfg_err(c, q, v, "is already a member of bridge \"%s\"",
					   tgw_bridges[tgw_l2_bridge_of[m]].name);
		tgw_l2_bridge_of[m] = b;
		tgw_l2_member_of[m] = i;
		br->members[i] = m;
		if (m < TGW_MAX_PORTS)
			tgw.ports[m].bridge = b;
		else
			tgw.tunnels[m - TGW_MAX_PORTS].bridge = b;
	}
	br->n_members = i;
	br->fdb = aligned_alloc(RTE_CACHE_LINE_SIZE, TGW_FDB_BUCKETS * sizeof(*br->fdb));
	br->seen = calloc(TGW_FDB_BUCKETS * TGW_FDB_WAYS, sizeof(*br->seen));
	if (br->fdb == NULL || br->seen == NULL)
		return tgw_cfg_err(c, path, NULL, "out of memory");
	memset(br->fdb, 0, TGW_FDB_BUCKETS * sizeof(*br->fdb));
	if (json_object_get(obj, "fdb")) {
		snprintf(p, sizeof(p), "%s.fdb", path);
		if (parse_fdb(c, json_object_get(obj, "fdb"), p, br, b) < 0)
			return -1;
	}
	return 0;
}

static int
parse_mirror(struct tgw_cfg_ctx *c, json_t *obj, const char *path, struct tgw_mirror *mr)
{
	static const char *const keys[] = {"dev", "direction", "to", NULL};
	static const char *const dirs[] = {"ingress", "egress", "both", NULL};
	char p[256];
	int dir = 0, m;

	if (!json_is_object(obj))
		return tgw_cfg_err(c, path, obj, "is not an object");
	if (tgw_cfg_keys(c, obj, path, keys, NULL) < 0)
		return -1;
	snprintf(p, sizeof(p), "%s.dev", path);
	if (json_object_get(obj, "dev") == NULL)
		return tgw_cfg_err(c, path, NULL, "mirror needs \"dev\"");
	if (!json_is_string(json_object_get(obj, "dev")) ||
	    tgw_port_find(json_string_value(json_object_get(obj, "dev"))) < 0)
		return tgw_cfg_err(c, p, json_object_get(obj, "dev"), "no such port");
	mr->port = tgw_port_find(json_string_value(json_object_get(obj, "dev")));
	if (json_object_get(obj, "direction") == NULL)
		return tgw_cfg_err(c, path, NULL, "mirror needs \"direction\"");
	if (tgw_cfg_enum(c, obj, path, "direction", dirs, &dir) < 0)
		return -1;
	mr->dir = dir + 1;
	snprintf(p, sizeof(p), "%s.to", path);
	if (json_object_get(obj, "to") == NULL)
		return tgw_cfg_err(c, path, NULL, "mirror needs \"to\"");
	m = member_find(c, p, json_object_get(obj, "to"), false);
	if (m < 0)
		return -1;
	if (m < TGW_MAX_PORTS)
		return tgw_cfg_err(c, p, json_object_get(obj, "to"),
				   "is a port: mirrors go into an ERSPAN (or other L2) tunnel");
	mr->tunnel = m - TGW_MAX_PORTS;
	for (int d = 0; d < 2; d++) {
		if (!(mr->dir & (1 << d)))
			continue;
		snprintf(p, sizeof(p), "%s.direction", path);
		if (tgw.ports[mr->port].mirror[d] >= 0)
			return tgw_cfg_err(c, p, json_object_get(obj, "direction"),
					   "port \"%s\" already has an %s mirror",
					   tgw.ports[mr->port].name, d ? "egress" : "ingress");
		tgw.ports[mr->port].mirror[d] = mr->tunnel;
	}
	return 0;
}

int
tgw_l2_parse(struct tgw_cfg_ctx *c, json_t *bridges, json_t *mirrors)
{
	json_t *v;
	size_t i;

	tgw_l2_free();
	if (bridges && json_array_size(bridges) > TGW_MAX_BRIDGES)
		return tgw_cfg_err(c, "bridges", NULL, "more than %d bridges", TGW_MAX_BRIDGES);
	json_array_foreach(bridges, i, v) {
		char p[64];

		snprintf(p, sizeof(p), "bridges[%zu]", i);
		if (parse_bridge(c, v, p, i) < 0)
			return -1;
		tgw_n_bridges++;
	}
	if (mirrors && json_array_size(mirrors) > RTE_DIM(tgw_mirrors))
		return tgw_cfg_err(c, "mirrors", NULL, "more than %zu mirrors",
				   RTE_DIM(tgw_mirrors));
	json_array_foreach(mirrors, i, v) {
		char p[64];

		snprintf(p, sizeof(p), "mirrors[%zu]", i);
		if (parse_mirror(c, v, p, &tgw_mirrors[i]) < 0)
			return -1;
		tgw_n_mirrors++;
	}
	return 0;
}

void
tgw_l2_free(void)
{
	for (unsigned int b = 0; b < TGW_MAX_BRIDGES; b++) {
		free(tgw_bridges[b].fdb);
		free(tgw_bridges[b].seen);
	}
	memset(tgw_bridges, 0, sizeof(tgw_bridges));
	tgw_n_bridges = 0;
	tgw_n_mirrors = 0;
	memset(tgw_l2_bridge_of, -1, sizeof(tgw_l2_bridge_of));
	for (unsigned int p = 0; p < TGW_MAX_PORTS; p++) {
		tgw.ports[p].bridge = -1;
		tgw.ports[p].mirror[0] = tgw.ports[p].mirror[1] = -1;
	}
}

static const char *
if_name(uint16_t i)
{
	return i < TGW_MAX_PORTS ? tgw.ports[i].name : tgw.tunnels[i - TGW_MAX_PORTS].name;
}

void
tgw_l2_summary(FILE *f)
{
	static const char *const dirs[] = {"", "ingress", "egress", "both"};

	for (unsigned int b = 0; b < tgw_n_bridges; b++) {
		fprintf(f, "bridge %s ageing %u members", tgw_bridges[b].name,
			tgw_bridges[b].ageing);
		for (unsigned int m = 0; m < tgw_bridges[b].n_members; m++)
			fprintf(f, " %s", if_name(tgw_bridges[b].members[m]));
		fprintf(f, "\n");
	}
	for (unsigned int i = 0; i < tgw_n_mirrors; i++)
		fprintf(f, "mirror dev %s %s to %s\n", tgw.ports[tgw_mirrors[i].port].name,
			dirs[tgw_mirrors[i].dir], tgw.tunnels[tgw_mirrors[i].tunnel].name);
}

unsigned int
tgw_l2_age(void)
{
	uint32_t now = tgw_l2_now;
	unsigned int n = 0;

	for (unsigned int b = 0; b < tgw_n_bridges; b++) {
		struct tgw_bridge *br = &tgw_bridges[b];

		for (unsigned int k = 0; k < TGW_FDB_BUCKETS; k++)
			for (unsigned int i = 0; i < TGW_FDB_WAYS; i++) {
				uint64_t w = __atomic_load_n(&br->fdb[k].w[i], __ATOMIC_RELAXED);
				uint32_t seen = br->seen[k * TGW_FDB_WAYS + i];

				if (w == 0 || (w & TGW_FDB_STATIC) || now - seen < br->ageing)
					continue;
				if (__atomic_compare_exchange_n(&br->fdb[k].w[i], &w, 0, false,
								__ATOMIC_RELAXED, __ATOMIC_RELAXED))
					n++;
			}
	}
	return n;
}

void
tgw_l2_poll(void)
{
	static uint64_t tsc0, next;
	uint64_t now = rte_rdtsc(), hz = rte_get_tsc_hz();

	if (tsc0 == 0)
		tsc0 = now;
	if (now < next)
		return;
	next = now + hz / 4;
	tgw_l2_now = (now - tsc0) / hz;
	if (tgw_n_bridges)
		tgw_l2_age();
}
