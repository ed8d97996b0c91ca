/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The UDP tunnels' nodes. tgw_udp4_local / tgw_udp6_local: UDP for a local address
 * (RFC 768; RFC 8200 §8.1, RFC 6935/6936 for zero checksums over IPv6), demultiplexed
 * by destination port: FOU and GUE are pulled off and the packet goes on to the
 * decap node of its IP protocol exactly as if it had arrived as that protocol (the
 * kernel's fou_udp_recv / gue_udp_recv resubmit it); GENEVE and VXLAN go to their
 * decap nodes, which hand the frame to the tunnel's bridge. tgw_udpl2_encap: the
 * Ethernet frames a bridge sends into a geneve or vxlan tunnel.
 */
#include <rte_ip.h>
#include <rte_random.h>
#include <rte_udp.h>

#include "ip_common.h"
#include "node_util.h"
#include "tnl_inline.h"
#include "udp.h"
#include "udp_inline.h"

/* ---- receive-port demultiplexing ---- */

#define UDP_LOCAL_NEXT_NODES \
	{ \
		[UDP_GENEVE] = TGW_NODE_GENEVE_DECAP, [UDP_VXLAN] = TGW_NODE_VXLAN_DECAP, \
		[UDP_TRUNC] = TGW_DROP_NODE(udp_truncated), \
		[UDP_BAD_LEN] = TGW_DROP_NODE(udp_bad_length), \
		[UDP_BAD_CSUM] = TGW_DROP_NODE(udp_bad_checksum), \
		[UDP_ZERO_CSUM] = TGW_DROP_NODE(udp_zero_checksum), \
		[UDP_NO_PORT] = TGW_DROP_NODE(local_proto), \
		[GUE_BAD_VERSION] = TGW_DROP_NODE(gue_bad_version), \
		[GUE_BAD_HLEN] = TGW_DROP_NODE(gue_bad_hlen), \
		[GUE_BAD_FLAGS] = TGW_DROP_NODE(gue_bad_flags), \
		[GUE_CONTROL] = TGW_DROP_NODE(gue_control), \
		[GUE_BAD_PROTO] = TGW_DROP_NODE(gue_bad_proto), \
		[NATT_KEEPALIVE] = TGW_DROP_NODE(natt_keepalive), \
		[NATT_NON_ESP] = TGW_DROP_NODE(natt_non_esp), \
		[TGW_UDP_NO_TUNNEL] = TGW_DROP_NODE(no_tunnel), \
	}

/* meta.aux handed to the geneve / vxlan decap nodes */
#define UDP_AUX(off, port_idx, zero_csum, v6) \
	((uint32_t)(off) | (uint32_t)(port_idx) << 16 | (uint32_t)(zero_csum) << 24 | \
	 (uint32_t)(v6) << 25)
#define UDP_AUX_OFF(a) ((a) & 0xffff)
#define UDP_AUX_PORT(a) (((a) >> 16) & 0xff)
#define UDP_AUX_ZERO(a) (((a) >> 24) & 1)

/*
 * GUE (draft-ietf-intarea-gue §3, as gue_udp_recv): variant 1 is a bare IPv4 or IPv6
 * packet; variant 0 has a 4-byte header and Hlen words of extension fields. Control
 * messages, unknown flags and private flags (no remote checksum offload here) are
 * dropped; extension words beyond the flags' fields are skipped. Returns the GUE
 * bytes to pull and the inner protocol in *proto, or an edge with *proto = 0.
 */
static __rte_always_inline uint16_t
gue_parse(const uint8_t *g, uint32_t avail, uint8_t *proto)
{
	uint32_t len;
	uint16_t flags;

	*proto = 0;
	if (unlikely(avail < 1))
		return GUE_BAD_HLEN;
	switch (g[0] >> 6) {
	case 1:
		if ((g[0] >> 4) == 4)
			*proto = IPPROTO_IPIP;
		else if ((g[0] >> 4) == 6)
			*proto = IPPROTO_IPV6;
		else
			return GUE_BAD_VERSION;
		return 0;
	case 0:
		break;
	default:
		return GUE_BAD_VERSION;
	}
	len = sizeof(struct tgw_gue_hdr) + (g[0] & 0x1f) * 4u;
	if (unlikely(avail < sizeof(struct tgw_gue_hdr) || avail < len))
		return GUE_BAD_HLEN;
	if (g[0] & 0x20)
		return GUE_CONTROL;
	flags = tgw_be16_at(g + 2);
	if (unlikely(flags & ~TGW_GUE_FLAG_PRIV))
		return GUE_BAD_FLAGS;
	if (flags & TGW_GUE_FLAG_PRIV) {
		if (unlikely(len < sizeof(struct tgw_gue_hdr) + 4))
			return GUE_BAD_HLEN;
		if (unlikely(tgw_be32_at(g + 4) != 0))
			return GUE_BAD_FLAGS;
	}
	if (unlikely(g[1] != IPPROTO_IPIP && g[1] != IPPROTO_IPV6 && g[1] != IPPROTO_GRE))
		return GUE_BAD_PROTO;
	*proto = g[1];
	return (uint16_t)len;
}

/* Takes FOU/GUE (pull bytes after the UDP header start) off an IPv4 packet: the IP
 * header moves up over them and now announces proto, as if received that way. */
static __rte_always_inline uint16_t
fou4_pull(struct rte_mbuf *m, struct rte_ipv4_hdr *ip, uint32_t ihl, uint32_t pull, uint8_t proto)
{
	uint16_t tot = rte_be_to_cpu_16(ip->total_length);
	struct rte_ipv4_hdr *n;

	n = (struct rte_ipv4_hdr *)((uint8_t *)ip + pull);
	memmove(n, ip, ihl);
	rte_pktmbuf_adj(m, pull);
	n->total_length = rte_cpu_to_be_16((uint16_t)(tot - pull));
	n->next_proto_id = proto;
	n->hdr_checksum = 0;
	n->hdr_checksum = rte_ipv4_cksum(n);
	return tgw_edges.udp4_decap[proto];
}

/* UDP payload demultiplexing, both families: off is the UDP header's offset. */
static __rte_always_inline uint16_t
udp_demux(struct rte_mbuf *m, uint8_t *p, uint32_t off, uint32_t ulen, bool v6, bool zero)
{
	const uint8_t slot = tgw.udp_demux[v6][tgw_be16_at(p + off + 2)];
	const struct tgw_udp_port *u;
	uint32_t pull;
	uint8_t proto;
	uint16_t e;

	if (slot == 0)
		return UDP_NO_PORT;
	u = &tgw.udp_ports[slot - 1];
	switch (u->kind) {
	case TGW_UDP_GENEVE:
	case TGW_UDP_VXLAN:
		tgw_meta(m)->aux = UDP_AUX(off + sizeof(struct rte_udp_hdr), slot - 1, zero, v6);
		return u->kind == TGW_UDP_GENEVE ? UDP_GENEVE : UDP_VXLAN;
	case TGW_UDP_FOU:
		pull = sizeof(struct rte_udp_hdr);
		proto = u->ipproto;
		break;
	case TGW_UDP_ESPINUDP: {
		/* RFC 3948 §2.2, §2.3 (the kernel's udp_encap_rcv for espinudp): a one-byte
		 * 0xff is a NAT keepalive; four zero bytes (the non-ESP marker) start an IKE
		 * message, for the IKE daemon (tungw has none); anything else is ESP. Over
		 * IPv6 a zero checksum is refused first (udpv6_rcv checks before encap_rcv) */
		const uint8_t *e8 = p + off + sizeof(struct rte_udp_hdr);
		uint32_t n = ulen - sizeof(struct rte_udp_hdr);

		if (unlikely(zero))
			return UDP_ZERO_CSUM;
		if (unlikely(m->data_len < off + sizeof(struct rte_udp_hdr) + RTE_MIN(n, 4u)))
			return UDP_TRUNC;
		if (n == 1 && e8[0] == 0xff)
			return NATT_KEEPALIVE;
		if (n < 4 || tgw_be32_at(e8) == 0)
			return NATT_NON_ESP;
		tgw_meta(m)->natt = 1;
		pull = sizeof(struct rte_udp_hdr);
		proto = IPPROTO_ESP;
		break;
	}
	default:
		e = gue_parse(p + off + sizeof(struct rte_udp_hdr), ulen - sizeof(struct rte_udp_hdr),
			      &proto);
		if (proto == 0)
			return e;
		pull = sizeof(struct rte_udp_hdr) + e;
		break;
	}
	/* FOU and GUE over IPv6 carry no zero checksum (only the L2 tunnels may allow it) */
	if (unlikely(zero))
		return UDP_ZERO_CSUM;
	if (unlikely(m->data_len < off + pull))
		return UDP_TRUNC;
	if (!v6)
		return fou4_pull(m, (struct rte_ipv4_hdr *)p, off, pull, proto);
	/* IPv6: the decap nodes take their header's offset from meta.aux */
	if (off == sizeof(struct rte_ipv6_hdr))
		((struct rte_ipv6_hdr *)p)->proto = proto;
	tgw_meta(m)->aux = (off + pull) | (uint32_t)proto << 16;
	return tgw_edges.udp6_decap[proto];
}

/* Validates the UDP header of a packet for us (off: its offset, plen: the IP payload
 * from there); a datagram shorter than the IP payload is trimmed to its length. */
static __rte_always_inline uint16_t
udp_check_len(struct rte_mbuf *m, uint8_t *p, uint32_t off, uint32_t plen, uint32_t *ulen)
{
	if (unlikely(m->data_len < off + sizeof(struct rte_udp_hdr)))
		return UDP_TRUNC;
	*ulen = tgw_be16_at(p + off + 4);
	if (unlikely(*ulen < sizeof(struct rte_udp_hdr) || *ulen > plen))
		return UDP_BAD_LEN;
	if (unlikely(*ulen < plen))
		rte_pktmbuf_trim(m, plen - *ulen);
	return UINT16_MAX;
}

static __rte_always_inline uint16_t
udp4_local_one(struct rte_mbuf *m, void *ctx)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)p;
	uint32_t ihl = (ip->version_ihl & 0xf) * 4, plen, ulen;
	uint16_t e, ck;

	RTE_SET_USED(ctx);
	plen = rte_be_to_cpu_16(ip->total_length) - ihl;
	e = udp_check_len(m, p, ihl, plen, &ulen);
	if (unlikely(e != UINT16_MAX))
		return e;
	if (ulen < plen)
		ip->total_length = rte_cpu_to_be_16((uint16_t)(ihl + ulen)); /* checksum: below */
	memcpy(&ck, p + ihl + 6, sizeof(ck));
	/* IPv4: a zero checksum means none (RFC 768) */
	if (ck != 0 && (m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) != RTE_MBUF_F_RX_L4_CKSUM_GOOD) {
		uint32_t s = rte_raw_cksum(&ip->src_addr, 8) + rte_cpu_to_be_16(IPPROTO_UDP) +
			     rte_cpu_to_be_16((uint16_t)ulen);

		if (unlikely(tgw_mbuf_cksum(m, ihl, ulen, s) != 0xffff))
			return UDP_BAD_CSUM;
	}
	if (ulen < plen) {
		ip->hdr_checksum = 0;
		ip->hdr_checksum = rte_ipv4_cksum(ip);
	}
	return udp_demux(m, p, ihl, ulen, false, false);
}

