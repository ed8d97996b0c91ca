/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The JSON tunnel table (SPEC §2). Strict: every key is known, every value is
 * checked, every error names the file, the line and column, the JSON path and
 * the value.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <rte_malloc.h>

#include "ipsec.h"
#include "l2.h"
#include "ports.h"
#include "tnl.h"
#include "udp.h"

struct tgw tgw;

/* ---- addresses ---- */

int
tgw_ip_parse(const char *s, struct tgw_ip *ip)
{
	memset(ip, 0, sizeof(*ip));
	if (inet_pton(AF_INET, s, &ip->v4) == 1) {
		ip->family = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, ip->v6) == 1) {
		ip->family = 6;
		return 0;
	}
	return -1;
}

int
tgw_prefix_parse(const char *s, struct tgw_prefix *p)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	char *end;
	long len;

	if (slash == NULL || (size_t)(slash - s) >= sizeof(buf))
		return -1;
	memcpy(buf, s, slash - s);
	buf[slash - s] = 0;
	if (tgw_ip_parse(buf, &p->ip) < 0)
		return -1;
	if (slash[1] < '0' || slash[1] > '9')
		return -1;
	errno = 0;
	len = strtol(slash + 1, &end, 10);
	if (*end || errno || len < 0 || len > (p->ip.family == 4 ? 32 : 128))
		return -1;
	p->len = len;
	return 0;
}

const char *
tgw_ip_str(const struct tgw_ip *ip, char *buf, size_t len)
{
	if (ip->family == 4)
		inet_ntop(AF_INET, &ip->v4, buf, len);
	else if (ip->family == 6)
		inet_ntop(AF_INET6, ip->v6, buf, len);
	else
		snprintf(buf, len, "any");
	return buf;
}

bool
tgw_ip_eq(const struct tgw_ip *a, const struct tgw_ip *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == 4)
		return a->v4 == b->v4;
	if (a->family == 6)
		return memcmp(a->v6, b->v6, 16) == 0;
	return true;
}

bool
tgw_prefix_contains(const struct tgw_prefix *p, const struct tgw_ip *ip)
{
	const uint8_t *a, *b;
	unsigned int full, rem;

	if (p->ip.family != ip->family)
		return false;
	a = p->ip.family == 4 ? (const uint8_t *)&p->ip.v4 : p->ip.v6;
	b = ip->family == 4 ? (const uint8_t *)&ip->v4 : ip->v6;
	full = p->len / 8;
	rem = p->len % 8;
	if (memcmp(a, b, full) != 0)
		return false;
	if (rem && ((a[full] ^ b[full]) & (0xff << (8 - rem))))
		return false;
	return true;
}

int
tgw_port_find(const char *name)
{
	for (unsigned int i = 0; i < tgw.n_ports; i++)
		if (strcmp(tgw.ports[i].name, name) == 0)
			return i;
	return -1;
}

int
tgw_tunnel_find(const char *name)
{
	for (unsigned int i = 0; i < tgw.n_tunnels; i++)
		if (strcmp(tgw.tunnels[i].name, name) == 0)
			return i;
	return -1;
}

static const struct tgw_prefix *
if_addrs(uint16_t in_if, unsigned int *n)
{
	if (in_if < TGW_MAX_PORTS) {
		if (in_if >= tgw.n_ports)
			return NULL;
		*n = tgw.ports[in_if].n_addrs;
		return tgw.ports[in_if].addrs;
	}
	if (in_if - TGW_MAX_PORTS >= tgw.n_tunnels)
		return NULL;
	*n = tgw.tunnels[in_if - TGW_MAX_PORTS].n_addrs;
	return tgw.tunnels[in_if - TGW_MAX_PORTS].addrs;
}

