/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The tunnel core on the control path: outer-header templates of ipip, sit and
 * ip6tnl against hand-written bytes, default MTUs, the endpoint lookup
 * precedence (kernel ip_tunnel_lookup), and the shared TOS/ECN/checksum helpers
 * of tnl_inline.h. No EAL: tgw_config_load_text builds templates and the table.
 */
#include <stdio.h>
#include <string.h>

#include <arpa/inet.h>
#include <rte_ip.h>

#include "config.h"
#include "harness.h"
#include "udp.h"
#include "ip6tnl.h"
#include "l2.h"
#include "tnl.h"
#include "tnl_inline.h"

static char text[8192];
static char err[1024];

static int
load(const char *json)
{
	size_t i;

	for (i = 0; json[i] && i + 1 < sizeof(text); i++)
		text[i] = json[i] == '\'' ? '"' : json[i];
	text[i] = 0;
	err[0] = 0;
	return tgw_config_load_text("unit.json", text, err, sizeof(err));
}

#define PORTS                                                                                      \
	"'ports': [{'name': 'wan0', 'device': 'net_null0', "                                       \
	"'addresses': ['192.0.2.1/24', '2001:db8:ff::1/64']}, "                                    \
	"{'name': 'jumbo', 'device': 'net_null1', 'mtu': 9000, "                                   \
	"'addresses': ['203.0.113.1/24', '2001:db8:ee::1/64']}]"

/* Compare a template with expected bytes; mask bytes of 0xff are not compared. */
static int
tmpl_cmp(const struct tgw_tunnel *t, const uint8_t *exp, const uint8_t *mask, size_t len)
{
	if (t->hdr_len != len) {
		h_fail("%s: hdr_len %u, expected %zu", t->name, t->hdr_len, len);
		return -1;
	}
	for (size_t i = 0; i < len; i++)
		if ((t->hdr[i] & ~(mask ? mask[i] : 0)) != (exp[i] & ~(mask ? mask[i] : 0))) {
			h_fail("%s: template byte %zu is 0x%02x, expected 0x%02x", t->name, i,
			       t->hdr[i], exp[i]);
			return -1;
		}
	for (size_t i = len; i < sizeof(t->hdr); i++)
		if (t->hdr[i] != 0) {
			h_fail("%s: template byte %zu past hdr_len is 0x%02x", t->name, i,
			       t->hdr[i]);
			return -1;
		}
	return 0;
}

static const struct tgw_tunnel *
tnl(const char *name)
{
	int i = tgw_tunnel_find(name);

	return i < 0 ? NULL : &tgw.tunnels[i];
}

/* ---- templates ---- */

static void
case_tmpl_ipip(void)
{
	/* RFC 2003 §3.1 outer header; DF from pmtudisc (the default), TTL 0 = inherit,
	 * ID 0, tot_len/TOS/checksum per packet */
	/* clang-format off */
	static const uint8_t exp_a[20] = {
		0x45, 0x00, 0x00, 0x00, /* version 4, IHL 5, TOS, total length */
		0x00, 0x00, 0x40, 0x00, /* ID 0, DF */
		0x00, 0x04, 0x00, 0x00, /* TTL inherit, protocol 4, checksum */
		192, 0, 2, 1,           /* local */
		198, 51, 100, 2,        /* remote */
	};
	/* fixed TTL 17, TOS 0x10 (per packet), pmtudisc: DF; local "any" = wan0's address */
	static const uint8_t exp_b[20] = {
		0x45, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 17, 0x04, 0x00, 0x00,
		192, 0, 2, 1, 198, 51, 100, 3,
	};
	/* nopmtudisc: no DF (ttl inherit, as the kernel requires) */
	static const uint8_t exp_c[20] = {
		0x45, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00,
		203, 0, 113, 1, 203, 0, 113, 7,
	};
	/* clang-format on */
	int rc = load(
		"{" PORTS ", 'tunnels': ["
		"{'name': 'a', 'type': 'ipip', 'local': '192.0.2.1', 'remote': '198.51.100.2'},"
		"{'name': 'b', 'type': 'ipip', 'remote': '198.51.100.3', 'ttl': 17, 'tos': 16,"
		" 'dev': 'wan0'},"
		"{'name': 'c', 'type': 'ipip', 'remote': '203.0.113.7', 'pmtudisc': false}]}");

	H_CHECK(rc == 0, "%s", err);
	H_CHECK(tmpl_cmp(tnl("a"), exp_a, NULL, 20) == 0, "template");
	H_CHECK(tmpl_cmp(tnl("b"), exp_b, NULL, 20) == 0, "template");
	H_CHECK(tmpl_cmp(tnl("c"), exp_c, NULL, 20) == 0, "template");
	H_CHECK(tnl("b")->tos == 16 && tnl("b")->ttl == 17, "b: tos %d ttl %u", tnl("b")->tos,
		tnl("b")->ttl);
out:
	tgw_config_free();
}

