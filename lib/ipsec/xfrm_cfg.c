/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPsec, control path: "xfrm" states and policies (SPEC §2, `ip xfrm state/policy
 * add`), their templates resolved to SAs, the SAD hash and the SPD classifiers
 * (rte_acl), the summary and the SA counters.
 */
#include "ipsec.h"

#include <ctype.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "ipsec_inline.h"
#include "stats.h"
#include "tnl.h"
#include "udp.h"

struct tgw_sa *tgw_sas;
uint16_t tgw_n_sas;
struct tgw_policy *tgw_policies;
uint16_t tgw_n_policies;
struct tgw_sa_rt *tgw_sa_rt;
struct tgw_ipsec_tables *volatile tgw_ipsec_tab;

static const char *const mode_names[] = {"tunnel", "transport", "beet", NULL};
static const char *const dir_names[] = {"in", "out", "fwd", NULL};

static void
join(char *out, size_t len, const char *path, const char *key)
{
	if ((size_t)snprintf(out, len, "%s.%s", path, key) >= len)
		out[len - 1] = 0;
}

static int
hex_nibble(int ch)
{
	return isdigit(ch) ? ch - '0' : isxdigit(ch) ? tolower(ch) - 'a' + 10 : -1;
}

/* A key as iproute2 takes it: "0x" and hex digits, or the bytes of the string itself
 * (the kernel docs' `auth sha1 beef_fish_pork_salad`). */
static int
parse_key(struct tgw_cfg_ctx *c, json_t *obj, const char *path, uint8_t *out, size_t *len)
{
	json_t *v = json_object_get(obj, "key");
	const char *s;
	char p[256];
	size_t n;

	join(p, sizeof(p), path, "key");
	if (v == NULL)
		return tgw_cfg_err(c, path, NULL, "needs \"key\"");
	if (!json_is_string(v))
		return tgw_cfg_err(c, p, v, "is not a string (\"0x…\" hex, or the key's text)");
	s = json_string_value(v);
	n = strlen(s);
	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		n -= 2;
		if (n % 2 || n / 2 > 512)
			return tgw_cfg_err(c, p, v, "needs an even number of hex digits (at most "
					   "1024)");
		for (size_t i = 0; i < n / 2; i++) {
			int hi = hex_nibble((unsigned char)s[2 * i]);
			int lo = hex_nibble((unsigned char)s[2 * i + 1]);

			if (hi < 0 || lo < 0)
				return tgw_cfg_err(c, p, v, "is not a hex string");
			out[i] = (uint8_t)(hi << 4 | lo);
		}
		*len = n / 2;
		return 0;
	}
	/* "" is the empty key of ecb(cipher_null) */
	if (n > 512)
		return tgw_cfg_err(c, p, v, "is longer than 512 bytes");
	memcpy(out, s, n);
	*len = n;
	return 0;
}

/* "mark": N, or {"value": N, "mask": M} (mask 0xffffffff when absent). */
static int
parse_mark(struct tgw_cfg_ctx *c, json_t *obj, const char *path, uint32_t *value, uint32_t *mask)
{
	static const char *const keys[] = {"value", "mask", NULL};
	json_t *v = json_object_get(obj, "mark");
	char p[256];
	int64_t x;

	*value = 0;
	*mask = 0;
	if (v == NULL)
		return 0;
	*mask = UINT32_MAX;
	if (!json_is_object(v)) {
		if (tgw_cfg_int(c, obj, path, "mark", 0, UINT32_MAX, &x) < 0)
			return -1;
		*value = x;
		return 0;
	}
	join(p, sizeof(p), path, "mark");
	if (tgw_cfg_keys(c, v, p, keys, NULL) < 0)
		return -1;
	if (tgw_cfg_int(c, v, p, "value", 0, UINT32_MAX, &x) < 0)
		return -1;
	*value = json_object_get(v, "value") ? x : 0;
	if (tgw_cfg_int(c, v, p, "mask", 0, UINT32_MAX, &x) < 0)
		return -1;
	if (json_object_get(v, "mask"))
		*mask = x;
	if (*value & ~*mask)
		return tgw_cfg_err(c, p, v, "value has bits outside the mask");
	return 0;
}

static int
parse_proto(struct tgw_cfg_ctx *c, json_t *obj, const char *path, uint8_t *proto)
{
	static const char *const names[] = {"esp", "ah", NULL};
	int i = 0;
	int rc = tgw_cfg_enum(c, obj, path, "proto", names, &i);

	if (rc < 0)
		return -1;
	*proto = i == 1 ? IPPROTO_AH : IPPROTO_ESP;
	return rc;
}

/* One algorithm object: {"name", "key", and icv_bits or trunc_bits}. */
static int
parse_alg(struct tgw_cfg_ctx *c, json_t *obj, const char *path, const char *what,
	  const char **name, uint8_t *key, size_t *key_len, const char *bits_key, int *bits)
{
	static const char *const keys_bits[] = {"name", "key", "icv_bits", "trunc_bits", NULL};
	json_t *v = json_object_get(obj, what);
	char p[256], q[256];
	int64_t x;

	if (v == NULL)
		return 0;
	join(p, sizeof(p), path, what);
	if (!json_is_object(v))
		return tgw_cfg_err(c, p, v, "is not an object {\"name\", \"key\"}");
	if (tgw_cfg_keys(c, v, p, keys_bits, NULL) < 0)
		return -1;
	for (int i = 2; i < 4; i++)
		if (json_object_get(v, keys_bits[i]) &&
		    (bits_key == NULL || strcmp(bits_key, keys_bits[i]) != 0)) {
			join(q, sizeof(q), p, keys_bits[i]);
			return tgw_cfg_err(c, q, NULL, "does not apply to \"%s\"", what);
		}
	if (tgw_cfg_str(c, v, p, "name", name) <= 0)
		return tgw_cfg_err(c, p, NULL, "needs \"name\" (a Linux algorithm name)");
	if (parse_key(c, v, p, key, key_len) < 0)
		return -1;
	if (bits_key && tgw_cfg_int(c, v, p, bits_key, 0, 512, &x) < 0)
		return -1;
	if (bits_key && json_object_get(v, bits_key))
		*bits = (int)x;
	return 1;
}

static const char *const state_keys[] = {"src", "dst", "proto", "spi", "reqid", "mode", "aead",
					 "enc", "auth", "replay_window", "esn", "if_id", "mark",
					 "encap", "replay_oseq", "replay_seq", "sel", NULL};

/*
 * BEET (RFC 7402): "sel": {"src", "dst"}, the inner addresses the state stands for (`ip
 * xfrm state add ... mode beet sel src A dst B`): host addresses of one family, which
 * may differ from the state's. Required in BEET mode; other modes take no selector.
 */
static int
parse_beet_sel(struct tgw_cfg_ctx *c, json_t *obj, const char *path, struct tgw_sa *sa)
{
	static const char *const keys[] = {"src", "dst", NULL};
	json_t *sel = json_object_get(obj, "sel");
	char p[256], q[256];
	int rc;

	join(p, sizeof(p), path, "sel");
	if (sa->mode != TGW_XFRM_BEET) {
		if (sel == NULL)
			return 0;
		return tgw_cfg_err(c, p, sel, "a state's selector is taken in mode beet only "
				   "(not supported yet in %s mode)", mode_names[sa->mode]);
	}
	if (sel == NULL)
		return tgw_cfg_err(c, path, NULL, "a state in mode beet needs \"sel\": {\"src\", "
				   "\"dst\"} (the inner addresses)");
	if (!json_is_object(sel))
		return tgw_cfg_err(c, p, sel, "is not an object {\"src\", \"dst\"}");
	if (tgw_cfg_keys(c, sel, p, keys, NULL) < 0)
		return -1;
	rc = tgw_cfg_ip(c, sel, p, "src", false, &sa->sel_src);
	if (rc > 0)
		rc = tgw_cfg_ip(c, sel, p, "dst", false, &sa->sel_dst);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return tgw_cfg_err(c, p, sel, "needs \"src\" and \"dst\" (host addresses)");
	join(q, sizeof(q), p, "dst");
	if (sa->sel_src.family != sa->sel_dst.family)
		return tgw_cfg_err(c, q, json_object_get(sel, "dst"),
				   "is not of the family of \"src\"");
	/* the kernel's BEET carries ESP only here (AH BEET, NAT-T: not supported yet) */
	if (sa->proto != IPPROTO_ESP)
		return tgw_cfg_err(c, path, NULL, "AH in beet mode is not supported yet (ESP is)");
	/* a vti carries tunnel mode only (vti_state_check); an xfrm interface any mode */
	if (sa->mark_mask)
		return tgw_cfg_err(c, path, NULL, "a state in beet mode with a mark (a vti's) is "
				   "not supported: a vti carries tunnel mode only (xfrm interfaces "
				   "and policy-based BEET do)");
	return 0;
}