static bool
if_addr(uint16_t in_if, uint8_t family, struct tgw_ip *out)
{
	const struct tgw_prefix *a;
	unsigned int n = 0;

	a = if_addrs(in_if, &n);
	for (unsigned int i = 0; a && i < n; i++)
		if (a[i].ip.family == family) {
			*out = a[i].ip;
			return true;
		}
	/* Fall back to any address of the gateway (as the kernel's inet_select_addr). */
	for (unsigned int p = 0; p < tgw.n_ports; p++)
		for (unsigned int i = 0; i < tgw.ports[p].n_addrs; i++)
			if (tgw.ports[p].addrs[i].ip.family == family) {
				*out = tgw.ports[p].addrs[i].ip;
				return true;
			}
	for (unsigned int t = 0; t < tgw.n_tunnels; t++)
		for (unsigned int i = 0; i < tgw.tunnels[t].n_addrs; i++)
			if (tgw.tunnels[t].addrs[i].ip.family == family) {
				*out = tgw.tunnels[t].addrs[i].ip;
				return true;
			}
	return false;
}

bool
tgw_if_addr4(uint16_t in_if, rte_be32_t *a)
{
	struct tgw_ip ip;

	if (!if_addr(in_if, 4, &ip))
		return false;
	*a = ip.v4;
	return true;
}

bool
tgw_if_addr6(uint16_t in_if, uint8_t a[16])
{
	struct tgw_ip ip;

	if (!if_addr(in_if, 6, &ip)) {
		if (in_if < tgw.n_ports) {
			memcpy(a, tgw.ports[in_if].ll6, 16);
			return true;
		}
		return false;
	}
	memcpy(a, ip.v6, 16);
	return true;
}

/* ---- error reporting and field readers ---- */

int
tgw_cfg_err(struct tgw_cfg_ctx *c, const char *path, const json_t *val, const char *fmt, ...)
{
	char where[64] = "", value[96] = "", reason[256];
	int line, col;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (c->text && tgw_json_pos(c->text, path, &line, &col) == 0)
		snprintf(where, sizeof(where), ":%d:%d", line, col);
	if (val) {
		char *s = json_dumps(val, JSON_ENCODE_ANY | JSON_COMPACT);

		if (s) {
			if (strlen(s) > 60)
				strcpy(s + 57, "...");
			snprintf(value, sizeof(value), "%s ", s);
			free(s);
		}
	}
	snprintf(c->err, c->errlen, "%s%s: %s: %s%s", c->file, where, path[0] ? path : "(top)",
		 value, reason);
	return -1;
}

static bool
in_list(const char *k, const char *const *list)
{
	for (; list && *list; list++)
		if (strcmp(k, *list) == 0)
			return true;
	return false;
}

int
tgw_cfg_keys(struct tgw_cfg_ctx *c, json_t *obj, const char *path, const char *const *allowed,
	     const char *const *allowed2)
{
	const char *k;
	json_t *v;

	if (!json_is_object(obj))
		return tgw_cfg_err(c, path, obj, "is not an object");
	json_object_foreach(obj, k, v) {
		if (!in_list(k, allowed) && !in_list(k, allowed2)) {
			char p[256];

			snprintf(p, sizeof(p), "%s.%s", path, k);
			return tgw_cfg_err(c, p, NULL, "unknown key \"%s\"", k);
		}
	}
	return 0;
}

static void
join(char *out, size_t len, const char *path, const char *key)
{
	snprintf(out, len, "%s%s%s", path, path[0] ? "." : "", key);
}