static void
case_tmpl_sit(void)
{
	/* RFC 4213 §3.5: as ipip; the protocol (41 for IPv6, 4 for IPv4) is set per packet */
	/* clang-format off */
	static const uint8_t exp[20] = {
		0x45, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x29, 0x00, 0x00,
		192, 0, 2, 1, 198, 51, 100, 2,
	};
	static const uint8_t exp2[20] = {
		0x45, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x29, 0x00, 0x00,
		192, 0, 2, 1, 198, 51, 100, 3,
	};
	static const uint8_t mask[20] = {[9] = 0xff};
	/* clang-format on */
	int rc =
		load("{" PORTS ", 'tunnels': ["
		     "{'name': 's', 'type': 'sit', 'local': '192.0.2.1', 'remote': '198.51.100.2'},"
		     "{'name': 's2', 'type': 'sit', 'mode': 'any', 'remote': '198.51.100.3',"
		     " 'local': '192.0.2.1', 'ttl': 'inherit'}]}");

	H_CHECK(rc == 0, "%s", err);
	H_CHECK(tmpl_cmp(tnl("s"), exp, mask, 20) == 0, "template");
	H_CHECK(tnl("s")->inner == TGW_INNER_IP6, "sit default mode ip6ip: inner 0x%x",
		tnl("s")->inner);
	H_CHECK(tmpl_cmp(tnl("s2"), exp2, mask, 20) == 0, "template");
	H_CHECK(tnl("s2")->inner == (TGW_INNER_IP4 | TGW_INNER_IP6), "sit any: inner 0x%x",
		tnl("s2")->inner);
out:
	tgw_config_free();
}

static void
case_tmpl_ip6tnl(void)
{
	/* RFC 2473 §4.1: IPv6 outer, hop limit 64, next header 60 (destination options)
	 * carrying the Tunnel Encapsulation Limit option (type 4, len 1, limit 4) and a
	 * PadN of 1 byte (RFC 2473 §5.1, the kernel's ip6_tnl); its next header per packet */
	/* clang-format off */
	static const uint8_t exp_a[48] = {
		0x60, 0x00, 0x00, 0x00, 0x00, 0x00, 60, 64,
		0x20, 0x01, 0x0d, 0xb8, 0x00, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
		0x20, 0x01, 0x0d, 0xb8, 0x00, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
		0x00, 0x00, 0x04, 0x01, 0x04, 0x01, 0x01, 0x00,
	};
	/* "encaplimit": "none": no destination options; the next header is per packet */
	static const uint8_t exp_b[40] = {
		0x60, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 64,
		0x20, 0x01, 0x0d, 0xb8, 0x00, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
		0x20, 0x01, 0x0d, 0xb8, 0x00, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x03,
	};
	/* limit 0, hoplimit 255, local "any" = the address of the port toward the remote */
	static const uint8_t exp_c[48] = {
		0x60, 0x00, 0x00, 0x00, 0x00, 0x00, 60, 255,
		0x20, 0x01, 0x0d, 0xb8, 0x00, 0xee, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
		0x20, 0x01, 0x0d, 0xb8, 0x00, 0xee, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x09,
		0x00, 0x00, 0x04, 0x01, 0x00, 0x01, 0x01, 0x00,
	};
	/* hoplimit inherit: 0 in the template */
	static const uint8_t exp_d[48] = {
		0x60, 0x00, 0x00, 0x00, 0x00, 0x00, 60, 0,
		0x20, 0x01, 0x0d, 0xb8, 0x00, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
		0x20, 0x01, 0x0d, 0xb8, 0x00, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x04,
		0x00, 0x00, 0x04, 0x01, 0x07, 0x01, 0x01, 0x00,
	};
	/* clang-format on */
	int rc = load("{" PORTS ", 'tunnels': ["
		      "{'name': 'a', 'type': 'ip6tnl', 'local': '2001:db8:ff::1',"
		      " 'remote': '2001:db8:ff::2'},"
		      "{'name': 'b', 'type': 'ip6tnl', 'local': '2001:db8:ff::1',"
		      " 'remote': '2001:db8:ff::3', 'encaplimit': 'none'},"
		      "{'name': 'c', 'type': 'ip6tnl', 'remote': '2001:db8:ee::9', 'encaplimit': 0,"
		      " 'hoplimit': 255},"
		      "{'name': 'd', 'type': 'ip6tnl', 'local': '2001:db8:ff::1',"
		      " 'remote': '2001:db8:ff::4', 'encaplimit': 7, 'hoplimit': 'inherit',"
		      " 'mode': 'any'}]}");

	H_CHECK(rc == 0, "%s", err);
	H_CHECK(tmpl_cmp(tnl("a"), exp_a, NULL, 48) == 0, "template");
	H_CHECK(tmpl_cmp(tnl("b"), exp_b, NULL, 40) == 0, "template");
	H_CHECK(tmpl_cmp(tnl("c"), exp_c, NULL, 48) == 0, "template");
	H_CHECK(tmpl_cmp(tnl("d"), exp_d, NULL, 48) == 0, "template");
	H_CHECK(tnl("a")->inner == TGW_INNER_IP6 &&
			tnl("d")->inner == (TGW_INNER_IP4 | TGW_INNER_IP6),
		"inner families");
	H_CHECK(tnl("a")->flowlabel == 0, "default flowlabel %d", tnl("a")->flowlabel);
out:
	tgw_config_free();
}