static __rte_always_inline uint16_t
udp6_local_one(struct rte_mbuf *m, void *ctx)
{
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)p;
	uint32_t off = tgw_meta(m)->aux & 0xffff, plen, ulen;
	uint16_t e, ck;

	RTE_SET_USED(ctx);
	plen = sizeof(*ip6) + rte_be_to_cpu_16(ip6->payload_len) - off;
	e = udp_check_len(m, p, off, plen, &ulen);
	if (unlikely(e != UINT16_MAX))
		return e;
	if (ulen < plen)
		ip6->payload_len = rte_cpu_to_be_16((uint16_t)(off + ulen - sizeof(*ip6)));
	memcpy(&ck, p + off + 6, sizeof(ck));
	if (ck == 0)
		return udp_demux(m, p, off, ulen, true, true);
	if ((m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) != RTE_MBUF_F_RX_L4_CKSUM_GOOD &&
	    unlikely(tgw_mbuf_cksum(m, off, ulen, tgw_ip6_phdr_sum(ip6, ulen, IPPROTO_UDP)) !=
		     0xffff))
		return UDP_BAD_CSUM;
	return udp_demux(m, p, off, ulen, true, false);
}

static uint16_t
udp4_local_chunk(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t n,
		 bool whole)
{
	uint16_t nexts[RTE_GRAPH_BURST_SIZE];

	TGW_NODE_LOOP_HOT(objs, n, nexts, udp4_local_one, NULL);
	tgw_node_dispatch(graph, node, objs, nexts, n, &tgw_node_ctx(node)->spec, whole);
	return n;
}

