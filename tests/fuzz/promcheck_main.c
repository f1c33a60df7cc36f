/* promcheck_main: command-line front end of promcheck (see promcheck.h):
 * `promcheck [FILE]` validates FILE (or stdin) as strict Prometheus text
 * format; exit 0 when valid, 1 with "promcheck: line N: ..." when not,
 * 2 on I/O errors.  Used by the sanitizer and valgrind smoke tests. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "promcheck.h"

static char *slurp(FILE *f, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *p = malloc(cap);
	while (p) {
		n += fread(p + n, 1, cap - n, f);
		if (n < cap)
			break;
		char *np = realloc(p, cap * 2);
		if (!np) {
			free(p);
			return NULL;
		}
		p = np;
		cap *= 2;
	}
	if (p && ferror(f)) {
		free(p);
		return NULL;
	}
	*len = n;
	return p;
}

int main(int argc, char **argv)
{
	FILE *f = argc > 1 ? fopen(argv[1], "rb") : stdin;
	size_t len = 0;
	char err[512];
	if (!f) {
		fprintf(stderr, "promcheck: cannot open %s\n", argv[1]);
		return 2;
	}
	char *text = slurp(f, &len);
	if (f != stdin)
		fclose(f);
	if (!text) {
		fprintf(stderr, "promcheck: cannot read input\n");
		return 2;
	}
	int rc = promcheck(text, len, err, sizeof err);
	free(text);
	if (rc) {
		fprintf(stderr, "promcheck: %s\n", err);
		return 1;
	}
	return 0;
}
