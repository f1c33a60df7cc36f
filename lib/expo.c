/* expo: Prometheus text exposition writer (see expo.h). */
#include "expo.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *expo_type_name(expo_type_t t)
{
	switch (t) {
	case EXPO_GAUGE: return "gauge";
	case EXPO_COUNTER: return "counter";
	case EXPO_SUMMARY: return "summary";
	case EXPO_HISTOGRAM: return "histogram";
	default: return "untyped";
	}
}

void expo_header(buf_t *out, const char *prefix, const expo_family_t *f)
{
	buf_puts(out, "# HELP ");
	buf_puts(out, prefix);
	buf_puts(out, f->name);
	buf_putc(out, ' ');
	expo_escape_help(out, f->help ? f->help : "");
	buf_puts(out, "\n# TYPE ");
	buf_puts(out, prefix);
	buf_puts(out, f->name);
	buf_putc(out, ' ');
	buf_puts(out, expo_type_name(f->type));
	buf_putc(out, '\n');
}

void expo_escape_help(buf_t *out, const char *s)
{
	for (;;) {
		size_t run = strcspn(s, "\\\n");
		buf_put(out, s, run);
		s += run;
		if (!*s)
			return;
		buf_put(out, *s == '\\' ? "\\\\" : "\\n", 2);
		s++;
	}
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t left)
{
	unsigned c = s[0];
	size_t n;
	unsigned min;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		min = 0x10000;
	} else {
		return 0;
	}
	if (left < n)
		return 0;
	unsigned cp = c & (0x3f >> (n - 1));
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

size_t expo_utf8_scrub(char *s, size_t len)
{
	size_t fixed = 0;
	for (size_t i = 0; i < len;) {
		size_t n = s[i] ? utf8_seq((const unsigned char *)s + i, len - i) : 0;
		if (n == 0) {
			s[i] = '?';
			fixed++;
			n = 1;
		}
		i += n;
	}
	return fixed;
}

void expo_escape_label(buf_t *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	if (len == EXPO_STRLEN)
		len = strlen(s);
	if (buf_reserve(out, len + 8))
		return;
	size_t i = 0, run = 0;
	while (i < len) {
		unsigned char c = p[i];
		size_t n = 1;
		const char *rep = NULL;
		if (c == '\\')
			rep = "\\\\";
		else if (c == '"')
			rep = "\\\"";
		else if (c == '\n')
			rep = "\\n";
		else if (c >= 0x80 && (n = utf8_seq(p + i, len - i)) == 0) {
			rep = "\xef\xbf\xbd";
			n = 1;
		}
		if (rep) {
			buf_put(out, s + run, i - run);
			buf_puts(out, rep);
			i += n;
			run = i;
		} else {
			i += n;
		}
	}
	buf_put(out, s + run, len - run);
}

void expo_labelset(buf_t *out, const expo_label_t *labels, size_t n)
{
	if (n == 0)
		return;
	buf_putc(out, '{');
	for (size_t i = 0; i < n; i++) {
		if (i)
			buf_putc(out, ',');
		buf_puts(out, labels[i].name);
		buf_put(out, "=\"", 2);
		expo_escape_label(out, labels[i].value ? labels[i].value : "",
				  labels[i].value ? labels[i].len : 0);
		buf_putc(out, '"');
	}
	buf_putc(out, '}');
}

static const double pow10_tab[23] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

#define TWO53 9007199254740992.0

static const char digit_pairs[201] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

/* Digits of v, at least min_digits (zero-padded), right-aligned ending at
 * end; returns the count. */
static size_t put_digits(char *end, uint64_t v, int min_digits)
{
	char *p = end;
	while (v >= 100) {
		p -= 2;
		memcpy(p, digit_pairs + 2 * (v % 100), 2);
		v /= 100;
	}
	if (v >= 10) {
		p -= 2;
		memcpy(p, digit_pairs + 2 * v, 2);
	} else {
		*--p = (char)('0' + v);
	}
	while (end - p < min_digits)
		*--p = '0';
	return (size_t)(end - p);
}

/* Exact shortest fixed-point text without printf.  For the fewest decimals
 * d with k = round(|v| * 10^d) below 2^53 and k / 10^d == |v|, the text of
 * k * 10^-d reads back as exactly v: k and 10^d (d <= 22) are exact doubles
 * and IEEE division is correctly rounded, so k / 10^d is the double nearest
 * to the decimal, which is what strtod returns for it.  Returns 0 when no
 * such d exists (17 significant digits, very small or large values).
 * The search starts at d decimals (>= 1). */
