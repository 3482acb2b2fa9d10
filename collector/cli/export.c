/* export.c: `sigtrail export`, the compliance export of a period. It
 * streams rows straight from one SQLite statement to the output (memory
 * stays flat on millions of rows), all inside one read transaction so that
 * the row count in the header, the rows and the coverage agree while
 * sigtraild keeps writing. Formats:
 *   csv   RFC 4180, CRLF, a header row; text fields quoted and guarded
 *         against formula injection (fmt.c);
 *   jsonl one JSON object per line, keys = the `signals` view's columns;
 *   json  one document: metadata (host, range, row count, generated,
 *         version, coverage and losses), then "rows".
 * Times are UTC. --meta FILE writes the json metadata beside a csv/jsonl
 * export. --deaths exports the `deaths` view (schema 3) the same way, its
 * columns as keys. With -o the file appears only once complete (written to a
 * temporary name, then renamed: outfile.c). The bytes are written, and the
 * manifest's SHA-256 taken, by a thread of their own (pipeout.c), beside
 * the one that reads and formats the rows. Exercise with
 *   sigtrail export --db /tmp/t.db --format csv | python3 -c 'import csv,sys;
 * print(len(list(csv.reader(sys.stdin))))' */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "config.h"
#include "cli.h"
#include "cli_fmt.h"
#include "sigtrail/log.h"

enum format { FMT_CSV, FMT_JSONL, FMT_JSON };
enum {
	OUT_BUFFER = 1 << 18,
	PROGRESS_EVERY = 1024, /* rows between progress checks */
	MAX_HOSTS = 100,       /* hosts listed in the metadata */
	MAX_RUNS = 1000,       /* coverage runs listed in the metadata */
	OUT_MODE = 0640,       /* the export holds what the database's group may read */
};

/* The output's stdio buffer. glibc ignores setvbuf()'s size without a
 * buffer (it kept st_blksize: a 4 KiB write() per 16 CSV rows); static, as
 * it must outlive the stream, which may be stdout. */
static char out_buffer[OUT_BUFFER];

static volatile sig_atomic_t interrupted; /* SIGINT/SIGTERM: stop, remove the partial file */

static void on_signal(int sig)
{
	interrupted = sig;
}

static void usage(FILE *out)
{
	fprintf(out,
	        "Usage: sigtrail export [OPTIONS]\n"
	        "Export the recorded signals of a period for an audit, streaming (flat memory\n"
	        "on any number of rows). Times are UTC.\n"
	        "\n"
	        "  -d, --db PATH          database (default %s),\n"
	        "                         or the fleet's centre: a postgres:// URI\n"
	        "      --since T          rows at or after T (default: the first)\n"
	        "      --until T          rows before T (default: now)\n"
	        "  -f, --format FMT       csv (default): RFC 4180, header row, CRLF, formula-\n"
	        "                         injection safe (a text field that a spreadsheet\n"
	        "                         would run, or that starts with ', gets a leading '\n"
	        "                         which spreadsheets hide: strip one to get the value);\n"
	        "                         jsonl: one JSON object per row;\n"
	        "                         json: one document, metadata then \"rows\"\n"
	        "  -o, --output FILE      write to FILE (mode 0640, replaced only once the export\n"
	        "                         is complete), then FILE.manifest.json: its SHA-256\n"
	        "                         and size, filters, period, host, row count, coverage\n"
	        "                         and losses, version (compare: sha256sum FILE);\n"
	        "                         default or -: standard output\n"
	        "      --meta FILE        also write the json metadata (range, row count, host,\n"
	        "                         version, coverage, lost events) to FILE\n"
	        "      --progress         progress bar on stderr even when it is not a terminal\n"
	        "      --no-progress      no progress bar (default: shown when stderr is a\n"
	        "                         terminal and the export does not go to it)\n"
	        "      filters            as for sigtrail list: --signal, --sender-comm,\n"
	        "                         --sender-user, --sender-pid, --target-comm,\n"
	        "                         --target-pid, --failed, --syscall, --host,\n"
	        "                         --exclude-signal SIG[,SIG] (URG,CHLD: leave them out;\n"
	        "                         the metadata's filters name them)\n"
	        "      --deaths           export the deaths view instead (schema 3): every\n"
	        "                         process a signal ended, its cause and evidence;\n"
	        "                         filters --signal, --target-pid, --target-comm, --host\n"
	        "      --cause CAUSE      with --deaths: signal, oom, crash, pidns-teardown or\n"
	        "                         kernel\n"
	        "  -h, --help             this help\n"
	        "\n"
	        "T: a duration back from now (2h, 7d), a local date and time (2026-11-21,\n"
	        "'2026-11-21 10:00'; UTC with --utc), ISO-8601 with a zone, now, today,\n"
	        "yesterday or @EPOCH. The range actually exported is in the metadata, in UTC.\n"
	        "Columns/keys: those of the signals view (see README), in its order; with\n"
	        "--deaths those of the deaths view (see sigtrail-schema(5)).\n"
	        "\n"
	        "Examples:\n"
	        "  sigtrail export --since 2026-11-01 --until 2026-12-01 --utc -o nov.csv\n"
	        "  sigtrail export --since 7d --format json -o week.json\n"
	        "  sigtrail export --since 1d --format jsonl --signal KILL | jq .sender_cmdline\n"
	        "  sigtrail export --since 30d --failed --format csv -o refused.csv --meta "
	        "refused.json\n"
	        "  sigtrail export --deaths --since 2026-11-01 --until 2026-12-01 -o deaths.csv\n",
	        SIGTRAIL_DEFAULT_DB);
}