static int
parse_int_value(struct tgw_cfg_ctx *c, json_t *v, const char *p, int64_t min, int64_t max,
		int64_t *out)
{
	long long x;

	if (json_is_integer(v)) {
		x = json_integer_value(v);
	} else if (json_is_string(v)) {
		const char *s = json_string_value(v);
		char *end;

		errno = 0;
		if (*s == 0 || *s == '-' || *s == '+' || *s == ' ')
			return tgw_cfg_err(c, p, v, "is not an integer");
		x = strtoll(s, &end, (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ? 16 : 10);
		if (*end || errno)
			return tgw_cfg_err(c, p, v, "is not an integer");
	} else {
		return tgw_cfg_err(c, p, v, "is not an integer");
	}
	if (x < min || x > max)
		return tgw_cfg_err(c, p, v, "is out of range %" PRId64 "..%" PRId64, min, max);
	*out = x;
	return 1;
}

int
tgw_cfg_int(struct tgw_cfg_ctx *c, json_t *obj, const char *path, const char *key, int64_t min,
	    int64_t max, int64_t *out)
{
	json_t *v = json_object_get(obj, key);
	char p[256];

	if (v == NULL)
		return 0;
	join(p, sizeof(p), path, key);
	return parse_int_value(c, v, p, min, max, out);
}

int
tgw_cfg_int_or(struct tgw_cfg_ctx *c, json_t *obj, const char *path, const char *key,
	       int64_t min, int64_t max, const char *word, int64_t word_val, int64_t *out)
{
	json_t *v = json_object_get(obj, key);

	if (v && json_is_string(v) && strcmp(json_string_value(v), word) == 0) {
		*out = word_val;
		return 1;
	}
	return tgw_cfg_int(c, obj, path, key, min, max, out);
}

int
tgw_cfg_str(struct tgw_cfg_ctx *c, json_t *obj, const char *path, const char *key,
	    const char **out)
{
	json_t *v = json_object_get(obj, key);
	char p[256];

	if (v == NULL)
		return 0;
	join(p, sizeof(p), path, key);
	if (!json_is_string(v))
		return tgw_cfg_err(c, p, v, "is not a string");
	*out = json_string_value(v);
	return 1;
}

int
tgw_cfg_bool(struct tgw_cfg_ctx *c, json_t *obj, const char *path, const char *key, bool *out)
{
	json_t *v = json_object_get(obj, key);
	char p[256];

	if (v == NULL)
		return 0;
	join(p, sizeof(p), path, key);
	if (!json_is_boolean(v))
		return tgw_cfg_err(c, p, v, "is not true or false");
	*out = json_is_true(v);
	return 1;
}

int
tgw_cfg_ip(struct tgw_cfg_ctx *c, json_t *obj, const char *path, const char *key, bool any_ok,
	   struct tgw_ip *out)
{
	const char *s;
	char p[256];
	int rc = tgw_cfg_str(c, obj, path, key, &s);

	if (rc <= 0)
		return rc;
	if (any_ok && strcmp(s, "any") == 0) {
		memset(out, 0, sizeof(*out));
		return 1;
	}
	join(p, sizeof(p), path, key);
	if (tgw_ip_parse(s, out) < 0)
		return tgw_cfg_err(c, p, json_object_get(obj, key),
				   "is not an IPv4 or IPv6 address");
	return 1;
}

int
tgw_cfg_enum(struct tgw_cfg_ctx *c, json_t *obj, const char *path, const char *key,
	     const char *const *words, int *out)
{
	const char *s;
	char p[256], list[256] = "";
	int rc = tgw_cfg_str(c, obj, path, key, &s);

	if (rc <= 0)
		return rc;
	for (int i = 0; words[i]; i++) {
		if (strcmp(s, words[i]) == 0) {
			*out = i;
			return 1;
		}
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s\"%s\"",
			 i ? ", " : "", words[i]);
	}
	join(p, sizeof(p), path, key);
	return tgw_cfg_err(c, p, json_object_get(obj, key), "is not one of %s", list);
}

static int
parse_name(struct tgw_cfg_ctx *c, json_t *obj, const char *path, char *name, const char *what)
{
	const char *s;
	char p[256];
	int rc = tgw_cfg_str(c, obj, path, "name", &s);

	if (rc < 0)
		return -1;
	if (rc == 0)
		return tgw_cfg_err(c, path, NULL, "%s needs \"name\"", what);
	join(p, sizeof(p), path, "name");
	if (*s == 0 || strlen(s) >= TGW_NAME_LEN)
		return tgw_cfg_err(c, p, json_object_get(obj, "name"),
				   "must be 1 to %d characters", TGW_NAME_LEN - 1);
	if (tgw_port_find(s) >= 0 || tgw_tunnel_find(s) >= 0)
		return tgw_cfg_err(c, p, json_object_get(obj, "name"),
				   "duplicate interface name");
	strcpy(name, s);
	return 0;
}

