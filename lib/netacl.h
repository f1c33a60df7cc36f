/* netacl: client network allowlists (--web.allowed-networks) in civetweb's
 * access_control_list syntax.
 *
 * civetweb checks the list in its accepting thread, before a connection is
 * queued for a worker: a refused client is closed at once and costs no
 * worker thread.  Debian's civetweb 1.15 is built without IPv6, so only
 * IPv4 networks can be listed. */
#ifndef LE_NETACL_H
#define LE_NETACL_H

#include "buf.h"

/* Turn a comma-separated list of IPv4 addresses and networks ("10.0.0.0/8,
 * 192.168.1.7") into civetweb's access_control_list ("+10.0.0.0/8,
 * +192.168.1.7/32"): blanks around items are ignored, host bits are
 * cleared (civetweb compares the masked client address with the network as
 * written).  An empty list gives an empty ACL (every client allowed).
 * Returns 0, or -1 with a one-line reason in err naming the bad item. */
int netacl_spec(const char *list, buf_t *acl, buf_t *err);

#endif
