/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ports: probe from the "device" devargs, per-PMD profile (drivers-cfg/<driver>.json,
 * overridable per port), one RX and one TX queue per worker, RSS, offloads, start.
 */
#include "ports.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <rte_dev.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_mbuf.h>

#include "stats.h"

extern uint16_t tgw_port_idx[RTE_MAX_ETHPORTS];
extern uint64_t tgw_port_mac64[TGW_MAX_PORTS];

struct name_bit {
	const char *name;
	uint64_t bit;
};

static const struct name_bit rss_names[] = {
	{"ipv4", RTE_ETH_RSS_IPV4},
	{"ipv6", RTE_ETH_RSS_IPV6},
	{"ipv4_udp", RTE_ETH_RSS_NONFRAG_IPV4_UDP},
	{"ipv6_udp", RTE_ETH_RSS_NONFRAG_IPV6_UDP},
	{"ipv4_tcp", RTE_ETH_RSS_NONFRAG_IPV4_TCP},
	{"ipv6_tcp", RTE_ETH_RSS_NONFRAG_IPV6_TCP},
	{"ipv4_other", RTE_ETH_RSS_NONFRAG_IPV4_OTHER},
	{"ipv6_other", RTE_ETH_RSS_NONFRAG_IPV6_OTHER},
	{"ipv4_frag", RTE_ETH_RSS_FRAG_IPV4},
	{"ipv6_frag", RTE_ETH_RSS_FRAG_IPV6},
	{"l4_src_only", RTE_ETH_RSS_L4_SRC_ONLY},
	{NULL, 0},
};

static const struct name_bit rx_ol_names[] = {
	{"ipv4_cksum", RTE_ETH_RX_OFFLOAD_IPV4_CKSUM},
	{"udp_cksum", RTE_ETH_RX_OFFLOAD_UDP_CKSUM},
	{"tcp_cksum", RTE_ETH_RX_OFFLOAD_TCP_CKSUM},
	{"outer_ipv4_cksum", RTE_ETH_RX_OFFLOAD_OUTER_IPV4_CKSUM},
	{"outer_udp_cksum", RTE_ETH_RX_OFFLOAD_OUTER_UDP_CKSUM},
	{"scatter", RTE_ETH_RX_OFFLOAD_SCATTER},
	{"rss_hash", RTE_ETH_RX_OFFLOAD_RSS_HASH},
	{NULL, 0},
};

static const struct name_bit tx_ol_names[] = {
	{"ipv4_cksum", RTE_ETH_TX_OFFLOAD_IPV4_CKSUM},
	{"udp_cksum", RTE_ETH_TX_OFFLOAD_UDP_CKSUM},
	{"tcp_cksum", RTE_ETH_TX_OFFLOAD_TCP_CKSUM},
	{"outer_ipv4_cksum", RTE_ETH_TX_OFFLOAD_OUTER_IPV4_CKSUM},
	{"outer_udp_cksum", RTE_ETH_TX_OFFLOAD_OUTER_UDP_CKSUM},
	{"tcp_tso", RTE_ETH_TX_OFFLOAD_TCP_TSO},
	{"ipip_tnl_tso", RTE_ETH_TX_OFFLOAD_IPIP_TNL_TSO},
	{"gre_tnl_tso", RTE_ETH_TX_OFFLOAD_GRE_TNL_TSO},
	{"vxlan_tnl_tso", RTE_ETH_TX_OFFLOAD_VXLAN_TNL_TSO},
	{"geneve_tnl_tso", RTE_ETH_TX_OFFLOAD_GENEVE_TNL_TSO},
	{"udp_tnl_tso", RTE_ETH_TX_OFFLOAD_UDP_TNL_TSO},
	{"multi_segs", RTE_ETH_TX_OFFLOAD_MULTI_SEGS},
	{NULL, 0}, /* no mbuf_fast_free: fragments carry indirect mbufs of another pool */
};