static void
case_default_mtu(void)
{
	static const struct {
		const char *name;
		uint16_t mtu;
	} want[] = {
		{"ipip", 1480},
		{"sit", 1480},
		{"ip6tnl", 1452},
		{"ip6tnl_nolimit", 1460},
		/* over the 9000-byte port: by connected prefix, by dev, by route */
		{"ipip_j", 8980},
		{"ip6tnl_j", 8952},
		{"sit_dev", 8980},
		{"ipip_route", 8980},
		{"ipip_mtu", 1400},
	};
	int rc =
		load("{" PORTS ", 'tunnels': ["
		     "{'name': 'ipip', 'type': 'ipip', 'remote': '192.0.2.2'},"
		     "{'name': 'sit', 'type': 'sit', 'remote': '192.0.2.2'},"
		     "{'name': 'ip6tnl', 'type': 'ip6tnl', 'remote': '2001:db8:ff::2'},"
		     "{'name': 'ip6tnl_nolimit', 'type': 'ip6tnl', 'remote': '2001:db8:ff::3',"
		     " 'encaplimit': 'none'},"
		     "{'name': 'ipip_j', 'type': 'ipip', 'remote': '203.0.113.2'},"
		     "{'name': 'ip6tnl_j', 'type': 'ip6tnl', 'remote': '2001:db8:ee::2'},"
		     "{'name': 'sit_dev', 'type': 'sit', 'remote': '198.51.100.1', 'dev': 'jumbo'},"
		     "{'name': 'ipip_route', 'type': 'ipip', 'remote': '198.18.0.1'},"
		     "{'name': 'ipip_mtu', 'type': 'ipip', 'remote': '198.51.100.9', 'mtu': 1400}],"
		     " 'routes': [{'dst': '198.18.0.0/15', 'via': '203.0.113.254'}]}");

	H_CHECK(rc == 0, "%s", err);
	for (size_t i = 0; i < RTE_DIM(want); i++) {
		const struct tgw_tunnel *t = tnl(want[i].name);

		H_CHECK(t != NULL, "no tunnel %s", want[i].name);
		H_CHECK(t->mtu == want[i].mtu, "%s: mtu %u, expected %u", want[i].name, t->mtu,
			want[i].mtu);
	}
out:
	tgw_config_free();
}

/* ---- endpoint lookup ---- */

static int
lookup4(uint8_t proto, const char *local, const char *remote)
{
	struct in_addr l, r;

	inet_pton(AF_INET, local, &l);
	inet_pton(AF_INET, remote, &r);
	return tgw_tnl_lookup_slow(4, proto, 0, 0, &l, &r);
}

static int
lookup6(uint8_t proto, const char *local, const char *remote)
{
	struct in6_addr l, r;

	inet_pton(AF_INET6, local, &l);
	inet_pton(AF_INET6, remote, &r);
	return tgw_tnl_lookup_slow(6, proto, 0, 0, &l, &r);
}

/* Tunnel index of a name, or -1. */
static int
tid(const char *name)
{
	return tgw_tunnel_find(name);
}

#define L4 "192.0.2.1"
#define R4 "198.51.100.2"

static void
case_lookup_precedence4(void)
{
	static const char *const tunnels[] = {
		"{'name': 'exact', 'type': 'ipip', 'local': '" L4 "', 'remote': '" R4 "'}",
		"{'name': 'remote_only', 'type': 'ipip', 'remote': '" R4 "'}",
		"{'name': 'local_only', 'type': 'ipip', 'local': '" L4 "', 'remote': 'any'}",
		"{'name': 'wildcard', 'type': 'ipip', 'local': 'any'}",
	};
	static const char *const kinds[] = {"exact", "remote_only", "local_only", "wildcard"};
	char json[2048];

	/* with the first k kinds removed, (L, R) falls to the next kind */
	for (unsigned int k = 0; k < RTE_DIM(tunnels); k++) {
		int n = snprintf(json, sizeof(json), "{" PORTS ", 'tunnels': [");
		int rc;

		for (unsigned int i = k; i < RTE_DIM(tunnels); i++)
			n += snprintf(json + n, sizeof(json) - n, "%s%s", i > k ? "," : "",
				      tunnels[i]);
		/* a sit tunnel on the same endpoints must not capture protocol 4 */
		snprintf(json + n, sizeof(json) - n,
			 ",{'name': 'six', 'type': 'sit', 'local': '" L4 "', 'remote': '" R4
			 "'}]}");
		rc = load(json);
		H_CHECK(rc == 0, "%s", err);
		H_CHECK(lookup4(IPPROTO_IPIP, L4, R4) == tid(kinds[k]),
			"without the first %u kinds: (local, remote) -> %d, expected %d (%s)", k,
			lookup4(IPPROTO_IPIP, L4, R4), tid(kinds[k]), kinds[k]);
		H_CHECK(lookup4(IPPROTO_IPV6, L4, R4) == tid("six"), "protocol 41 -> %d",
			lookup4(IPPROTO_IPV6, L4, R4));
	}
	/* all four: each kind answers for the packets that only it matches */
	snprintf(json, sizeof(json), "{" PORTS ", 'tunnels': [%s,%s,%s,%s]}", tunnels[0],
		 tunnels[1], tunnels[2], tunnels[3]);
	H_CHECK(load(json) == 0, "%s", err);
	H_CHECK(lookup4(IPPROTO_IPIP, L4, R4) == tid("exact"), "exact");
	H_CHECK(lookup4(IPPROTO_IPIP, "192.0.2.9", R4) == tid("remote_only"), "remote only: %d",
		lookup4(IPPROTO_IPIP, "192.0.2.9", R4));
	H_CHECK(lookup4(IPPROTO_IPIP, L4, "198.51.100.9") == tid("local_only"), "local only: %d",
		lookup4(IPPROTO_IPIP, L4, "198.51.100.9"));
	H_CHECK(lookup4(IPPROTO_IPIP, "192.0.2.9", "198.51.100.9") == tid("wildcard"),
		"wildcard: %d", lookup4(IPPROTO_IPIP, "192.0.2.9", "198.51.100.9"));
	H_CHECK(lookup4(IPPROTO_IPV6, L4, R4) == -1, "no tunnel for protocol 41: %d",
		lookup4(IPPROTO_IPV6, L4, R4));
	/* no wildcard: unknown endpoints match nothing (no_tunnel, no catch-all) */
	snprintf(json, sizeof(json), "{" PORTS ", 'tunnels': [%s,%s,%s]}", tunnels[0], tunnels[1],
		 tunnels[2]);
	H_CHECK(load(json) == 0, "%s", err);
	H_CHECK(lookup4(IPPROTO_IPIP, "192.0.2.9", "198.51.100.9") == -1,
		"unknown endpoints matched %d", lookup4(IPPROTO_IPIP, "192.0.2.9", "198.51.100.9"));
out:
	tgw_config_free();
}

