/* jsonread: pull reader of JSON (see jsonread.h).
 *
 * One pass over the bytes; the common case (ASCII in strings, short
 * decimal numbers) takes a table lookup per byte and no library call. */
#include "jsonread.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

const char *const jtype_names[] = {
	"invalid", "object", "array", "string", "number", "boolean", "boolean", "null",
};

/* String bytes: 0 plain, 1 quote or backslash, 2 control, 3 non-ASCII. */
static const unsigned char str_class[256] = {
	[0x00 ... 0x1f] = 2, ['"'] = 1, ['\\'] = 1, [0x80 ... 0xff] = 3,
};

void jr_init(jreader_t *r, const char *data, size_t len)
{
	memset(r, 0, sizeof *r);
	r->start = r->p = data;
	r->end = data + len;
}

int jr_fail(jreader_t *r, const char *msg)
{
	if (!r->err) {
		r->err = msg;
		r->err_at = r->p;
	}
	r->p = r->end;
	return -1;
}

const char *jr_error(const jreader_t *r, int *line, int *column)
{
	const char *bol = r->start;
	*line = 1;
	for (const char *q = r->start; r->err && q < r->err_at; q++)
		if (*q == '\n') {
			(*line)++;
			bol = q + 1;
		}
	*column = r->err ? (int)(r->err_at - bol) + 1 : 0;
	return r->err ? r->err : "no error";
}

static void skip_ws(jreader_t *r)
{
	const char *p = r->p;
	while (p < r->end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	r->p = p;
}

jtype_t jr_type(jreader_t *r)
{
	if (r->err)
		return JT_ERROR;
	skip_ws(r);
	if (r->p == r->end)
		return JT_ERROR;
	switch (*r->p) {
	case '{': return JT_OBJECT;
	case '[': return JT_ARRAY;
	case '"': return JT_STRING;
	case 't': return JT_TRUE;
	case 'f': return JT_FALSE;
	case 'n': return JT_NULL;
	case '-': case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		return JT_NUMBER;
	default: return JT_ERROR;
	}
}

/* ---- strings ------------------------------------------------------------ */

static int hex4(const char *p, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < 4; i++) {
		unsigned c = (unsigned char)p[i], d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			d = (c | 0x20) - 'a' + 10;
		else
			return -1;
		v = v << 4 | d;
	}
	*out = v;
	return 0;
}

/* A \u escape at p (p[0] == 'u'), with its low surrogate when it needs
 * one: the code point and the bytes it took, or 0 when invalid. */
static size_t uescape(const char *p, const char *end, unsigned *cp)
{
	unsigned hi, lo;
	if (end - p < 5 || hex4(p + 1, &hi))
		return 0;
	if (hi >= 0xdc00 && hi <= 0xdfff)
		return 0;
	if (hi < 0xd800 || hi > 0xdbff) {
		*cp = hi;
		return 5;
	}
	if (end - p < 11 || p[5] != '\\' || p[6] != 'u' || hex4(p + 7, &lo) || lo < 0xdc00 || lo > 0xdfff)
		return 0;
	*cp = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
	return 11;
}

/* Length of the valid UTF-8 sequence at p (a byte >= 0x80), 0 if invalid:
 * no overlong forms, no surrogates, nothing above U+10FFFF. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
	unsigned c = p[0];
	size_t n;
	unsigned lo = 0x80, hi = 0xbf;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		lo = c == 0xe0 ? 0xa0 : 0x80;
		hi = c == 0xed ? 0x9f : 0xbf;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		lo = c == 0xf0 ? 0x90 : 0x80;
		hi = c == 0xf4 ? 0x8f : 0xbf;
	} else
		return 0;
	if ((size_t)(end - p) < n || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

/* One escape sequence at p (just after the backslash): bytes taken, 0 if invalid. */
static size_t escape_len(jreader_t *r, const char *p)
{
	unsigned cp;
	size_t n;
	if (p == r->end)
		return 0;
	switch (*p) {
	case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
		return 1;
	case 'u':
		n = uescape(p, r->end, &cp);
		if (n && cp == 0) {
			r->p = p;
			jr_fail(r, "\\u0000 is not allowed");
			return 0;
		}
		return n;
	default:
		return 0;
	}
}

int jr_string(jreader_t *r, jstr_t *out)
{
	if (jr_type(r) != JT_STRING)
		return jr_fail(r, r->p == r->end ? "unexpected end of input" : "string expected");
	const char *p = ++r->p, *end = r->end;
	out->escaped = 0;
	for (;;) {
		while (p < end && str_class[(unsigned char)*p] == 0)
			p++;
		if (p == end) {
			r->p = p;
			return jr_fail(r, "unterminated string");
		}
		size_t n;
		switch (str_class[(unsigned char)*p]) {
		case 1:
			if (*p == '"') {
				out->raw = r->p;
				out->len = (size_t)(p - r->p);
				r->p = p + 1;
				return 0;
			}
			out->escaped = 1;
			n = escape_len(r, p + 1);
			if (!n) {
				r->p = p;
				return jr_fail(r, "invalid escape in string");
			}
			p += 1 + n;
			break;
		case 2:
			r->p = p;
			return jr_fail(r, "control character in string");
		default:
			n = utf8_len((const unsigned char *)p, (const unsigned char *)end);
			if (!n) {
				r->p = p;
				return jr_fail(r, "invalid UTF-8 in string");
			}
			p += n;
		}
	}
}