/* Where drivers-cfg lives: $TGW_DRIVERS_CFG, beside the binary's tree, or the source tree. */
static void
profile_path(const char *driver, char *out, size_t len)
{
	const char *env = getenv("TGW_DRIVERS_CFG");
	char exe[PATH_MAX - 64];
	ssize_t n;

	if (env) {
		snprintf(out, len, "%s/%s.json", env, driver);
		return;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = 0;
		/* installed: <prefix>/bin/tungw -> <prefix>/share/tungw/drivers-cfg */
		char *slash = strrchr(exe, '/');

		if (slash) {
			*slash = 0;
			snprintf(out, len, "%s/../share/tungw/drivers-cfg/%s.json", exe, driver);
			if (access(out, R_OK) == 0)
				return;
		}
	}
	snprintf(out, len, "%s/drivers-cfg/%s.json", TGW_SRC_DIR, driver);
}

static uint64_t
bits_of(json_t *arr, const struct name_bit *names, const char *port, const char *key)
{
	uint64_t bits = 0;
	json_t *v;
	size_t i;

	if (!json_is_array(arr)) {
		RTE_LOG(WARNING, USER1, "port %s: profile key \"%s\" is not an array, ignored\n",
			port, key);
		return 0;
	}
	json_array_foreach(arr, i, v) {
		const struct name_bit *nb = names;

		while (nb->name && (!json_is_string(v) || strcmp(nb->name, json_string_value(v))))
			nb++;
		if (nb->name)
			bits |= nb->bit;
		else
			RTE_LOG(WARNING, USER1, "port %s: profile %s: unknown name %s, ignored\n",
				port, key, json_is_string(v) ? json_string_value(v) : "?");
	}
	return bits;
}

struct profile {
	uint16_t rx_desc, tx_desc;
	uint64_t rss_hf, rx_ol, tx_ol;
	bool rx_prefetch;
};

static const char *const profile_keys[] = {"driver", "comment", "rx_desc", "tx_desc", "rss_hf",
					   "rx_offloads", "tx_offloads", "rx_prefetch", NULL};

#define DESC_MAX 4096 /* the mbuf pool is sized for this many per queue */

static const struct name_bit *
names_of(const char *k)
{
	if (strcmp(k, "rss_hf") == 0)
		return rss_names;
	if (strcmp(k, "rx_offloads") == 0)
		return rx_ol_names;
	if (strcmp(k, "tx_offloads") == 0)
		return tx_ol_names;
	return NULL;
}

int
tgw_profile_check(json_t *j, const char **bad_key, char *why, size_t len)
{
	const char *k;
	json_t *v;

	json_object_foreach(j, k, v) {
		const struct name_bit *names = names_of(k);
		int known = 0;

		*bad_key = k;
		for (int i = 0; profile_keys[i]; i++)
			known |= strcmp(k, profile_keys[i]) == 0;
		if (!known) {
			snprintf(why, len, "unknown key \"%s\"", k);
			return -1;
		}
		if (strcmp(k, "rx_prefetch") == 0 && !json_is_boolean(v)) {
			snprintf(why, len, "is not true or false");
			return -1;
		}
		if ((strcmp(k, "rx_desc") == 0 || strcmp(k, "tx_desc") == 0) &&
		    (!json_is_integer(v) || json_integer_value(v) < 32 ||
		     json_integer_value(v) > DESC_MAX)) {
			snprintf(why, len, "is not an integer 32..%d", DESC_MAX);
			return -1;
		}
		if (names) {
			size_t i;
			json_t *n;

			if (!json_is_array(v)) {
				snprintf(why, len, "is not an array of names");
				return -1;
			}
			json_array_foreach(v, i, n) {
				const struct name_bit *nb = names;

				while (nb->name && (!json_is_string(n) ||
						    strcmp(nb->name, json_string_value(n))))
					nb++;
				if (nb->name == NULL) {
					snprintf(why, len, "element %zu is not one of the known names", i);
					return -1;
				}
			}
		}
	}
	return 0;
}

