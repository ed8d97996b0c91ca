/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Building the per-worker graphs: TX clones per port, the dynamic edges (local
 * protocol demux, tunnel encap per type, TX per port), rings between the control
 * lcore and the workers, reassembly tables; and the worker loop.
 */
#include "graph.h"

#include <stdio.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_graph.h>
#include <rte_graph_worker.h>
#include <rte_ip_frag.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "esp.h"
#include "ip_common.h"
#include "l2.h"
#include "node_util.h"
#include "udp.h"
#include "tnl.h"

struct tgw_icmp_bucket tgw_icmp_bucket[RTE_MAX_LCORE];

static bool clones_done;
static uint16_t n_graphs;

/* Edges added at start-up, so that adding one twice returns the first index. */
static struct {
	rte_node_t node;
	const char *next;
	uint16_t edge;
} added[512];
static unsigned int n_added;

/* Append one edge to a node (once), returning its index. */
static uint16_t
edge_add(const char *node, const char *next)
{
	rte_node_t id = rte_node_from_name(node);
	const char *nn[1] = {next};
	rte_edge_t n;

	RTE_VERIFY(id != RTE_NODE_ID_INVALID);
	for (unsigned int i = 0; i < n_added; i++)
		if (added[i].node == id && strcmp(added[i].next, next) == 0)
			return added[i].edge;
	n = rte_node_edge_count(id);
	RTE_VERIFY(rte_node_edge_update(id, RTE_EDGE_ID_INVALID, nn, 1) == 1);
	RTE_VERIFY(n_added < RTE_DIM(added));
	added[n_added].node = id;
	added[n_added].next = next;
	added[n_added++].edge = n;
	return n;
}

static char tx_names[TGW_MAX_PORTS][RTE_NODE_NAMESIZE];

