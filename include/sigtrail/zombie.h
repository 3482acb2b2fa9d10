/* Zombies: processes that exited and that their parent has not reaped
 * (waited for). The daemon's zombie watch (collector/proc/zombies.c) finds
 * them and hands each finding to the writer as a zombie_note; the store
 * (collector/store/zombies.c) makes it a zombie_rows row, or the
 * zombie_reaps row of a zombie reaped since (schema/018-zombies.sql).
 * A plain type both sides share; neither includes the other. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

enum {
	ZOMBIE_DELAY_MS = 10000,   /* unreaped this long after its exit: a zombie (default) */
	ZOMBIE_MAX_TRACKED = 4096, /* unreaped zombies followed at once; beyond, counted */
};

/* One finding. Strings are owned (malloc'd), NULL when unknown. */
struct zombie_note {
	bool reaped;         /* a zombie found earlier is gone: only pid, start_time, epoch_ms */
	int64_t epoch_ms;    /* the exit (exit_seen) or first sight; for a reap, when seen gone */
	bool exit_seen;      /* epoch_ms is the kernel's exit event */
	int32_t pid;         /* thread group id */
	uint64_t start_time; /* clock ticks after boot, 0 unknown */
	int exit_status;     /* its exit code 0..255; -1 when a signal ended it */
	int signal;          /* the signal that ended it; 0 for an exit */
	int32_t ppid;        /* the parent that does not reap it */
	uint64_t parent_start_time; /* 0 unknown */
	bool parent_is_init;        /* the parent is pid 1 of its pid namespace */
	char *comm, *cmdline;       /* the zombie's, as they were before it exited */
	char *parent_comm, *parent_cmdline;
	char *unit, *container;
};

/* Free a note and its strings. Accepts NULL. */
void zombie_note_free(struct zombie_note *z);
