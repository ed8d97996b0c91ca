/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPsec (SPEC §2 xfrm): the SA database, the security policy database and the
 * per-SA state the fast path writes (sequence numbers, anti-replay windows), as
 * `ip xfrm state` and `ip xfrm policy` describe them.
 */
#ifndef TGW_IPSEC_H
#define TGW_IPSEC_H

#include <stdint.h>

#include <jansson.h>
#include <rte_acl.h>
#include <rte_common.h>
#include <rte_rcu_qsbr.h>

#include "config.h"
#include "ipsec_crypto.h"
#include "stats.h"
#include "tgw.h"

#define TGW_MAX_POLICIES 1024
#define TGW_MAX_TMPLS 4
#define TGW_REPLAY_MAX 4096 /* bits */

enum { TGW_XFRM_TUNNEL, TGW_XFRM_TRANSPORT, TGW_XFRM_BEET };
enum { TGW_XFRM_IN, TGW_XFRM_OUT, TGW_XFRM_FWD, TGW_XFRM_NDIRS };

/* A security association: `ip xfrm state`. */
struct tgw_sa {
	uint32_t spi;   /* host order */
	uint8_t proto;  /* IPPROTO_ESP or IPPROTO_AH */
	uint8_t mode;   /* TGW_XFRM_* */
	uint8_t family; /* of src and dst (the outer header in tunnel mode) */
	bool esn;
	struct tgw_ip src, dst;
	uint32_t reqid;
	uint32_t if_id;
	uint32_t mark, mark_mask;
	uint16_t replay_window; /* bits; 0: anti-replay off */
	/* BEET mode (RFC 7402): the inner addresses, "sel" (ip xfrm state ... sel src A dst B);
	 * their family may differ from the outer one */
	struct tgw_ip sel_src, sel_dst;
	bool natt;              /* "encap": espinudp (RFC 3948) */
	uint16_t natt_sport, natt_dport; /* host order */
	uint16_t id;
	uint64_t oseq; /* "replay_oseq": the last sequence number sent before start */
	uint64_t iseq; /* "replay_seq": the highest sequence number received before start */
	int16_t xfrmi;   /* the xfrm interface with this if_id (tunnel index), or -1 */
	int16_t carrier; /* the SA carrier an xfrm interface sends with (tunnel index), or -1 */
	char name[48]; /* statistics key: "0x%08x", "/<dst>" when the SPI is shared */
	struct tgw_sa_crypto *cr;
};

/* A template of a policy: which SA must protect the traffic. */
struct tgw_xfrm_tmpl {
	struct tgw_ip src, dst; /* family 0: any (transport mode) */
	uint8_t proto;
	uint8_t mode;
	uint32_t spi; /* 0: any */
	uint32_t reqid; /* 0: any */
	int32_t sa;   /* out: the SA resolved at start-up, -1 none */
};

/* A policy: `ip xfrm policy`. */
struct tgw_policy {
	uint8_t dir;    /* TGW_XFRM_* */
	uint8_t family; /* 4 or 6 (selector family; 0 for an IPv4 "any" selector) */
	bool block;
	struct tgw_prefix src, dst;
	int16_t proto;  /* -1: any */
	int32_t sport, dport; /* -1: any */
	uint32_t mark, mark_mask;
	uint32_t if_id;
	uint32_t priority;
	uint8_t n_tmpls;
	struct tgw_xfrm_tmpl tmpl[TGW_MAX_TMPLS];
};

/* Per-SA state written on the fast path: the transmit sequence number (workers take it
 * by atomic add, one sequence space per SA) and the receive window (RFC 6479 layout:
 * a ring of 64-bit words, set with atomic OR; no lock). */
#define TGW_REPLAY_WORDS 128 /* a power of two >= ceil(TGW_REPLAY_MAX / 64) + 1 */
struct tgw_sa_rt {
	uint64_t oseq; /* last sequence number sent */
	uint8_t pad0[RTE_CACHE_LINE_SIZE - 8];
	uint64_t top;  /* highest sequence number accepted (64 bits with ESN) */
	uint64_t win[TGW_REPLAY_WORDS];
} __rte_cache_aligned;

