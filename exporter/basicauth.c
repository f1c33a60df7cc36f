/* basicauth: HTTP basic auth against bcrypt hashes (see basicauth.h). */
#include "basicauth.h"

#include <crypt.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "expo.h"

#define DIGEST_LEN 32

typedef struct {
	const char *name;
	const char *hash;
	unsigned char good[DIGEST_LEN]; /* salted SHA-256 of the last accepted password */
	int has_good;
} user_t;

struct basicauth {
	user_t *users;
	size_t n;
	unsigned char salt[16];
	pthread_mutex_t mu;
	atomic_uint_fast64_t failures[3]; /* by ba_result_t */
};

int basicauth_b64decode(const char *s, size_t len, buf_t *out)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t pad = 0;
	buf_reset(out);
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		int v;
		if (ch >= 'A' && ch <= 'Z')
			v = ch - 'A';
		else if (ch >= 'a' && ch <= 'z')
			v = ch - 'a' + 26;
		else if (ch >= '0' && ch <= '9')
			v = ch - '0' + 52;
		else if (ch == '+')
			v = 62;
		else if (ch == '/')
			v = 63;
		else if (ch == '=' && i + 2 >= len && len % 4 == 0) {
			pad++;
			continue;
		} else
			return -1;
		if (pad)
			return -1; /* data after padding */
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf_putc(out, (char)((acc >> bits) & 0xff));
		}
	}
	if (bits >= 6 || (acc & ((1u << bits) - 1)) != 0)
		return -1; /* a dangling character or non-zero spare bits */
	return out->oom ? -1 : 0;
}

/* crypt_r of pw with the settings (salt, cost) of hash; 1 when it matches. */
static int bcrypt_matches(const char *pw, const char *hash)
{
	struct crypt_data *cd = calloc(1, sizeof *cd);
	if (!cd)
		return 0;
	const char *out = crypt_r(pw, hash, cd);
	size_t hl = strlen(hash);
	int ok = out && out[0] != '*' && strlen(out) == hl && CRYPTO_memcmp(out, hash, hl) == 0;
	explicit_bzero(cd, sizeof *cd);
	free(cd);
	return ok;
}

basicauth_t *basicauth_new(const webuser_t *users, size_t n, buf_t *err)
{
	basicauth_t *a = calloc(1, sizeof *a);
	if (!a || !(a->users = calloc(n ? n : 1, sizeof *a->users))) {
		free(a);
		buf_puts(err, "out of memory");
		return NULL;
	}
	a->n = n;
	pthread_mutex_init(&a->mu, NULL);
	if (RAND_bytes(a->salt, sizeof a->salt) != 1) {
		buf_puts(err, "basic auth: no random bytes from OpenSSL");
		basicauth_free(a);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		a->users[i].name = users[i].name;
		a->users[i].hash = users[i].hash;
		struct crypt_data *cd = calloc(1, sizeof *cd);
		const char *out = cd ? crypt_r("", users[i].hash, cd) : NULL;
		int valid = out && out[0] == '$' && strlen(out) == strlen(users[i].hash);
		free(cd);
		if (!valid) {
			buf_printf(err, "basic_auth_users: the bcrypt hash of '%s' is malformed", users[i].name);
			basicauth_free(a);
			return NULL;
		}
	}
	return a;
}

void basicauth_free(basicauth_t *a)
{
	if (!a)
		return;
	pthread_mutex_destroy(&a->mu);
	explicit_bzero(a->users, a->n * sizeof *a->users);
	free(a->users);
	free(a);
}

static void digest(const basicauth_t *a, const char *pw, size_t len, unsigned char out[DIGEST_LEN])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned int n = 0;
	if (!c || !EVP_DigestInit_ex(c, EVP_sha256(), NULL) ||
	    !EVP_DigestUpdate(c, a->salt, sizeof a->salt) || !EVP_DigestUpdate(c, pw, len) ||
	    !EVP_DigestFinal_ex(c, out, &n))
		RAND_bytes(out, DIGEST_LEN); /* never equal to a remembered digest */
	EVP_MD_CTX_free(c);
}

/* 1 when user:pw is right; the bcrypt runs outside the lock. */
static int verify(basicauth_t *a, const char *user, const char *pw, size_t pwlen)
{
	user_t *u = NULL;
	unsigned char d[DIGEST_LEN];
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->users[i].name, user) == 0)
			u = &a->users[i];
	digest(a, pw, pwlen, d);
	if (u) {
		pthread_mutex_lock(&a->mu);
		int hit = u->has_good && CRYPTO_memcmp(u->good, d, DIGEST_LEN) == 0;
		pthread_mutex_unlock(&a->mu);
		if (hit)
			return 1;
	}
	/* An unknown user pays the same bcrypt as a known one. */
	int ok = bcrypt_matches(pw, u ? u->hash : a->users[0].hash) && u;
	if (ok) {
		pthread_mutex_lock(&a->mu);
		memcpy(u->good, d, DIGEST_LEN);
		u->has_good = 1;
		pthread_mutex_unlock(&a->mu);
	}
	return ok;
}

static ba_result_t check(basicauth_t *a, const char *h)
{
	if (!h || !*h)
		return BA_MISSING;
	if (strncasecmp(h, "Basic ", 6) != 0 || a->n == 0)
		return BA_INVALID;
	h += 6;
	h += strspn(h, " ");
	size_t len = strcspn(h, " \t");
	buf_t dec;
	buf_init(&dec);
	int ok = 0;
	if (basicauth_b64decode(h, len, &dec) == 0 && dec.len && !memchr(dec.data, '\0', dec.len)) {
		char *colon = memchr(dec.data, ':', dec.len);
		if (colon) {
			*colon = '\0';
			ok = verify(a, dec.data, colon + 1, dec.len - (size_t)(colon + 1 - dec.data));
		}
	}
	if (dec.data)
		explicit_bzero(dec.data, dec.cap);
	buf_free(&dec);
	return ok ? BA_OK : BA_INVALID;
}

ba_result_t basicauth_check(basicauth_t *a, const char *authorization)
{
	ba_result_t r = check(a, authorization);
	if (r != BA_OK)
		atomic_fetch_add(&a->failures[r], 1);
	return r;
}

void basicauth_render(basicauth_t *a, buf_t *out)
{
	static const expo_family_t fam = {
		"locust_exporter_http_auth_failures_total", EXPO_COUNTER,
		"Requests to the exporter refused for missing or wrong basic-auth credentials.",
	};
	static const char *const reasons[] = {[BA_MISSING] = "missing", [BA_INVALID] = "invalid"};
	expo_header(out, "", &fam);
	for (int r = BA_MISSING; r <= BA_INVALID; r++) {
		expo_label_t l = {"reason", reasons[r], EXPO_STRLEN};
		expo_sample(out, "", fam.name, "", &l, 1, (double)atomic_load(&a->failures[r]));
	}
}
