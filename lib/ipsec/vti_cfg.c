/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * "type": "vti" and "vti6": route-based IPsec tunnel mode, as `ip link add … type
 * vti key K local A remote B`. The key is the xfrm mark: traffic routed into the
 * tunnel is protected by the out policy whose mark matches okey; ESP or AH received
 * from the tunnel's endpoints is looked up with the mark ikey and checked against the in
 * policy with that mark (the kernel's vti_input / vti_rcv_cb / vti_xmit).
 */
#include <string.h>

#include <rte_ip.h>

#include "esp.h"
#include "gre.h"
#include "ip6tnl.h"
#include "ipip.h"
#include "tnl_inline.h"

static uint16_t
vti_overhead(const struct tgw_tunnel *t)
{
	/* as the kernel's vti device: the outer header only; ESP's own overhead is
	 * accounted per SA when a packet is sent (esp_node.c) */
	return t->outer == 4 ? sizeof(struct rte_ipv4_hdr) : sizeof(struct rte_ipv6_hdr);
}

static void
vti_build(struct tgw_tunnel *t)
{
	/* a vti sends ESP; an SA carrier its SA's protocol */
	uint8_t proto = t->xfrm_sa >= 0 ? tgw_sas[t->xfrm_sa].proto : IPPROTO_ESP;

	if (t->outer == 4) {
		tgw_ip4ip_build(t);
		((struct rte_ipv4_hdr *)t->hdr)->next_proto_id = proto;
		t->csum_base = tgw_ip4_tmpl_csum_base((struct rte_ipv4_hdr *)t->hdr);
	} else {
		tgw_ip6_outer_build(t, proto);
	}
}

static int
vti_parse(struct tgw_cfg_ctx *c, json_t *obj, const char *path, struct tgw_tunnel *t)
{
	uint32_t k = 0;
	int rc;

	t->mode = "tunnel";
	t->inner = TGW_INNER_IP4 | TGW_INNER_IP6;
	t->encaplimit = TGW_ENCAPLIMIT_NONE;
	t->ikey = t->okey = 0;
	/* the xfrm outer header inherits the inner DS field (xfrm4_mode_tunnel) and copies
	 * an IPv4 inner's DF */
	if (!json_object_get(obj, "tos"))
		t->tos = -1;
	t->pmtudisc = false;
	if (json_object_get(obj, "key") &&
	    (json_object_get(obj, "ikey") || json_object_get(obj, "okey")))
		return tgw_cfg_err(c, path, NULL, "tunnel \"%s\": give \"key\" or \"ikey\"/\"okey\", "
				   "not both", t->name);
	rc = tgw_gre_key_parse(c, obj, path, "key", &k);
	if (rc < 0)
		return -1;
	if (rc == 1)
		t->ikey = t->okey = k;
	if (tgw_gre_key_parse(c, obj, path, "ikey", &t->ikey) < 0 ||
	    tgw_gre_key_parse(c, obj, path, "okey", &t->okey) < 0)
		return -1;
	return 0;
}

static int
vti_protos(const struct tgw_tunnel *t, uint8_t *protos)
{
	RTE_SET_USED(t);
	/* vti4/vti6 register for ESP, AH (and IPComp) */
	protos[0] = IPPROTO_ESP;
	protos[1] = IPPROTO_AH;
	return 2;
}

static const char *const vti_keys[] = {"key", "ikey", "okey", NULL};

/* vti (IPv4 outer) and vti6 (IPv6 outer) differ in the outer family and their nodes. */
#define VTI_OPS(ops, name, fam, enc, dec, hidden) \
	static struct tgw_tnl_ops ops = { \
		.type = name, \
		.outer = fam, \
		.default_ttl = 64, \
		.keys = vti_keys, \
		.parse = vti_parse, \
		.overhead = vti_overhead, \
		.build = vti_build, \
		.protos = vti_protos, \
		.encap_node = enc, \
		.decap_node = dec, \
		.internal = hidden, \
	}; \
	TGW_TNL_REGISTER(ops)

VTI_OPS(vti_ops, "vti", 4, TGW_NODE_ESP4_ENCAP, TGW_NODE_ESP4_DECAP, false);
VTI_OPS(vti6_ops, "vti6", 6, TGW_NODE_ESP6_ENCAP, TGW_NODE_ESP6_DECAP, false);

/* AH carriers: as a vti, with the AH nodes; not a type a configuration can name. */
VTI_OPS(ah_carrier_ops, "(ah carrier)", 4, TGW_NODE_AH4_ENCAP, TGW_NODE_AH4_DECAP, true);
VTI_OPS(ah6_carrier_ops, "(ah6 carrier)", 6, TGW_NODE_AH6_ENCAP, TGW_NODE_AH6_DECAP, true);

/* An SA carrier (xfrm_cfg.c) is a vti between the SA's endpoints, without a key (an AH
 * one has the AH nodes). */
const struct tgw_tnl_ops *
tgw_xfrm_carrier_ops(uint8_t family, uint8_t proto)
{
	if (proto == IPPROTO_AH)
		return family == 4 ? &ah_carrier_ops : &ah6_carrier_ops;
	return family == 4 ? &vti_ops : &vti6_ops;
}

/*
 * "type": "xfrm": `ip link add xfrm0 type xfrm dev eth1 if_id 3`. Traffic routed into
 * the interface is protected by the out policy with its if_id (the tgw_xfrm_out node
 * picks the SA, whose carrier sends it); packets of an SA with its if_id are received
 * on it (the kernel's xfrmi_xmit / xfrmi_rcv_cb). Endpoints, TTL and TOS are the SAs'.
 */
static int
xfrmi_parse(struct tgw_cfg_ctx *c, json_t *obj, const char *path, struct tgw_tunnel *t)
{
	static const char *const not_here[] = {"local", "remote", "ttl", "hoplimit", "tos",
					       "pmtudisc", NULL};
	int64_t x;
	int rc;

	for (int i = 0; not_here[i]; i++)
		if (json_object_get(obj, not_here[i])) {
			char p[256];

			snprintf(p, sizeof(p), "%s.%s", path, not_here[i]);
			return tgw_cfg_err(c, p, json_object_get(obj, not_here[i]),
					   "tunnel \"%s\": an xfrm interface takes its endpoints, "
					   "TTL and TOS from its SAs", t->name);
		}
	t->mode = "xfrm";
	t->inner = TGW_INNER_IP4 | TGW_INNER_IP6;
	t->encaplimit = TGW_ENCAPLIMIT_NONE;
	t->tos = -1;
	t->pmtudisc = false;
	rc = tgw_cfg_int(c, obj, path, "if_id", 1, UINT32_MAX, &x);
	if (rc < 0)
		return -1;
	/* as xfrmi_newlink: the interface id is not 0 */
	if (rc == 0)
		return tgw_cfg_err(c, path, NULL, "tunnel \"%s\": an xfrm interface needs "
				   "\"if_id\" (1..4294967295)", t->name);
	t->if_id = (uint32_t)x;
	return 0;
}

static uint16_t
xfrmi_overhead(const struct tgw_tunnel *t)
{
	/* the SA's overhead is accounted per packet, on its carrier */
	RTE_SET_USED(t);
	return 0;
}

static void
xfrmi_build(struct tgw_tunnel *t)
{
	RTE_SET_USED(t);
}

static int
xfrmi_protos(const struct tgw_tunnel *t, uint8_t *protos)
{
	/* received by SA (its if_id), not by endpoints */
	RTE_SET_USED(t);
	RTE_SET_USED(protos);
	return 0;
}

static const char *const xfrmi_keys[] = {"if_id", NULL};

static struct tgw_tnl_ops xfrmi_ops = {
	.type = "xfrm",
	.outer = 4,
	.default_ttl = 64,
	.keys = xfrmi_keys,
	.parse = xfrmi_parse,
	.overhead = xfrmi_overhead,
	.build = xfrmi_build,
	.protos = xfrmi_protos,
	.encap_node = TGW_NODE_XFRM_OUT,
	.decap_node = TGW_NODE_ESP4_DECAP,
};
TGW_TNL_REGISTER(xfrmi_ops)
