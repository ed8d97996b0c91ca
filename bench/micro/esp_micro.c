/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IPsec engine alone: TSC cycles per ESP packet of tgw_esp_crypt_burst (bursts of
 * 64, in place, the same 64 buffers each time so the data stays in cache) by algorithm
 * and payload size, minimum over repeats. What the pipeline adds is the rest of
 * `make bench`'s figure; what crypto-perf adds over this is its cryptodev layer.
 *
 *   build/bench/micro/esp_micro --no-huge -m 256 --no-shconf --no-pci -l 0 [-- reps]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_lcore.h>

#include "ipsec_crypto.h"

#define BURST 64
#define MAXLEN 2048

static const struct {
	const char *name, *aead, *enc, *auth;
	size_t key_len, akey_len;
} algs[] = {
	{"aes-gcm-128", "rfc4106(gcm(aes))", NULL, NULL, 20, 0},
	{"aes-gcm-256", "rfc4106(gcm(aes))", NULL, NULL, 36, 0},
	{"cbc-sha1", NULL, "cbc(aes)", "hmac(sha1)", 16, 20},
	{"cbc-sha256", NULL, "cbc(aes)", "hmac(sha256)", 16, 32},
	{"chacha20-poly1305", "rfc7539esp(chacha20,poly1305)", NULL, NULL, 36, 0},
};

static uint8_t bufs[BURST][MAXLEN + 128] __rte_cache_aligned;

int
main(int argc, char **argv)
{
	static const unsigned int sizes[] = {64, 512, 1400};
	static uint8_t key[64], akey[64];
	struct tgw_esp_op ops[BURST];
	unsigned int lc, reps = 200;
	char err[256];
	int n = rte_eal_init(argc, argv);

	if (n < 0)
		return 1;
	if (argc - n > 1)
		reps = (unsigned int)atoi(argv[n + 1]);
	lc = rte_lcore_id();
	if (tgw_crypto_lcore_init(&lc, 1, err, sizeof(err)) < 0) {
		fprintf(stderr, "esp_micro: %s\n", err);
		return 1;
	}
	memset(key, 0x5a, sizeof(key));
	memset(akey, 0xa5, sizeof(akey));
	printf("%-18s %6s %9s %9s\n", "algorithm", "inner", "enc cyc", "dec cyc");
	for (unsigned int a = 0; a < RTE_DIM(algs); a++) {
		static struct tgw_sa_crypto c;
		struct tgw_sa_algs sa = {.aead = algs[a].aead, .enc = algs[a].enc,
					 .auth = algs[a].auth, .icv_bits = -1, .trunc_bits = -1};
		const char *field;

		if (algs[a].aead) {
			sa.aead_key = key;
			sa.aead_key_len = algs[a].key_len;
		} else {
			sa.enc_key = key;
			sa.enc_key_len = algs[a].key_len;
			sa.auth_key = akey;
			sa.auth_key_len = algs[a].akey_len;
		}
		if (tgw_sa_crypto_init(&c, &sa, &field, err, sizeof(err)) < 0) {
			fprintf(stderr, "esp_micro: %s: %s: %s\n", algs[a].name, field, err);
			return 1;
		}
		for (unsigned int s = 0; s < RTE_DIM(sizes); s++) {
			/* the inner packet of a frame of this size, as the pipeline's */
			uint32_t inner = sizes[s] - 14, hdr = 8 + c.iv_len;
			uint32_t pad = (c.block - ((inner + 2) & (c.block - 1))) & (c.block - 1);
			uint64_t best[2] = {UINT64_MAX, UINT64_MAX};

			for (unsigned int r = 0; r < reps; r++)
				for (int dir = 0; dir < 2; dir++) {
					uint64_t t0, dt;

					for (unsigned int i = 0; i < BURST; i++) {
						uint8_t *e = bufs[i] + 64;

						if (dir == 0)
							memset(e + hdr, i, inner + pad + 2);
						ops[i] = (struct tgw_esp_op){
							.c = &c, .esp = e, .len = hdr + inner + pad + 2,
							.iv_nonce = true};
					}
					t0 = rte_rdtsc_precise();
					tgw_esp_crypt_burst(tgw_crypto_mgr(), ops, BURST, dir == 0);
					dt = rte_rdtsc_precise() - t0;
					for (unsigned int i = 0; i < BURST; i++)
						if (ops[i].status != TGW_CRYPTO_OK) {
							fprintf(stderr, "esp_micro: %s: status %u\n",
								algs[a].name, ops[i].status);
							return 1;
						}
					if (dt < best[dir])
						best[dir] = dt;
				}
			printf("%-18s %6u %9.1f %9.1f\n", algs[a].name, inner,
			       (double)best[0] / BURST, (double)best[1] / BURST);
		}
	}
	tgw_crypto_lcore_free();
	return 0;
}