/*
 * NAT-T (RFC 3948): `encap espinudp SPORT DPORT OADDR`, "encap": {"type": "espinudp",
 * "sport": 4500, "dport": 4500}. ESP only; over IPv4 or IPv6 (the kernel's esp6 takes
 * espinudp since 5.8), tunnel mode.
 */
static int
parse_encap(struct tgw_cfg_ctx *c, json_t *obj, const char *path, struct tgw_sa *sa)
{
	static const char *const keys[] = {"type", "sport", "dport", NULL};
	static const char *const types[] = {"espinudp", NULL};
	json_t *e = json_object_get(obj, "encap");
	char p[256];
	int64_t port;
	int type, rc;

	join(p, sizeof(p), path, "encap");
	if (!json_is_object(e))
		return tgw_cfg_err(c, p, e, "is not an object ({\"type\": \"espinudp\", "
				   "\"sport\": 4500, \"dport\": 4500})");
	if (tgw_cfg_keys(c, e, p, keys, NULL) < 0)
		return -1;
	rc = tgw_cfg_enum(c, e, p, "type", types, &type);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return tgw_cfg_err(c, p, e, "needs \"type\": \"espinudp\"");
	if (sa->proto != IPPROTO_ESP)
		return tgw_cfg_err(c, p, e, "UDP encapsulation is for ESP states only");
	if (sa->mode != TGW_XFRM_TUNNEL)
		return tgw_cfg_err(c, p, e, "NAT-T in %s mode is not supported yet",
				   mode_names[sa->mode]);
	sa->natt = true;
	sa->natt_sport = sa->natt_dport = 4500;
	rc = tgw_cfg_int(c, e, p, "sport", 1, 65535, &port);
	if (rc < 0)
		return -1;
	if (rc)
		sa->natt_sport = (uint16_t)port;
	rc = tgw_cfg_int(c, e, p, "dport", 1, 65535, &port);
	if (rc < 0)
		return -1;
	if (rc)
		sa->natt_dport = (uint16_t)port;
	return 0;
}

static int
parse_state(struct tgw_cfg_ctx *c, json_t *obj, const char *path, struct tgw_sa *sa)
{
	uint8_t aead_key[512], enc_key[512], auth_key[512];
	struct tgw_sa_algs a = {.icv_bits = -1, .trunc_bits = -1};
	const char *field;
	char p[256], q[300], err[256];
	int mode = TGW_XFRM_TRANSPORT; /* ip xfrm's default */
	int64_t x;
	int rc;

	if (!json_is_object(obj))
		return tgw_cfg_err(c, path, obj, "is not an object");
	if (tgw_cfg_keys(c, obj, path, state_keys, NULL) < 0)
		return -1;
	rc = tgw_cfg_ip(c, obj, path, "src", false, &sa->src);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return tgw_cfg_err(c, path, NULL, "a state needs \"src\" and \"dst\"");
	rc = tgw_cfg_ip(c, obj, path, "dst", false, &sa->dst);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return tgw_cfg_err(c, path, NULL, "a state needs \"src\" and \"dst\"");
	join(p, sizeof(p), path, "dst");
	if (sa->src.family != sa->dst.family)
		return tgw_cfg_err(c, p, json_object_get(obj, "dst"),
				   "is not of the family of \"src\"");
	sa->family = sa->dst.family;
	rc = parse_proto(c, obj, path, &sa->proto);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return tgw_cfg_err(c, path, NULL, "a state needs \"proto\": \"esp\" or \"ah\"");
	rc = tgw_cfg_int(c, obj, path, "spi", 1, UINT32_MAX, &x);
	if (rc < 0)
		return -1;
	/* RFC 4303 §2.1: SPI 0 is reserved and never sent */
	if (rc == 0)
		return tgw_cfg_err(c, path, NULL, "a state needs \"spi\" (1..0xffffffff)");
	sa->spi = (uint32_t)x;
	if (tgw_cfg_int(c, obj, path, "reqid", 0, UINT32_MAX, &x) < 0)
		return -1;
	sa->reqid = json_object_get(obj, "reqid") ? (uint32_t)x : 0;
	if (tgw_cfg_enum(c, obj, path, "mode", mode_names, &mode) < 0)
		return -1;
	sa->mode = mode; /* transport without "mode", as ip xfrm */
	join(p, sizeof(p), path, "mode");
	if (tgw_cfg_int(c, obj, path, "if_id", 0, UINT32_MAX, &x) < 0)
		return -1;
	sa->if_id = json_object_get(obj, "if_id") ? (uint32_t)x : 0;
	if (parse_mark(c, obj, path, &sa->mark, &sa->mark_mask) < 0)
		return -1;
	sa->replay_window = 64; /* SPEC §2: RFC 4303 §3.4.3's recommended default */
	if (tgw_cfg_int(c, obj, path, "replay_window", 0, TGW_REPLAY_MAX, &x) < 0)
		return -1;
	if (json_object_get(obj, "replay_window"))
		sa->replay_window = (uint16_t)x;
	if (tgw_cfg_bool(c, obj, path, "esn", &sa->esn) < 0)
		return -1;
	/* iproute2's replay-oseq: the last sequence number sent (testing, SA hand-over) */
	if (tgw_cfg_int(c, obj, path, "replay_oseq", 0, sa->esn ? INT64_MAX : UINT32_MAX, &x) < 0)
		return -1;
	sa->oseq = json_object_get(obj, "replay_oseq") ? (uint64_t)x : 0;
	/* replay-seq: the highest sequence number received (the window's top) */
	if (tgw_cfg_int(c, obj, path, "replay_seq", 0, sa->esn ? INT64_MAX : UINT32_MAX, &x) < 0)
		return -1;
	sa->iseq = json_object_get(obj, "replay_seq") ? (uint64_t)x : 0;
	if (json_object_get(obj, "encap") && parse_encap(c, obj, path, sa) < 0)
		return -1;
	if (parse_beet_sel(c, obj, path, sa) < 0)
		return -1;

	if (parse_alg(c, obj, path, "aead", &a.aead, aead_key, &a.aead_key_len, "icv_bits",
		      &a.icv_bits) < 0 ||
	    parse_alg(c, obj, path, "enc", &a.enc, enc_key, &a.enc_key_len, NULL, NULL) < 0 ||
	    parse_alg(c, obj, path, "auth", &a.auth, auth_key, &a.auth_key_len, "trunc_bits",
		      &a.trunc_bits) < 0)
		return -1;
	a.aead_key = aead_key;
	a.enc_key = enc_key;
	a.auth_key = auth_key;
	a.esn = sa->esn;
	a.ah = sa->proto == IPPROTO_AH;
	if (!a.ah && a.aead == NULL && a.enc == NULL)
		return tgw_cfg_err(c, path, NULL, "an ESP state needs \"aead\" or \"enc\"");
	if (a.ah && a.auth == NULL)
		return tgw_cfg_err(c, path, NULL, "an AH state needs \"auth\"");
	sa->cr = aligned_alloc(RTE_CACHE_LINE_SIZE, sizeof(*sa->cr));
	if (sa->cr == NULL)
		return tgw_cfg_err(c, path, NULL, "out of memory");
	memset(sa->cr, 0, sizeof(*sa->cr));
	err[0] = 0;
	field = NULL;
	if (tgw_sa_crypto_init(sa->cr, &a, &field, err, sizeof(err)) < 0) {
		char *dot;
		json_t *fv;

		snprintf(q, sizeof(q), "%s.%s", path, field ? field : "");
		/* the value: the member named by field ("aead.key" -> obj.aead.key) */
		fv = obj;
		snprintf(p, sizeof(p), "%s", field ? field : "");
		for (char *tok = p; fv && tok && *tok; tok = dot ? dot + 1 : NULL) {
			dot = strchr(tok, '.');
			if (dot)
				*dot = 0;
			fv = json_object_get(fv, tok);
		}
		if (fv && json_is_object(fv))
			fv = json_object_get(fv, "name");
		return tgw_cfg_err(c, q, strstr(q, ".key") ? NULL : fv, "%s", err);
	}
	return 0;
}

