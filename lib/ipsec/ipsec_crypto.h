/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IPsec crypto engine: intel-ipsec-mb in-line on each lcore (one IMB_MGR per
 * lcore, no cryptodev queue hop). Keys are expanded once, on the control path,
 * when an SA is configured; the fast path fills one job per packet and submits
 * the burst.
 */
#ifndef TGW_IPSEC_CRYPTO_H
#define TGW_IPSEC_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <intel-ipsec-mb.h>
#include <rte_common.h>

/* Ciphers (Linux names in ipsec_crypto.c). GMAC (rfc4543) is authentication only. */
enum tgw_enc {
	TGW_ENC_NULL,   /* ecb(cipher_null) */
	TGW_ENC_CBC,    /* cbc(aes) */
	TGW_ENC_CTR,    /* rfc3686(ctr(aes)) */
	TGW_ENC_GCM,    /* rfc4106(gcm(aes)) */
	TGW_ENC_CHACHA, /* rfc7539esp(chacha20,poly1305) */
	TGW_ENC_GMAC,   /* rfc4543(gcm(aes)) */
};

/* Integrity for the non-AEAD ciphers. */
enum tgw_auth {
	TGW_AUTH_NONE,
	TGW_AUTH_SHA1,   /* hmac(sha1) */
	TGW_AUTH_SHA256, /* hmac(sha256) */
	TGW_AUTH_SHA384, /* hmac(sha384) */
	TGW_AUTH_SHA512, /* hmac(sha512) */
};

/* The algorithms of an SA as configured (SPEC §2 xfrm): either aead, or enc + auth. */
struct tgw_sa_algs {
	const char *aead;     /* "rfc4106(gcm(aes))", "rfc7539esp(chacha20,poly1305)",
			       * "rfc4543(gcm(aes))", or NULL */
	const uint8_t *aead_key;
	size_t aead_key_len;  /* with the 4-byte salt at the end */
	int icv_bits;         /* aead ICV; -1: the algorithm's default */
	const char *enc;      /* "cbc(aes)", "aes", "rfc3686(ctr(aes))", "ecb(cipher_null)", NULL */
	const uint8_t *enc_key;
	size_t enc_key_len;
	const char *auth;     /* "hmac(sha1)", "sha1", ... "hmac(sha512)", "sha512", NULL */
	const uint8_t *auth_key;
	size_t auth_key_len;
	int trunc_bits;       /* -1: RFC 2404 / RFC 4868 (sha1 96, sha256 128, 384 192, 512 256) */
	bool esn;             /* extended sequence numbers (RFC 4303 §2.2.1) */
	bool ah;              /* AH: auth (hmac) only; enc and aead must be NULL */
};

/* Expanded key material and the sizes the ESP/AH code needs. Cache-line aligned. */
struct tgw_sa_crypto {
	uint8_t enc;     /* TGW_ENC_* */
	uint8_t auth;    /* TGW_AUTH_* (NONE for AEAD ciphers and GMAC) */
	uint8_t key_len; /* cipher key bytes, without the salt */
	uint8_t iv_len;  /* IV bytes on the wire: CBC 16, CTR/GCM/GMAC/chacha 8, null 0 */
	uint8_t block;   /* ESP payload alignment (RFC 4303 §2.4): CBC 16, otherwise 4 */
	uint8_t icv_len; /* ICV bytes on the wire */
	bool esn;
	uint8_t salt[4]; /* GCM/GMAC/chacha salt, CTR nonce: the last 4 bytes of the key */
	uint8_t iv_salt[8]; /* random per SA: CBC's nonce half (iv_nonce), XORed into seq IVs */
	/* the job template, derived by tgw_sa_crypto_init (engine use) */
	uint8_t job_cipher;  /* IMB_CIPHER_MODE */
	uint8_t job_hash;    /* IMB_HASH_ALG */
	uint8_t job_tag_len; /* bytes the library writes: the full digest for HMAC, else icv_len */
	uint8_t esn_mode;    /* where seq_hi goes (TGW_ESN_*) */
	/* intel-ipsec-mb key schedules, filled once by tgw_sa_crypto_init */
	uint8_t enc_keys[16 * 15] __rte_aligned(16);
	uint8_t dec_keys[16 * 15] __rte_aligned(16);
	uint8_t chacha_key[32] __rte_aligned(16);
	uint8_t ipad[64] __rte_aligned(16); /* HMAC inner/outer states (sha384 writes 64) */
	uint8_t opad[64] __rte_aligned(16);
	struct gcm_key_data gcm __rte_aligned(64);
} __rte_cache_aligned;

