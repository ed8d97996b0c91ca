/* SPDX-License-Identifier: BSD-3-Clause */
/* tungw core types: ports, tunnels, next hops, the global gateway state. */
#ifndef TGW_H
#define TGW_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#define TGW_NAME_LEN 32
#define TGW_MAX_PORTS 16
#define TGW_MAX_TUNNELS 1024
#define TGW_MAX_ADDRS 16
#define TGW_MAX_WORKERS 16
#define TGW_MAX_NH 32767
#define TGW_MAX_HDR 128 /* longest outer-header template */
#define TGW_TNL_MAX_TYPES 16
#define TGW_MAX_SAS 1024

/* An address of either family; family 0 is the wildcard "any". */
struct tgw_ip {
	uint8_t family; /* 0 (any), 4 or 6 */
	union {
		rte_be32_t v4;
		uint8_t v6[16];
	};
};

struct tgw_prefix {
	struct tgw_ip ip;
	uint8_t len;
};

/* Interface index space: ports first, then tunnels. */
#define TGW_IF_TUNNEL(t) ((uint16_t)(TGW_MAX_PORTS + (t)))

struct tgw_port {
	char name[TGW_NAME_LEN];
	char device[256];
	char driver[64];
	uint16_t idx;     /* index in tgw.ports */
	uint16_t port_id; /* DPDK port id once probed */
	uint16_t mtu;
	uint16_t nb_rxd, nb_txd;
	uint16_t queues; /* 0: auto, one per worker */
	bool mac_set;
	bool offloads_off;
	bool rx_ip_cksum; /* RX IPv4 checksum offload active */
	bool tx_ip_cksum; /* TX IPv4 checksum offload active */
	bool rx_prefetch; /* prefetch received frames (DMA'd, not in the cache) */
	uint64_t rss_hf;
	struct rte_ether_addr mac;
	uint8_t n_addrs;
	struct tgw_prefix addrs[TGW_MAX_ADDRS];
	uint8_t ll6[16]; /* EUI-64 link-local address */
	void *profile;   /* json_t * per-port driver profile override */
	int16_t bridge;  /* bridge member (purely L2), or -1 */
	int16_t mirror[2]; /* [0] ingress, [1] egress: the tunnel frames are copied into, or -1 */
};

struct tgw_tnl_ops;

/* Tunnel encapsulation limit: RFC 2473 §4.1.1. */
#define TGW_ENCAPLIMIT_NONE 0xffff

struct tgw_tunnel {
	char name[TGW_NAME_LEN];
	uint16_t id;
	const struct tgw_tnl_ops *ops;
	struct tgw_ip local, remote;
	uint8_t ttl;  /* 0: inherit */
	int16_t tos;  /* -1: inherit, else the outer TOS / traffic class */
	bool pmtudisc;
	uint16_t mtu;
	int16_t dev;  /* underlay port or -1 */
	uint8_t inner; /* TGW_INNER_* accepted/sent inner families */
	uint16_t encaplimit; /* ip6tnl: 0..255 or TGW_ENCAPLIMIT_NONE */
	int32_t flowlabel;   /* -1: inherit */
	const char *mode;    /* as configured, for --check */
	uint8_t n_addrs;
	struct tgw_prefix addrs[TGW_MAX_ADDRS];

	/* Outer-header template, built once on the control path. */
	uint8_t hdr[TGW_MAX_HDR];
	uint8_t hdr_len;
	uint16_t csum_base; /* ip4: ones-complement sum of the template, no tot_len/id/ttl */
	uint32_t nh;        /* underlay next hop for the remote, or TGW_NH_NONE */
	uint32_t nh_self;   /* the TUNNEL next hop routes into this tunnel use */
	uint16_t tx_edge;   /* encap node -> TX of the cached next hop's port */
	uint8_t ver_ok;     /* bit v: inner IP version v may be sent (0: cannot send) */

