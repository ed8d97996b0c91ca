/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The configuration loader (SPEC §2): a valid minimal table, every kind of
 * error with its file:line:col, JSON path and value, integer forms, and
 * tgw_json_pos on nested paths. JSON is written with ' for " to stay readable.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "harness.h"
#include "tnl.h"

static char text[8192];
static char err[1024];

/* The JSON text with every ' turned into ". */
static const char *
q(const char *s)
{
	size_t i;

	for (i = 0; s[i] && i + 1 < sizeof(text); i++)
		text[i] = s[i] == '\'' ? '"' : s[i];
	text[i] = 0;
	return text;
}

static int
load(const char *json)
{
	err[0] = 0;
	return tgw_config_load_text("unit.json", q(json), err, sizeof(err));
}

/* Line and column (1-based) of the first occurrence of needle in text: the oracle for
 * tgw_json_pos, by plain search rather than by walking the JSON. */
static int
pos_of(const char *t, const char *needle, int *line, int *col)
{
	const char *hit = strstr(t, needle);

	if (hit == NULL)
		return -1;
	*line = 1;
	*col = 1;
	for (const char *p = t; p < hit; p++) {
		if (*p == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
	return 0;
}

/*
 * Load json, expect failure with exactly "unit.json:L:C: <rest>" where L:C is the position
 * of the first occurrence of at (in the converted text); rest uses ' for ".
 */
static void
expect_err(const char *json, const char *at, const char *rest)
{
	char want[1024], r[512];
	int rc, line, col;

	rc = load(json);
	if (rc != -1) {
		h_fail("loaded (rc %d), expected an error", rc);
		return;
	}
	snprintf(r, sizeof(r), "%s", rest);
	for (char *p = r; *p; p++)
		if (*p == '\'')
			*p = '"';
	if (at == NULL) {
		snprintf(want, sizeof(want), "unit.json: %s", r);
	} else {
		char a[256];

		snprintf(a, sizeof(a), "%s", at);
		for (char *p = a; *p; p++)
			if (*p == '\'')
				*p = '"';
		if (pos_of(text, a, &line, &col) < 0) {
			h_fail("test bug: %s not in the text", a);
			return;
		}
		snprintf(want, sizeof(want), "unit.json:%d:%d: %s", line, col, r);
	}
	if (strcmp(err, want) != 0)
		h_fail("message [%s], expected [%s]", err, want);
}

#define PORT0 "{'name': 'wan0', 'device': 'net_null0', 'addresses': ['192.0.2.1/24']}"

/* ---- valid ---- */

static void
case_valid_minimal(void)
{
	const struct tgw_tunnel *t;
	int rc = load("{\n"
		      "  'ports': [\n"
		      "    " PORT0 ",\n"
		      "    {'name': 'lan0', 'device': 'net_null1', 'mac': '02:00:00:00:01:01',\n"
		      "     'addresses': ['10.1.0.1/24', '2001:db8:1::1/64'], 'mtu': 9000}\n"
		      "  ],\n"
		      "  'tunnels': [\n"
		      "    {'name': 't0', 'type': 'ipip', 'local': '192.0.2.1',\n"
		      "     'remote': '198.51.100.2'}\n"
		      "  ],\n"
		      "  'routes': [\n"
		      "    {'dst': '10.2.0.0/24', 'dev': 't0'},\n"
		      "    {'dst': 'default', 'via': '192.0.2.254'}\n"
		      "  ],\n"
		      "  'neighbors': [\n"
		      "    {'dst': '192.0.2.254', 'lladdr': '02:00:00:00:00:fe', 'dev': 'wan0'}\n"
		      "  ]\n"
		      "}\n");

	H_CHECK(rc == 0, "rc %d: %s", rc, err);
	H_CHECK(tgw.n_ports == 2 && tgw.n_tunnels == 1 && tgw.n_routes == 2 && tgw.n_neighs == 1,
		"counts %u ports %u tunnels %u routes %u neighbors", tgw.n_ports, tgw.n_tunnels,
		tgw.n_routes, tgw.n_neighs);
	H_CHECK(strcmp(tgw.ports[1].device, "net_null1") == 0, "device %s", tgw.ports[1].device);
	H_CHECK(tgw.ports[0].mtu == 1500 && tgw.ports[1].mtu == 9000, "port mtus %u %u",
		tgw.ports[0].mtu, tgw.ports[1].mtu);
	H_CHECK(tgw.ports[1].mac_set && tgw.ports[1].mac.addr_bytes[5] == 1, "port mac");
	H_CHECK(tgw.ports[1].n_addrs == 2 && tgw.ports[1].addrs[1].ip.family == 6 &&
			tgw.ports[1].addrs[1].len == 64,
		"lan0 addresses");
	t = &tgw.tunnels[0];
	H_CHECK(strcmp(t->ops->type, "ipip") == 0, "tunnel type %s", t->ops->type);
	H_CHECK(t->ttl == 0 && t->tos == 0 && t->pmtudisc && t->mtu == 1480,
		"ipip defaults: ttl %u tos %d pmtudisc %d mtu %u", t->ttl, t->tos, t->pmtudisc,
		t->mtu);
	H_CHECK(strcmp(t->mode, "ipip") == 0, "mode %s", t->mode);
	H_CHECK(tgw.routes[0].tunnel == 0 && tgw.routes[0].port == -1, "route 0 into t0");
	H_CHECK(tgw.routes[1].port == 0 && tgw.routes[1].dst.len == 0 &&
			tgw.routes[1].dst.ip.family == 4 && tgw.routes[1].via.family == 4,
		"default route via the connected gateway on wan0");
	H_CHECK(tgw.neighs[0].port == 0, "neighbor port");
out:
	tgw_config_free();
}

static void
case_integer_forms(void)
{
	int rc = load(
		"{'ports': [" PORT0 "], 'tunnels': [\n"
		" {'name': 'a', 'type': 'ipip', 'remote': '198.51.100.2', 'ttl': '0x40',\n"
		"  'tos': '0X10', 'mtu': '1400'},\n"
		" {'name': 'b', 'type': 'ipip', 'remote': '198.51.100.3', 'ttl': 'inherit',\n"
		"  'tos': 'inherit', 'pmtudisc': false},\n"
		" {'name': 'c', 'type': 'ip6tnl', 'remote': '2001:db8::2', 'hoplimit': '0xff',\n"
		"  'encaplimit': '0x0', 'flowlabel': '0xfffff'}]}");
	const struct tgw_tunnel *t = tgw.tunnels;

	H_CHECK(rc == 0, "rc %d: %s", rc, err);
	H_CHECK(t[0].ttl == 64 && t[0].tos == 0x10 && t[0].mtu == 1400, "a: ttl %u tos %d mtu %u",
		t[0].ttl, t[0].tos, t[0].mtu);
	H_CHECK(t[1].ttl == 0 && t[1].tos == -1 && !t[1].pmtudisc, "b: ttl %u tos %d pmtudisc %d",
		t[1].ttl, t[1].tos, t[1].pmtudisc);
	H_CHECK(t[2].ttl == 255 && t[2].encaplimit == 0 && t[2].flowlabel == 0xfffff,
		"c: hoplimit %u encaplimit %u flowlabel %d", t[2].ttl, t[2].encaplimit,
		t[2].flowlabel);
	/* the default hoplimit of ip6tnl is 64 and its MTU 1500 - 40 - 8 */
	rc = load("{'ports': [" PORT0 "], 'tunnels': [\n"
		  " {'name': 'c', 'type': 'ip6tnl', 'remote': '2001:db8::2'}]}");
	t = tgw.tunnels;
	H_CHECK(rc == 0, "rc %d: %s", rc, err);
	H_CHECK(t[0].ttl == 64 && t[0].encaplimit == 4 && t[0].mtu == 1452,
		"ip6tnl defaults: hoplimit %u encaplimit %u mtu %u", t[0].ttl, t[0].encaplimit,
		t[0].mtu);
out:
	tgw_config_free();
}

/* ---- errors ---- */

static void
case_err_unknown_key(void)
{
	expect_err("{'ports': [" PORT0 "],\n"
		   " 'tunnels': [{'name': 't0', 'type': 'ipip',\n"
		   "              'remtoe': '198.51.100.2'}]}",
		   "'198.51.100.2'", "tunnels[0].remtoe: unknown key 'remtoe'");
	if (h_failed())
		return;
	expect_err("{'ports': [" PORT0 "],\n 'tunels': []}", "[]", "tunels: unknown key 'tunels'");
	if (h_failed())
		return;
	expect_err("{'ports': [{'name': 'wan0', 'device': 'x', 'adresses': ['192.0.2.1/24']}]}",
		   "['192.0.2.1/24']", "ports[0].adresses: unknown key 'adresses'");
}

static void
case_err_bad_address(void)
{
	expect_err("{'ports': [" PORT0 "],\n"
		   " 'tunnels': [{'name': 't0', 'type': 'ipip', 'local': '192.0.2.1',\n"
		   "   'remote': '10.0.0.300'}]}",
		   "'10.0.0.300'",
		   "tunnels[0].remote: '10.0.0.300' is not an IPv4 or IPv6 address");
	if (h_failed())
		return;
	/* an IPv6 address on an IPv4-outer tunnel */
	expect_err("{'ports': [" PORT0 "],\n"
		   " 'tunnels': [{'name': 't0', 'type': 'sit', 'remote': '2001:db8::1'}]}",
		   "'2001:db8::1'",
		   "tunnels[0].remote: '2001:db8::1' is not an IPv4 address (sit tunnels have an "
		   "IPv4 outer header)");
}

static void
case_err_bad_prefix(void)
{
	expect_err("{'ports': [{'name': 'wan0', 'device': 'x',\n"
		   "            'addresses': ['192.0.2.1/24', '192.0.2.9/33']}]}",
		   "'192.0.2.9/33'",
		   "ports[0].addresses[1]: '192.0.2.9/33' is not an address/prefix-length");
	if (h_failed())
		return;
	expect_err("{'ports': [" PORT0 "], 'tunnels': [\n"
		   " {'name': 't0', 'type': 'ipip', 'remote': '198.51.100.2',\n"
		   "  'addresses': ['10.9.0.1/24', '10.9.0.2']}]}",
		   "'10.9.0.2'",
		   "tunnels[0].addresses[1]: '10.9.0.2' is not an address/prefix-length");
	if (h_failed())
		return;
	expect_err("{'ports': [" PORT0 "], 'routes': [\n {'dst': '10.0.0.0/-1', 'dev': 'wan0'}]}",
		   "'10.0.0.0/-1'", "routes[0].dst: '10.0.0.0/-1' is not a prefix or 'default'");
}

static void
case_err_duplicate_name(void)
{
	expect_err("{'ports': [" PORT0 "],\n"
		   " 'tunnels': [{'name': 'wan0', 'type': 'ipip', 'remote': '198.51.100.2'}]}",
		   "'wan0', 'type'", "tunnels[0].name: 'wan0' duplicate interface name");
	if (h_failed())
		return;
	expect_err("{'ports': [" PORT0 ",\n {'name': 'wan0', 'device': 'y'}]}",
		   "'wan0', 'device': 'y'", "ports[1].name: 'wan0' duplicate interface name");
}

static void
case_err_route_unknown_dev(void)
{
	expect_err("{'ports': [" PORT0 "],\n"
		   " 'routes': [{'dst': '10.0.0.0/8', 'dev': 'wan0'},\n"
		   "            {'dst': '10.2.0.0/24', 'dev': 'gre9'}]}",
		   "'gre9'", "routes[1].dev: 'gre9' no such device");
	if (h_failed())
		return;
	expect_err(
		"{'ports': [" PORT0 "],\n"
		" 'neighbors': [{'dst': '192.0.2.2', 'lladdr': '02:00:00:00:00:02', 'dev': 'x'}]}",
		"'x'", "neighbors[0].dev: 'x' no such device");
}

static void
case_err_wrong_type(void)
{
	expect_err("{'ports': {}}", "{}}", "ports: {} is not an array");
	if (h_failed())
		return;
	expect_err("{'ports': [{'name': 'wan0', 'device': 'x', 'mtu': true}]}", "true",
		   "ports[0].mtu: true is not an integer");
	if (h_failed())
		return;
	expect_err("{'ports': [" PORT0 "], 'tunnels': [\n"
		   " {'name': 't0', 'type': 'ipip', 'remote': '198.51.100.2', 'pmtudisc': 'yes'}]}",
		   "'yes'", "tunnels[0].pmtudisc: 'yes' is not true or false");
	if (h_failed())
		return;
	expect_err("{'ports': [" PORT0 "], 'tunnels': [\n"
		   " {'name': 't0', 'type': 'ipip', 'remote': 4}]}",
		   "4}", "tunnels[0].remote: 4 is not a string");
	if (h_failed())
		return;
	expect_err("{'ports': [" PORT0 "], 'tunnels': [7]}", "7]",
		   "tunnels[0]: 7 is not an object");
	if (h_failed())
		return;
	/* integers as strings: decimal or 0x-hex, nothing else */
	expect_err("{'ports': [" PORT0 "], 'tunnels': [\n"
		   " {'name': 't0', 'type': 'ipip', 'remote': '198.51.100.2', 'ttl': '-1'}]}",
		   "'-1'", "tunnels[0].ttl: '-1' is not an integer");
	if (h_failed())
		return;
	expect_err("{'ports': [" PORT0 "], 'tunnels': [\n"
		   " {'name': 't0', 'type': 'ipip', 'remote': '198.51.100.2', 'ttl': '0x'}]}",
		   "'0x'", "tunnels[0].ttl: '0x' is not an integer");
	if (h_failed())
		return;
	expect_err("{'ports': [" PORT0 "], 'tunnels': [\n"
		   " {'name': 't0', 'type': 'ipip', 'remote': '198.51.100.2', 'ttl': '64 '}]}",
		   "'64 '", "tunnels[0].ttl: '64 ' is not an integer");
}

static void
case_err_syntax(void)
{
	int rc = load("{'ports': [\n" PORT0 "\n" PORT0 "]}");

	/* jansson: the second object where ',' or ']' was expected, line 3 */
	H_CHECK(rc == -1, "loaded");
	H_CHECK(strncmp(err, "unit.json:3:", 12) == 0, "message [%s], expected unit.json:3:...",
		err);
	rc = load("{'ports': [" PORT0 "],}");
	H_CHECK(rc == -1, "trailing comma loaded");
	H_CHECK(strncmp(err, "unit.json:1:", 12) == 0, "message [%s]", err);
	rc = load("");
	H_CHECK(rc == -1 && strncmp(err, "unit.json:", 10) == 0, "empty text: [%s]", err);
	rc = load("[]");
	H_CHECK(rc == -1 && strstr(err, "not a JSON object"), "array root: [%s]", err);
	/* duplicate keys are rejected (JSON_REJECT_DUPLICATES) */
	rc = load("{'ports': [" PORT0 "], 'ports': []}");
	H_CHECK(rc == -1 && strstr(err, "duplicate"), "duplicate key: [%s]", err);
out:
	return;
}

static void
case_err_missing_key(void)
{
	expect_err("{'ports': [" PORT0 "],\n"
		   " 'tunnels': [{'name': 't0', 'remote': '198.51.100.2'}]}",
		   "{'name': 't0'", "tunnels[0]: tunnel 't0' needs 'type'");
	if (h_failed())
		return;
	expect_err("{'ports': [{'name': 'wan0'}]}", "{'name'",
		   "ports[0]: port 'wan0' needs 'device'");
	if (h_failed())
		return;
	expect_err("{'ports': [" PORT0 ", {'device': 'y'}]}", "{'device'",
		   "ports[1]: port needs 'name'");
	if (h_failed())
		return;
	expect_err("{'ports': [" PORT0 "], 'routes': [{'dev': 'wan0'}]}", "{'dev'",
		   "routes[0]: route needs 'dst'");
	if (h_failed())
		return;
	expect_err("{'tunnels': []}", "{", "(top): needs at least one entry in 'ports'");
}

static void
case_err_not_supported(void)
{
	expect_err("{'ports': [" PORT0 "],\n"
		   " 'tunnels': [{'name': 'g0', 'type': 'xfrm', 'remote': '198.51.100.2'}]}",
		   "'198.51.100.2'", "tunnels[0].remote: '198.51.100.2' tunnel 'g0': an xfrm "
		   "interface takes its endpoints, TTL and TOS from its SAs");
	if (h_failed())
		return;
	expect_err("{'ports': [" PORT0 "],\n 'xfrm': {'states': [{'src': '192.0.2.1', "
		   "'dst': '192.0.2.2', 'proto': 'esp', 'spi': 1, 'mode': 'beet',\n"
		   " 'sel': {'src': '10.0.0.1', 'dst': 'fd00::2'}}]}}",
		   "'fd00::2'", "xfrm.states[0].sel.dst: 'fd00::2' is not of the family of 'src'");
	if (h_failed())
		return;
	expect_err("{'ports': [" PORT0 "],\n"
		   " 'tunnels': [{'name': 'x0', 'type': 'ipx', 'remote': '198.51.100.2'}]}",
		   "'ipx'", "tunnels[0].type: 'ipx' tunnel 'x0': unknown tunnel type");
}

static void
case_err_ttl_range(void)
{
	expect_err("{'ports': [" PORT0 "],\n"
		   " 'tunnels': [{'name': 't0', 'type': 'ipip', 'remote': '198.51.100.2',\n"
		   "              'ttl': 256}]}",
		   "256", "tunnels[0].ttl: 256 is out of range 0..255");
	if (h_failed())
		return;
	expect_err("{'ports': [" PORT0 "],\n"
		   " 'tunnels': [{'name': 't0', 'type': 'ip6tnl', 'remote': '2001:db8::2',\n"
		   "              'hoplimit': '0x100'}]}",
		   "'0x100'", "tunnels[0].hoplimit: '0x100' is out of range 0..255");
}

static void
case_err_pmtudisc_fixed_ttl(void)
{
	int rc;

	expect_err("{'ports': [" PORT0 "],\n"
		   " 'tunnels': [{'name': 't0', 'type': 'ipip', 'remote': '198.51.100.2',\n"
		   "              'ttl': 64, 'pmtudisc': false}]}",
		   "false",
		   "tunnels[0].pmtudisc: false is incompatible with a fixed ttl (use 'ttl': "
		   "'inherit')");
	if (h_failed())
		return;
	/* nopmtudisc with an inherited TTL is what the kernel accepts */
	rc = load("{'ports': [" PORT0 "], 'tunnels': [{'name': 't0', 'type': 'ipip', 'remote':"
		  " '198.51.100.2', 'pmtudisc': false}]}");
	H_CHECK(rc == 0, "pmtudisc false with ttl inherit: %s", err);
	H_CHECK(!tgw.tunnels[0].pmtudisc && tgw.tunnels[0].ttl == 0, "pmtudisc %d ttl %u",
		tgw.tunnels[0].pmtudisc, tgw.tunnels[0].ttl);
	/* pmtudisc belongs to IPv4-outer tunnels */
	expect_err("{'ports': [" PORT0 "],\n"
		   " 'tunnels': [{'name': 't0', 'type': 'ip6tnl', 'remote': '2001:db8::2',\n"
		   "              'pmtudisc': true}]}",
		   "true", "tunnels[0].pmtudisc: applies to IPv4-outer tunnels");
out:
	tgw_config_free();
}

static void
case_err_duplicate_endpoints(void)
{
	int rc = load("{'ports': [" PORT0 "], 'tunnels': [\n"
		      " {'name': 'a', 'type': 'ipip', 'remote': '198.51.100.2'},\n"
		      " {'name': 'b', 'type': 'ipip', 'remote': '198.51.100.2'}]}");

	H_CHECK(rc == -1, "two tunnels with the same endpoints loaded");
	H_CHECK(strstr(err, "tunnels[1]") && strstr(err, "\"b\"") && strstr(err, "\"a\""),
		"message [%s]", err);
	/* ipip and sit share IPv4 endpoints (protocols 4 and 41) */
	rc = load("{'ports': [" PORT0 "], 'tunnels': [\n"
		  " {'name': 'a', 'type': 'ipip', 'remote': '198.51.100.2'},\n"
		  " {'name': 'b', 'type': 'sit', 'remote': '198.51.100.2'}]}");
	H_CHECK(rc == 0, "ipip + sit on the same endpoints: %s", err);
out:
	tgw_config_free();
}

/* ---- tgw_json_pos ---- */

static void
case_json_pos(void)
{
	static const struct {
		const char *path;
		const char *at; /* first occurrence of this in the text; NULL: not found */
		int line, col;	/* when at is NULL and line > 0: this position */
	} v[] = {
		{"a.b[1].c", "'x'"}, {"a.b[2][1]", "3]"}, {"a.b[2]", "[2,"},	{"a.b[0]", "1,"},
		{"a", "{'b'"},	     {"bb.b", "'no'"},	  {"bb", "{'b': 'no'"}, {"s", "'q\\"},
		{"d", "5,"},	     {"e[0].f", "'y'"},	  {"", NULL, 1, 1},	{"b", NULL},
		{"a.b[3]", NULL},    {"a.c", NULL},	  {"a.b.c", NULL},	{"zz", NULL},
		{"d.x", NULL},
	};
	const char *t = q("{'a': {'b': [1, {'c': 'x'}, [2, 3]]},\n"
			  " 'bb': {'b': 'no'},\n"
			  "\t's': 'q\\'uo{t[e]}',\r\n"
			  " 'd': 5,\n"
			  " 'e': [\n"
			  "   {'f': 'y'}\n"
			  " ]}");
	int line, col, el, ec;

	for (size_t i = 0; i < RTE_DIM(v); i++) {
		int rc = tgw_json_pos(t, v[i].path, &line, &col);

		if (v[i].at) {
			char a[64];

			snprintf(a, sizeof(a), "%s", v[i].at);
			for (char *p = a; *p; p++)
				if (*p == '\'')
					*p = '"';
			H_CHECK(pos_of(t, a, &el, &ec) == 0, "test bug: %s", a);
		} else if (v[i].line > 0) {
			el = v[i].line;
			ec = v[i].col;
		} else {
			H_CHECK(rc == -1, "path %s found at %d:%d, expected not found", v[i].path,
				line, col);
			continue;
		}
		H_CHECK(rc == 0, "path %s not found", v[i].path);
		H_CHECK(line == el && col == ec, "path %s at %d:%d, expected %d:%d", v[i].path,
			line, col, el, ec);
	}
	/* text that ends early */
	H_CHECK(tgw_json_pos("{\"a\": [1, 2", "a[5]", &line, &col) == -1, "truncated array");
	H_CHECK(tgw_json_pos("{\"a\": \"x", "b", &line, &col) == -1, "unterminated string");
	H_CHECK(tgw_json_pos("{\"a\\", "a", &line, &col) == -1, "escape at the end");
out:
	return;
}

/* tgw_cfg_err on a deeply nested path in a real error */
static void
case_error_position_nested(void)
{
	expect_err("{\n"
		   "  'ports': [\n"
		   "    " PORT0 ",\n"
		   "    {'name': 'lan0', 'device': 'y', 'addresses': [\n"
		   "        '10.1.0.1/24',\n"
		   "        '2001:db8:1::1/64',\n"
		   "        'fe80::1/129'\n"
		   "    ]}\n"
		   "  ]\n"
		   "}",
		   "'fe80::1/129'",
		   "ports[1].addresses[2]: 'fe80::1/129' is not an address/prefix-length");
}

int
main(void)
{
	h_case("config_valid_minimal", case_valid_minimal);
	h_case("config_integer_forms", case_integer_forms);
	h_case("config_err_unknown_key", case_err_unknown_key);
	h_case("config_err_bad_address", case_err_bad_address);
	h_case("config_err_bad_prefix", case_err_bad_prefix);
	h_case("config_err_duplicate_name", case_err_duplicate_name);
	h_case("config_err_route_unknown_dev", case_err_route_unknown_dev);
	h_case("config_err_wrong_type", case_err_wrong_type);
	h_case("config_err_syntax", case_err_syntax);
	h_case("config_err_missing_key", case_err_missing_key);
	h_case("config_err_not_supported", case_err_not_supported);
	h_case("config_err_ttl_range", case_err_ttl_range);
	h_case("config_err_pmtudisc_fixed_ttl", case_err_pmtudisc_fixed_ttl);
	h_case("config_err_duplicate_endpoints", case_err_duplicate_endpoints);
	h_case("config_json_pos", case_json_pos);
	h_case("config_error_position_nested", case_error_position_nested);
	tgw_config_free();
	return h_done();
}