static uint16_t
udp6_local_chunk(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t n,
		 bool whole)
{
	uint16_t nexts[RTE_GRAPH_BURST_SIZE];

	TGW_NODE_LOOP_HOT(objs, n, nexts, udp6_local_one, NULL);
	tgw_node_dispatch(graph, node, objs, nexts, n, &tgw_node_ctx(node)->spec, whole);
	return n;
}

TGW_NODE_PROCESS(udp4_local_process, udp4_local_chunk)
TGW_NODE_PROCESS(udp6_local_process, udp6_local_chunk)

static struct rte_node_register udp4_local_node = {
	.name = TGW_NODE_UDP4_LOCAL,
	.process = udp4_local_process,
	.nb_edges = TGW_UDP_LOCAL_NB,
	.next_nodes = UDP_LOCAL_NEXT_NODES,
};
RTE_NODE_REGISTER(udp4_local_node);

static struct rte_node_register udp6_local_node = {
	.name = TGW_NODE_UDP6_LOCAL,
	.process = udp6_local_process,
	.nb_edges = TGW_UDP_LOCAL_NB,
	.next_nodes = UDP_LOCAL_NEXT_NODES,
};
RTE_NODE_REGISTER(udp6_local_node);

/* ---- geneve and vxlan decap ---- */

