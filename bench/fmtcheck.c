/* fmtcheck: expo_fmt_double against glibc, value by value.
 *
 *   bench-fmtcheck [N]   (default 3000000 values; exit 1 on any mismatch)
 *
 * The reference is the rule expo.h states: the shortest of printf's
 * %.15g, %.16g, %.17g that strtod reads back as v (integers below 2^64
 * in full).  expo_fmt_double may
 * write the same decimal in fixed notation (0.000015 for 1.5e-05); the
 * check compares the decimals themselves (digits and exponent) and that
 * the text reads back bit-exact.  Values: random bit patterns, random
 * 15-17 digit decimals at every scale, halves (ties), neighbours of
 * powers of two, and the boundaries of the printf-free range. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expo.h"

static uint64_t rng = 0x9E3779B97F4A7C15ULL;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Canonical decimal: sign, significant digits without trailing zeros and
 * the power of ten of the first one ("-", "15", -5 for -1.5e-05). */
static void canon(const char *s, char *out, size_t cap)
{
	char dig[64];
	size_t n = 0;
	int neg = *s == '-', point = -1, lead = 1, exp10 = 0, nint = 0;
	s += neg || *s == '+';
	for (; *s && *s != 'e'; s++) {
		if (*s == '.') {
			point = nint;
			continue;
		}
		if (lead && *s == '0') {
			exp10--;
		} else {
			lead = 0;
			if (n < sizeof dig - 1)
				dig[n++] = *s;
		}
		nint++;
	}
	if (point < 0)
		point = nint;
	exp10 += point - 1;
	if (*s == 'e')
		exp10 += atoi(s + 1);
	while (n > 0 && dig[n - 1] == '0')
		n--;
	dig[n] = '\0';
	snprintf(out, cap, "%s%s e%d", neg ? "-" : "", dig, n ? exp10 : 0);
}

static double sample(long i)
{
	uint64_t r = next(), b;
	double v;
	switch (i % 7) {
	case 0:
		memcpy(&v, &r, sizeof v);
		break;
	case 1:
		b = (r & ((1ULL << 52) - 1)) | ((uint64_t)(1023 - 24 + next() % 78) << 52);
		memcpy(&v, &b, sizeof v);
		break;
	case 2:
		v = (double)(r % 100000000000000000ULL) / pow(10, (double)(next() % 25));
		break;
	case 3:
		v = (double)(r % 1000000000000000ULL) / pow(10, (double)(next() % 25));
		break;
	case 4:
		v = ldexp(1.0, (int)(next() % 80) - 26);
		v = (r & 1) ? nextafter(v, 0) : (r & 2) ? v : nextafter(v, INFINITY);
		break;
	case 5:
		v = (double)(r % 2000000) * 0.5 / pow(10, (double)(next() % 18));
		break;
	default:
		v = (r & 1) ? nextafter(1e-7, (r & 2) ? 0 : 1) : nextafter(9007199254740992.0, 0);
		break;
	}
	return (r >> 63) ? -v : v;
}

static int check(double v)
{
	char got[EXPO_DOUBLE_MAX + 1], ref[40], cg[80], cr[80];
	size_t n = expo_fmt_double(got, v);
	got[n] = '\0';
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(ref, sizeof ref, "%.*g", prec, v);
		if (prec == 17 || strtod(ref, NULL) == v)
			break;
	}
	if (v == trunc(v) && fabs(v) < 18446744073709551616.0)
		snprintf(ref, sizeof ref, "%.0f", v); /* integers in full */
	if (isnan(v))
		return strcmp(got, "NaN") == 0;
	canon(got, cg, sizeof cg);
	canon(ref, cr, sizeof cr);
	return strtod(got, NULL) == v && strcmp(cg, cr) == 0;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 3000000, bad = 0;
	for (long i = 0; i < n; i++) {
		double v = sample(i);
		if (!check(v) && bad++ < 10) {
			char got[EXPO_DOUBLE_MAX + 1];
			got[expo_fmt_double(got, v)] = '\0';
			printf("mismatch: %.17g -> %s\n", v, got);
		}
	}
	printf("fmtcheck: %ld values, %ld mismatches\n", n, bad);
	return bad != 0;
}
