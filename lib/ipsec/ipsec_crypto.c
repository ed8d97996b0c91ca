/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IPsec crypto engine on intel-ipsec-mb 1.3: SA key set-up (control path) and the
 * ESP/AH burst functions (fast path). Facts about the library that shape the code:
 * - CBC and HMAC jobs sit in multi-buffer lanes until the lanes fill or are flushed, so
 *   every burst is submitted and then flushed until each job has a status.
 * - The library never compares ICVs: on decrypt it writes the computed tag, and the
 *   engine compares it with the received one in constant time.
 * - Chained decrypt must be ordered hash then cipher, or the tag is silently computed
 *   over the plaintext; job->dst is not offset by the cipher offset.
 * - gcm_key_data's layout depends on the code path the manager picked, so keys are
 *   expanded on a control manager initialised like the workers' (init_mb_mgr_auto).
 */
#include "ipsec_crypto.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include <rte_byteorder.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

/* Jobs per submit: the library takes at most IMB_MAX_BURST_SIZE. */
#define CRYPTO_BURST 64u
static_assert(CRYPTO_BURST <= IMB_MAX_BURST_SIZE, "burst larger than the library's");
static_assert(IMB_AUTH_NUM <= 256 && IMB_CIPHER_NUM <= 256, "job template fields are bytes");

/* Set in job->user_data2 of a job the library refused, after it was made a no-op. */
#define JOB_REFUSED ((void *)1)

/* Per-lcore managers (tgw_crypto_lcore_init) and the control manager for key set-up. */
static IMB_MGR *lcore_mgr[RTE_MAX_LCORE];
static IMB_MGR *ctl_mgr;

/* ---- control path ---- */

static IMB_MGR *
ctl_get(char *err, size_t errlen)
{
	IMB_ARCH arch;
	IMB_MGR *m;
	int e;

	if (ctl_mgr != NULL)
		return ctl_mgr;
	/* may run before EAL init (config parsing): libc memory, kept for the process */
	m = alloc_mb_mgr(0);
	if (m == NULL) {
		snprintf(err, errlen, "intel-ipsec-mb: cannot allocate a manager");
		return NULL;
	}
	init_mb_mgr_auto(m, &arch);
	e = imb_get_errno(m);
	if (e != 0 || ((m->features & IMB_FEATURE_SELF_TEST) &&
		       !(m->features & IMB_FEATURE_SELF_TEST_PASS))) {
		snprintf(err, errlen, "intel-ipsec-mb: manager init failed: %s",
			 e != 0 ? imb_get_strerror(e) : "self-test failed");
		free_mb_mgr(m);
		return NULL;
	}
	ctl_mgr = m;
	return m;
}

struct alg_name {
	const char *name;
	const char *alias; /* iproute2 short name, or NULL */
	uint8_t id;
};

static const struct alg_name aead_names[] = {
	{"rfc4106(gcm(aes))", NULL, TGW_ENC_GCM},
	{"rfc4543(gcm(aes))", NULL, TGW_ENC_GMAC},
	{"rfc7539esp(chacha20,poly1305)", NULL, TGW_ENC_CHACHA},
};
static const struct alg_name enc_names[] = {
	{"cbc(aes)", "aes", TGW_ENC_CBC},
	{"rfc3686(ctr(aes))", NULL, TGW_ENC_CTR},
	{"ecb(cipher_null)", "cipher_null", TGW_ENC_NULL},
};
static const struct alg_name auth_names[] = {
	{"hmac(sha1)", "sha1", TGW_AUTH_SHA1},
	{"hmac(sha256)", "sha256", TGW_AUTH_SHA256},
	{"hmac(sha384)", "sha384", TGW_AUTH_SHA384},
	{"hmac(sha512)", "sha512", TGW_AUTH_SHA512},
};

#define AEAD_LIST "rfc4106(gcm(aes)), rfc4543(gcm(aes)), rfc7539esp(chacha20,poly1305)"
#define ENC_LIST "cbc(aes) (aes), rfc3686(ctr(aes)), ecb(cipher_null) (cipher_null)"
#define AUTH_LIST                                                                                  \
	"hmac(sha1) (sha1), hmac(sha256) (sha256), hmac(sha384) (sha384), hmac(sha512) (sha512)"

static int
alg_find(const struct alg_name *t, unsigned int n, const char *name)
{
	for (unsigned int i = 0; i < n; i++)
		if (strcmp(name, t[i].name) == 0 || (t[i].alias && strcmp(name, t[i].alias) == 0))
			return t[i].id;
	return -1;
}