/* "addresses": ["192.0.2.1/24", ...] */
static int
parse_addresses(struct tgw_cfg_ctx *c, json_t *obj, const char *path, struct tgw_prefix *out,
		uint8_t *n)
{
	json_t *arr = json_object_get(obj, "addresses"), *v;
	char p[256];
	size_t i;

	*n = 0;
	if (arr == NULL)
		return 0;
	join(p, sizeof(p), path, "addresses");
	if (!json_is_array(arr))
		return tgw_cfg_err(c, p, arr, "is not an array");
	if (json_array_size(arr) > TGW_MAX_ADDRS)
		return tgw_cfg_err(c, p, NULL, "has more than %d addresses", TGW_MAX_ADDRS);
	json_array_foreach(arr, i, v) {
		char q[280];

		snprintf(q, sizeof(q), "%s[%zu]", p, i);
		if (!json_is_string(v) || tgw_prefix_parse(json_string_value(v), &out[i]) < 0)
			return tgw_cfg_err(c, q, v, "is not an address/prefix-length");
	}
	*n = i;
	return 0;
}

/* ---- ports ---- */

static const char *const port_keys[] = {"name", "device", "mac", "addresses", "mtu", "queues",
					"offloads", "profile", NULL};

static int
parse_port(struct tgw_cfg_ctx *c, json_t *obj, const char *path, struct tgw_port *pt)
{
	static const char *const offl[] = {"auto", "off", NULL};
	const char *s;
	int64_t x;
	int rc, e;

	if (tgw_cfg_keys(c, obj, path, port_keys, NULL) < 0)
		return -1;
	if (parse_name(c, obj, path, pt->name, "port") < 0)
		return -1;
	rc = tgw_cfg_str(c, obj, path, "device", &s);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return tgw_cfg_err(c, path, NULL, "port \"%s\" needs \"device\"", pt->name);
	if (strlen(s) >= sizeof(pt->device) || *s == 0) {
		char p[256];

		join(p, sizeof(p), path, "device");
		return tgw_cfg_err(c, p, json_object_get(obj, "device"), "is empty or too long");
	}
	strcpy(pt->device, s);
	rc = tgw_cfg_str(c, obj, path, "mac", &s);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		char p[256];

		join(p, sizeof(p), path, "mac");
		if (rte_ether_unformat_addr(s, &pt->mac) < 0 || strlen(s) != 17)
			return tgw_cfg_err(c, p, json_object_get(obj, "mac"),
					   "is not a MAC address");
		if (!rte_is_unicast_ether_addr(&pt->mac) || rte_is_zero_ether_addr(&pt->mac))
			return tgw_cfg_err(c, p, json_object_get(obj, "mac"),
					   "is not a unicast MAC address");
		pt->mac_set = true;
	}
	if (parse_addresses(c, obj, path, pt->addrs, &pt->n_addrs) < 0)
		return -1;
	pt->mtu = 1500;
	if (tgw_cfg_int(c, obj, path, "mtu", 68, 9600, &x) < 0)
		return -1;
	else if (json_object_get(obj, "mtu"))
		pt->mtu = x;
	if (tgw_cfg_int_or(c, obj, path, "queues", 1, TGW_MAX_WORKERS, "auto", 0, &x) < 0)
		return -1;
	pt->queues = json_object_get(obj, "queues") ? x : 0;
	e = 0;
	if (tgw_cfg_enum(c, obj, path, "offloads", offl, &e) < 0)
		return -1;
	pt->offloads_off = e == 1;
	if (json_object_get(obj, "profile")) {
		char p[256];

		join(p, sizeof(p), path, "profile");
		const char *bad;
		char why[128];

		if (!json_is_object(json_object_get(obj, "profile")))
			return tgw_cfg_err(c, p, json_object_get(obj, "profile"),
					   "is not an object");
		if (tgw_profile_check(json_object_get(obj, "profile"), &bad, why, sizeof(why)) < 0) {
			char q[300];

			snprintf(q, sizeof(q), "%s.%s", p, bad);
			return tgw_cfg_err(c, q,
					   json_object_get(json_object_get(obj, "profile"), bad),
					   "%s", why);
		}
		pt->profile = json_incref(json_object_get(obj, "profile"));
	}
	return 0;
}