static char *put_utf8(char *d, unsigned cp)
{
	if (cp < 0x80) {
		*d++ = (char)cp;
	} else if (cp < 0x800) {
		*d++ = (char)(0xc0 | cp >> 6);
		*d++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*d++ = (char)(0xe0 | cp >> 12);
		*d++ = (char)(0x80 | (cp >> 6 & 0x3f));
		*d++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*d++ = (char)(0xf0 | cp >> 18);
		*d++ = (char)(0x80 | (cp >> 12 & 0x3f));
		*d++ = (char)(0x80 | (cp >> 6 & 0x3f));
		*d++ = (char)(0x80 | (cp & 0x3f));
	}
	return d;
}

size_t jr_decode(const jstr_t *s, char *dst)
{
	const char *p = s->raw, *end = s->raw + s->len;
	char *d = dst;
	if (!s->escaped) {
		memcpy(dst, p, s->len);
		dst[s->len] = '\0';
		return s->len;
	}
	while (p < end) {
		const char *bs = memchr(p, '\\', (size_t)(end - p));
		size_t run = (size_t)((bs ? bs : end) - p);
		memcpy(d, p, run);
		d += run;
		p += run;
		if (!bs)
			break;
		unsigned cp;
		switch (p[1]) {
		case 'b': *d++ = '\b'; break;
		case 'f': *d++ = '\f'; break;
		case 'n': *d++ = '\n'; break;
		case 'r': *d++ = '\r'; break;
		case 't': *d++ = '\t'; break;
		case 'u':
			p += uescape(p + 1, end, &cp) - 1;
			d = put_utf8(d, cp);
			break;
		default: *d++ = p[1]; break; /* " \ / */
		}
		p += 2;
	}
	*d = '\0';
	return (size_t)(d - dst);
}

/* ---- numbers ------------------------------------------------------------ */

static const double pow10_exact[] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
};

