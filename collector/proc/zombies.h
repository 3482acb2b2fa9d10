/* The zombie watch: which exited processes their parent leaves unreaped.
 * The proc connector reports every exit, and nothing reports a reaping;
 * but a zombie's pid stays in /proc until its parent waits for it, so an
 * exit whose pid is still listed later, in state Z, is a zombie. In two
 * stages, each costing one listing of /proc (a few getdents calls, at most
 * once a second) and no system call per exit:
 *   1. at min(delay, ZW_STAGE1_MS) after the exit, while the process table
 *      still keeps the exited process (it lingers 5 s), an exit whose pid is
 *      gone is forgotten (nearly all of them); one still listed has its
 *      command line, unit and container copied from the table;
 *   2. at the delay (ZOMBIE_DELAY_MS by default), one still listed whose
 *      /proc/PID/stat says Z with the same start time, one thread, is a
 *      zombie: a note goes to the writer, with its parent as it is now.
 * A zombie found is then followed until its pid leaves the listing (the
 * reaping: a note again). A scan of every process's stat, at the start and
 * every ZW_RESCAN_MS, ZW_SCAN_BATCH reads a tick, finds the zombies whose
 * exit was not seen (they predate the daemon, or too many exits waited at
 * once); their time is when they were first seen.
 * Bounded: ZW_MAX_EXITS exits wait for stage 1 (beyond, the oldest are
 * left to the scan, counted), ZOMBIE_MAX_TRACKED zombies are followed
 * (beyond, counted as lost). Single-threaded: the main loop owns it (through
 * procwatch). Private to collector/proc and its tests. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "sigtrail/proc_table.h"
#include "sigtrail/zombie.h"

enum {
	ZW_STAGE1_MS = 3000,  /* stage 1 at most this long after an exit (the table lingers 5 s) */
	ZW_LIST_MS = 1000,    /* /proc is listed at most this often */
	ZW_RESCAN_MS = 30000, /* every process's stat is read this often */
	ZW_MAX_EXITS = 65536, /* exits waiting for stage 1 */
	ZW_SCAN_BATCH = 512,  /* stat reads of a scan per tick (one a second) */
};

struct zwatch_config {
	const char *proc_root; /* "/proc", or a test tree */
	int64_t delay_ms;      /* unreaped this long: a zombie (0: ZOMBIE_DELAY_MS) */
};

struct zwatch_stats {
	uint64_t exits;     /* exits watched */
	uint64_t unchecked; /* exits left to the scan (too many waiting) */
	uint64_t found;     /* zombies found */
	uint64_t reaped;    /* of which seen reaped */
	uint64_t lost;      /* zombies not followed (ZOMBIE_MAX_TRACKED at once) */
	uint64_t tracked;   /* followed now */
	uint64_t listings;  /* listings of /proc */
	uint64_t scans;     /* scans of every stat */
	uint64_t stat_reads;
};

struct zwatch;

/* Create a watch. Returns 0 and sets *ret, or -ENOMEM. */
int zwatch_new(const struct zwatch_config *cfg, struct zwatch **ret);

/* An exit event of a thread group leader, at exit_mono_ns (epoch_ms on the
 * wall clock), with the kernel's wait status. `p` is what the table knows
 * of the process (may be NULL), read before the table marks it exited.
 * Can't fail. */
void zwatch_on_exit(struct zwatch *zw, const struct ptab_proc *p, int32_t pid, uint32_t exit_code,
                    int64_t exit_mono_ns, int64_t epoch_ms);

/* Follow a zombie found by an earlier run of the daemon on this boot
 * (store_zombies_resume()): its reaping is reported, it is not found again.
 * Can't fail (beyond ZOMBIE_MAX_TRACKED: counted as lost). */
void zwatch_adopt(struct zwatch *zw, int32_t pid, uint64_t start_time);

/* Receives each finding, and owns it (zombie_note_free()). */
typedef void (*zwatch_fn)(void *userdata, struct zombie_note *z);

/* Do what is due at now_mono_ns (the stages, the reapings, the scan), with
 * the table for the parents (and for stage 1's copies). Can't fail: a note
 * that cannot be made for want of memory is counted as lost. */
void zwatch_tick(struct zwatch *zw, struct ptab *t, int64_t now_mono_ns, int64_t now_epoch_ms,
                 zwatch_fn fn, void *userdata);

/* When zwatch_tick() has something to do next (CLOCK_MONOTONIC ns). */
int64_t zwatch_next_due(const struct zwatch *zw);

void zwatch_stats(const struct zwatch *zw, struct zwatch_stats *ret);

/* Free it and what waits. Accepts NULL. */
void zwatch_free(struct zwatch *zw);
