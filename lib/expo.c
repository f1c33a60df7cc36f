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
	for (; *s; s++) {
		if (*s == '\\')
			buf_put(out, "\\\\", 2);
		else if (*s == '\n')
			buf_put(out, "\\n", 2);
		else
			buf_putc(out, *s);
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

void expo_u64(buf_t *out, uint64_t v)
{
	char tmp[24];
	size_t i = sizeof tmp;
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	buf_put(out, tmp + i, sizeof tmp - i);
}

static const double pow10_tab[23] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

#define TWO53 9007199254740992.0

/* Exact shortest fixed-point text without printf.  For the fewest decimals
 * d with k = round(|v| * 10^d) below 2^53 and k / 10^d == |v|, the text of
 * k * 10^-d reads back as exactly v: k and 10^d (d <= 22) are exact doubles
 * and IEEE division is correctly rounded, so k / 10^d is the double nearest
 * to the decimal, which is what strtod returns for it.  Returns 0 when no
 * such d exists (17 significant digits, very small or large values). */
static int fixed_exact(buf_t *out, double v)
{
	double a = fabs(v);
	if (a < 1e-7 || a >= TWO53)
		return 0;
	int d = 1;
	while (d < 22 && a * pow10_tab[d] < 1)
		d++; /* no digit before the first significant one can round-trip */
	for (; d <= 22; d++) {
		double k = nearbyint(a * pow10_tab[d]);
		if (k >= TWO53)
			return 0;
		if (k / pow10_tab[d] != a)
			continue;
		char tmp[48];
		uint64_t ik = (uint64_t)k;
		int n = 0;
		for (int i = 0; i < d; i++, ik /= 10)
			tmp[sizeof tmp - 1 - n++] = (char)('0' + ik % 10);
		tmp[sizeof tmp - 1 - n++] = '.';
		do {
			tmp[sizeof tmp - 1 - n++] = (char)('0' + ik % 10);
			ik /= 10;
		} while (ik);
		if (v < 0)
			tmp[sizeof tmp - 1 - n++] = '-';
		buf_put(out, tmp + sizeof tmp - n, (size_t)n);
		return 1;
	}
	return 0;
}

void expo_double(buf_t *out, double v)
{
	if (isnan(v)) {
		buf_put(out, "NaN", 3);
		return;
	}
	if (isinf(v)) {
		buf_puts(out, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	if (v == 0) {
		buf_putc(out, '0');
		return;
	}
	if (v == trunc(v) && fabs(v) < 18446744073709551616.0) {
		if (v < 0)
			buf_putc(out, '-');
		expo_u64(out, (uint64_t)fabs(v));
		return;
	}
	if (fixed_exact(out, v))
		return;
	char tmp[40];
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(tmp, sizeof tmp, "%.*g", prec, v);
		if (prec == 17 || strtod(tmp, NULL) == v)
			break;
	}
	buf_puts(out, tmp);
}

void expo_sample_ls(buf_t *out, const char *prefix, const char *name,
		    const char *suffix, const char *labelset, size_t lslen,
		    const expo_label_t *extra, double v)
{
	buf_puts(out, prefix);
	buf_puts(out, name);
	if (suffix)
		buf_puts(out, suffix);
	if (extra) {
		if (lslen) {
			buf_put(out, labelset, lslen - 1); /* drop '}' */
			buf_putc(out, ',');
		} else {
			buf_putc(out, '{');
		}
		buf_puts(out, extra->name);
		buf_put(out, "=\"", 2);
		expo_escape_label(out, extra->value, extra->len);
		buf_put(out, "\"}", 2);
	} else if (lslen) {
		buf_put(out, labelset, lslen);
	}
	buf_putc(out, ' ');
	expo_double(out, v);
	buf_putc(out, '\n');
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