#define L6 "2001:db8:ff::1"
#define R6 "2001:db8:aa::2"

static void
case_lookup_precedence6(void)
{
	char json[2048];
	int rc;

	snprintf(json, sizeof(json),
		 "{" PORTS ", 'tunnels': ["
		 "{'name': 'wildcard', 'type': 'ip6tnl', 'mode': 'any'},"
		 "{'name': 'local_only', 'type': 'ip6tnl', 'local': '" L6 "'},"
		 "{'name': 'remote_only', 'type': 'ip6tnl', 'remote': '" R6 "', 'mode': 'ipip6'},"
		 "{'name': 'exact', 'type': 'ip6tnl', 'local': '" L6 "', 'remote': '" R6 "'}]}");
	rc = load(json);
	H_CHECK(rc == 0, "%s", err);
	H_CHECK(lookup6(IPPROTO_IPV6, L6, R6) == tid("exact"), "exact: %d",
		lookup6(IPPROTO_IPV6, L6, R6));
	/* ip6_tnl_lookup finds a tunnel by its endpoints whatever its mode; ipxip6_rcv then
	 * drops what the mode refuses (the decap node: tnl_mode), so a tunnel's endpoints
	 * are its own for both protocols */
	H_CHECK(lookup6(IPPROTO_IPV6, "2001:db8:ff::9", R6) == tid("remote_only"),
		"IPv6 from R6 to another local: remote_only (ipip6) holds it, to drop: %d",
		lookup6(IPPROTO_IPV6, "2001:db8:ff::9", R6));
	H_CHECK(lookup6(IPPROTO_IPIP, "2001:db8:ff::9", R6) == tid("remote_only"),
		"remote only: %d", lookup6(IPPROTO_IPIP, "2001:db8:ff::9", R6));
	H_CHECK(lookup6(IPPROTO_IPIP, L6, R6) == tid("exact"),
		"IPv4 in IPv6 (L6, R6): the exact tunnel (ip6ip6) holds it, to drop: %d",
		lookup6(IPPROTO_IPIP, L6, R6));
	H_CHECK(lookup6(IPPROTO_IPV6, L6, "2001:db8:aa::9") == tid("local_only"), "local only: %d",
		lookup6(IPPROTO_IPV6, L6, "2001:db8:aa::9"));
	H_CHECK(lookup6(IPPROTO_IPIP, L6, "2001:db8:aa::9") == tid("local_only"),
		"IPv4 to L6 from elsewhere: local_only (ip6ip6) holds it, to drop: %d",
		lookup6(IPPROTO_IPIP, L6, "2001:db8:aa::9"));
	H_CHECK(lookup6(IPPROTO_IPIP, "2001:db8:ff::9", "2001:db8:aa::9") == tid("wildcard"),
		"IPv4, no other endpoints match: wildcard (mode any): %d",
		lookup6(IPPROTO_IPIP, "2001:db8:ff::9", "2001:db8:aa::9"));
	H_CHECK(lookup4(IPPROTO_IPIP, L4, R4) == -1, "IPv4 outer matched an ip6tnl");
	/* the kernel's ip6_tnl_lookup tries local-only before remote-only (ip_tunnel_lookup and
	 * sit the other way round): both carry IPv6 here, with no exact match */
	snprintf(json, sizeof(json),
		 "{" PORTS ", 'tunnels': ["
		 "{'name': 'remote_only', 'type': 'ip6tnl', 'remote': '" R6 "'},"
		 "{'name': 'local_only', 'type': 'ip6tnl', 'local': '" L6 "'},"
		 "{'name': 'wildcard', 'type': 'ip6tnl'}]}");
	rc = load(json);
	H_CHECK(rc == 0, "%s", err);
	H_CHECK(lookup6(IPPROTO_IPV6, L6, R6) == tid("local_only"),
		"(local, remote) with local-only and remote-only tunnels: %d, expected local_only "
		"%d",
		lookup6(IPPROTO_IPV6, L6, R6), tid("local_only"));
	H_CHECK(lookup6(IPPROTO_IPV6, "2001:db8:ff::9", R6) == tid("remote_only"),
		"remote only: %d", lookup6(IPPROTO_IPV6, "2001:db8:ff::9", R6));
	H_CHECK(lookup6(IPPROTO_IPV6, "2001:db8:ff::9", "2001:db8:aa::9") == tid("wildcard"),
		"wildcard: %d", lookup6(IPPROTO_IPV6, "2001:db8:ff::9", "2001:db8:aa::9"));
out:
	tgw_config_free();
}

/* ---- the shared fast-path rules (tnl_inline.h) ---- */

