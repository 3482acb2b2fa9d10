/* who_deaths.c: the deaths part of `sigtrail who`, read from the `deaths`
 * view (schema 3). For each death of the process, newest first: when and of
 * which signal it died, the dead process (command line, exe, user, unit,
 * container), the cause and the evidence that decided it, then what the
 * cause points to: the signal row that killed it with its sender and the
 * sender's ancestry, each ancestor with its command line (signal); the
 * memory cgroup and RSS (oom); the core dump and ANOM_ABEND record (crash);
 * the pid namespace whose init exited (pidns-teardown). It also writes the
 * verdict when a death was recorded: what killed the newest one. Exercise
 * with `sigtrail who --db /tmp/t.db 4242` on a database with deaths (see
 * tests/cli/deaths.sh for how the test suite makes one). */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_fmt.h"
#include "sigtrail/log.h"

enum {
	MAX_ANCESTORS = 64, /* the daemon keeps 16; more is a damaged database */
	LABEL = 11,         /* "  evidence " */
};

static const char *text(sqlite3_stmt *s, int col)
{
	return (const char *)sqlite3_column_text(s, col);
}

static bool null(sqlite3_stmt *s, int col)
{
	return sqlite3_column_type(s, col) == SQLITE_NULL;
}

static int64_t i64(sqlite3_stmt *s, int col)
{
	return sqlite3_column_int64(s, col);
}

/* Room left for a value after a label on a terminal `width` wide (0: no limit). */
static size_t room(int width, size_t used)
{
	if (width <= 0)
		return 0;
	return (size_t)width > used + 20 ? (size_t)width - used : 20;
}

/* "label value" for a value from the database, escaped and cut. */
static void field(FILE *out, const char *label, const char *value, size_t width)
{
	char buf[4 * 8192 + 16];

	cli_term_text(buf, sizeof(buf), value ? value : "-", width);
	fprintf(out, "%s%s", label, buf);
}

static void signame(FILE *out, sqlite3_stmt *s, int name_col, int number_col)
{
	if (text(s, name_col))
		fputs(text(s, name_col), out);
	else
		fprintf(out, "signal %lld", (long long)i64(s, number_col));
}

/* How the cause reads in a headline. */
static const char *cause_words(const char *cause)
{
	if (!cause)
		return "cause unknown";
	if (strcmp(cause, "signal") == 0)
		return "killed by a signal";
	if (strcmp(cause, "oom") == 0)
		return "killed by the kernel's OOM killer";
	if (strcmp(cause, "crash") == 0)
		return "crashed";
	if (strcmp(cause, "pidns-teardown") == 0)
		return "killed by the kernel: its pid namespace's init exited";
	if (strcmp(cause, "kernel") == 0)
		return "killed by the kernel";
	if (strcmp(cause, "exit") == 0)
		return "it exited on its own";
	return cause;
}

/* The signal row a death links to, selected with cli_signal_columns();
 * *ret is NULL when there is none (no link, or the row was pruned). */
static int linked_signal(struct cli_db *d, sqlite3_stmt *death, sqlite3_stmt **ret)
{
	*ret = NULL;
	if (null(death, DCOL_SIGNAL_ID))
		return SQLITE_OK;
	return cli_signal_by_id(d, i64(death, DCOL_SIGNAL_ID), ret);
}

static void process_lines(FILE *out, struct cli_db *d, sqlite3_stmt *s, bool utc, int width)
{
	fputs("  process ", out);
	field(out, " exe ", text(s, DCOL_EXE), 0);
	if (text(s, DCOL_USER))
		field(out, "  user ", text(s, DCOL_USER), 32);
	if (!null(s, DCOL_UID))
		fprintf(out, text(s, DCOL_USER) ? " (uid %lld)" : "  uid %lld",
		        (long long)i64(s, DCOL_UID));
	else if (!text(s, DCOL_USER))
		fputs("  user -", out);
	if (!null(s, DCOL_PPID))
		fprintf(out, "  parent %lld", (long long)i64(s, DCOL_PPID));
	if (!null(s, DCOL_START_TIME)) {
		fputs("  ", out);
		cli_start_words(out, d, i64(s, DCOL_START_TIME), i64(s, DCOL_EPOCH_MS), utc,
		                "the death");
	}
	field(out, "\n           cmdline ", text(s, DCOL_CMDLINE), room(width, LABEL + 8));
	if (text(s, DCOL_UNIT) || text(s, DCOL_CONTAINER) || text(s, DCOL_HOST)) {
		field(out, "\n           unit ", text(s, DCOL_UNIT), 0);
		field(out, "  container ", text(s, DCOL_CONTAINER), 0);
		if (text(s, DCOL_HOST))
			field(out, "  host ", text(s, DCOL_HOST), 64);
	}
	fputc('\n', out);
}