static void
edges_setup(void)
{
	for (uint16_t p = 0; p < tgw.n_ports; p++) {
		snprintf(tx_names[p], sizeof(tx_names[p]), TGW_NODE_TX "-%u", p);
		tgw_edges.rewrite4_tx[p] = edge_add(TGW_NODE_IP4_REWRITE, tx_names[p]);
		tgw_edges.rewrite6_tx[p] = edge_add(TGW_NODE_IP6_REWRITE, tx_names[p]);
		tgw_edges.inject_tx[p] = edge_add(TGW_NODE_INJECT, tx_names[p]);
		tgw_edges.ip4_fwd_tx[p] = edge_add(TGW_NODE_IP4_INPUT, tx_names[p]);
		RTE_VERIFY(edge_add(TGW_NODE_IP4_LOOKUP, tx_names[p]) == tgw_edges.ip4_fwd_tx[p]);
		tgw_edges.ip6_fwd_tx[p] = edge_add(TGW_NODE_IP6_INPUT, tx_names[p]);
		RTE_VERIFY(edge_add(TGW_NODE_IP6_LOOKUP, tx_names[p]) == tgw_edges.ip6_fwd_tx[p]);
	}
	for (int i = 0; i < 256; i++) {
		tgw_edges.ip4_local[i] = IP_FWD_LOCAL_PROTO;
		tgw_edges.ip6_local[i] = IP_FWD_LOCAL_PROTO;
	}
	tgw_edges.ip4_local[IPPROTO_ICMP] = edge_add(TGW_NODE_IP4_INPUT, TGW_NODE_ICMP4_LOCAL);
	RTE_VERIFY(edge_add(TGW_NODE_IP4_LOOKUP, TGW_NODE_ICMP4_LOCAL) ==
		   tgw_edges.ip4_local[IPPROTO_ICMP]);
	tgw_edges.ip6_local[IPPROTO_ICMPV6] = edge_add(TGW_NODE_IP6_INPUT, TGW_NODE_ICMP6_LOCAL);
	RTE_VERIFY(edge_add(TGW_NODE_IP6_LOOKUP, TGW_NODE_ICMP6_LOCAL) ==
		   tgw_edges.ip6_local[IPPROTO_ICMPV6]);
	for (int i = 0; i < 256; i++)
		tgw_edges.udp4_decap[i] = tgw_edges.udp6_decap[i] = TGW_UDP_NO_TUNNEL;
	tgw_edges.ip4_local[IPPROTO_UDP] = edge_add(TGW_NODE_IP4_INPUT, TGW_NODE_UDP4_LOCAL);
	RTE_VERIFY(edge_add(TGW_NODE_IP4_LOOKUP, TGW_NODE_UDP4_LOCAL) ==
		   tgw_edges.ip4_local[IPPROTO_UDP]);
	tgw_edges.ip6_local[IPPROTO_UDP] = edge_add(TGW_NODE_IP6_INPUT, TGW_NODE_UDP6_LOCAL);
	RTE_VERIFY(edge_add(TGW_NODE_IP6_LOOKUP, TGW_NODE_UDP6_LOCAL) ==
		   tgw_edges.ip6_local[IPPROTO_UDP]);
	for (unsigned int t = 0; t < tgw_tnl_n_types; t++) {
		const struct tgw_tnl_ops *o = tgw_tnl_types[t];
		const char *in = o->outer == 4 ? TGW_NODE_IP4_INPUT : TGW_NODE_IP6_INPUT;
		const char *lk = o->outer == 4 ? TGW_NODE_IP4_LOOKUP : TGW_NODE_IP6_LOOKUP;
		uint16_t *local = o->outer == 4 ? tgw_edges.ip4_local : tgw_edges.ip6_local;

		for (unsigned int k = 0; k < o->n_decap_protos; k++) {
			uint16_t e = edge_add(in, o->decap_node);

			RTE_VERIFY(edge_add(lk, o->decap_node) == e);
			local[o->decap_protos[k]] = e;
			/* FOU / GUE resubmit their payload as this protocol */
			(o->outer == 4 ? tgw_edges.udp4_decap : tgw_edges.udp6_decap)
				[o->decap_protos[k]] = edge_add(o->outer == 4 ? TGW_NODE_UDP4_LOCAL
									 : TGW_NODE_UDP6_LOCAL,
								o->decap_node);
		}
		for (uint16_t p = 0; p < tgw.n_ports; p++)
			tgw_edges.encap_tx[o->type_id][p] = edge_add(o->encap_node, tx_names[p]);
		tgw_edges.ip4_fwd_encap[o->type_id] = edge_add(TGW_NODE_IP4_INPUT, o->encap_node);
		RTE_VERIFY(edge_add(TGW_NODE_IP4_LOOKUP, o->encap_node) ==
			   tgw_edges.ip4_fwd_encap[o->type_id]);
		tgw_edges.ip6_fwd_encap[o->type_id] = edge_add(TGW_NODE_IP6_INPUT, o->encap_node);
		RTE_VERIFY(edge_add(TGW_NODE_IP6_LOOKUP, o->encap_node) ==
			   tgw_edges.ip6_fwd_encap[o->type_id]);
	}
	/* IPsec: ESP and AH for us go to the SAD whether or not a vti matches (xfrm4_rcv) */
	if (tgw_n_sas) {
		tgw_edges.ip4_local[IPPROTO_ESP] = edge_add(TGW_NODE_IP4_INPUT, TGW_NODE_ESP4_DECAP);
		RTE_VERIFY(edge_add(TGW_NODE_IP4_LOOKUP, TGW_NODE_ESP4_DECAP) ==
			   tgw_edges.ip4_local[IPPROTO_ESP]);
		tgw_edges.ip6_local[IPPROTO_ESP] = edge_add(TGW_NODE_IP6_INPUT, TGW_NODE_ESP6_DECAP);
		RTE_VERIFY(edge_add(TGW_NODE_IP6_LOOKUP, TGW_NODE_ESP6_DECAP) ==
			   tgw_edges.ip6_local[IPPROTO_ESP]);
		/* NAT-T (RFC 3948): ESP in UDP, the UDP header pulled off as FOU's */
		tgw_edges.udp4_decap[IPPROTO_ESP] = edge_add(TGW_NODE_UDP4_LOCAL,
							     TGW_NODE_ESP4_DECAP);
		tgw_edges.udp6_decap[IPPROTO_ESP] = edge_add(TGW_NODE_UDP6_LOCAL,
							     TGW_NODE_ESP6_DECAP);
		tgw_edges.ip4_local[IPPROTO_AH] = edge_add(TGW_NODE_IP4_INPUT, TGW_NODE_AH4_DECAP);
		RTE_VERIFY(edge_add(TGW_NODE_IP4_LOOKUP, TGW_NODE_AH4_DECAP) ==
			   tgw_edges.ip4_local[IPPROTO_AH]);
		tgw_edges.ip6_local[IPPROTO_AH] = edge_add(TGW_NODE_IP6_INPUT, TGW_NODE_AH6_DECAP);
		RTE_VERIFY(edge_add(TGW_NODE_IP6_LOOKUP, TGW_NODE_AH6_DECAP) ==
			   tgw_edges.ip6_local[IPPROTO_AH]);
	}
	/* policy-based IPsec: forwarded packets through the fwd and out policies */
	tgw_edges.ip4_xfrm_pb = edge_add(TGW_NODE_IP4_INPUT, TGW_NODE_XFRM_OUT);
	RTE_VERIFY(edge_add(TGW_NODE_IP4_LOOKUP, TGW_NODE_XFRM_OUT) == tgw_edges.ip4_xfrm_pb);
	tgw_edges.ip6_xfrm_pb = edge_add(TGW_NODE_IP6_INPUT, TGW_NODE_XFRM_OUT);
	RTE_VERIFY(edge_add(TGW_NODE_IP6_LOOKUP, TGW_NODE_XFRM_OUT) == tgw_edges.ip6_xfrm_pb);
	/* bridges: member ports' frames in, members out (a port's TX, an L2 tunnel's encap) */
	tgw_edges.rx_bridge = edge_add(TGW_NODE_RX, TGW_NODE_BRIDGE);
	for (unsigned int b = 0; b < tgw_n_bridges; b++) {
		struct tgw_bridge *br = &tgw_bridges[b];

		for (unsigned int m = 0; m < br->n_members; m++) {
			uint16_t ifx = br->members[m];

			br->edge[m] = ifx < TGW_MAX_PORTS
					      ? edge_add(TGW_NODE_BRIDGE, tx_names[ifx])
					      : edge_add(TGW_NODE_BRIDGE,
							 tgw.tunnels[ifx - TGW_MAX_PORTS].ops->encap_node);
		}
	}
	/* mirrors: copies from a port's RX (ingress) or TX (egress) into the tunnel's encap */
	for (uint16_t p = 0; p < tgw.n_ports; p++) {
		if (tgw.ports[p].mirror[0] >= 0)
			tgw_edges.rx_mirror[p] = edge_add(
				TGW_NODE_RX, tgw.tunnels[tgw.ports[p].mirror[0]].ops->encap_node);
		if (tgw.ports[p].mirror[1] >= 0)
			tgw_edges.tx_mirror[p] = edge_add(
				tx_names[p], tgw.tunnels[tgw.ports[p].mirror[1]].ops->encap_node);
	}
}