/* Digest and block sizes of the HMAC hashes, by TGW_AUTH_*. */
static const uint8_t auth_digest[] = {0, 20, 32, 48, 64};
static const uint8_t auth_block[] = {0, 64, 64, 128, 128};
/* RFC 2404 §2 (sha1 96), RFC 4868 §2.3 (sha2: half the digest) */
static const uint8_t auth_trunc_default[] = {0, 12, 16, 24, 32};
static const uint8_t auth_job_hash[] = {IMB_AUTH_NULL, IMB_AUTH_HMAC_SHA_1, IMB_AUTH_HMAC_SHA_256,
					IMB_AUTH_HMAC_SHA_384, IMB_AUTH_HMAC_SHA_512};

/* RFC 2104 §2: the inner and outer hash states after one block of (key ^ ipad / opad). */
static void
hmac_pads(IMB_MGR *m, unsigned int auth, const uint8_t *key, size_t len, uint8_t *ipad,
	  uint8_t *opad)
{
	uint8_t k[128], blk[128];
	size_t bs = auth_block[auth];

	memset(k, 0, sizeof(k));
	if (len > bs) {
		/* keys longer than a block are hashed first */
		switch (auth) {
		case TGW_AUTH_SHA1:
			IMB_SHA1(m, key, len, k);
			break;
		case TGW_AUTH_SHA256:
			IMB_SHA256(m, key, len, k);
			break;
		case TGW_AUTH_SHA384:
			IMB_SHA384(m, key, len, k);
			break;
		default:
			IMB_SHA512(m, key, len, k);
			break;
		}
	} else if (len > 0) {
		memcpy(k, key, len);
	}
	for (int pass = 0; pass < 2; pass++) {
		uint8_t x = pass == 0 ? 0x36 : 0x5c;
		uint8_t *out = pass == 0 ? ipad : opad;

		for (size_t i = 0; i < bs; i++)
			blk[i] = k[i] ^ x;
		/* the raw state in the layout the job wants (sha384 writes 64 bytes) */
		switch (auth) {
		case TGW_AUTH_SHA1:
			IMB_SHA1_ONE_BLOCK(m, blk, out);
			break;
		case TGW_AUTH_SHA256:
			IMB_SHA256_ONE_BLOCK(m, blk, out);
			break;
		case TGW_AUTH_SHA384:
			IMB_SHA384_ONE_BLOCK(m, blk, out);
			break;
		default:
			IMB_SHA512_ONE_BLOCK(m, blk, out);
			break;
		}
	}
	explicit_bzero(k, sizeof(k));
	explicit_bzero(blk, sizeof(blk));
}

static void
aes_expand(IMB_MGR *m, struct tgw_sa_crypto *c, const uint8_t *key)
{
	if (c->key_len == 16)
		IMB_AES_KEYEXP_128(m, key, c->enc_keys, c->dec_keys);
	else if (c->key_len == 24)
		IMB_AES_KEYEXP_192(m, key, c->enc_keys, c->dec_keys);
	else
		IMB_AES_KEYEXP_256(m, key, c->enc_keys, c->dec_keys);
}

static void
gcm_expand(IMB_MGR *m, struct tgw_sa_crypto *c, const uint8_t *key)
{
	if (c->key_len == 16)
		IMB_AES128_GCM_PRE(m, key, &c->gcm);
	else if (c->key_len == 24)
		IMB_AES192_GCM_PRE(m, key, &c->gcm);
	else
		IMB_AES256_GCM_PRE(m, key, &c->gcm);
}

#define FAIL(f, ...)                                                                               \
	do {                                                                                       \
		*field = (f);                                                                      \
		snprintf(err, errlen, __VA_ARGS__);                                                \
		goto fail;                                                                         \
	} while (0)