/* The sender of the linked signal row `r`, and its ancestry from the
 * `ancestry` view: each ancestor with its command line. */
static int sender_lines(FILE *out, struct cli_db *d, sqlite3_stmt *r, bool utc, int width)
{
	sqlite3_stmt *a = NULL;
	char t[40], member[96], cut[160];
	int rc;

	fprintf(out, "  sender   pid %lld", (long long)i64(r, COL_SENDER_PID));
	if (!null(r, COL_SENDER_PPID))
		fprintf(out, " (parent %lld)", (long long)i64(r, COL_SENDER_PPID));
	field(out, "  user ", text(r, COL_SENDER_USER), 32);
	if (!text(r, COL_SENDER_USER) && !null(r, COL_SENDER_UID))
		fprintf(out, " (uid %lld)", (long long)i64(r, COL_SENDER_UID));
	field(out, "  login ", text(r, COL_SENDER_LOGIN), 32);
	if (!null(r, COL_SENDER_SES))
		fprintf(out, " (session %lld)", (long long)i64(r, COL_SENDER_SES));
	field(out, "  tty ", text(r, COL_SENDER_TTY), 32);
	field(out, "\n           comm ", text(r, COL_SENDER_COMM), 32);
	field(out, "  exe ", text(r, COL_SENDER_EXE), 0);
	field(out, "\n           cmdline ", text(r, COL_SENDER_CMDLINE), room(width, LABEL + 8));
	if (text(r, COL_SENDER_UNIT) || text(r, COL_SENDER_CONTAINER)) {
		field(out, "\n           unit ", text(r, COL_SENDER_UNIT), 0);
		field(out, "  container ", text(r, COL_SENDER_CONTAINER), 0);
	}
	cli_time_fmt(i64(r, COL_EPOCH_MS), utc, t, sizeof(t));
	fprintf(out, "\n           sent %s by %s(%lld), audit serial %lld, signal row %lld", t,
	        text(r, COL_SYSCALL) ? text(r, COL_SYSCALL) : "?",
	        (long long)i64(r, COL_TARGET_ARG), (long long)i64(r, COL_SERIAL),
	        (long long)i64(r, COL_ID));
	if (i64(r, COL_COUNT) > 1)
		fprintf(out, " (x%lld)", (long long)i64(r, COL_COUNT));
	fputc('\n', out);
	if (text(r, COL_SENDER_ANCESTRY))
		field(out, "  ancestry ", text(r, COL_SENDER_ANCESTRY), room(width, LABEL));
	else
		fputs("  ancestry not recorded", out);
	fputc('\n', out);
	if (!d->has_deaths)
		return SQLITE_OK;
	rc = sqlite3_prepare_v2(d->db,
	                        "SELECT pid, comm, exe, cmdline FROM ancestry WHERE signal_id = ?1 "
	                        "ORDER BY depth LIMIT ?2",
	                        -1, &a, NULL);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_int64(a, 1, i64(r, COL_ID));
	sqlite3_bind_int(a, 2, MAX_ANCESTORS);
	while ((rc = sqlite3_step(a)) == SQLITE_ROW) {
		const char *cmd = text(a, 3) ? text(a, 3) : text(a, 2);
		char comm[64];
		cli_term_text(comm, sizeof(comm), text(a, 1) ? text(a, 1) : "?", 15);
		snprintf(member, sizeof(member), "%s[%lld]", comm, (long long)i64(a, 0));
		fprintf(out, "           %-22s ", member);
		field(out, "", cmd, room(width, LABEL + 23));
		fputc('\n', out);
	}
	sqlite3_finalize(a);
	if (rc != SQLITE_DONE || (rc = cli_chain_cut_words(d, r, cut, sizeof(cut))) != SQLITE_OK)
		return rc == SQLITE_DONE ? SQLITE_OK : rc;
	if (cut[0])
		fprintf(out, "           (%s)\n", cut);
	return SQLITE_OK;
}