static void
profile_apply(json_t *j, struct profile *pr, const char *port)
{
	const char *k;
	json_t *v;

	if (j == NULL)
		return;
	json_object_foreach(j, k, v) {
		int known = 0;

		for (int i = 0; profile_keys[i]; i++)
			known |= strcmp(k, profile_keys[i]) == 0;
		if (!known) {
			RTE_LOG(WARNING, USER1, "port %s: profile key \"%s\" unknown, ignored\n",
				port, k);
			continue;
		}
		if (strcmp(k, "rx_desc") == 0 && json_is_integer(v))
			pr->rx_desc = RTE_MIN(json_integer_value(v), DESC_MAX);
		else if (strcmp(k, "tx_desc") == 0 && json_is_integer(v))
			pr->tx_desc = RTE_MIN(json_integer_value(v), DESC_MAX);
		else if (strcmp(k, "rss_hf") == 0)
			pr->rss_hf = bits_of(v, rss_names, port, k);
		else if (strcmp(k, "rx_offloads") == 0)
			pr->rx_ol = bits_of(v, rx_ol_names, port, k);
		else if (strcmp(k, "tx_offloads") == 0)
			pr->tx_ol = bits_of(v, tx_ol_names, port, k);
		else if (strcmp(k, "rx_prefetch") == 0 && json_is_boolean(v))
			pr->rx_prefetch = json_is_true(v);
	}
}

static void
warn_missing(const char *port, const char *what, uint64_t want, uint64_t have,
	     const struct name_bit *names)
{
	for (const struct name_bit *nb = names; nb->name; nb++)
		if ((want & nb->bit) && !(have & nb->bit))
			RTE_LOG(NOTICE, USER1, "port %s: %s %s not supported by the PMD, ignored\n",
				port, what, nb->name);
}

static int
port_find_id(const char *device, uint16_t *id)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	size_t n = strcspn(device, ",");

	if (n >= sizeof(name))
		return -1;
	memcpy(name, device, n);
	name[n] = 0;
	if (rte_eth_dev_get_port_by_name(name, id) == 0)
		return 0;
	/* a PCI device may register under another name: match the devargs */
	struct rte_dev_iterator it;
	uint16_t p;

	if (rte_eth_iterator_init(&it, device) < 0)
		return -1;
	p = rte_eth_iterator_next(&it);
	rte_eth_iterator_cleanup(&it);
	if (p == RTE_MAX_ETHPORTS)
		return -1;
	*id = p;
	return 0;
}

