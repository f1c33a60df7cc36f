/* log: leveled one-line logging to stderr, logfmt or JSON (the
 * --log.level / --log.format conventions of Prometheus exporters). */
#ifndef LE_LOG_H
#define LE_LOG_H

typedef enum { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR } log_level_t;

/* Parse "debug|info|warn|error" and "logfmt|json"; -1 when unknown. */
int log_parse_level(const char *s);
int log_parse_format(const char *s);
void log_setup(log_level_t level, int json);
int log_enabled(log_level_t level);
void log_msg(log_level_t level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
