/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control lcore's share of the data plane: ARP (RFC 826) and IPv6 Neighbour
 * Discovery (RFC 4861) replies and resolution, and the packets held while a
 * next hop resolves. Workers punt these packets through a ring; answers and
 * released packets go back through each worker's inject ring.
 */
#include "ctl.h"

#include <string.h>

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "l2.h"
#include "route.h"
#include "stats.h"

#define HOLD_MAX 8       /* packets held per unresolved neighbour */
#define PENDING_MAX 256  /* neighbours being resolved */
#define SOLICIT_MAX 3    /* the kernel's mcast_solicit */
#define SOLICIT_MS 1000  /* the kernel's retrans_time */

struct pending {
	bool used;
	uint16_t port;
	struct tgw_ip ip;
	uint8_t tries;
	uint64_t next_tsc;
	uint16_t n;
	struct rte_mbuf *held[HOLD_MAX];
};

static struct pending pending[PENDING_MAX];
static unsigned int inject_rr;

static void
drop(struct rte_mbuf *m, enum tgw_drop r)
{
	rte_pktmbuf_free(m);
	tgw_stats_self()->drops[r]++;
}

static void
inject(struct rte_mbuf *m, uint8_t kind, uint32_t aux)
{
	struct tgw_meta *md = tgw_meta(m);
	unsigned int w = inject_rr++ % tgw.n_workers;

	md->inject = kind;
	md->aux = aux;
	if (rte_ring_sp_enqueue(tgw.inject_ring[w], m) != 0)
		drop(m, TGW_DROP_tx_full);
}

/* Is ip one of the port's addresses (or its link-local)? */
static bool
port_has(uint16_t p, const struct tgw_ip *ip)
{
	const struct tgw_port *pt = &tgw.ports[p];

	if (ip->family == 6 && memcmp(ip->v6, pt->ll6, 16) == 0)
		return true;
	for (unsigned int i = 0; i < pt->n_addrs; i++)
		if (tgw_ip_eq(&pt->addrs[i].ip, ip))
			return true;
	return false;
}

/* Our address on p to speak to ip: one on the same subnet, else the first of the family. */
static bool
port_src(uint16_t p, const struct tgw_ip *ip, struct tgw_ip *out)
{
	const struct tgw_port *pt = &tgw.ports[p];
	int first = -1;

	for (unsigned int i = 0; i < pt->n_addrs; i++) {
		if (pt->addrs[i].ip.family != ip->family)
			continue;
		if (tgw_prefix_contains(&pt->addrs[i], ip)) {
			*out = pt->addrs[i].ip;
			return true;
		}
		if (first < 0)
			first = i;
	}
	if (ip->family == 6) {
		out->family = 6;
		memcpy(out->v6, pt->ll6, 16);
		return true;
	}
	if (first < 0)
		return false;
	*out = pt->addrs[first].ip;
	return true;
}

static bool
on_link(uint16_t p, const struct tgw_ip *ip)
{
	const struct tgw_port *pt = &tgw.ports[p];

	if (ip->family == 6 && ip->v6[0] == 0xfe && (ip->v6[1] & 0xc0) == 0x80)
		return true;
	for (unsigned int i = 0; i < pt->n_addrs; i++)
		if (tgw_prefix_contains(&pt->addrs[i], ip))
			return true;
	return false;
}

static struct pending *
pending_find(uint16_t port, const struct tgw_ip *ip)
{
	for (unsigned int i = 0; i < PENDING_MAX; i++)
		if (pending[i].used && pending[i].port == port && tgw_ip_eq(&pending[i].ip, ip))
			return &pending[i];
	return NULL;
}

/* Resolved next hop for (port, ip) if one exists. */
static uint32_t
nh_resolved(uint16_t port, const struct tgw_ip *ip)
{
	for (uint32_t i = 2; i < tgw.n_nh; i++) {
		struct tgw_nh *nh = &tgw.nh[i];

		if (nh->kind == TGW_NH_PORT && nh->resolved && nh->port == port &&
		    tgw_ip_eq(&nh->gw, ip))
			return i;
	}
	return TGW_NH_NONE;
}

