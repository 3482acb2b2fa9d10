/* gaps.c: counts audit serials that never arrived, for the coverage view's
 * lost_serial_gaps. A bitmap window slides over the serial space; a serial
 * that leaves the window unseen is counted once. Only meaningful where every
 * event reaches us (unicast); exercise with `meson test -C build gaps`. */
#include "sigtrail/gaps.h"

#include <string.h>

static bool bit(const struct gaps *g, uint64_t i)
{
	return g->seen[i / 64] >> (i % 64) & 1;
}

/* Move the window so that it starts at new_base, counting unseen serials. */
static void slide(struct gaps *g, uint64_t new_base)
{
	uint64_t shift = new_base - g->base;

	if (shift >= GAPS_WINDOW) {
		for (uint64_t i = 0; i < GAPS_WINDOW; i++)
			g->missing += !bit(g, i);
		g->missing += shift - GAPS_WINDOW; /* whole windows never seen */
		memset(g->seen, 0, sizeof(g->seen));
	} else {
		uint64_t old[GAPS_WINDOW / 64];
		memcpy(old, g->seen, sizeof(old));
		memset(g->seen, 0, sizeof(g->seen));
		for (uint64_t i = 0; i < GAPS_WINDOW; i++) {
			bool was = old[i / 64] >> (i % 64) & 1;
			if (i < shift)
				g->missing += !was;
			else if (was)
				g->seen[(i - shift) / 64] |= UINT64_C(1) << ((i - shift) % 64);
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
