/* SPDX-License-Identifier: BSD-3-Clause */
/* "type": "ip6tnl" (RFC 2473): IPv6 and IPv4 in IPv6, as `ip link add … type ip6tnl`. */
#include <string.h>

#include <rte_ip.h>

#include "ip6tnl.h"
#include "tnl_inline.h"

static uint16_t
ip6tnl_overhead(const struct tgw_tunnel *t)
{
	return sizeof(struct rte_ipv6_hdr) +
	       (t->encaplimit != TGW_ENCAPLIMIT_NONE ? sizeof(struct tgw_ip6_encap_limit) : 0);
}

void
tgw_ip6_outer_build(struct tgw_tunnel *t, uint8_t next)
{
	struct rte_ipv6_hdr *o = (struct rte_ipv6_hdr *)t->hdr;
	struct tgw_ip src = tgw_tnl_source(t);

	memset(t->hdr, 0, sizeof(t->hdr));
	o->proto = next;
	o->vtc_flow = RTE_BE32(0x60000000);
	o->hop_limits = t->ttl;
	memcpy(o->src_addr, src.v6, 16);
	memcpy(o->dst_addr, t->remote.v6, 16);
	t->hdr_len = sizeof(*o);
	if (t->encaplimit != TGW_ENCAPLIMIT_NONE) {
		struct tgw_ip6_encap_limit *el = (struct tgw_ip6_encap_limit *)(o + 1);

		o->proto = IPPROTO_DSTOPTS;
		el->opt_type = TGW_IP6_OPT_TEL;
		el->opt_len = 1;
		el->limit = t->encaplimit;
		el->padn_type = 1;
		el->padn_len = 1;
		el->next_header = next;
		t->hdr_len += sizeof(*el);
	}
}

static void
ip6tnl_build(struct tgw_tunnel *t)
{
	tgw_ip6_outer_build(t, 0); /* the next header is the inner's, set per packet */
}

int
tgw_ip6_outer_parse(struct tgw_cfg_ctx *c, json_t *obj, const char *path, struct tgw_tunnel *t)
{
	int64_t x;

	t->encaplimit = 4; /* IPV6_DEFAULT_TNL_ENCAP_LIMIT */
	if (tgw_cfg_int_or(c, obj, path, "encaplimit", 0, 255, "none", TGW_ENCAPLIMIT_NONE, &x) < 0)
		return -1;
	if (json_object_get(obj, "encaplimit"))
		t->encaplimit = x;
	t->flowlabel = 0;
	if (tgw_cfg_int_or(c, obj, path, "flowlabel", 0, 0xfffff, "inherit",
			   TGW_FLOWLABEL_INHERIT, &x) < 0)
		return -1;
	if (json_object_get(obj, "flowlabel"))
		t->flowlabel = x;
	return 0;
}

static int
ip6tnl_parse(struct tgw_cfg_ctx *c, json_t *obj, const char *path, struct tgw_tunnel *t)
{
	static const char *const modes[] = {"ip6ip6", "ipip6", "any", NULL};
	static const uint8_t inner[] = {TGW_INNER_IP6, TGW_INNER_IP4,
					TGW_INNER_IP4 | TGW_INNER_IP6};
	int mode = 0;

	if (tgw_cfg_enum(c, obj, path, "mode", modes, &mode) < 0)
		return -1;
	t->mode = modes[mode];
	t->inner = inner[mode];
	return tgw_ip6_outer_parse(c, obj, path, t);
}

static int
ip6tnl_protos(const struct tgw_tunnel *t, uint8_t *protos)
{
	int n = 0;

	if (t->inner & TGW_INNER_IP6)
		protos[n++] = IPPROTO_IPV6;
	if (t->inner & TGW_INNER_IP4)
		protos[n++] = IPPROTO_IPIP;
	return n;
}

static const char *const ip6tnl_keys[] = {"mode", "encaplimit", "flowlabel", NULL};

static struct tgw_tnl_ops ip6tnl_ops = {
	.type = "ip6tnl",
	.outer = 6,
	.default_ttl = 64,
	.has_pmtudisc = false,
	.keys = ip6tnl_keys,
	.parse = ip6tnl_parse,
	.overhead = ip6tnl_overhead,
	.build = ip6tnl_build,
	.protos = ip6tnl_protos,
	.encap_node = TGW_NODE_IP6TNL_ENCAP,
	.decap_node = TGW_NODE_IP6TNL_DECAP,
	.decap_protos = {IPPROTO_IPV6, IPPROTO_IPIP},
	.n_decap_protos = 2,
};
TGW_TNL_REGISTER(ip6tnl_ops);
