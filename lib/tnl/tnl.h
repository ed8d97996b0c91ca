/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The tunnel core: the registry of tunnel types (an ops table per type, as
 * OVS's build_header/push_header/pop_header), common configuration, the
 * endpoint lookup table and the rules shared by every type.
 */
#ifndef TGW_TNL_H
#define TGW_TNL_H

#include <stdint.h>

#include <jansson.h>
#include <rte_common.h>

#include "config.h"
#include "tgw.h"



struct tgw_tnl_ops {
	const char *type;         /* iproute2 type name: "ipip" */
	uint8_t outer;            /* outer family: 4 or 6; 0: the tunnel's addresses' */
	uint8_t default_ttl;      /* 0: inherit */
	bool has_pmtudisc;        /* IPv4 outer: DF governed by pmtudisc */
	const char *const *keys;  /* type-specific JSON keys */
	/* Parse the type-specific keys; t holds the common fields already. */
	int (*parse)(struct tgw_cfg_ctx *c, json_t *obj, const char *path, struct tgw_tunnel *t);
	/* Bytes added in front of the inner packet (outer IP included). */
	uint16_t (*overhead)(const struct tgw_tunnel *t);
	/* Build t->hdr / t->hdr_len / t->csum_base. */
	void (*build)(struct tgw_tunnel *t);
	/* IP protocols received for this tunnel (endpoint table keys). */
	int (*protos)(const struct tgw_tunnel *t, uint8_t *protos);
	const char *encap_node;
	const char *decap_node;
	uint8_t decap_protos[4];
	uint8_t n_decap_protos;
	/* Endpoint-table namespace: types sharing an IP protocol but not their packets
	 * (the kernel's ipgre, gretap and erspan nets) take different classes. */
	uint8_t lookup_cls;
	bool pmtudisc_off;  /* DF unset by default, no fixed-TTL rule (geneve, vxlan) */
	bool rx_any_remote; /* received from any remote (vxlan) */
	bool internal;      /* SA carriers' ops: no configuration names them */
	uint8_t type_id; /* set by the registry */
};

void tgw_tnl_register(struct tgw_tnl_ops *ops);
#define TGW_TNL_REGISTER(o) \
	RTE_INIT(tgw_tnl_register_##o) \
	{ \
		tgw_tnl_register(&o); \
	}

extern struct tgw_tnl_ops *tgw_tnl_types[TGW_TNL_MAX_TYPES];
extern unsigned int tgw_tnl_n_types;

const struct tgw_tnl_ops *tgw_tnl_ops_find(const char *type);
/* Parse one element of "tunnels". */
int tgw_tnl_parse(struct tgw_cfg_ctx *c, json_t *obj, const char *path, struct tgw_tunnel *t);
/* After ports, routes and neighbours: MTU defaults, templates, endpoint table. */
int tgw_tnl_finalize(struct tgw_cfg_ctx *c);
/* Build the templates again once ports are up: a "local": "any" source comes from the
 * underlay port, whose link-local address exists only then. */
void tgw_tnl_rebuild(void);

/* The endpoint table (kernel ip_tunnel_lookup precedence). */
struct tgw_tnl_key {
	uint8_t family;
	uint8_t proto;
	uint16_t sub; /* TGW_TNL_SUB(class, keyed) */
	uint32_t key; /* when keyed */
	uint8_t local[16];
	uint8_t remote[16];
};

struct tgw_tnl_slot {
	struct tgw_tnl_key k;
	uint16_t tunnel;
	uint16_t used;
};

struct tgw_tnl_table {
	uint32_t mask;
	uint32_t n;
	struct tgw_tnl_slot *slots;
	uint8_t has_wild_local[256], has_wild_remote[256], has_wild_both[256]; /* per proto */
};

extern struct tgw_tnl_table tgw_tnl_table;

/* Lookup namespace: the type's class, and whether the packet or tunnel carries a key
 * (kernel ip_tunnel_key_match: a keyed tunnel never takes an unkeyed packet, nor the
 * reverse). */
#define TGW_TNL_SUB(cls, keyed) ((uint16_t)((cls) << 1 | ((keyed) ? 1 : 0)))

/* Per-tunnel state the fast path writes: GRE sequence numbers (one sequence space per
 * tunnel, as the kernel). Transmit and receive sides sit on their own cache lines. */
struct tgw_tnl_rt {
	uint32_t oseq; /* next sequence number to send; workers take it by atomic add */
	uint8_t pad0[RTE_CACHE_LINE_SIZE - 4];
	uint64_t iseq; /* 1 << 32 | next expected sequence number; 0 before the first */
} __rte_cache_aligned;

extern struct tgw_tnl_rt *tgw_tnl_rt; /* [TGW_MAX_TUNNELS] */

/* The outer source: local, or for "any" the underlay port's first address. */
struct tgw_ip tgw_tnl_source(const struct tgw_tunnel *t);
/* MTU of the port a tunnel's outer packets leave by ("dev", else the route to the
 * remote; 1500 when none is known). */
uint16_t tgw_tnl_underlay_mtu(const struct tgw_tunnel *t);
/* "encap" (FOU/GUE, SPEC §2) of ipip, sit and gre (lib/tnl/udp). */
int tgw_tnl_parse_encap(struct tgw_cfg_ctx *c, json_t *obj, const char *path,
			struct tgw_tunnel *t);

/* An L2 tunnel is a bridge port: it has no addresses (config error otherwise). */
int tgw_tnl_l2_no_addrs(struct tgw_cfg_ctx *c, json_t *obj, const char *path,
			const struct tgw_tunnel *t);

int tgw_tnl_table_add(const struct tgw_tunnel *t, uint8_t proto, struct tgw_cfg_ctx *c);

#endif
