/* Audit serial numbers never seen: in unicast mode every audit event of the
 * machine reaches the collector, each with the next serial, so a serial that
 * never arrives is an event lost on the way. Events of different CPUs may
 * arrive slightly out of order, so a serial counts as missing only once the
 * window has moved GAPS_WINDOW serials past it. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

enum { GAPS_WINDOW = 1024 }; /* serials of reordering tolerated */

struct gaps {
	bool started;                    /* a first serial has been seen */
	uint64_t base;                   /* lowest serial not yet settled */
	uint64_t seen[GAPS_WINDOW / 64]; /* bit i: serial base + i arrived */
	uint64_t missing;                /* settled serials that never arrived */
};

/* Note one record's serial (any record of an event will do; repeats are
 * harmless). Serials below the window (very late, or from before a restart)
 * are ignored. Can't fail. */
void gaps_see(struct gaps *g, uint64_t serial);

/* At the end of the stream: the serials of the window below the highest one
 * seen that never arrived, counted as settled. Can't fail. */
void gaps_settle(struct gaps *g);