static void oom_lines(FILE *out, sqlite3_stmt *s)
{
	field(out, "  oom      constraint ", text(s, DCOL_OOM_CONSTRAINT), 64);
	field(out, "  memory cgroup ", text(s, DCOL_OOM_MEMCG), 0);
	field(out, "\n           its own cgroup ", text(s, DCOL_OOM_TASK_MEMCG), 0);
	if (!null(s, DCOL_OOM_RSS_KB))
		fprintf(out, "  rss %lld kB (%.1f MiB)", (long long)i64(s, DCOL_OOM_RSS_KB),
		        (double)i64(s, DCOL_OOM_RSS_KB) / 1024.0);
	else
		fputs("  rss -", out);
	fputc('\n', out);
}

/* Whether an audit log may hold the records of the moment `ms`: not when
 * the collector then was the audit daemon itself (unicast: no auditd wrote a
 * log), as the coverage row of that run says. */
static bool audit_log_kept(struct cli_db *d, int64_t ms)
{
	sqlite3_stmt *q = NULL;
	bool kept = true;

	if (!d->has_coverage ||
	    sqlite3_prepare_v2(d->db,
	                       "SELECT source FROM coverage WHERE started_ms <= ?1 AND until_ms >= "
	                       "?1 ORDER BY run DESC LIMIT 1",
	                       -1, &q, NULL) != SQLITE_OK)
		return true;
	sqlite3_bind_int64(q, 1, ms);
	if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0))
		kept = strcmp((const char *)sqlite3_column_text(q, 0), "unicast") != 0;
	sqlite3_finalize(q);
	return kept;
}

static void crash_lines(FILE *out, struct cli_db *d, sqlite3_stmt *s)
{
	fputs("  crash    ", out);
	signame(out, s, DCOL_SIGNAME, DCOL_SIGNAL);
	fputs(i64(s, DCOL_CORE_DUMPED) ? ", core dumped" : ", no core dump", out);
	if (!null(s, DCOL_ABEND_SERIAL) && audit_log_kept(d, i64(s, DCOL_EPOCH_MS)))
		fprintf(out, ", ANOM_ABEND audit record serial %lld (ausearch -a %lld)",
		        (long long)i64(s, DCOL_ABEND_SERIAL), (long long)i64(s, DCOL_ABEND_SERIAL));
	else if (!null(s, DCOL_ABEND_SERIAL))
		fprintf(out,
		        ", ANOM_ABEND audit record serial %lld (recorded here only: the collector "
		        "was the audit daemon, no audit log has it)",
		        (long long)i64(s, DCOL_ABEND_SERIAL));
	else
		fputs(", no ANOM_ABEND audit record", out);
	fputc('\n', out);
}

/* The sender's words (cli_sender_words), then who asked a supervisor
 * (cli_request_words), or who started any other sender when its ancestry
 * was recorded: "..., started by cleanup.sh[120] ← cron[812]". */
static void killer_words(FILE *out, sqlite3_stmt *r)
{
	static const char arrow[] = " \xe2\x86\x90 ";
	const char *anc = text(r, COL_SENDER_ANCESTRY);
	/* The sender is the first member; who started it is the rest. */
	const char *rest = anc ? strstr(anc, arrow) : NULL;
	char buf[2048]; /* the daemon's formatted chain is at most 2048 bytes */

	cli_sender_words(out, r);
	cli_request_words(out, r);
	/* A supervisor's ancestry says nothing of the stop: who asked does. */
	if (rest && !text(r, COL_REQUEST_EVIDENCE)) {
		cli_term_text(buf, sizeof(buf), rest + strlen(arrow), arg_who_text_width);
		fprintf(out, ", started by %s", buf);
	}
}

