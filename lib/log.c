/* log: leveled logging (see log.h). */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "buf.h"

static log_level_t min_level = LOG_INFO;
static int use_json;

static const char *names[] = {"debug", "info", "warn", "error"};

int log_parse_level(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

int log_parse_format(const char *s)
{
	if (strcmp(s, "logfmt") == 0)
		return 0;
	if (strcmp(s, "json") == 0)
		return 1;
	return -1;
}

void log_setup(log_level_t level, int json)
{
	min_level = level;
	use_json = json;
}

int log_enabled(log_level_t level)
{
	return level >= min_level;
}

static void put_quoted(buf_t *b, const char *s)
{
	buf_putc(b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			buf_putc(b, '\\');
			buf_putc(b, (char)c);
		} else if (c == '\n') {
			buf_puts(b, "\\n");
		} else if (c < 0x20) {
			buf_printf(b, "\\u%04x", c);
		} else {
			buf_putc(b, (char)c);
		}
	}
	buf_putc(b, '"');
}

void log_msg(log_level_t level, const char *fmt, ...)
{
	if (level < min_level)
		return;
	char ts[40];
	struct timespec now;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	size_t n = strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ts + n, sizeof ts - n, ".%03ldZ", now.tv_nsec / 1000000);

	buf_t msg, line;
	buf_init(&msg);
	buf_init(&line);
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	if (use_json) {
		buf_printf(&line, "{\"ts\":\"%s\",\"level\":\"%s\",\"msg\":", ts,
			   names[level]);
		put_quoted(&line, buf_str(&msg));
		buf_puts(&line, "}\n");
	} else {
		buf_printf(&line, "ts=%s level=%s msg=", ts, names[level]);
		put_quoted(&line, buf_str(&msg));
		buf_putc(&line, '\n');
	}
	if (!line.oom)
		fputs(line.data, stderr);
	buf_free(&msg);
	buf_free(&line);
}