/* ---- routes and neighbours ---- */

static const char *const route_keys[] = {"dst", "via", "dev", NULL};
static const char *const neigh_keys[] = {"dst", "lladdr", "dev", NULL};

static int
parse_dev(struct tgw_cfg_ctx *c, json_t *obj, const char *path, int16_t *port, int16_t *tunnel)
{
	const char *s;
	char p[256];
	int rc = tgw_cfg_str(c, obj, path, "dev", &s);

	*port = *tunnel = -1;
	if (rc <= 0)
		return rc;
	join(p, sizeof(p), path, "dev");
	*port = tgw_port_find(s);
	if (*port < 0)
		*tunnel = tgw_tunnel_find(s);
	if (*port < 0 && *tunnel < 0)
		return tgw_cfg_err(c, p, json_object_get(obj, "dev"), "no such device");
	return 1;
}

static int
parse_route(struct tgw_cfg_ctx *c, json_t *obj, const char *path, struct tgw_route *r)
{
	const char *s;
	char p[256];
	int rc;

	if (tgw_cfg_keys(c, obj, path, route_keys, NULL) < 0)
		return -1;
	rc = tgw_cfg_str(c, obj, path, "dst", &s);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return tgw_cfg_err(c, path, NULL, "route needs \"dst\"");
	join(p, sizeof(p), path, "dst");
	if (strcmp(s, "default") == 0 || strcmp(s, "default6") == 0) {
		memset(&r->dst, 0, sizeof(r->dst));
		r->dst.ip.family = s[7] == '6' ? 6 : 4;
	} else if (tgw_prefix_parse(s, &r->dst) < 0) {
		struct tgw_ip ip;

		if (tgw_ip_parse(s, &ip) < 0)
			return tgw_cfg_err(c, p, json_object_get(obj, "dst"),
					   "is not a prefix or \"default\"");
		r->dst.ip = ip;
		r->dst.len = ip.family == 4 ? 32 : 128;
	}
	rc = tgw_cfg_ip(c, obj, path, "via", false, &r->via);
	if (rc < 0)
		return -1;
	if (parse_dev(c, obj, path, &r->port, &r->tunnel) < 0)
		return -1;
	join(p, sizeof(p), path, "dev");
	if (r->tunnel >= 0 && (tgw.tunnels[r->tunnel].inner & TGW_INNER_ETH))
		return tgw_cfg_err(c, p, json_object_get(obj, "dev"),
				   "is an L2 tunnel (%s): it joins a bridge, routes go into IP tunnels",
				   tgw.tunnels[r->tunnel].ops->type);
	if (r->port >= 0 && tgw.ports[r->port].bridge >= 0)
		return tgw_cfg_err(c, p, json_object_get(obj, "dev"),
				   "is a bridge port: it is purely L2");
	if (rc == 1 && r->dst.len == 0 && r->via.family != r->dst.ip.family &&
	    strcmp(s, "default") == 0)
		r->dst.ip.family = r->via.family; /* "default via <ipv6>" */
	join(p, sizeof(p), path, "via");
	if (rc == 1 && r->via.family != r->dst.ip.family)
		return tgw_cfg_err(c, p, json_object_get(obj, "via"),
				   "is not of the destination's family");
	if (r->port < 0 && r->tunnel < 0) {
		if (rc == 0)
			return tgw_cfg_err(c, path, NULL, "route needs \"dev\" or \"via\"");
		/* the port whose connected prefix holds the gateway (longest match) */
		int best = -1;

		for (unsigned int i = 0; i < tgw.n_ports; i++)
			for (unsigned int a = 0; a < tgw.ports[i].n_addrs; a++)
				if (tgw_prefix_contains(&tgw.ports[i].addrs[a], &r->via) &&
				    tgw.ports[i].addrs[a].len > best) {
					best = tgw.ports[i].addrs[a].len;
					r->port = i;
				}
		if (r->port < 0)
			return tgw_cfg_err(c, p, json_object_get(obj, "via"),
					   "is not on a connected network (give \"dev\")");
	}
	if (r->port >= 0 && rc == 0)
		memset(&r->via, 0, sizeof(r->via)); /* connected: glean */
	return 0;
}

