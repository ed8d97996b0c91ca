/* SPDX-License-Identifier: BSD-3-Clause */
/* Tunnel core, control path: type registry, common keys, MTU, templates, endpoint table. */
#include "tnl.h"

#include <stdlib.h>
#include <string.h>

#include <rte_hash_crc.h>
#include <rte_ip.h>

struct tgw_tnl_ops *tgw_tnl_types[TGW_TNL_MAX_TYPES];
unsigned int tgw_tnl_n_types;
struct tgw_tnl_table tgw_tnl_table;
struct tgw_tnl_rt *tgw_tnl_rt;

void
tgw_tnl_register(struct tgw_tnl_ops *ops)
{
	RTE_VERIFY(tgw_tnl_n_types < TGW_TNL_MAX_TYPES);
	ops->type_id = tgw_tnl_n_types;
	tgw_tnl_types[tgw_tnl_n_types++] = ops;
}

const struct tgw_tnl_ops *
tgw_tnl_ops_find(const char *type)
{
	for (unsigned int i = 0; i < tgw_tnl_n_types; i++)
		if (!tgw_tnl_types[i]->internal && strcmp(tgw_tnl_types[i]->type, type) == 0)
			return tgw_tnl_types[i];
	return NULL;
}

/* Types of SPEC §2 that later issues add. */
static const char *const later_types[] = {NULL};

static const char *const common_keys[] = {"name", "type", "local", "remote", "ttl", "hoplimit",
					  "tos", "pmtudisc", "addresses", "mtu", "dev", NULL};