/* A selector prefix; absent: any. */
static int
parse_sel(struct tgw_cfg_ctx *c, json_t *obj, const char *path, const char *key,
	  struct tgw_prefix *out)
{
	const char *s;
	char p[256];
	int rc = tgw_cfg_str(c, obj, path, key, &s);

	memset(out, 0, sizeof(*out));
	if (rc <= 0)
		return rc;
	join(p, sizeof(p), path, key);
	if (tgw_prefix_parse(s, out) < 0 && tgw_ip_parse(s, &out->ip) < 0)
		return tgw_cfg_err(c, p, json_object_get(obj, key), "is not an address or prefix");
	if (strchr(s, '/') == NULL)
		out->len = out->ip.family == 4 ? 32 : 128;
	return 1;
}

static int
parse_l4proto(struct tgw_cfg_ctx *c, json_t *obj, const char *path, int16_t *proto)
{
	static const struct {
		const char *name;
		uint8_t num;
	} names[] = {{"icmp", IPPROTO_ICMP}, {"tcp", IPPROTO_TCP},   {"udp", IPPROTO_UDP},
		     {"gre", IPPROTO_GRE},   {"esp", IPPROTO_ESP},   {"ah", IPPROTO_AH},
		     {"ipv6-icmp", IPPROTO_ICMPV6}, {"icmpv6", IPPROTO_ICMPV6},
		     {"sctp", IPPROTO_SCTP}, {"ipip", IPPROTO_IPIP}, {"ipv6", IPPROTO_IPV6}};
	json_t *v = json_object_get(obj, "proto");
	char p[256];
	int64_t x;

	*proto = -1;
	if (v == NULL)
		return 0;
	if (json_is_string(v)) {
		for (size_t i = 0; i < RTE_DIM(names); i++)
			if (strcmp(json_string_value(v), names[i].name) == 0) {
				*proto = names[i].num;
				return 1;
			}
		if (!isdigit((unsigned char)json_string_value(v)[0])) {
			join(p, sizeof(p), path, "proto");
			return tgw_cfg_err(c, p, v, "is not a protocol name (tcp, udp, icmp, "
					   "ipv6-icmp, gre, esp, ah, sctp, ipip, ipv6) or number");
		}
	}
	if (tgw_cfg_int(c, obj, path, "proto", 0, 255, &x) < 0)
		return -1;
	*proto = (int16_t)x;
	return 1;
}

static const char *const tmpl_keys[] = {"src", "dst", "proto", "spi", "mode", "reqid", NULL};

static int
parse_tmpl(struct tgw_cfg_ctx *c, json_t *obj, const char *path, struct tgw_xfrm_tmpl *t)
{
	int mode = TGW_XFRM_TRANSPORT;
	char p[256];
	int64_t x;

	if (!json_is_object(obj))
		return tgw_cfg_err(c, path, obj, "is not an object");
	if (tgw_cfg_keys(c, obj, path, tmpl_keys, NULL) < 0)
		return -1;
	if (tgw_cfg_ip(c, obj, path, "src", false, &t->src) < 0 ||
	    tgw_cfg_ip(c, obj, path, "dst", false, &t->dst) < 0)
		return -1;
	t->proto = IPPROTO_ESP;
	if (parse_proto(c, obj, path, &t->proto) < 0)
		return -1;
	if (tgw_cfg_int(c, obj, path, "spi", 1, UINT32_MAX, &x) < 0)
		return -1;
	t->spi = json_object_get(obj, "spi") ? (uint32_t)x : 0;
	if (tgw_cfg_int(c, obj, path, "reqid", 0, UINT32_MAX, &x) < 0)
		return -1;
	t->reqid = json_object_get(obj, "reqid") ? (uint32_t)x : 0;
	if (tgw_cfg_enum(c, obj, path, "mode", mode_names, &mode) < 0)
		return -1;
	t->mode = mode;
	if (mode == TGW_XFRM_BEET && t->proto != IPPROTO_ESP) {
		join(p, sizeof(p), path, "mode");
		return tgw_cfg_err(c, p, json_object_get(obj, "mode"),
				   "an AH template in beet mode is not supported yet");
	}
	join(p, sizeof(p), path, "dst");
	if (mode == TGW_XFRM_TUNNEL && (!t->src.family || !t->dst.family))
		return tgw_cfg_err(c, path, NULL, "a tunnel-mode template needs \"src\" and "
				   "\"dst\" (the SA's endpoints)");
	if (t->src.family && t->dst.family && t->src.family != t->dst.family)
		return tgw_cfg_err(c, p, json_object_get(obj, "dst"),
				   "is not of the family of \"src\"");
	t->sa = -1;
	return 0;
}

static const char *const policy_keys[] = {"dir", "src", "dst", "proto", "sport", "dport", "mark",
					  "if_id", "action", "priority", "tmpl", NULL};

static int
parse_policy(struct tgw_cfg_ctx *c, json_t *obj, const char *path, struct tgw_policy *pol)
{
	static const char *const actions[] = {"allow", "block", NULL};
	int dir = 0, action = 0;
	json_t *tmpl, *v;
	char p[256];
	size_t i;
	int64_t x;
	int rc;

	if (!json_is_object(obj))
		return tgw_cfg_err(c, path, obj, "is not an object");
	if (tgw_cfg_keys(c, obj, path, policy_keys, NULL) < 0)
		return -1;
	rc = tgw_cfg_enum(c, obj, path, "dir", dir_names, &dir);
	if (rc < 0)
		return -1;
	if (rc == 0)
		return tgw_cfg_err(c, path, NULL, "a policy needs \"dir\": \"in\", \"out\" or "
				   "\"fwd\"");
	pol->dir = dir;
	if (parse_sel(c, obj, path, "src", &pol->src) < 0 ||
	    parse_sel(c, obj, path, "dst", &pol->dst) < 0)
		return -1;
	join(p, sizeof(p), path, "dst");
	if (pol->src.ip.family && pol->dst.ip.family && pol->src.ip.family != pol->dst.ip.family)
		return tgw_cfg_err(c, p, json_object_get(obj, "dst"),
				   "is not of the family of \"src\"");
	/* no selector address: the policy applies to both families (as `ip xfrm policy`
	 * and `ip -6 xfrm policy` together) */
	pol->family = pol->src.ip.family ? pol->src.ip.family : pol->dst.ip.family;
	if (parse_l4proto(c, obj, path, &pol->proto) < 0)
		return -1;
	pol->sport = pol->dport = -1;
	if (tgw_cfg_int(c, obj, path, "sport", 0, 65535, &x) < 0)
		return -1;
	if (json_object_get(obj, "sport"))
		pol->sport = (int32_t)x;
	if (tgw_cfg_int(c, obj, path, "dport", 0, 65535, &x) < 0)
		return -1;
	if (json_object_get(obj, "dport"))
		pol->dport = (int32_t)x;
	if ((pol->sport >= 0 || pol->dport >= 0) && pol->proto < 0)
		return tgw_cfg_err(c, path, NULL, "\"sport\"/\"dport\" need \"proto\"");
	if (parse_mark(c, obj, path, &pol->mark, &pol->mark_mask) < 0)
		return -1;
	if (tgw_cfg_int(c, obj, path, "if_id", 0, UINT32_MAX, &x) < 0)
		return -1;
	pol->if_id = json_object_get(obj, "if_id") ? (uint32_t)x : 0;
	if (tgw_cfg_enum(c, obj, path, "action", actions, &action) < 0)
		return -1;
	pol->block = action == 1;
	if (tgw_cfg_int(c, obj, path, "priority", 0, UINT32_MAX, &x) < 0)
		return -1;
	pol->priority = json_object_get(obj, "priority") ? (uint32_t)x : 0;
	tmpl = json_object_get(obj, "tmpl");
	join(p, sizeof(p), path, "tmpl");
	if (tmpl && !json_is_array(tmpl))
		return tgw_cfg_err(c, p, tmpl, "is not an array");
	if (json_array_size(tmpl) > 1)
		return tgw_cfg_err(c, p, NULL, "more than one template (SA bundles) is not "
				   "supported yet");
	json_array_foreach(tmpl, i, v) {
		char q[300];

		snprintf(q, sizeof(q), "%s[%zu]", p, i);
		if (parse_tmpl(c, v, q, &pol->tmpl[i]) < 0)
			return -1;
		pol->n_tmpls++;
	}
	return 0;
}

