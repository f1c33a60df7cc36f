/* reason: why a scrape of Locust failed, as counted in
 * locust_exporter_scrape_errors_total{reason=...}.  One table, shared by
 * the client (transport reasons), the stats parser (content reasons) and
 * the collector (which pre-declares every reason at 0). */
#ifndef LE_REASON_H
#define LE_REASON_H

typedef enum {
	RS_OK = 0,
	RS_CONNECT,     /* refused, DNS failure, unreachable */
	RS_TIMEOUT,     /* no complete answer within --locust.timeout */
	RS_TLS,         /* handshake or certificate verification failed */
	RS_AUTH,        /* 401/403, or a --web-login redirect / login page */
	RS_REDIRECT,    /* other 3xx (redirects are not followed) */
	RS_HTTP_STATUS, /* any other non-2xx answer */
	RS_NOT_JSON,    /* 2xx but HTML or another non-JSON body */
	RS_TOO_LARGE,   /* body above --locust.max-response-size */
	RS_PARSE,       /* malformed JSON */
	RS_SCHEMA,      /* valid JSON, not a Locust stats document */
	RS_STALE,       /* CSV source: files missing or too old */
	RS_IO,          /* any other transport error (reset, truncated) */
	RS__COUNT
} reason_t;

/* reason_names[r]: the label value ("" for RS_OK). */
extern const char *const reason_names[RS__COUNT];

#endif