static size_t fixed_exact(char *dst, double v, int d)
{
	double a = fabs(v);
	if (a < 1e-7 || a >= TWO53)
		return 0;
	while (d < 22 && a * pow10_tab[d] < 1)
		d++; /* no digit before the first significant one can round-trip */
	for (; d <= 22; d++) {
		double k = nearbyint(a * pow10_tab[d]);
		if (k >= TWO53)
			return 0;
		if (k / pow10_tab[d] != a)
			continue;
		char tmp[48], *end = tmp + sizeof tmp;
		uint64_t ik = (uint64_t)k, p10 = 1;
		for (int i = 0; i < d; i++)
			p10 *= 10;
		size_t n = put_digits(end, ik % p10, d);
		tmp[sizeof tmp - 1 - n++] = '.';
		n += put_digits(end - n, ik / p10, 1);
		if (v < 0)
			tmp[sizeof tmp - 1 - n++] = '-';
		memcpy(dst, end - n, n);
		return n;
	}
	return 0;
}

/* ---- exact %.{15,16,17}g without printf ----------------------------------
 *
 * For TINY <= |v| < 2^53, v = m * 2^e exactly (m < 2^53, -77 <= e <= 0).
 * At the scale s = 16 - E10 (E10 = floor(log10 |v|) >= -8), v * 10^s =
 * m * U / den with U = 5^s * 2^max(e+s,0) and den = 2^max(-(e+s),0)
 * (s >= 0 here since |v| < 10^16), all below 2^112, so unsigned __int128
 * arithmetic gives glibc's correctly rounded (ties to even) P digits for
 * P = 15, 16, 17 and decides exactly whether they read back as v: the
 * decimal must lie within half an ulp (U / den at this scale) of v,
 * boundaries included when m is even (strtod rounds ties to even), a
 * quarter ulp below when m is a power of two. */
typedef unsigned __int128 u128;

#define TINY 1e-7

static const uint64_t pow5_tab[28] = {
	1ULL, 5ULL, 25ULL, 125ULL, 625ULL, 3125ULL, 15625ULL, 78125ULL, 390625ULL,
	1953125ULL, 9765625ULL, 48828125ULL, 244140625ULL, 1220703125ULL,
	6103515625ULL, 30517578125ULL, 152587890625ULL, 762939453125ULL,
	3814697265625ULL, 19073486328125ULL, 95367431640625ULL,
	476837158203125ULL, 2384185791015625ULL, 11920928955078125ULL,
	59604644775390625ULL, 298023223876953125ULL, 1490116119384765625ULL,
	7450580596923828125ULL,
};

static const uint64_t pow10_u64[18] = {
	1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL, 10000000ULL,
	100000000ULL, 1000000000ULL, 10000000000ULL, 100000000000ULL,
	1000000000000ULL, 10000000000000ULL, 100000000000000ULL,
	1000000000000000ULL, 10000000000000000ULL, 100000000000000000ULL,
};

typedef struct {
	uint64_t m;  /* significand */
	int e10;     /* floor(log10(|v|)) */
	int sh;      /* den = 2^sh */
	u128 num;    /* |v| * 10^(16 - e10) = num / den */
	u128 ulp;    /* one ulp at that scale, ulp / den */
	uint64_t q;  /* floor(num / den): 17 digits */
} dec_t;

static void dec_scale(dec_t *x, int e)
{
	int s = 16 - x->e10, es = e + s;
	x->ulp = (u128)pow5_tab[s] << (es > 0 ? es : 0);
	x->sh = es < 0 ? -es : 0;
	x->num = (u128)x->m * x->ulp;
	x->q = (uint64_t)(x->num >> x->sh);
}

static int dec_split(double a, dec_t *x)
{
	uint64_t bits;
	memcpy(&bits, &a, sizeof bits);
	x->m = (bits & ((1ULL << 52) - 1)) | (1ULL << 52);
	int e = (int)((bits >> 52) & 0x7ff) - 1075;
	/* floor(log2 a) * log10(2), then exact correction on 17 digits */
	x->e10 = (int)floor((e + 52) * 0.30102999566398120);
	for (int i = 0; i < 4; i++) {
		if (x->e10 < -8 || x->e10 > 16)
			return -1;
		dec_scale(x, e);
		if (x->q >= pow10_u64[17])
			x->e10++;
		else if (x->q < pow10_u64[16])
			x->e10--;
		else
			return 0;
	}
	return -1;
}

/* Correctly rounded P digits of x (in *d, exponent in *x10); returns
 * whether they read back as the same double. */
