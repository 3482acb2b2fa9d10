/* gaps.c: counts audit serials that never arrived, for the coverage view's
 * lost_serial_gaps. A bitmap window slides over the serial space; a serial
 * that leaves the window unseen is counted once. Only meaningful where every
 * event reaches us (unicast); exercise with `meson test -C build gaps`. */
#include "sigtrail/gaps.h"

#include <string.h>

enum { WORDS = GAPS_WINDOW / 64 };

static bool bit(const struct gaps *g, uint64_t i)
{
	return g->seen[i / 64] >> (i % 64) & 1;
}

/* Move the window so that it starts at new_base, counting unseen serials.
 * In a steady stream every new serial moves it by one, so this works a word
 * at a time (popcount and shifts), not a bit at a time. */
static void slide(struct gaps *g, uint64_t new_base)
{
	uint64_t shift = new_base - g->base;

	if (shift >= GAPS_WINDOW) {
		for (unsigned w = 0; w < WORDS; w++)
			g->missing += 64 - (uint64_t)__builtin_popcountll(g->seen[w]);
		g->missing += shift - GAPS_WINDOW; /* whole windows never seen */
		memset(g->seen, 0, sizeof(g->seen));
	} else {
		unsigned q = (unsigned)(shift / 64), r = (unsigned)(shift % 64);
		for (unsigned w = 0; w < q; w++)
			g->missing += 64 - (uint64_t)__builtin_popcountll(g->seen[w]);
		if (r > 0)
			g->missing += r - (uint64_t)__builtin_popcountll(g->seen[q] &
			                                                 ((UINT64_C(1) << r) - 1));
		for (unsigned w = 0; w < WORDS; w++) { /* reads only at or after w */
			uint64_t lo = w + q < WORDS ? g->seen[w + q] >> r : 0;
			uint64_t hi =
			    r > 0 && w + q + 1 < WORDS ? g->seen[w + q + 1] << (64 - r) : 0;
			g->seen[w] = lo | hi;
		}
	}
	g->base = new_base;
}

void gaps_see(struct gaps *g, uint64_t serial)
{
	if (!g->started) {
		g->started = true;
		g->base = serial;
	}
	if (serial < g->base)
		return;
	if (serial >= g->base + GAPS_WINDOW)
		slide(g, serial - GAPS_WINDOW + 1);
	uint64_t i = serial - g->base;
	g->seen[i / 64] |= UINT64_C(1) << (i % 64);
}

void gaps_settle(struct gaps *g)
{
	uint64_t top = 0;

	if (!g->started)
		return;
	for (uint64_t i = 0; i < GAPS_WINDOW; i++)
		if (bit(g, i))
			top = i;
	slide(g, g->base + top); /* everything below the highest serial seen */
}