int
tgw_tnl_parse(struct tgw_cfg_ctx *c, json_t *obj, const char *path, struct tgw_tunnel *t)
{
	const struct tgw_tnl_ops *ops;
	const char *type;
	char p[256];
	int64_t x;
	int rc;

	rc = tgw_cfg_str(c, obj, path, "type", &type);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return tgw_cfg_err(c, path, NULL, "tunnel \"%s\" needs \"type\"", t->name);
	snprintf(p, sizeof(p), "%s.type", path);
	ops = tgw_tnl_ops_find(type);
	if (ops == NULL) {
		for (int i = 0; later_types[i]; i++)
			if (strcmp(type, later_types[i]) == 0)
				return tgw_cfg_err(c, p, json_object_get(obj, "type"),
						   "tunnel \"%s\": type %s is not supported yet",
						   t->name, type);
		return tgw_cfg_err(c, p, json_object_get(obj, "type"),
				   "tunnel \"%s\": unknown tunnel type", t->name);
	}
	t->ops = ops;
	if (tgw_cfg_keys(c, obj, path, common_keys, ops->keys) < 0)
		return -1;

	if (tgw_cfg_ip(c, obj, path, "local", true, &t->local) < 0 ||
	    tgw_cfg_ip(c, obj, path, "remote", true, &t->remote) < 0)
		return -1;
	/* geneve and vxlan (outer 0) take the family of their addresses */
	t->outer = ops->outer ? ops->outer
		   : t->remote.family ? t->remote.family
		   : t->local.family  ? t->local.family
				      : 4;
	snprintf(p, sizeof(p), "%s.local", path);
	if (t->local.family && t->local.family != t->outer)
		return tgw_cfg_err(c, p, json_object_get(obj, "local"),
				   ops->outer ? "is not an IPv%u address (%s tunnels have an IPv%u "
						"outer header)"
					      : "is not an IPv%u address (the %s tunnel's remote is "
						"IPv%u)",
				   t->outer, ops->type, t->outer);
	snprintf(p, sizeof(p), "%s.remote", path);
	if (t->remote.family && t->remote.family != t->outer)
		return tgw_cfg_err(c, p, json_object_get(obj, "remote"),
				   "is not an IPv%u address (%s tunnels have an IPv%u outer header)",
				   t->outer, ops->type, t->outer);

	t->ttl = ops->default_ttl;
	if (t->outer == 6 && json_object_get(obj, "ttl") && json_object_get(obj, "hoplimit"))
		return tgw_cfg_err(c, path, NULL, "give \"ttl\" or \"hoplimit\", not both");
	if (t->outer == 4 && json_object_get(obj, "hoplimit")) {
		snprintf(p, sizeof(p), "%s.hoplimit", path);
		return tgw_cfg_err(c, p, NULL, "applies to IPv6-outer tunnels; use \"ttl\"");
	}
	rc = tgw_cfg_int_or(c, obj, path, json_object_get(obj, "hoplimit") ? "hoplimit" : "ttl",
			    0, 255, "inherit", 0, &x);
	if (rc < 0)
		return -1;
	if (rc == 1)
		t->ttl = x;
	t->tos = 0;
	rc = tgw_cfg_int_or(c, obj, path, "tos", 0, 255, "inherit", -1, &x);
	if (rc < 0)
		return -1;
	if (rc == 1)
		t->tos = x;
	t->pmtudisc = ops->has_pmtudisc && !ops->pmtudisc_off;
	if ((!ops->has_pmtudisc || t->outer == 6) && json_object_get(obj, "pmtudisc")) {
		snprintf(p, sizeof(p), "%s.pmtudisc", path);
		return tgw_cfg_err(c, p, NULL, "applies to IPv4-outer tunnels");
	}
	if (tgw_cfg_bool(c, obj, path, "pmtudisc", &t->pmtudisc) < 0)
		return -1;
	/* As the kernel: a fixed TTL needs path MTU discovery (ip_tunnel_newlink). */
	if (ops->has_pmtudisc && !ops->pmtudisc_off && !t->pmtudisc && t->ttl != 0) {
		snprintf(p, sizeof(p), "%s.pmtudisc", path);
		return tgw_cfg_err(c, p, json_object_get(obj, "pmtudisc"),
				   "is incompatible with a fixed ttl (use \"ttl\": \"inherit\")");
	}
	if (json_object_get(obj, "addresses")) {
		json_t *arr = json_object_get(obj, "addresses"), *v;
		size_t i;

		snprintf(p, sizeof(p), "%s.addresses", path);
		if (!json_is_array(arr))
			return tgw_cfg_err(c, p, arr, "is not an array");
		if (json_array_size(arr) > TGW_MAX_ADDRS)
			return tgw_cfg_err(c, p, NULL, "more than %d addresses", TGW_MAX_ADDRS);
		json_array_foreach(arr, i, v) {
			char q[280];

			snprintf(q, sizeof(q), "%s[%zu]", p, i);
			if (!json_is_string(v) ||
			    tgw_prefix_parse(json_string_value(v), &t->addrs[i]) < 0)
				return tgw_cfg_err(c, q, v, "is not an address/prefix-length");
		}
		t->n_addrs = i;
	}
	t->mtu = 0;
	rc = tgw_cfg_int(c, obj, path, "mtu", 68, 65535, &x);
	if (rc < 0)
		return -1;
	if (rc == 1)
		t->mtu = x;
	t->dev = -1;
	if (json_object_get(obj, "dev")) {
		const char *d;

		snprintf(p, sizeof(p), "%s.dev", path);
		if (tgw_cfg_str(c, obj, path, "dev", &d) < 0)
			return -1;
		t->dev = tgw_port_find(d);
		if (t->dev < 0)
			return tgw_cfg_err(c, p, json_object_get(obj, "dev"), "no such port");
	}
	t->encaplimit = TGW_ENCAPLIMIT_NONE;
	t->flowlabel = 0;
	t->nh = TGW_NH_NONE;
	t->xfrm_sa = -1;
	t->out_sa[0] = t->out_sa[1] = -1;
	t->xfrm_tsa = -1;
	t->bridge = -1;
	return ops->parse(c, obj, path, t);
}