static int digits_p(const dec_t *x, unsigned p, uint64_t *d, int *x10)
{
	if (p < 15 || p > 17)
		return 0;
	uint64_t t = pow10_u64[17 - p];
	u128 den = (u128)1 << x->sh;
	uint64_t q = p == 17 ? x->q : x->q / t;
	u128 r = (u128)(x->q - q * t) * den + (x->num & (den - 1)); /* num mod t*den */
	u128 half = (u128)t * den; /* compared with 2r */
	if (2 * r > half || (2 * r == half && (q & 1)))
		q++;
	u128 dv = 4 * (u128)q * t * den, vv = 4 * x->num;
	u128 hi = 2 * x->ulp, lo = x->m == (1ULL << 52) ? x->ulp : 2 * x->ulp;
	int even = !(x->m & 1);
	int ok = dv >= vv ? (dv - vv < hi || (even && dv - vv == hi))
			  : (vv - dv < lo || (even && vv - dv == lo));
	*x10 = x->e10;
	if (q == pow10_u64[p]) {
		q /= 10;
		(*x10)++;
	}
	*d = q;
	return ok;
}

/* The fewest of 15, 16, 17 digits that read back as x.  When 16 digits
 * do not, 15 cannot either (the 15-digit decimal is also a 16-digit one,
 * and the correctly rounded 16 digits are at least as close to v), except
 * near a power of two where the interval is lopsided: try all there. */
static int shortest_p(const dec_t *x, uint64_t *d, int *x10)
{
	if (x->m != (1ULL << 52) && !digits_p(x, 16, d, x10)) {
		digits_p(x, 17, d, x10);
		return 17;
	}
	for (unsigned p = 15; p < 17; p++)
		if (digits_p(x, p, d, x10))
			return (int)p;
	digits_p(x, 17, d, x10);
	return 17;
}

/* Print P digits the way %.Pg does: trailing zeros dropped, exponent
 * form (e-05) below 1e-4 or at 10^P and above unless `fixed`. */
static size_t put_g(char *tmp, int neg, uint64_t d, int p, int x10, int fixed)
{
	char dig[24];
	put_digits(dig + p, d, p);
	while (p > 1 && dig[p - 1] == '0')
		p--;
	size_t n = 0;
	if (neg)
		tmp[n++] = '-';
	if (!fixed && (x10 < -4 || x10 >= 17)) {
		tmp[n++] = dig[0];
		if (p > 1)
			tmp[n++] = '.';
		memcpy(tmp + n, dig + 1, (size_t)p - 1);
		n += (size_t)p - 1;
		int ax = x10 < 0 ? -x10 : x10;
		tmp[n++] = 'e';
		tmp[n++] = x10 < 0 ? '-' : '+';
		if (ax >= 100)
			tmp[n++] = (char)('0' + ax / 100);
		tmp[n++] = (char)('0' + ax / 10 % 10);
		tmp[n++] = (char)('0' + ax % 10);
	} else if (x10 >= 0) {
		int ip = x10 + 1;
		for (int i = 0; i < ip; i++)
			tmp[n++] = i < p ? dig[i] : '0';
		if (p > ip) {
			tmp[n++] = '.';
			memcpy(tmp + n, dig + ip, (size_t)(p - ip));
			n += (size_t)(p - ip);
		}
	} else {
		tmp[n++] = '0';
		tmp[n++] = '.';
		for (int i = 0; i < -x10 - 1; i++)
			tmp[n++] = '0';
		memcpy(tmp + n, dig, (size_t)p);
		n += (size_t)p;
	}
	return n;
}

/* Decimals of d (p digits, exponent x10) without its trailing zeros. */
static int decimals(uint64_t d, int p, int x10)
{
	while (p > 1 && d % 10 == 0) {
		d /= 10;
		p--;
	}
	return p - 1 - x10;
}

/* Shortest of %.15g, %.16g, %.17g that reads back as v, printf-free for
 * TINY <= |v| < 2^53, with fixed_exact's fixed-point form first where it
 * applies.  What fixed_exact would do is known from the digits: with 15
 * digits or fewer, only one such decimal lies within half an ulp of v
 * (they are 10x further apart than 16-digit ones), so fixed_exact fails
 * below its decimals and finds it there (its k < 10^15 is within 0.25 of
 * a * 10^d): print it directly.  With 16, no d with fewer decimals works
 * (it would be a <= 15-digit decimal): start the search there.  With 17,
 * k >= 10^16 > 2^53 and fixed_exact always fails: skip it.  Near powers
 * of two (asymmetric interval), keep the full search.  tests/unit/
 * test_expo.c and bench/fmtcheck.c check this against printf. */