enum {
	L2U_TRUNC = TGW_DECAP_NB,
	L2U_ZERO_CSUM,
	GENEVE_VERSION,
	GENEVE_PROTO,
	GENEVE_OPTIONS,
	GENEVE_CRITICAL,
	GENEVE_CONTROL,
	VXLAN_TRUNC,
	VXLAN_NO_I,
	L2U_NB
};

#define L2U_DECAP_NEXT_NODES \
	{ \
		TGW_DECAP_NEXT_NODES, [L2U_TRUNC] = TGW_DROP_NODE(geneve_truncated), \
		[L2U_ZERO_CSUM] = TGW_DROP_NODE(udp_zero_checksum), \
		[GENEVE_VERSION] = TGW_DROP_NODE(geneve_bad_version), \
		[GENEVE_PROTO] = TGW_DROP_NODE(geneve_bad_proto), \
		[GENEVE_OPTIONS] = TGW_DROP_NODE(geneve_bad_options), \
		[GENEVE_CRITICAL] = TGW_DROP_NODE(geneve_critical_option), \
		[GENEVE_CONTROL] = TGW_DROP_NODE(geneve_control), \
		[VXLAN_TRUNC] = TGW_DROP_NODE(vxlan_truncated), \
		[VXLAN_NO_I] = TGW_DROP_NODE(vxlan_no_vni_flag), \
	}

struct l2u_decap_ctx {
	struct tgw_tnl_acc acc;
	struct tgw_tnl_kcache cache;
};