int
tgw_sa_crypto_init(struct tgw_sa_crypto *c, const struct tgw_sa_algs *a, const char **field,
		   char *err, size_t errlen)
{
	const uint8_t *ckey = NULL; /* cipher key with its salt, if any */
	size_t ckey_len = 0;
	int enc = TGW_ENC_NULL, auth = TGW_AUTH_NONE;
	IMB_MGR *m;

	*field = NULL;
	memset(c, 0, sizeof(*c));

	if (a->ah) {
		if (a->aead != NULL)
			FAIL("aead", "AH takes auth only, not aead '%s'", a->aead);
		if (a->enc != NULL)
			FAIL("enc", "AH takes auth only, not enc '%s'", a->enc);
		if (a->auth == NULL)
			FAIL("auth", "AH needs auth (supported: " AUTH_LIST ")");
	}

	if (a->aead != NULL) {
		enc = alg_find(aead_names, RTE_DIM(aead_names), a->aead);
		if (enc < 0)
			FAIL("aead", "unsupported aead '%s' (supported: " AEAD_LIST ")", a->aead);
		if (a->enc != NULL)
			FAIL("enc",
			     "enc '%s' given with aead '%s': an aead takes neither enc nor auth",
			     a->enc, a->aead);
		if (a->auth != NULL)
			FAIL("auth",
			     "auth '%s' given with aead '%s': an aead takes neither enc nor auth",
			     a->auth, a->aead);
		ckey = a->aead_key;
		ckey_len = a->aead_key_len;
		if (enc == TGW_ENC_CHACHA) {
			/* RFC 7634 §2: 256-bit key + 32-bit salt */
			if (ckey_len != 36)
				FAIL("aead.key",
				     "%s takes 36 bytes (32-byte key + 4-byte salt), got %zu",
				     a->aead, ckey_len);
		} else if (ckey_len != 20 && ckey_len != 28 && ckey_len != 36) {
			/* RFC 4106 §8.1, RFC 4543 §4: AES key + 4-byte salt */
			FAIL("aead.key",
			     "%s takes 20, 28 or 36 bytes (AES-128/192/256 key + 4-byte salt), "
			     "got %zu",
			     a->aead, ckey_len);
		}
		if (a->icv_bits >= 0) {
			if (enc == TGW_ENC_GCM) {
				/* RFC 4106 §6: 8, 12 or 16 octets */
				if (a->icv_bits != 64 && a->icv_bits != 96 && a->icv_bits != 128)
					FAIL("aead.icv_bits",
					     "%s ICV is 64, 96 or 128 bits, got %d", a->aead,
					     a->icv_bits);
			} else if (a->icv_bits != 128) {
				/* RFC 7634 §2, RFC 4543 §3: 16 octets only */
				FAIL("aead.icv_bits", "%s ICV is 128 bits only, got %d", a->aead,
				     a->icv_bits);
			}
			c->icv_len = a->icv_bits / 8;
		} else {
			c->icv_len = 16;
		}
	} else if (a->enc != NULL) {
		enc = alg_find(enc_names, RTE_DIM(enc_names), a->enc);
		if (enc < 0) {
			if (alg_find(aead_names, RTE_DIM(aead_names), a->enc) >= 0)
				FAIL("enc", "'%s' is an aead algorithm: give it as aead", a->enc);
			FAIL("enc", "unsupported enc '%s' (supported: " ENC_LIST ")", a->enc);
		}
		ckey = a->enc_key;
		ckey_len = a->enc_key_len;
		if (enc == TGW_ENC_NULL && ckey_len != 0)
			FAIL("enc.key", "%s takes no key, got %zu bytes", a->enc, ckey_len);
		if (enc == TGW_ENC_CBC && ckey_len != 16 && ckey_len != 24 && ckey_len != 32)
			FAIL("enc.key", "%s takes 16, 24 or 32 bytes, got %zu", a->enc, ckey_len);
		/* RFC 3686 §5.1: AES key + 4-byte nonce */
		if (enc == TGW_ENC_CTR && ckey_len != 20 && ckey_len != 28 && ckey_len != 36)
			FAIL("enc.key",
			     "%s takes 20, 28 or 36 bytes (AES-128/192/256 key + 4-byte nonce), "
			     "got %zu",
			     a->enc, ckey_len);
	} else if (!a->ah) {
		FAIL("enc",
		     "ESP needs enc or aead (supported enc: " ENC_LIST "; aead: " AEAD_LIST ")");
	}
	if (ckey_len > 0 && ckey == NULL)
		FAIL(a->aead != NULL ? "aead.key" : "enc.key", "key missing");

	if (a->auth != NULL) {
		auth = alg_find(auth_names, RTE_DIM(auth_names), a->auth);
		if (auth < 0)
			FAIL("auth", "unsupported auth '%s' (supported: " AUTH_LIST ")", a->auth);
		if (a->auth_key_len == 0 || a->auth_key == NULL)
			FAIL("auth.key", "%s needs a key", a->auth);
		if (a->trunc_bits >= 0) {
			/* as Linux (xfrm: no longer than the digest), at least 64 bits */
			if (a->trunc_bits < 64 || a->trunc_bits > auth_digest[auth] * 8 ||
			    a->trunc_bits % 8 != 0)
				FAIL("auth.trunc_bits",
				     "%s truncation is a multiple of 8 from 64 to %u bits, got %d",
				     a->auth, auth_digest[auth] * 8, a->trunc_bits);
			c->icv_len = a->trunc_bits / 8;
		} else {
			c->icv_len = auth_trunc_default[auth];
		}
	}

	m = ctl_get(err, errlen);
	if (m == NULL) {
		*field = a->aead != NULL ? "aead" : a->enc != NULL ? "enc" : "auth";
		goto fail;
	}

	c->enc = enc;
	c->auth = auth;
	c->esn = a->esn;
	c->block = 4; /* RFC 4303 §2.4: 32-bit alignment */
	c->job_hash = auth_job_hash[auth];
	c->job_tag_len = auth != TGW_AUTH_NONE ? auth_digest[auth] : c->icv_len;
	c->esn_mode = auth != TGW_AUTH_NONE && a->esn ? TGW_ESN_ICV : TGW_ESN_NONE;
	switch (enc) {
	case TGW_ENC_NULL:
		c->job_cipher = IMB_CIPHER_NULL;
		break;
	case TGW_ENC_CBC:
		/* RFC 3602 §2.4: the IV is one block; §2.3: the payload a multiple of it */
		c->job_cipher = IMB_CIPHER_CBC;
		c->key_len = ckey_len;
		c->iv_len = 16;
		c->block = 16;
		aes_expand(m, c, ckey);
		break;
	case TGW_ENC_CTR:
		/* RFC 3686 §3.1: 8-byte IV; the nonce is the last 4 bytes of the key */
		c->job_cipher = IMB_CIPHER_CNTR;
		c->key_len = ckey_len - 4;
		c->iv_len = 8;
		memcpy(c->salt, ckey + c->key_len, 4);
		aes_expand(m, c, ckey);
		break;
	case TGW_ENC_GCM:
		/* RFC 4106 §3.1: 8-byte IV; §8.1 salt */
		c->job_cipher = IMB_CIPHER_GCM;
		c->job_hash = IMB_AUTH_AES_GMAC;
		c->key_len = ckey_len - 4;
		c->iv_len = 8;
		memcpy(c->salt, ckey + c->key_len, 4);
		gcm_expand(m, c, ckey);
		break;
	case TGW_ENC_GMAC:
		/* RFC 4543 §3.1: 8-byte IV, no encryption */
		c->job_cipher = IMB_CIPHER_NULL;
		c->key_len = ckey_len - 4;
		c->job_hash = c->key_len == 16	 ? IMB_AUTH_AES_GMAC_128
			      : c->key_len == 24 ? IMB_AUTH_AES_GMAC_192
						 : IMB_AUTH_AES_GMAC_256;
		c->iv_len = 8;
		memcpy(c->salt, ckey + c->key_len, 4);
		gcm_expand(m, c, ckey);
		break;
	case TGW_ENC_CHACHA:
		/* RFC 7634 §2: 8-byte IV */
		c->job_cipher = IMB_CIPHER_CHACHA20_POLY1305;
		c->job_hash = IMB_AUTH_CHACHA20_POLY1305;
		c->key_len = 32;
		c->iv_len = 8;
		memcpy(c->chacha_key, ckey, 32);
		memcpy(c->salt, ckey + 32, 4);
		break;
	}
	/* Random per SA: CBC's nonce half (esp_fill's iv_nonce), XORed into the counter
	 * modes' sequence-number IVs (ESP's encapsulation) */
	if (c->iv_len && getrandom(c->iv_salt, sizeof(c->iv_salt), 0) != sizeof(c->iv_salt)) {
		snprintf(err, errlen, "no random bytes for the IV salt: %s", strerror(errno));
		*field = a->aead != NULL ? "aead" : "enc";
		goto fail;
	}
	if (enc == TGW_ENC_GCM || enc == TGW_ENC_CHACHA || enc == TGW_ENC_GMAC)
		c->esn_mode =
			a->esn ? (enc == TGW_ENC_GMAC ? TGW_ESN_HEAD : TGW_ESN_AAD) : TGW_ESN_NONE;
	if (auth != TGW_AUTH_NONE)
		hmac_pads(m, auth, a->auth_key, a->auth_key_len, c->ipad, c->opad);
	return 0;
fail:
	memset(c, 0, sizeof(*c));
	return -1;
}

