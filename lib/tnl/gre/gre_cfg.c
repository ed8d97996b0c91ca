/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The GRE family, as `ip link add … type gre|gretap|ip6gre|ip6gretap|erspan|ip6erspan`:
 * keys, sequence numbers and checksums per direction (ip-link(8)), ERSPAN type II/III.
 */
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <rte_ip.h>

#include "gre.h"
#include "ip6tnl.h"
#include "ipip.h"
#include "tnl_inline.h"
#include "udp.h"

static uint16_t
gre_overhead(const struct tgw_tunnel *t)
{
	uint16_t n = t->ops->outer == 4 ? sizeof(struct rte_ipv4_hdr) : sizeof(struct rte_ipv6_hdr);

	if (t->ops->outer == 6 && t->encaplimit != TGW_ENCAPLIMIT_NONE)
		n += sizeof(struct tgw_ip6_encap_limit);
	n += tgw_udp_encap_len(t);
	n += tgw_gre_hdr_len((t->oflags & TGW_TF_CSUM ? TGW_GRE_C : 0) |
			     (t->oflags & TGW_TF_KEY ? TGW_GRE_K : 0) |
			     (t->oflags & TGW_TF_SEQ ? TGW_GRE_S : 0));
	if (t->erspan_ver == 1)
		n += sizeof(struct tgw_erspan2_hdr);
	else if (t->erspan_ver == 2)
		n += sizeof(struct tgw_erspan3_hdr);
	return n;
}

/* Outer IP, GRE with the transmit options, ERSPAN header: everything but lengths, IDs,
 * checksums, the sequence number and, for gre, the protocol type of the inner. */
static void
gre_build(struct tgw_tunnel *t)
{
	uint16_t flags = 0, proto = 0;
	uint8_t *g;
	uint32_t p;

	if (t->ops->outer == 4) {
		tgw_ip4ip_build(t);
		((struct rte_ipv4_hdr *)t->hdr)->next_proto_id = t->encap ? IPPROTO_UDP : IPPROTO_GRE;
		t->hdr_len += tgw_udp_encap_build(t, t->hdr_len, IPPROTO_GRE);
	} else {
		tgw_ip6_outer_build(t, IPPROTO_GRE);
	}
	t->gre_off = t->hdr_len;
	g = t->hdr + t->gre_off;
	if (t->oflags & TGW_TF_CSUM)
		flags |= TGW_GRE_C;
	if (t->oflags & TGW_TF_KEY)
		flags |= TGW_GRE_K;
	if (t->oflags & TGW_TF_SEQ)
		flags |= TGW_GRE_S;
	if (t->ops->lookup_cls == TGW_GRE_CLS_TAP)
		proto = TGW_ETH_P_TEB;
	else if (t->erspan_ver)
		proto = t->erspan_ver == 1 ? TGW_ETH_P_ERSPAN : TGW_ETH_P_ERSPAN2;
	g[0] = flags >> 8;
	g[1] = flags & 0xff;
	g[2] = proto >> 8;
	g[3] = proto & 0xff;
	p = 4;
	if (flags & TGW_GRE_C)
		p += 4; /* checksum and reserved1, per packet */
	if (flags & TGW_GRE_K) {
		rte_be32_t k = rte_cpu_to_be_32(t->okey);

		memcpy(g + p, &k, sizeof(k));
		p += 4;
	}
	t->seq_off = 0;
	if (flags & TGW_GRE_S) {
		t->seq_off = t->gre_off + p;
		p += 4;
	}
	t->ers_off = 0;
	if (t->erspan_ver) {
		struct tgw_erspan3_hdr *e = (struct tgw_erspan3_hdr *)(g + p);

		t->ers_off = t->gre_off + p;
		e->ver_vlan = rte_cpu_to_be_16((uint16_t)t->erspan_ver << 12);
		e->cos_en_t_sid = rte_cpu_to_be_16(t->ikey & TGW_ERSPAN_SID_MASK);
		if (t->erspan_ver == 1) {
			((struct tgw_erspan2_hdr *)e)->index =
				rte_cpu_to_be_32(t->erspan_idx & TGW_ERSPAN_INDEX_MASK);
			p += sizeof(struct tgw_erspan2_hdr);
		} else {
			/* P = 1, FT 0, HWID, D, Gra 0 (100 µs), O 0, as the kernel */
			e->p_ft_hwid_d_gra_o = rte_cpu_to_be_16(
				(uint16_t)(1u << 15 | (t->erspan_hwid & 0x3f) << 4 |
					   (t->erspan_dir & 1) << 3));
			p += sizeof(struct tgw_erspan3_hdr);
		}
	}
	t->hdr_len = t->gre_off + p;
}

