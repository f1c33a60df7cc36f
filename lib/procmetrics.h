/* procmetrics: the standard process_* metric family, read from /proc/self. */
#ifndef LE_PROCMETRICS_H
#define LE_PROCMETRICS_H

#include "buf.h"

typedef struct {
	double cpu_seconds;     /* utime + stime */
	double rss_bytes;
	double vsize_bytes;
	double start_time;      /* unix seconds */
	double open_fds;
	double max_fds;
	double threads;
} procstat_t;

/* Fill *ps from /proc/self; 0 on success, -1 when /proc is unreadable. */
int procstat_read(procstat_t *ps);

/* Append process_cpu_seconds_total, process_resident_memory_bytes,
 * process_virtual_memory_bytes, process_start_time_seconds,
 * process_open_fds, process_max_fds and process_threads.  Nothing is
 * written when /proc cannot be read. */
void procmetrics_render(buf_t *out);

#endif
