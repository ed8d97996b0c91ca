/* SPDX-License-Identifier: BSD-3-Clause */
/* "type": "sit" (RFC 4213 §3): IPv6 (and IPv4) in IPv4, as `ip link add … type sit`. */
#include <rte_ip.h>

#include "ipip.h"
#include "tnl_inline.h"

static int
sit_parse(struct tgw_cfg_ctx *c, json_t *obj, const char *path, struct tgw_tunnel *t)
{
	static const char *const modes[] = {"ip6ip", "ipip", "any", "mplsip", NULL};
	static const uint8_t inner[] = {TGW_INNER_IP6, TGW_INNER_IP4,
					TGW_INNER_IP4 | TGW_INNER_IP6};
	bool isatap = false;
	int mode = 0;
	char p[256];

	if (tgw_cfg_enum(c, obj, path, "mode", modes, &mode) < 0)
		return -1;
	snprintf(p, sizeof(p), "%s.mode", path);
	if (mode == 3)
		return tgw_cfg_err(c, p, json_object_get(obj, "mode"),
				   "tunnel \"%s\": MPLS over IP is not supported", t->name);
	if (tgw_cfg_bool(c, obj, path, "isatap", &isatap) < 0)
		return -1;
	snprintf(p, sizeof(p), "%s.isatap", path);
	if (isatap)
		return tgw_cfg_err(c, p, json_object_get(obj, "isatap"),
				   "tunnel \"%s\": ISATAP is not supported yet", t->name);
	t->mode = modes[mode];
	t->inner = inner[mode];
	return tgw_tnl_parse_encap(c, obj, path, t);
}

static int
sit_protos(const struct tgw_tunnel *t, uint8_t *protos)
{
	int n = 0;

	if (t->inner & TGW_INNER_IP6)
		protos[n++] = IPPROTO_IPV6;
	if (t->inner & TGW_INNER_IP4)
		protos[n++] = IPPROTO_IPIP;
	return n;
}

static const char *const sit_keys[] = {"mode", "isatap", "encap", NULL};

static struct tgw_tnl_ops sit_ops = {
	.type = "sit",
	.outer = 4,
	.default_ttl = 0,
	.has_pmtudisc = true,
	.keys = sit_keys,
	.parse = sit_parse,
	.overhead = tgw_ip4ip_overhead,
	.build = tgw_ip4ip_build_encap,
	.protos = sit_protos,
	.encap_node = TGW_NODE_IP4IP_ENCAP,
	.decap_node = TGW_NODE_IP4IP_DECAP,
	.decap_protos = {IPPROTO_IPV6, IPPROTO_IPIP},
	.n_decap_protos = 2,
};
TGW_TNL_REGISTER(sit_ops);