/* The token's text converted by strtod (the rare long or extreme numbers). */
static int number_slow(jreader_t *r, const char *tok, size_t len, double *out)
{
	char small[64], *s = len < sizeof small ? small : malloc(len + 1);
	if (!s)
		return jr_fail(r, "out of memory");
	memcpy(s, tok, len);
	s[len] = '\0';
	*out = strtod(s, NULL);
	if (s != small)
		free(s);
	if (isinf(*out)) {
		r->p = tok;
		return jr_fail(r, "real number overflow");
	}
	return 0;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?  Up to 19 significant
 * digits are gathered in m; when m and 10^|e| are both exact doubles, one
 * multiplication or division is correctly rounded (Clinger's fast path). */
int jr_number(jreader_t *r, double *out)
{
	if (jr_type(r) != JT_NUMBER)
		return jr_fail(r, r->p == r->end ? "unexpected end of input" : "number expected");
	const char *tok = r->p, *p = r->p, *end = r->end;
	int neg = 0, nd = 0, inexact = 0, is_int = 1;
	long e10 = 0;
	uint64_t m = 0;
	if (*p == '-') {
		neg = 1;
		p++;
	}
	if (p == end || *p < '0' || *p > '9')
		return jr_fail(r, "invalid number");
	if (*p == '0') {
		p++;
	} else {
		for (; p < end && *p >= '0' && *p <= '9'; p++) {
			if (nd < 19) {
				m = m * 10 + (uint64_t)(*p - '0');
				nd++;
			} else {
				e10++;
				inexact |= *p != '0';
			}
		}
	}
	if (p < end && *p == '.') {
		is_int = 0;
		if (++p == end || *p < '0' || *p > '9') {
			r->p = p;
			return jr_fail(r, "invalid number");
		}
		for (; p < end && *p >= '0' && *p <= '9'; p++) {
			if (nd < 19) {
				m = m * 10 + (uint64_t)(*p - '0');
				nd += m != 0;
				e10--;
			} else {
				inexact |= *p != '0';
			}
		}
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		int eneg = 0;
		long x = 0;
		is_int = 0;
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			eneg = *p++ == '-';
		if (p == end || *p < '0' || *p > '9') {
			r->p = p;
			return jr_fail(r, "invalid number");
		}
		for (; p < end && *p >= '0' && *p <= '9'; p++)
			if (x < 100000)
				x = x * 10 + (*p - '0');
		e10 += eneg ? -x : x;
	}
	r->p = p;
	if (is_int) {
		/* jansson: a json_int_t (long long), refused beyond its range. */
		if (inexact || e10 || m > (uint64_t)INT64_MAX + (uint64_t)neg) {
			r->p = tok;
			return jr_fail(r, "too big integer");
		}
		*out = neg ? (double)(int64_t)(0 - m) : (double)(int64_t)m;
		return 0;
	}
	if (!inexact && m <= (1ULL << 53) && e10 >= -22 && e10 <= 22) {
		double d = (double)m;
		d = e10 < 0 ? d / pow10_exact[-e10] : d * pow10_exact[e10];
		*out = neg ? -d : d;
		return 0;
	}
	return number_slow(r, tok, (size_t)(p - tok), out);
}

/* ---- structure ------------------------------------------------------------ */

int jr_literal(jreader_t *r)
{
	static const char *const words[] = {"true", "false", "null"};
	jtype_t t = jr_type(r);
	if (t != JT_TRUE && t != JT_FALSE && t != JT_NULL)
		return jr_fail(r, "true, false or null expected");
	const char *w = words[t - JT_TRUE];
	size_t n = strlen(w);
	if ((size_t)(r->end - r->p) < n || memcmp(r->p, w, n) != 0)
		return jr_fail(r, "invalid literal");
	r->p += n;
	return 0;
}

/* Consume c after whitespace; -1 (with msg) if it is not there. */
static int expect(jreader_t *r, char c, const char *msg)
{
	skip_ws(r);
	if (r->p == r->end || *r->p != c)
		return jr_fail(r, msg);
	r->p++;
	return 0;
}

/* The opening bracket of a container, or what follows an element: 1 at
 * the next element, 0 after the closing bracket. */
static int next_in(jreader_t *r, int *n, char open, char close, const char *sep_msg)
{
	if (r->err)
		return -1;
	if (*n == 0) {
		if (expect(r, open, open == '{' ? "'{' expected" : "'[' expected"))
			return -1;
		if (++r->depth > JR_MAX_DEPTH)
			return jr_fail(r, "maximum parsing depth reached");
		skip_ws(r);
		if (r->p < r->end && *r->p == close) {
			r->p++;
			r->depth--;
			return 0;
		}
	} else {
		skip_ws(r);
		if (r->p < r->end && *r->p == close) {
			r->p++;
			r->depth--;
			return 0;
		}
		if (expect(r, ',', sep_msg))
			return -1;
	}
	(*n)++;
	return 1;
}

int jr_member(jreader_t *r, int *n, jstr_t *key)
{
	int k = next_in(r, n, '{', '}', "',' or '}' expected");
	if (k != 1)
		return k;
	skip_ws(r);
	if (r->p == r->end || *r->p != '"')
		return jr_fail(r, "string expected as object key");
	if (jr_string(r, key) || expect(r, ':', "':' expected"))
		return -1;
	return 1;
}

int jr_item(jreader_t *r, int *n)
{
	return next_in(r, n, '[', ']', "',' or ']' expected");
}

/* Iterative, so hostile nesting costs no stack: the open containers'
 * kinds are a bit each, in a stack as deep as JR_MAX_DEPTH. */
int jr_skip(jreader_t *r)
{
	unsigned char is_obj[JR_MAX_DEPTH / 8 + 1];
	int level = 0;
	jstr_t key;
	for (;;) {
		jtype_t t = jr_type(r);
		int rc = 0, n = 0;
		switch (t) {
		case JT_OBJECT:
		case JT_ARRAY:
			rc = t == JT_OBJECT ? jr_member(r, &n, &key) : jr_item(r, &n);
			if (rc < 0)
				return -1;
			if (rc == 1) { /* at the first element: go down */
				if (t == JT_OBJECT)
					is_obj[level / 8] |= (unsigned char)(1u << (level % 8));
				else
					is_obj[level / 8] &= (unsigned char)~(1u << (level % 8));
				level++;
				continue;
			}
			break;
		case JT_STRING:
			rc = jr_string(r, &key);
			break;
		case JT_NUMBER: {
			double d;
			rc = jr_number(r, &d);
			break;
		}
		case JT_TRUE:
		case JT_FALSE:
		case JT_NULL:
			rc = jr_literal(r);
			break;
		default:
			return jr_fail(r, r->p == r->end ? "unexpected end of input" : "invalid token");
		}
		if (rc)
			return -1;
		/* After a value: close containers until one has a next element. */
		while (level > 0) {
			int obj = is_obj[(level - 1) / 8] >> ((level - 1) % 8) & 1, more = 1;
			rc = obj ? jr_member(r, &more, &key) : jr_item(r, &more);
			if (rc < 0)
				return -1;
			if (rc == 1)
				break;
			level--;
		}
		if (level == 0)
			return 0;
	}
}

int jr_finish(jreader_t *r)
{
	if (r->err)
		return -1;
	skip_ws(r);
	if (r->p != r->end)
		return jr_fail(r, "end of input expected");
	return 0;
}