static void
release(struct pending *pd, uint32_t nh)
{
	for (unsigned int i = 0; i < pd->n; i++) {
		struct rte_mbuf *m = pd->held[i];

		tgw_meta(m)->nh = nh;
		inject(m, pd->ip.family == 4 ? TGW_INJECT_REWRITE4 : TGW_INJECT_REWRITE6, 0);
	}
	pd->n = 0;
	pd->used = false;
}

/*
 * A neighbour's link-layer address is known: publish it on every next hop of
 * (port, ip), give a directly reached neighbour a host route, release held packets.
 */
static void
learn(uint16_t port, const struct tgw_ip *ip, const struct rte_ether_addr *mac, bool create)
{
	struct pending *pd = pending_find(port, ip);
	uint32_t found = TGW_NH_NONE;

	for (uint32_t i = 2; i < tgw.n_nh; i++) {
		struct tgw_nh *nh = &tgw.nh[i];

		if (nh->kind != TGW_NH_PORT || nh->port != port || !tgw_ip_eq(&nh->gw, ip))
			continue;
		if (nh->resolved &&
		    !rte_is_same_ether_addr((struct rte_ether_addr *)nh->l2, mac)) {
			/* a new MAC: no worker may be copying the old header while it changes */
			nh->resolved = 0;
			rte_wmb();
			if (tgw.qs)
				rte_rcu_qsbr_synchronize(tgw.qs, RTE_QSBR_THRID_INVALID);
		}
		if (!nh->resolved)
			tgw_nh_set_l2(nh, mac);
		found = i;
	}
	if (found == TGW_NH_NONE && (create || pd)) {
		found = tgw_nh_port(port, ip);
		if (found == TGW_NH_NONE)
			return;
		tgw_nh_set_l2(&tgw.nh[found], mac);
	}
	if (found != TGW_NH_NONE && on_link(port, ip) &&
	    (tgw.nh[tgw_route_lookup(ip)].kind == TGW_NH_GLEAN || tgw_ip_is_ll(ip))) {
		struct tgw_prefix host = {.ip = *ip, .len = ip->family == 4 ? 32 : 128};

		tgw_route_add(&host, found);
	}
	if (pd && found != TGW_NH_NONE)
		release(pd, found);
}

/* ---- ARP ---- */

/* A received packet becomes a reply built from scratch: one segment, reset. */
static void
mbuf_reuse(struct rte_mbuf *m)
{
	if (m->next != NULL) {
		rte_pktmbuf_free(m->next);
		m->next = NULL;
	}
	rte_pktmbuf_reset(m);
}

static struct rte_mbuf *
arp_build(uint16_t port, uint16_t op, const struct tgw_ip *sip, const struct rte_ether_addr *tha,
	  rte_be32_t tip, struct rte_mbuf *m)
{
	struct rte_ether_hdr *e;
	struct rte_arp_hdr *a;

	if (m == NULL)
		m = rte_pktmbuf_alloc(tgw.pool);
	if (m == NULL)
		return NULL;
	mbuf_reuse(m);
	e = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*e) + sizeof(*a));
	a = (struct rte_arp_hdr *)(e + 1);
	if (op == RTE_ARP_OP_REQUEST)
		memset(&e->dst_addr, 0xff, RTE_ETHER_ADDR_LEN);
	else
		rte_ether_addr_copy(tha, &e->dst_addr);
	rte_ether_addr_copy(&tgw.ports[port].mac, &e->src_addr);
	e->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
	a->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = RTE_ETHER_ADDR_LEN;
	a->arp_plen = 4;
	a->arp_opcode = rte_cpu_to_be_16(op);
	rte_ether_addr_copy(&tgw.ports[port].mac, &a->arp_data.arp_sha);
	a->arp_data.arp_sip = sip->v4;
	if (op == RTE_ARP_OP_REQUEST)
		memset(&a->arp_data.arp_tha, 0, RTE_ETHER_ADDR_LEN);
	else
		rte_ether_addr_copy(tha, &a->arp_data.arp_tha);
	a->arp_data.arp_tip = tip;
	return m;
}