	/* GRE family, as the kernel's ip_tunnel_parm i_flags/o_flags, i_key/o_key */
	uint8_t iflags, oflags; /* TGW_TF_* */
	uint8_t gre_off;        /* offset of the GRE header in hdr */
	uint8_t seq_off;        /* oflags SEQ: offset of the GRE sequence number in hdr */
	uint8_t ers_off;        /* offset of the ERSPAN header in hdr (0: none) */
	uint32_t ikey, okey;    /* host order */
	/* ERSPAN: version 1 (type II) or 2 (type III), index (v1), direction, hwid (v2) */
	uint8_t erspan_ver, erspan_dir, erspan_hwid;
	uint32_t erspan_idx;
	/* IPsec: an xfrm interface's if_id; an SA carrier's SA (see n_carriers), else -1 */
	uint32_t if_id;
	int32_t xfrm_sa;
	/* the SA every inner IPv4 [0] / IPv6 [1] packet goes out with without a policy
	 * lookup: an SA carrier's, or a vti's when one out policy catches all; else -1 */
	int32_t out_sa[2];
	/* the ESP or AH state protecting this tunnel's outer packets (policy-based out
	 * policy; transport mode, or tunnel mode through the state's carrier),
	 * TGW_TSA_NO_STATE when the policy's template finds none, TGW_TSA_BLOCK when the
	 * policy blocks them, else -1 */
	int32_t xfrm_tsa;
	bool xfrm_tsa_ah; /* xfrm_tsa is an AH state */
	/* a policy-based tunnel-mode SA's carrier: only the SA's MTU is checked, at once (the
	 * kernel's forwarding route is the xfrm bundle), not the carrier's first */
	bool sa_mtu_only;
	int16_t bridge; /* L2 tunnels: the bridge it is a member of, or -1 */
	/* UDP: FOU/GUE "encap" of ipip, sit, gre; geneve and vxlan */
	uint8_t outer;      /* outer family, 4 or 6 */
	uint8_t encap;      /* TGW_ENCAP_FOU / TGW_ENCAP_GUE, 0: none */
	uint8_t udp_off;    /* offset of the UDP header in hdr (0: none) */
	bool udp_csum;      /* send UDP checksums (IPv4: csum/udpcsum; IPv6: not udp6zerocsumtx) */
	bool udp_zero_rx;   /* IPv6: accept a zero UDP checksum (udp6zerocsumrx) */
	uint16_t sport;     /* host order; 0: "auto", a hash of the inner flow */
	uint16_t dport;     /* host order */
	uint32_t vni;       /* geneve, vxlan */
	uint8_t n_opts;     /* geneve options sent (and understood when critical) */
	uint8_t opts_len;   /* their bytes in hdr */
	struct tgw_geneve_opt {
		uint16_t cls;
		uint8_t type;
	} opts[8];
	void *priv;
};

#define TGW_INNER_IP4 0x1
#define TGW_INNER_IP6 0x2
#define TGW_INNER_ETH 0x4 /* an L2 tunnel: carries Ethernet frames */

/* Tunnel flags (kernel TUNNEL_CSUM, TUNNEL_KEY, TUNNEL_SEQ). */
#define TGW_TF_CSUM 0x1
#define TGW_TF_KEY 0x2
#define TGW_TF_SEQ 0x4

/* Next hops: what a FIB lookup returns. */
enum tgw_nh_kind {
	TGW_NH_DROP = 0, /* blackhole / unset */
	TGW_NH_BCAST,    /* the broadcast address of a connected IPv4 subnet */
	TGW_NH_LOCAL,    /* one of our addresses */
	/* from here on: forwarded */
	TGW_NH_PORT,     /* a neighbour on a port */
	TGW_NH_GLEAN,    /* connected subnet: the neighbour is the destination */
	TGW_NH_TUNNEL,   /* into a tunnel */
};

#define TGW_NH_NONE UINT32_MAX
/* meta.tunnel of a forwarded packet on its way through the policy-based out policies */
#define TGW_TUNNEL_NONE UINT16_MAX
#define TGW_TSA_NO_STATE (-2)
#define TGW_TSA_BLOCK (-3) /* tunnel.xfrm_tsa: a block policy selects the outer packets */

struct tgw_nh {
	uint8_t kind;
	uint8_t family; /* of the gateway address */
	uint16_t port;  /* port index (PORT, GLEAN) */
	uint16_t tunnel;
	uint16_t mtu;
	volatile uint8_t resolved; /* l2 valid (PORT) */
	uint8_t pad[3];
	uint16_t fwd_edge[2]; /* edge out of the ip4 [0] / ip6 [1] forwarding nodes */
	uint8_t l2[16]; /* dst mac, src mac, ethertype */
	struct tgw_ip gw;
} __rte_cache_aligned;

struct tgw_route {
	struct tgw_prefix dst;
	struct tgw_ip via;
	int16_t port;   /* -1 if tunnel */
	int16_t tunnel; /* -1 if port */
	uint32_t nh;
};

struct tgw_neigh {
	struct tgw_ip ip;
	struct rte_ether_addr mac;
	uint16_t port;
};

/* The whole gateway. */
struct tgw {
	const char *cfg_file;
	uint16_t n_ports, n_tunnels, n_routes, n_neighs;
	/* tunnels[n_tunnels .. n_tunnels + n_carriers): one per SA an xfrm interface sends
	 * with (xfrm_cfg.c), holding its outer header and underlay next hop; not configured
	 * devices (their counters are the interface's: id is the interface's index) */
	uint16_t n_carriers;
	/* policy-based IPsec: bit 0 (IPv4) / bit 1 (IPv6) set when forwarded packets of the
	 * family go through the fwd and out policies (tgw_xfrm_out) */
	uint8_t xfrm_pb;
	struct tgw_port ports[TGW_MAX_PORTS];
	struct tgw_tunnel *tunnels; /* [TGW_MAX_TUNNELS] */
	struct tgw_route *routes;
	struct tgw_neigh *neighs;
	uint16_t n_workers;
	unsigned int workers[TGW_MAX_WORKERS]; /* lcore ids */
	struct rte_mempool *pool;
	struct rte_mempool *indirect_pool;
	struct rte_mempool *mirror_pool; /* mirror copies, apart so they never starve originals */
	struct tgw_nh *nh;     /* [TGW_MAX_NH] */
	uint32_t n_nh;
	struct rte_fib *fib4;
	struct rte_fib6 *fib6;
	struct rte_ring *punt_ring;                    /* workers -> control */
	struct rte_ring *inject_ring[TGW_MAX_WORKERS]; /* control -> worker */
	struct rte_rcu_qsbr *qs; /* workers report a quiescent state after each graph walk */
	volatile bool quit;
	/* UDP receive ports (fou entries, geneve and vxlan dstports): udp_demux[family is 6]
	 * [port] is 1 + the index in udp_ports, 0 for none */
	uint8_t n_udp_ports;
	struct tgw_udp_port {
		uint8_t kind;    /* TGW_UDP_* */
		uint8_t family;  /* 4 or 6 */
		uint8_t ipproto; /* FOU */
		uint16_t port;   /* host order */
	} udp_ports[64];
	uint8_t udp_demux[2][65536];
};