/* The tunnel of a VNI received on port slot (geneve also matches the remote, as
 * geneve_lookup; vxlan tunnels are entered with a wildcard remote). */
static __rte_always_inline int
l2u_lookup(struct rte_mbuf *m, struct l2u_decap_ctx *c, uint8_t cls, uint32_t vni, uint32_t aux,
	   uint8_t *ds)
{
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);

	if (aux >> 25) {
		const struct rte_ipv6_hdr *ip6 = (const struct rte_ipv6_hdr *)p;

		*ds = (rte_be_to_cpu_32(ip6->vtc_flow) >> 20) & 0xff;
		return tgw_tnl_lookup_keyed(&c->cache, 6, IPPROTO_UDP, TGW_TNL_SUB(cls, 1),
					    TGW_UDP_KEY(vni, UDP_AUX_PORT(aux)), ip6->dst_addr,
					    ip6->src_addr);
	}
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)p;

	*ds = ip->type_of_service;
	return tgw_tnl_lookup_keyed(&c->cache, 4, IPPROTO_UDP, TGW_TNL_SUB(cls, 1),
				    TGW_UDP_KEY(vni, UDP_AUX_PORT(aux)), &ip->dst_addr,
				    &ip->src_addr);
}

/* An option the tunnel sends is one it understands (SPEC §2). */
static bool
geneve_opt_known(const struct tgw_tunnel *t, uint16_t cls, uint8_t type)
{
	for (unsigned int i = 0; i < t->n_opts; i++)
		if (t->opts[i].cls == cls && t->opts[i].type == type)
			return true;
	return false;
}

/* RFC 8926 §3.5: every option within the option length; one with the critical bit
 * that the tunnel does not understand drops the packet. */
static uint16_t
geneve_options(const struct tgw_tunnel *t, const uint8_t *o, uint32_t len)
{
	uint32_t i = 0;

	while (i < len) {
		uint32_t ol;

		if (len - i < 4)
			return GENEVE_OPTIONS;
		ol = 4 + (o[i + 3] & 0x1f) * 4u;
		if (ol > len - i)
			return GENEVE_OPTIONS;
		if ((o[i + 2] & TGW_GENEVE_OPT_CRIT) && !geneve_opt_known(t, tgw_be16_at(o + i), o[i + 2]))
			return GENEVE_CRITICAL;
		i += ol;
	}
	return UINT16_MAX;
}

static __rte_always_inline uint16_t
geneve_decap_one(struct rte_mbuf *m, struct l2u_decap_ctx *c)
{
	uint32_t aux = tgw_meta(m)->aux, off = UDP_AUX_OFF(aux), olen, inner;
	const uint8_t *g = rte_pktmbuf_mtod_offset(m, const uint8_t *, off);
	const struct tgw_tunnel *t;
	uint8_t ds;
	uint16_t e;
	int tid;

	if (unlikely(m->data_len < off + sizeof(struct tgw_geneve_hdr)))
		return L2U_TRUNC;
	if (unlikely(g[0] >> 6))
		return GENEVE_VERSION;
	olen = (g[0] & 0x3f) * 4u;
	inner = off + sizeof(struct tgw_geneve_hdr) + olen;
	if (unlikely(m->data_len < inner))
		return GENEVE_OPTIONS;
	if (unlikely(tgw_be16_at(g + 2) != 0x6558))
		return GENEVE_PROTO;
	tid = l2u_lookup(m, c, TGW_UDP_CLS_GENEVE, tgw_be32_at(g + 4) >> 8, aux, &ds);
	if (unlikely(tid < 0))
		return TGW_DECAP_NO_TUNNEL;
	t = &tgw.tunnels[tid];
	if (unlikely(UDP_AUX_ZERO(aux) && !t->udp_zero_rx))
		return L2U_ZERO_CSUM;
	if (olen) {
		e = geneve_options(t, g + sizeof(struct tgw_geneve_hdr), olen);
		if (unlikely(e != UINT16_MAX))
			return e;
	}
	/* RFC 8926 §3.4: a control message is not data */
	if (unlikely(g[1] & TGW_GENEVE_O))
		return GENEVE_CONTROL;
	return tgw_tnl_decap_l2(m, t, inner, ds, &c->acc);
}