/* "its init pid 4200 (sh) died of SIGTERM from `docker stop app` (pid 900,
 * user root), started by ..., 2 ms before": the container stop that went
 * wrong, in one line. */
static int init_words(FILE *out, struct cli_db *d, sqlite3_stmt *init, bool its)
{
	sqlite3_stmt *r = NULL;
	char comm[64];
	int rc;

	cli_term_text(comm, sizeof(comm), text(init, DCOL_COMM) ? text(init, DCOL_COMM) : "?", 15);
	fprintf(out, "%spid %lld (%s) died of ", its ? "its init " : "",
	        (long long)i64(init, DCOL_PID), comm);
	signame(out, init, DCOL_SIGNAME, DCOL_SIGNAL);
	if ((rc = linked_signal(d, init, &r)) != SQLITE_OK)
		return rc;
	if (r) {
		fputs(" from ", out);
		killer_words(out, r);
	} else {
		fprintf(out, " (%s)", cause_words(text(init, DCOL_CAUSE)));
	}
	sqlite3_finalize(r);
	return SQLITE_OK;
}

/* The newest delivered signal to the dead process's parent in the minute
 * before its death, selected with cli_signal_columns(): when the init of a
 * container handled a SIGTERM and exited without a death of its own, this
 * is the `docker stop` that went wrong (the parent of a container's process
 * is most often its init; the text says "parent", not "init"). */
static int parent_signal(struct cli_db *d, sqlite3_stmt *death, sqlite3_stmt **ret)
{
	struct cli_filter f = {.since_ms = i64(death, DCOL_EPOCH_MS) - 60000,
	                       .until_ms = i64(death, DCOL_EPOCH_MS) + 1,
	                       .signal = -1,
	                       .sender_pid = -1,
	                       .target_pid = i64(death, DCOL_PPID)};
	sqlite3_stmt *q = NULL;
	int rc;

	*ret = NULL;
	if (null(death, DCOL_PPID) || i64(death, DCOL_PPID) < 1)
		return SQLITE_OK;
	rc = cli_prepare(d, &f, cli_signal_columns(d),
	                 "AND success = 1 ORDER BY epoch_ms DESC, id DESC LIMIT 1", &q);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW) {
		*ret = q;
		return SQLITE_OK;
	}
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* "its parent pid 4200 (sh) had received SIGTERM from `docker stop app` (pid
 * 900, user root), 7 ms before" */
static void parent_words(FILE *out, sqlite3_stmt *death, sqlite3_stmt *r, bool its)
{
	char comm[64];

	cli_term_text(comm, sizeof(comm), text(r, COL_TARGET_COMM) ? text(r, COL_TARGET_COMM) : "?",
	              15);
	fprintf(out, "%spid %lld (%s) had received ", its ? "its parent " : "",
	        (long long)i64(r, COL_TARGET_PID), comm);
	signame(out, r, COL_SIGNAME, COL_SIGNAL);
	fputs(" from ", out);
	killer_words(out, r);
	fprintf(out, ", %lld ms before the death",
	        (long long)(i64(death, DCOL_EPOCH_MS) - i64(r, COL_EPOCH_MS)));
}

static int pidns_lines(FILE *out, struct cli_db *d, sqlite3_stmt *s, bool utc)
{
	sqlite3_stmt *init = NULL, *r = NULL;
	int rc;

	fputs("  pidns    ", out);
	if (!null(s, DCOL_PIDNS))
		fprintf(out, "namespace %lld: ", (long long)i64(s, DCOL_PIDNS));
	fputs("when a pid namespace's init exits, the kernel kills every process left in it\n"
	      "           (a container stopped while its init did not stop the others first)\n",
	      out);
	if ((rc = cli_death_init(d, s, &init)) != SQLITE_OK)
		return rc;
	if (init) {
		fputs("  init     ", out);
		rc = init_words(out, d, init, false);
		/* The kernel reports the init's exit after its children's. */
		int64_t ms = i64(s, DCOL_EPOCH_MS) - i64(init, DCOL_EPOCH_MS);
		fprintf(out, ", %lld ms %s (death %lld: sigtrail who %lld)\n",
		        (long long)(ms < 0 ? -ms : ms), ms < 0 ? "after" : "before",
		        (long long)i64(init, DCOL_ID), (long long)i64(init, DCOL_PID));
		if (rc == SQLITE_OK)
			rc = cli_who_teardown_chain(out, d, init, utc);
		sqlite3_finalize(init);
		return rc;
	}
	/* The init exited on its own: what made it exit may be a signal it got. */
	if ((rc = parent_signal(d, s, &r)) != SQLITE_OK || !r)
		return rc;
	fputs("  parent   ", out);
	parent_words(out, s, r, false);
	fprintf(out, " (signal row %lld)\n", (long long)i64(r, COL_ID));
	sqlite3_finalize(r);
	return SQLITE_OK;
}