static void
case_outer_tos_ecn(void)
{
	/* kernel INET_ECN_encapsulate: ECT copied, CE -> ECT(0) (RFC 6040 §4.1 compatibility) */
	static const struct {
		int16_t tos;
		uint8_t inner, outer;
	} v[] = {
		{0, 0x00, 0x00},  {0, 0x01, 0x01},  {0, 0x02, 0x02},	{0, 0x03, 0x02},
		{0, 0xb8, 0x00},  {0, 0xb9, 0x01},  {0x10, 0xbb, 0x12}, {0x13, 0x00, 0x10},
		{-1, 0xb9, 0xb9}, {-1, 0xbb, 0xba}, {-1, 0x2a, 0x2a},	{-1, 0xfc, 0xfc},
	};
	/* RFC 6040 §4.2 (and the kernel's INET_ECN_decapsulate): outer CE over Not-ECT drops,
	 * over ECT marks CE; anything else leaves the inner field */
	static const struct {
		uint8_t outer, inner;
		int r;
	} d[] = {
		{0, 0, 0}, {1, 0, 0}, {2, 0, 0}, {3, 0, -1}, {0, 1, 0},	       {1, 1, 0},
		{2, 1, 0}, {3, 1, 1}, {0, 2, 0}, {1, 2, 0},  {2, 2, 0},	       {3, 2, 1},
		{0, 3, 0}, {1, 3, 0}, {2, 3, 0}, {3, 3, 0},  {0xbb, 0xa8, -1}, {0xa3, 0x2a, 1},
	};

	for (size_t i = 0; i < RTE_DIM(v); i++)
		H_CHECK(tgw_tnl_outer_tos(v[i].tos, v[i].inner) == v[i].outer,
			"tos %d inner 0x%02x: outer 0x%02x, expected 0x%02x", v[i].tos, v[i].inner,
			tgw_tnl_outer_tos(v[i].tos, v[i].inner), v[i].outer);
	for (size_t i = 0; i < RTE_DIM(d); i++)
		H_CHECK(tgw_tnl_ecn_decap(d[i].outer, d[i].inner) == d[i].r,
			"decap outer 0x%02x inner 0x%02x: %d, expected %d", d[i].outer, d[i].inner,
			tgw_tnl_ecn_decap(d[i].outer, d[i].inner), d[i].r);
out:
	return;
}

static void
case_ip4_set_ce(void)
{
	for (unsigned int tos = 0; tos < 256; tos++) {
		struct rte_ipv4_hdr ip = {
			.version_ihl = 0x45,
			.type_of_service = tos,
			.total_length = RTE_BE16(84),
			.packet_id = RTE_BE16(0xbeef),
			.time_to_live = 63,
			.next_proto_id = 17,
			.src_addr = RTE_BE32(0x0a010005),
			.dst_addr = RTE_BE32(0xc0000201),
		};

		if ((tos & 3) == 0)
			continue;
		ip.hdr_checksum = rte_ipv4_cksum(&ip);
		tgw_ip4_set_ce(&ip);
		H_CHECK(ip.type_of_service == (tos | 3), "tos 0x%02x -> 0x%02x", tos,
			ip.type_of_service);
		H_CHECK(ip.version_ihl == 0x45, "version/ihl changed");
		H_CHECK(rte_raw_cksum(&ip, sizeof(ip)) == 0xffff,
			"tos 0x%02x: checksum 0x%04x invalid after setting CE", tos,
			rte_be_to_cpu_16(ip.hdr_checksum));
	}
out:
	return;
}

/* tgw_ip4_outer_fill on a template: the incremental checksum from csum_base is valid for
 * any length, TOS, TTL and ID, with and without DF. */
static void
case_ip4_outer_fill(void)
{
	static const uint16_t lens[] = {20, 21, 40, 84, 1500, 1501, 0x7fff, 0xffff};
	static const uint8_t ds[] = {0x00, 0x01, 0x03, 0xb9, 0xff};
	static const uint8_t ttls[] = {0, 1, 63, 255};
	int rc = load(
		"{" PORTS ", 'tunnels': ["
		"{'name': 'df', 'type': 'ipip', 'local': '192.0.2.1', 'remote': '198.51.100.2'},"
		"{'name': 'nodf', 'type': 'ipip', 'remote': '255.255.255.254',"
		" 'local': '255.255.0.1', 'pmtudisc': false, 'tos': 'inherit'},"
		"{'name': 'fixed', 'type': 'ipip', 'local': '10.255.255.255',"
		" 'remote': '0.0.0.1', 'ttl': 200, 'tos': 252}]}");
	uint16_t ident = 0xfffe;

	H_CHECK(rc == 0, "%s", err);
	for (int k = 0; k < 3; k++) {
		const struct tgw_tunnel *t = &tgw.tunnels[k];

		for (size_t a = 0; a < RTE_DIM(lens); a++)
			for (size_t b = 0; b < RTE_DIM(ds); b++)
				for (size_t c = 0; c < RTE_DIM(ttls); c++) {
					struct rte_ipv4_hdr o;
					uint16_t id0 = ident;

					memcpy(&o, t->hdr, sizeof(o));
					tgw_ip4_outer_fill(&o, t, IPPROTO_IPIP, lens[a], ds[b],
							   ttls[c], 0, &ident);
					H_CHECK(rte_raw_cksum(&o, sizeof(o)) == 0xffff,
						"%s len %u ds 0x%02x ttl %u: bad checksum 0x%04x",
						t->name, lens[a], ds[b], ttls[c],
						rte_be_to_cpu_16(o.hdr_checksum));
					H_CHECK(rte_be_to_cpu_16(o.total_length) == lens[a] &&
							o.next_proto_id == IPPROTO_IPIP,
						"total length, protocol");
					H_CHECK(o.time_to_live == (t->ttl ? t->ttl : ttls[c]),
						"%s: ttl %u", t->name, o.time_to_live);
					H_CHECK(o.type_of_service ==
							tgw_tnl_outer_tos(t->tos, ds[b]),
						"%s: tos 0x%02x", t->name, o.type_of_service);
					/* the ID is the lcore's counter with or without DF, as the
					 * kernel's iptunnel_xmit */
					H_CHECK(rte_be_to_cpu_16(o.packet_id) == id0 &&
							ident == (uint16_t)(id0 + 1) &&
							o.fragment_offset ==
								(t->pmtudisc ? RTE_BE16(0x4000)
									     : 0),
						"%s: ID %u, expected %u", t->name,
						rte_be_to_cpu_16(o.packet_id), id0);
					/* then allowed to fragment: DF off, checksum */
					tgw_ip4_outer_allow_frag(&o);
					H_CHECK(o.fragment_offset == 0 &&
							rte_raw_cksum(&o, sizeof(o)) == 0xffff,
						"%s: allow_frag", t->name);
				}
	}
out:
	tgw_config_free();
}