/* Does state sa satisfy template t of a policy with mark/if_id (kernel
 * xfrm_state_find: addresses, proto, mode, reqid and spi when set, mark, if_id)? */
static bool
tmpl_match(const struct tgw_xfrm_tmpl *t, const struct tgw_policy *pol, const struct tgw_sa *sa)
{
	if (sa->proto != t->proto || sa->mode != t->mode)
		return false;
	if (t->dst.family && !tgw_ip_eq(&t->dst, &sa->dst))
		return false;
	if (t->src.family && !tgw_ip_eq(&t->src, &sa->src))
		return false;
	if ((t->spi && t->spi != sa->spi) || (t->reqid && t->reqid != sa->reqid))
		return false;
	if (sa->if_id != pol->if_id)
		return false;
	/* a BEET state stands for inner addresses of its selector's family (the kernel
	 * matches the state's selector to the flow; here per policy, at start-up) */
	if (sa->mode == TGW_XFRM_BEET && pol->family && sa->sel_src.family != pol->family)
		return false;
	return (pol->mark & sa->mark_mask) == sa->mark;
}

int32_t
tgw_xfrm_tmpl_state(int32_t pol_idx, uint8_t family, const void *src, const void *dst)
{
	const struct tgw_policy *pol = &tgw_policies[pol_idx];
	struct tgw_ip a = {.family = family}, b = {.family = family};
	size_t len = family == 6 ? 16 : 4;

	memcpy(a.v6, src, len);
	memcpy(b.v6, dst, len);
	for (unsigned int s = 0; s < tgw_n_sas; s++) {
		const struct tgw_sa *sa = &tgw_sas[s];

		if (sa->family == family && tgw_ip_eq(&sa->src, &a) && tgw_ip_eq(&sa->dst, &b) &&
		    tmpl_match(&pol->tmpl[0], pol, sa))
			return (int32_t)s;
	}
	return -1;
}

int
tgw_xfrm_parse(struct tgw_cfg_ctx *c, json_t *xfrm)
{
	static const char *const keys[] = {"states", "policies", NULL};
	json_t *states, *policies, *v;
	size_t i;

	tgw_xfrm_free();
	if (xfrm == NULL)
		return 0;
	if (!json_is_object(xfrm))
		return tgw_cfg_err(c, "xfrm", xfrm, "is not an object {\"states\", \"policies\"}");
	if (tgw_cfg_keys(c, xfrm, "xfrm", keys, NULL) < 0)
		return -1;
	states = json_object_get(xfrm, "states");
	policies = json_object_get(xfrm, "policies");
	if (states && !json_is_array(states))
		return tgw_cfg_err(c, "xfrm.states", states, "is not an array");
	if (policies && !json_is_array(policies))
		return tgw_cfg_err(c, "xfrm.policies", policies, "is not an array");
	if (json_array_size(states) > TGW_MAX_SAS)
		return tgw_cfg_err(c, "xfrm.states", NULL, "more than %d states", TGW_MAX_SAS);
	if (json_array_size(policies) > TGW_MAX_POLICIES)
		return tgw_cfg_err(c, "xfrm.policies", NULL, "more than %d policies",
				   TGW_MAX_POLICIES);
	tgw_sas = calloc(TGW_MAX_SAS, sizeof(*tgw_sas));
	tgw_policies = calloc(TGW_MAX_POLICIES, sizeof(*tgw_policies));
	if (tgw_sas == NULL || tgw_policies == NULL)
		return tgw_cfg_err(c, "xfrm", NULL, "out of memory");
	json_array_foreach(states, i, v) {
		struct tgw_sa *sa = &tgw_sas[i];
		char p[64];

		snprintf(p, sizeof(p), "xfrm.states[%zu]", i);
		sa->id = i;
		if (parse_state(c, v, p, sa) < 0)
			return -1;
		tgw_n_sas++;
		for (unsigned int j = 0; j < i; j++)
			if (tgw_sas[j].spi == sa->spi && tgw_sas[j].proto == sa->proto &&
			    tgw_ip_eq(&tgw_sas[j].dst, &sa->dst)) {
				char q[80];

				snprintf(q, sizeof(q), "%s.spi", p);
				return tgw_cfg_err(c, q, json_object_get(v, "spi"),
						   "duplicates xfrm.states[%u] (same spi, dst and "
						   "proto: File exists)", j);
			}
	}
	/* statistics names: the SPI, with the destination when two SAs share it */
	for (unsigned int s = 0; s < tgw_n_sas; s++) {
		struct tgw_sa *sa = &tgw_sas[s];
		bool shared = false;
		char d[64];

		for (unsigned int j = 0; j < tgw_n_sas; j++)
			shared |= j != s && tgw_sas[j].spi == sa->spi;
		snprintf(sa->name, sizeof(sa->name), "0x%08x", sa->spi);
		if (shared)
			snprintf(sa->name + 10, sizeof(sa->name) - 10, "/%s",
				 tgw_ip_str(&sa->dst, d, sizeof(d)));
	}
	json_array_foreach(policies, i, v) {
		char p[64];

		snprintf(p, sizeof(p), "xfrm.policies[%zu]", i);
		if (parse_policy(c, v, p, &tgw_policies[i]) < 0)
			return -1;
		tgw_n_policies++;
	}
	return 0;
}

/* ---- the tables ---- */

static uint32_t
sad_hash(uint32_t spi, uint8_t proto, const uint8_t *dst, size_t n)
{
	return rte_hash_crc(dst, n, spi ^ ((uint32_t)proto << 24));
}

/* RFC 4301 §4.4.2: the SAD is searched by SPI, destination and protocol. */
static int
sad_build(struct tgw_ipsec_tables *tb)
{
	uint32_t cap = 64;

	while (cap < 2u * tgw_n_sas)
		cap <<= 1;
	tb->sad = calloc(cap, sizeof(*tb->sad));
	if (tb->sad == NULL)
		return -1;
	tb->sad_mask = cap - 1;
	for (unsigned int s = 0; s < tgw_n_sas; s++) {
		const struct tgw_sa *sa = &tgw_sas[s];
		size_t n = sa->family == 4 ? 4 : 16;
		uint32_t h = sad_hash(sa->spi, sa->proto, sa->dst.v6, n) & tb->sad_mask;

		while (tb->sad[h].sa)
			h = (h + 1) & tb->sad_mask;
		tb->sad[h].spi = sa->spi;
		tb->sad[h].proto = sa->proto;
		tb->sad[h].family = sa->family;
		memcpy(tb->sad[h].dst, sa->dst.v6, n);
		tb->sad[h].sa = s + 1;
	}
	return 0;
}

int
tgw_sad_lookup(const struct tgw_ipsec_tables *tb, uint32_t spi, uint8_t proto, uint8_t family,
	       const void *dst)
{
	size_t n = family == 4 ? 4 : 16;
	uint32_t h;

	if (tb == NULL || tb->sad == NULL)
		return -1;
	for (h = sad_hash(spi, proto, dst, n) & tb->sad_mask; tb->sad[h].sa;
	     h = (h + 1) & tb->sad_mask)
		if (tb->sad[h].spi == spi && tb->sad[h].proto == proto &&
		    tb->sad[h].family == family && memcmp(tb->sad[h].dst, dst, n) == 0)
			return tb->sad[h].sa - 1;
	return -1;
}

/* rte_acl field layouts of the classifier keys (ipsec.h). */
enum { F4_PROTO, F4_SRC, F4_DST, F4_SPORT, F4_DPORT, F4_MARK, F4_IFID, F4_NB };
static const struct rte_acl_field_def spd4_defs[F4_NB] = {
	{RTE_ACL_FIELD_TYPE_BITMASK, 1, F4_PROTO, 0, offsetof(struct tgw_spd4_key, proto)},
	{RTE_ACL_FIELD_TYPE_MASK, 4, F4_SRC, 1, offsetof(struct tgw_spd4_key, src)},
	{RTE_ACL_FIELD_TYPE_MASK, 4, F4_DST, 2, offsetof(struct tgw_spd4_key, dst)},
	{RTE_ACL_FIELD_TYPE_RANGE, 2, F4_SPORT, 3, offsetof(struct tgw_spd4_key, sport)},
	{RTE_ACL_FIELD_TYPE_RANGE, 2, F4_DPORT, 3, offsetof(struct tgw_spd4_key, dport)},
	{RTE_ACL_FIELD_TYPE_BITMASK, 4, F4_MARK, 4, offsetof(struct tgw_spd4_key, mark)},
	{RTE_ACL_FIELD_TYPE_BITMASK, 4, F4_IFID, 5, offsetof(struct tgw_spd4_key, if_id)},
};

