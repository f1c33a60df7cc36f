/* reason: label values of the scrape failure reasons (see reason.h). */
#include "reason.h"

const char *const reason_names[RS__COUNT] = {
	"", "connect", "timeout", "tls", "auth", "redirect", "http_status",
	"not_json", "too_large", "parse", "schema", "stale", "io",
};
