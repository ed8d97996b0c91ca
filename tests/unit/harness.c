/* SPDX-License-Identifier: BSD-3-Clause */
#include "harness.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include <rte_bus_vdev.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_graph_worker.h>
#include <rte_lcore.h>
#include <rte_mempool.h>

#include "config.h"
#include "ctl.h"
#include "graph.h"
#include "route.h"
#include "runtime.h"
#include "stats.h"

/* ---- cases ---- */

static char why_buf[512];
static bool case_failed;
static unsigned int n_pass, n_fail;

void
h_fail(const char *fmt, ...)
{
	va_list ap;

	if (case_failed)
		return;
	case_failed = true;
	va_start(ap, fmt);
	vsnprintf(why_buf, sizeof(why_buf), fmt, ap);
	va_end(ap);
	/* one line per case */
	for (char *p = why_buf; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
}

bool
h_failed(void)
{
	return case_failed;
}

void
h_case(const char *name, void (*fn)(void))
{
	case_failed = false;
	why_buf[0] = 0;
	fn();
	if (case_failed) {
		printf("FAIL %s: %s\n", name, why_buf);
		n_fail++;
	} else {
		printf("PASS %s\n", name);
		n_pass++;
	}
	fflush(stdout);
}

void
h_case_isolated(const char *name, void (*fn)(void))
{
	pid_t pid;
	int st;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		h_case(name, fn);
		return;
	}
	if (pid == 0) {
		case_failed = false;
		why_buf[0] = 0;
		fn();
		if (case_failed)
			printf("FAIL %s: %s\n", name, why_buf);
		else
			printf("PASS %s\n", name);
		fflush(stdout);
		_exit(case_failed ? 3 : 0); /* 1 is the sanitizers' exit status */
	}
	while (waitpid(pid, &st, 0) < 0)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
		n_pass++;
	} else if (WIFEXITED(st) && WEXITSTATUS(st) == 3) {
		n_fail++;
	} else {
		if (WIFSIGNALED(st))
			printf("FAIL %s: crashed (%s)\n", name, strsignal(WTERMSIG(st)));
		else
			printf("FAIL %s: crashed (exit status %d)\n", name, WEXITSTATUS(st));
		fflush(stdout);
		n_fail++;
	}
}

int
h_done(void)
{
	fprintf(stderr, "%u passed, %u failed\n", n_pass, n_fail);
	return n_fail ? 1 : 0;
}

/* ---- EAL ---- */

int
h_eal_init(void)
{
	static int done;
	char prefix[64];

	if (done)
		return done > 0 ? 0 : -1;
	snprintf(prefix, sizeof(prefix), "tgw_unit_%d", (int)getpid());
	char *argv[] = {
		"tgw_unit",	 "--no-huge", "-m", "512", "--no-shconf",	    "--no-pci",
		"--file-prefix", prefix,      "-l", "0-1", "--log-level=*:warning", NULL};
	int argc = RTE_DIM(argv) - 1;

	if (rte_eal_init(argc, argv) < 0) {
		fprintf(stderr, "EAL init failed: %s\n", rte_strerror(rte_errno));
		done = -1;
		return -1;
	}
	done = 1;
	return 0;
}

/* ---- gateways ---- */

/* Mempools survive from one gateway to the next: tgw_config_free clears the pointers. */
static struct rte_mempool *saved_pool, *saved_indirect;
static unsigned int gw_seq;

static char *
subst_ports(const struct h_gw *g, const char *json)
{
	size_t cap = strlen(json) + 1 + g->n_ports * 4 * RTE_ETH_NAME_MAX_LEN;
	char *out = malloc(cap), *o = out;

	if (out == NULL)
		return NULL;
	for (const char *s = json; *s;) {
		if (s[0] == '$' && s[1] == 'P' && s[2] >= '0' && s[2] < '0' + H_MAX_PORTS) {
			unsigned int p = s[2] - '0';
			const char *d = p < g->n_ports ? g->dev[p] : "no_such_ring_port";
			size_t l = strlen(d);

			if ((size_t)(o - out) + l + 1 >= cap)
				break;
			memcpy(o, d, l);
			o += l;
			s += 3;
			continue;
		}
		if ((size_t)(o - out) + 2 >= cap)
			break;
		*o++ = *s++;
	}
	*o = 0;
	return out;
}