enum { F6_PROTO, F6_SRC0, F6_DST0 = F6_SRC0 + 4, F6_SPORT = F6_DST0 + 4, F6_DPORT, F6_MARK,
       F6_IFID, F6_NB };
#define SPD6_ADDR(f, base, i, off) \
	{RTE_ACL_FIELD_TYPE_MASK, 4, (base) + (i), (f) + (i), (off) + 4 * (i)}
static const struct rte_acl_field_def spd6_defs[F6_NB] = {
	{RTE_ACL_FIELD_TYPE_BITMASK, 1, F6_PROTO, 0, offsetof(struct tgw_spd6_key, proto)},
	SPD6_ADDR(1, F6_SRC0, 0, offsetof(struct tgw_spd6_key, src)),
	SPD6_ADDR(1, F6_SRC0, 1, offsetof(struct tgw_spd6_key, src)),
	SPD6_ADDR(1, F6_SRC0, 2, offsetof(struct tgw_spd6_key, src)),
	SPD6_ADDR(1, F6_SRC0, 3, offsetof(struct tgw_spd6_key, src)),
	SPD6_ADDR(5, F6_DST0, 0, offsetof(struct tgw_spd6_key, dst)),
	SPD6_ADDR(5, F6_DST0, 1, offsetof(struct tgw_spd6_key, dst)),
	SPD6_ADDR(5, F6_DST0, 2, offsetof(struct tgw_spd6_key, dst)),
	SPD6_ADDR(5, F6_DST0, 3, offsetof(struct tgw_spd6_key, dst)),
	{RTE_ACL_FIELD_TYPE_RANGE, 2, F6_SPORT, 9, offsetof(struct tgw_spd6_key, sport)},
	{RTE_ACL_FIELD_TYPE_RANGE, 2, F6_DPORT, 9, offsetof(struct tgw_spd6_key, dport)},
	{RTE_ACL_FIELD_TYPE_BITMASK, 4, F6_MARK, 10, offsetof(struct tgw_spd6_key, mark)},
	{RTE_ACL_FIELD_TYPE_BITMASK, 4, F6_IFID, 11, offsetof(struct tgw_spd6_key, if_id)},
};

RTE_ACL_RULE_DEF(tgw_spd4_rule, F4_NB);
RTE_ACL_RULE_DEF(tgw_spd6_rule, F6_NB);

/* The mask of a prefix length within one 32-bit word of an address (host order). */
static uint32_t
word_bits(uint8_t len, unsigned int word)
{
	int bits = (int)len - 32 * (int)word;

	return bits <= 0 ? 0 : bits >= 32 ? 32 : (uint32_t)bits;
}

static void
rule_common(struct rte_acl_field *f_proto, struct rte_acl_field *f_sport,
	    struct rte_acl_field *f_dport, struct rte_acl_field *f_mark,
	    struct rte_acl_field *f_ifid, const struct tgw_policy *pol)
{
	f_proto->value.u8 = pol->proto < 0 ? 0 : (uint8_t)pol->proto;
	f_proto->mask_range.u8 = pol->proto < 0 ? 0 : 0xff;
	f_sport->value.u16 = pol->sport < 0 ? 0 : (uint16_t)pol->sport;
	f_sport->mask_range.u16 = pol->sport < 0 ? 0xffff : (uint16_t)pol->sport;
	f_dport->value.u16 = pol->dport < 0 ? 0 : (uint16_t)pol->dport;
	f_dport->mask_range.u16 = pol->dport < 0 ? 0xffff : (uint16_t)pol->dport;
	f_mark->value.u32 = pol->mark;
	f_mark->mask_range.u32 = pol->mark_mask;
	f_ifid->value.u32 = pol->if_id;
	f_ifid->mask_range.u32 = UINT32_MAX;
}

/* Rank of policy i among those of its direction: lower priority first, then the
 * order of the configuration (the kernel inserts behind equal priorities). rte_acl
 * prefers the higher number. */
static uint32_t
acl_priority(unsigned int i)
{
	unsigned int rank = 0;

	for (unsigned int j = 0; j < tgw_n_policies; j++)
		if (tgw_policies[j].dir == tgw_policies[i].dir &&
		    (tgw_policies[j].priority < tgw_policies[i].priority ||
		     (tgw_policies[j].priority == tgw_policies[i].priority && j < i)))
			rank++;
	return RTE_ACL_MAX_PRIORITY - rank;
}

static struct rte_acl_ctx *
spd_build(uint8_t dir, uint8_t family, uint32_t gen, char *err, size_t errlen)
{
	struct rte_acl_config cfg = {.num_categories = 1};
	struct rte_acl_param prm = {.socket_id = SOCKET_ID_ANY, .max_rule_num = TGW_MAX_POLICIES};
	struct rte_acl_ctx *ctx;
	unsigned int n = 0;
	char name[RTE_ACL_NAMESIZE];
	int rc;

	for (unsigned int i = 0; i < tgw_n_policies; i++)
		n += tgw_policies[i].dir == dir &&
		     (tgw_policies[i].family == 0 || tgw_policies[i].family == family);
	if (n == 0)
		return NULL;
	/* rte_acl_create returns an existing context of the same name: one per generation */
	snprintf(name, sizeof(name), "tgw_spd%u_%s_%u", family, dir_names[dir], gen);
	prm.name = name;
	prm.rule_size = family == 4 ? RTE_ACL_RULE_SZ(F4_NB) : RTE_ACL_RULE_SZ(F6_NB);
	ctx = rte_acl_create(&prm);
	if (ctx == NULL) {
		snprintf(err, errlen, "rte_acl_create: %s", rte_strerror(rte_errno));
		return NULL;
	}
	for (unsigned int i = 0; i < tgw_n_policies; i++) {
		const struct tgw_policy *pol = &tgw_policies[i];

		if (pol->dir != dir || (pol->family && pol->family != family))
			continue;
		if (family == 4) {
			struct tgw_spd4_rule r = {0};

			r.data.category_mask = 1;
			r.data.priority = acl_priority(i);
			r.data.userdata = i + 1;
			rule_common(&r.field[F4_PROTO], &r.field[F4_SPORT], &r.field[F4_DPORT],
				    &r.field[F4_MARK], &r.field[F4_IFID], pol);
			r.field[F4_SRC].value.u32 = rte_be_to_cpu_32(pol->src.ip.v4);
			r.field[F4_SRC].mask_range.u32 = pol->src.len;
			r.field[F4_DST].value.u32 = rte_be_to_cpu_32(pol->dst.ip.v4);
			r.field[F4_DST].mask_range.u32 = pol->dst.len;
			rc = rte_acl_add_rules(ctx, (struct rte_acl_rule *)&r, 1);
		} else {
			struct tgw_spd6_rule r = {0};

			r.data.category_mask = 1;
			r.data.priority = acl_priority(i);
			r.data.userdata = i + 1;
			rule_common(&r.field[F6_PROTO], &r.field[F6_SPORT], &r.field[F6_DPORT],
				    &r.field[F6_MARK], &r.field[F6_IFID], pol);
			for (unsigned int w = 0; w < 4; w++) {
				uint32_t a, b;

				memcpy(&a, pol->src.ip.v6 + 4 * w, 4);
				memcpy(&b, pol->dst.ip.v6 + 4 * w, 4);
				r.field[F6_SRC0 + w].value.u32 = rte_be_to_cpu_32(a);
				r.field[F6_SRC0 + w].mask_range.u32 = word_bits(pol->src.len, w);
				r.field[F6_DST0 + w].value.u32 = rte_be_to_cpu_32(b);
				r.field[F6_DST0 + w].mask_range.u32 = word_bits(pol->dst.len, w);
			}
			rc = rte_acl_add_rules(ctx, (struct rte_acl_rule *)&r, 1);
		}
		if (rc < 0) {
			snprintf(err, errlen, "rte_acl_add_rules: %s", rte_strerror(-rc));
			rte_acl_free(ctx);
			return NULL;
		}
	}
	memcpy(cfg.defs, family == 4 ? spd4_defs : spd6_defs,
	       family == 4 ? sizeof(spd4_defs) : sizeof(spd6_defs));
	cfg.num_fields = family == 4 ? F4_NB : F6_NB;
	rc = rte_acl_build(ctx, &cfg);
	if (rc < 0) {
		snprintf(err, errlen, "rte_acl_build: %s", rte_strerror(-rc));
		rte_acl_free(ctx);
		return NULL;
	}
	return ctx;
}

