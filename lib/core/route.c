/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Routing tables (control path): rte_fib for IPv4, rte_fib6 for IPv6, and the
 * next-hop table both point into. Local addresses become host routes to the
 * LOCAL next hop, connected prefixes GLEAN next hops, static neighbours host
 * routes to resolved PORT next hops, routes PORT or TUNNEL next hops.
 */
#include "route.h"

#include <string.h>

#include <rte_errno.h>
#include <rte_fib.h>
#include <rte_fib6.h>
#include <rte_ip.h>
#include <rte_malloc.h>

#include "tnl.h"

#define NH_LOCAL 1 /* index of the shared LOCAL next hop; 0 is DROP */

static uint32_t nh_bcast;

static uint32_t
nh_new(uint8_t kind)
{
	struct tgw_nh *nh;

	if (tgw.n_nh >= TGW_MAX_NH)
		return TGW_NH_NONE;
	nh = &tgw.nh[tgw.n_nh];
	memset(nh, 0, sizeof(*nh));
	nh->kind = kind;
	return tgw.n_nh++;
}

void
tgw_nh_set_l2(struct tgw_nh *nh, const struct rte_ether_addr *mac)
{
	struct rte_ether_hdr *e = (struct rte_ether_hdr *)nh->l2;

	rte_ether_addr_copy(mac, &e->dst_addr);
	rte_ether_addr_copy(&tgw.ports[nh->port].mac, &e->src_addr);
	e->ether_type = rte_cpu_to_be_16(nh->family == 4 ? RTE_ETHER_TYPE_IPV4
							 : RTE_ETHER_TYPE_IPV6);
	rte_wmb();
	nh->resolved = 1;
}

uint32_t
tgw_nh_port(uint16_t port, const struct tgw_ip *gw)
{
	/* one next hop per (port, gateway) */
	for (uint32_t i = 2; i < tgw.n_nh; i++) {
		struct tgw_nh *nh = &tgw.nh[i];

		if (nh->kind == TGW_NH_PORT && nh->port == port && tgw_ip_eq(&nh->gw, gw))
			return i;
	}
	uint32_t id = nh_new(TGW_NH_PORT);

	if (id == TGW_NH_NONE)
		return id;
	tgw.nh[id].port = port;
	tgw.nh[id].gw = *gw;
	tgw.nh[id].family = gw->family;
	tgw.nh[id].mtu = tgw.ports[port].mtu;
	return id;
}

int
tgw_route_add(const struct tgw_prefix *p, uint32_t nh)
{
	if (p->ip.family == 4)
		return rte_fib_add(tgw.fib4, rte_be_to_cpu_32(p->ip.v4), p->len, nh);
	return rte_fib6_add(tgw.fib6, p->ip.v6, p->len, nh);
}

uint32_t
tgw_route_lookup(const struct tgw_ip *ip)
{
	uint64_t nh = 0;

	if (ip->family == 4) {
		uint32_t a = rte_be_to_cpu_32(ip->v4);

		rte_fib_lookup_bulk(tgw.fib4, &a, &nh, 1);
	} else {
		uint8_t a[1][16];

		memcpy(a[0], ip->v6, 16);
		rte_fib6_lookup_bulk(tgw.fib6, a, &nh, 1);
	}
	return nh;
}

static void
prefix_mask(struct tgw_prefix *p)
{
	uint8_t *b = p->ip.family == 4 ? (uint8_t *)&p->ip.v4 : p->ip.v6;
	unsigned int n = p->ip.family == 4 ? 4 : 16;

	for (unsigned int i = 0; i < n; i++) {
		int bits = (int)p->len - (int)i * 8;

		if (bits <= 0)
			b[i] = 0;
		else if (bits < 8)
			b[i] &= 0xff << (8 - bits);
	}
}

/* Connected prefix and local host route of each address of an interface. */
static int
add_if_addrs(const struct tgw_prefix *addrs, unsigned int n, int port, int tunnel)
{
	for (unsigned int i = 0; i < n; i++) {
		struct tgw_prefix net = addrs[i], host = addrs[i];
		uint32_t nh;

		prefix_mask(&net);
		if (tunnel >= 0) {
			nh = tgw.tunnels[tunnel].nh_self;
		} else {
			nh = nh_new(TGW_NH_GLEAN);
			if (nh == TGW_NH_NONE)
				return -1;
			tgw.nh[nh].port = port;
			tgw.nh[nh].family = net.ip.family;
			tgw.nh[nh].mtu = tgw.ports[port].mtu;
		}
		if (net.len < (net.ip.family == 4 ? 32 : 128) && tgw_route_add(&net, nh) < 0)
			return -1;
		host.len = host.ip.family == 4 ? 32 : 128;
		if (tgw_route_add(&host, NH_LOCAL) < 0)
			return -1;
		if (net.ip.family == 4 && net.len <= 30) {
			struct tgw_prefix bc = {.ip = net.ip, .len = 32};

			bc.ip.v4 |= rte_cpu_to_be_32(0xffffffffu >> net.len);
			if (tgw_route_add(&bc, nh_bcast) < 0)
				return -1;
		}
	}
	return 0;
}