static void
rings_free(struct h_gw *g)
{
	for (unsigned int p = 0; p < g->n_ports; p++) {
		rte_ring_free(g->rx[p]);
		rte_ring_free(g->tx[p]);
		g->rx[p] = g->tx[p] = NULL;
	}
}

int
h_gw_start(struct h_gw *g, unsigned int n_ports, const char *json)
{
	char err[512], name[RTE_RING_NAMESIZE], *text;
	unsigned int seq = gw_seq++;
	int rc;

	memset(g, 0, sizeof(*g));
	if (h_eal_init() < 0) {
		h_fail("EAL init failed");
		return -1;
	}
	if (n_ports > H_MAX_PORTS) {
		h_fail("at most %d ports", H_MAX_PORTS);
		return -1;
	}
	g->n_ports = n_ports;
	for (unsigned int p = 0; p < n_ports; p++) {
		char pname[32];

		snprintf(name, sizeof(name), "hrx%u_%u", seq, p);
		g->rx[p] = rte_ring_create(name, H_RING_SIZE, rte_socket_id(),
					   RING_F_SP_ENQ | RING_F_SC_DEQ);
		snprintf(name, sizeof(name), "htx%u_%u", seq, p);
		g->tx[p] = rte_ring_create(name, H_RING_SIZE, rte_socket_id(),
					   RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (g->rx[p] == NULL || g->tx[p] == NULL) {
			h_fail("cannot create rings: %s", rte_strerror(rte_errno));
			rings_free(g);
			return -1;
		}
		snprintf(pname, sizeof(pname), "u%u_%u", seq, p);
		rc = rte_eth_from_rings(pname, &g->rx[p], 1, &g->tx[p], 1, rte_socket_id());
		if (rc < 0) {
			h_fail("rte_eth_from_rings(%s): %s", pname, rte_strerror(rte_errno));
			rings_free(g);
			return -1;
		}
		g->port_id[p] = rc;
		rte_eth_dev_get_name_by_port(g->port_id[p], g->dev[p]);
	}
	text = subst_ports(g, json);
	if (text == NULL) {
		h_fail("out of memory");
		return -1;
	}
	rc = tgw_config_load_text("unit.json", text, err, sizeof(err));
	free(text);
	if (rc < 0) {
		h_fail("config: %s", err);
		goto fail;
	}
	if (tgw.pool == NULL)
		tgw.pool = saved_pool;
	if (tgw.indirect_pool == NULL)
		tgw.indirect_pool = saved_indirect;
	g->in_use0 = (tgw.pool ? rte_mempool_in_use_count(tgw.pool) : 0) +
		     (tgw.indirect_pool ? rte_mempool_in_use_count(tgw.indirect_pool) : 0);
	rc = tgw_runtime_init(err, sizeof(err));
	saved_pool = tgw.pool;
	saved_indirect = tgw.indirect_pool;
	if (rc == 0)
		rc = tgw_runtime_start(err, sizeof(err));
	if (rc < 0) {
		h_fail("runtime: %s", err);
		g->up = true;
		h_gw_stop(g);
		return -1;
	}
	g->up = true;
	return 0;
fail:
	for (unsigned int p = 0; p < g->n_ports; p++)
		rte_vdev_uninit(g->dev[p]);
	rings_free(g);
	tgw_config_free();
	return -1;
}

static void
ring_free_all(struct rte_ring *r)
{
	void *objs[64];
	unsigned int n;

	while (r && (n = rte_ring_dequeue_burst(r, objs, RTE_DIM(objs), NULL)) > 0)
		rte_pktmbuf_free_bulk((struct rte_mbuf **)objs, n);
}

unsigned int
h_gw_stop(struct h_gw *g)
{
	unsigned int in_use;

	if (!g->up)
		return 0;
	for (unsigned int p = 0; p < g->n_ports; p++) {
		ring_free_all(g->rx[p]);
		ring_free_all(g->tx[p]);
	}
	in_use = tgw_runtime_fini();
	in_use = in_use > g->in_use0 ? in_use - g->in_use0 : 0;
	tgw_route_fini();
	for (unsigned int p = 0; p < g->n_ports; p++)
		rte_vdev_uninit(g->dev[p]);
	rings_free(g);
	tgw_config_free();
	g->up = false;
	return in_use;
}

/* ---- packets ---- */

struct rte_mbuf *
h_mbuf(const struct h_gw *g, unsigned int p, const void *bytes, size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(tgw.pool);
	void *d;

	if (m == NULL)
		return NULL;
	d = rte_pktmbuf_append(m, len);
	if (d == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memcpy(d, bytes, len);
	/* what a PMD sets on receive (net_ring does not) */
	m->port = g->port_id[p];
	return m;
}

unsigned int
h_push(struct h_gw *g, unsigned int p, struct rte_mbuf **m, unsigned int n)
{
	unsigned int k = rte_ring_enqueue_burst(g->rx[p], (void **)m, n, NULL);

	if (k < n)
		rte_pktmbuf_free_bulk(&m[k], n - k);
	return k;
}

static bool
rx_empty(const struct h_gw *g)
{
	for (unsigned int p = 0; p < g->n_ports; p++)
		if (rte_ring_count(g->rx[p]))
			return false;
	return true;
}

void
h_run(struct h_gw *g)
{
	struct rte_graph *graph = tgw_graph_of(0);
	unsigned int extra = 0;

	if (graph == NULL) {
		h_fail("no graph tgw_w0");
		return;
	}
	/* the RX node polls one port per walk: keep walking until every ring is empty,
	 * then once more per port for what the control path injected */
	for (int i = 0; i < 10000 && extra < 2 * g->n_ports + 2; i++) {
		rte_graph_walk(graph);
		tgw_ctl_poll();
		if (rx_empty(g))
			extra++;
	}
}

unsigned int
h_pop(struct h_gw *g, unsigned int p, struct rte_mbuf **m, unsigned int max)
{
	return rte_ring_dequeue_burst(g->tx[p], (void **)m, max, NULL);
}

unsigned int
h_drain(struct h_gw *g)
{
	struct rte_mbuf *m[64];
	unsigned int n, total = 0;

	for (unsigned int p = 0; p < g->n_ports; p++)
		while ((n = h_pop(g, p, m, RTE_DIM(m))) > 0) {
			rte_pktmbuf_free_bulk(m, n);
			total += n;
		}
	return total;
}

unsigned int
h_in_use(void)
{
	return tgw.pool ? rte_mempool_in_use_count(tgw.pool) : 0;
}

int
h_cmp(const struct rte_mbuf *m, const uint8_t *exp, size_t len, const uint8_t *mask, char *why,
      size_t whylen)
{
	const uint8_t *d = rte_pktmbuf_mtod(m, const uint8_t *);

	if (m->nb_segs != 1) {
		snprintf(why, whylen, "%u segments", m->nb_segs);
		return -1;
	}
	if (m->pkt_len != len || m->data_len != len) {
		snprintf(why, whylen, "length %u (data_len %u), expected %zu", m->pkt_len,
			 m->data_len, len);
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		uint8_t k = mask ? (uint8_t)~mask[i] : 0xff;

		if ((d[i] & k) != (exp[i] & k)) {
			snprintf(why, whylen, "byte %zu is 0x%02x, expected 0x%02x", i, d[i],
				 exp[i]);
			return -1;
		}
	}
	return 0;
}

/* ---- counters ---- */

void
h_drops_snap(struct h_drops *d)
{
	for (unsigned int r = 0; r < TGW_DROP_MAX; r++)
		d->v[r] = tgw_stats_drop(r);
}

int
h_drops_check(const struct h_drops *before, const int *want, char *why, size_t whylen)
{
	for (unsigned int r = 0; r < TGW_DROP_MAX; r++) {
		uint64_t delta = tgw_stats_drop(r) - before->v[r], exp = 0;

		for (const int *w = want; w && w[0] >= 0; w += 2)
			if ((unsigned int)w[0] == r)
				exp += w[1];
		if (delta != exp) {
			snprintf(why, whylen, "drops.%s moved by %" PRIu64 ", expected %" PRIu64,
				 tgw_drop_names[r], delta, exp);
			return -1;
		}
	}
	return 0;
}

const char *
h_drops_diff(const struct h_drops *before, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = 0;
	for (unsigned int r = 0; r < TGW_DROP_MAX && o < len; r++) {
		uint64_t delta = tgw_stats_drop(r) - before->v[r];

		if (delta)
			o += snprintf(buf + o, len - o, "%s%s +%" PRIu64, o ? ", " : "",
				      tgw_drop_names[r], delta);
	}
	if (buf[0] == 0)
		snprintf(buf, len, "none");
	return buf;
}
