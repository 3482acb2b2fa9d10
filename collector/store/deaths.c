/* deaths.c: a death becomes a death_rows row. The cause is decided here, on
 * the writer thread, because the deciding evidence includes the signal rows
 * this connection has written (committed or not): every signal event read
 * before the death was handed over is already inserted, since the writer
 * takes its queue in order. By hand:
 *   sqlite3 sigtrail.db 'select pid, signame, cause, evidence from deaths'
 * Covered by the kernel suite (proc_*). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "store_internal.h"

#include "sigtrail/deaths.h"

enum { CANDIDATE_ROWS = 32 };

int store_deaths_prepare(struct store *st)
{
	return sqlite3_prepare_v3(
	    st->db,
	    "INSERT INTO death_rows(epoch_ms, host_s, pid, start_time, signal, core_dumped, uid, "
	    "user_s, comm_s, exe_s, cmdline_s, ppid, pidns, cause, signal_id, evidence, "
	    "abend_serial, oom_constraint_s, oom_memcg_s, oom_task_memcg_s, oom_rss_kb, unit_s, "
	    "container_s, nspid) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
	    "?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24)",
	    -1, SQLITE_PREPARE_PERSISTENT, &st->death, NULL);
}

/* "" (the kernel printed nothing) is unknown, as NULL. */
static const char *text_or_null(const char *s)
{
	return s && s[0] ? s : NULL;
}

int store_insert_death(struct store *st, const struct deathq_ready *r)
{
	const struct death *d = &r->death;
	struct death_signal_row rows[CANDIDATE_ROWS];
	char strbuf[2048];
	struct death_verdict v;
	struct timespec now;
	int rc, n;

	if ((rc = store_begin(st)) != SQLITE_OK) {
		st->stats.deaths_lost++;
		return store_sqlite_errno(rc);
	}
	n = deaths_query_rows(st->db, d->pid, d->epoch_ms, rows, CANDIDATE_ROWS, strbuf,
	                      sizeof(strbuf));
	struct death_candidates c = {.rows = rows,
	                             .n_rows = n > 0 ? (size_t)n : 0,
	                             .ooms = r->ooms,
	                             .n_ooms = r->n_ooms,
	                             .abends = r->abends,
	                             .n_abends = r->n_abends,
	                             .init_exit = r->have_init_exit ? &r->init_exit : NULL,
	                             .signals_recorded = st->signals_recorded};
	death_attribute(d, &c, &v);
	if (n < 0) /* the cause stands on the other evidence; say what is missing */
		snprintf(v.evidence + strlen(v.evidence), sizeof(v.evidence) - strlen(v.evidence),
		         "; the signal rows could not be read");

	const struct oom_kill *k = v.oom_index >= 0 ? &r->ooms[v.oom_index].kill : NULL;
	int64_t host, user, comm, exe, cmd, cons = -1, memcg = -1, tmemcg = -1, unit, cont;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if ((rc = store_intern(st, st->default_host, &host, NULL)) != SQLITE_OK ||
	    (rc = store_intern(st, d->uid >= 0 ? ids_user(&st->ids, d->uid, now.tv_sec) : NULL,
	                       &user, NULL)) != SQLITE_OK ||
	    (rc = store_intern(st, d->comm, &comm, NULL)) != SQLITE_OK ||
	    (rc = store_intern(st, d->exe, &exe, NULL)) != SQLITE_OK ||
	    (rc = store_intern_text(st, d->cmdline, &cmd, NULL)) != SQLITE_OK ||
	    (rc = store_intern(st, d->unit, &unit, NULL)) != SQLITE_OK ||
	    (rc = store_intern(st, d->container, &cont, NULL)) != SQLITE_OK ||
	    (k &&
	     ((rc = store_intern(st, text_or_null(k->constraint), &cons, NULL)) != SQLITE_OK ||
	      (rc = store_intern(st, text_or_null(k->oom_memcg), &memcg, NULL)) != SQLITE_OK ||
	      (rc = store_intern(st, text_or_null(k->task_memcg), &tmemcg, NULL)) != SQLITE_OK)))
		goto fail;

	sqlite3_stmt *s = st->death;
	sqlite3_reset(s);
	sqlite3_bind_int64(s, 1, d->epoch_ms);
	store_bind_opt(s, 2, host >= 0, host);
	sqlite3_bind_int(s, 3, d->pid);
	store_bind_opt(s, 4, d->start_time != 0, (int64_t)d->start_time);
	sqlite3_bind_int(s, 5, d->signal);
	sqlite3_bind_int(s, 6, d->core_dumped);
	store_bind_opt(s, 7, d->uid >= 0, d->uid);
	store_bind_opt(s, 8, user >= 0, user);
	store_bind_opt(s, 9, comm >= 0, comm);
	store_bind_opt(s, 10, exe >= 0, exe);
	store_bind_opt(s, 11, cmd >= 0, cmd);
	store_bind_opt(s, 12, d->ppid > 0, d->ppid);
	store_bind_opt(s, 13, d->pidns != 0, (int64_t)d->pidns);
	sqlite3_bind_text(s, 14, death_cause_name(v.cause), -1, SQLITE_STATIC);
	store_bind_opt(s, 15, v.signal_id >= 0, v.signal_id);
	sqlite3_bind_text(s, 16, v.evidence, -1, SQLITE_STATIC);
	store_bind_opt(s, 17, v.abend_index >= 0,
	               v.abend_index >= 0 ? (int64_t)r->abends[v.abend_index].serial : 0);
	store_bind_opt(s, 18, cons >= 0, cons);
	store_bind_opt(s, 19, memcg >= 0, memcg);
	store_bind_opt(s, 20, tmemcg >= 0, tmemcg);
	store_bind_opt(s, 21, k && k->rss_kb != OOM_UNKNOWN, k ? k->rss_kb : 0);
	store_bind_opt(s, 22, unit >= 0, unit);
	store_bind_opt(s, 23, cont >= 0, cont);
	store_bind_opt(s, 24, d->nspid > 0, d->nspid);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		goto fail;
	st->pending_deaths++;
	return 1;
fail:
	st->stats.deaths_lost++;
	return store_sqlite_errno(rc);
}
