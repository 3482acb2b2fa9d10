/* uid -> user name, resolved at collection time (the user may be gone, or
 * renamed, by the time anyone reads the row), with a bounded cache so that a
 * storm of signals from one user costs one NSS lookup. Not thread-safe: one
 * cache per thread. */
#pragma once

#include <stdint.h>

enum { IDS_CACHE_SIZE = 1024, IDS_TTL_S = 300 };

struct ids_cache {
	struct {
		int64_t uid;     /* -1: empty slot */
		int64_t expires; /* monotonic seconds after which to look again */
		char name[64];   /* "" when the uid has no passwd entry */
	} slot[IDS_CACHE_SIZE];
	uint64_t lookups; /* getpwuid_r() calls so far: a hit makes none (tests count them) */
};

/* Empty the cache and zero its lookup count. Can't fail. */
void ids_init(struct ids_cache *c);

/* The user name of `uid`, or NULL if it has none (or is ST_ID_UNSET). The
 * pointer is valid until the next call. `now_s` is a monotonic clock in
 * seconds, passed in so tests control expiry. A miss (a new uid, or one
 * evicted or expired) adds one to c->lookups. Can't fail: NSS errors read as
 * "no name" and are retried after the TTL. */
const char *ids_user(struct ids_cache *c, int64_t uid, int64_t now_s);
