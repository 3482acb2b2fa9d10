/* deaths.c: a decided death (struct store_death, from collector/deaths/)
 * becomes a death_rows row inside the open transaction. The cause and its
 * evidence come decided; the store adds only what it owns: the host, the
 * user name of the uid (its ids cache) and the string ids; and the killing
 * signal row's target_disposition becomes `default` when it was unknown
 * (the target was gone when its state was read). By hand:
 *   sqlite3 sigtrail.db 'select pid, signame, cause, evidence from deaths'
 * Covered by `meson test -C build proc_decide`, and live by the kernel
 * suite's proc_* tests. */
#include <errno.h>

#include "store_internal.h"
#include "sigtrail/clock.h"

int store_deaths_prepare(struct store *st)
{
	int rc =
	    sqlite3_prepare_v3(st->db,
	                       "UPDATE signal_rows SET target_disposition_s = ?2 WHERE id = ?1 AND "
	                       "target_disposition_s IS NULL",
	                       -1, SQLITE_PREPARE_PERSISTENT, &st->fatal, NULL);

	if (rc != SQLITE_OK)
		return rc;
	return sqlite3_prepare_v3(
	    st->db,
	    "INSERT INTO death_rows(epoch_ms, host_s, pid, start_time, signal, core_dumped, uid, "
	    "user_s, comm_s, exe_s, cmdline_s, ppid, pidns, cause, signal_id, evidence, "
	    "abend_serial, oom_constraint_s, oom_memcg_s, oom_task_memcg_s, oom_rss_kb, unit_s, "
	    "container_s, nspid, init_pid, init_start_time, exit_status) VALUES (?1, ?2, ?3, ?4, "
	    "?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, "
	    "?23, ?24, ?25, ?26, ?27)",
	    -1, SQLITE_PREPARE_PERSISTENT, &st->death, NULL);
}

bool store_signals_recorded(const struct store *st)
{
	return st->signals_recorded;
}

int store_insert_death(struct store *st, const struct store_death *d)
{
	int64_t host, user, comm, exe, cmd, cons, memcg, tmemcg, unit, cont;
	int64_t now_s = now_mono_ms() / 1000; /* the user-name cache's clock */
	int rc;

	if ((rc = store_begin(st)) != SQLITE_OK) {
		st->stats.deaths_lost++;
		return store_sqlite_errno(rc);
	}
	if ((rc = store_intern(st, st->default_host, &host, NULL)) != SQLITE_OK ||
	    (rc = store_intern(st, d->uid >= 0 ? ids_user(&st->ids, d->uid, now_s) : NULL, &user,
	                       NULL)) != SQLITE_OK ||
	    (rc = store_intern(st, d->comm, &comm, NULL)) != SQLITE_OK ||
	    (rc = store_intern(st, d->exe, &exe, NULL)) != SQLITE_OK ||
	    (rc = store_intern_text(st, d->cmdline, &cmd, NULL)) != SQLITE_OK ||
	    (rc = store_intern(st, d->unit, &unit, NULL)) != SQLITE_OK ||
	    (rc = store_intern(st, d->container, &cont, NULL)) != SQLITE_OK ||
	    (rc = store_intern(st, d->oom_constraint, &cons, NULL)) != SQLITE_OK ||
	    (rc = store_intern(st, d->oom_memcg, &memcg, NULL)) != SQLITE_OK ||
	    (rc = store_intern(st, d->oom_task_memcg, &tmemcg, NULL)) != SQLITE_OK)
		goto fail;

	sqlite3_stmt *s = st->death;
	sqlite3_reset(s);
	sqlite3_bind_int64(s, 1, d->epoch_ms);
	store_bind_opt(s, 2, host >= 0, host);
	sqlite3_bind_int(s, 3, d->pid);
	store_bind_opt(s, 4, d->start_time != 0, (int64_t)d->start_time);
	store_bind_opt(s, 5, d->signal > 0, d->signal);
	sqlite3_bind_int(s, 6, d->core_dumped);
	store_bind_opt(s, 7, d->uid >= 0, d->uid);
	store_bind_opt(s, 8, user >= 0, user);
	store_bind_opt(s, 9, comm >= 0, comm);
	store_bind_opt(s, 10, exe >= 0, exe);
	store_bind_opt(s, 11, cmd >= 0, cmd);
	store_bind_opt(s, 12, d->ppid > 0, d->ppid);
	store_bind_opt(s, 13, d->pidns != 0, (int64_t)d->pidns);
	sqlite3_bind_text(s, 14, d->cause, -1, SQLITE_STATIC);
	store_bind_opt(s, 15, d->signal_id >= 0, d->signal_id);
	sqlite3_bind_text(s, 16, d->evidence, -1, SQLITE_STATIC);
	store_bind_opt(s, 17, d->have_abend, (int64_t)d->abend_serial);
	store_bind_opt(s, 18, cons >= 0, cons);
	store_bind_opt(s, 19, memcg >= 0, memcg);
	store_bind_opt(s, 20, tmemcg >= 0, tmemcg);
	store_bind_opt(s, 21, d->have_oom_rss, d->oom_rss_kb);
	store_bind_opt(s, 22, unit >= 0, unit);
	store_bind_opt(s, 23, cont >= 0, cont);
	store_bind_opt(s, 24, d->nspid > 0, d->nspid);
	store_bind_opt(s, 25, d->init_pid > 0, d->init_pid);
	store_bind_opt(s, 26, d->init_pid > 0 && d->init_start_time, (int64_t)d->init_start_time);
	store_bind_opt(s, 27, d->signal == 0 && d->exit_status >= 0, d->exit_status);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		goto fail;
	/* The signal that ended it did what a signal does by default: the
	 * target was gone before its disposition could be read, so say it.
	 * The death is stored either way: a failure here leaves it unknown. */
	int64_t def;
	if (d->signal_id >= 0 && d->signal > 0 &&
	    store_intern(st, "default", &def, NULL) == SQLITE_OK) {
		sqlite3_reset(st->fatal);
		sqlite3_bind_int64(st->fatal, 1, d->signal_id);
		sqlite3_bind_int64(st->fatal, 2, def);
		(void)sqlite3_step(st->fatal);
		sqlite3_reset(st->fatal);
	}
	st->pending_deaths++;
	return 1;
fail:
	st->stats.deaths_lost++;
	return store_sqlite_errno(rc);
}
