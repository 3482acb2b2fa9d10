/* dbfile.c: the identity of the database file this run writes: opened and
 * locked (one collector per database), its -wal and -shm remembered while
 * they are ours, a swap under the running daemon noticed at each heartbeat
 * (and the orphaned WAL removed at stop), and the files handed to --user.
 * The kernel suite's dbswap, lock and user tests exercise it. */
#include <errno.h>
#include <libgen.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "daemon.h"
#include "sigtrail/lock.h"
#include "sigtrail/log.h"
#include "sigtrail/options.h"
#include "sigtrail/privs.h"
#include "sigtrail/redact.h"

static ino_t ino_of(const char *suffix)
{
	char path[PATH_MAX];
	struct stat sb;

	snprintf(path, sizeof(path), "%s%s", arg_db, suffix);
	return stat(path, &sb) == 0 ? sb.st_ino : 0;
}

/* Remember the inodes of our -wal and -shm files while the database is ours. */
static void note_wal(struct daemon *d)
{
	d->wal_ino = ino_of("-wal");
	d->shm_ino = ino_of("-shm");
}

/* Open the database (its schema checked or created) and lock it, and set
 * how rows are stored (coalescing, redaction). Exits with the matching code
 * when it cannot: nothing has been changed yet. */
void db_open(struct daemon *d, const char *host)
{
	char err[512];
	int r;

	r = store_open(arg_db, host, &d->store, err, sizeof(err));
	if (r < 0)
		fatal(r == -EACCES || r == -EPERM || r == -ENOENT ? EX_CANTCREAT : EX_DATAERR, "%s",
		      err);
	/* Locked after the directory checks of store_open() and before any
	 * write that matters: the schema migration is idempotent, rows are not. */
	d->lock_fd = lock_database(arg_db, err, sizeof(err));
	if (d->lock_fd < 0)
		fatal(d->lock_fd == -EWOULDBLOCK ? EX_TEMPFAIL : EX_CANTCREAT, "%s", err);
	if (stat(arg_db, &d->db_stat) < 0)
		fatal(EX_IOERR, "database %s: %s", arg_db, strerror(errno));
	note_wal(d);
	store_set_coalesce_ms(d->store, arg_coalesce_ms);
	struct redact_rules rules;
	redact_rules_default(&rules);
	rules.off = !arg_redact;
	/* Judged by the option table already: a failure here is a bug. */
	if ((arg_redact_disable &&
	     redact_rules_disable(&rules, arg_redact_disable, err, sizeof(err)) < 0) ||
	    (arg_redact_flags && redact_rules_add(&rules, arg_redact_flags, err, sizeof(err)) < 0))
		fatal(EX_SOFTWARE, "redaction rules: %s", err);
	store_set_redact(d->store, &rules);
	store_set_forward_position(d->store, arg_forward_position);
	if (arg_jsonl && (r = store_set_jsonl(d->store, arg_jsonl)) < 0)
		fatal(EX_CANTCREAT, "JSON-lines file %s: %s", arg_jsonl, strerror(-r));
}

/* Still the file we opened? A database removed or replaced under us stops
 * the daemon (fatal_code), so that a restart refuses a foreign file. */
void db_check_identity(struct daemon *d)
{
	struct stat sb;
	int r = stat(arg_db, &sb) == 0 ? 0 : -errno;

	if (r == 0 && sb.st_ino == d->db_stat.st_ino && sb.st_dev == d->db_stat.st_dev) {
		note_wal(d);
	} else if (r == -EACCES) {
		/* --user without search permission on the directory: the file
		 * cannot be looked up, so a swap cannot be told; keep writing. */
	} else {
		log_error("database %s was removed or replaced while sigtraild was writing it; "
		          "stopping (a restart creates a new one, and refuses a file that is not a "
		          "sigtrail database)",
		          arg_db);
		d->fatal_code = EX_IOERR;
	}
}

/* After the database was swapped, SQLite cannot checkpoint into the file it
 * had open, and leaves its -wal beside the newcomer: the next opener would
 * replay our pages into a file that is not ours. Remove them, if they are
 * still the ones we wrote. */
void drop_orphan_wal(const struct daemon *d)
{
	char path[PATH_MAX];

	if (d->wal_ino != 0 && ino_of("-wal") == d->wal_ino) {
		snprintf(path, sizeof(path), "%s-wal", arg_db);
		(void)unlink(path);
	}
	if (d->shm_ino != 0 && ino_of("-shm") == d->shm_ino) {
		snprintf(path, sizeof(path), "%s-shm", arg_db);
		(void)unlink(path);
	}
}

/* --user: give the files this run writes (database, its WAL, the lock, the
 * state under /run) to the user, then become it, keeping capabilities. All
 * of them are open already; the user never needs to create a file. */
int hand_over(struct daemon *d, const char *name)
{
	static const char *const suffixes[] = {"", "-wal", "-shm", ".lock"};
	struct passwd pw, *res = NULL;
	char buf[4096], path[PATH_MAX];

	if (getpwnam_r(name, &pw, buf, sizeof(buf), &res) != 0 || !res)
		return -ENOENT;
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", arg_db, suffixes[i]);
		if (chown(path, pw.pw_uid, pw.pw_gid) < 0 && errno != ENOENT)
			return -errno;
	}
	/* Not the database's directory: it may be shared (/var/lib), and the
	 * files above are all the daemon opens. */
	if (d->owns_state) {
		snprintf(path, sizeof(path), "%s", d->owned_path);
		if (chown(dirname(path), pw.pw_uid, pw.pw_gid) < 0 ||
		    chown(d->owned_path, pw.pw_uid, pw.pw_gid) < 0)
			return -errno;
	}
	if (d->tee && fchown(fileno(d->tee), pw.pw_uid, pw.pw_gid) < 0)
		return -errno;
	return privs_become_user(name);
}
