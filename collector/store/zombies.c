/* zombies.c: a zombie finding (struct zombie_note, from the daemon's
 * zombie watch, collector/proc/zombies.c) becomes a zombie_rows row, or
 * the zombie_reaps row of one reaped since, inside the open transaction
 * (schema/018-zombies.sql). Both are inserts: a row never changes once
 * written, so the forwarder sends each once. A zombie is known by its
 * boot, pid and start time: a pid is not reused while its zombie lasts.
 * By hand:
 *   sqlite3 sigtrail.db 'select pid, comm, ppid, parent_comm, reaped_at from zombies'
 * Covered by `meson test -C build store_zombies`, and live by the kernel
 * suite's proc_zombies. */
#include <errno.h>

#include "store_internal.h"
#include "sigtrail/audit_ctl.h"

/* The unreaped zombie_rows row of this boot, pid and start time. */
#define UNREAPED                                                                                   \
	"FROM zombie_rows AS z WHERE z.pid = ?2 AND z.start_time IS ?3 AND z.boot_s IS ?4 AND "    \
	"NOT EXISTS (SELECT 1 FROM zombie_reaps AS r WHERE r.zombie_id = z.id)"

int store_zombies_prepare(struct store *st)
{
	int rc = store_prepare(
	    st, "INSERT INTO zombie_reaps(zombie_id, epoch_ms) SELECT z.id, ?1 " UNREAPED,
	    &st->reap);

	if (rc != SQLITE_OK)
		return rc;
	return store_prepare(
	    st,
	    "INSERT INTO zombie_rows(epoch_ms, pid, start_time, boot_s, exit_seen, host_s, comm_s, "
	    "cmdline_s, exit_status, signal, ppid, parent_start_time, parent_comm_s, "
	    "parent_cmdline_s, parent_is_init, unit_s, container_s) SELECT ?1, ?2, ?3, ?4, ?5, ?6, "
	    "?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17 WHERE NOT EXISTS (SELECT "
	    "1 " UNREAPED ")",
	    &st->zombie);
}

/* The strings.id of this boot's id (st->boot_s), interned once; -1 when
 * the kernel does not say (its zombies are then told apart by pid and
 * start time alone). */
static int boot_string(struct store *st, int64_t *ret)
{
	char boot[CTL_BOOT_ID_LEN];
	int rc = SQLITE_OK;

	if (st->boot_s == 0) {
		st->boot_s = -1;
		if (ctl_boot_id(boot) == 0 &&
		    (rc = store_intern(st, boot, &st->boot_s, NULL)) != SQLITE_OK)
			st->boot_s = 0;
	}
	*ret = st->boot_s;
	return rc;
}

/* Bind the key ?1..?4: the time, pid, start time and boot. */
static void bind_key(sqlite3_stmt *s, const struct zombie_note *z, int64_t boot)
{
	sqlite3_reset(s);
	sqlite3_bind_int64(s, 1, z->epoch_ms);
	sqlite3_bind_int(s, 2, z->pid);
	store_bind_opt(s, 3, z->start_time != 0, (int64_t)z->start_time);
	store_bind_opt(s, 4, boot >= 0, boot);
}

int store_insert_zombie(struct store *st, const struct zombie_note *z)
{
	int64_t boot, host, comm, cmd, pcomm, pcmd, unit, cont;
	int rc;

	if ((rc = store_begin(st)) != SQLITE_OK || (rc = boot_string(st, &boot)) != SQLITE_OK)
		return store_sqlite_errno(rc);
	if (z->reaped) {
		bind_key(st->reap, z, boot);
		rc = sqlite3_step(st->reap);
		sqlite3_reset(st->reap);
		return rc == SQLITE_DONE ? sqlite3_changes(st->db) > 0 : store_sqlite_errno(rc);
	}
	if ((rc = store_intern(st, st->default_host, &host, NULL)) != SQLITE_OK ||
	    (rc = store_intern(st, z->comm, &comm, NULL)) != SQLITE_OK ||
	    (rc = store_intern_text(st, z->cmdline, &cmd, NULL)) != SQLITE_OK ||
	    (rc = store_intern(st, z->parent_comm, &pcomm, NULL)) != SQLITE_OK ||
	    (rc = store_intern_text(st, z->parent_cmdline, &pcmd, NULL)) != SQLITE_OK ||
	    (rc = store_intern(st, z->unit, &unit, NULL)) != SQLITE_OK ||
	    (rc = store_intern(st, z->container, &cont, NULL)) != SQLITE_OK)
		return store_sqlite_errno(rc);

	sqlite3_stmt *s = st->zombie;
	bind_key(s, z, boot);
	sqlite3_bind_int(s, 5, z->exit_seen);
	store_bind_opt(s, 6, host >= 0, host);
	store_bind_opt(s, 7, comm >= 0, comm);
	store_bind_opt(s, 8, cmd >= 0, cmd);
	store_bind_opt(s, 9, z->signal == 0 && z->exit_status >= 0, z->exit_status);
	store_bind_opt(s, 10, z->signal > 0, z->signal);
	store_bind_opt(s, 11, z->ppid > 0, z->ppid);
	store_bind_opt(s, 12, z->parent_start_time != 0, (int64_t)z->parent_start_time);
	store_bind_opt(s, 13, pcomm >= 0, pcomm);
	store_bind_opt(s, 14, pcmd >= 0, pcmd);
	sqlite3_bind_int(s, 15, z->parent_is_init);
	store_bind_opt(s, 16, unit >= 0, unit);
	store_bind_opt(s, 17, cont >= 0, cont);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return store_sqlite_errno(rc);
	if (sqlite3_changes(st->db) == 0)
		return 0;
	st->zombies_waiting = true; /* its commit chains it */
	return 1;
}

int store_zombies_resume(struct store *st,
                         void (*fn)(void *userdata, int32_t pid, uint64_t start_time),
                         void *userdata)
{
	sqlite3_stmt *s = NULL;
	int64_t boot;
	int rc, n = 0;

	if ((rc = store_begin(st)) != SQLITE_OK || (rc = boot_string(st, &boot)) != SQLITE_OK)
		return store_sqlite_errno(rc);
	/* Another boot's zombies ended with it, at the latest. */
	rc =
	    sqlite3_prepare_v2(st->db,
	                       "INSERT INTO zombie_reaps(zombie_id, epoch_ms) SELECT z.id, "
	                       "max(?1, z.epoch_ms) FROM zombie_rows AS z WHERE z.boot_s IS NOT ?2 "
	                       "AND NOT EXISTS (SELECT 1 FROM zombie_reaps AS r WHERE r.zombie_id "
	                       "= z.id)",
	                       -1, &s, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(s, 1, store_boot_epoch_ms());
		store_bind_opt(s, 2, boot >= 0, boot);
		rc = sqlite3_step(s) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(st->db);
	}
	sqlite3_finalize(s);
	s = NULL;
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(
		    st->db,
		    "SELECT z.pid, z.start_time FROM zombie_rows AS z WHERE z.boot_s "
		    "IS ?1 AND NOT EXISTS (SELECT 1 FROM zombie_reaps AS r WHERE "
		    "r.zombie_id = z.id) ORDER BY z.id",
		    -1, &s, NULL);
	if (rc == SQLITE_OK) {
		store_bind_opt(s, 1, boot >= 0, boot);
		while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
			fn(userdata, sqlite3_column_int(s, 0),
			   (uint64_t)sqlite3_column_int64(s, 1));
			n++;
		}
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_OK) {
		store_rollback(st);
		return store_sqlite_errno(rc);
	}
	int c = store_commit(st);
	return c < 0 ? c : n;
}
