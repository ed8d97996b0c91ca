/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * "type": "geneve" (RFC 8926) and "vxlan" (RFC 7348): Ethernet over UDP over IPv4
 * or IPv6 (the family of "remote"), bridge members, as `ip link add … type geneve id
 * VNI remote ADDR [dstport P] [udpcsum] [udp6zerocsumtx] [udp6zerocsumrx]` and
 * `… type vxlan id VNI remote ADDR dstport P`.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <rte_ip.h>

#include "ip6tnl.h"
#include "ipip.h"
#include "tnl_inline.h"
#include "udp.h"

static uint16_t
l2u_hdr_len(const struct tgw_tunnel *t)
{
	return sizeof(struct rte_udp_hdr) +
	       (t->ops->lookup_cls == TGW_UDP_CLS_GENEVE
			? sizeof(struct tgw_geneve_hdr) + t->opts_len
			: sizeof(struct tgw_vxlan_hdr));
}

static uint16_t
l2u_overhead(const struct tgw_tunnel *t)
{
	return (t->outer == 4 ? sizeof(struct rte_ipv4_hdr) : sizeof(struct rte_ipv6_hdr)) +
	       l2u_hdr_len(t);
}

/* Option bytes kept between parse and build (the template is built again later). */
static uint8_t l2u_opt_bytes[TGW_MAX_TUNNELS][64];

static void
l2u_build(struct tgw_tunnel *t)
{
	struct rte_udp_hdr u = {.src_port = rte_cpu_to_be_16(t->sport),
				.dst_port = rte_cpu_to_be_16(t->dport)};
	uint8_t *h;

	if (t->outer == 4) {
		tgw_ip4ip_build(t);
		((struct rte_ipv4_hdr *)t->hdr)->next_proto_id = IPPROTO_UDP;
	} else {
		tgw_ip6_outer_build(t, IPPROTO_UDP);
	}
	t->udp_off = t->hdr_len;
	memcpy(t->hdr + t->hdr_len, &u, sizeof(u));
	h = t->hdr + t->hdr_len + sizeof(u);
	if (t->ops->lookup_cls == TGW_UDP_CLS_GENEVE) {
		struct tgw_geneve_hdr g = {
			.ver_optlen = t->opts_len / 4,
			.proto = RTE_BE16(0x6558),
			.vni_rsvd = rte_cpu_to_be_32(t->vni << 8),
		};

		for (unsigned int i = 0; i < t->n_opts; i++)
			if (t->opts[i].type & TGW_GENEVE_OPT_CRIT)
				g.oc = TGW_GENEVE_C;
		memcpy(h, &g, sizeof(g));
		memcpy(h + sizeof(g), l2u_opt_bytes[t->id], t->opts_len);
	} else {
		struct tgw_vxlan_hdr v = {.flags = TGW_VXLAN_I,
					  .vni_rsvd = rte_cpu_to_be_32(t->vni << 8)};

		memcpy(h, &v, sizeof(v));
	}
	t->hdr_len += l2u_hdr_len(t);
}

static int
hex_nibble(int ch)
{
	return isdigit(ch) ? ch - '0' : isxdigit(ch) ? tolower(ch) - 'a' + 10 : -1;
}

/* "options": [{"class": N, "type": N, "data": "hex"}], data a multiple of 4 bytes. */
static int
geneve_options_parse(struct tgw_cfg_ctx *c, json_t *obj, const char *path, struct tgw_tunnel *t)
{
	static const char *const keys[] = {"class", "type", "data", NULL};
	json_t *arr = json_object_get(obj, "options"), *o;
	uint8_t *out = l2u_opt_bytes[t->id];
	char p[256];
	size_t i;

	if (arr == NULL)
		return 0;
	snprintf(p, sizeof(p), "%s.options", path);
	if (!json_is_array(arr))
		return tgw_cfg_err(c, p, arr, "is not an array");
	if (json_array_size(arr) > RTE_DIM(t->opts))
		return tgw_cfg_err(c, p, NULL, "more than %zu options", RTE_DIM(t->opts));
	json_array_foreach(arr, i, o) {
		const char *data = "", *d;
		int64_t cls, type;
		size_t n;
		char q[320];
		int rc;

		snprintf(q, sizeof(q), "%s[%zu]", p, i);
		if (!json_is_object(o))
			return tgw_cfg_err(c, q, o, "is not an object");
		if (tgw_cfg_keys(c, o, q, keys, NULL) < 0)
			return -1;
		rc = tgw_cfg_int(c, o, q, "class", 0, 0xffff, &cls);
		if (rc == 0)
			return tgw_cfg_err(c, q, NULL, "option needs \"class\"");
		if (rc < 0)
			return -1;
		rc = tgw_cfg_int(c, o, q, "type", 0, 0xff, &type);
		if (rc == 0)
			return tgw_cfg_err(c, q, NULL, "option needs \"type\"");
		if (rc < 0 || tgw_cfg_str(c, o, q, "data", &data) < 0)
			return -1;
		d = data;
		if (d[0] == '0' && (d[1] == 'x' || d[1] == 'X'))
			d += 2;
		n = strlen(d);
		snprintf(q, sizeof(q), "%s[%zu].data", p, i);
		for (size_t k = 0; k < n; k++)
			if (hex_nibble((unsigned char)d[k]) < 0)
				return tgw_cfg_err(c, q, json_object_get(o, "data"),
						   "is not a hex string");
		if (n % 8 != 0)
			return tgw_cfg_err(c, q, json_object_get(o, "data"),
					   "is not a multiple of 4 bytes (RFC 8926 option data)");
		if (t->opts_len + 4 + n / 2 > sizeof(l2u_opt_bytes[0]))
			return tgw_cfg_err(c, q, json_object_get(o, "data"),
					   "the options exceed %zu bytes", sizeof(l2u_opt_bytes[0]));
		out[t->opts_len] = cls >> 8;
		out[t->opts_len + 1] = cls & 0xff;
		out[t->opts_len + 2] = type;
		out[t->opts_len + 3] = (uint8_t)(n / 8);
		for (size_t k = 0; k < n / 2; k++)
			out[t->opts_len + 4 + k] =
				(uint8_t)(hex_nibble((unsigned char)d[2 * k]) << 4 |
					  hex_nibble((unsigned char)d[2 * k + 1]));
		t->opts[t->n_opts].cls = cls;
		t->opts[t->n_opts].type = type;
		t->n_opts++;
		t->opts_len += 4 + n / 2;
	}
	return 0;
}