int
tgw_port_init(struct tgw_port *pt, uint16_t nb_queues, char *err, size_t errlen)
{
	struct rte_eth_conf conf = {0};
	struct rte_eth_dev_info info;
	struct profile pr = {.rx_desc = 1024, .tx_desc = 1024, .rx_prefetch = true};
	char path[PATH_MAX];
	json_t *j;
	uint16_t id;
	int rc;

	if (port_find_id(pt->device, &id) < 0) {
		rc = rte_dev_probe(pt->device);
		if (rc < 0 || port_find_id(pt->device, &id) < 0) {
			snprintf(err, errlen, "port %s: cannot probe device \"%s\": %s", pt->name,
				 pt->device, rte_strerror(-rc));
			return -1;
		}
	}
	pt->port_id = id;
	tgw_port_idx[id] = pt->idx;
	rc = rte_eth_dev_info_get(id, &info);
	if (rc < 0) {
		snprintf(err, errlen, "port %s: no device info", pt->name);
		return -1;
	}
	snprintf(pt->driver, sizeof(pt->driver), "%s", info.driver_name);
	profile_path(info.driver_name, path, sizeof(path));
	{
		json_error_t je;

		j = json_load_file(path, 0, &je);
		if (j == NULL && access(path, R_OK) == 0)
			RTE_LOG(WARNING, USER1, "port %s: profile %s:%d:%d: %s; using defaults\n",
				pt->name, path, je.line, je.column, je.text);
		else if (j == NULL)
			RTE_LOG(NOTICE, USER1, "port %s: no profile %s, using defaults\n",
				pt->name, path);
	}
	profile_apply(j, &pr, pt->name);
	json_decref(j);
	profile_apply(pt->profile, &pr, pt->name);

	if (info.max_rx_queues < nb_queues || info.max_tx_queues < nb_queues) {
		snprintf(err, errlen,
			 "port %s: %s has %u RX / %u TX queues, %u workers need one each",
			 pt->name, pt->device, info.max_rx_queues, info.max_tx_queues, nb_queues);
		return -1;
	}
	if (pt->offloads_off)
		pr.rx_ol = pr.tx_ol = 0;
	warn_missing(pt->name, "rx offload", pr.rx_ol, info.rx_offload_capa, rx_ol_names);
	warn_missing(pt->name, "tx offload", pr.tx_ol, info.tx_offload_capa, tx_ol_names);
	conf.rxmode.offloads = pr.rx_ol & info.rx_offload_capa;
	conf.txmode.offloads = pr.tx_ol & info.tx_offload_capa;
	warn_missing(pt->name, "rss hash", pr.rss_hf, info.flow_type_rss_offloads, rss_names);
	if (nb_queues > 1 && (pr.rss_hf & info.flow_type_rss_offloads)) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_hf = pr.rss_hf & info.flow_type_rss_offloads;
	}
	pt->rss_hf = conf.rx_adv_conf.rss_conf.rss_hf;
	pt->rx_prefetch = pr.rx_prefetch;
	pt->rx_ip_cksum = conf.rxmode.offloads & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM;
	pt->tx_ip_cksum = conf.txmode.offloads & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
	rc = rte_eth_dev_configure(id, nb_queues, nb_queues, &conf);
	if (rc < 0) {
		snprintf(err, errlen, "port %s: configure failed: %s", pt->name, rte_strerror(-rc));
		return -1;
	}
	pt->nb_rxd = pr.rx_desc;
	pt->nb_txd = pr.tx_desc;
	rte_eth_dev_adjust_nb_rx_tx_desc(id, &pt->nb_rxd, &pt->nb_txd);
	for (uint16_t q = 0; q < nb_queues; q++) {
		struct rte_eth_rxconf rxc = info.default_rxconf;
		struct rte_eth_txconf txc = info.default_txconf;

		rxc.offloads = conf.rxmode.offloads;
		txc.offloads = conf.txmode.offloads;
		rc = rte_eth_rx_queue_setup(id, q, pt->nb_rxd, rte_eth_dev_socket_id(id), &rxc,
					    tgw.pool);
		if (rc == 0)
			rc = rte_eth_tx_queue_setup(id, q, pt->nb_txd, rte_eth_dev_socket_id(id),
						    &txc);
		if (rc < 0) {
			snprintf(err, errlen, "port %s: queue %u setup failed: %s", pt->name, q,
				 rte_strerror(-rc));
			return -1;
		}
	}
	if (rte_eth_dev_set_mtu(id, pt->mtu) < 0)
		RTE_LOG(INFO, USER1, "port %s: PMD keeps its MTU; tungw enforces %u\n", pt->name,
			pt->mtu);
	if (pt->bridge >= 0) /* a bridge port takes every frame */
		rte_eth_promiscuous_enable(id);
	if (pt->mac_set) {
		if (rte_eth_dev_default_mac_addr_set(id, &pt->mac) < 0)
			rte_eth_promiscuous_enable(id);
	} else {
		rte_eth_macaddr_get(id, &pt->mac);
	}
	/* RFC 4291 §2.5.1: modified EUI-64 interface identifier for fe80::/64 */
	memset(pt->ll6, 0, 16);
	pt->ll6[0] = 0xfe;
	pt->ll6[1] = 0x80;
	pt->ll6[8] = pt->mac.addr_bytes[0] ^ 2;
	pt->ll6[9] = pt->mac.addr_bytes[1];
	pt->ll6[10] = pt->mac.addr_bytes[2];
	pt->ll6[11] = 0xff;
	pt->ll6[12] = 0xfe;
	pt->ll6[13] = pt->mac.addr_bytes[3];
	pt->ll6[14] = pt->mac.addr_bytes[4];
	pt->ll6[15] = pt->mac.addr_bytes[5];
	tgw_port_mac64[pt->idx] = 0;
	memcpy(&tgw_port_mac64[pt->idx], &pt->mac, RTE_ETHER_ADDR_LEN);
	/* Multicast for IPv6 ND (solicited-node groups) and broadcast pass the MAC filter. */
	rte_eth_allmulticast_enable(id);
	return 0;
}

int
tgw_port_start(struct tgw_port *pt, char *err, size_t errlen)
{
	int rc = rte_eth_dev_start(pt->port_id);

	if (rc < 0) {
		snprintf(err, errlen, "port %s: start failed: %s", pt->name, rte_strerror(-rc));
		return -1;
	}
	return 0;
}

void
tgw_port_close(struct tgw_port *pt)
{
	rte_eth_dev_stop(pt->port_id);
	rte_eth_dev_close(pt->port_id);
}
