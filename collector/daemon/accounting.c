/* accounting.c: what this run recorded and lost, counted where each loss
 * happens (the kernel, the socket, parsing, the queue, the database, the
 * proc connector) and read here for the log (a warning at most once a
 * minute, a summary at stop), the heartbeat and the run's coverage row
 * (store/runs.c). The kernel suite's storm and diskfull tests and the unit
 * suite's replay exercise it. */
#include <stdio.h>
#include <sysexits.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "sigtrail/log.h"
#include "sigtrail/options.h"

/* Everything lost so far, from every place it can be lost. */
static uint64_t losses(const struct daemon *d, const struct src_stats *ss,
                       const struct asm_stats *as, const struct writer_stats *ws)
{
	return ss->overruns + ss->oversized + ss->unparsable + d->filter.malformed + as->malformed +
	       as->feed_errors + as->oom + as->evicted + as->targets_dropped + ws->dropped +
	       ws->lost_rows;
}

/* Warn about new losses at most once a minute; at the end, always summarise. */
void log_losses(struct daemon *d, const struct writer_stats *ws, bool final)
{
	struct src_stats ss;
	struct asm_stats as;
	int64_t now = now_mono_ms() / 1000;

	src_stats(d->src, &ss);
	asm_stats(d->assembler, &as);
	uint64_t lost = losses(d, &ss, &as, ws);
	if (!final && (lost == d->logged_losses || now - d->last_loss_log_s < LOSS_LOG_INTERVAL_S))
		return;
	log_msg(lost != d->logged_losses ? LOG_LVL_WARN : LOG_LVL_INFO,
	        "%s: %llu events recorded as %llu rows; lost: %llu socket overruns, "
	        "%llu oversized and %llu unparsable lines, %llu malformed records, "
	        "%llu malformed events, %llu events completed early (%d open at once), "
	        "%llu targets beyond %d per event, %llu queue-full drops, "
	        "%llu rows refused by the database%s%s",
	        final ? "stopped" : "losses", (unsigned long long)as.events,
	        (unsigned long long)ws->store.rows_written, (unsigned long long)ss.overruns,
	        (unsigned long long)ss.oversized, (unsigned long long)ss.unparsable,
	        (unsigned long long)d->filter.malformed, (unsigned long long)as.malformed,
	        (unsigned long long)as.evicted, ASM_OPEN_MAX,
	        (unsigned long long)as.targets_dropped, ST_MAX_TARGETS,
	        (unsigned long long)ws->dropped, (unsigned long long)ws->lost_rows,
	        ws->last_error ? "; last database error: " : "",
	        ws->last_error ? strerror(-ws->last_error) : "");
	d->logged_losses = lost;
	d->last_loss_log_s = now;
}

/* Say when the database stops taking rows (they are held in memory) and when
 * it takes them again; a stall and its end between two looks are both said. */
void log_stalls(struct daemon *d, const struct writer_stats *ws)
{
	if (ws->stalls > d->logged_stalls) {
		log_warn("database %s cannot be written (%s): holding rows in memory (up to %zu "
		         "MiB, --db-buffer) and retrying every second; rows beyond that are lost",
		         arg_db, ws->last_error ? strerror(-ws->last_error) : "unknown error",
		         ws->held_max_bytes >> 20);
		d->logged_stalls = ws->stalls;
	}
	if (ws->resumes > d->logged_resumes) {
		log_info("database %s: storing resumed; the rows held meanwhile are stored (%llu "
		         "rows lost to the database in all)",
		         arg_db, (unsigned long long)ws->lost_rows);
		d->logged_resumes = ws->resumes;
	}
}

/* At the end: what the process table saw and what it lost. */
void log_procs(const struct daemon *d)
{
	struct procwatch_stats ps;

	if (!d->procs)
		return;
	procwatch_stats(d->procs, &ps);
	bool lost = ps.lost_events || ps.deaths_lost || ps.extras_lost || ps.kmsg_overruns ||
	            ps.abends_malformed || ps.table.full || ps.zombies_lost;
	log_msg(lost ? LOG_LVL_WARN : LOG_LVL_INFO,
	        "process table: %llu connector events, %llu deaths, %llu exits; lost: %llu "
	        "connector events (overruns), %llu deaths, %llu events without process facts, "
	        "%llu kernel log records (overwritten: OOM kills among them read as 'kernel'), "
	        "%llu unparsable ANOM_ABEND records; %llu processes tracked at most, %llu not "
	        "tracked (table full)",
	        (unsigned long long)ps.events, (unsigned long long)ps.deaths,
	        (unsigned long long)ps.exits, (unsigned long long)ps.lost_events,
	        (unsigned long long)ps.deaths_lost, (unsigned long long)ps.extras_lost,
	        (unsigned long long)ps.kmsg_overruns, (unsigned long long)ps.abends_malformed,
	        (unsigned long long)ps.table.peak_procs, (unsigned long long)ps.table.full);
	if (ps.execread_on)
		log_info(
		    "exec reader (%s): %llu execs, %llu read at once, %llu not read "
		    "(late or over %d a second), %llu gone before the read, %llu command "
		    "lines kept for processes gone before the table read them",
		    ps.execread.realtime ? "real-time"
		                         : "not real-time: no CAP_SYS_NICE or RestrictRealtime",
		    (unsigned long long)ps.execread.execs, (unsigned long long)ps.execread.reads,
		    (unsigned long long)ps.execread.skipped, EXECREAD_PER_S,
		    (unsigned long long)ps.execread.gone,
		    (unsigned long long)ps.table.late_exec_reads);
	if (ps.zombies || ps.zombies_lost)
		log_msg(ps.zombies_lost ? LOG_LVL_WARN : LOG_LVL_INFO,
		        "zombie watch: %llu zombies found, %llu still unreaped, %llu not followed "
		        "(more than %d unreaped at once)",
		        (unsigned long long)ps.zombies, (unsigned long long)ps.zombie_tracked,
		        (unsigned long long)ps.zombies_lost, ZOMBIE_MAX_TRACKED);
}

