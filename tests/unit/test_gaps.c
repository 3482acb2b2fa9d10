/* Unit tests for gaps.c: serials that never arrive, with reordering. */
#include "sigtrail/gaps.h"
#include "tap.h"

int main(void)
{
	struct gaps g = {0};

	for (uint64_t s = 100; s < 100 + 5000; s++)
		gaps_see(&g, s);
	is_int(g.missing, 0, "a contiguous run: nothing missing");

	g = (struct gaps){0};
	for (uint64_t s = 1; s <= 5000; s++)
		if (s != 1000 && s != 1001 && s != 2500)
			gaps_see(&g, s);
	is_int(g.missing, 3, "three serials never seen are counted once each");

	g = (struct gaps){0};
	for (uint64_t s = 1; s <= 999; s += 2) /* odd first, then even: reordered */
		gaps_see(&g, s);
	for (uint64_t s = 2; s <= 1000; s += 2)
		gaps_see(&g, s);
	for (uint64_t s = 1001; s <= 3000; s++)
		gaps_see(&g, s);
	is_int(g.missing, 0, "a reordering within the window is no gap");
	g = (struct gaps){0};
	for (uint64_t s = 1; s <= 4000; s++) {
		uint64_t r = s % 10 == 0 ? s - 5 : s % 10 == 5 ? s + 5 : s; /* swap pairs */
		gaps_see(&g, r);
	}
	is_int(g.missing, 0, "out-of-order arrival within the window is no gap");

	g = (struct gaps){0};
	gaps_see(&g, 10);
	gaps_see(&g, 10 + 100000);
	/* Settled: 11 .. 100010 - GAPS_WINDOW; the newest window may still fill. */
	is_int(g.missing, 100010 - GAPS_WINDOW - 10, "a jump counts every settled serial skipped");
	gaps_see(&g, 5);
	is_int(g.missing, 100010 - GAPS_WINDOW - 10, "a serial from before the window is ignored");
	for (int i = 0; i < 3; i++)
		gaps_see(&g, 100010);
	is_int(g.missing, 100010 - GAPS_WINDOW - 10, "repeats are harmless");
	g = (struct gaps){0};
	for (uint64_t s = 1; s <= 500; s++)
		if (s % 100 != 0)
			gaps_see(&g, s);
	gaps_see(&g, 600);
	is_int(g.missing, 0, "within the window nothing is settled yet");
	gaps_settle(&g);
	is_int(g.missing, 5 + 99,
	       "at the end, what never came below the highest serial is missing");
	return tap_done();
}
