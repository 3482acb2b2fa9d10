/* signals.c: a signal event becomes signal_rows rows, one per target (one
 * with NULL target columns when the call reached nobody), inside the
 * transaction the caller commits. Storms of identical events within the
 * coalescing window become one row with a count; in import mode an event
 * already stored (its host, serial and time, or inside a coalesced row) is
 * skipped. The sender's ancestry is stored once per distinct chain, in
 * ancestry_rows. Exercise with `meson test -C build store`, or by hand:
 *   sigtraild --source stdin --db /tmp/t.db < tests/fixtures/kernel.log
 *   sqlite3 /tmp/t.db 'select * from signals' */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "store_internal.h"
#include "sigtrail/ids.h"
#include "sigtrail/names.h"
#include "sigtrail/sigsys.h"

static int intern(struct store *st, const char *value, int64_t *ret_id)
{
	return store_intern(st, value, ret_id, NULL);
}

static int intern_text(struct store *st, const char *value, int64_t *ret_id)
{
	return store_intern_text(st, value, ret_id, NULL);
}

static void bind_id(sqlite3_stmt *s, int col, int64_t v)
{
	if (v == ST_ID_UNSET)
		sqlite3_bind_null(s, col);
	else
		sqlite3_bind_int64(s, col, v);
}

static void bind_str(sqlite3_stmt *s, int col, int64_t id)
{
	bind_id(s, col, id); /* -1 from intern() means NULL */
}

/* The coalescing slot of a single-target event, and whether it matches. */
static struct coalesce_slot *coalesce_slot(struct store *st, const struct st_event *ev,
                                           bool *ret_match)
{
	const struct st_target *t = &ev->targets[0];
	uint64_t h = (uint64_t)(uint32_t)ev->pid * 2654435761u ^
	             (uint64_t)(uint32_t)t->pid * 40503u ^ (uint64_t)(uint32_t)ev->signal * 97u ^
	             (uint64_t)(uint32_t)ev->syscall;
	struct coalesce_slot *c = &st->coalesce[h % COALESCE_SLOTS];

	*ret_match = c->used && c->sender == ev->pid && c->target == t->pid &&
	             c->signal == ev->signal && c->syscall == ev->syscall && c->arch == ev->arch &&
	             c->success == ev->success && c->exit == ev->exit &&
	             ev->epoch_ms >= c->first_ms && ev->epoch_ms - c->first_ms < st->coalesce_ms;
	return c;
}

/* Import mode: is this event (host, serial, time) already stored, as a row
 * of its own or coalesced into an earlier row (between its first and last
 * serial, same sender, target and signal)? */