static void
arp_input(struct rte_mbuf *m)
{
	uint16_t port = tgw_meta(m)->in_if;
	struct rte_ether_hdr *e = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	struct rte_arp_hdr *a = (struct rte_arp_hdr *)(e + 1);
	struct tgw_ip sip = {.family = 4}, tip = {.family = 4};
	struct rte_ether_addr sha;
	bool for_us;

	if (m->data_len < sizeof(*e) + sizeof(*a) ||
	    a->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) ||
	    a->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4) || a->arp_hlen != 6 ||
	    a->arp_plen != 4 ||
	    (a->arp_opcode != RTE_BE16(RTE_ARP_OP_REQUEST) &&
	     a->arp_opcode != RTE_BE16(RTE_ARP_OP_REPLY)) ||
	    !rte_is_unicast_ether_addr(&a->arp_data.arp_sha)) {
		drop(m, TGW_DROP_arp_bad);
		return;
	}
	sip.v4 = a->arp_data.arp_sip;
	tip.v4 = a->arp_data.arp_tip;
	sha = a->arp_data.arp_sha;
	for_us = port_has(port, &tip);
	/* RFC 826: merge the sender if known; add it if the request is for us */
	if (sip.v4 != 0 && on_link(port, &sip))
		learn(port, &sip, &sha, for_us && a->arp_opcode == RTE_BE16(RTE_ARP_OP_REQUEST));
	if (a->arp_opcode == RTE_BE16(RTE_ARP_OP_REQUEST) && for_us) {
		arp_build(port, RTE_ARP_OP_REPLY, &tip, &sha, sip.v4, m);
		inject(m, TGW_INJECT_TX, port);
		return;
	}
	drop(m, TGW_DROP_arp_ignored);
}

/* ---- Neighbour Discovery ---- */

struct nd_msg {
	uint8_t type, code;
	rte_be16_t cksum;
	rte_be32_t flags;
	uint8_t target[16];
} __rte_packed;

static uint16_t
icmp6_cksum(const struct rte_ipv6_hdr *ip6, const void *l4, uint32_t len)
{
	uint32_t s = rte_raw_cksum(ip6->src_addr, 32);

	s += rte_cpu_to_be_16(len & 0xffff) + rte_cpu_to_be_16(IPPROTO_ICMPV6);
	s += rte_raw_cksum(l4, len);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return ~s & 0xffff;
}

/* NS (type 135) or NA (136) with a link-layer address option (RFC 4861 §4.3, §4.4). */
static struct rte_mbuf *
nd_build(uint16_t port, uint8_t type, uint32_t flags, const uint8_t src[16], const uint8_t dst[16],
	 const uint8_t target[16], const struct rte_ether_addr *dmac, struct rte_mbuf *m)
{
	struct rte_ether_hdr *e;
	struct rte_ipv6_hdr *ip6;
	struct nd_msg *nd;
	uint8_t *opt;

	if (m == NULL)
		m = rte_pktmbuf_alloc(tgw.pool);
	if (m == NULL)
		return NULL;
	mbuf_reuse(m);
	e = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*e) + sizeof(*ip6) + sizeof(*nd) + 8);
	ip6 = (struct rte_ipv6_hdr *)(e + 1);
	nd = (struct nd_msg *)(ip6 + 1);
	opt = (uint8_t *)(nd + 1);
	rte_ether_addr_copy(dmac, &e->dst_addr);
	rte_ether_addr_copy(&tgw.ports[port].mac, &e->src_addr);
	e->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV6);
	ip6->vtc_flow = RTE_BE32(0x60000000);
	ip6->payload_len = rte_cpu_to_be_16(sizeof(*nd) + 8);
	ip6->proto = IPPROTO_ICMPV6;
	ip6->hop_limits = 255;
	memcpy(ip6->src_addr, src, 16);
	memcpy(ip6->dst_addr, dst, 16);
	nd->type = type;
	nd->code = 0;
	nd->cksum = 0;
	nd->flags = rte_cpu_to_be_32(flags);
	memcpy(nd->target, target, 16);
	opt[0] = type == 135 ? 1 : 2; /* source / target link-layer address */
	opt[1] = 1;
	memcpy(opt + 2, &tgw.ports[port].mac, 6);
	nd->cksum = icmp6_cksum(ip6, nd, sizeof(*nd) + 8);
	return m;
}

