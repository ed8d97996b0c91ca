/* SPDX-License-Identifier: BSD-3-Clause */
/* Drop reasons: one per named edge into a drop node; documented in docs/drops.md. */
#ifndef TGW_DROPS_H
#define TGW_DROPS_H

#define TGW_DROP_REASONS(X) \
	X(eth_truncated) \
	X(not_for_us) \
	X(bad_ethertype) \
	X(arp_bad) \
	X(arp_ignored) \
	X(ip4_truncated) \
	X(ip4_bad_version) \
	X(ip4_bad_ihl) \
	X(ip4_bad_length) \
	X(ip4_bad_checksum) \
	X(ip4_bad_addr) \
	X(ttl_exceeded) \
	X(ip6_truncated) \
	X(ip6_bad_version) \
	X(ip6_bad_length) \
	X(ip6_bad_exthdr) \
	X(ip6_bad_addr) \
	X(hop_limit_exceeded) \
	X(no_route) \
	X(local_proto) \
	X(icmp_bad) \
	X(icmp_ignored) \
	X(icmp_ratelimit) \
	X(nd_bad) \
	X(nd_ignored) \
	X(neigh_failed) \
	X(neigh_hold_full) \
	X(no_tunnel) \
	X(tnl_bad_inner) \
	X(tnl_mode) \
	X(ecn_drop) \
	X(tnl_recursion) \
	X(encap_limit) \
	X(gre_truncated) \
	X(gre_bad_version) \
	X(gre_reserved) \
	X(gre_bad_csum) \
	X(gre_csum_flag) \
	X(gre_no_seq) \
	X(gre_seq_order) \
	X(gre_bad_proto) \
	X(erspan_truncated) \
	X(erspan_bad_version) \
	X(udp_truncated) \
	X(udp_bad_length) \
	X(udp_bad_checksum) \
	X(udp_zero_checksum) \
	X(gue_bad_version) \
	X(gue_bad_hlen) \
	X(gue_bad_flags) \
	X(gue_control) \
	X(gue_bad_proto) \
	X(geneve_truncated) \
	X(geneve_bad_version) \
	X(geneve_bad_proto) \
	X(geneve_bad_options) \
	X(geneve_critical_option) \
	X(geneve_control) \
	X(vxlan_truncated) \
	X(vxlan_no_vni_flag) \
	X(no_bridge) \
	X(bridge_same_port) \
	X(mirror_no_mbuf) \
	X(esp_truncated) \
	X(esp_bad_length) \
	X(esp_replay) \
	X(esp_auth_failed) \
	X(esp_bad_padding) \
	X(esp_tfc_dummy) \
	X(esp_bad_next_header) \
	X(esp_seq_overflow) \
	X(esp_natt_mismatch) \
	X(esp_bad_beet_header) \
	X(beet_fragment) \
	X(natt_keepalive) \
	X(natt_non_esp) \
	X(ah_truncated) \
	X(ah_bad_length) \
	X(ah_bad_header) \
	X(ah_replay) \
	X(ah_auth_failed) \
	X(ah_bad_next_header) \
	X(ah_seq_overflow) \
	X(ipsec_crypto_error) \
	X(ipsec_nonlinear) \
	X(xfrm_no_policy) \
	X(xfrm_policy_block) \
	X(xfrm_policy_mismatch) \
	X(xfrm_no_state) \
	X(too_big) \
	X(frag_failed) \
	X(frag_bad) \
	X(tx_full) \
	X(no_mbuf)

enum tgw_drop {
#define TGW_DROP_ENUM(r) TGW_DROP_##r,
	TGW_DROP_REASONS(TGW_DROP_ENUM)
#undef TGW_DROP_ENUM
	TGW_DROP_MAX
};

extern const char *const tgw_drop_names[TGW_DROP_MAX];

/* Node name of the drop node for a reason, as used in next_nodes lists. */
#define TGW_DROP_NODE(r) "tgw_drop_" #r

#endif