/* GRE family templates: outer IPv4/IPv6, GRE with the transmit options (RFC 2890 §2),
 * the ERSPAN II/III headers as Linux include/net/erspan.h builds them. */
static void
case_tmpl_gre_family(void)
{
	/* clang-format off */
	static const uint8_t gretap[32] = {
		0x45, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 47, 0x00, 0x00,
		192, 0, 2, 1, 198, 51, 100, 2,
		0xa0, 0x00, 0x65, 0x58, /* C, K; transparent Ethernet bridging */
		0x00, 0x00, 0x00, 0x00, /* checksum (per packet), reserved1 */
		0x00, 0x00, 0x00, 0x07, /* okey */
	};
	static const uint8_t erspan2[36] = {
		0x45, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 47, 0x00, 0x00,
		192, 0, 2, 1, 198, 51, 100, 3,
		0x10, 0x00, 0x88, 0xbe, /* S only; ERSPAN type II */
		0x00, 0x00, 0x00, 0x00, /* sequence (per packet) */
		0x10, 0x00,             /* ver 1, VLAN 0 */
		0x00, 0x64,             /* COS 0, En 0, T 0, session 100 */
		0x00, 0x01, 0x23, 0x45, /* reserved, index 0x12345 */
	};
	static const uint8_t erspan3[40] = {
		0x45, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 47, 0x00, 0x00,
		192, 0, 2, 1, 198, 51, 100, 4,
		0x10, 0x00, 0x22, 0xeb, /* S only; ERSPAN type III */
		0x00, 0x00, 0x00, 0x00,
		0x20, 0x00,             /* ver 2, VLAN 0 */
		0x03, 0xff,             /* COS 0, BSO 0, T 0, session 1023 */
		0x00, 0x00, 0x00, 0x00, /* timestamp (per packet) */
		0x00, 0x00,             /* SGT */
		0x82, 0xa8,             /* P 1, FT 0, HWID 0x2a, D 1 (egress), Gra 0, O 0 */
	};
	static const uint8_t ip6erspan[64] = {
		0x60, 0x00, 0x00, 0x00, 0x00, 0x00, 60, 64, /* next: destination options */
		0x20, 0x01, 0x0d, 0xb8, 0x00, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
		0x20, 0x01, 0x0d, 0xb8, 0x00, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x09,
		47, 0x00, 0x04, 0x01, 0x04, 0x01, 0x01, 0x00, /* RFC 2473 limit 4, PadN */
		0x10, 0x00, 0x88, 0xbe, 0x00, 0x00, 0x00, 0x00,
		0x10, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00,
	};
	/* clang-format on */
	int rc = load(
		"{" PORTS ", 'tunnels': ["
		"{'name': 'gt', 'type': 'gretap', 'local': '192.0.2.1', 'remote': '198.51.100.2',"
		" 'okey': 7, 'csum': true},"
		"{'name': 'e2', 'type': 'erspan', 'local': '192.0.2.1', 'remote': '198.51.100.3',"
		" 'key': 100, 'erspan': 74565},"
		"{'name': 'e3', 'type': 'erspan', 'local': '192.0.2.1', 'remote': '198.51.100.4',"
		" 'key': 1023, 'erspan_ver': 2, 'erspan_dir': 'egress', 'erspan_hwid': 42},"
		"{'name': 'e6', 'type': 'ip6erspan', 'local': '2001:db8:ff::1',"
		" 'remote': '2001:db8:ff::9', 'key': 5}]}");

	H_CHECK(rc == 0, "%s", err);
	H_CHECK(tmpl_cmp(tnl("gt"), gretap, NULL, sizeof(gretap)) == 0, "template");
	H_CHECK(tnl("gt")->iflags == TGW_TF_CSUM && tnl("gt")->oflags == (TGW_TF_CSUM | TGW_TF_KEY),
		"gretap flags in 0x%x out 0x%x", tnl("gt")->iflags, tnl("gt")->oflags);
	/* an L2 tunnel's MTU leaves room for the frame's Ethernet header (ip_tunnel_bind_dev) */
	H_CHECK(tnl("gt")->mtu == 1500 - 20 - 12 - 14, "gretap mtu %u", tnl("gt")->mtu);
	H_CHECK(tmpl_cmp(tnl("e2"), erspan2, NULL, sizeof(erspan2)) == 0, "template");
	H_CHECK(tnl("e2")->seq_off == 24 && tnl("e2")->ers_off == 28, "erspan offsets %u %u",
		tnl("e2")->seq_off, tnl("e2")->ers_off);
	H_CHECK(tmpl_cmp(tnl("e3"), erspan3, NULL, sizeof(erspan3)) == 0, "template");
	H_CHECK(tmpl_cmp(tnl("e6"), ip6erspan, NULL, sizeof(ip6erspan)) == 0, "template");
	/* erspan looks up by session id, in its own class: same endpoints as a gretap are fine */
	H_CHECK(tnl("e2")->iflags == TGW_TF_KEY && tnl("e2")->ikey == 100, "erspan key");
out:
	tgw_config_free();
}

/* UDP templates: FOU and GUE under ipip and gre (draft-ietf-intarea-gue §3.2), GENEVE with
 * options (RFC 8926 §3.4, C set by a critical option), VXLAN over IPv6 (RFC 7348 §5);
 * MTUs as the kernel's; the receive-port table; the source-port hash range. */