/* One death: the headline, the process, the evidence, then the cause's details. */
static int story(FILE *out, struct cli_db *d, sqlite3_stmt *s, bool utc, int width)
{
	sqlite3_stmt *r = NULL;
	const char *cause = text(s, DCOL_CAUSE);
	char t[40], comm[64];
	int rc;

	cli_time_fmt(i64(s, DCOL_EPOCH_MS), utc, t, sizeof(t));
	cli_term_text(comm, sizeof(comm), text(s, DCOL_COMM) ? text(s, DCOL_COMM) : "?", 15);
	if (null(s, DCOL_SIGNAL)) { /* an exit (schema 7) */
		fprintf(out, "%s  pid %lld (%s) exited with status %lld", t,
		        (long long)i64(s, DCOL_PID), comm, (long long)i64(s, DCOL_EXIT_STATUS));
	} else {
		fprintf(out, "%s  pid %lld (%s) died of ", t, (long long)i64(s, DCOL_PID), comm);
		signame(out, s, DCOL_SIGNAME, DCOL_SIGNAL);
	}
	if (i64(s, DCOL_CORE_DUMPED))
		fputs(" (core dumped)", out);
	fprintf(out, ": %s\n", cause_words(cause));
	process_lines(out, d, s, utc, width);
	field(out, "  evidence ", text(s, DCOL_EVIDENCE), room(width, LABEL));
	fputc('\n', out);
	if (cause && strcmp(cause, "oom") == 0)
		oom_lines(out, s);
	else if (cause && strcmp(cause, "crash") == 0)
		crash_lines(out, d, s);
	else if (cause && strcmp(cause, "pidns-teardown") == 0 &&
	         (rc = pidns_lines(out, d, s, utc)) != SQLITE_OK)
		return rc;
	if ((rc = cli_who_teardown_victims(out, d, s)) != SQLITE_OK)
		return rc;
	rc = linked_signal(d, s, &r);
	if (rc != SQLITE_OK)
		return rc;
	if (r)
		rc = sender_lines(out, d, r, utc, width);
	else if (!null(s, DCOL_SIGNAL_ID))
		fprintf(out, "  sender   signal row %lld is no longer in the database (pruned)\n",
		        (long long)i64(s, DCOL_SIGNAL_ID));
	sqlite3_finalize(r);
	fputc('\n', out);
	return rc;
}

int cli_who_deaths_count(struct cli_db *d, const struct cli_filter *f, int64_t *ret_total)
{
	sqlite3_stmt *s = NULL;
	int rc;

	*ret_total = 0;
	if (!d->has_deaths)
		return SQLITE_OK;
	rc = cli_prepare_deaths(d, f, "count(*)", NULL, &s);
	if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		*ret_total = i64(s, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	return rc;
}

int cli_who_deaths_list(FILE *out, struct cli_db *d, const struct cli_filter *f, int64_t limit,
                        bool json, bool utc, int width, int64_t *ret_shown)
{
	sqlite3_stmt *s = NULL;
	int64_t shown = 0;
	int rc;

	*ret_shown = 0;
	if (!d->has_deaths)
		return SQLITE_OK;
	rc = cli_prepare_deaths(d, f, d->death_cols, "ORDER BY epoch_ms DESC, id DESC LIMIT ?20",
	                        &s);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_int64(s, 20, limit > 0 ? limit : -1);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (json) {
			if (shown)
				fputc(',', out);
			rc = cli_death_json(out, d, s);
		} else {
			rc = story(out, d, s, utc, width);
		}
		if (rc != SQLITE_OK)
			break;
		shown++;
	}
	sqlite3_finalize(s);
	*ret_shown = shown;
	return rc == SQLITE_DONE || rc == SQLITE_OK ? SQLITE_OK : rc;
}

