/* Unit tests for ids.c: uid -> user name at collection time. */
#include "sigtrail/event.h"
#include "sigtrail/ids.h"
#include "tap.h"

static struct ids_cache cache;

int main(void)
{
	ids_init(&cache);
	is_str(ids_user(&cache, 0, 0), "root", "uid 0");
	is_str(ids_user(&cache, 65534, 0), "nobody", "uid 65534");
	ok(ids_user(&cache, 3999999, 0) == NULL, "a uid without passwd entry has no name");
	ok(ids_user(&cache, ST_ID_UNSET, 0) == NULL, "unset");
	ok(ids_user(&cache, 4294967295, 0) == NULL, "4294967295 (unset auid) has no name");
	is_str(ids_user(&cache, 0, 1), "root", "cached");
	/* Force a collision on the slot of uid 0 with another uid mapping there. */
	for (int64_t uid = 1; uid < 100000; uid++) {
		if ((size_t)((uint64_t)uid * 2654435761u) % IDS_CACHE_SIZE ==
		    (size_t)(0 * 2654435761u) % IDS_CACHE_SIZE) {
			(void)ids_user(&cache, uid, 2);
			break;
		}
	}
	is_str(ids_user(&cache, 0, 3), "root", "evicted entry resolves again");
	is_str(ids_user(&cache, 0, 3 + IDS_TTL_S), "root", "expired entry resolves again");
	return tap_done();
}