static int
l2u_parse(struct tgw_cfg_ctx *c, json_t *obj, const char *path, struct tgw_tunnel *t)
{
	bool geneve = t->ops->lookup_cls == TGW_UDP_CLS_GENEVE, zero_tx = false;
	int64_t x;
	char p[256];
	int rc, idx;

	t->mode = t->ops->type;
	t->inner = TGW_INNER_ETH;
	if (tgw_tnl_l2_no_addrs(c, obj, path, t) < 0)
		return -1;
	rc = tgw_cfg_int(c, obj, path, "id", 0, 0xffffff, &x);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return tgw_cfg_err(c, path, NULL, "%s tunnel \"%s\" needs \"id\"", t->ops->type,
				   t->name);
	t->vni = x;
	if (geneve && !t->remote.family)
		return tgw_cfg_err(c, path, NULL, "geneve tunnel \"%s\" needs \"remote\"", t->name);
	/* as the kernel (geneve_configure) and iproute2 (vxlan: a group is not a remote) */
	if ((t->remote.family == 4 && (((const uint8_t *)&t->remote.v4)[0] & 0xf0) == 0xe0) ||
	    (t->remote.family == 6 && t->remote.v6[0] == 0xff)) {
		snprintf(p, sizeof(p), "%s.remote", path);
		return tgw_cfg_err(c, p, json_object_get(obj, "remote"),
				   "%s tunnel \"%s\": the remote cannot be a multicast address",
				   t->ops->type, t->name);
	}
	x = geneve ? TGW_GENEVE_PORT : TGW_VXLAN_PORT;
	if (tgw_cfg_int(c, obj, path, "dstport", 1, 65535, &x) < 0)
		return -1;
	t->dport = x;
	t->udp_csum = false;
	t->udp_zero_rx = false;
	if (tgw_cfg_bool(c, obj, path, "udpcsum", &t->udp_csum) < 0 ||
	    tgw_cfg_bool(c, obj, path, "udp6zerocsumtx", &zero_tx) < 0 ||
	    tgw_cfg_bool(c, obj, path, "udp6zerocsumrx", &t->udp_zero_rx) < 0)
		return -1;
	/* SPEC §3, as the kernel: IPv6 sends checksums unless udp6zerocsumtx */
	if (t->outer == 6)
		t->udp_csum = !zero_tx;
	if (geneve && geneve_options_parse(c, obj, path, t) < 0)
		return -1;
	snprintf(p, sizeof(p), "%s.dstport", path);
	idx = tgw_udp_port_add(c, p, geneve ? TGW_UDP_GENEVE : TGW_UDP_VXLAN, t->outer, t->dport,
			       0);
	if (idx < 0)
		return -1;
	t->iflags = TGW_TF_KEY;
	t->ikey = TGW_UDP_KEY(t->vni, idx);
	return 0;
}

static int
l2u_protos(const struct tgw_tunnel *t, uint8_t *protos)
{
	RTE_SET_USED(t);
	protos[0] = IPPROTO_UDP;
	return 1;
}

static const char *const geneve_keys[] = {"id", "dstport", "udpcsum", "udp6zerocsumtx",
					  "udp6zerocsumrx", "options", NULL};
static const char *const vxlan_keys[] = {"id", "dstport", "udpcsum", "udp6zerocsumtx",
					 "udp6zerocsumrx", NULL};

static struct tgw_tnl_ops geneve_ops = {
	.type = "geneve",
	.outer = 0,
	.default_ttl = 64,
	.has_pmtudisc = true,
	.pmtudisc_off = true,
	.keys = geneve_keys,
	.parse = l2u_parse,
	.overhead = l2u_overhead,
	.build = l2u_build,
	.protos = l2u_protos,
	.encap_node = TGW_NODE_UDPL2_ENCAP,
	.decap_node = TGW_NODE_GENEVE_DECAP,
	.lookup_cls = TGW_UDP_CLS_GENEVE,
};
TGW_TNL_REGISTER(geneve_ops);

static struct tgw_tnl_ops vxlan_ops = {
	.type = "vxlan",
	.outer = 0,
	.default_ttl = 64,
	.has_pmtudisc = true,
	.pmtudisc_off = true,
	.keys = vxlan_keys,
	.parse = l2u_parse,
	.overhead = l2u_overhead,
	.build = l2u_build,
	.protos = l2u_protos,
	.encap_node = TGW_NODE_UDPL2_ENCAP,
	.decap_node = TGW_NODE_VXLAN_DECAP,
	.lookup_cls = TGW_UDP_CLS_VXLAN,
	.rx_any_remote = true,
};
TGW_TNL_REGISTER(vxlan_ops);