enum { TGW_UDP_NONE, TGW_UDP_FOU, TGW_UDP_GUE, TGW_UDP_GENEVE, TGW_UDP_VXLAN, TGW_UDP_ESPINUDP };
enum { TGW_ENCAP_NONE, TGW_ENCAP_FOU, TGW_ENCAP_GUE };

extern struct tgw tgw;

/* Per-packet metadata kept in an mbuf dynamic field. */
struct tgw_meta {
	/* the first 8 bytes are set in one store on receive (tgw_meta_rx) */
	uint16_t in_if;   /* receiving port index or TGW_IF_TUNNEL(t) */
	uint8_t depth;    /* encapsulation nesting, guards tunnel loops */
	uint8_t local;    /* generated by the gateway: no TTL decrement */
	uint8_t l2mc;     /* received as an Ethernet group frame: local delivery only */
	uint8_t mirror;   /* a mirror copy: never mirrored again */
	uint8_t xfrm;     /* decrypted, its in/fwd policy checked (tgw_xfrm_out lets it by) */
	uint8_t natt;     /* ESP that came in UDP (RFC 3948), for the ESP decap node */
	uint32_t nh;      /* next hop chosen by the lookup */
	uint16_t tunnel;  /* target tunnel for encap */
	uint8_t punt;     /* TGW_PUNT_* reason for the control lcore */
	uint8_t inject;   /* TGW_INJECT_* destination for injected packets */
	uint32_t aux;     /* per-use scratch (ICMP error type/code/mtu, tx port) */
};

/* The metadata is registered at this fixed offset (the first dynamic field slot), so
 * the fast path needs no load of a registered offset per access. */
#define TGW_META_OFF offsetof(struct rte_mbuf, dynfield1)
static_assert(sizeof(struct tgw_meta) <= sizeof(((struct rte_mbuf *)0)->dynfield1),
	      "tgw_meta fits the dynamic field area");

static __rte_always_inline struct tgw_meta *
tgw_meta(struct rte_mbuf *m)
{
	return RTE_MBUF_DYNFIELD(m, TGW_META_OFF, struct tgw_meta *);
}

/* Metadata of a packet just received on port p: depth 0, not local. */
static __rte_always_inline void
tgw_meta_rx(struct rte_mbuf *m, uint16_t p, bool l2mc)
{
	uint64_t head = p | (uint64_t)l2mc << 32;

	memcpy(tgw_meta(m), &head, sizeof(head));
}

/* local or l2mc set: the packet takes the slow path of the forwarding decision */
static __rte_always_inline bool
tgw_meta_special(struct rte_mbuf *m)
{
	uint16_t f;

	memcpy(&f, &tgw_meta(m)->local, sizeof(f));
	return f != 0;
}

enum {
	TGW_PUNT_ARP = 1,
	TGW_PUNT_ND,
	TGW_PUNT_HOLD4, /* unresolved IPv4 next hop */
	TGW_PUNT_HOLD6,
};

enum {
	TGW_INJECT_TX = 0, /* complete frame: send on meta.aux port */
	TGW_INJECT_REWRITE4,
	TGW_INJECT_REWRITE6,
	TGW_INJECT_ETH, /* receive path (fuzzing, tests) */
};

/* Helpers on addresses. */
int tgw_ip_parse(const char *s, struct tgw_ip *ip);
int tgw_prefix_parse(const char *s, struct tgw_prefix *p);
const char *tgw_ip_str(const struct tgw_ip *ip, char *buf, size_t len);
bool tgw_ip_eq(const struct tgw_ip *a, const struct tgw_ip *b);
bool tgw_prefix_contains(const struct tgw_prefix *p, const struct tgw_ip *ip);
/* fe80::/10: reached through the port it was learned or configured on (host routes) */
static inline bool
tgw_ip_is_ll(const struct tgw_ip *ip)
{
	return ip->family == 6 && ip->v6[0] == 0xfe && (ip->v6[1] & 0xc0) == 0x80;
}

int tgw_port_find(const char *name);
int tgw_tunnel_find(const char *name);

/* Addresses of the gateway: the first IPv4/IPv6 address of an interface. */
bool tgw_if_addr4(uint16_t in_if, rte_be32_t *a);
bool tgw_if_addr6(uint16_t in_if, uint8_t a[16]);

#endif