static int
parse_neigh(struct tgw_cfg_ctx *c, json_t *obj, const char *path, struct tgw_neigh *n)
{
	const char *s;
	char p[256];
	int16_t port, tunnel;
	int rc;

	if (tgw_cfg_keys(c, obj, path, neigh_keys, NULL) < 0)
		return -1;
	rc = tgw_cfg_ip(c, obj, path, "dst", false, &n->ip);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return tgw_cfg_err(c, path, NULL, "neighbor needs \"dst\"");
	rc = tgw_cfg_str(c, obj, path, "lladdr", &s);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return tgw_cfg_err(c, path, NULL, "neighbor needs \"lladdr\"");
	join(p, sizeof(p), path, "lladdr");
	if (strlen(s) != 17 || rte_ether_unformat_addr(s, &n->mac) < 0)
		return tgw_cfg_err(c, p, json_object_get(obj, "lladdr"), "is not a MAC address");
	if (!rte_is_unicast_ether_addr(&n->mac) || rte_is_zero_ether_addr(&n->mac))
		return tgw_cfg_err(c, p, json_object_get(obj, "lladdr"),
				   "is not a unicast MAC address");
	rc = parse_dev(c, obj, path, &port, &tunnel);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return tgw_cfg_err(c, path, NULL, "neighbor needs \"dev\"");
	join(p, sizeof(p), path, "dev");
	if (port < 0)
		return tgw_cfg_err(c, p, json_object_get(obj, "dev"),
				   "is a tunnel: neighbours live on ports");
	n->port = port;
	return 0;
}

/* ---- top level ---- */

static const char *const top_keys[] = {"ports", "tunnels", "routes", "neighbors", "bridges",
					"mirrors", "fou", "xfrm", NULL};

static int
get_array(struct tgw_cfg_ctx *c, json_t *root, const char *key, json_t **out)
{
	*out = json_object_get(root, key);
	if (*out && !json_is_array(*out))
		return tgw_cfg_err(c, key, *out, "is not an array");
	return 0;
}