static void
tables_free(struct tgw_ipsec_tables *tb)
{
	if (tb == NULL)
		return;
	for (int d = 0; d < TGW_XFRM_NDIRS; d++)
		for (int f = 0; f < 2; f++)
			rte_acl_free(tb->spd[d][f]);
	free(tb->sad);
	free(tb);
}

struct tgw_ipsec_tables *
tgw_ipsec_build(char *err, size_t errlen)
{
	static uint32_t generation;
	struct tgw_ipsec_tables *tb = calloc(1, sizeof(*tb));

	if (tb == NULL || sad_build(tb) < 0) {
		snprintf(err, errlen, "out of memory");
		tables_free(tb);
		return NULL;
	}
	tb->generation = ++generation;
	for (uint8_t d = 0; d < TGW_XFRM_NDIRS; d++)
		for (int f = 0; f < 2; f++) {
			err[0] = 0;
			tb->spd[d][f] = spd_build(d, f ? 6 : 4, tb->generation, err, errlen);
			if (tb->spd[d][f] == NULL && err[0]) {
				tables_free(tb);
				return NULL;
			}
		}
	return tb;
}

void
tgw_ipsec_swap(struct tgw_ipsec_tables *tb, struct rte_rcu_qsbr *qs)
{
	struct tgw_ipsec_tables *old = tgw_ipsec_tab;

	__atomic_store_n(&tgw_ipsec_tab, tb, __ATOMIC_RELEASE);
	/* the workers report a quiescent state after each graph walk */
	if (qs)
		rte_rcu_qsbr_synchronize(qs, RTE_QSBR_THRID_INVALID);
	tables_free(old);
}

static bool
is_vti(const struct tgw_tunnel *t)
{
	return strcmp(t->ops->type, "vti") == 0 || strcmp(t->ops->type, "vti6") == 0;
}

static int
xfrmi_find(uint32_t if_id)
{
	for (unsigned int t = 0; t < tgw.n_tunnels; t++)
		if (strcmp(tgw.tunnels[t].ops->type, "xfrm") == 0 && tgw.tunnels[t].if_id == if_id)
			return (int)t;
	return -1;
}

/*
 * Which traffic policy i applies to: a vti's (the mark its okey or ikey selects), an
 * xfrm interface's (its if_id), or forwarded traffic (policy-based: no mark, no
 * if_id; tgw.xfrm_pb). *pb is set for the last.
 */
static int
policy_kind(struct tgw_cfg_ctx *c, unsigned int i, bool *pb)
{
	const struct tgw_policy *pol = &tgw_policies[i];
	char p[64];

	*pb = false;
	snprintf(p, sizeof(p), "xfrm.policies[%u]", i);
	if (pol->n_tmpls && pol->tmpl[0].mode == TGW_XFRM_TRANSPORT &&
	    (pol->if_id || pol->mark_mask || pol->dir == TGW_XFRM_FWD))
		return tgw_cfg_err(c, p, NULL, "a template in transport mode protects the "
				   "gateway's own traffic: only a policy-based \"in\" or \"out\" "
				   "policy (no mark, no if_id) takes one");
	if (pol->n_tmpls && pol->tmpl[0].mode == TGW_XFRM_BEET && pol->mark_mask)
		return tgw_cfg_err(c, p, NULL, "a template in beet mode through a vti is not "
				   "supported: a vti carries tunnel mode only (xfrm interfaces and "
				   "policy-based BEET do)");
	if (pol->if_id) {
		if (xfrmi_find(pol->if_id) >= 0)
			return 0;
		return tgw_cfg_err(c, p, NULL, "no xfrm interface has if_id %u", pol->if_id);
	}
	if (pol->mark_mask == 0) {
		*pb = true; /* its templates are tunnel mode (parse_tmpl) */
		return 0;
	}
	if (pol->dir == TGW_XFRM_FWD)
		return tgw_cfg_err(c, p, NULL, "a fwd policy with a mark selects no traffic "
				   "(a vti's mark applies to in and out)");
	for (unsigned int t = 0; t < tgw.n_tunnels; t++) {
		const struct tgw_tunnel *tn = &tgw.tunnels[t];
		uint32_t key = pol->dir == TGW_XFRM_OUT ? tn->okey : tn->ikey;

		if (is_vti(tn) && pol->mark_mask && (key & pol->mark_mask) == pol->mark)
			return 0;
	}
	return tgw_cfg_err(c, p, NULL, "no vti's %s selects this policy (\"mark\"); "
			   "policy-based IPsec takes policies without a mark",
			   pol->dir == TGW_XFRM_OUT ? "okey" : "ikey");
}

/*
 * The carrier of an SA an xfrm interface (xfrmi >= 0) or a policy-based out policy
 * (xfrmi -1) sends with: a tunnel between the SA's endpoints (outer header template,
 * underlay next hop), counted as the interface; a policy-based SA's own counters are
 * its only ones.
 */
static int
carrier_add(struct tgw_cfg_ctx *c, struct tgw_sa *sa, int xfrmi)
{
	char name[TGW_NAME_LEN];
	struct tgw_tunnel *t;

	if (tgw.n_tunnels + tgw.n_carriers >= TGW_MAX_TUNNELS)
		return tgw_cfg_err(c, "xfrm.states", NULL, "more than %d tunnels and SAs sent by "
				   "xfrm interfaces or policies", TGW_MAX_TUNNELS);
	sa->carrier = (int16_t)(tgw.n_tunnels + tgw.n_carriers++);
	t = &tgw.tunnels[sa->carrier];
	if (xfrmi >= 0) {
		snprintf(name, sizeof(name), "%.20s/%08x", tgw.tunnels[xfrmi].name, sa->spi);
		*t = tgw.tunnels[xfrmi];
	} else {
		/* as an xfrm interface without settings of its own */
		snprintf(name, sizeof(name), "policy/%08x", sa->spi);
		*t = (struct tgw_tunnel){.id = (uint16_t)sa->carrier, .tos = -1, .dev = -1, .xfrm_tsa = -1,
					 .mode = "xfrm", .inner = TGW_INNER_IP4 | TGW_INNER_IP6,
					 .encaplimit = TGW_ENCAPLIMIT_NONE, .bridge = -1};
	}
	memcpy(t->name, name, sizeof(name));
	t->ops = tgw_xfrm_carrier_ops(sa->family, sa->proto);
	t->local = sa->src;
	t->remote = sa->dst;
	t->outer = sa->family;
	t->n_addrs = 0;
	t->nh = TGW_NH_NONE;
	t->xfrm_sa = sa->id;
	t->out_sa[0] = t->out_sa[1] = sa->id;
	t->ver_ok = 1 << 4 | 1 << 6;
	/* the SA's own overhead is checked per packet (esp_inner_mtu); policy-based tunnel
	 * mode checks only that (ip_forward's MTU is the xfrm bundle's), an interface's
	 * copy the interface MTU first, as vti_xmit / xfrmi_xmit2 after ip_forward */
	t->mtu = tgw_tnl_underlay_mtu(t) - t->ops->overhead(t);
	t->sa_mtu_only = xfrmi < 0 && sa->mode == TGW_XFRM_TUNNEL;
	t->ops->build(t);
	return 0;
}

/* Does prefix pf hold address a? */
static bool
prefix_has(const struct tgw_prefix *pf, const struct tgw_ip *a)
{
	const uint8_t *x, *y;
	unsigned int n = pf->len;

	if (n == 0)
		return true;
	if (pf->ip.family != a->family)
		return false;
	x = pf->ip.family == 4 ? (const uint8_t *)&pf->ip.v4 : pf->ip.v6;
	y = a->family == 4 ? (const uint8_t *)&a->v4 : a->v6;
	for (unsigned int i = 0; n; i++) {
		uint8_t m = n >= 8 ? 0xff : (uint8_t)(0xff << (8 - n));

		if ((x[i] ^ y[i]) & m)
			return false;
		n -= n >= 8 ? 8 : n;
	}
	return true;
}