/* The link-layer address option of type want in an ND message, or NULL. */
static const struct rte_ether_addr *
nd_lladdr(const uint8_t *opt, uint32_t len, uint8_t want)
{
	while (len >= 8) {
		uint32_t l = opt[1] * 8;

		if (l == 0 || l > len)
			return NULL;
		if (opt[0] == want && l == 8)
			return (const struct rte_ether_addr *)(opt + 2);
		opt += l;
		len -= l;
	}
	return NULL;
}

static void
nd_input(struct rte_mbuf *m)
{
	struct tgw_meta *md = tgw_meta(m);
	uint16_t port = md->in_if;
	struct rte_ipv6_hdr *ip6 = rte_pktmbuf_mtod(m, struct rte_ipv6_hdr *);
	uint32_t off = md->aux & 0xffff, len;
	const struct nd_msg *nd;
	const struct rte_ether_addr *ll;
	struct tgw_ip src = {.family = 6}, tgt = {.family = 6};
	static const uint8_t zero[16];
	static const uint8_t all_nodes[16] = {0xff, 2, [15] = 1};

	if (port >= TGW_MAX_PORTS) { /* ND over a tunnel: nothing to resolve */
		drop(m, TGW_DROP_nd_ignored);
		return;
	}
	len = m->pkt_len - off;
	/* RFC 4861 §7.1.1/§7.1.2: hop limit 255, code 0, length */
	if (m->nb_segs > 1 || ip6->hop_limits != 255 || len < sizeof(*nd) ||
	    m->data_len < off + len) {
		drop(m, TGW_DROP_nd_bad);
		return;
	}
	nd = rte_pktmbuf_mtod_offset(m, const struct nd_msg *, off);
	if (nd->code != 0 || nd->target[0] == 0xff) {
		drop(m, TGW_DROP_nd_bad);
		return;
	}
	memcpy(src.v6, ip6->src_addr, 16);
	memcpy(tgt.v6, nd->target, 16);
	if (nd->type == 135) {
		bool dad = memcmp(ip6->src_addr, zero, 16) == 0;
		struct rte_ether_addr dmac;
		uint8_t dst[16];

		ll = nd_lladdr((const uint8_t *)(nd + 1), len - sizeof(*nd), 1);
		if (dad && ll) {
			drop(m, TGW_DROP_nd_bad);
			return;
		}
		if (!port_has(port, &tgt)) {
			drop(m, TGW_DROP_nd_ignored);
			return;
		}
		if (!dad && ll)
			learn(port, &src, ll, true);
		if (dad) {
			memcpy(dst, all_nodes, 16);
			memcpy(&dmac, (uint8_t[]){0x33, 0x33, 0, 0, 0, 1}, 6);
		} else {
			memcpy(dst, ip6->src_addr, 16);
			if (ll)
				dmac = *ll;
			else
				memcpy(&dmac, rte_pktmbuf_mtod_offset(m, uint8_t *, -8), 6);
		}
		/* RFC 4861 §7.2.4: solicited (unless DAD), override, router */
		nd_build(port, 136, (dad ? 0 : 0x40000000) | 0x20000000 | 0x80000000, nd->target,
			 dst, nd->target, &dmac, m);
		inject(m, TGW_INJECT_TX, port);
		return;
	}
	/* NA: merge the target's address if we use it */
	ll = nd_lladdr((const uint8_t *)(nd + 1), len - sizeof(*nd), 2);
	if (ll)
		learn(port, &tgt, ll, false);
	/* RFC 4861 §7.2.5: without the option an INCOMPLETE entry learns nothing */
	drop(m, TGW_DROP_nd_ignored);
}

/* ---- held packets and solicitations ---- */

