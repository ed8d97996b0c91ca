/* SPDX-License-Identifier: BSD-3-Clause */
/* "type": "ipip" (RFC 2003): IPv4 in IPv4, as `ip link add … type ipip`. */
#include <string.h>

#include <rte_ip.h>

#include "ipip.h"
#include "tnl_inline.h"
#include "udp.h"

uint16_t
tgw_ip4ip_overhead(const struct tgw_tunnel *t)
{
	return sizeof(struct rte_ipv4_hdr) + tgw_udp_encap_len(t);
}

void
tgw_ip4ip_build(struct tgw_tunnel *t)
{
	struct rte_ipv4_hdr *o = (struct rte_ipv4_hdr *)t->hdr;

	memset(t->hdr, 0, sizeof(t->hdr));
	o->version_ihl = RTE_IPV4_VHL_DEF;
	o->fragment_offset = t->pmtudisc ? RTE_BE16(RTE_IPV4_HDR_DF_FLAG) : 0;
	o->time_to_live = t->ttl;
	o->next_proto_id = IPPROTO_IPIP;
	o->src_addr = tgw_tnl_source(t).v4;
	o->dst_addr = t->remote.v4;
	t->hdr_len = sizeof(*o);
	t->csum_base = tgw_ip4_tmpl_csum_base(o);
	t->udp_off = 0;
}

/* ipip and sit: the outer header, then UDP (+ GUE, its protocol filled per packet for
 * sit's two inner families) with "encap". */
void
tgw_ip4ip_build_encap(struct tgw_tunnel *t)
{
	tgw_ip4ip_build(t);
	if (t->encap)
		((struct rte_ipv4_hdr *)t->hdr)->next_proto_id = IPPROTO_UDP;
	t->hdr_len += tgw_udp_encap_build(t, t->hdr_len,
					  t->inner == TGW_INNER_IP6 ? IPPROTO_IPV6 : IPPROTO_IPIP);
}

static int
ipip_parse(struct tgw_cfg_ctx *c, json_t *obj, const char *path, struct tgw_tunnel *t)
{
	static const char *const modes[] = {"ipip", "any", "mplsip", NULL};
	int mode = 0;
	char p[256];

	if (tgw_cfg_enum(c, obj, path, "mode", modes, &mode) < 0)
		return -1;
	snprintf(p, sizeof(p), "%s.mode", path);
	if (mode == 2)
		return tgw_cfg_err(c, p, json_object_get(obj, "mode"),
				   "tunnel \"%s\": MPLS over IP is not supported", t->name);
	t->mode = modes[mode];
	t->inner = TGW_INNER_IP4;
	return tgw_tnl_parse_encap(c, obj, path, t);
}

static int
ipip_protos(const struct tgw_tunnel *t, uint8_t *protos)
{
	RTE_SET_USED(t);
	protos[0] = IPPROTO_IPIP;
	return 1;
}

static const char *const ipip_keys[] = {"mode", "encap", NULL};

static struct tgw_tnl_ops ipip_ops = {
	.type = "ipip",
	.outer = 4,
	.default_ttl = 0,
	.has_pmtudisc = true,
	.keys = ipip_keys,
	.parse = ipip_parse,
	.overhead = tgw_ip4ip_overhead,
	.build = tgw_ip4ip_build_encap,
	.protos = ipip_protos,
	.encap_node = TGW_NODE_IP4IP_ENCAP,
	.decap_node = TGW_NODE_IP4IP_DECAP,
	.decap_protos = {IPPROTO_IPIP},
	.n_decap_protos = 1,
};
TGW_TNL_REGISTER(ipip_ops);