/* Edges the fast path reads from the tables: next hop -> forwarding edge, tunnel -> TX. */
static void
edges_of_tables(void)
{
	for (uint32_t i = 0; i < tgw.n_nh; i++) {
		struct tgw_nh *nh = &tgw.nh[i];

		if (nh->kind == TGW_NH_TUNNEL) {
			uint8_t ty = tgw.tunnels[nh->tunnel].ops->type_id;

			nh->fwd_edge[0] = tgw_edges.ip4_fwd_encap[ty];
			nh->fwd_edge[1] = tgw_edges.ip6_fwd_encap[ty];
		} else {
			nh->fwd_edge[0] = nh->fwd_edge[1] = IP_FWD_REWRITE;
		}
	}
	for (uint16_t t = 0; t < tgw.n_tunnels + tgw.n_carriers; t++) {
		struct tgw_tunnel *tn = &tgw.tunnels[t];

		if (tn->nh != TGW_NH_NONE)
			tn->tx_edge = tgw_edges.encap_tx[tn->ops->type_id][tgw.nh[tn->nh].port];
	}
}

static struct rte_ip_frag_tbl *
reasm_table(int socket)
{
	uint64_t cycles = rte_get_tsc_hz() * 30; /* the kernel's ipfrag_time */

	return rte_ip_frag_table_create(1024, 16, 4096, cycles, socket);
}