/* An L2 tunnel is a bridge port: no addresses, as SPEC §2 bridges. */
int
tgw_tnl_l2_no_addrs(struct tgw_cfg_ctx *c, json_t *obj, const char *path, const struct tgw_tunnel *t)
{
	char p[256];

	snprintf(p, sizeof(p), "%s.addresses", path);
	if (t->n_addrs)
		return tgw_cfg_err(c, p, json_object_get(obj, "addresses"),
				   "tunnel \"%s\" (%s) carries Ethernet: it joins a bridge and "
				   "has no addresses", t->name, t->ops->type);
	return 0;
}

/* Underlay port: the dev, else the port that reaches the remote (longest match), or -1. */
static int
underlay_port(const struct tgw_tunnel *t)
{
	int best_len = -1, best = -1;

	if (t->dev >= 0)
		return t->dev;
	if (t->remote.family) {
		for (unsigned int p = 0; p < tgw.n_ports; p++)
			for (unsigned int a = 0; a < tgw.ports[p].n_addrs; a++)
				if (tgw_prefix_contains(&tgw.ports[p].addrs[a], &t->remote) &&
				    tgw.ports[p].addrs[a].len > best_len) {
					best_len = tgw.ports[p].addrs[a].len;
					best = p;
				}
		for (unsigned int r = 0; r < tgw.n_routes; r++)
			if (tgw.routes[r].port >= 0 &&
			    tgw_prefix_contains(&tgw.routes[r].dst, &t->remote) &&
			    tgw.routes[r].dst.len > best_len) {
				best_len = tgw.routes[r].dst.len;
				best = tgw.routes[r].port;
			}
	}
	return best;
}

uint16_t
tgw_tnl_underlay_mtu(const struct tgw_tunnel *t)
{
	int p = underlay_port(t);

	return p >= 0 ? tgw.ports[p].mtu : 1500;
}

struct tgw_ip
tgw_tnl_source(const struct tgw_tunnel *t)
{
	struct tgw_ip ip = t->local;
	int p;

	if (ip.family)
		return ip;
	p = underlay_port(t);
	if (p < 0)
		p = 0;
	if (t->outer == 4) {
		ip.family = 4;
		tgw_if_addr4(p, &ip.v4);
	} else {
		ip.family = 6;
		tgw_if_addr6(p, ip.v6);
	}
	return ip;
}

static void
key_fill(struct tgw_tnl_key *k, uint8_t family, uint8_t proto, uint16_t sub, uint32_t key,
	 const void *local, const void *remote)
{
	size_t alen = family == 4 ? 4 : 16;

	memset(k, 0, sizeof(*k));
	k->family = family;
	k->proto = proto;
	k->sub = sub;
	k->key = (sub & 1) ? key : 0;
	if (local)
		memcpy(k->local, local, alen);
	if (remote)
		memcpy(k->remote, remote, alen);
}

static struct tgw_tnl_slot *
table_find(struct tgw_tnl_table *tb, const struct tgw_tnl_key *k)
{
	uint32_t h = rte_hash_crc(k, sizeof(*k), 0);

	for (uint32_t i = 0; i <= tb->mask; i++) {
		struct tgw_tnl_slot *s = &tb->slots[(h + i) & tb->mask];

		if (!s->used || memcmp(&s->k, k, sizeof(*k)) == 0)
			return s;
	}
	return NULL;
}

/* The endpoint-table key of tunnel t for IP protocol proto. */
static void
tunnel_key(const struct tgw_tunnel *t, uint8_t proto, struct tgw_tnl_key *k, bool *remote)
{
	uint16_t sub = TGW_TNL_SUB(t->ops->lookup_cls, t->iflags & TGW_TF_KEY);

	/* vxlan takes its VNI from any sender (vxlan_vs_find_vni) */
	*remote = t->remote.family && !t->ops->rx_any_remote;
	if (t->outer == 6)
		key_fill(k, 6, proto, sub, t->ikey, t->local.family ? t->local.v6 : NULL,
			 *remote ? t->remote.v6 : NULL);
	else
		key_fill(k, t->outer, proto, sub, t->ikey,
			 t->local.family ? (const void *)&t->local.v4 : NULL,
			 *remote ? (const void *)&t->remote.v4 : NULL);
}