/*
 * Transport mode for a tunnel's own packets (GRE over transport-mode ESP): the first
 * policy-based out policy by rank that selects the tunnel's outer packets (local,
 * remote, the outer protocol and UDP ports of its template). A transport-mode
 * template names the ESP or AH state towards the remote, a tunnel-mode one any state
 * (its carrier wraps the outer packet); a block policy drops them, one without a
 * template leaves them clear; BEET and a selector on an "auto" source port are
 * refused.
 */
static int
tunnel_transport(struct tgw_cfg_ctx *c, unsigned int ti)
{
	struct tgw_tunnel *t = &tgw.tunnels[ti];
	const uint8_t *h = t->hdr;
	uint8_t proto = t->outer == 4 ? h[9] : h[6];
	int32_t sport = -1, dport = -1;
	const struct tgw_policy *pol;
	const struct tgw_sa_crypto *cr;
	const struct tgw_sa *sa;
	int best = -1;
	uint32_t room, tun;
	char p[64];

	snprintf(p, sizeof(p), "tunnels[%u]", ti);
	if (t->outer == 6 && proto == IPPROTO_DSTOPTS)
		proto = h[40];
	if (t->udp_off) {
		dport = t->dport;
		sport = t->sport ? t->sport : -2; /* -2: varies per flow */
	}
	for (unsigned int i = 0; i < tgw_n_policies; i++) {
		pol = &tgw_policies[i];
		if (pol->dir != TGW_XFRM_OUT || pol->if_id || pol->mark_mask ||
		    (pol->family && pol->family != t->outer) || !prefix_has(&pol->src, &t->local) ||
		    !prefix_has(&pol->dst, &t->remote) || (pol->proto >= 0 && pol->proto != proto) ||
		    (pol->dport >= 0 && pol->dport != dport))
			continue;
		if (pol->sport >= 0 && sport == -2)
			return tgw_cfg_err(c, p, NULL, "tunnel \"%s\": xfrm.policies[%u] selects "
					   "its packets by a source port that varies (\"sport\": "
					   "\"auto\"): not supported", t->name, i);
		if (pol->sport >= 0 && pol->sport != sport)
			continue;
		if (best < 0 || acl_priority(i) > acl_priority((unsigned int)best))
			best = (int)i;
	}
	if (best < 0)
		return 0;
	pol = &tgw_policies[best];
	/* xfrm_lookup: a block policy drops them; an allow policy without templates sends
	 * them in the clear */
	if (pol->block) {
		t->xfrm_tsa = TGW_TSA_BLOCK;
		return 0;
	}
	if (!pol->n_tmpls)
		return 0;
	if (pol->tmpl[0].mode == TGW_XFRM_BEET)
		return tgw_cfg_err(c, p, NULL, "tunnel \"%s\": its outer packets meet "
				   "xfrm.policies[%d], which asks for beet mode: not supported yet "
				   "(transport and tunnel mode are)", t->name, best);
	t->xfrm_tsa = TGW_TSA_NO_STATE;
	for (unsigned int s = 0; s < tgw_n_sas; s++) {
		const struct tgw_sa *sa = &tgw_sas[s];

		/* transport mode: the state between the tunnel's endpoints; tunnel mode: the
		 * template's (its carrier wraps the outer packet) */
		if (tmpl_match(&pol->tmpl[0], pol, sa) &&
		    (sa->mode == TGW_XFRM_TUNNEL ||
		     (tgw_ip_eq(&sa->dst, &t->remote) && tgw_ip_eq(&sa->src, &t->local)))) {
			t->xfrm_tsa = (int32_t)s;
			break;
		}
	}
	if (t->xfrm_tsa < 0)
		return 0;
	/* the path MTU the kernel's tunnel would learn: ESP (esp4_get_mtu) or AH (the
	 * header, 8-aligned) inside the underlay MTU */
	sa = &tgw_sas[t->xfrm_tsa];
	cr = sa->cr;
	t->xfrm_tsa_ah = sa->proto == IPPROTO_AH;
	/* transport mode keeps the IP header in front; tunnel mode adds the state's */
	tun = sa->mode == TGW_XFRM_TUNNEL ? (sa->family == 4 ? 20u : 40u) : 0;
	if (t->xfrm_tsa_ah) {
		room = tgw_tnl_underlay_mtu(t) - tun - RTE_ALIGN_CEIL(12u + cr->icv_len, 8u);
	} else {
		uint32_t hdr = tun ? tun : (t->outer == 4 ? 20u : 40u);

		room = tgw_tnl_underlay_mtu(t) - hdr - 8u - cr->iv_len - cr->icv_len -
		       (sa->natt ? 8u : 0);
		room = (room & ~(uint32_t)(cr->block - 1)) - 2 + (tun ? 0 : hdr);
	}
	if (room - t->ops->overhead(t) < t->mtu)
		t->mtu = (uint16_t)(room - t->ops->overhead(t));
	return 0;
}

/* One of the ports' addresses? */
static bool
addr_is_ours(const struct tgw_ip *a)
{
	for (unsigned int p = 0; p < tgw.n_ports; p++)
		for (unsigned int k = 0; k < tgw.ports[p].n_addrs; k++)
			if (tgw_ip_eq(&tgw.ports[p].addrs[k].ip, a))
				return true;
	return false;
}

/*
 * The SA every inner packet of family fam (4 or 6) routed into vti t goes out with
 * when the out policy lookup cannot depend on the packet: the first out policy by
 * rank that the vti's okey selects catches every packet (no prefix, protocol or
 * port) and resolves to an SA the vti may use. -1: classified per packet.
 */
static int32_t
vti_out_sa(const struct tgw_tunnel *t, uint8_t fam)
{
	const struct tgw_policy *pol;
	int best = -1;
	int32_t sa;

	for (unsigned int i = 0; i < tgw_n_policies; i++) {
		pol = &tgw_policies[i];
		if (pol->dir != TGW_XFRM_OUT || (pol->family && pol->family != fam) ||
		    pol->if_id || (t->okey & pol->mark_mask) != pol->mark)
			continue;
		if (best < 0 || acl_priority(i) > acl_priority((unsigned int)best))
			best = (int)i;
	}
	if (best < 0)
		return -1;
	pol = &tgw_policies[best];
	if (pol->proto >= 0 || pol->sport >= 0 || pol->dport >= 0 || pol->src.len ||
	    pol->dst.len || tgw_xfrm_out_sa(best, &sa) != TGW_XFRM_OUT_OK ||
	    !tgw_vti_sa_ok(t, &tgw_sas[sa]))
		return -1;
	return sa;
}

