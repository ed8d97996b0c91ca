/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bridges (`ip link add type bridge` + `master`) and port mirrors (`tc … matchall …
 * mirred egress mirror`): configuration, the MAC table, the bridge node.
 *
 * The MAC table is shared by the workers without locks: each entry is one 64-bit word
 * (MAC, member, static bit) in a bucket of 8 (one cache line) chosen by a hash of the
 * MAC; readers load words, learners claim an empty word with a compare-and-swap or
 * store a moved station's new word, the control lcore ages entries out with a
 * compare-and-swap. A race costs at most a flood or a relearn, never a wrong frame.
 */
#ifndef TGW_L2_H
#define TGW_L2_H

#include <stdint.h>

#include <jansson.h>
#include <rte_common.h>
#include <rte_hash_crc.h>

#include "config.h"
#include "tgw.h"

#define TGW_MAX_BRIDGES 16
#define TGW_BR_MAX_MEMBERS 32
#define TGW_FDB_BUCKETS 1024 /* per bridge; 8 ways each */
#define TGW_FDB_WAYS 8
#define TGW_FDB_MAC_MASK 0xffffffffffffull
#define TGW_FDB_STATIC (1ull << 63)

struct tgw_fdb_bucket {
	uint64_t w[TGW_FDB_WAYS]; /* mac | (member + 1) << 48 | static; 0: empty */
} __rte_cache_aligned;

struct tgw_bridge {
	char name[TGW_NAME_LEN];
	uint32_t ageing; /* seconds */
	uint16_t n_members;
	uint16_t members[TGW_BR_MAX_MEMBERS]; /* interface index: port, or TGW_IF_TUNNEL(t) */
	uint16_t edge[TGW_BR_MAX_MEMBERS];    /* bridge node edge towards each member */
	struct tgw_fdb_bucket *fdb;           /* [TGW_FDB_BUCKETS] */
	uint32_t *seen;                       /* [TGW_FDB_BUCKETS * WAYS]: tgw_l2_now */
};

struct tgw_mirror {
	uint16_t port;
	uint8_t dir; /* bit 0 ingress, bit 1 egress */
	uint16_t tunnel;
};

extern struct tgw_bridge tgw_bridges[TGW_MAX_BRIDGES];
extern uint16_t tgw_n_bridges;
extern struct tgw_mirror tgw_mirrors[TGW_MAX_PORTS * 2];
extern uint16_t tgw_n_mirrors;
/* Per interface index (ports, then tunnels): its bridge and member index, or -1. */
extern int8_t tgw_l2_bridge_of[TGW_MAX_PORTS + TGW_MAX_TUNNELS];
extern uint8_t tgw_l2_member_of[TGW_MAX_PORTS + TGW_MAX_TUNNELS];
/* Seconds since start, advanced by the control lcore (tests set it). */
extern volatile uint32_t tgw_l2_now;

/* Configuration: "bridges" and "mirrors" (after ports and tunnels). */
int tgw_l2_parse(struct tgw_cfg_ctx *c, json_t *bridges, json_t *mirrors);
void tgw_l2_free(void);
void tgw_l2_summary(FILE *f);
/* Control lcore: advance the clock and age the MAC tables (cheap; call often). */
void tgw_l2_poll(void);
/* Remove learned entries last seen ageing seconds ago or more. Returns how many. */
unsigned int tgw_l2_age(void);

static __rte_always_inline struct tgw_fdb_bucket *
tgw_fdb_bucket(const struct tgw_bridge *br, uint64_t mac)
{
	return &br->fdb[rte_hash_crc_8byte(mac, 0) & (TGW_FDB_BUCKETS - 1)];
}

/* The member a MAC was learned on, or -1. */
static __rte_always_inline int
tgw_fdb_lookup(const struct tgw_bridge *br, uint64_t mac)
{
	const struct tgw_fdb_bucket *b = tgw_fdb_bucket(br, mac);

	for (unsigned int i = 0; i < TGW_FDB_WAYS; i++) {
		uint64_t w = __atomic_load_n(&b->w[i], __ATOMIC_RELAXED);

		if (w != 0 && ((w ^ mac) & TGW_FDB_MAC_MASK) == 0)
			return (int)((w >> 48) & 0x7fff) - 1;
	}
	return -1;
}

/* Learn (or refresh) mac on member; static entries stay. */
static __rte_always_inline void
tgw_fdb_learn(struct tgw_bridge *br, uint64_t mac, unsigned int member, uint32_t now)
{
	struct tgw_fdb_bucket *b = tgw_fdb_bucket(br, mac);
	uint64_t nw = mac | (uint64_t)(member + 1) << 48;
	uint32_t *seen = &br->seen[(b - br->fdb) * TGW_FDB_WAYS];
	int empty = -1;

	for (unsigned int i = 0; i < TGW_FDB_WAYS; i++) {
		uint64_t w = __atomic_load_n(&b->w[i], __ATOMIC_RELAXED);

		if (w == 0) {
			if (empty < 0)
				empty = i;
			continue;
		}
		if (((w ^ mac) & TGW_FDB_MAC_MASK) != 0)
			continue;
		if (w & TGW_FDB_STATIC)
			return;
		if (w != nw) /* the station moved */
			__atomic_store_n(&b->w[i], nw, __ATOMIC_RELAXED);
		if (seen[i] != now) /* write the shared line once a second at most */
			__atomic_store_n(&seen[i], now, __ATOMIC_RELAXED);
		return;
	}
	if (empty >= 0) {
		uint64_t zero = 0;

		__atomic_store_n(&seen[empty], now, __ATOMIC_RELAXED);
		__atomic_compare_exchange_n(&b->w[empty], &zero, nw, false, __ATOMIC_RELEASE,
					    __ATOMIC_RELAXED);
	}
	/* a full bucket learns nothing: the station's frames are flooded */
}

#endif
