/* status.c: `sigtrail status`, the health check. Is a sigtraild running
 * (a process, and the run it records in the database), which source does it
 * use, are its audit rules loaded, what does the kernel's audit status say
 * (enabled, lost, backlog), and the database: path, size, schema, rows,
 * first and last event, deaths per cause (schema 3), coverage of the last
 * day. The kernel answers
 * rule and status requests only to CAP_AUDIT_CONTROL (root): without it
 * those lines say "unknown" and why, and everything else still works.
 * Exit status: 0 when sigtraild runs, 3 when it does not (as LSB init
 * scripts' status). Exercise with `sigtrail status` and `sudo sigtrail status`. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libaudit.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "config.h"
#include "sigtrail/audit_ctl.h"
#include "cli.h"
#include "cli_fmt.h"
#include "sigtrail/log.h"
#include "sigtrail/sigsys.h"

enum {
	MAX_DAEMONS = 16,
	DAY_MS = 86400000,
	HEARTBEAT_STALE_MS = 30000,
};

/* One sigtraild process found in /proc. */
struct daemon_proc {
	pid_t pid;
	char db[PATH_MAX]; /* its --db, resolved when possible */
	char source[16];   /* its --source, or "auto" */
	bool db_known;     /* db could be resolved to compare with ours */
	bool ours;         /* it writes the database we look at */
};

struct status {
	struct daemon_proc procs[MAX_DAEMONS];
	size_t n_procs;
	bool running;  /* a sigtraild writes our database (or one of unknown db runs) */
	int audit_err; /* 0, or -errno reading the kernel status */
	struct audit_status audit;
	int rules_err;         /* 0, or -errno listing the rules */
	size_t rules_loaded;   /* rules with key "sigtrail" */
	size_t rules_expected; /* what sigtraild loads on this machine */
	int db_code;           /* 0, or the exit status cli_db_open() gave */
	int64_t db_size, wal_size;
	int64_t rows, first_ms, last_ms;
	int schema;
	bool has_deaths;                  /* schema 3: the deaths view */
	int64_t deaths[CLI_DEATH_CAUSES]; /* per cause, in the order of cli_death_causes */
	int64_t deaths_total;
	bool have_run; /* the newest coverage row */
	char run_status[16], run_source[16];
	int64_t run_pid, run_started_ms, run_until_ms;
	int64_t run_backlog_limit;        /* as the run recorded it (schema 14); 0 unknown */
	struct cli_coverage day;          /* the last 24 hours */
	struct cli_zombie_groups zombies; /* unreaped now (the newest boot's) */
};

static void usage(FILE *out)
{
	fprintf(out,
	        "Usage: sigtrail status [OPTIONS]\n"
	        "Is sigtraild running and with which source, are its audit rules loaded, what\n"
	        "is the kernel's audit status (enabled, lost events, backlog), and the\n"
	        "database: path, size, rows, first and last event, deaths per cause, unreaped\n"
	        "zombies by parent, last day's coverage.\n"
	        "The kernel tells the rules and its audit status only to root\n"
	        "(CAP_AUDIT_CONTROL); as another user those lines say unknown.\n"
	        "\n"
	        "  -d, --db PATH   database (default %s), or the fleet's\n"
	        "                  centre: a postgres:// or postgresql:// URI (its database\n"
	        "                  lines then count the centre's rows)\n"
	        "      --host NAME with a centre: only this host's rows\n"
	        "      --json      the same as one JSON object\n"
	        "      --utc       times in UTC (default: local time on a terminal)\n"
	        "  -h, --help      this help\n"
	        "\n"
	        "Exit status: 0 sigtraild is running; 3 it is not; 64 bad usage.\n"
	        "\n"
	        "Examples:\n"
	        "  sigtrail status\n"
	        "  sudo sigtrail status --db /var/lib/sigtrail/sigtrail.db\n"
	        "  sigtrail status --json | jq .kernel.lost\n",
	        SIGTRAIL_DEFAULT_DB);
}

/* Read /proc/PID/FILE into buf (NUL-terminated); returns bytes or -1. */
static ssize_t read_proc(pid_t pid, const char *file, char *buf, size_t size)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