/* One row of any statement in CSV; type decides quoting (numbers bare, text
 * guarded). */
static void csv_stmt_row(FILE *out, sqlite3_stmt *s)
{
	for (int i = 0; i < sqlite3_column_count(s); i++) {
		int type = sqlite3_column_type(s, i);
		if (i)
			fputc(',', out);
		if (type != SQLITE_NULL)
			cli_csv_field(out, (const char *)sqlite3_column_text(s, i),
			              type != SQLITE_INTEGER);
	}
	fputs("\r\n", out);
}

struct export
{
	struct cli_common *c;
	struct cli_db *d;
	enum format format;
	const char *format_name;
	int64_t rows, first_ms, last_ms; /* from the count query */
	bool deaths;                     /* --deaths: the deaths view */
};

/* The export's one query shape, on signals or on deaths. */
static int prepare(struct export *e, const char *select, const char *tail, sqlite3_stmt **ret)
{
	if (e->deaths)
		return cli_prepare_deaths(e->d, &e->c->filter, select, tail, ret);
	return cli_prepare(e->d, &e->c->filter, select, tail, ret);
}

static int count_rows(struct export *e)
{
	sqlite3_stmt *s = NULL;
	int rc = prepare(e, "count(*), min(epoch_ms), max(epoch_ms)", NULL, &s);

	if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		e->rows = sqlite3_column_int64(s, 0);
		e->first_ms = sqlite3_column_int64(s, 1);
		e->last_ms = sqlite3_column_int64(s, 2);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	return rc;
}

static void json_time_or_null(FILE *out, const char *key, int64_t ms, bool present)
{
	char t[40];

	fprintf(out, "\"%s\":", key);
	if (present) {
		cli_time_iso(ms, t, sizeof(t));
		fprintf(out, "\"%s\"", t);
	} else {
		fputs("null", out);
	}
}

/* One object key, with the comma that separates it from the previous one. */
static void key(FILE *out, bool *first, const char *name)
{
	fprintf(out, "%s\"%s\":", *first ? "" : ",", name);
	*first = false;
}