static int already_stored(struct store *st, const struct st_event *ev, int64_t host, bool *ret)
{
	int rc;

	sqlite3_reset(st->seen);
	sqlite3_bind_int64(st->seen, 1, ev->epoch_ms);
	sqlite3_bind_int64(st->seen, 2, (int64_t)ev->serial);
	bind_id(st->seen, 3, host);
	rc = sqlite3_step(st->seen);
	sqlite3_reset(st->seen);
	if (rc == SQLITE_DONE && ev->n_targets == 1) {
		sqlite3_stmt *c = st->covered;
		sqlite3_reset(c);
		sqlite3_bind_int(c, 1, ev->targets[0].pid);
		sqlite3_bind_int64(c, 2, (int64_t)ev->serial);
		bind_id(c, 3, host);
		sqlite3_bind_int(c, 4, ev->pid);
		sqlite3_bind_int(c, 5, ev->signal);
		rc = sqlite3_step(c);
		sqlite3_reset(c);
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return rc;
	*ret = rc == SQLITE_ROW;
	return SQLITE_OK;
}

/* The chain key of an ancestry, "PID@START/PID@START/..." (interned as
 * ancestry_rows.chain_s), and its members' rows the first time it is seen. */
static int insert_chain(struct store *st, const struct proc_extra *x, int64_t *ret_chain)
{
	char key[PTAB_MAX_DEPTH * 32];
	size_t len = 0;
	bool is_new = false;
	int rc;

	*ret_chain = -1;
	if (x->n_members == 0)
		return SQLITE_OK;
	for (uint32_t i = 0; i < x->n_members && len < sizeof(key); i++)
		len += (size_t)snprintf(key + len, sizeof(key) - len, "%s%d@%llu", i ? "/" : "",
		                        x->members[i].pid,
		                        (unsigned long long)x->members[i].start_time);
	if ((rc = store_intern_text(st, key, ret_chain, &is_new)) != SQLITE_OK || !is_new)
		return rc; /* a chain seen before has its rows (same transaction or committed) */
	for (uint32_t i = 0; i < x->n_members; i++) {
		const struct proc_member *m = &x->members[i];
		int64_t comm, exe, cmd;
		if ((rc = intern(st, m->comm, &comm)) != SQLITE_OK ||
		    (rc = intern(st, m->exe, &exe)) != SQLITE_OK ||
		    (rc = intern_text(st, m->cmdline, &cmd)) != SQLITE_OK)
			return rc;
		sqlite3_stmt *a = st->ancestor;
		sqlite3_reset(a);
		sqlite3_bind_int64(a, 1, *ret_chain);
		sqlite3_bind_int(a, 2, (int)i);
		sqlite3_bind_int(a, 3, m->pid);
		store_bind_opt(a, 4, m->start_time != 0, (int64_t)m->start_time);
		bind_str(a, 5, comm);
		bind_str(a, 6, exe);
		bind_str(a, 7, cmd);
		rc = sqlite3_step(a);
		sqlite3_reset(a);
		if (rc != SQLITE_DONE)
			return rc;
	}
	return SQLITE_OK;
}

int store_insert(struct store *st, const struct st_event *ev)
{
	return store_insert_extra(st, ev, NULL);
}

int store_insert_extra(struct store *st, const struct st_event *ev, const struct proc_extra *x)
{
	struct timespec now;
	int64_t host, arch, sc, err, user, login, tty, comm, exe, cmd;
	const struct sigsys *sys = sigsys_lookup(ev->arch, ev->syscall);
	unsigned rows = ev->n_targets > 0 ? ev->n_targets : 1;
	unsigned done = 0; /* rows of this event already in the transaction */
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if ((rc = store_begin(st)) != SQLITE_OK) {
		st->stats.rows_lost += rows;
		return store_sqlite_errno(rc);
	}
	if ((rc = intern(st, ev->host ? ev->host : st->default_host, &host)) != SQLITE_OK ||
	    (rc = intern(st, sigsys_arch_name(ev->arch), &arch)) != SQLITE_OK ||
	    (rc = intern(st, sys ? sys->name : NULL, &sc)) != SQLITE_OK ||
	    (rc = intern(st, ev->success ? NULL : names_errno(-ev->exit), &err)) != SQLITE_OK ||
	    (rc = intern(st, ids_user(&st->ids, ev->uid, now.tv_sec), &user)) != SQLITE_OK ||
	    (rc = intern(st, ids_user(&st->ids, ev->auid, now.tv_sec), &login)) != SQLITE_OK ||
	    (rc = intern(st, ev->tty, &tty)) != SQLITE_OK ||
	    (rc = intern(st, ev->comm, &comm)) != SQLITE_OK ||
	    (rc = intern(st, ev->exe, &exe)) != SQLITE_OK ||
	    (rc = intern_text(st, ev->cmdline, &cmd)) != SQLITE_OK)
		goto fail;
	int64_t ancestry = -1, chain = -1, sunit = -1, scont = -1;
	bool cached = x && x->id != 0 && x->id == st->xcache.id;
	if (cached) {
		ancestry = st->xcache.ancestry;
		sunit = st->xcache.sunit;
		scont = st->xcache.scont;
	} else if (x && ((rc = intern_text(st, x->sender_ancestry, &ancestry)) != SQLITE_OK ||
	                 (rc = intern(st, x->sender_unit, &sunit)) != SQLITE_OK ||
	                 (rc = intern(st, x->sender_container, &scont)) != SQLITE_OK)) {
		goto fail;
	}

	if (st->dedupe) {
		bool seen = false;
		if ((rc = already_stored(st, ev, host, &seen)) != SQLITE_OK)
			goto fail;
		if (seen)
			return 0;
	}
	struct coalesce_slot *slot = NULL;
	if (st->coalesce_ms > 0 && ev->n_targets == 1) {
		bool match;
		slot = coalesce_slot(st, ev, &match);
		if (match) {
			sqlite3_reset(st->bump);
			sqlite3_bind_int64(st->bump, 1, slot->rowid);
			sqlite3_bind_int64(st->bump, 2, (int64_t)ev->serial);
			rc = sqlite3_step(st->bump);
			sqlite3_reset(st->bump);
			if (rc != SQLITE_DONE)
				goto fail;
			st->stats.coalesced++;
			st->bumped++;
			return 0;
		}
	}

	if (cached)
		chain = st->xcache.chain;
	else if (x && (rc = insert_chain(st, x, &chain)) != SQLITE_OK)
		goto fail;
	sqlite3_stmt *s = st->insert;
	for (unsigned i = 0; i < rows; i++, done++) {
		const struct st_target *t = ev->n_targets > 0 ? &ev->targets[i] : NULL;
		const struct proc_target_extra *tx = x && i < x->n_targets ? &x->targets[i] : NULL;
		int64_t tuser = -1, tcomm = -1, texe = -1, tcmd = -1, tunit = -1, tcont = -1;

		if (t && ((rc = intern(st, ids_user(&st->ids, t->uid, now.tv_sec), &tuser)) !=
		              SQLITE_OK ||
		          (rc = intern(st, t->comm, &tcomm)) != SQLITE_OK))
			goto fail;
		if (tx && cached) {
			texe = st->xcache.texe;
			tcmd = st->xcache.tcmd;
			tunit = st->xcache.tunit;
			tcont = st->xcache.tcont;
		} else if (tx && ((rc = intern(st, tx->exe, &texe)) != SQLITE_OK ||
		                  (rc = intern_text(st, tx->cmdline, &tcmd)) != SQLITE_OK ||
		                  (rc = intern(st, tx->unit, &tunit)) != SQLITE_OK ||
		                  (rc = intern(st, tx->container, &tcont)) != SQLITE_OK)) {
			goto fail;
		}
		if (tx && x->id != 0 && rows == 1 && !cached) /* written below, or rolled back */
			st->xcache = (struct extra_ids){.id = x->id,
			                                .ancestry = ancestry,
			                                .chain = chain,
			                                .sunit = sunit,
			                                .scont = scont,
			                                .texe = texe,
			                                .tcmd = tcmd,
			                                .tunit = tunit,
			                                .tcont = tcont};
		sqlite3_reset(s);
		sqlite3_bind_int64(s, 1, ev->epoch_ms);
		sqlite3_bind_int64(s, 2, (int64_t)ev->serial);
		bind_str(s, 3, host);
		bind_str(s, 4, arch);
		bind_str(s, 5, sc);
		sqlite3_bind_int(s, 6, ev->signal);
		sqlite3_bind_int(s, 7, ev->success);
		bind_str(s, 8, err);
		sqlite3_bind_int(s, 9, ev->target_arg);
		sqlite3_bind_int(s, 10, ev->pid);
		sqlite3_bind_int(s, 11, ev->ppid);
		bind_id(s, 12, ev->uid);
		bind_id(s, 13, ev->euid);
		bind_id(s, 14, ev->auid);
		bind_id(s, 15, ev->ses);
		bind_str(s, 16, user);
		bind_str(s, 17, login);
		bind_str(s, 18, tty);
		bind_str(s, 19, comm);
		bind_str(s, 20, exe);
		bind_str(s, 21, cmd);
		if (t) {
			sqlite3_bind_int(s, 22, t->pid);
			bind_id(s, 23, t->uid);
			bind_id(s, 24, t->auid);
			bind_id(s, 25, t->ses);
		} else {
			for (int c = 22; c <= 25; c++)
				sqlite3_bind_null(s, c);
		}
		bind_str(s, 26, tuser);
		bind_str(s, 27, tcomm);
		bind_str(s, 28, ancestry);
		bind_str(s, 29, chain);
		bind_str(s, 30, texe);
		bind_str(s, 31, tcmd);
		store_bind_opt(s, 32, tx && tx->start_time, tx ? (int64_t)tx->start_time : 0);
		bind_str(s, 33, sunit);
		bind_str(s, 34, tunit);
		bind_str(s, 35, scont);
		bind_str(s, 36, tcont);
		rc = sqlite3_step(s);
		if (rc != SQLITE_DONE)
			goto fail;
		st->pending++;
	}
	sqlite3_reset(s);
	if (slot)
		*slot = (struct coalesce_slot){.sender = ev->pid,
		                               .target = ev->targets[0].pid,
		                               .signal = ev->signal,
		                               .syscall = ev->syscall,
		                               .exit = ev->exit,
		                               .arch = ev->arch,
		                               .success = ev->success,
		                               .used = true,
		                               .first_ms = ev->epoch_ms,
		                               .rowid = sqlite3_last_insert_rowid(st->db)};
	return (int)rows;
fail:
	sqlite3_reset(st->insert);
	st->stats.rows_lost += rows - done; /* the rollback counts the ones in the transaction */
	store_rollback(st);
	return store_sqlite_errno(rc);
}

void store_set_dedupe(struct store *st, bool on)
{
	st->dedupe = on;
}

void store_set_coalesce_ms(struct store *st, int64_t window_ms)
{
	st->coalesce_ms = window_ms > 0 ? window_ms : 0;
	memset(st->coalesce, 0, sizeof(st->coalesce));
}

int store_has_signal(struct store *st, int32_t sender_pid, int32_t target_pid, int32_t signal,
                     int64_t since_ms)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(
	    st->db,
	    "SELECT 1 FROM signal_rows WHERE target_pid = ?1 AND sender_pid = ?2 "
	    "AND signal = ?3 AND epoch_ms >= ?4 LIMIT 1",
	    -1, &s, NULL);

	if (rc == SQLITE_OK) {
		sqlite3_bind_int(s, 1, target_pid);
		sqlite3_bind_int(s, 2, sender_pid);
		sqlite3_bind_int(s, 3, signal);
		sqlite3_bind_int64(s, 4, since_ms);
		rc = sqlite3_step(s);
	}
	sqlite3_finalize(s);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : store_sqlite_errno(rc);
}