/* The database a sigtraild process writes, from its command line. */
static void proc_args(struct daemon_proc *p)
{
	static char cmd[65536];
	const char *db = SIGTRAIL_DEFAULT_DB;
	ssize_t n = read_proc(p->pid, "cmdline", cmd, sizeof(cmd));

	snprintf(p->source, sizeof(p->source), "auto");
	for (ssize_t i = 0; i < n;) {
		const char *a = cmd + i;
		const char *next =
		    (size_t)(i + (ssize_t)strlen(a) + 1) < (size_t)n ? a + strlen(a) + 1 : NULL;
		if ((strcmp(a, "--db") == 0 || strcmp(a, "-d") == 0) && next)
			db = next;
		else if (strncmp(a, "--db=", 5) == 0)
			db = a + 5;
		else if ((strcmp(a, "--source") == 0 || strcmp(a, "-s") == 0) && next)
			snprintf(p->source, sizeof(p->source), "%s", next);
		else if (strncmp(a, "--source=", 9) == 0)
			snprintf(p->source, sizeof(p->source), "%s", a + 9);
		i += (ssize_t)strlen(a) + 1;
	}
	if (db[0] == '/') {
		snprintf(p->db, sizeof(p->db), "%s", db);
		p->db_known = true;
	} else {
		/* Relative to its working directory, which only root (or its
		 * owner) may read. */
		char cwd[64], dir[PATH_MAX];
		snprintf(cwd, sizeof(cwd), "/proc/%d/cwd", (int)p->pid);
		ssize_t len = readlink(cwd, dir, sizeof(dir) - 1);
		if (len > 0) {
			dir[len] = '\0';
			snprintf(p->db, sizeof(p->db), "%.2000s/%.2000s", dir, db);
			p->db_known = true;
		} else {
			snprintf(p->db, sizeof(p->db), "%s", db);
		}
	}
}

static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;

	if (stat(a, &sa) == 0 && stat(b, &sb) == 0)
		return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
	return strcmp(a, b) == 0;
}

static void find_daemons(struct status *st, const char *db)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	char comm[32];

	if (!d)
		return;
	while ((e = readdir(d)) && st->n_procs < MAX_DAEMONS) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		pid_t pid = (pid_t)atoi(e->d_name);
		if (read_proc(pid, "comm", comm, sizeof(comm)) <= 0 ||
		    strcmp(comm, "sigtraild\n") != 0)
			continue;
		struct daemon_proc *p = &st->procs[st->n_procs++];
		*p = (struct daemon_proc){.pid = pid};
		proc_args(p);
		p->ours = !p->db_known || same_file(p->db, db);
		st->running |= p->ours;
	}
	closedir(d);
}

static void kernel_status(struct status *st)
{
	struct ctl_rules rs = {0};
	int fd = ctl_open();

	if (sigsys_init() == 0 && ctl_rules_build(&rs, false) == 0)
		st->rules_expected = rs.n;
	ctl_rules_free(&rs);
	if (fd < 0) {
		st->audit_err = st->rules_err = fd;
		return;
	}
	st->audit_err = ctl_status(fd, &st->audit);
	st->rules_err = ctl_rules_count_key(fd, SIGTRAIL_RULE_KEY, &st->rules_loaded);
	close(fd);
}

static int64_t file_size(const char *path, const char *suffix)
{
	char p[PATH_MAX + 8];
	struct stat sb;

	snprintf(p, sizeof(p), "%s%s", path, suffix);
	return stat(p, &sb) == 0 ? (int64_t)sb.st_size : -1;
}