static void
slot_take(struct tgw_tnl_table *tb, struct tgw_tnl_slot *s, const struct tgw_tnl_key *k,
	  const struct tgw_tunnel *t, bool remote)
{
	s->k = *k;
	s->tunnel = t->id;
	s->used = 1;
	tb->n++;
	if (!t->local.family && !remote)
		tb->has_wild_both[k->proto] = 1;
	else if (!t->local.family)
		tb->has_wild_local[k->proto] = 1;
	else if (!remote)
		tb->has_wild_remote[k->proto] = 1;
}

int
tgw_tnl_table_add(const struct tgw_tunnel *t, uint8_t proto, struct tgw_cfg_ctx *c)
{
	struct tgw_tnl_table *tb = &tgw_tnl_table;
	struct tgw_tnl_key k;
	struct tgw_tnl_slot *s;
	bool remote;

	tunnel_key(t, proto, &k, &remote);
	s = table_find(tb, &k);
	if (s == NULL || s->used) {
		char path[64], a[64];
		json_t *v;
		int rc;

		snprintf(path, sizeof(path), "tunnels[%u].remote", t->id);
		v = json_string(tgw_ip_str(&t->remote, a, sizeof(a)));
		if (s == NULL)
			rc = tgw_cfg_err(c, path, v, "tunnel table full");
		else
			rc = tgw_cfg_err(c, path, v,
					 "tunnel \"%s\" receives the same packets as \"%s\" "
					 "(same local, remote, key and protocol %u)",
					 t->name, tgw.tunnels[s->tunnel].name, proto);
		json_decref(v);
		return rc;
	}
	slot_take(tb, s, &k, t, remote);
	return 0;
}

/*
 * The kernel's ip6_tnl_lookup (ipxip6_rcv) and sit's ipip6_tunnel_lookup find a tunnel
 * by its endpoints whatever its mode, then drop what the mode refuses: an ip6tnl or sit
 * tunnel that carries only one of IPv4 / IPv6 also holds its endpoints for the other
 * protocol, where tgw_tnl_decap_ip drops (`tnl_mode`), so a less specific tunnel of
 * that mode does not take the packet. Not where a tunnel of that protocol has the very
 * same endpoints; and sit holds protocol 4 only if no ipip tunnel exists, since the
 * kernel's ipip module sees IPv4-in-IPv4 before sit does.
 */
static void
table_add_mode_holds(void)
{
	struct tgw_tnl_table *tb = &tgw_tnl_table;
	bool have_ipip = false;

	for (unsigned int i = 0; i < tgw.n_tunnels; i++)
		have_ipip |= strcmp(tgw.tunnels[i].ops->type, "ipip") == 0;
	for (unsigned int i = 0; i < tgw.n_tunnels; i++) {
		const struct tgw_tunnel *t = &tgw.tunnels[i];
		bool sit = strcmp(t->ops->type, "sit") == 0, remote;
		uint8_t proto;
		struct tgw_tnl_key k;
		struct tgw_tnl_slot *s;

		if (!sit && strcmp(t->ops->type, "ip6tnl") != 0)
			continue;
		if ((t->inner & (TGW_INNER_IP4 | TGW_INNER_IP6)) == TGW_INNER_IP6)
			proto = IPPROTO_IPIP;
		else if ((t->inner & (TGW_INNER_IP4 | TGW_INNER_IP6)) == TGW_INNER_IP4)
			proto = IPPROTO_IPV6;
		else
			continue;
		if (sit && proto == IPPROTO_IPIP && have_ipip)
			continue;
		tunnel_key(t, proto, &k, &remote);
		s = table_find(tb, &k);
		if (s != NULL && !s->used)
			slot_take(tb, s, &k, t, remote);
	}
}