/* The reader's half of the coverage counters: events, socket overruns and
 * everything that could not be parsed. */
static void reader_counters(struct daemon *d)
{
	struct src_stats ss;
	struct asm_stats as;

	src_stats(d->src, &ss);
	asm_stats(d->assembler, &as);
	d->run.events = as.events;
	d->run.lost_socket = ss.overruns;
	d->run.lost_serial_gaps = d->filter.gaps.missing;
	d->run.lost_unparsable = ss.oversized + ss.unparsable + d->filter.malformed + as.malformed +
	                         as.feed_errors + as.oom + as.evicted;
	d->run.lost_targets = as.targets_dropped;
	if (d->procs) { /* the writer adds the deaths it dropped or could not store */
		struct procwatch_stats ps;
		procwatch_stats(d->procs, &ps);
		d->run.lost_process_events = ps.lost_events;
		d->run.lost_deaths = ps.deaths_lost;
		d->run.lost_kernel_log = ps.kmsg_overruns;
		d->run.lost_abends = ps.abends_malformed;
		d->run.lost_process_facts = ps.extras_lost;
		d->run.untracked_processes = ps.table.full;
		d->run.lost_zombies = ps.zombies_lost;
	}
}

void coverage_processes(struct daemon *d)
{
	int r = store_run_update(d->store, &d->run, now_wall_ms(), NULL);

	if (r < 0)
		log_warn("database %s: cannot record the process table's state in the run's "
		         "coverage row: %s; the next heartbeat records it",
		         arg_db, strerror(-r));
}

/* The coverage row of this run; runs that never stopped are closed (their
 * count is logged). Returns 0 or the exit code. */
int coverage_begin(struct daemon *d, const char *host)
{
	int r;

	d->run_start_ms = now_wall_ms();
	r = store_run_begin(d->store, source_name(d->kind), host, getpid(), now_wall_ms(), &d->run);
	if (r < 0) {
		log_error("database %s: cannot record the collector run: %s", arg_db, strerror(-r));
		return EX_IOERR;
	}
	if (r > 0)
		log_warn("%d earlier run(s) ended without a clean stop; marked 'crashed' at their "
		         "last heartbeat in the coverage view",
		         r);
	d->start_lost = d->status.lost;
	return 0;
}

/* Hand the reader's counters and the kernel's lost delta to the writer,
 * which adds its own and updates the run's row. */
void coverage_beat(struct daemon *d)
{
	struct audit_status now;

	reader_counters(d);
	if (d->ctl_fd >= 0 && ctl_status(d->ctl_fd, &now) == 0)
		d->run.lost_kernel = (uint32_t)(now.lost - d->start_lost);
	writer_heartbeat(d->writer, &d->run);
}

/* At stop, once the writer is gone: the run's last counters, the stopper's
 * row if no rule recorded it, and the row closed. */
void coverage_end(struct daemon *d, const struct writer_stats *ws)
{
	int r;

	log_losses(d, ws, true);
	d->run.rows = ws->store.rows_written;
	d->run.lost_db = ws->lost_rows;
	d->run.lost_queue = ws->dropped;
	d->run.pruned_rows = ws->pruned;
	d->run.deaths = ws->store.deaths_written;
	d->run.redactions = ws->store.redactions;
	if (d->filter.track_gaps)
		gaps_settle(&d->filter.gaps); /* the stream has ended */
	reader_counters(d);
	d->run.lost_deaths += ws->deaths_dropped + ws->lost_deaths;
	d->run.lost_zombies += ws->lost_zombies;
	record_stopper(d);
	if (d->run.id > 0 &&
	    (r = store_run_update(d->store, &d->run, now_wall_ms(), "stopped")) < 0)
		log_error("database %s: cannot close the coverage row of this run: %s", arg_db,
		          strerror(-r));
}