IMB_MGR *
tgw_crypto_mgr(void)
{
	unsigned int id = rte_lcore_id();

	return id < RTE_MAX_LCORE ? lcore_mgr[id] : NULL;
}

int
tgw_crypto_lcore_init(const unsigned int *lcores, unsigned int n, char *err, size_t errlen)
{
	IMB_MGR *ctl = ctl_get(err, errlen);

	if (ctl == NULL)
		return -1;
	for (unsigned int i = 0; i < n; i++) {
		unsigned int id = lcores[i];
		IMB_ARCH arch;
		IMB_MGR *m;
		void *p;
		int e;

		if (id >= RTE_MAX_LCORE) {
			snprintf(err, errlen, "crypto manager: lcore %u out of range", id);
			return -1;
		}
		if (lcore_mgr[id] != NULL)
			continue;
		p = rte_zmalloc_socket("tgw_imb_mgr", imb_get_mb_mgr_size(), RTE_CACHE_LINE_SIZE,
				       rte_lcore_to_socket_id(id));
		if (p == NULL) {
			snprintf(err, errlen,
				 "crypto manager of lcore %u: out of memory (%zu bytes)", id,
				 imb_get_mb_mgr_size());
			return -1;
		}
		m = imb_set_pointers_mb_mgr(p, 0, 1);
		init_mb_mgr_auto(m, &arch);
		e = imb_get_errno(m);
		if (e != 0 || ((m->features & IMB_FEATURE_SELF_TEST) &&
			       !(m->features & IMB_FEATURE_SELF_TEST_PASS))) {
			snprintf(err, errlen, "crypto manager of lcore %u: %s", id,
				 e != 0 ? imb_get_strerror(e) : "self-test failed");
			rte_free(p);
			return -1;
		}
		/* gcm_key_data and HMAC states come from ctl: same code path required */
		if (m->used_arch != ctl->used_arch) {
			snprintf(err, errlen,
				 "crypto manager of lcore %u: arch %u differs from the key "
				 "set-up manager's %u",
				 id, m->used_arch, ctl->used_arch);
			rte_free(p);
			return -1;
		}
		lcore_mgr[id] = m;
	}
	return 0;
}