int store_signals_prepare(struct store *st)
{
	int rc;

	if ((rc = store_prepare(
	         st,
	         "INSERT INTO signal_rows(epoch_ms, serial, host_s, arch_s, syscall_s, "
	         "signal, success, errno_s, target_arg, sender_pid, sender_ppid, "
	         "sender_uid, sender_euid, sender_auid, sender_ses, sender_user_s, "
	         "sender_login_s, sender_tty_s, sender_comm_s, sender_exe_s, "
	         "sender_cmdline_s, target_pid, target_uid, target_auid, target_ses, "
	         "target_user_s, target_comm_s, sender_ancestry_s, sender_chain_s, "
	         "target_exe_s, target_cmdline_s, target_start_time, sender_unit_s, "
	         "target_unit_s, sender_container_s, target_container_s) VALUES (?1, ?2, ?3, "
	         "?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, "
	         "?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34, "
	         "?35, ?36)",
	         &st->insert)) != SQLITE_OK)
		return rc;
	if ((rc = store_prepare(st,
	                        "SELECT 1 FROM signal_rows WHERE epoch_ms = ?1 AND serial = ?2 AND "
	                        "host_s IS ?3 LIMIT 1",
	                        &st->seen)) != SQLITE_OK ||
	    (rc = store_prepare(st,
	                        "UPDATE signal_rows SET count = count + 1, last_serial = "
	                        "max(coalesce(last_serial, serial), ?2) WHERE id = ?1",
	                        &st->bump)) != SQLITE_OK ||
	    (rc = store_prepare(
	         st,
	         "SELECT 1 FROM signal_rows WHERE target_pid = ?1 AND serial < ?2 AND "
	         "last_serial >= ?2 AND host_s IS ?3 AND sender_pid = ?4 AND "
	         "signal = ?5 LIMIT 1",
	         &st->covered)) != SQLITE_OK)
		return rc;
	return store_prepare(st,
	                     "INSERT OR IGNORE INTO ancestry_rows(chain_s, depth, pid, start_time, "
	                     "comm_s, exe_s, cmdline_s) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	                     &st->ancestor);
}