static void
solicit(struct pending *pd)
{
	struct tgw_ip src;
	struct rte_mbuf *m = NULL;

	if (!port_src(pd->port, &pd->ip, &src))
		return;
	if (pd->ip.family == 4) {
		m = arp_build(pd->port, RTE_ARP_OP_REQUEST, &src, NULL, pd->ip.v4, NULL);
	} else {
		uint8_t snm[16] = {0xff, 2, [11] = 1, 0xff};
		struct rte_ether_addr dmac = {{0x33, 0x33, 0xff, pd->ip.v6[13], pd->ip.v6[14],
					       pd->ip.v6[15]}};

		memcpy(snm + 13, pd->ip.v6 + 13, 3);
		m = nd_build(pd->port, 135, 0, src.v6, snm, pd->ip.v6, &dmac, NULL);
	}
	if (m == NULL)
		return;
	inject(m, TGW_INJECT_TX, pd->port);
}

static void
hold(struct rte_mbuf *m, bool v6)
{
	const struct tgw_nh *nh = &tgw.nh[tgw_meta(m)->nh];
	struct tgw_ip ip;
	struct pending *pd;
	uint32_t r;

	if (nh->kind == TGW_NH_PORT) {
		ip = nh->gw;
	} else if (!v6) {
		ip.family = 4;
		ip.v4 = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *)->dst_addr;
	} else {
		ip.family = 6;
		memcpy(ip.v6, rte_pktmbuf_mtod(m, struct rte_ipv6_hdr *)->dst_addr, 16);
	}
	r = nh_resolved(nh->port, &ip);
	if (r != TGW_NH_NONE) { /* resolved meanwhile */
		tgw_meta(m)->nh = r;
		inject(m, v6 ? TGW_INJECT_REWRITE6 : TGW_INJECT_REWRITE4, 0);
		return;
	}
	pd = pending_find(nh->port, &ip);
	if (pd == NULL) {
		for (unsigned int i = 0; i < PENDING_MAX && pd == NULL; i++)
			if (!pending[i].used)
				pd = &pending[i];
		if (pd == NULL) {
			drop(m, TGW_DROP_neigh_hold_full);
			return;
		}
		memset(pd, 0, sizeof(*pd));
		pd->used = true;
		pd->port = nh->port;
		pd->ip = ip;
		pd->tries = 1;
		pd->next_tsc = rte_rdtsc() + rte_get_tsc_hz() * SOLICIT_MS / 1000;
		solicit(pd);
	}
	if (pd->n == HOLD_MAX) {
		drop(m, TGW_DROP_neigh_hold_full);
		return;
	}
	pd->held[pd->n++] = m;
}

void
tgw_ctl_poll(void)
{
	struct rte_mbuf *pkts[32];
	unsigned int n;
	uint64_t now = rte_rdtsc();

	if (tgw.punt_ring == NULL)
		return;
	tgw_l2_poll();
	n = rte_ring_sc_dequeue_burst(tgw.punt_ring, (void **)pkts, RTE_DIM(pkts), NULL);
	for (unsigned int i = 0; i < n; i++) {
		switch (tgw_meta(pkts[i])->punt) {
		case TGW_PUNT_ARP:
			arp_input(pkts[i]);
			break;
		case TGW_PUNT_ND:
			nd_input(pkts[i]);
			break;
		case TGW_PUNT_HOLD4:
			hold(pkts[i], false);
			break;
		case TGW_PUNT_HOLD6:
			hold(pkts[i], true);
			break;
		default:
			drop(pkts[i], TGW_DROP_local_proto);
		}
	}
	for (unsigned int i = 0; i < PENDING_MAX; i++) {
		struct pending *pd = &pending[i];

		if (!pd->used || now < pd->next_tsc)
			continue;
		if (pd->tries >= SOLICIT_MAX) {
			for (unsigned int k = 0; k < pd->n; k++)
				drop(pd->held[k], TGW_DROP_neigh_failed);
			pd->used = false;
			continue;
		}
		pd->tries++;
		pd->next_tsc = now + rte_get_tsc_hz() * SOLICIT_MS / 1000;
		solicit(pd);
	}
}

void
tgw_ctl_fini(void)
{
	for (unsigned int i = 0; i < PENDING_MAX; i++) {
		if (!pending[i].used)
			continue;
		for (unsigned int k = 0; k < pending[i].n; k++)
			drop(pending[i].held[k], TGW_DROP_neigh_failed);
		pending[i].used = false;
	}
}