int
tgw_xfrm_finalize(struct tgw_cfg_ctx *c)
{
	for (unsigned int t = 0; t < tgw.n_tunnels; t++) {
		struct tgw_tunnel *tn = &tgw.tunnels[t];

		if (strcmp(tn->ops->type, "xfrm") != 0)
			continue;
		/* xfrmi_newlink: one interface per if_id (File exists) */
		if (xfrmi_find(tn->if_id) != (int)t) {
			char p[64];

			snprintf(p, sizeof(p), "tunnels[%u].if_id", t);
			return tgw_cfg_err(c, p, NULL, "%u is the if_id of tunnel \"%s\" already",
					   tn->if_id, tgw.tunnels[xfrmi_find(tn->if_id)].name);
		}
		tn->ver_ok = 1 << 4 | 1 << 6;
	}
	for (unsigned int s = 0; s < tgw_n_sas; s++) {
		tgw_sas[s].xfrmi = tgw_sas[s].if_id ? (int16_t)xfrmi_find(tgw_sas[s].if_id) : -1;
		tgw_sas[s].carrier = -1;
	}
	tgw.xfrm_pb = 0;
	for (unsigned int i = 0; i < tgw_n_policies; i++) {
		const struct tgw_policy *pol = &tgw_policies[i];
		bool pb;

		if (policy_kind(c, i, &pb) < 0)
			return -1;
		if (!pb)
			continue;
		if (pol->dir != TGW_XFRM_OUT)
			tgw.xfrm_pb |= TGW_XFRM_PB_IN;
		if (pol->dir != TGW_XFRM_IN)
			tgw.xfrm_pb |= pol->family == 6 ? 2 : pol->family == 4 ? 1 : 3;
	}
	for (unsigned int i = 0; i < tgw_n_policies; i++) {
		struct tgw_policy *pol = &tgw_policies[i];

		for (unsigned int k = 0; k < pol->n_tmpls; k++) {
			struct tgw_xfrm_tmpl *t = &pol->tmpl[k];

			for (unsigned int s = 0; s < tgw_n_sas && t->sa < 0; s++)
				if (tmpl_match(t, pol, &tgw_sas[s]))
					t->sa = s;
		}
	}
	for (unsigned int t = 0; t < tgw.n_tunnels; t++) {
		struct tgw_tunnel *tn = &tgw.tunnels[t];

		if (!is_vti(tn) && strcmp(tn->ops->type, "xfrm") != 0 && tn->remote.family &&
		    tn->local.family && tunnel_transport(c, t) < 0)
			return -1;
		if (is_vti(tn)) {
			tn->out_sa[0] = vti_out_sa(tn, 4);
			tn->out_sa[1] = vti_out_sa(tn, 6);
		}
	}
	for (unsigned int i = 0; i < tgw_n_policies; i++) {
		const struct tgw_policy *pol = &tgw_policies[i];
		struct tgw_sa *sa;

		if (pol->dir != TGW_XFRM_OUT || !pol->n_tmpls || pol->tmpl[0].sa < 0)
			continue;
		sa = &tgw_sas[pol->tmpl[0].sa];
		if (!pol->if_id && pol->mark_mask) {
			/* a vti's AH state goes out through a carrier copied from the vti whose
			 * okey selects the policy and whose endpoints are the state's (the
			 * ESP encap node hands it over) */
			if (sa->proto != IPPROTO_AH || sa->carrier >= 0)
				continue;
			for (unsigned int t = 0; t < tgw.n_tunnels; t++) {
				const struct tgw_tunnel *tn = &tgw.tunnels[t];

				if (is_vti(tn) && (tn->okey & pol->mark_mask) == pol->mark &&
				    tgw_vti_sa_ok(tn, sa)) {
					if (carrier_add(c, sa, (int)t) < 0)
						return -1;
					break;
				}
			}
			continue;
		}
		if (sa->carrier < 0 &&
		    carrier_add(c, sa, pol->if_id ? xfrmi_find(pol->if_id) : -1) < 0)
			return -1;
	}
	/* NAT-T: ESP in UDP to the port of an SA towards one of our addresses (the IKE
	 * daemon's encapsulation socket in the kernel) */
	for (unsigned int s = 0; s < tgw_n_sas; s++) {
		const struct tgw_sa *sa = &tgw_sas[s];
		char p[64];

		snprintf(p, sizeof(p), "xfrm.states[%u].encap.dport", s);
		if (sa->natt && addr_is_ours(&sa->dst) &&
		    tgw_udp_port_add(c, p, TGW_UDP_ESPINUDP, sa->family, sa->natt_dport, 0) < 0)
			return -1;
	}
	if (tgw_sa_rt == NULL && tgw_n_sas) {
		tgw_sa_rt = aligned_alloc(RTE_CACHE_LINE_SIZE, TGW_MAX_SAS * sizeof(*tgw_sa_rt));
		if (tgw_sa_rt == NULL)
			return tgw_cfg_err(c, "xfrm", NULL, "out of memory");
	}
	if (tgw_sa_rt)
		memset(tgw_sa_rt, 0, TGW_MAX_SAS * sizeof(*tgw_sa_rt));
	for (unsigned int s = 0; s < tgw_n_sas; s++) {
		tgw_sa_rt[s].oseq = tgw_sas[s].oseq;
		tgw_sa_rt[s].top = tgw_sas[s].iseq;
	}
	return 0;
}

void
tgw_xfrm_free(void)
{
	for (unsigned int s = 0; tgw_sas && s < TGW_MAX_SAS; s++)
		free(tgw_sas[s].cr);
	free(tgw_sas);
	free(tgw_policies);
	tgw_sas = NULL;
	tgw_policies = NULL;
	tgw_n_sas = tgw_n_policies = 0;
}

void
tgw_xfrm_summary(FILE *f)
{
	static const char *const enc_names[] = {"cipher_null", "cbc(aes)", "rfc3686(ctr(aes))",
						"rfc4106(gcm(aes))",
						"rfc7539esp(chacha20,poly1305)",
						"rfc4543(gcm(aes))"};
	static const char *const auth_names[] = {"", "hmac(sha1)", "hmac(sha256)",
						 "hmac(sha384)", "hmac(sha512)"};
	char a[64], b[64];

	fprintf(f, "sas: %u\n", tgw_n_sas);
	for (unsigned int s = 0; s < tgw_n_sas; s++) {
		const struct tgw_sa *sa = &tgw_sas[s];

		fprintf(f, "sa %s src %s dst %s proto %s mode %s %s%s%s icv %u replay-window %u%s",
			sa->name, tgw_ip_str(&sa->src, a, sizeof(a)),
			tgw_ip_str(&sa->dst, b, sizeof(b)),
			sa->proto == IPPROTO_ESP ? "esp" : "ah", mode_names[sa->mode],
			sa->proto == IPPROTO_ESP ? enc_names[sa->cr->enc] : "",
			sa->cr->auth && sa->proto == IPPROTO_ESP ? " " : "", auth_names[sa->cr->auth],
			sa->cr->icv_len * 8, sa->replay_window, sa->esn ? " esn" : "");
		if (sa->mark_mask)
			fprintf(f, " mark 0x%x/0x%x", sa->mark, sa->mark_mask);
		if (sa->if_id)
			fprintf(f, " if_id %u", sa->if_id);
		if (sa->natt)
			fprintf(f, " encap espinudp %u %u", sa->natt_sport, sa->natt_dport);
		if (sa->mode == TGW_XFRM_BEET)
			fprintf(f, " sel src %s dst %s", tgw_ip_str(&sa->sel_src, a, sizeof(a)),
				tgw_ip_str(&sa->sel_dst, b, sizeof(b)));
		fprintf(f, "\n");
	}
	for (unsigned int i = 0; i < tgw_n_policies; i++) {
		const struct tgw_policy *pol = &tgw_policies[i];

		fprintf(f, "policy dir %s", dir_names[pol->dir]);
		if (pol->family)
			fprintf(f, " src %s/%u dst %s/%u", tgw_ip_str(&pol->src.ip, a, sizeof(a)),
				pol->src.len, tgw_ip_str(&pol->dst.ip, b, sizeof(b)), pol->dst.len);
		if (pol->proto >= 0)
			fprintf(f, " proto %d", pol->proto);
		if (pol->mark_mask)
			fprintf(f, " mark 0x%x/0x%x", pol->mark, pol->mark_mask);
		if (pol->if_id)
			fprintf(f, " if_id %u", pol->if_id);
		fprintf(f, " %s priority %u", pol->block ? "block" : "allow", pol->priority);
		for (unsigned int k = 0; k < pol->n_tmpls; k++)
			fprintf(f, " tmpl sa %s", pol->tmpl[k].sa >= 0
							  ? tgw_sas[pol->tmpl[k].sa].name
							  : "(none)");
		fprintf(f, "\n");
	}
}

void
tgw_stats_sa(uint16_t s, struct tgw_sa_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned int l = 0; tgw_stats && l < RTE_MAX_LCORE; l++) {
		out->packets += tgw_stats[l].sa[s].packets;
		out->bytes += tgw_stats[l].sa[s].bytes;
		out->replay += tgw_stats[l].sa[s].replay;
		out->auth_failed += tgw_stats[l].sa[s].auth_failed;
	}
}

int
tgw_ipsec_start(char *err, size_t errlen)
{
	unsigned int lcores[TGW_MAX_WORKERS + 1], n = 0;
	struct tgw_ipsec_tables *tb;

	/* the workers, and the main lcore (unit tests walk a worker's graph there) */
	for (unsigned int w = 0; w < tgw.n_workers; w++)
		lcores[n++] = tgw.workers[w];
	lcores[n++] = rte_get_main_lcore();
	if (tgw_crypto_lcore_init(lcores, n, err, errlen) < 0)
		return -1;
	tb = tgw_ipsec_build(err, errlen);
	if (tb == NULL)
		return -1;
	tgw_ipsec_swap(tb, NULL);
	return 0;
}

void
tgw_ipsec_stop(void)
{
	tgw_ipsec_swap(NULL, NULL);
	tgw_crypto_lcore_free();
}
