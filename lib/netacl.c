/* netacl: IPv4 allowlists to civetweb's access_control_list (see netacl.h). */
#include "netacl.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdint.h>
#include <string.h>

/* One item ("a.b.c.d" or "a.b.c.d/n", already trimmed) appended as
 * "+network/n"; -1 when it is not one. */
static int add_item(const char *item, size_t len, buf_t *acl, buf_t *err)
{
	char addr[INET_ADDRSTRLEN];
	const char *slash = memchr(item, '/', len);
	size_t alen = slash ? (size_t)(slash - item) : len;
	long bits = 32;
	if (slash) { /* one or two digits, 0-32 */
		const char *m = slash + 1;
		size_t mlen = (size_t)(item + len - m);
		if (mlen == 0 || mlen > 2 || !isdigit((unsigned char)m[0]) ||
		    (mlen == 2 && !isdigit((unsigned char)m[1])))
			goto bad;
		bits = mlen == 2 ? (m[0] - '0') * 10 + (m[1] - '0') : m[0] - '0';
		if (bits > 32)
			goto bad;
	}
	struct in_addr a;
	if (alen == 0 || alen >= sizeof addr)
		goto bad;
	memcpy(addr, item, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, &a) != 1)
		goto bad;
	uint32_t mask = bits == 0 ? 0 : 0xffffffffu << (32 - bits);
	a.s_addr = htonl(ntohl(a.s_addr) & mask);
	inet_ntop(AF_INET, &a, addr, sizeof addr);
	buf_printf(acl, "%s+%s/%ld", acl->len ? "," : "", addr, bits);
	return 0;
bad:
	if (memchr(item, ':', len))
		buf_printf(err, "--web.allowed-networks: '%.*s': IPv6 is not supported by this civetweb build",
			   (int)len, item);
	else
		buf_printf(err, "--web.allowed-networks: '%.*s' is not an IPv4 address or network "
			   "(want e.g. 10.0.0.0/8 or 192.168.1.7)", (int)len, item);
	return -1;
}

int netacl_spec(const char *list, buf_t *acl, buf_t *err)
{
	buf_reset(acl);
	if (!list || !*list)
		return 0;
	for (const char *p = list;; p++) {
		size_t n = strcspn(p, ",");
		const char *s = p, *e = p + n;
		while (s < e && isspace((unsigned char)*s))
			s++;
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
		if (s == e) {
			buf_puts(err, "--web.allowed-networks: empty item in the list");
			return -1;
		}
		if (add_item(s, (size_t)(e - s), acl, err))
			return -1;
		p += n;
		if (!*p)
			break;
	}
	return acl->oom ? (buf_puts(err, "out of memory"), -1) : 0;
}