static int database(struct status *st, struct cli_common *c)
{
	struct cli_db d;
	sqlite3_stmt *s = NULL;
	int rc;

	st->db_size = file_size(c->db, "");
	st->wal_size = file_size(c->db, "-wal");
	st->db_code = cli_db_open_rows(c->db, &c->filter, false, &d);
	if (st->db_code) {
		cli_db_close(&d);
		return 0;
	}
	st->schema = d.version;
	rc = sqlite3_exec(d.db, "BEGIN", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(
		    d.db, "SELECT count(*), min(epoch_ms), max(epoch_ms) FROM signals", -1, &s,
		    NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		st->rows = sqlite3_column_int64(s, 0);
		st->first_ms = sqlite3_column_int64(s, 1);
		st->last_ms = sqlite3_column_int64(s, 2);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	s = NULL;
	st->has_deaths = d.has_deaths;
	if (rc == SQLITE_OK && d.has_deaths) {
		rc = cli_death_counts(&d, st->deaths);
		for (size_t i = 0; i < CLI_DEATH_CAUSES; i++)
			st->deaths_total += st->deaths[i];
	}
	if (rc == SQLITE_OK)
		rc = cli_zombie_groups(&d, INT64_MIN, INT64_MAX, NULL, c->utc, &st->zombies);
	if (rc == SQLITE_OK && d.has_coverage) {
		rc = sqlite3_prepare_v2(
		    d.db,
		    "SELECT status, source, pid, started_ms, until_ms FROM coverage "
		    "ORDER BY started_ms DESC, run DESC LIMIT 1",
		    -1, &s, NULL);
		if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
			st->have_run = true;
			/* As terminal text: they come from the database, like any row. */
			cli_term_text(st->run_status, sizeof(st->run_status),
			              (const char *)sqlite3_column_text(s, 0), 0);
			cli_term_text(st->run_source, sizeof(st->run_source),
			              sqlite3_column_text(s, 1)
			                  ? (const char *)sqlite3_column_text(s, 1)
			                  : "?",
			              0);
			st->run_pid = sqlite3_column_int64(s, 2);
			st->run_started_ms = cli_time_clamp(sqlite3_column_int64(s, 3));
			st->run_until_ms = cli_time_clamp(sqlite3_column_int64(s, 4));
		}
		if (rc == SQLITE_ROW || rc == SQLITE_DONE)
			rc = SQLITE_OK;
		sqlite3_finalize(s);
	}
	if (rc == SQLITE_OK && d.has_boot_epoch)
		rc = schema_query_int(
		    d.db,
		    "SELECT coalesce((SELECT backlog_limit FROM collector_runs ORDER "
		    "BY started_ms DESC, id DESC LIMIT 1), 0)",
		    &st->run_backlog_limit);
	if (rc == SQLITE_OK)
		rc = cli_coverage_load(&d, c->now_ms - DAY_MS, c->now_ms, c->now_ms, &st->day);
	if (rc != SQLITE_OK)
		st->db_code = cli_db_fail(&d, rc, "cannot read the database");
	int r = cli_db_close(&d);
	if (!st->db_code)
		st->db_code = r;
	return 0;
}

static void human_size(int64_t n, char *buf, size_t size)
{
	if (n < 0)
		snprintf(buf, size, "-");
	else if (n < 1024 * 1024)
		snprintf(buf, size, "%.1f KiB", (double)n / 1024);
	else if (n < 1024LL * 1024 * 1024)
		snprintf(buf, size, "%.1f MiB", (double)n / (1024 * 1024));
	else
		snprintf(buf, size, "%.2f GiB", (double)n / (1024.0 * 1024 * 1024));
}

static const char *why(int err)
{
	return err == -EPERM || err == -EACCES
	           ? "unknown: the kernel tells this only to root (CAP_AUDIT_CONTROL)"
	           : NULL;
}

/* The running daemon reads auditd's stream (plugin mode), not its own rules. */
static bool stdin_source(const struct status *st)
{
	for (size_t i = 0; i < st->n_procs; i++)
		if (st->procs[i].ours && (strcmp(st->procs[i].source, "stdin") == 0 ||
		                          (st->have_run && st->run_pid == st->procs[i].pid &&
		                           strcmp(st->run_source, "stdin") == 0)))
			return true;
	return false;
}

/* Long by design: one line of the output after another, in output order (the
 * table of what was found); splitting it would scatter the layout. */
static void print_text(FILE *out, const struct status *st, const struct cli_common *c)
{
	char a[48], b[48], size[32], wal[32], zone[64];

	cli_time_zone(c->now_ms, c->utc, zone, sizeof(zone));
	fprintf(out, "sigtrail %s (times in %s)\n", SIGTRAIL_VERSION, zone);
	fputs("collector: ", out);
	if (st->running) {
		for (size_t i = 0, k = 0; i < st->n_procs; i++) {
			const struct daemon_proc *p = &st->procs[i];
			if (!p->ours)
				continue;
			fprintf(out, "%srunning: sigtraild pid %d, source %s", k++ ? "; " : "",
			        (int)p->pid,
			        st->have_run && st->run_pid == p->pid ? st->run_source : p->source);
			if (!p->db_known)
				fputs(" (its database is not visible to this user)", out);
		}
		fputc('\n', out);
	} else {
		fputs("NOT running (no sigtraild process writes this database)\n", out);
	}
	for (size_t i = 0; i < st->n_procs; i++)
		if (!st->procs[i].ours)
			fprintf(out, "           (sigtraild pid %d writes another database: %s)\n",
			        (int)st->procs[i].pid, st->procs[i].db);
	if (st->have_run) {
		cli_time_fmt(st->run_started_ms, c->utc, a, sizeof(a));
		cli_time_fmt(st->run_until_ms, c->utc, b, sizeof(b));
		bool stale = strcmp(st->run_status, "running") == 0 &&
		             c->now_ms - st->run_until_ms > HEARTBEAT_STALE_MS;
		fprintf(out, "last run:  %s, source %s, pid %lld, started %s, %s %s%s\n",
		        stale ? "running but silent" : st->run_status, st->run_source,
		        (long long)st->run_pid, a,
		        strcmp(st->run_status, "running") == 0 ? "last heartbeat" : "until", b,
		        stale ? " (no heartbeat for more than 30 s: it may have died)" : "");
		/* The kernel's own answer (root) is the newest. */
		cli_status_mode(out, st->run_source,
		                st->audit_err ? st->run_backlog_limit : st->audit.backlog_limit);
	}
	fputs("rules:     ", out);
	if (st->rules_err)
		fprintf(out, "%s\n",
		        why(st->rules_err) ? why(st->rules_err) : strerror(-st->rules_err));
	else
		fprintf(out, "%zu of %zu sigtrail audit rules loaded (auditctl -l -k %s)%s\n",
		        st->rules_loaded, st->rules_expected, SIGTRAIL_RULE_KEY,
		        st->rules_loaded >= st->rules_expected ? ""
		        : stdin_source(st)
		            ? "; with the stdin source, auditd's own rules decide what is recorded"
		            : ": signals are NOT all recorded");
	fputs("kernel:    ", out);
	if (st->audit_err) {
		fprintf(out, "%s\n",
		        why(st->audit_err) ? why(st->audit_err) : strerror(-st->audit_err));
	} else {
		const struct audit_status *k = &st->audit;
		fprintf(out,
		        "audit enabled %u%s, lost %u, backlog %u of %u, audit daemon pid %u, "
		        "failure action %u, rate limit %u\n",
		        k->enabled, k->enabled == 2 ? " (locked until reboot)" : "", k->lost,
		        k->backlog, k->backlog_limit, k->pid, k->failure, k->rate_limit);
	}
	human_size(st->db_size, size, sizeof(size));
	human_size(st->wal_size, wal, sizeof(wal));
	fprintf(out, "database:  %s, %s", c->db, size);
	if (st->wal_size >= 0)
		fprintf(out, " (+ WAL %s)", wal);
	if (st->db_code) {
		fprintf(out, ": NOT readable (see the error above, exit status %d)\n", st->db_code);
		return;
	}
	fprintf(out, ", schema %d, %lld rows\n", st->schema, (long long)st->rows);
	if (st->rows > 0) {
		cli_time_fmt(st->first_ms, c->utc, a, sizeof(a));
		cli_time_fmt(st->last_ms, c->utc, b, sizeof(b));
		fprintf(out, "events:    first %s, last %s\n", a, b);
	}
	if (st->has_deaths) {
		fprintf(out, "deaths:    %lld recorded", (long long)st->deaths_total);
		for (size_t i = 0; i < CLI_DEATH_CAUSES; i++)
			fprintf(out, "%s%s %lld", i ? ", " : ": ", cli_death_causes[i],
			        (long long)st->deaths[i]);
		fputc('\n', out);
	} else {
		fprintf(out,
		        "deaths:    not recorded (schema %d; sigtraild records them from schema 3 "
		        "on, set up when it next starts)\n",
		        st->schema);
	}
	if (st->zombies.recorded) {
		const struct cli_zombie_groups *z = &st->zombies;
		if (z->unreaped == 0)
			fputs("zombies:   none unreaped\n", out);
		else
			fprintf(out, "zombies:   %lld unreaped, under %lld parent%s\n",
			        (long long)z->unreaped, (long long)z->parents,
			        z->parents == 1 ? "" : "s");
		for (size_t i = 0; i < z->n; i++)
			fprintf(out, "           %s\n", z->lines[i]);
		if (z->parents > (int64_t)z->n)
			fprintf(out,
			        "           and %lld more parents (sqlite3 %s 'select ppid, "
			        "parent_comm, count(*) from zombies where reaped_at is null group "
			        "by 1')\n",
			        (long long)(z->parents - (int64_t)z->n), c->db);
	}
	fputs("last 24h:  ", out);
	cli_coverage_text(out, &st->day, c->utc);
	fputs("\n", out);
	if (st->day.proc_recorded && st->day.runs > 0) {
		fputs("           deaths: ", out);
		cli_coverage_deaths_text(out, &st->day);
		fputs("\n", out);
	}
}

static void json_err(FILE *out, int err)
{
	fputs("\"known\":false,\"error\":", out);
	cli_json_string(out, why(err) ? why(err) : strerror(-err));
}

/* Long by design: the JSON object's members in output order, as print_text()
 * has its lines; splitting it would scatter the layout. */
static void print_json(FILE *out, const struct status *st, const struct cli_common *c)
{
	char a[40];

	fprintf(out, "{\"version\":\"%s\",\"daemon\":{\"running\":%s,\"processes\":[",
	        SIGTRAIL_VERSION, st->running ? "true" : "false");
	for (size_t i = 0; i < st->n_procs; i++) {
		const struct daemon_proc *p = &st->procs[i];
		fprintf(out, "%s{\"pid\":%d,\"this_database\":%s,\"source\":", i ? "," : "",
		        (int)p->pid, p->ours ? "true" : "false");
		cli_json_string(out,
		                st->have_run && st->run_pid == p->pid ? st->run_source : p->source);
		fputs(",\"db\":", out);
		cli_json_string(out, p->db);
		fputc('}', out);
	}
	fputs("]},\"last_run\":", out);
	if (st->have_run) {
		fputs("{\"status\":", out);
		cli_json_string(out, st->run_status);
		fputs(",\"source\":", out);
		cli_json_string(out, st->run_source);
		cli_time_iso(st->run_started_ms, a, sizeof(a));
		fprintf(out, ",\"pid\":%lld,\"started\":\"%s\",", (long long)st->run_pid, a);
		cli_time_iso(st->run_until_ms, a, sizeof(a));
		fprintf(out, "\"until\":\"%s\"", a);
		if (st->run_backlog_limit > 0)
			fprintf(out, ",\"backlog_limit\":%lld", (long long)st->run_backlog_limit);
		fputc('}', out);
	} else {
		fputs("null", out);
	}
	fputs(",\"rules\":{", out);
	if (st->rules_err)
		json_err(out, st->rules_err);
	else
		fprintf(out, "\"known\":true,\"loaded\":%zu,\"expected\":%zu", st->rules_loaded,
		        st->rules_expected);
	fputs("},\"kernel\":{", out);
	if (st->audit_err)
		json_err(out, st->audit_err);
	else
		fprintf(out,
		        "\"known\":true,\"enabled\":%u,\"lost\":%u,\"backlog\":%u,"
		        "\"backlog_limit\":%u,\"pid\":%u,\"failure\":%u,\"rate_limit\":%u",
		        st->audit.enabled, st->audit.lost, st->audit.backlog,
		        st->audit.backlog_limit, st->audit.pid, st->audit.failure,
		        st->audit.rate_limit);
	fputs("},\"database\":{\"path\":", out);
	cli_json_string(out, c->db);
	fprintf(out, ",\"readable\":%s,\"size\":%lld,\"wal_size\":%lld",
	        st->db_code ? "false" : "true", (long long)st->db_size, (long long)st->wal_size);
	if (!st->db_code) {
		fprintf(out, ",\"schema\":%d,\"rows\":%lld", st->schema, (long long)st->rows);
		cli_time_iso(st->first_ms, a, sizeof(a));
		fputs(",\"first\":", out);
		st->rows ? fprintf(out, "\"%s\"", a) : fputs("null", out);
		cli_time_iso(st->last_ms, a, sizeof(a));
		fputs(",\"last\":", out);
		st->rows ? fprintf(out, "\"%s\"", a) : fputs("null", out);
		fprintf(out, ",\"deaths\":{\"recorded\":%s", st->has_deaths ? "true" : "false");
		if (st->has_deaths) {
			fprintf(out, ",\"total\":%lld,\"by_cause\":{", (long long)st->deaths_total);
			for (size_t i = 0; i < CLI_DEATH_CAUSES; i++)
				fprintf(out, "%s\"%s\":%lld", i ? "," : "", cli_death_causes[i],
				        (long long)st->deaths[i]);
			fputc('}', out);
		}
		fputc('}', out);
		fprintf(out, ",\"zombies\":{\"recorded\":%s",
		        st->zombies.recorded ? "true" : "false");
		if (st->zombies.recorded) {
			fprintf(out, ",\"unreaped\":%lld,\"parents\":%lld,\"groups\":[",
			        (long long)st->zombies.unreaped, (long long)st->zombies.parents);
			for (size_t i = 0; i < st->zombies.n; i++) {
				fprintf(out, "%s{\"count\":%lld,\"text\":", i ? "," : "",
				        (long long)st->zombies.counts[i]);
				cli_json_string(out, st->zombies.lines[i]);
				fputc('}', out);
			}
			fputc(']', out);
		}
		fputc('}', out);
	}
	fputs("},\"coverage_24h\":", out);
	if (st->db_code)
		fputs("null", out);
	else {
		fprintf(out,
		        "{\"recorded\":%s,\"complete\":%s,\"covered_ms\":%lld,\"gaps\":%zu,"
		        "\"lost\":%lld",
		        st->day.recorded ? "true" : "false",
		        st->day.recorded && st->day.n_gaps == 0 ? "true" : "false",
		        (long long)st->day.covered_ms, st->day.n_gaps + st->day.more_gaps,
		        (long long)cli_coverage_lost(&st->day));
		if (st->day.proc_recorded) {
			fprintf(out,
			        ",\"processes\":{\"on_runs\":%zu,\"off_runs\":%zu,\"off_reason\":",
			        st->day.proc_on, st->day.proc_off);
			cli_json_string(out, st->day.proc_off ? st->day.proc_off_why : NULL);
			fprintf(out, ",\"lost_deaths\":%lld,\"lost_process_events\":%lld}",
			        (long long)st->day.lost_deaths,
			        (long long)st->day.lost_process_events);
		}
		fputc('}', out);
	}
	fputs("}\n", out);
}

int cli_status(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"db", required_argument, NULL, CLI_OPT_DB},
	    {"host", required_argument, NULL, CLI_OPT_HOST},
	    {"help", no_argument, NULL, CLI_OPT_HELP},
	    {"utc", no_argument, NULL, CLI_OPT_UTC},
	    {"local", no_argument, NULL, CLI_OPT_LOCAL},
	    {"json", no_argument, NULL, 'j'},
	    {0},
	};
	static struct status st;
	struct cli_common c;
	bool json = false;
	int opt, r;

	cli_common_init(&c);
	optind = 0;
	while ((opt = getopt_long(argc, argv, ":d:h", opts, NULL)) != -1) {
		r = cli_common_option(&c, opt, optarg);
		if (r < 0)
			return EX_USAGE;
		if (r > 0)
			continue;
		switch (opt) {
		case CLI_OPT_HELP:
			usage(stdout);
			return EX_OK;
		case 'j':
			json = true;
			break;
		default:
			return cli_bad_option("status", opt, argv);
		}
	}
	if (optind != argc) {
		log_error("status: unexpected argument '%s'", argv[optind]);
		return EX_USAGE;
	}
	if (cli_common_finish(&c, isatty(STDOUT_FILENO)) < 0)
		return EX_USAGE;

	find_daemons(&st, c.db);
	kernel_status(&st);
	database(&st, &c);
	if (json)
		print_json(stdout, &st, &c);
	else
		print_text(stdout, &st, &c);
	return st.running ? EX_OK : CLI_EXIT_NOT_RUNNING;
}