void
tgw_crypto_lcore_free(void)
{
	for (unsigned int i = 0; i < RTE_MAX_LCORE; i++) {
		rte_free(lcore_mgr[i]);
		lcore_mgr[i] = NULL;
	}
}

/* ---- fast path ---- */

/* Constant time: no early exit on the first difference; 8 bytes at a time (ICVs are 8,
 * 12 or 16 bytes), the rest bytewise. Non-zero: they differ. */
static __rte_always_inline uint64_t
icv_diff(const uint8_t *a, const uint8_t *b, unsigned int n)
{
	uint64_t d = 0, x, y;
	unsigned int i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		d |= x ^ y;
	}
	for (; i < n; i++)
		d |= (uint64_t)(a[i] ^ b[i]);
	return d;
}

/*
 * RFC 4106 §4, RFC 7634 §2: nonce = salt || IV into op->iv; §5 / §2.1: the AAD is
 * SPI || seq, or SPI || seq_hi || seq_lo with ESN (built in op->aad). Returns the AAD.
 */
static __rte_always_inline const uint8_t *
aead_nonce_aad(struct tgw_esp_op *op, uint64_t *aad_len)
{
	const struct tgw_sa_crypto *c = op->c;
	const uint8_t *esp = op->esp;

	memcpy(op->iv, c->salt, 4);
	memcpy(op->iv + 4, esp + 8, 8);
	*aad_len = 8;
	if (c->esn_mode != TGW_ESN_AAD)
		return esp;
	{
		rte_be32_t hi = rte_cpu_to_be_32(op->seq_hi);

		memcpy(op->aad, esp, 4);
		memcpy(op->aad + 4, &hi, 4);
		memcpy(op->aad + 8, esp + 4, 4);
	}
	*aad_len = 12;
	return op->aad;
}

/*
 * AES-GCM ESP without the job manager: the library's direct GCM calls, one per packet,
 * the tag written in place (encrypt) or beside the received one (decrypt). Saves the job
 * fill, submit and completion steps, which cost as much as the cipher at 64 bytes.
 */
static __rte_always_inline void
esp_gcm_direct(IMB_MGR *mgr, struct tgw_esp_op *op, bool encrypt)
{
	const struct tgw_sa_crypto *c = op->c;
	struct gcm_context_data ctx;
	uint8_t *esp = op->esp, *icv = op->esp + op->len;
	uint8_t *tag = encrypt ? icv : op->icv;
	uint64_t len, aad_len;
	const uint8_t *aad;

	if (unlikely(op->len < 16 + 2 || op->len > UINT16_MAX - 4)) {
		op->status = TGW_CRYPTO_ERROR;
		return;
	}
	aad = aead_nonce_aad(op, &aad_len);
	len = op->len - 16;
	if (encrypt) {
		if (c->key_len == 16)
			IMB_AES128_GCM_ENC(mgr, &c->gcm, &ctx, esp + 16, esp + 16, len, op->iv,
					   aad, aad_len, tag, c->icv_len);
		else if (c->key_len == 24)
			IMB_AES192_GCM_ENC(mgr, &c->gcm, &ctx, esp + 16, esp + 16, len, op->iv,
					   aad, aad_len, tag, c->icv_len);
		else
			IMB_AES256_GCM_ENC(mgr, &c->gcm, &ctx, esp + 16, esp + 16, len, op->iv,
					   aad, aad_len, tag, c->icv_len);
		op->status = TGW_CRYPTO_OK;
		return;
	}
	if (c->key_len == 16)
		IMB_AES128_GCM_DEC(mgr, &c->gcm, &ctx, esp + 16, esp + 16, len, op->iv, aad,
				   aad_len, tag, c->icv_len);
	else if (c->key_len == 24)
		IMB_AES192_GCM_DEC(mgr, &c->gcm, &ctx, esp + 16, esp + 16, len, op->iv, aad,
				   aad_len, tag, c->icv_len);
	else
		IMB_AES256_GCM_DEC(mgr, &c->gcm, &ctx, esp + 16, esp + 16, len, op->iv, aad,
				   aad_len, tag, c->icv_len);
	op->status = icv_diff(icv, tag, c->icv_len) ? TGW_CRYPTO_AUTH_FAILED : TGW_CRYPTO_OK;
}

