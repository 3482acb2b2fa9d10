/* ids.c: user names for uids, looked up with getpwuid_r() (so LDAP/SSSD
 * users resolve like everywhere else on the host) and cached in a small
 * direct-mapped table with a TTL. It runs on the store's writer thread, never
 * on the audit reader, because an NSS lookup can block on the network.
 * Exercise with `meson test -C build ids`. */
#include "sigtrail/ids.h"

#include <pwd.h>
#include <stdio.h>
#include <stdint.h>
#include <string.h>

void ids_init(struct ids_cache *c)
{
	for (size_t i = 0; i < IDS_CACHE_SIZE; i++)
		c->slot[i].uid = -1;
	c->lookups = 0;
}

const char *ids_user(struct ids_cache *c, int64_t uid, int64_t now_s)
{
	if (uid < 0 || uid > UINT32_MAX - 1) /* -1 and 4294967295 are "unset" */
		return NULL;
	size_t i = (size_t)((uint64_t)uid * 2654435761u) % IDS_CACHE_SIZE;
	if (c->slot[i].uid != uid || c->slot[i].expires <= now_s) {
		struct passwd pw, *res = NULL;
		char buf[4096];

		c->slot[i].uid = uid;
		c->slot[i].expires = now_s + IDS_TTL_S;
		c->slot[i].name[0] = '\0';
		c->lookups++;
		if (getpwuid_r((uid_t)uid, &pw, buf, sizeof(buf), &res) == 0 && res)
			snprintf(c->slot[i].name, sizeof(c->slot[i].name), "%s", res->pw_name);
	}
	return c->slot[i].name[0] ? c->slot[i].name : NULL;
}
