/* daemon.h: sigtraild's state and the parts of its lifecycle, private to
 * collector/daemon/. main.c is the table of contents (setup, run,
 * teardown); audit.c owns the kernel's audit state (enabled flag, backlog,
 * rules, the owned-rules record); dbfile.c the identity of the database
 * file (lock, WAL, swap, --user); accounting.c every counter of what was
 * recorded and lost, for the log, the heartbeat and the coverage row;
 * loop.c the reader loop and the drain at stop. */
#pragma once

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#include "sigtrail/assemble.h"
#include "sigtrail/audit_ctl.h"
#include "sigtrail/clock.h"
#include "sigtrail/filter.h"
#include "sigtrail/procwatch.h"
#include "sigtrail/source.h"
#include "sigtrail/store.h"
#include "sigtrail/writer.h"

/* In the runtime directory: the rules this collector added, so that a
 * successor can remove them if it dies without its clean stop (see
 * ctl_rules_adopt()). */
#define OWNED_RULES_FILE "owned-rules"

enum {
	AUDIT_LOCKED = 2,         /* enabled=2: `auditctl -e 2`, immutable until reboot */
	MIN_BACKLOG_LIMIT = 8192, /* kernel queue while we are busy: ~1 s of a storm */
	QUEUE_CAPACITY = 65536,   /* events between reader and writer thread */
	EOE_TIMEOUT_S = 2,
	TICK_MS = 250,
	SIGNAL_CHECK_MS = 100, /* on input that is always ready: let a SIGTERM in this often */
	DRAIN_QUIET_MS = 200,  /* at stop: input quiet this long means drained */
	DRAIN_MAX_MS = 10000,  /* systemd's TimeoutStopSec must be longer */
	LOSS_LOG_INTERVAL_S = 60,
	RULE_CHECK_MS = 10000, /* how often to check that our rules are still loaded */
	HEARTBEAT_MS = 5000,   /* coverage row update; a crash is dated to the last one */
	/* Interrupt moderation: after a wake-up that found fewer records than
	 * this, let records gather for a moment before polling again. */
	MODERATE_BELOW = 32, /* one recvmmsg() batch */
	MODERATE_US = 1000,  /* the kernel queues ~40 records of a storm meanwhile */
	/* As auditd's priority_boost (its default): the reader must run soon
	 * after a wake-up on a busy machine, because the kernel's backlog stalls
	 * senders, and a process that execs and exits within a millisecond can
	 * be read only in that millisecond. */
	PRIORITY_BOOST = 4,
};

/* All daemon state. */
struct daemon {
	enum src_kind kind;
	int ctl_fd;                 /* audit control socket, -1 in stdin mode */
	struct audit_status status; /* as read at start (after injection) */
	struct ctl_restore restore; /* audit status changes to undo at stop */
	struct ctl_rules rules;
	struct src *src;
	struct filter filter;
	struct assembler *assembler;
	struct store *store; /* owned by the writer while it runs */
	struct writer *writer;
	struct procwatch *procs;  /* NULL: no process table (stdin, --no-processes) */
	char processes[640];      /* "on" or "off: why", for the coverage row */
	FILE *tee;                /* --tee: kept records, as auditd log lines */
	int ready_fd;             /* daemonizing: tells the parent we are up */
	int64_t last_input_ms;    /* last time the source delivered something */
	int64_t last_loss_log_s;  /* rate limit for loss warnings */
	uint64_t logged_losses;   /* losses already reported */
	uint64_t logged_stalls;   /* database stalls already reported */
	uint64_t logged_resumes;  /* ... and their ends */
	int lock_fd;              /* flock on <db>.lock: one collector per database */
	struct store_run run;     /* this run's coverage row */
	uint32_t start_lost;      /* the kernel's lost counter at start */
	struct stat db_stat;      /* the database file we opened, to notice a swap */
	ino_t wal_ino, shm_ino;   /* its -wal and -shm files, while they are ours */
	int fatal_code;           /* set by the loop's checks: stop with this exit code */
	struct st_event *stop_ev; /* who sent the SIGTERM, when the kernel says */
	char stopped_by[512];     /* ... in words, for the coverage row */
	int64_t run_start_ms;     /* wall clock at the start of this run */
	bool owns_state;          /* owned_path lists our rules and status changes */
	bool record_consumed; /* owned_path was absent, or a gone collector's: ours to rewrite */
	char owned_path[PATH_MAX]; /* <runtime dir>/owned-rules */
	bool made_runtime_dir;     /* this run created the runtime directory: remove it if empty */
};

/* Set by the signal handlers (main.c); the signals are blocked except
 * inside the loop's ppoll(). */
extern volatile sig_atomic_t stop_signal; /* SIGTERM/SIGINT received: stop */
/* Its sender as the kernel gave it to the handler (siginfo si_pid, si_uid;
 * pid 0: the kernel itself or unknown), in every source mode. */
extern volatile sig_atomic_t stop_sender_pid, stop_sender_uid;
extern volatile sig_atomic_t hup_seen; /* SIGHUP received: auditd asks plugins to reload */

static inline const char *source_name(enum src_kind kind)
{
	return kind == SRC_UNICAST ? "unicast" : kind == SRC_MULTICAST ? "multicast" : "stdin";
}

/* audit.c: the kernel's audit state, taken at setup and given back at stop. */
void audit_open_control(struct daemon *d);
enum src_kind choose_source(const struct audit_status *st);
int audit_take(struct daemon *d, int *ret_added);
void audit_raise_backlog(struct daemon *d);
void save_owned_state(struct daemon *d);
void check_rules(struct daemon *d);
unsigned kernel_backlog(struct daemon *d);
int audit_remove_rules(struct daemon *d);
int audit_restore_status(struct daemon *d);
void who_stopped(struct daemon *d);
void record_stopper(struct daemon *d);

/* dbfile.c: the database file this run writes. */
void db_open(struct daemon *d, const char *host);
void db_check_identity(struct daemon *d);
void drop_orphan_wal(const struct daemon *d);
int hand_over(struct daemon *d, const char *name);

/* accounting.c: what was recorded and lost. */
int coverage_begin(struct daemon *d, const char *host);
/* The run's coverage row says at once whether the process table is on
 * (d->processes) and the audit backlog limit in effect (d->run), rather
 * than at the first heartbeat: a `who` in between
 * would read the run as one without deaths. A failure is logged; the
 * heartbeat writes it again. */
void coverage_processes(struct daemon *d);
void log_losses(struct daemon *d, const struct writer_stats *ws, bool final);
void log_stalls(struct daemon *d, const struct writer_stats *ws);
void log_procs(const struct daemon *d);
void coverage_beat(struct daemon *d);
void coverage_end(struct daemon *d, const struct writer_stats *ws);

/* loop.c: the reader. */
int read_procs(struct daemon *d);
void on_event(void *userdata, struct st_event *ev);
void on_death(void *userdata, struct deathq_ready *death);
void on_zombie(void *userdata, struct zombie_note *z); /* to the writer */
int run(struct daemon *d, const sigset_t *unblocked);
void drain(struct daemon *d);