/* RFC 7348 §5: the I flag must be set; the reserved fields are ignored. */
static __rte_always_inline uint16_t
vxlan_decap_one(struct rte_mbuf *m, struct l2u_decap_ctx *c)
{
	uint32_t aux = tgw_meta(m)->aux, off = UDP_AUX_OFF(aux);
	const uint8_t *v = rte_pktmbuf_mtod_offset(m, const uint8_t *, off);
	const struct tgw_tunnel *t;
	uint8_t ds;
	int tid;

	if (unlikely(m->data_len < off + sizeof(struct tgw_vxlan_hdr)))
		return VXLAN_TRUNC;
	if (unlikely(!(v[0] & 0x08)))
		return VXLAN_NO_I;
	tid = l2u_lookup(m, c, TGW_UDP_CLS_VXLAN, tgw_be32_at(v + 4) >> 8, aux, &ds);
	if (unlikely(tid < 0))
		return TGW_DECAP_NO_TUNNEL;
	t = &tgw.tunnels[tid];
	if (unlikely(UDP_AUX_ZERO(aux) && !t->udp_zero_rx))
		return L2U_ZERO_CSUM;
	return tgw_tnl_decap_l2(m, t, off + sizeof(struct tgw_vxlan_hdr), ds, &c->acc);
}

static uint16_t
geneve_decap_chunk(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t n,
		   bool whole)
{
	uint16_t nexts[RTE_GRAPH_BURST_SIZE];
	struct l2u_decap_ctx c = {0};

	TGW_NODE_LOOP_HOT(objs, n, nexts, geneve_decap_one, &c);
	tgw_tnl_acc_flush(&c.acc, false);
	tgw_node_dispatch(graph, node, objs, nexts, n, &tgw_node_ctx(node)->spec, whole);
	return n;
}

static uint16_t
vxlan_decap_chunk(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t n,
		  bool whole)
{
	uint16_t nexts[RTE_GRAPH_BURST_SIZE];
	struct l2u_decap_ctx c = {0};

	TGW_NODE_LOOP_HOT(objs, n, nexts, vxlan_decap_one, &c);
	tgw_tnl_acc_flush(&c.acc, false);
	tgw_node_dispatch(graph, node, objs, nexts, n, &tgw_node_ctx(node)->spec, whole);
	return n;
}

TGW_NODE_PROCESS(geneve_decap_process, geneve_decap_chunk)
TGW_NODE_PROCESS(vxlan_decap_process, vxlan_decap_chunk)

static struct rte_node_register geneve_decap_node = {
	.name = TGW_NODE_GENEVE_DECAP,
	.process = geneve_decap_process,
	.nb_edges = L2U_NB,
	.next_nodes = L2U_DECAP_NEXT_NODES,
};
RTE_NODE_REGISTER(geneve_decap_node);

static struct rte_node_register vxlan_decap_node = {
	.name = TGW_NODE_VXLAN_DECAP,
	.process = vxlan_decap_process,
	.nb_edges = L2U_NB,
	.next_nodes = L2U_DECAP_NEXT_NODES,
};
RTE_NODE_REGISTER(vxlan_decap_node);

/* ---- geneve and vxlan encap ---- */

static uint16_t l2u_ident[RTE_MAX_LCORE];

enum { L2U_ENCAP_REWRITE6 = TGW_ENCAP_NB, L2U_ENCAP_LOOKUP6, L2U_ENCAP_NB };

struct l2u_encap_ctx {
	struct tgw_tnl_acc acc;
	struct tgw_tnl_plan pl;
	uint16_t ident;
};

/*
 * Outer IP + UDP + GENEVE (with its options) or VXLAN from the template, in front
 * of the frame: lengths, TOS (inherit / ECN from an IP frame), TTL, ID, the source
 * port from the frame's flow and the UDP checksum as the tunnel sends it.
 */