static void
case_tmpl_udp(void)
{
	/* clang-format off */
	static const uint8_t fou[28] = {
		0x45, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 17, 0x00, 0x00,
		192, 0, 2, 1, 198, 51, 100, 2,
		0x0f, 0xa0, 0x15, 0xb3, 0x00, 0x00, 0x00, 0x00, /* sport 4000, dport 5555 */
	};
	static const uint8_t gue_gre[36] = {
		0x45, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 17, 0x00, 0x00,
		192, 0, 2, 1, 198, 51, 100, 3,
		0x00, 0x00, 0x15, 0xb4, 0x00, 0x00, 0x00, 0x00, /* sport auto, dport 5556 */
		0x00, 47, 0x00, 0x00,   /* GUE variant 0, C 0, Hlen 0, proto GRE, no flags */
		0x00, 0x00, 0x00, 0x00, /* GRE, protocol type per packet */
	};
	static const uint8_t geneve[56] = {
		0x45, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 64, 17, 0x00, 0x00, /* no DF, TTL 64 */
		192, 0, 2, 1, 198, 51, 100, 4,
		0x00, 0x00, 0x17, 0xc1, 0x00, 0x00, 0x00, 0x00, /* dport 6081 */
		0x05, 0x40, 0x65, 0x58, /* ver 0, 5 option words; C; transparent Ethernet */
		0x12, 0x34, 0x56, 0x00, /* VNI */
		0x01, 0x02, 0x80, 0x01, 0x00, 0x11, 0x22, 0x33, /* class 0x0102 type 0x80 (critical) */
		0xff, 0xff, 0x01, 0x02, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
	};
	static const uint8_t vxlan6[56] = {
		0x60, 0x00, 0x00, 0x00, 0x00, 0x00, 17, 64,
		0x20, 0x01, 0x0d, 0xb8, 0x00, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
		0x20, 0x01, 0x0d, 0xb8, 0x00, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x09,
		0x00, 0x00, 0x12, 0xb5, 0x00, 0x00, 0x00, 0x00, /* dport 4789 */
		0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a, 0x00, /* I; VNI 42 */
	};
	/* clang-format on */
	uint32_t lo = UINT32_MAX, hi = 0;
	int rc = load(
		"{" PORTS ", 'fou': [{'port': 5555, 'ipproto': 4}, {'port': 5556, 'gue': true},"
		" {'port': 5556, 'ipproto': 41, 'family': 'ipv6'}], 'tunnels': ["
		"{'name': 'f', 'type': 'ipip', 'local': '192.0.2.1', 'remote': '198.51.100.2',"
		" 'encap': {'type': 'fou', 'sport': 4000, 'dport': 5555}},"
		"{'name': 'g', 'type': 'gre', 'local': '192.0.2.1', 'remote': '198.51.100.3',"
		" 'encap': {'type': 'gue', 'dport': 5556, 'csum': true}},"
		"{'name': 'n', 'type': 'geneve', 'id': '0x123456', 'local': '192.0.2.1',"
		" 'remote': '198.51.100.4', 'options': [{'class': 258, 'type': 128, 'data': '00112233'},"
		" {'class': '0xffff', 'type': 1, 'data': '0x0102030405060708'}]},"
		"{'name': 'v', 'type': 'vxlan', 'id': 42, 'local': '2001:db8:ff::1',"
		" 'remote': '2001:db8:ff::9', 'udp6zerocsumrx': true}]}");

	H_CHECK(rc == 0, "%s", err);
	H_CHECK(tmpl_cmp(tnl("f"), fou, NULL, sizeof(fou)) == 0, "template");
	H_CHECK(tnl("f")->udp_off == 20 && tnl("f")->mtu == 1500 - 28 && !tnl("f")->udp_csum,
		"fou udp_off %u mtu %u csum %d", tnl("f")->udp_off, tnl("f")->mtu,
		tnl("f")->udp_csum);
	H_CHECK(tmpl_cmp(tnl("g"), gue_gre, NULL, sizeof(gue_gre)) == 0, "template");
	H_CHECK(tnl("g")->gre_off == 32 && tnl("g")->mtu == 1500 - 36 && tnl("g")->udp_csum,
		"gue gre_off %u mtu %u", tnl("g")->gre_off, tnl("g")->mtu);
	H_CHECK(tmpl_cmp(tnl("n"), geneve, NULL, sizeof(geneve)) == 0, "template");
	/* an L2 tunnel's MTU leaves room for the frame's Ethernet header: 1450 without options */
	H_CHECK(tnl("n")->mtu == 1500 - 56 - 14 && !tnl("n")->pmtudisc && tnl("n")->n_opts == 2,
		"geneve mtu %u pmtudisc %d options %u", tnl("n")->mtu, tnl("n")->pmtudisc,
		tnl("n")->n_opts);
	H_CHECK(tmpl_cmp(tnl("v"), vxlan6, NULL, sizeof(vxlan6)) == 0, "template");
	/* IPv6: checksums on unless udp6zerocsumtx; the kernel's vxlan6 MTU is 1430 */
	H_CHECK(tnl("v")->outer == 6 && tnl("v")->udp_csum && tnl("v")->udp_zero_rx &&
			tnl("v")->mtu == 1430,
		"vxlan6 outer %u csum %d zero_rx %d mtu %u", tnl("v")->outer, tnl("v")->udp_csum,
		tnl("v")->udp_zero_rx, tnl("v")->mtu);
	/* receive ports per family: fou, gue, geneve, vxlan */
	H_CHECK(tgw.udp_demux[0][5555] && tgw.udp_ports[tgw.udp_demux[0][5555] - 1].kind ==
						  TGW_UDP_FOU &&
			tgw.udp_ports[tgw.udp_demux[0][5555] - 1].ipproto == 4,
		"fou 5555");
	H_CHECK(tgw.udp_demux[0][5556] &&
			tgw.udp_ports[tgw.udp_demux[0][5556] - 1].kind == TGW_UDP_GUE &&
			tgw.udp_ports[tgw.udp_demux[1][5556] - 1].kind == TGW_UDP_FOU,
		"gue 5556 over IPv4, fou 5556 over IPv6");
	H_CHECK(tgw.udp_ports[tgw.udp_demux[0][6081] - 1].kind == TGW_UDP_GENEVE &&
			tgw.udp_ports[tgw.udp_demux[1][4789] - 1].kind == TGW_UDP_VXLAN &&
			!tgw.udp_demux[0][4789] && !tgw.udp_demux[1][6081],
		"geneve and vxlan ports");
	/* udp_flow_src_port: [32768, 61000) over the whole hash range, both ends reached */
	for (uint64_t h = 0; h <= UINT32_MAX; h += 65521) {
		uint16_t sp = tgw_udp_sport((uint32_t)h);

		lo = RTE_MIN(lo, sp);
		hi = RTE_MAX(hi, sp);
	}
	H_CHECK(lo == 32768 && hi == 60999 && tgw_udp_sport(UINT32_MAX) <= 60999,
		"source ports %u..%u", lo, hi);
out:
	tgw_config_free();
}