static size_t shortest_g(char *dst, double v)
{
	double a = fabs(v);
	dec_t x;
	if (!(a >= TINY && a < TWO53) || dec_split(a, &x))
		return 0;
	uint64_t d;
	int x10, p = shortest_p(&x, &d, &x10);
	int pow2 = x.m == (1ULL << 52);
	if (p == 15 && !pow2)
		return put_g(dst, v < 0, d, p, x10, 1);
	if (p < 17) {
		int d0 = pow2 ? 1 : decimals(d, p, x10);
		size_t n = fixed_exact(dst, v, d0 > 1 ? d0 : 1);
		if (n)
			return n;
	}
	return put_g(dst, v < 0, d, p, x10, 0);
}

static size_t fmt_u64(char *dst, int neg, uint64_t v)
{
	char tmp[24];
	size_t n = put_digits(tmp + sizeof tmp, v, 1);
	if (neg)
		*dst++ = '-';
	memcpy(dst, tmp + sizeof tmp - n, n);
	return n + (size_t)neg;
}

size_t expo_fmt_double(char *dst, double v)
{
	if (isnan(v)) {
		memcpy(dst, "NaN", 3);
		return 3;
	}
	if (isinf(v)) {
		memcpy(dst, v > 0 ? "+Inf" : "-Inf", 4);
		return 4;
	}
	if (v == 0) {
		*dst = '0';
		return 1;
	}
	if (v == trunc(v) && fabs(v) < 18446744073709551616.0)
		return fmt_u64(dst, v < 0, (uint64_t)fabs(v));
	size_t n = shortest_g(dst, v);
	if (!n)
		n = fixed_exact(dst, v, 1);
	if (n)
		return n;
	char tmp[40];
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(tmp, sizeof tmp, "%.*g", prec, v);
		if (prec == 17 || strtod(tmp, NULL) == v)
			break;
	}
	n = strlen(tmp);
	memcpy(dst, tmp, n);
	return n;
}

void expo_u64(buf_t *out, uint64_t v)
{
	if (buf_reserve(out, 24))
		return;
	out->len += fmt_u64(out->data + out->len, 0, v);
	out->data[out->len] = '\0';
}

void expo_double(buf_t *out, double v)
{
	if (buf_reserve(out, EXPO_DOUBLE_MAX))
		return;
	out->len += expo_fmt_double(out->data + out->len, v);
	out->data[out->len] = '\0';
}

void expo_line(buf_t *out, const char *a, size_t al, const char *b, size_t bl,
	       const char *c, size_t cl, double v)
{
	if (buf_reserve(out, al + bl + cl + EXPO_DOUBLE_MAX + 2))
		return;
	char *p = out->data + out->len;
	if (al)
		memcpy(p, a, al);
	if (bl)
		memcpy(p + al, b, bl);
	if (cl)
		memcpy(p + al + bl, c, cl);
	p += al + bl + cl;
	*p++ = ' ';
	p += expo_fmt_double(p, v);
	*p++ = '\n';
	*p = '\0';
	out->len = (size_t)(p - out->data);
}

void expo_sample_ls(buf_t *out, const char *prefix, const char *name,
		    const char *suffix, const char *labelset, size_t lslen,
		    const expo_label_t *extra, double v)
{
	if (!extra) {
		buf_puts(out, prefix);
		buf_puts(out, name);
		expo_line(out, suffix, suffix ? strlen(suffix) : 0, labelset, lslen, NULL, 0, v);
		return;
	}
	buf_puts(out, prefix);
	buf_puts(out, name);
	if (suffix)
		buf_puts(out, suffix);
	if (lslen) {
		buf_put(out, labelset, lslen - 1); /* drop '}' */
		buf_putc(out, ',');
	} else {
		buf_putc(out, '{');
	}
	buf_puts(out, extra->name);
	buf_put(out, "=\"", 2);
	expo_escape_label(out, extra->value, extra->len);
	expo_line(out, "\"}", 2, NULL, 0, NULL, 0, v);
}

void expo_sample(buf_t *out, const char *prefix, const char *name,
		 const char *suffix, const expo_label_t *labels, size_t n,
		 double v)
{
	buf_puts(out, prefix);
	buf_puts(out, name);
	if (suffix)
		buf_puts(out, suffix);
	expo_labelset(out, labels, n);
	buf_putc(out, ' ');
	expo_double(out, v);
	buf_putc(out, '\n');
}