/* A GRE key: a number or a dotted quad, as iproute2 takes it. 1 present, 0 absent. */
int
tgw_gre_key_parse(struct tgw_cfg_ctx *c, json_t *obj, const char *path, const char *key, uint32_t *out)
{
	json_t *v = json_object_get(obj, key);
	char p[256];
	struct in_addr a;

	if (v == NULL)
		return 0;
	snprintf(p, sizeof(p), "%s.%s", path, key);
	if (json_is_integer(v) && json_integer_value(v) >= 0 &&
	    json_integer_value(v) <= UINT32_MAX) {
		*out = json_integer_value(v);
		return 1;
	}
	if (json_is_string(v) && inet_pton(AF_INET, json_string_value(v), &a) == 1) {
		*out = rte_be_to_cpu_32(a.s_addr);
		return 1;
	}
	if (json_is_string(v) && *json_string_value(v) != 0 && *json_string_value(v) != '-') {
		char *end;
		unsigned long long x = strtoull(json_string_value(v), &end, 0);

		if (*end == 0 && x <= UINT32_MAX) { /* decimal or 0x-hex, as other numbers */
			*out = x;
			return 1;
		}
	}
	return tgw_cfg_err(c, p, v, "is not a GRE key (0..4294967295 or a dotted quad)");
}

/* key/ikey/okey, seq/iseq/oseq, csum/icsum/ocsum: "x" sets both directions. */
static int
gre_flags(struct tgw_cfg_ctx *c, json_t *obj, const char *path, struct tgw_tunnel *t)
{
	static const struct {
		const char *both, *in, *out;
		uint8_t flag;
	} f[] = {
		{"seq", "iseq", "oseq", TGW_TF_SEQ},
		{"csum", "icsum", "ocsum", TGW_TF_CSUM},
	};
	uint32_t k;
	int rc;

	for (unsigned int i = 0; i < RTE_DIM(f); i++) {
		bool both = false, in = false, out = false;

		if (tgw_cfg_bool(c, obj, path, f[i].both, &both) < 0 ||
		    tgw_cfg_bool(c, obj, path, f[i].in, &in) < 0 ||
		    tgw_cfg_bool(c, obj, path, f[i].out, &out) < 0)
			return -1;
		if (both || in)
			t->iflags |= f[i].flag;
		if (both || out)
			t->oflags |= f[i].flag;
	}
	if (json_object_get(obj, "key") &&
	    (json_object_get(obj, "ikey") || json_object_get(obj, "okey")))
		return tgw_cfg_err(c, path, NULL, "tunnel \"%s\": give \"key\" or \"ikey\"/\"okey\", "
				   "not both", t->name);
	rc = tgw_gre_key_parse(c, obj, path, "key", &k);
	if (rc < 0)
		return -1;
	if (rc == 1) {
		t->ikey = t->okey = k;
		t->iflags |= TGW_TF_KEY;
		t->oflags |= TGW_TF_KEY;
	}
	rc = tgw_gre_key_parse(c, obj, path, "ikey", &t->ikey);
	if (rc < 0)
		return -1;
	if (rc == 1)
		t->iflags |= TGW_TF_KEY;
	rc = tgw_gre_key_parse(c, obj, path, "okey", &t->okey);
	if (rc < 0)
		return -1;
	if (rc == 1)
		t->oflags |= TGW_TF_KEY;
	return 0;
}

static int
gre_parse(struct tgw_cfg_ctx *c, json_t *obj, const char *path, struct tgw_tunnel *t)
{
	t->mode = "gre";
	t->iflags = t->oflags = 0;
	t->ikey = t->okey = 0;
	t->erspan_ver = 0;
	t->inner = t->ops->lookup_cls == TGW_GRE_CLS_TAP ? TGW_INNER_ETH
							  : TGW_INNER_IP4 | TGW_INNER_IP6;
	if ((t->inner & TGW_INNER_ETH) && tgw_tnl_l2_no_addrs(c, obj, path, t) < 0)
		return -1;
	if (gre_flags(c, obj, path, t) < 0)
		return -1;
	if (t->ops->outer == 6 && tgw_ip6_outer_parse(c, obj, path, t) < 0)
		return -1;
	return tgw_tnl_parse_encap(c, obj, path, t);
}