/* The verdict's kind for a death's cause: "killed" for a signal, "died" for an unknown cause. */
static const char *death_kind(const char *cause)
{
	const char *kind = "died";

	for (size_t i = 0; i < CLI_DEATH_CAUSES; i++)
		if (strcmp(cause, cli_death_causes[i]) == 0)
			kind = i == 0 ? "killed" : cli_death_causes[i];
	return kind;
}

/* "was killed by SIGKILL from `...`, at ...": a signal death; r is its signal row or NULL. */
static void signal_verdict(FILE *out, sqlite3_stmt *s, sqlite3_stmt *r, bool utc)
{
	fputs("was killed by ", out);
	signame(out, s, DCOL_SIGNAME, DCOL_SIGNAL);
	if (r) {
		fputs(" from ", out);
		killer_words(out, r);
	}
	fputs(", at ", out);
	cli_time_short(out, i64(s, DCOL_EPOCH_MS), utc);
	if (!r)
		fputs(" (the signal row is no longer in the database)", out);
}

/* "was not killed: at ... it exited on its own with status 3 after 2.0 s;
 * no signal reached it": the evidence says the rest. */
static void exit_verdict(FILE *out, sqlite3_stmt *s, bool utc)
{
	const char *ev = text(s, DCOL_EVIDENCE);

	fputs("was not killed: at ", out);
	cli_time_short(out, i64(s, DCOL_EPOCH_MS), utc);
	if (ev)
		field(out, " ", ev, 400);
	else
		fprintf(out, " it exited with status %lld", (long long)i64(s, DCOL_EXIT_STATUS));
}

/* "was killed by the kernel's OOM killer at ...: memory cgroup ... hit its limit, ...". */
static void oom_verdict(FILE *out, sqlite3_stmt *s, bool utc)
{
	fputs("was killed by the kernel's OOM killer at ", out);
	cli_time_short(out, i64(s, DCOL_EPOCH_MS), utc);
	if (text(s, DCOL_OOM_MEMCG)) {
		field(out, ": memory cgroup ", text(s, DCOL_OOM_MEMCG), 200);
		fputs(" hit its limit", out);
	} else {
		fputs(": the system ran out of memory", out);
	}
	if (!null(s, DCOL_OOM_RSS_KB))
		fprintf(out, ", it used %lld kB", (long long)i64(s, DCOL_OOM_RSS_KB));
}

/* "crashed: SIGSEGV, core dumped, at ...", and the signal row r it sent itself, if any. */
static void crash_verdict(FILE *out, sqlite3_stmt *s, sqlite3_stmt *r, bool utc)
{
	fputs("crashed: ", out);
	signame(out, s, DCOL_SIGNAME, DCOL_SIGNAL);
	fputs(i64(s, DCOL_CORE_DUMPED) ? ", core dumped," : "", out);
	fputs(" at ", out);
	cli_time_short(out, i64(s, DCOL_EPOCH_MS), utc);
	if (r) {
		fputs(", sent by itself: ", out);
		killer_words(out, r);
	}
}

/* A kill by the kernel: a pid namespace torn down (and what made its init
 * exit), or another cause with the signal and the evidence. */
