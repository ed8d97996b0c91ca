/* SPDX-License-Identifier: BSD-3-Clause */
/* ESP (RFC 4303) on the fast path: node names, the anti-replay window. */
#ifndef TGW_ESP_H
#define TGW_ESP_H

#include <rte_common.h>

#include "ipsec.h"

#define TGW_NODE_ESP4_ENCAP "tgw_esp4_encap"
#define TGW_NODE_ESP6_ENCAP "tgw_esp6_encap"
#define TGW_NODE_ESP4_DECAP "tgw_esp4_decap"
#define TGW_NODE_ESP6_DECAP "tgw_esp6_decap"
#define TGW_NODE_XFRM_OUT "tgw_xfrm_out"
#define TGW_NODE_ESP4_TRANSPORT "tgw_esp4_transport"
#define TGW_NODE_ESP6_TRANSPORT "tgw_esp6_transport"
#define TGW_NODE_AH4_ENCAP "tgw_ah4_encap"
#define TGW_NODE_AH6_ENCAP "tgw_ah6_encap"
#define TGW_NODE_AH4_DECAP "tgw_ah4_decap"
#define TGW_NODE_AH6_DECAP "tgw_ah6_decap"
#define TGW_NODE_AH4_TRANSPORT "tgw_ah4_transport"
#define TGW_NODE_AH6_TRANSPORT "tgw_ah6_transport"

/* RFC 4303 §2.6: next header 59 marks a traffic flow confidentiality dummy packet. */
#define TGW_ESP_NH_TFC 59

/*
 * RFC 4303 Appendix A2.2: the high 32 bits of an extended sequence number, from the
 * low 32 bits received and the window's top T and size W (W >= 1).
 */
static __rte_always_inline uint32_t
tgw_esn_hi(uint64_t top, uint32_t w, uint32_t seq_lo)
{
	uint32_t tl = (uint32_t)top, th = (uint32_t)(top >> 32);

	if (tl >= w - 1) /* Case A: the window is within one sequence subspace */
		return seq_lo >= tl - w + 1 ? th : th + 1;
	/* Case B: the window spans two subspaces */
	return seq_lo >= tl - w + 1 ? th - 1 : th;
}

/*
 * Words of an SA's window ring: a power of two of at least ceil(window / 64) + 1, the
 * words a window that need not start on a word can touch, so none of them shares a slot
 * (RFC 6479 §3: the window plus one block); the top clears each slot it moves into.
 * With window / 64 + 1, a window that is not a multiple of 64 (32: seq 33 and the top
 * 64 shared the one word) lost the bits of numbers still inside it: replays passed.
 */
static __rte_always_inline uint32_t
tgw_replay_words(uint16_t window)
{
	uint32_t n = (window + 63u) / 64 + 1;

	return rte_align32pow2(n);
}

/*
 * RFC 4303 §3.4.3, before the ICV check: 0 if seq may be new, -1 if it is a replay
 * or left of the window. seq 0 is never sent (§3.3.3).
 */
static __rte_always_inline int
tgw_replay_check(const struct tgw_sa_rt *rt, uint16_t window, uint64_t seq)
{
	uint64_t top = __atomic_load_n(&rt->top, __ATOMIC_RELAXED);
	uint32_t wmask = tgw_replay_words(window) - 1;

	if (unlikely(seq == 0))
		return -1;
	if (seq > top)
		return 0;
	if (top - seq >= window)
		return -1;
	return (__atomic_load_n(&rt->win[(seq >> 6) & wmask], __ATOMIC_RELAXED) >> (seq & 63)) & 1
		       ? -1
		       : 0;
}

/*
 * After the ICV check: move the window to seq if it is the new top (clearing the
 * words it slides over) and set seq's bit. -1 if another packet with this sequence
 * number got there first, or the window moved past it meanwhile. Lock-free: workers
 * share the window through atomics (exact when one SA's packets arrive on one worker,
 * as RSS on the outer addresses does).
 */
static __rte_always_inline int
tgw_replay_update(struct tgw_sa_rt *rt, uint16_t window, uint64_t seq)
{
	uint32_t wmask = tgw_replay_words(window) - 1;
	uint64_t top = __atomic_load_n(&rt->top, __ATOMIC_RELAXED), bit;

	while (seq > top) {
		if (__atomic_compare_exchange_n(&rt->top, &top, seq, false, __ATOMIC_ACQ_REL,
						__ATOMIC_RELAXED)) {
			uint64_t from = (top >> 6) + 1, to = seq >> 6;

			/* the words between the old top's and the new top's, at most all */
			if (to >= from && to - from > wmask)
				from = to - wmask;
			for (uint64_t w = from; w <= to; w++)
				__atomic_store_n(&rt->win[w & wmask], 0, __ATOMIC_RELAXED);
			top = seq;
			break;
		}
	}
	if (top - seq >= window)
		return -1;
	bit = (uint64_t)1 << (seq & 63);
	return (__atomic_fetch_or(&rt->win[(seq >> 6) & wmask], bit, __ATOMIC_RELAXED) & bit) ? -1
											      : 0;
}

#endif