/* The IV of the CBC pass that starts at the nonce block (iv_nonce). */
static const uint8_t cbc_zero_iv[16] __rte_aligned(16);

/*
 * Fill job j for op (in place: cipher from after the IV to the next header, RFC 4303 §2).
 * Returns false, with op->status set, when the op needs no job (null+null) or the library
 * would refuse it (a CBC payload that is not whole blocks, a short packet).
 */
static __rte_always_inline bool
esp_fill(IMB_JOB *j, struct tgw_esp_op *op, bool encrypt)
{
	const struct tgw_sa_crypto *c = op->c;
	uint8_t *esp = op->esp;
	uint32_t hdr = 8 + c->iv_len;
	const uint8_t *aad;
	uint64_t aad_len;

	if (c->enc == TGW_ENC_GCM)
		return false; /* done by esp_gcm_direct */
	if (unlikely(op->len < hdr + 2 || op->len > UINT16_MAX - 4 ||
		     (c->enc == TGW_ENC_CBC && ((op->len - hdr) & 15)))) {
		op->status = TGW_CRYPTO_ERROR;
		return false;
	}
	if (c->job_cipher == IMB_CIPHER_NULL && c->job_hash == IMB_AUTH_NULL) {
		op->status = TGW_CRYPTO_OK;
		return false;
	}
	j->user_data = op;
	j->user_data2 = NULL;
	j->cipher_mode = c->job_cipher;
	j->hash_alg = c->job_hash;
	if (encrypt) {
		j->cipher_direction = IMB_DIR_ENCRYPT;
		j->chain_order = IMB_ORDER_CIPHER_HASH;
	} else {
		/* hash the ciphertext, then decrypt */
		j->cipher_direction = IMB_DIR_DECRYPT;
		j->chain_order = IMB_ORDER_HASH_CIPHER;
	}
	j->key_len_in_bytes = c->key_len;
	j->src = esp;
	j->dst = esp + hdr;
	j->cipher_start_src_offset_in_bytes = hdr;
	j->msg_len_to_cipher_in_bytes = op->len - hdr;
	/* RFC 4303 §3.3.2.1: the ICV covers the ESP header through the next header */
	j->hash_start_src_offset_in_bytes = 0;
	j->msg_len_to_hash_in_bytes = op->len;
	j->auth_tag_output = op->icv;
	j->auth_tag_output_len_in_bytes = c->job_tag_len;

	switch (c->enc) {
	case TGW_ENC_CBC:
		j->enc_keys = c->enc_keys;
		j->dec_keys = c->dec_keys;
		j->iv_len_in_bytes = 16;
		if (encrypt && op->iv_nonce) {
			/* CBC from the nonce block with a zero IV: its ciphertext E_K(nonce)
			 * replaces it and chains into the payload as the IV */
			j->iv = cbc_zero_iv;
			j->dst = esp + 8;
			j->cipher_start_src_offset_in_bytes = 8;
			j->msg_len_to_cipher_in_bytes = op->len - 8;
		} else {
			j->iv = esp + 8;
		}
		break;
	case TGW_ENC_CTR:
		/* RFC 3686 §4: counter block = nonce || IV || 1; the library appends the 1 */
		memcpy(op->iv, c->salt, 4);
		memcpy(op->iv + 4, esp + 8, 8);
		j->enc_keys = c->enc_keys;
		j->dec_keys = c->enc_keys;
		j->iv = op->iv;
		j->iv_len_in_bytes = 12;
		break;
	case TGW_ENC_CHACHA:
		aad = aead_nonce_aad(op, &aad_len);
		j->iv = op->iv;
		j->iv_len_in_bytes = 12;
		j->hash_start_src_offset_in_bytes = hdr;
		j->msg_len_to_hash_in_bytes = op->len - hdr;
		j->enc_keys = c->chacha_key;
		j->dec_keys = c->chacha_key;
		j->u.CHACHA20_POLY1305.aad = aad;
		j->u.CHACHA20_POLY1305.aad_len_in_bytes = aad_len;
		j->u.CHACHA20_POLY1305.ctx = NULL;
		return true;
	case TGW_ENC_GMAC:
		/* RFC 4543 §3.3, §5: GMAC over SPI, seq, IV, payload .. next header; nonce =
		 * salt || IV */
		memcpy(op->iv, c->salt, 4);
		memcpy(op->iv + 4, esp + 8, 8);
		j->enc_keys = NULL;
		j->dec_keys = NULL;
		j->iv = NULL;
		j->iv_len_in_bytes = 0;
		j->u.GMAC._key = &c->gcm;
		j->u.GMAC._iv = op->iv;
		j->u.GMAC.iv_len_in_bytes = 12;
		if (c->esn_mode == TGW_ESN_HEAD) {
			/* SPI || seq_hi || seq_lo laid out from esp - 4 */
			rte_be32_t hi = rte_cpu_to_be_32(op->seq_hi);

			memcpy(op->save, esp - 4, 8);
			memcpy(esp - 4, op->save + 4, 4);
			memcpy(esp, &hi, 4);
			j->src = esp - 4;
			j->msg_len_to_hash_in_bytes = op->len + 4;
		}
		return true;
	default: /* TGW_ENC_NULL */
		j->enc_keys = NULL;
		j->dec_keys = NULL;
		j->iv = NULL;
		j->iv_len_in_bytes = 0;
		break;
	}
	if (c->job_hash != IMB_AUTH_NULL) {
		j->u.HMAC._hashed_auth_key_xor_ipad = c->ipad;
		j->u.HMAC._hashed_auth_key_xor_opad = c->opad;
		if (c->esn_mode == TGW_ESN_ICV) {
			/* RFC 4303 §2.2.1: seq_hi hashed after the next header, never sent */
			rte_be32_t hi = rte_cpu_to_be_32(op->seq_hi);

			memcpy(op->save, esp + op->len, 4);
			memcpy(esp + op->len, &hi, 4);
			j->msg_len_to_hash_in_bytes = op->len + 4;
		}
	}
	return true;
}