static int kernel_verdict(FILE *out, struct cli_db *d, sqlite3_stmt *s, const char *cause, bool utc)
{
	bool pidns = strcmp(cause, "pidns-teardown") == 0;
	sqlite3_stmt *init = NULL, *parent = NULL;
	int rc;

	fputs(pidns ? "was killed by the kernel when its pid namespace's init exited, "
	            : "was killed by the kernel with ",
	      out);
	if (!pidns) {
		signame(out, s, DCOL_SIGNAME, DCOL_SIGNAL);
		fputc(' ', out);
	}
	fputs("at ", out);
	cli_time_short(out, i64(s, DCOL_EPOCH_MS), utc);
	if (pidns && (rc = cli_death_init(d, s, &init)) != SQLITE_OK)
		return rc;
	if (pidns && !init && (rc = parent_signal(d, s, &parent)) != SQLITE_OK)
		return rc;
	if (init) {
		fputs(": ", out);
		rc = init_words(out, d, init, true);
		sqlite3_finalize(init);
		if (rc != SQLITE_OK)
			return rc;
	} else {
		field(out, " (", text(s, DCOL_EVIDENCE), 300);
		fputc(')', out);
	}
	if (parent) {
		fputs("; ", out);
		parent_words(out, s, parent, true);
		sqlite3_finalize(parent);
	}
	return SQLITE_OK;
}

/* The death row s as one JSON object in a string of its own (*ret_json, to free). */
static int death_json_text(struct cli_db *d, sqlite3_stmt *s, char **ret_json)
{
	char *json = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&json, &len);
	int rc;

	if (!m)
		return SQLITE_NOMEM;
	rc = cli_death_json(m, d, s);
	fclose(m);
	if (rc == SQLITE_OK)
		*ret_json = json;
	else
		free(json);
	return rc;
}

int cli_who_death_verdict(FILE *out, struct cli_db *d, const struct cli_filter *f, const char *what,
                          int64_t total, bool utc, char **ret_json, const char **ret_kind,
                          int64_t *ret_signal_id)
{
	sqlite3_stmt *s = NULL, *r = NULL;
	const char *cause;
	char comm[64];
	int rc;

	*ret_json = NULL;
	*ret_kind = NULL;
	*ret_signal_id = -1;
	if (!d->has_deaths || total == 0)
		return SQLITE_OK;
	rc = cli_prepare_deaths(d, f, d->death_cols, "ORDER BY epoch_ms DESC, id DESC LIMIT 1", &s);
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(s);
		return rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	if ((rc = linked_signal(d, s, &r)) != SQLITE_OK)
		goto out;
	if (r)
		*ret_signal_id = i64(r, COL_ID);
	cause = text(s, DCOL_CAUSE) ? text(s, DCOL_CAUSE) : "?";
	*ret_kind = death_kind(cause);
	cli_term_text(comm, sizeof(comm), text(s, DCOL_COMM) ? text(s, DCOL_COMM) : "?", 15);
	fprintf(out, "pid %lld (%s) ", (long long)i64(s, DCOL_PID), comm);
	if (strcmp(cause, "signal") == 0)
		signal_verdict(out, s, r, utc);
	else if (strcmp(cause, "oom") == 0)
		oom_verdict(out, s, utc);
	else if (strcmp(cause, "crash") == 0)
		crash_verdict(out, s, r, utc);
	else if (strcmp(cause, "exit") == 0)
		exit_verdict(out, s, utc);
	else if ((rc = kernel_verdict(out, d, s, cause, utc)) != SQLITE_OK)
		goto out;
	if (total > 1)
		fprintf(out, "; %lld deaths of %s recorded, this is the newest", (long long)total,
		        what);
	fputc('.', out);
	rc = death_json_text(d, s, ret_json);
out:
	sqlite3_finalize(r);
	sqlite3_finalize(s);
	return rc;
}

int cli_who_death_of_signal(struct cli_db *d, int64_t signal_id, sqlite3_stmt **cache,
                            int64_t *ret_death_id, int64_t *ret_ms)
{
	static const char sql[] = "SELECT id, epoch_ms FROM deaths WHERE signal_id = ?1 LIMIT 1";
	int rc;

	*ret_death_id = -1;
	if (!d->has_deaths)
		return SQLITE_OK;
	if (!*cache && (rc = sqlite3_prepare_v2(d->db, sql, -1, cache, NULL)) != SQLITE_OK)
		return rc;
	sqlite3_reset(*cache);
	sqlite3_bind_int64(*cache, 1, signal_id);
	rc = sqlite3_step(*cache);
	if (rc == SQLITE_ROW) {
		*ret_death_id = i64(*cache, 0);
		*ret_ms = i64(*cache, 1);
	}
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}