static __rte_always_inline uint16_t
l2u_encap_one(struct rte_mbuf *m, struct l2u_encap_ctx *c)
{
	const struct tgw_tunnel *t = tgw_tnl_plan_get(&c->pl, tgw_meta(m)->tunnel);
	struct tgw_inner in;
	bool trunc, direct;
	uint16_t next = tgw_tnl_l2_check(m, t, &in, &trunc);
	uint32_t hash;
	uint8_t *o;

	if (unlikely(next != TGW_ENCAP_PENDING))
		return next;
	hash = t->sport ? 0 : tgw_l2_flow_hash(rte_pktmbuf_mtod(m, const uint8_t *), m->data_len);
	o = tgw_tnl_push(m, &c->pl, &in, t->hdr_len, &direct);
	if (unlikely(o == NULL))
		return TGW_ENCAP_NO_MBUF;
	if (t->outer == 4) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)o;

		tgw_ip4_outer_fill(ip, t, IPPROTO_UDP, in.len + t->hdr_len, in.ds, in.ttl, 0,
				   &c->ident);
		tgw_udp_fill(m, o, t, &in, hash, false);
		return tgw_tnl_encap_done(m, &c->pl, &in, direct, &c->acc);
	} else {
		struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)o;

		ip6->vtc_flow = rte_cpu_to_be_32(6u << 28 |
						 (uint32_t)tgw_tnl_outer_tos(t->tos, in.ds) << 20);
		ip6->payload_len = rte_cpu_to_be_16(t->hdr_len - sizeof(*ip6) + in.len);
		if (t->ttl == 0)
			ip6->hop_limits = in.ttl;
		tgw_udp_fill(m, o, t, &in, hash, true);
	}
	next = tgw_tnl_encap_done(m, &c->pl, &in, direct, &c->acc);
	/* an IPv6 outer packet that is not direct takes the IPv6 nodes */
	if (next == TGW_ENCAP_REWRITE)
		return L2U_ENCAP_REWRITE6;
	if (next == TGW_ENCAP_LOOKUP)
		return L2U_ENCAP_LOOKUP6;
	return next;
}

static uint16_t
l2u_encap_chunk(struct rte_graph *graph, struct rte_node *node, void **objs, uint16_t n,
		bool whole)
{
	uint16_t nexts[RTE_GRAPH_BURST_SIZE];
	uint16_t *ident = &l2u_ident[rte_lcore_id()];
	struct l2u_encap_ctx c = {0};

	c.ident = *ident;
	tgw_tnl_plan_init(&c.pl);
	TGW_NODE_LOOP_HOT(objs, n, nexts, l2u_encap_one, &c);
	*ident = c.ident;
	tgw_tnl_acc_flush(&c.acc, true);
	tgw_node_dispatch(graph, node, objs, nexts, n, &tgw_node_ctx(node)->spec, whole);
	return n;
}

TGW_NODE_PROCESS(l2u_encap_process, l2u_encap_chunk)

static int
l2u_encap_init(const struct rte_graph *graph, struct rte_node *node)
{
	RTE_SET_USED(node);
	l2u_ident[tgw.workers[tgw_graph_worker(graph)]] = (uint16_t)rte_rand();
	return 0;
}

/* One node for both outer families: the rewrite and lookup edges of each. */
static struct rte_node_register l2u_encap_node = {
	.name = TGW_NODE_UDPL2_ENCAP,
	.process = l2u_encap_process,
	.init = l2u_encap_init,
	.nb_edges = L2U_ENCAP_NB,
	.next_nodes = {TGW_ENCAP_NEXT_NODES("tgw_ip4_rewrite", "tgw_ip4_lookup"),
		       [L2U_ENCAP_REWRITE6] = "tgw_ip6_rewrite",
		       [L2U_ENCAP_LOOKUP6] = "tgw_ip6_lookup"},
};
RTE_NODE_REGISTER(l2u_encap_node);