static int
erspan_parse(struct tgw_cfg_ctx *c, json_t *obj, const char *path, struct tgw_tunnel *t)
{
	static const char *const dirs[] = {"ingress", "egress", NULL};
	int64_t x;
	int rc, dir = 0;
	char p[256];

	t->mode = "erspan";
	t->inner = TGW_INNER_ETH;
	if (tgw_tnl_l2_no_addrs(c, obj, path, t) < 0)
		return -1;
	/* "seq" as iproute2 takes it: ERSPAN always sends sequence numbers anyway */
	if (tgw_cfg_bool(c, obj, path, "seq", &(bool){false}) < 0)
		return -1;
	/* the session id is the lookup key; the GRE header carries S and a sequence only */
	t->iflags = TGW_TF_KEY;
	t->oflags = TGW_TF_SEQ;
	rc = tgw_cfg_int(c, obj, path, "key", 0, TGW_ERSPAN_SID_MASK, &x);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return tgw_cfg_err(c, path, NULL, "tunnel \"%s\" needs \"key\" (the ERSPAN "
				   "session id, 0..1023)", t->name);
	t->ikey = t->okey = x;
	t->erspan_ver = 1;
	if (tgw_cfg_int(c, obj, path, "erspan_ver", 1, 2, &x) == 1)
		t->erspan_ver = x;
	else if (json_object_get(obj, "erspan_ver"))
		return -1;
	t->erspan_idx = 0;
	t->erspan_dir = 0;
	t->erspan_hwid = 0;
	rc = tgw_cfg_int(c, obj, path, "erspan", 0, TGW_ERSPAN_INDEX_MASK, &x);
	if (rc < 0)
		return -1;
	snprintf(p, sizeof(p), "%s.erspan", path);
	if (rc == 1 && t->erspan_ver != 1)
		return tgw_cfg_err(c, p, json_object_get(obj, "erspan"),
				   "applies to erspan_ver 1 (type II)");
	if (rc == 1)
		t->erspan_idx = x;
	if (tgw_cfg_enum(c, obj, path, "erspan_dir", dirs, &dir) < 0)
		return -1;
	snprintf(p, sizeof(p), "%s.erspan_dir", path);
	if (json_object_get(obj, "erspan_dir") && t->erspan_ver != 2)
		return tgw_cfg_err(c, p, json_object_get(obj, "erspan_dir"),
				   "applies to erspan_ver 2 (type III)");
	t->erspan_dir = dir;
	rc = tgw_cfg_int(c, obj, path, "erspan_hwid", 0, 63, &x);
	if (rc < 0)
		return -1;
	snprintf(p, sizeof(p), "%s.erspan_hwid", path);
	if (rc == 1 && t->erspan_ver != 2)
		return tgw_cfg_err(c, p, json_object_get(obj, "erspan_hwid"),
				   "applies to erspan_ver 2 (type III)");
	if (rc == 1)
		t->erspan_hwid = x;
	if (t->ops->outer == 6 && tgw_ip6_outer_parse(c, obj, path, t) < 0)
		return -1;
	return 0;
}

static int
gre_protos(const struct tgw_tunnel *t, uint8_t *protos)
{
	RTE_SET_USED(t);
	protos[0] = IPPROTO_GRE;
	return 1;
}

static const char *const gre_keys[] = {"key", "ikey", "okey", "seq", "iseq", "oseq", "csum",
				       "icsum", "ocsum", "encap", NULL};
static const char *const gretap_keys[] = {"key", "ikey", "okey", "seq", "iseq", "oseq",
					  "csum", "icsum", "ocsum", NULL};
static const char *const ip6gre_keys[] = {"key", "ikey", "okey", "seq", "iseq", "oseq",
					  "csum", "icsum", "ocsum", "encaplimit", "flowlabel",
					  NULL};
static const char *const erspan_keys[] = {"key", "seq", "erspan_ver", "erspan", "erspan_dir",
					  "erspan_hwid", NULL};
static const char *const ip6erspan_keys[] = {"key", "seq", "erspan_ver", "erspan", "erspan_dir",
					     "erspan_hwid", "encaplimit", "flowlabel", NULL};

#define GRE_OPS(var, name, fam, cls, keyl, parsef) \
	static struct tgw_tnl_ops var = { \
		.type = name, \
		.outer = fam, \
		.default_ttl = fam == 4 ? 0 : 64, \
		.has_pmtudisc = fam == 4, \
		.keys = keyl, \
		.parse = parsef, \
		.overhead = gre_overhead, \
		.build = gre_build, \
		.protos = gre_protos, \
		.encap_node = fam == 4 ? TGW_NODE_GRE4_ENCAP : TGW_NODE_GRE6_ENCAP, \
		.decap_node = fam == 4 ? TGW_NODE_GRE4_DECAP : TGW_NODE_GRE6_DECAP, \
		.decap_protos = {IPPROTO_GRE}, \
		.n_decap_protos = 1, \
		.lookup_cls = cls, \
	}; \
	TGW_TNL_REGISTER(var)

GRE_OPS(gre_ops, "gre", 4, TGW_GRE_CLS_L3, gre_keys, gre_parse)
GRE_OPS(gretap_ops, "gretap", 4, TGW_GRE_CLS_TAP, gretap_keys, gre_parse)
GRE_OPS(ip6gre_ops, "ip6gre", 6, TGW_GRE_CLS_L3, ip6gre_keys, gre_parse)
GRE_OPS(ip6gretap_ops, "ip6gretap", 6, TGW_GRE_CLS_TAP, ip6gre_keys, gre_parse)
GRE_OPS(erspan_ops, "erspan", 4, TGW_GRE_CLS_ERSPAN, erspan_keys, erspan_parse)
GRE_OPS(ip6erspan_ops, "ip6erspan", 6, TGW_GRE_CLS_ERSPAN, ip6erspan_keys, erspan_parse)