int
tgw_route_init(int socket, char *err, size_t errlen)
{
	struct rte_fib_conf c4 = {
		.type = RTE_FIB_DIR24_8,
		.default_nh = 0,
		.max_routes = 1 << 16,
		.dir24_8 = {.nh_sz = RTE_FIB_DIR24_8_2B, .num_tbl8 = 1 << 12},
	};
	struct rte_fib6_conf c6 = {
		.type = RTE_FIB6_TRIE,
		.default_nh = 0,
		.max_routes = 1 << 16,
		.trie = {.nh_sz = RTE_FIB6_TRIE_2B, .num_tbl8 = 1 << 14},
	};

	tgw.nh = rte_zmalloc_socket("tgw_nh", sizeof(struct tgw_nh) * TGW_MAX_NH,
				    RTE_CACHE_LINE_SIZE, socket);
	tgw.fib4 = rte_fib_create("tgw_fib4", socket, &c4);
	tgw.fib6 = rte_fib6_create("tgw_fib6", socket, &c6);
	if (tgw.nh == NULL || tgw.fib4 == NULL || tgw.fib6 == NULL) {
		snprintf(err, errlen, "cannot create the routing tables: %s",
			 rte_strerror(rte_errno));
		return -1;
	}
	tgw.n_nh = 0;
	nh_new(TGW_NH_DROP);
	nh_new(TGW_NH_LOCAL);
	nh_bcast = nh_new(TGW_NH_BCAST);

	for (unsigned int t = 0; t < tgw.n_tunnels; t++) {
		uint32_t nh = nh_new(TGW_NH_TUNNEL);

		if (nh == TGW_NH_NONE)
			goto full;
		tgw.nh[nh].tunnel = t;
		tgw.nh[nh].mtu = tgw.tunnels[t].mtu;
		tgw.tunnels[t].nh_self = nh;
	}
	for (unsigned int p = 0; p < tgw.n_ports; p++) {
		/* each port's link-local address (ports are up: ll6 is known) is ours */
		struct tgw_prefix ll = {.ip.family = 6, .len = 128};

		memcpy(ll.ip.v6, tgw.ports[p].ll6, 16);
		if (tgw_route_add(&ll, NH_LOCAL) < 0 ||
		    add_if_addrs(tgw.ports[p].addrs, tgw.ports[p].n_addrs, p, -1) < 0)
			goto full;
	}
	{
		/* multicast is delivered locally (ND's solicited-node groups); never forwarded */
		struct tgw_prefix mc = {.ip = {.family = 6, .v6 = {0xff}}, .len = 8};

		if (tgw_route_add(&mc, NH_LOCAL) < 0)
			goto full;
	}
	for (unsigned int t = 0; t < tgw.n_tunnels; t++)
		if (add_if_addrs(tgw.tunnels[t].addrs, tgw.tunnels[t].n_addrs, -1, t) < 0)
			goto full;
	for (unsigned int i = 0; i < tgw.n_routes; i++) {
		struct tgw_route *r = &tgw.routes[i];
		struct tgw_prefix dst = r->dst;
		uint32_t nh;

		if (r->tunnel >= 0)
			nh = tgw.tunnels[r->tunnel].nh_self;
		else if (r->via.family)
			nh = tgw_nh_port(r->port, &r->via);
		else {
			nh = nh_new(TGW_NH_GLEAN);
			if (nh != TGW_NH_NONE) {
				tgw.nh[nh].port = r->port;
				tgw.nh[nh].family = dst.ip.family;
				tgw.nh[nh].mtu = tgw.ports[r->port].mtu;
			}
		}
		if (nh == TGW_NH_NONE)
			goto full;
		prefix_mask(&dst);
		r->nh = nh;
		if (tgw_route_add(&dst, nh) < 0) {
			snprintf(err, errlen, "%s: routes[%u]: cannot add the route", tgw.cfg_file,
				 i);
			return -1;
		}
	}
	for (unsigned int i = 0; i < tgw.n_neighs; i++) {
		struct tgw_neigh *n = &tgw.neighs[i];
		uint32_t nh = tgw_nh_port(n->port, &n->ip);
		struct tgw_prefix host = {.ip = n->ip, .len = n->ip.family == 4 ? 32 : 128};

		if (nh == TGW_NH_NONE)
			goto full;
		tgw_nh_set_l2(&tgw.nh[nh], &n->mac);
		/* A neighbour on a connected network (or link-local) is reached directly. */
		if (tgw.nh[tgw_route_lookup(&n->ip)].kind == TGW_NH_GLEAN || tgw_ip_is_ll(&n->ip))
			tgw_route_add(&host, nh);
	}
	/* Cache each tunnel's (and SA carrier's) underlay next hop (routes are static at
	 * run time). */
	for (unsigned int t = 0; t < tgw.n_tunnels + tgw.n_carriers; t++) {
		struct tgw_tunnel *tn = &tgw.tunnels[t];
		uint32_t nh;

		if (!tn->remote.family)
			continue;
		nh = tgw_route_lookup(&tn->remote);
		if (tgw.nh[nh].kind == TGW_NH_PORT)
			tn->nh = nh;
	}
	return 0;
full:
	snprintf(err, errlen, "%s: too many next hops (at most %u)", tgw.cfg_file, TGW_MAX_NH);
	return -1;
}

void
tgw_route_fini(void)
{
	rte_fib_free(tgw.fib4);
	rte_fib6_free(tgw.fib6);
	rte_free(tgw.nh);
	tgw.fib4 = NULL;
	tgw.fib6 = NULL;
	tgw.nh = NULL;
}