/* The read-only tables of the fast path: SAD hash, SPD classifiers. Built at start-up
 * (tgw_ipsec_build) and replaced as a whole (tgw_ipsec_swap, after an RCU grace period). */
struct tgw_sad_slot {
	uint32_t spi;
	uint8_t proto;
	uint8_t family;
	uint16_t sa; /* 1 + index; 0: empty */
	uint8_t dst[16];
};

struct tgw_ipsec_tables {
	uint32_t sad_mask;
	struct tgw_sad_slot *sad;
	struct rte_acl_ctx *spd[TGW_XFRM_NDIRS][2]; /* [dir][family is 6]; NULL: no policy */
	uint32_t generation;
};

extern struct tgw_sa *tgw_sas;        /* [TGW_MAX_SAS] */
extern uint16_t tgw_n_sas;
extern struct tgw_policy *tgw_policies; /* [TGW_MAX_POLICIES] */
extern uint16_t tgw_n_policies;
extern struct tgw_sa_rt *tgw_sa_rt;   /* [TGW_MAX_SAS] */
extern struct tgw_ipsec_tables *volatile tgw_ipsec_tab;

/* Control path. */
int tgw_xfrm_parse(struct tgw_cfg_ctx *c, json_t *xfrm);
/* After the tunnels: resolve templates and vti/xfrm tunnels, build the tables. */
int tgw_xfrm_finalize(struct tgw_cfg_ctx *c);
void tgw_xfrm_free(void);
/* The state that satisfies policy pol_idx's first template for a flow between src and
 * dst (IPv4 or IPv6 addresses of family 4 or 6), as xfrm_state_find does with a
 * transport template's wildcard addresses; -1 when none. Linear: the gateway's own
 * packets only. */
int32_t tgw_xfrm_tmpl_state(int32_t pol_idx, uint8_t family, const void *src,
			    const void *dst);
void tgw_xfrm_summary(FILE *f);
/* The tunnel ops an SA carrier of this family takes (vti_cfg.c). */
const struct tgw_tnl_ops *tgw_xfrm_carrier_ops(uint8_t family, uint8_t proto);
/* Build the SAD and SPD of the configuration; NULL with err on failure. */
struct tgw_ipsec_tables *tgw_ipsec_build(char *err, size_t errlen);
/* Publish tb and free the previous tables once no worker can hold them (qs may be NULL
 * before the workers start). */
void tgw_ipsec_swap(struct tgw_ipsec_tables *tb, struct rte_rcu_qsbr *qs);
/* After EAL init: the lcores' crypto managers and the tables. */
int tgw_ipsec_start(char *err, size_t errlen);
void tgw_ipsec_stop(void);
/* SA index for (spi, proto, dst), or -1 (RFC 4301 §4.4.2). */
int tgw_sad_lookup(const struct tgw_ipsec_tables *tb, uint32_t spi, uint8_t proto,
		   uint8_t family, const void *dst);
/* The SA counters summed over lcores. */
void tgw_stats_sa(uint16_t sa, struct tgw_sa_stats *out);

/* SPD classifier key (rte_acl input; the first field is one byte, the rest in 4-byte
 * groups). Built per packet from the inner header. */
struct tgw_spd4_key {
	uint8_t proto;
	uint8_t pad[3];
	rte_be32_t src, dst;
	rte_be16_t sport, dport;
	rte_be32_t mark; /* rte_acl reads its input in network order */
	rte_be32_t if_id;
};

struct tgw_spd6_key {
	uint8_t proto;
	uint8_t pad[3];
	uint8_t src[16], dst[16];
	rte_be16_t sport, dport;
	rte_be32_t mark;
	rte_be32_t if_id;
};

#endif