/* The bridge MAC table: learning, a station moving, static entries, ageing. */
static void
case_fdb(void)
{
	struct tgw_bridge *br;
	const uint64_t a = 0x0a0000000002ull, b = 0x0b0000000002ull, st = 0x0c0000000002ull;
	int rc = load("{'ports': [{'name': 'p0', 'device': 'net_null0'},"
		      " {'name': 'p1', 'device': 'net_null1'}, {'name': 'p2', 'device': 'net_null2'}],"
		      " 'bridges': [{'name': 'br0', 'members': ['p0', 'p1', 'p2'], 'ageing': 2,"
		      " 'fdb': [{'lladdr': '02:00:00:00:00:0c', 'dev': 'p2'}]}]}");

	H_CHECK(rc == 0, "%s", err);
	br = &tgw_bridges[0];
	H_CHECK(tgw_n_bridges == 1 && br->n_members == 3 && br->ageing == 2, "bridge");
	H_CHECK(tgw.ports[0].bridge == 0 && tgw_l2_member_of[2] == 2, "membership");
	tgw_l2_now = 100;
	H_CHECK(tgw_fdb_lookup(br, a) == -1, "empty table finds a");
	tgw_fdb_learn(br, a, 0, tgw_l2_now);
	tgw_fdb_learn(br, b, 1, tgw_l2_now);
	H_CHECK(tgw_fdb_lookup(br, a) == 0 && tgw_fdb_lookup(br, b) == 1, "learned");
	H_CHECK(tgw_fdb_lookup(br, st) == 2, "static entry %d", tgw_fdb_lookup(br, st));
	/* learning never moves a static entry */
	tgw_fdb_learn(br, st, 0, tgw_l2_now);
	H_CHECK(tgw_fdb_lookup(br, st) == 2, "static entry moved");
	/* a station seen on another member moves there */
	tgw_fdb_learn(br, a, 2, tgw_l2_now);
	H_CHECK(tgw_fdb_lookup(br, a) == 2, "moved station: %d", tgw_fdb_lookup(br, a));
	/* one second later nothing ages; b refreshed at +1 lives on past a at +2 */
	tgw_l2_now = 101;
	H_CHECK(tgw_l2_age() == 0, "aged too early");
	tgw_fdb_learn(br, b, 1, tgw_l2_now);
	tgw_l2_now = 102;
	H_CHECK(tgw_l2_age() == 1, "a should age out at +2 s");
	H_CHECK(tgw_fdb_lookup(br, a) == -1 && tgw_fdb_lookup(br, b) == 1, "after ageing a");
	tgw_l2_now = 103;
	H_CHECK(tgw_l2_age() == 1 && tgw_fdb_lookup(br, b) == -1, "b should age out at +3 s");
	H_CHECK(tgw_fdb_lookup(br, st) == 2, "static entries never age");
	/* the table holds more stations than one bucket: 2000 learned, all found */
	for (uint64_t i = 0; i < 2000; i++)
		tgw_fdb_learn(br, 0x020000100000ull + (i << 8), i % 3, tgw_l2_now);
	{
		unsigned int found = 0;

		for (uint64_t i = 0; i < 2000; i++)
			found += tgw_fdb_lookup(br, 0x020000100000ull + (i << 8)) == (int)(i % 3);
		H_CHECK(found >= 1990, "only %u of 2000 stations learned", found);
	}
out:
	tgw_config_free();
}

int
main(void)
{
	h_case("tnl_template_ipip", case_tmpl_ipip);
	h_case("tnl_template_sit", case_tmpl_sit);
	h_case("tnl_template_ip6tnl", case_tmpl_ip6tnl);
	h_case("tnl_default_mtu", case_default_mtu);
	h_case("tnl_lookup_precedence_ipv4", case_lookup_precedence4);
	h_case("tnl_lookup_precedence_ipv6", case_lookup_precedence6);
	h_case("tnl_outer_tos_ecn", case_outer_tos_ecn);
	h_case("tnl_ip4_set_ce", case_ip4_set_ce);
	h_case("tnl_ip4_outer_fill", case_ip4_outer_fill);
	h_case("tnl_template_gre_family", case_tmpl_gre_family);
	h_case("tnl_template_udp", case_tmpl_udp);
	h_case("l2_fdb_learn_move_static_ageing", case_fdb);
	tgw_config_free();
	return h_done();
}