static int
load_root(struct tgw_cfg_ctx *c, json_t *root)
{
	json_t *ports, *tunnels, *routes, *neighs, *bridges, *mirrors, *fou, *v;
	const char *k;
	size_t i;

	if (!json_is_object(root))
		return tgw_cfg_err(c, "", NULL, "the configuration is not a JSON object");
	json_object_foreach(root, k, v) {
		if (!in_list(k, top_keys))
			return tgw_cfg_err(c, k, NULL, "unknown key \"%s\"", k);
	}
	if (get_array(c, root, "ports", &ports) < 0 ||
	    get_array(c, root, "tunnels", &tunnels) < 0 ||
	    get_array(c, root, "routes", &routes) < 0 ||
	    get_array(c, root, "neighbors", &neighs) < 0)
		return -1;
	if (ports == NULL || json_array_size(ports) == 0)
		return tgw_cfg_err(c, "", NULL, "needs at least one entry in \"ports\"");
	if (json_array_size(ports) > TGW_MAX_PORTS)
		return tgw_cfg_err(c, "ports", NULL, "more than %d ports", TGW_MAX_PORTS);
	json_array_foreach(ports, i, v) {
		char p[64];

		snprintf(p, sizeof(p), "ports[%zu]", i);
		tgw.ports[i].idx = i;
		if (parse_port(c, v, p, &tgw.ports[i]) < 0)
			return -1;
		tgw.n_ports++;
	}
	if (get_array(c, root, "fou", &fou) < 0 || tgw_fou_parse(c, fou) < 0)
		return -1;
	if (tunnels && json_array_size(tunnels) > TGW_MAX_TUNNELS)
		return tgw_cfg_err(c, "tunnels", NULL, "more than %d tunnels", TGW_MAX_TUNNELS);
	json_array_foreach(tunnels, i, v) {
		char p[64];
		struct tgw_tunnel *t = &tgw.tunnels[i];

		snprintf(p, sizeof(p), "tunnels[%zu]", i);
		t->id = i;
		if (!json_is_object(v))
			return tgw_cfg_err(c, p, v, "is not an object");
		if (parse_name(c, v, p, t->name, "tunnel") < 0)
			return -1;
		if (tgw_tnl_parse(c, v, p, t) < 0)
			return -1;
		tgw.n_tunnels++;
	}
	if (get_array(c, root, "bridges", &bridges) < 0 ||
	    get_array(c, root, "mirrors", &mirrors) < 0 ||
	    tgw_l2_parse(c, bridges, mirrors) < 0)
		return -1;
	if (tgw_xfrm_parse(c, json_object_get(root, "xfrm")) < 0)
		return -1;
	if (routes) {
		tgw.routes = calloc(json_array_size(routes) + 1, sizeof(*tgw.routes));
		if (tgw.routes == NULL)
			return tgw_cfg_err(c, "routes", NULL, "out of memory");
	}
	json_array_foreach(routes, i, v) {
		char p[64];

		snprintf(p, sizeof(p), "routes[%zu]", i);
		if (parse_route(c, v, p, &tgw.routes[i]) < 0)
			return -1;
		for (unsigned int j = 0; j < i; j++) {
			struct tgw_prefix a = tgw.routes[i].dst, b = tgw.routes[j].dst;

			if (a.len == b.len && a.ip.family == b.ip.family &&
			    tgw_prefix_contains(&a, &b.ip)) {
				char q[64];

				snprintf(q, sizeof(q), "routes[%zu].dst", i);
				return tgw_cfg_err(c, q, json_object_get(v, "dst"),
						   "duplicates routes[%u] (as the kernel: File exists)",
						   j);
			}
		}
		tgw.n_routes++;
	}
	if (neighs) {
		tgw.neighs = calloc(json_array_size(neighs) + 1, sizeof(*tgw.neighs));
		if (tgw.neighs == NULL)
			return tgw_cfg_err(c, "neighbors", NULL, "out of memory");
	}
	json_array_foreach(neighs, i, v) {
		char p[64];

		snprintf(p, sizeof(p), "neighbors[%zu]", i);
		if (parse_neigh(c, v, p, &tgw.neighs[i]) < 0)
			return -1;
		tgw.n_neighs++;
	}
	return 0;
}

void
tgw_config_free(void)
{
	for (unsigned int i = 0; i < tgw.n_ports; i++)
		if (tgw.ports[i].profile)
			json_decref(tgw.ports[i].profile);
	tgw_l2_free();
	tgw_xfrm_free();
	free(tgw.tunnels);
	free(tgw.routes);
	free(tgw.neighs);
	memset(&tgw.n_ports, 0, sizeof(tgw) - offsetof(struct tgw, n_ports));
}

int
tgw_config_load_text(const char *name, const char *text, char *err, size_t errlen)
{
	struct tgw_cfg_ctx c = {.file = name, .text = text, .err = err, .errlen = errlen};
	json_error_t jerr;
	json_t *root;
	int rc;

	tgw_config_free();
	tgw.cfg_file = name;
	tgw.tunnels = calloc(TGW_MAX_TUNNELS, sizeof(*tgw.tunnels));
	if (tgw.tunnels == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -1;
	}
	root = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		snprintf(err, errlen, "%s:%d:%d: %s", name, jerr.line, jerr.column, jerr.text);
		return -1;
	}
	rc = load_root(&c, root);
	json_decref(root);
	if (rc == 0)
		rc = tgw_tnl_finalize(&c);
	if (rc == 0)
		rc = tgw_xfrm_finalize(&c);
	return rc;
}