/* The metadata members (without braces). */
static int write_meta(FILE *out, struct export *e)
{
	const struct cli_filter *f = &e->c->filter;
	struct cli_coverage cov;
	char host[HOST_NAME_MAX + 1] = "", t[40];
	sqlite3_stmt *s = NULL;
	int rc;

	(void)gethostname(host, sizeof(host) - 1);
	cli_time_iso(e->c->now_ms, t, sizeof(t));
	fprintf(out, "\"sigtrail_version\":\"%s\",\"schema_version\":%d,\"generated\":\"%s\",",
	        SIGTRAIL_VERSION, e->d->version, t);
	fputs("\"host\":", out);
	cli_json_string(out, host);
	fputs(",\"database\":", out);
	cli_json_string(out, e->d->path);
	fprintf(out, ",\"view\":\"%s\",\"format\":\"%s\",\"time_zone\":\"UTC\",\"range\":{",
	        e->deaths ? "deaths" : "signals", e->format_name);
	json_time_or_null(out, "since", f->since_ms, f->since_ms != INT64_MIN);
	fputc(',', out);
	json_time_or_null(out, "until", f->until_ms, true);
	fputs("},\"filters\":{", out);
	bool first = true;
	if (f->signal >= 0)
		key(out, &first, "signal"), fprintf(out, "%d", f->signal);
	if (f->sender_comm)
		key(out, &first, "sender_comm"), cli_json_string(out, f->sender_comm);
	if (f->sender_user)
		key(out, &first, "sender_user"), cli_json_string(out, f->sender_user);
	if (f->sender_pid >= 0)
		key(out, &first, "sender_pid"), fprintf(out, "%lld", (long long)f->sender_pid);
	if (f->target_comm)
		key(out, &first, "target_comm"), cli_json_string(out, f->target_comm);
	if (f->target_pid >= 0)
		key(out, &first, "target_pid"), fprintf(out, "%lld", (long long)f->target_pid);
	if (f->failed)
		key(out, &first, "failed"), fputs("true", out);
	if (f->syscall)
		key(out, &first, "syscall"), cli_json_string(out, f->syscall);
	if (f->host)
		key(out, &first, "host"), cli_json_string(out, f->host);
	if (f->cause)
		key(out, &first, "cause"), cli_json_string(out, f->cause);
	if (f->exclude[0]) {
		key(out, &first, "exclude_signals");
		fputc('[', out);
		for (int sig = 0, n = 0; sig < 128; sig++)
			if (f->exclude_bits[sig / 64] & (1ull << (sig % 64)))
				fprintf(out, "%s%d", n++ ? "," : "", sig);
		fputc(']', out);
	}
	fprintf(out, "},\"row_count\":%lld,", (long long)e->rows);
	json_time_or_null(out, "first_row", e->first_ms, e->rows > 0);
	fputc(',', out);
	json_time_or_null(out, "last_row", e->last_ms, e->rows > 0);
	fputs(",\"hosts\":[", out);
	rc = prepare(e, "DISTINCT host", "LIMIT ?20", &s);
	if (rc != SQLITE_OK)
		return rc;
	sqlite3_bind_int(s, 20, MAX_HOSTS);
	for (int i = 0; (rc = sqlite3_step(s)) == SQLITE_ROW; i++) {
		if (i)
			fputc(',', out);
		cli_json_string(out, (const char *)sqlite3_column_text(s, 0));
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return rc;
	fputs("],\"coverage\":", out);
	rc = cli_coverage_load(e->d, f->since_ms, f->until_ms, e->c->now_ms, &cov);
	if (rc == SQLITE_OK)
		rc = cli_coverage_json(out, e->d, &cov, MAX_RUNS);
	return rc;
}

static int write_meta_file(const char *path, struct export *e)
{
	FILE *m = fopen(path, "we");

	if (!m) {
		log_error("--meta %s: %m", path);
		return EX_CANTCREAT;
	}
	fputc('{', m);
	int rc = write_meta(m, e);
	fputs("}\n", m);
	if (rc != SQLITE_OK) {
		fclose(m);
		return cli_db_fail(e->d, rc, "cannot read the metadata");
	}
	if (fclose(m) != 0) {
		log_error("--meta %s: %m", path);
		return EX_IOERR;
	}
	return 0;
}

static int stream(FILE *out, struct export *e, bool progress)
{
	const char *what = e->deaths ? "cannot read deaths" : "cannot read signals";
	struct export_rows *x = NULL;
	struct cli_progress bar;
	sqlite3_stmt *s = NULL;
	int64_t n = 0;
	int rc;

	if (e->deaths)
		rc = prepare(e, e->d->death_cols, "ORDER BY epoch_ms, id", &s);
	else
		rc = export_rows_open(e->d, &e->c->filter, e->format != FMT_CSV, &x);
	if (rc != SQLITE_OK)
		return cli_db_fail(e->d, rc, what);
	if (e->format == FMT_CSV) {
		int ncols = e->deaths ? sqlite3_column_count(s) : e->d->signal_cols;
		for (int i = 0; i < ncols; i++)
			fprintf(out, "%s%s", i ? "," : "",
			        e->deaths ? sqlite3_column_name(s, i) : schema_signals[i].name);
		fputs("\r\n", out);
	}
	cli_progress_start(&bar, "export", "rows", e->rows, progress);
	while (!interrupted) {
		rc = e->deaths ? sqlite3_step(s) : export_rows_next(x);
		if (rc != SQLITE_ROW)
			break;
		if (e->format == FMT_JSON)
			fputs(n ? ",\n" : "\n", out);
		if (!e->deaths)
			export_rows_put(x, out);
		else if (e->format == FMT_CSV)
			csv_stmt_row(out, s);
		else
			cli_stmt_json(out, s);
		if (e->format == FMT_JSONL)
			fputc('\n', out);
		if (++n % PROGRESS_EVERY == 0) {
			cli_progress_update(&bar, n);
			if (ferror(out))
				break; /* a full disk: stop early, reported below */
		}
	}
	sqlite3_finalize(s);
	export_rows_close(x);
	cli_progress_update(&bar, n);
	cli_progress_end(&bar);
	if (interrupted)
		return 128 + interrupted;
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return cli_db_fail(e->d, rc, what);
	e->rows = n;
	return 0;
}

/* Tell whoever runs the export, on stderr, what a CSV cannot carry: was a
 * collector running over the whole range, and did it lose events. */
static int coverage_note(struct export *e)
{
	struct cli_coverage cov;
	char *text = NULL;
	size_t len = 0;
	int rc = cli_coverage_load(e->d, e->c->filter.since_ms, e->c->filter.until_ms, e->c->now_ms,
	                           &cov);
	FILE *m;

	if (rc != SQLITE_OK)
		return cli_db_fail(e->d, rc, "cannot read coverage");
	if (!(m = open_memstream(&text, &len)))
		return EX_OSERR;
	cli_coverage_text(m, &cov, true);
	bool deaths_ok = true;
	if (e->deaths && cov.proc_recorded && cov.runs > 0) {
		/* What a deaths export must not hide: deaths not recorded or lost. */
		fputs("; deaths: ", m);
		cli_coverage_deaths_text(m, &cov);
		deaths_ok =
		    cov.proc_off == 0 && cov.lost_deaths == 0 && cov.lost_process_events == 0;
	}
	fclose(m);
	if (cov.recorded && cov.n_gaps == 0 && cli_coverage_lost(&cov) == 0 && deaths_ok)
		log_info("coverage: %s", text);
	else
		log_warn("coverage: %s", text);
	free(text);
	return 0;
}

/* FILE.manifest.json, once FILE is in place: the file's name, size and
 * SHA-256 (`hex`, of the rows as written under the temporary name, so the
 * digest is of what this export wrote), then the metadata (filters,
 * period, host, row count, coverage and losses, version), from the same
 * snapshot as the rows. Written whole, atomically. Returns 0 or an exit
 * status after an error. */
static int write_manifest(struct export *e, const char *output, const char *hex, int64_t bytes)
{
	char *path = NULL;
	const char *base = strrchr(output, '/');
	struct cli_out m;
	int r;

	if (asprintf(&path, "%s.manifest.json", output) < 0)
		return EX_OSERR;
	if ((r = cli_out_open(&m, path, OUT_MODE)) < 0) {
		log_error("cannot create %s: %s", path, strerror(-r));
		free(path);
		return EX_CANTCREAT;
	}
	fputs("{\"manifest_version\":1,\"file\":", m.f);
	cli_json_string(m.f, base ? base + 1 : output);
	fprintf(m.f, ",\"bytes\":%lld,\"sha256\":\"%s\",", (long long)bytes, hex);
	if ((r = write_meta(m.f, e)) != SQLITE_OK) {
		cli_out_abort(&m);
		free(path);
		return cli_db_fail(e->d, r, "cannot read the manifest's metadata");
	}
	fputs("}\n", m.f);
	r = fflush(m.f) != 0 ? -errno : cli_out_commit(&m);
	if (r < 0) {
		log_error("writing %s failed: %s", path, strerror(-r));
		cli_out_abort(&m);
		free(path);
		return EX_IOERR;
	}
	free(path);
	return 0;
}

static int run(struct export *e, const char *output, const char *meta, int progress_opt)
{
	bool to_stdout = !output || strcmp(output, "-") == 0;
	struct cli_out file = {0};
	struct cli_pipe *pipe = NULL;
	FILE *out = NULL;
	char hex[65];
	int64_t bytes = 0;
	int r;
	bool progress, manifest;

	if (e->deaths && !e->d->has_deaths) {
		log_error("%s records no deaths (schema %d; deaths are recorded from schema 3 on, "
		          "which sigtraild sets up when it next starts)",
		          e->d->path, e->d->version);
		return EX_DATAERR;
	}
	/* The whole export is one snapshot of the database. */
	r = sqlite3_exec(e->d->db, "BEGIN", NULL, NULL, NULL);
	if (r != SQLITE_OK)
		return cli_db_fail(e->d, r, "cannot start reading");
	progress = progress_opt > 0 || (progress_opt < 0 && isatty(STDERR_FILENO) &&
	                                !(to_stdout && isatty(STDOUT_FILENO)));
	if (e->format == FMT_JSON || meta || progress || !to_stdout) {
		r = count_rows(e);
		if (r != SQLITE_OK)
			return cli_db_fail(e->d, r, "cannot count rows");
	}
	if (meta && (r = write_meta_file(meta, e)) != 0)
		return r;
	if (!to_stdout && (r = cli_out_open(&file, output, OUT_MODE)) < 0) {
		log_error("cannot create %s: %s", output, strerror(-r));
		return EX_CANTCREAT;
	}
	/* A regular file gets a manifest (a device or FIFO written in place has
	 * no digest to give): its SHA-256 is taken as it is written. The bytes
	 * are written, and hashed, by a thread of their own (pipeout.c). */
	manifest = !to_stdout && file.tmp;
	if ((r = cli_pipe_open(to_stdout ? STDOUT_FILENO : fileno(file.f), manifest, &pipe, &out)) <
	    0) {
		log_error("cannot write %s: %s", to_stdout ? "the export" : output, strerror(-r));
		r = EX_OSERR;
		goto out;
	}
	setvbuf(out, out_buffer, _IOFBF, sizeof(out_buffer));
	if (e->format == FMT_JSON) {
		fputc('{', out);
		r = write_meta(out, e);
		if (r != SQLITE_OK) {
			r = cli_db_fail(e->d, r, "cannot read the metadata");
			goto out;
		}
		fputs(",\"rows\":[", out);
	}
	r = stream(out, e, progress);
	if (r != 0)
		goto out;
	if (e->format == FMT_JSON)
		fputs(e->rows ? "\n]}\n" : "]}\n", out);
	r = coverage_note(e);
	if (r != 0)
		goto out;
	bool failed = fflush(out) != 0 || ferror(out);
	r = cli_pipe_close(pipe, manifest ? hex : NULL, &bytes);
	pipe = NULL;
	if (failed || r < 0) {
		log_error("writing %s failed: %s", to_stdout ? "the export" : output,
		          strerror(r < 0 ? -r : EIO));
		r = EX_IOERR;
		goto out;
	}
	/* The manifest is written after the rename. */
	if (!to_stdout && (r = cli_out_commit(&file)) < 0) {
		log_error("writing %s failed: %s", output, strerror(-r));
		r = EX_IOERR;
		goto out;
	}
	if (manifest && (r = write_manifest(e, output, hex, bytes)) != 0)
		goto out;
	(void)sqlite3_exec(e->d->db, "COMMIT", NULL, NULL, NULL);
out:
	(void)cli_pipe_close(pipe, NULL, NULL);
	if (!to_stdout)
		cli_out_abort(&file);
	return r;
}

/* Where the export goes, from the options besides the filters. */
struct export_args {
	const char *output; /* -o FILE; NULL or "-": standard output */
	const char *meta;   /* --meta FILE, or NULL */
	int progress;       /* --progress 1, --no-progress 0, neither -1 */
};

/* Parse the options into e (its cli_common and format) and *a; returns -1
 * to go on, else the exit status. */
static int parse_options(int argc, char **argv, struct export *e, struct export_args *a)
{
	enum { OPT_META = CLI_OPT_COMMAND, OPT_PROGRESS, OPT_NO_PROGRESS, OPT_DEATHS };
	static const struct option opts[] = {
	    CLI_COMMON_OPTIONS,
	    CLI_FILTER_OPTIONS,
	    {"format", required_argument, NULL, 'f'},
	    {"output", required_argument, NULL, 'o'},
	    {"meta", required_argument, NULL, OPT_META},
	    {"progress", no_argument, NULL, OPT_PROGRESS},
	    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
	    {"deaths", no_argument, NULL, OPT_DEATHS},
	    {"cause", required_argument, NULL, CLI_OPT_CAUSE},
	    {0},
	};
	int opt, r;

	cli_common_init(e->c);
	optind = 0;
	while ((opt = getopt_long(argc, argv, ":d:hf:o:", opts, NULL)) != -1) {
		r = cli_common_option(e->c, opt, optarg);
		if (r < 0)
			return EX_USAGE;
		if (r > 0)
			continue;
		switch (opt) {
		case CLI_OPT_HELP:
			usage(stdout);
			return EX_OK;
		case 'f':
			if (strcmp(optarg, "csv") == 0)
				e->format = FMT_CSV;
			else if (strcmp(optarg, "jsonl") == 0)
				e->format = FMT_JSONL;
			else if (strcmp(optarg, "json") == 0)
				e->format = FMT_JSON;
			else {
				log_error("export: --format '%s': expected csv, jsonl or json",
				          optarg);
				return EX_USAGE;
			}
			e->format_name = optarg;
			break;
		case 'o':
			if (!*optarg) {
				log_error("export: --output: empty file name");
				return EX_USAGE;
			}
			a->output = optarg;
			break;
		case OPT_META:
			a->meta = optarg;
			break;
		case OPT_PROGRESS:
			a->progress = 1;
			break;
		case OPT_NO_PROGRESS:
			a->progress = 0;
			break;
		case OPT_DEATHS:
			e->deaths = true;
			break;
		default:
			return cli_bad_option("export", opt, argv);
		}
	}
	if (optind != argc) {
		log_error("export: unexpected argument '%s' (see sigtrail export --help)",
		          argv[optind]);
		return EX_USAGE;
	}
	return -1;
}

/* Check the filters against --deaths and close the range at now. Returns 0 or EX_USAGE. */
static int finish_options(struct export *e)
{
	struct cli_common *c = e->c;

	if (cli_common_finish(c, false) < 0)
		return EX_USAGE;
	if (e->deaths && cli_death_filter_check(&c->filter, "export") < 0)
		return EX_USAGE;
	if (!e->deaths && c->filter.cause) {
		log_error("export: --cause selects deaths: add --deaths");
		return EX_USAGE;
	}
	if (c->filter.until_ms == INT64_MAX)
		c->filter.until_ms = c->now_ms; /* a defined range, stated in the metadata */
	return 0;
}

int cli_export(int argc, char **argv)
{
	struct cli_common c;
	struct cli_db d;
	struct export e = {.c = &c, .d = &d, .format = FMT_CSV, .format_name = "csv"};
	struct export_args a = {.progress = -1};
	int r;

	r = parse_options(argc, argv, &e, &a);
	if (r >= 0)
		return r;
	if ((r = finish_options(&e)) != 0)
		return r;
	if (a.output && strcmp(a.output, "-") != 0 &&
	    (r = cli_out_check("export", "--output", a.output, c.db)) != 0)
		return r;
	if (a.meta && (r = cli_out_check("export", "--meta", a.meta, c.db)) != 0)
		return r;

	struct sigaction sa = {.sa_handler = on_signal};
	sigemptyset(&sa.sa_mask);
	(void)sigaction(SIGINT, &sa, NULL);
	(void)sigaction(SIGTERM, &sa, NULL);

	r = cli_db_open_rows(c.db, &c.filter, false, &d);
	if (r == 0)
		r = run(&e, a.output, a.meta, a.progress);
	int rclose = cli_db_close(&d);
	if (r == 0 && rclose == 0)
		log_info("exported %lld %s (%s, times in UTC)%s%s", (long long)e.rows,
		         e.deaths ? "deaths" : "rows", e.format_name, a.output ? " to " : "",
		         a.output ? a.output : "");
	return r ? r : rclose;
}