int
tgw_tnl_finalize(struct tgw_cfg_ctx *c)
{
	struct tgw_tnl_table *tb = &tgw_tnl_table;
	uint32_t cap = 64;

	free(tb->slots);
	memset(tb, 0, sizeof(*tb));
	while (cap < 4u * tgw.n_tunnels)
		cap <<= 1;
	tb->slots = calloc(cap, sizeof(*tb->slots));
	if (tb->slots == NULL) {
		return tgw_cfg_err(c, "tunnels", NULL, "out of memory");
	}
	tb->mask = cap - 1;
	if (tgw_tnl_rt == NULL) {
		tgw_tnl_rt = aligned_alloc(RTE_CACHE_LINE_SIZE, TGW_MAX_TUNNELS * sizeof(*tgw_tnl_rt));
		if (tgw_tnl_rt == NULL)
			return tgw_cfg_err(c, "tunnels", NULL, "out of memory");
	}
	memset(tgw_tnl_rt, 0, TGW_MAX_TUNNELS * sizeof(*tgw_tnl_rt));
	for (unsigned int i = 0; i < tgw.n_tunnels; i++) {
		struct tgw_tunnel *t = &tgw.tunnels[i];
		uint16_t ovh = t->ops->overhead(t);
		uint8_t protos[4];
		int n;

		/* an L2 tunnel's MTU is that of the frames' payload, as a gretap device's
		 * (ip_tunnel_bind_dev takes off the Ethernet header too) */
		if (t->mtu == 0)
			t->mtu = tgw_tnl_underlay_mtu(t) - ovh -
				 ((t->inner & TGW_INNER_ETH) ? RTE_ETHER_HDR_LEN : 0);
		t->ver_ok = 0;
		if (t->remote.family) {
			if (t->inner & TGW_INNER_IP4)
				t->ver_ok |= 1 << 4;
			if (t->inner & TGW_INNER_IP6)
				t->ver_ok |= 1 << 6;
		}
		t->ops->build(t);
		n = t->ops->protos(t, protos);
		for (int j = 0; j < n; j++)
			if (tgw_tnl_table_add(t, protos[j], c) < 0)
				return -1;
	}
	table_add_mode_holds();
	return 0;
}

void
tgw_tnl_rebuild(void)
{
	for (unsigned int i = 0; i < tgw.n_tunnels + tgw.n_carriers; i++)
		tgw.tunnels[i].ops->build(&tgw.tunnels[i]);
}

/* Used by the fast path (tnl_inline.h). */
int
tgw_tnl_lookup_slow(uint8_t family, uint8_t proto, uint16_t sub, uint32_t key, const void *dst,
		    const void *src)
{
	struct tgw_tnl_table *tb = &tgw_tnl_table;
	struct tgw_tnl_key k;
	struct tgw_tnl_slot *s;

	if (tb->slots == NULL)
		return -1;
	/* The kernel's order: exact first; then remote only before local only for IPv4
	 * (ip_tunnel_lookup) and ip6gre (ip6gre_tunnel_lookup), local only before remote
	 * only for ip6tnl (ip6_tnl_lookup); the wildcard last. */
	key_fill(&k, family, proto, sub, key, dst, src);
	s = table_find(tb, &k);
	if (s && s->used)
		return s->tunnel;
	for (int pass = 0; pass < 2; pass++) {
		/* ip6_gre keeps the IPv4 order (ip6gre_tunnel_lookup); only ip6_tunnel differs */
		bool remote_only = (pass == 0) == (family == 4 || proto == IPPROTO_GRE);

		if (remote_only && tb->has_wild_local[proto])
			key_fill(&k, family, proto, sub, key, NULL, src);
		else if (!remote_only && tb->has_wild_remote[proto])
			key_fill(&k, family, proto, sub, key, dst, NULL);
		else
			continue;
		s = table_find(tb, &k);
		if (s && s->used)
			return s->tunnel;
	}
	if (tb->has_wild_both[proto]) {
		key_fill(&k, family, proto, sub, key, NULL, NULL);
		s = table_find(tb, &k);
		if (s && s->used)
			return s->tunnel;
	}
	return -1;
}