int
tgw_config_load(const char *file, char *err, size_t errlen)
{
	const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
	FILE *f = fopen(file, "r");
	char *text;
	long len;
	int rc;

	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
		return -1;
	}
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	text = malloc(len + 1);
	if (text == NULL || fread(text, 1, len, f) != (size_t)len) {
		fclose(f);
		free(text);
		snprintf(err, errlen, "%s: cannot read", file);
		return -1;
	}
	fclose(f);
	text[len] = 0;
	rc = tgw_config_load_text(base, text, err, errlen);
	free(text);
	return rc;
}

void
tgw_config_summary(FILE *f)
{
	char a[64], b[64];

	fprintf(f, "%s: %u ports, %u tunnels, %u routes, %u neighbors\n", tgw.cfg_file,
		tgw.n_ports, tgw.n_tunnels, tgw.n_routes, tgw.n_neighs);
	for (unsigned int i = 0; i < tgw.n_ports; i++) {
		const struct tgw_port *p = &tgw.ports[i];

		fprintf(f, "port %-12s %s mtu %u", p->name, p->device, p->mtu);
		for (unsigned int j = 0; j < p->n_addrs; j++)
			fprintf(f, " %s/%u", tgw_ip_str(&p->addrs[j].ip, a, sizeof(a)),
				p->addrs[j].len);
		fprintf(f, "\n");
	}
	for (unsigned int i = 0; i < tgw.n_tunnels; i++) {
		const struct tgw_tunnel *t = &tgw.tunnels[i];

		fprintf(f, "tunnel %-10s %s mode %s local %s remote %s mtu %u", t->name,
			t->ops->type, t->mode, tgw_ip_str(&t->local, a, sizeof(a)),
			tgw_ip_str(&t->remote, b, sizeof(b)), t->mtu);
		for (unsigned int j = 0; j < t->n_addrs; j++)
			fprintf(f, " %s/%u", tgw_ip_str(&t->addrs[j].ip, a, sizeof(a)),
				t->addrs[j].len);
		if (t->encap)
			fprintf(f, " encap %s sport %s%.0u dport %u%s",
				t->encap == TGW_ENCAP_FOU ? "fou" : "gue", t->sport ? "" : "auto",
				t->sport, t->dport, t->udp_csum ? " csum" : "");
		if ((t->inner & TGW_INNER_ETH) && t->dport) /* geneve, vxlan */
			fprintf(f, " id %u dstport %u%s%s", t->vni, t->dport,
				t->udp_csum ? " udpcsum" : "", t->udp_zero_rx ? " udp6zerocsumrx" : "");
		if (t->n_opts)
			fprintf(f, " options %u", t->n_opts);
		fprintf(f, "\n");
	}
	for (unsigned int i = 0; i < tgw.n_routes; i++) {
		const struct tgw_route *r = &tgw.routes[i];

		fprintf(f, "route %s/%u", tgw_ip_str(&r->dst.ip, a, sizeof(a)), r->dst.len);
		if (r->via.family)
			fprintf(f, " via %s", tgw_ip_str(&r->via, b, sizeof(b)));
		fprintf(f, " dev %s\n",
			r->port >= 0 ? tgw.ports[r->port].name : tgw.tunnels[r->tunnel].name);
	}
	for (unsigned int i = 0; i < tgw.n_neighs; i++) {
		const struct tgw_neigh *n = &tgw.neighs[i];
		char m[RTE_ETHER_ADDR_FMT_SIZE];

		rte_ether_format_addr(m, sizeof(m), &n->mac);
		fprintf(f, "neighbor %s lladdr %s dev %s\n", tgw_ip_str(&n->ip, a, sizeof(a)), m,
			tgw.ports[n->port].name);
	}
	tgw_l2_summary(f);
	for (unsigned int i = 0; i < tgw.n_udp_ports; i++) {
		static const char *const kinds[] = {"", "fou", "gue", "geneve", "vxlan", "espinudp"};
		const struct tgw_udp_port *u = &tgw.udp_ports[i];

		fprintf(f, "udp port %u ipv%u %s", u->port, u->family, kinds[u->kind]);
		if (u->kind == TGW_UDP_FOU)
			fprintf(f, " ipproto %u", u->ipproto);
		fprintf(f, "\n");
	}
	tgw_xfrm_summary(f);
}
