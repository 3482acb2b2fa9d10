/* decide.c: the way into collector/deaths/ (deaths_write()). On the writer
 * thread, one death that the tracker held and handed over is decided and
 * stored: the signal rows that may explain it are read back on the store's
 * connection (candidates.c), which by then holds every signal event read
 * before the death was handed over, committed or not, since the writer takes
 * its queue in order; death_attribute() (attribute.c) weighs them with the
 * evidence the tracker gathered; and the verdict, with the facts of the
 * death, becomes the plain record that store_insert_death() writes. By hand:
 *   sqlite3 sigtrail.db 'select pid, signame, cause, evidence from deaths'
 * Exercise it with `meson test -C build proc_decide` (one death of each
 * cause through the store). */
#include "sigtrail/deaths.h"

#include <stdio.h>
#include <string.h>

#include "deaths_internal.h"
#include "sigtrail/proc_deathq.h"
#include "sigtrail/store.h"

enum {
	CANDIDATE_ROWS = 32,        /* signal rows read back per death, newest first */
	CANDIDATE_STR_BYTES = 2048, /* their sender comms */
};

/* "" (the kernel printed nothing) is unknown, as NULL. */
static const char *text_or_null(const char *s)
{
	return s && s[0] ? s : NULL;
}

/* The death_rows row of r's death as v decided it. Its strings point into r
 * and v, which must outlive it. */
static void to_record(const struct deathq_ready *r, const struct death_verdict *v,
                      struct store_death *ret)
{
	const struct death *d = &r->death;
	const struct oom_kill *k = v->oom_index >= 0 ? &r->ooms[v->oom_index].kill : NULL;

	*ret = (struct store_death){
	    .epoch_ms = d->epoch_ms,
	    .pid = d->pid,
	    .start_time = d->start_time,
	    .signal = d->signal,
	    .core_dumped = d->core_dumped,
	    .uid = d->uid,
	    .comm = d->comm,
	    .exe = d->exe,
	    .cmdline = d->cmdline,
	    .unit = d->unit,
	    .container = d->container,
	    .ppid = d->ppid,
	    .pidns = d->pidns,
	    .nspid = d->nspid,
	    .cause = death_cause_name(v->cause),
	    .signal_id = v->signal_id,
	    .evidence = v->evidence,
	    .have_abend = v->abend_index >= 0,
	    .abend_serial = v->abend_index >= 0 ? r->abends[v->abend_index].serial : 0,
	    .oom_constraint = k ? text_or_null(k->constraint) : NULL,
	    .oom_memcg = k ? text_or_null(k->oom_memcg) : NULL,
	    .oom_task_memcg = k ? text_or_null(k->task_memcg) : NULL,
	    .have_oom_rss = k && k->rss_kb != OOM_UNKNOWN,
	    .oom_rss_kb = k ? k->rss_kb : 0,
	    .exit_status = d->signal ? -1 : d->exit_status,
	    .init_pid = v->cause == DEATH_PIDNS ? r->init_exit.pid : 0,
	    .init_start_time = v->cause == DEATH_PIDNS ? r->init_exit.start_time : 0,
	};
}

int deaths_write(struct store *st, const struct deathq_ready *r)
{
	const struct death *d = &r->death;
	struct death_signal_row rows[CANDIDATE_ROWS];
	char strbuf[CANDIDATE_STR_BYTES];
	struct death_verdict v;
	struct store_death rec;
	int n;

	/* Read before store_insert_death() opens a transaction if none is
	 * open: the rows are the same, this connection's uncommitted ones and
	 * every committed one. */
	n = deaths_query_rows(store_sqlite(st), d->pid, d->epoch_ms, rows, CANDIDATE_ROWS, strbuf,
	                      sizeof(strbuf));
	struct death_candidates c = {.rows = rows,
	                             .n_rows = n > 0 ? (size_t)n : 0,
	                             .ooms = r->ooms,
	                             .n_ooms = r->n_ooms,
	                             .abends = r->abends,
	                             .n_abends = r->n_abends,
	                             .init_exit = r->have_init_exit ? &r->init_exit : NULL,
	                             .signals_recorded = store_signals_recorded(st)};
	death_attribute(d, &c, &v);
	if (n < 0) /* the cause stands on the other evidence; say what is missing */
		snprintf(v.evidence + strlen(v.evidence), sizeof(v.evidence) - strlen(v.evidence),
		         "; the signal rows could not be read");
	to_record(r, &v, &rec);
	return store_insert_death(st, &rec);
}