int
tgw_graph_setup(char *err, size_t errlen)
{
	static const char *patterns[] = {TGW_NODE_RX, TGW_NODE_INJECT};
	rte_node_t tx = rte_node_from_name(TGW_NODE_TX);

	if (!clones_done) {
		for (uint16_t p = 0; p < tgw.n_ports; p++) {
			char name[16];

			snprintf(name, sizeof(name), "%u", p);
			if (rte_node_clone(tx, name) == RTE_NODE_ID_INVALID) {
				snprintf(err, errlen, "cannot clone the TX node: %s",
					 rte_strerror(rte_errno));
				return -1;
			}
		}
		edges_setup();
		clones_done = true;
	}
	edges_of_tables();
	tgw.qs = rte_zmalloc("tgw_qs", rte_rcu_qsbr_get_memsize(tgw.n_workers),
			     RTE_CACHE_LINE_SIZE);
	if (tgw.qs == NULL || rte_rcu_qsbr_init(tgw.qs, tgw.n_workers) < 0) {
		snprintf(err, errlen, "cannot create the RCU state");
		return -1;
	}
	tgw.punt_ring = rte_ring_create("tgw_punt", 4096, SOCKET_ID_ANY, RING_F_SC_DEQ);
	if (tgw.punt_ring == NULL)
		goto ring;
	for (uint16_t w = 0; w < tgw.n_workers; w++) {
		unsigned int lc = tgw.workers[w];
		int socket = rte_lcore_to_socket_id(lc);
		struct rte_graph_param prm = {
			.socket_id = socket,
			.nb_node_patterns = RTE_DIM(patterns),
			.node_patterns = patterns,
		};
		char name[RTE_GRAPH_NAMESIZE];

		snprintf(name, sizeof(name), "tgw_w%u_inject", w);
		tgw.inject_ring[w] = rte_ring_create(name, 1024, socket,
						     RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (tgw.inject_ring[w] == NULL)
			goto ring;
		tgw_reasm4[lc].tbl = reasm_table(socket);
		tgw_reasm6[lc].tbl = reasm_table(socket);
		if (tgw_reasm4[lc].tbl == NULL || tgw_reasm6[lc].tbl == NULL) {
			snprintf(err, errlen, "cannot create the reassembly tables");
			return -1;
		}
		tgw_icmp_bucket[lc].tokens = 50;
		tgw_icmp_bucket[lc].last = rte_rdtsc();
		snprintf(name, sizeof(name), "tgw_w%u", w);
		if (rte_graph_create(name, &prm) == RTE_GRAPH_ID_INVALID) {
			snprintf(err, errlen, "cannot create graph %s: %s", name,
				 rte_strerror(rte_errno));
			return -1;
		}
		n_graphs++;
	}
	return 0;
ring:
	snprintf(err, errlen, "cannot create rings: %s", rte_strerror(rte_errno));
	return -1;
}

int
tgw_graph_export(const char *file)
{
	FILE *f = fopen(file, "w");
	int rc;

	if (f == NULL)
		return -1;
	rc = rte_graph_export("tgw_w0", f);
	fclose(f);
	return rc;
}

/* Per-node calls, objects and cycles of every worker graph (rte_graph stats). */
void
tgw_graph_stats_print(FILE *f)
{
	static const char *patterns[] = {"tgw_w*"};
	struct rte_graph_cluster_stats_param prm = {
		.socket_id = SOCKET_ID_ANY,
		.f = f,
		.nb_graph_patterns = 1,
		.graph_patterns = patterns,
	};
	struct rte_graph_cluster_stats *st = rte_graph_cluster_stats_create(&prm);

	if (st == NULL)
		return;
	rte_graph_cluster_stats_get(st, false);
	rte_graph_cluster_stats_destroy(st);
}

struct rte_graph *
tgw_graph_of(uint16_t w)
{
	char name[RTE_GRAPH_NAMESIZE];

	snprintf(name, sizeof(name), "tgw_w%u", w);
	return rte_graph_lookup(name);
}

/*
 * One walk of a graph: the source nodes, then every pending stream in the order
 * the nodes were scheduled, as rte_graph_walk. rte_graph_walk also reads the TSC
 * twice around every node call (the library's stats are compiled in): that costs
 * some 3 cycles per packet at 64-packet bursts, so it is paid only with stats.
 */
static __rte_always_inline void
graph_walk(struct rte_graph *g, const bool stats)
{
	const rte_graph_off_t *cir = g->cir_start;
	const rte_node_t mask = g->cir_mask;
	uint32_t head = g->head;

	while (likely(head != g->tail)) {
		struct rte_node *node = RTE_PTR_ADD(g, cir[(int32_t)head++]);
		void **objs = node->objs;

		rte_prefetch0(objs);
		if (stats) {
			uint64_t t0 = rte_rdtsc();
			uint16_t rc = node->process(g, node, objs, node->idx);

			node->total_cycles += rte_rdtsc() - t0;
			node->total_calls++;
			node->total_objs += rc;
		} else {
			node->process(g, node, objs, node->idx);
		}
		node->idx = 0;
		/* source nodes sit at negative offsets; pending streams wrap on the mask */
		head = likely((int32_t)head > 0) ? head & mask : head;
	}
	g->tail = 0;
}

bool tgw_graph_node_stats;

static __rte_always_inline void
worker_loop(struct rte_graph *g, uint16_t w, const bool stats)
{
	while (!tgw.quit) {
		graph_walk(g, stats);
		rte_rcu_qsbr_quiescent(tgw.qs, w);
	}
}

/* A worker: walk its graph; between walks it holds no reference into shared tables. */
int
tgw_worker_main(void *arg)
{
	uint16_t w = (uint16_t)(uintptr_t)arg;
	struct rte_graph *g = tgw_graph_of(w);

	rte_rcu_qsbr_thread_register(tgw.qs, w);
	rte_rcu_qsbr_thread_online(tgw.qs, w);
	if (tgw_graph_node_stats)
		worker_loop(g, w, true);
	else
		worker_loop(g, w, false);
	rte_rcu_qsbr_thread_offline(tgw.qs, w);
	rte_rcu_qsbr_thread_unregister(tgw.qs, w);
	return 0;
}

static void
ring_drain(struct rte_ring *r)
{
	void *objs[64];
	unsigned int n;

	while (r && (n = rte_ring_dequeue_burst(r, objs, RTE_DIM(objs), NULL)) > 0)
		rte_pktmbuf_free_bulk((struct rte_mbuf **)objs, n);
}

void
tgw_graph_fini(void)
{
	for (uint16_t w = 0; w < tgw.n_workers; w++) {
		unsigned int lc = tgw.workers[w];
		char name[RTE_GRAPH_NAMESIZE];

		snprintf(name, sizeof(name), "tgw_w%u", w);
		if (w < n_graphs)
			rte_graph_destroy(rte_graph_from_name(name));
		ring_drain(tgw.inject_ring[w]);
		rte_ring_free(tgw.inject_ring[w]);
		tgw.inject_ring[w] = NULL;
		for (int v = 0; v < 2; v++) {
			struct tgw_reasm *r = v ? &tgw_reasm6[lc] : &tgw_reasm4[lc];

			rte_ip_frag_free_death_row(&r->dr, 0);
			if (r->tbl)
				rte_ip_frag_table_destroy(r->tbl);
			r->tbl = NULL;
		}
	}
	n_graphs = 0;
	rte_free(tgw.qs);
	tgw.qs = NULL;
	ring_drain(tgw.punt_ring);
	rte_ring_free(tgw.punt_ring);
	tgw.punt_ring = NULL;
}