/* Restore the ESN scratch, write or check the ICV, set the status. */
static __rte_always_inline void
esp_done(IMB_JOB *j, bool encrypt)
{
	struct tgw_esp_op *op = j->user_data;
	const struct tgw_sa_crypto *c = op->c;
	uint8_t *icv = op->esp + op->len;

	if (c->esn_mode == TGW_ESN_ICV)
		memcpy(icv, op->save, 4);
	else if (c->esn_mode == TGW_ESN_HEAD)
		memcpy(op->esp - 4, op->save, 8);
	if (unlikely(j->status != IMB_STATUS_COMPLETED || j->user_data2 != NULL))
		op->status = TGW_CRYPTO_ERROR;
	else if (encrypt) {
		memcpy(icv, op->icv, c->icv_len);
		op->status = TGW_CRYPTO_OK;
	} else
		op->status =
			icv_diff(icv, op->icv, c->icv_len) ? TGW_CRYPTO_AUTH_FAILED : TGW_CRYPTO_OK;
}

static __rte_always_inline bool
auth_fill(IMB_JOB *j, struct tgw_auth_op *op)
{
	const struct tgw_sa_crypto *c = op->c;

	if (unlikely(c->auth == TGW_AUTH_NONE || op->len == 0 || op->len > UINT16_MAX - 4)) {
		op->status = TGW_CRYPTO_ERROR;
		return false;
	}
	j->user_data = op;
	j->user_data2 = NULL;
	j->cipher_mode = IMB_CIPHER_NULL;
	j->cipher_direction = IMB_DIR_ENCRYPT;
	j->chain_order = IMB_ORDER_HASH_CIPHER;
	j->hash_alg = c->job_hash;
	j->key_len_in_bytes = 0;
	j->enc_keys = NULL;
	j->dec_keys = NULL;
	j->iv = NULL;
	j->iv_len_in_bytes = 0;
	j->src = op->buf;
	j->dst = op->buf;
	j->cipher_start_src_offset_in_bytes = 0;
	j->msg_len_to_cipher_in_bytes = 0;
	j->hash_start_src_offset_in_bytes = 0;
	j->msg_len_to_hash_in_bytes = op->len;
	j->auth_tag_output = op->scratch;
	j->auth_tag_output_len_in_bytes = c->job_tag_len;
	j->u.HMAC._hashed_auth_key_xor_ipad = c->ipad;
	j->u.HMAC._hashed_auth_key_xor_opad = c->opad;
	if (c->esn) {
		/* RFC 4302 §3.3.3.1: seq_hi appended to the ICV input */
		rte_be32_t hi = rte_cpu_to_be_32(op->seq_hi);

		memcpy(op->save, op->buf + op->len, 4);
		memcpy(op->buf + op->len, &hi, 4);
		j->msg_len_to_hash_in_bytes = op->len + 4;
	}
	return true;
}

