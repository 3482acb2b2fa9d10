/* The daemon's view of processes: the proc connector, the process table it
 * keeps current, the kernel log's OOM lines and the death tracker, behind
 * one object that sigtraild's main loop polls beside the audit source.
 *   - every signal event gets a proc_extra (the sender's ancestry, unit and
 *     container; each target's executable, command line, start time, unit and
 *     container), built before the event goes to the writer;
 *   - every process a signal ended becomes a deathq_ready once its evidence
 *     had time to arrive; the writer has its cause decided and stored
 *     (deaths_write(), collector/deaths/).
 * Single-threaded: the main loop owns it. */
#pragma once

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sigtrail/event.h"
#include "sigtrail/proc_deathq.h"
#include "sigtrail/proc_extra.h"
#include "sigtrail/proc_execread.h"
#include "sigtrail/proc_table.h"
#include "sigtrail/requests.h"
#include "sigtrail/zombie.h"

struct procwatch;

/* Receives each zombie found or reaped, and owns it (zombie_note_free()). */
typedef void (*procwatch_zombie_fn)(void *userdata, struct zombie_note *z);

struct procwatch_config {
	const char *proc_root;         /* "/proc" */
	const char *kmsg_path;         /* "/dev/kmsg"; NULL: no OOM attribution */
	int64_t hold_ms;               /* how long a death waits for its evidence (0: default) */
	bool exits;                    /* record exits too, under the policy below */
	int64_t exit_min_age_ms;       /* an exit of a process that lived this long, or that a
	                                  signal reached (0: every exit) */
	const char *request_dirs;      /* where trusted request tools live, colon-separated
	                                  (NULL: sigtrail/requests.h's default) */
	int64_t zombie_delay_ms;       /* an exited process unreaped this long is a zombie
	                                  (0: no zombie watch) */
	procwatch_zombie_fn on_zombie; /* where zombies go (from procwatch_tick()) */
	void *on_zombie_data;
};

/* Subscribe to the proc connector (CAP_NET_ADMIN), open the kernel log
 * (CAP_SYSLOG where dmesg_restrict=1; failing that, OOM kills are not
 * recognised and a warning says so) and seed the table from proc_root.
 * Returns 0 and sets *ret, or -errno with a sentence in err[errlen]. */
int procwatch_open(const struct procwatch_config *cfg, struct procwatch **ret, char *err,
                   size_t errlen);

/* Start the exec reader's thread (proc_execread.h). Call once the
 * capabilities are dropped. Can't fail: without the thread (a warning says
 * so) only the main loop reads execs. */
void procwatch_start(struct procwatch *pw);

/* The descriptors to poll for POLLIN (connector, then kernel log): writes up
 * to 2 entries and returns how many. Can't fail. */
size_t procwatch_pollfds(const struct procwatch *pw, struct pollfd *out);

/* Read what the connector and the kernel log hold now (a bounded amount).
 * Call before reading audit records, so the table knows their processes.
 * Returns 0, or -errno when the connector socket failed for good. */
int procwatch_read(struct procwatch *pw);

/* An ANOM_ABEND audit record's body (the kernel's note of a core dump).
 * Can't fail: a malformed one is counted. */
void procwatch_abend(struct procwatch *pw, const char *body, size_t len);

/* What the table adds to a signal event; NULL when out of memory (counted).
 * The caller owns it (proc_extra_free()). */
struct proc_extra *procwatch_extra(struct procwatch *pw, const struct st_event *ev);

/* Receives each death whose hold is over, and owns it (deathq_ready_free()). */
typedef void (*procwatch_death_fn)(void *userdata, struct deathq_ready *death);

/* Timers: the table's delayed reads and expiries, the clock offsets, the
 * zombie watch (to cfg->on_zombie), and the deaths whose hold is over (to fn). `flush`: hand over
 * every held death now (at stop). Can't fail. */
void procwatch_tick(struct procwatch *pw, bool flush, procwatch_death_fn fn, void *userdata);

/* Milliseconds until procwatch_tick() has something to do (0..max_ms). */
int procwatch_timeout_ms(const struct procwatch *pw, int max_ms);

/* Follow a zombie an earlier run found on this boot (store_zombies_resume()):
 * its reaping is reported, it is not reported again. Can't fail. */
void procwatch_adopt_zombie(struct procwatch *pw, int32_t pid, uint64_t start_time);

struct procwatch_stats {
	uint64_t events;        /* connector events */
	uint64_t lost_events;   /* connector overruns: fork/exec/exit events the kernel dropped */
	uint64_t kmsg_overruns; /* kernel log records overwritten before we read them */
	uint64_t deaths;        /* processes ended by a signal */
	uint64_t exits;         /* exits recorded under the exit policy */
	uint64_t deaths_lost;   /* deaths dropped (memory, or too many held) */
	uint64_t abends_malformed;
	uint64_t extras_lost;    /* signal events that got no process facts (memory) */
	uint64_t zombies;        /* zombies found */
	uint64_t zombies_lost;   /* zombies not followed (too many at once) */
	uint64_t zombie_tracked; /* unreaped zombies followed now */
	struct ptab_stats table;
	struct execread_stats execread;
	bool kmsg;        /* OOM kills are recognised */
	bool execread_on; /* the exec reader runs */
};
void procwatch_stats(const struct procwatch *pw, struct procwatch_stats *ret);

/* Unsubscribe and free; held deaths are dropped (tick with flush first).
 * Accepts NULL. */
void procwatch_free(struct procwatch *pw);
