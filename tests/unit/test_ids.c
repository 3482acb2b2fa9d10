/* Unit tests for ids.c: uid -> user name at collection time, and its cache,
 * seen through its lookup count: a hit asks NSS nothing; a new, evicted or
 * expired entry asks once. */
#include "sigtrail/event.h"
#include "sigtrail/ids.h"
#include "tap.h"

static struct ids_cache cache;

/* ids_user() at `now_s`; *ret_lookups: the NSS lookups it made. */
static const char *user(int64_t uid, int64_t now_s, uint64_t *ret_lookups)
{
	uint64_t before = cache.lookups;
	const char *name = ids_user(&cache, uid, now_s);

	*ret_lookups = cache.lookups - before;
	return name;
}

int main(void)
{
	uint64_t n;

	ids_init(&cache);
	is_int(cache.lookups, 0, "a new cache has looked nothing up");
	is_str(user(0, 0, &n), "root", "uid 0");
	is_int(n, 1, "uid 0: one lookup");
	is_str(ids_user(&cache, 65534, 0), "nobody", "uid 65534");
	ok(ids_user(&cache, 3999999, 0) == NULL, "a uid without passwd entry has no name");
	ok(user(3999999, 1, &n) == NULL && n == 0, "and that is cached too (%llu lookups)",
	   (unsigned long long)n);
	ok(user(ST_ID_UNSET, 0, &n) == NULL && n == 0, "unset: no name, no lookup");
	ok(user(4294967295, 0, &n) == NULL && n == 0,
	   "4294967295 (unset auid): no name, no lookup");
	is_str(user(0, 1, &n), "root", "cached: the same name");
	is_int(n, 0, "cached: no lookup");

	/* A uid that takes uid 0's slot, found by what it costs (not by
	 * repeating the hash): after it, uid 0 is a miss again. */
	int64_t rival = -1;
	for (int64_t uid = 1; uid < 100000 && rival < 0; uid++) {
		(void)user(uid, 2, &n);
		(void)user(0, 2, &n);
		if (n == 1)
			rival = uid;
	}
	ok(rival > 0, "a uid shares uid 0's slot (%lld)", (long long)rival);
	(void)user(rival, 3, &n);
	is_int(n, 1, "it is looked up, evicting uid 0");
	is_str(user(0, 3, &n), "root", "evicted entry resolves again");
	is_int(n, 1, "evicted entry: looked up again");
	is_str(user(0, 3 + IDS_TTL_S - 1, &n), "root", "just before its TTL");
	is_int(n, 0, "just before its TTL: still cached");
	is_str(user(0, 3 + IDS_TTL_S, &n), "root", "expired entry resolves again");
	is_int(n, 1, "expired entry: looked up again");
	return tap_done();
}