static __rte_always_inline void
auth_done(IMB_JOB *j, bool encrypt __rte_unused)
{
	struct tgw_auth_op *op = j->user_data;
	const struct tgw_sa_crypto *c = op->c;

	if (c->esn)
		memcpy(op->buf + op->len, op->save, 4);
	if (unlikely(j->status != IMB_STATUS_COMPLETED || j->user_data2 != NULL)) {
		op->status = TGW_CRYPTO_ERROR;
		return;
	}
	memcpy(op->tag, op->scratch, c->icv_len);
	op->status = TGW_CRYPTO_OK;
}

/*
 * Submit jobs[0..k) (ring order, from IMB_GET_NEXT_BURST) and flush until all completed,
 * calling done() on each. A burst the library refuses is not queued: the refused job is
 * made a no-op marked JOB_REFUSED and the burst resubmitted.
 */
static __rte_always_inline void
jobs_run(IMB_MGR *mgr, IMB_JOB **jobs, uint32_t k, bool encrypt, void (*done)(IMB_JOB *, bool))
{
	IMB_JOB *first;
	uint32_t got, i;

	if (k == 0)
		return;
	first = jobs[0];
	for (;;) {
		IMB_JOB *bad;
		int e;

		got = IMB_SUBMIT_BURST(mgr, k, jobs);
		if (likely(got != 0))
			break;
		e = imb_get_errno(mgr);
		if (likely(e == 0))
			break;
		bad = jobs[0];
		jobs[0] = first;
		if (unlikely(e == IMB_ERR_QUEUE_SPACE || e == IMB_ERR_BURST_SIZE ||
			     e == IMB_ERR_NULL_BURST || e == IMB_ERR_NULL_JOB ||
			     e == IMB_ERR_BURST_OOO || bad->user_data2 != NULL)) {
			/* not a job's fault (queue state), or refused again: fail the burst */
			for (i = 0; i < k; i++) {
				jobs[i]->status = IMB_STATUS_INVALID_ARGS;
				done(jobs[i], encrypt);
			}
			return;
		}
		bad->user_data2 = JOB_REFUSED;
		bad->cipher_mode = IMB_CIPHER_NULL;
		bad->hash_alg = IMB_AUTH_NULL;
		bad->chain_order = IMB_ORDER_CIPHER_HASH;
		bad->cipher_direction = IMB_DIR_ENCRYPT;
		bad->msg_len_to_cipher_in_bytes = 0;
		bad->msg_len_to_hash_in_bytes = 0;
	}
	for (i = 0; i < got; i++)
		done(jobs[i], encrypt);
	k -= got;
	while (k > 0) {
		got = IMB_FLUSH_BURST(mgr, k, jobs);
		if (unlikely(got == 0))
			break;
		for (i = 0; i < got; i++)
			done(jobs[i], encrypt);
		k -= got;
	}
}

void
tgw_esp_crypt_burst(IMB_MGR *mgr, struct tgw_esp_op *ops, uint16_t n, bool encrypt)
{
	IMB_JOB *jobs[CRYPTO_BURST];
	uint16_t i = 0, rest = 0;

	for (uint16_t j = 0; j < n; j++) {
		/* fail closed: an op the library never returns stays an error */
		ops[j].status = TGW_CRYPTO_ERROR;
		if (ops[j].c->enc != TGW_ENC_GCM)
			rest++;
		else if (encrypt)
			esp_gcm_direct(mgr, &ops[j], true);
		else
			esp_gcm_direct(mgr, &ops[j], false);
	}
	while (rest && i < n) {
		uint32_t want = RTE_MIN((uint32_t)(n - i), CRYPTO_BURST);
		uint32_t avail = IMB_GET_NEXT_BURST(mgr, want, jobs);
		uint32_t k = 0;

		if (unlikely(avail == 0))
			return; /* the queue is never left full; what is left stays an error */
		for (; i < n && k < avail; i++)
			if (esp_fill(jobs[k], &ops[i], encrypt))
				k++;
		if (encrypt)
			jobs_run(mgr, jobs, k, true, esp_done);
		else
			jobs_run(mgr, jobs, k, false, esp_done);
	}
}

void
tgw_auth_burst(IMB_MGR *mgr, struct tgw_auth_op *ops, uint16_t n)
{
	IMB_JOB *jobs[CRYPTO_BURST];
	uint16_t i = 0;

	/* fail closed: an op the library never returns stays an error */
	for (uint16_t j = 0; j < n; j++)
		ops[j].status = TGW_CRYPTO_ERROR;
	while (i < n) {
		uint32_t want = RTE_MIN((uint32_t)(n - i), CRYPTO_BURST);
		uint32_t avail = IMB_GET_NEXT_BURST(mgr, want, jobs);
		uint32_t k = 0;

		if (unlikely(avail == 0))
			return;
		for (; i < n && k < avail; i++)
			if (auth_fill(jobs[k], &ops[i]))
				k++;
		jobs_run(mgr, jobs, k, true, auth_done);
	}
}