/* How the engine authenticates the ESN high bits (RFC 4303 §2.2.1), per SA. */
enum {
	TGW_ESN_NONE, /* no ESN, or no integrity */
	TGW_ESN_ICV,  /* HMAC: seq_hi hashed after the trailer, in the ICV slot */
	TGW_ESN_AAD,  /* GCM, chacha: AAD = SPI || seq_hi || seq_lo in the op's aad[] */
	TGW_ESN_HEAD, /* GMAC: SPI moved to the 4 bytes before esp, seq_hi in its place */
};

/*
 * Control path: check the algorithms and key lengths and expand the keys. Returns 0,
 * or -1 with *field naming the offending member ("aead", "aead.key", "aead.icv_bits",
 * "enc", "enc.key", "auth", "auth.key", "auth.trunc_bits") and a reason in err.
 */
int tgw_sa_crypto_init(struct tgw_sa_crypto *c, const struct tgw_sa_algs *a, const char **field,
		       char *err, size_t errlen);

/* The manager of the calling lcore (created by tgw_crypto_lcore_init), or NULL. */
IMB_MGR *tgw_crypto_mgr(void);
/* Create the managers of the given lcores; call after EAL init. 0, or -1 with err. */
int tgw_crypto_lcore_init(const unsigned int *lcores, unsigned int n, char *err, size_t errlen);
void tgw_crypto_lcore_free(void);

enum {
	TGW_CRYPTO_OK,
	TGW_CRYPTO_AUTH_FAILED, /* decrypt: computed ICV differs from the packet's */
	TGW_CRYPTO_ERROR,       /* the library refused the job */
};

/*
 * One ESP packet for tgw_esp_crypt_burst. The caller lays the packet out contiguously:
 * esp -> SPI, sequence number, IV (iv_len bytes), payload, padding, pad length, next
 * header, then icv_len bytes of ICV (encrypt: room for it, written by the engine;
 * decrypt: the received ICV, compared by the engine in constant time). With ESN the
 * high 32 bits of the sequence number are authenticated (RFC 4303 §2.2.1) but never
 * sent: the engine may use the ICV bytes and the 4 bytes before esp as scratch and
 * restores them.
 */
struct tgw_esp_op {
	const struct tgw_sa_crypto *c;
	uint8_t *esp;
	uint32_t len;    /* ESP header + IV + payload + padding + 2; without the ICV */
	uint32_t seq_hi; /* ESN high bits (used when c->esn) */
	uint8_t status;  /* out: TGW_CRYPTO_* */
	/*
	 * CBC encrypt: the IV field holds a nonce unique under the key (the sequence number
	 * and c->iv_salt); the engine encrypts it in the same CBC pass and sends E_K(nonce)
	 * as the IV (NIST SP 800-38A Appendix C; what Linux's echainiv does). Without it the
	 * IV field is used as given (test vectors).
	 */
	bool iv_nonce;
	/* engine scratch */
	uint8_t iv[16] __rte_aligned(16);
	uint8_t aad[16];
	uint8_t icv[64];
	uint8_t save[8];
};

/* Encrypt and write ICVs, or check ICVs and decrypt, n packets on mgr; all complete
 * (statuses set) on return, and mgr's job queue is empty again. Decrypt writes the
 * plaintext in place even when the ICV does not match (status AUTH_FAILED). */
void tgw_esp_crypt_burst(IMB_MGR *mgr, struct tgw_esp_op *ops, uint16_t n, bool encrypt);

/*
 * One AH ICV computation (RFC 4302 §3.3.3): HMAC over buf[0..len) (the caller zeroed the
 * mutable fields and the ICV field), with ESN seq_hi appended when c->esn; icv_len bytes
 * of the tag go to tag (status TGW_CRYPTO_OK; TGW_CRYPTO_ERROR if the SA has no auth).
 * The engine may use the 4 bytes after buf+len as scratch (restored).
 */
struct tgw_auth_op {
	const struct tgw_sa_crypto *c;
	uint8_t *buf;
	uint32_t len;
	uint32_t seq_hi;
	uint8_t *tag;
	uint8_t status;
	uint8_t scratch[64];
	uint8_t save[4]; /* engine scratch: the 4 bytes after buf+len (ESN) */
};

void tgw_auth_burst(IMB_MGR *mgr, struct tgw_auth_op *ops, uint16_t n);

#endif
