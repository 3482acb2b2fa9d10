/* import.c: `sigtrail import FILE...|-`, existing auditd logs (raw or
 * ENRICHED, /var/log/audit/audit.log*) into the database, through the very
 * pipeline sigtraild runs on its stdin source: source.c splits lines,
 * filter.c keeps the records of signal syscalls, assemble.c (libauparse)
 * builds events, the store's signals.c writes rows. Its dedupe mode skips an
 * event whose (host, serial, time) is already stored, so importing a log twice,
 * or a log whose events the daemon recorded live, adds nothing.
 * The only command that writes. Events are written in small batches kept
 * in memory until committed: when sigtraild holds the write lock the batch
 * waits and is retried whole, and a batch is never held long enough to
 * make the daemon's own commits wait. Exercise with
 *   sigtrail import --db /tmp/t.db tests/fixtures/kernel.log   (twice) */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "sigtrail/assemble.h"
#include "cli.h"
#include "sigtrail/filter.h"
#include "sigtrail/log.h"
#include "sigtrail/redact.h"
#include "sigtrail/sigsys.h"
#include "sigtrail/source.h"
#include "sigtrail/store.h"

enum {
	BATCH_EVENTS = 512, /* events per transaction */
	BATCH_MS = 200,     /* or this long, whichever first (the daemon's commit period) */
	BUSY_RETRIES = 20,  /* a batch retried this often while the database is busy */
	BUSY_WAIT_MS = 250, /* between retries */
	EOE_TIMEOUT_S = 2,  /* as the daemon; only matters for events missing their EOE */
	MAX_INPUTS = 1024,
};

struct import {
	struct store *store;
	struct filter filter;
	struct assembler *assembler;
	struct st_event *batch[BATCH_EVENTS]; /* assembled, not yet committed */
	size_t n_batch;
	int64_t batch_started_ms;
	int error;           /* first -errno from the store: stop */
	uint64_t events;     /* signal events assembled */
	uint64_t rows;       /* rows added */
	uint64_t duplicates; /* events already in the database */
	uint64_t lost_lines; /* unparsable and oversized lines, over every input */
	uint64_t lost_unparsable, lost_oversized; /* the same, apart, for the total */
	int64_t first_ms, last_ms; /* the span of the imported events: its coverage row */
	const char *db;
};

static void usage(FILE *out)
{
	fprintf(out,
	        "Usage: sigtrail import [OPTIONS] FILE...|-\n"
	        "Add the signal events of existing auditd logs (raw or ENRICHED format) to\n"
	        "the database, so that history from before sigtrail can be queried the same\n"
	        "way. Events already stored (same host, audit serial and time) are skipped:\n"
	        "importing a file twice adds nothing. Non-signal events are ignored. `-`\n"
	        "reads standard input (for compressed logs: zcat audit.log.1.gz | sigtrail\n"
	        "import -). Needs write access to the database, which is created if missing.\n"
	        "\n"
	        "  -d, --db PATH        database (default %s)\n"
	        "      --host NAME      host of records without node= (default: this host's\n"
	        "                       name; give the source machine's for copied logs)\n"
	        "      --include-sig0   also import kill(pid, 0) existence probes\n"
	        "      --progress       progress bar on stderr even when it is not a terminal\n"
	        "      --no-progress    no progress bar\n"
	        "      --no-redact      store command lines verbatim (default: passwords,\n"
	        "                       tokens and credentials become <redacted>)\n"
	        "      --redact-disable RULES\n"
	        "                       turn off these rules (comma-separated: flags,\n"
	        "                       key-values, url-credentials, auth-headers,\n"
	        "                       tool-flags, tokens)\n"
	        "      --redact-flag NAMES\n"
	        "                       also redact the value of these flags or keys\n"
	        "  -h, --help           this help\n"
	        "\n"
	        "Exit status: 0 imported; 64 bad usage; 65 the database is not sigtrail's or\n"
	        "newer; 66 an input is missing; 73 the database is not writable; 74 read or\n"
	        "write error; 75 the database stayed busy.\n"
	        "\n"
	        "Examples:\n"
	        "  sudo sigtrail import /var/log/audit/audit.log*\n"
	        "  sigtrail import --db ./old.db --host web-3 web-3-audit.log\n"
	        "  ausearch -m SYSCALL,OBJ_PID,PROCTITLE,EOE --raw | sudo sigtrail import -\n",
	        SIGTRAIL_DEFAULT_DB);
}

static void sleep_ms(int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void free_batch(struct import *im)
{
	for (size_t i = 0; i < im->n_batch; i++)
		st_event_free(im->batch[i]);
	im->n_batch = 0;
}

/* Write and commit the batch. A busy database (sigtraild committing)
 * rolls the batch back: it is retried whole, which dedupe makes safe. */
static int flush_batch(struct import *im)
{
	int r = 0;

	for (int attempt = 0; attempt <= BUSY_RETRIES; attempt++) {
		uint64_t rows = 0, dups = 0;
		size_t i;

		if (attempt)
			sleep_ms(BUSY_WAIT_MS);
		for (i = 0; i < im->n_batch; i++) {
			r = store_insert(im->store, im->batch[i]);
			if (r < 0)
				break;
			rows += (uint64_t)r;
			dups += r == 0;
		}
		if (r >= 0)
			r = store_commit(im->store);
		if (r == 0) {
			im->rows += rows;
			im->duplicates += dups;
			free_batch(im);
			return 0;
		}
		if (r != -EBUSY)
			break;
	}
	free_batch(im);
	return r;
}

static void on_event(void *userdata, struct st_event *ev)
{
	struct import *im = userdata;

	im->events++;
	if (im->events == 1 || ev->epoch_ms < im->first_ms)
		im->first_ms = ev->epoch_ms;
	if (im->events == 1 || ev->epoch_ms > im->last_ms)
		im->last_ms = ev->epoch_ms;
	if (im->error) {
		st_event_free(ev);
		return;
	}
	if (im->n_batch == 0)
		im->batch_started_ms = cli_now_ms();
	im->batch[im->n_batch++] = ev;
	if (im->n_batch == BATCH_EVENTS || cli_now_ms() - im->batch_started_ms >= BATCH_MS)
		im->error = flush_batch(im);
}

static void on_record(void *userdata, int type, const char *body, size_t len, const char *line,
                      size_t line_len)
{
	struct import *im = userdata;

	if (filter_record(&im->filter, type, body, len) != FILTER_KEEP)
		return;
	if (line)
		(void)asm_feed_line(im->assembler, line, line_len);
	else
		(void)asm_feed_record(im->assembler, type, body, len);
}

/* The compressed formats logrotate and journald users meet, by magic:
 * their text would import as unparsable lines. */
static const struct {
	const char *name, *cat;
	unsigned char magic[6];
	size_t len;
} compressed[] = {
    {"gzip", "zcat", {0x1f, 0x8b}, 2},
    {"xz", "xzcat", {0xfd, '7', 'z', 'X', 'Z', 0x00}, 6},
    {"bzip2", "bzcat", {'B', 'Z', 'h'}, 3},
    {"zstd", "zstdcat", {0x28, 0xb5, 0x2f, 0xfd}, 4},
    {"lz4", "lz4cat", {0x04, 0x22, 0x4d, 0x18}, 4},
};

/* Refuse an input that is no log: a device or a socket (/dev/zero would
 * import forever; a terminal means a forgotten pipe), a directory, or a
 * compressed file. A regular file, a pipe or FIFO and /dev/null are read. Returns 0,
 * or an exit status after saying why. */
static int check_input(const char *name, int fd)
{
	unsigned char magic[6];
	struct stat sb;

	if (fstat(fd, &sb) < 0) {
		log_error("import: %s: %m", name);
		return EX_IOERR;
	}
	if (S_ISDIR(sb.st_mode)) {
		log_error("import: %s is a directory", name);
		return EX_NOINPUT;
	}
	bool dev_null = S_ISCHR(sb.st_mode) && sb.st_rdev == makedev(1, 3); /* empty, harmless */
	if (!S_ISREG(sb.st_mode) && !S_ISFIFO(sb.st_mode) && !dev_null) {
		log_error("import: %s is %s, not a log file or a pipe", name,
		          isatty(fd) ? "a terminal (pipe a log in: zcat audit.log.1.gz | "
		                       "sigtrail import -)"
		          : S_ISCHR(sb.st_mode) ? "a character device"
		          : S_ISBLK(sb.st_mode) ? "a block device"
		                                : "a socket");
		return EX_DATAERR;
	}
	if (!S_ISREG(sb.st_mode))
		return 0; /* a pipe cannot be peeked at without taking its bytes */
	ssize_t n = pread(fd, magic, sizeof(magic), 0);
	for (size_t i = 0; n > 0 && i < sizeof(compressed) / sizeof(compressed[0]); i++)
		if ((size_t)n >= compressed[i].len &&
		    memcmp(magic, compressed[i].magic, compressed[i].len) == 0) {
			log_error("import: %s is %s-compressed; use `%s %s | sigtrail import -`",
			          name, compressed[i].name, compressed[i].cat, name);
			return EX_DATAERR;
		}
	return 0;
}

/* Open an input; `-` is stdin. Returns an fd or -1 with *ret_code set. */
static int open_input(const char *name, int *ret_code)
{
	int fd = STDIN_FILENO;

	if (strcmp(name, "-") != 0 && (fd = open(name, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		log_error("import: %s: %m", name);
		*ret_code = errno == ENOENT ? EX_NOINPUT : errno == EACCES ? EX_NOPERM : EX_IOERR;
		return -1;
	}
	if ((*ret_code = check_input(strcmp(name, "-") == 0 ? "standard input" : name, fd)) != 0) {
		if (fd != STDIN_FILENO)
			close(fd);
		return -1;
	}
	return fd;
}

/* The end of a summary line: what was skipped or completed early between
 * the assembler's counts `was` and `now`, then the newline. */
static void print_losses(uint64_t unparsable, uint64_t oversized, uint64_t bad_records,
                         const struct asm_stats *was, const struct asm_stats *now)
{
	uint64_t bad_events = now->malformed - was->malformed,
	         incomplete = now->incomplete - was->incomplete,
	         evicted = now->evicted - was->evicted;

	if (unparsable + oversized + bad_records + bad_events)
		printf("; skipped %llu unparsable and %llu oversized lines, %llu malformed "
		       "records, %llu malformed events",
		       (unsigned long long)unparsable, (unsigned long long)oversized,
		       (unsigned long long)bad_records, (unsigned long long)bad_events);
	if (incomplete)
		printf("; %llu events without their last record (PROCTITLE), %llu of them "
		       "completed early because %d were open at once (later records of theirs "
		       "are lost)",
		       (unsigned long long)incomplete, (unsigned long long)evicted, ASM_OPEN_MAX);
	putchar('\n');
}

/* Feed one input through the pipeline. Returns 0 or an exit status. */
static int import_one(struct import *im, const char *name, int fd, struct cli_progress *bar,
                      int64_t done_before)
{
	struct src *src = NULL;
	struct src_stats ss;
	uint64_t events = im->events, rows = im->rows, dups = im->duplicates;
	struct asm_stats as;
	asm_stats(im->assembler, &as);
	struct asm_stats before = as;
	uint64_t malformed = im->filter.malformed;
	int r = src_open(SRC_STDIN, fd, &src);

	if (r < 0) {
		log_error("import: %s: %s", name, strerror(-r));
		return EX_OSERR;
	}
	while ((r = src_read(src, on_record, im)) >= 0 && !im->error) {
		off_t pos = lseek(fd, 0, SEEK_CUR);
		if (pos >= 0)
			cli_progress_update(bar, done_before + pos);
	}
	src_stats(src, &ss);
	src_close(src);
	if (r < 0 && r != -EPIPE) {
		log_error("import: reading %s failed: %s", name, strerror(-r));
		return EX_IOERR;
	}
	if (!im->error && im->n_batch)
		im->error = flush_batch(im);
	if (im->error)
		return 0; /* reported by the caller */
	im->lost_lines += ss.unparsable + ss.oversized;
	im->lost_unparsable += ss.unparsable;
	im->lost_oversized += ss.oversized;
	asm_stats(im->assembler, &as);
	/* Events still open at the end of the file (no PROCTITLE yet) complete
	 * with the next file or at the end, and count there. */
	printf("%s: %llu lines, %llu signal events, %llu rows added, %llu events already stored",
	       name, (unsigned long long)(ss.records + ss.unparsable + ss.oversized),
	       (unsigned long long)(im->events - events), (unsigned long long)(im->rows - rows),
	       (unsigned long long)(im->duplicates - dups));
	print_losses(ss.unparsable, ss.oversized, im->filter.malformed - malformed, &before, &as);
	return 0;
}

static int store_error(const char *db, int r)
{
	log_error("import: writing %s failed: %s", db, strerror(-r));
	return r == -EBUSY ? EX_TEMPFAIL : r == -EACCES ? EX_CANTCREAT : EX_IOERR;
}

/* The command line of `sigtrail import`, as parse_options() leaves it. */
struct import_args {
	const char *db;             /* --db */
	const char *host;           /* --host; NULL: this host's name */
	bool sig0;                  /* --include-sig0 */
	int progress;               /* --progress 1, --no-progress 0, neither -1 */
	struct redact_rules redact; /* --no-redact, --redact-disable, --redact-flag */
	char **inputs;              /* the FILE... operands */
	int n_inputs;               /* 1 to MAX_INPUTS */
};

/* Parse the options and operands into *a; returns -1 to go on, else the exit status. */
static int parse_options(int argc, char **argv, struct import_args *a)
{
	enum {
		OPT_HOST = CLI_OPT_COMMAND,
		OPT_SIG0,
		OPT_PROGRESS,
		OPT_NO_PROGRESS,
		OPT_NO_REDACT,
		OPT_REDACT_DISABLE,
		OPT_REDACT_FLAG,
	};
	static const struct option opts[] = {
	    {"db", required_argument, NULL, CLI_OPT_DB},
	    {"help", no_argument, NULL, CLI_OPT_HELP},
	    {"host", required_argument, NULL, OPT_HOST},
	    {"include-sig0", no_argument, NULL, OPT_SIG0},
	    {"progress", no_argument, NULL, OPT_PROGRESS},
	    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
	    {"no-redact", no_argument, NULL, OPT_NO_REDACT},
	    {"redact-disable", required_argument, NULL, OPT_REDACT_DISABLE},
	    {"redact-flag", required_argument, NULL, OPT_REDACT_FLAG},
	    /* Taken by every command (sigtrail --help); import prints no times. */
	    {"utc", no_argument, NULL, CLI_OPT_UTC},
	    {"local", no_argument, NULL, CLI_OPT_LOCAL},
	    {0},
	};
	char err[256];
	int opt;

	*a = (struct import_args){.db = SIGTRAIL_DEFAULT_DB, .progress = -1};
	redact_rules_default(&a->redact);
	optind = 0;
	while ((opt = getopt_long(argc, argv, ":d:h", opts, NULL)) != -1) {
		switch (opt) {
		case CLI_OPT_DB:
			if (!*optarg) {
				log_error("import: --db: empty path");
				return EX_USAGE;
			}
			a->db = optarg;
			break;
		case CLI_OPT_HELP:
			usage(stdout);
			return EX_OK;
		case OPT_HOST:
			if (!*optarg || strlen(optarg) > HOST_NAME_MAX) {
				log_error("import: --host '%s': expected a host name", optarg);
				return EX_USAGE;
			}
			a->host = optarg;
			break;
		case OPT_SIG0:
			a->sig0 = true;
			break;
		case OPT_PROGRESS:
			a->progress = 1;
			break;
		case OPT_NO_PROGRESS:
			a->progress = 0;
			break;
		case OPT_NO_REDACT:
			a->redact.off = true;
			break;
		case OPT_REDACT_DISABLE:
		case OPT_REDACT_FLAG:
			if ((opt == OPT_REDACT_DISABLE
			         ? redact_rules_disable(&a->redact, optarg, err, sizeof(err))
			         : redact_rules_add(&a->redact, optarg, err, sizeof(err))) < 0) {
				log_error("import: %s '%s': %s",
				          opt == OPT_REDACT_DISABLE ? "--redact-disable"
				                                    : "--redact-flag",
				          optarg, err);
				return EX_USAGE;
			}
			break;
		case CLI_OPT_UTC:
		case CLI_OPT_LOCAL:
			break;
		default:
			return cli_bad_option("import", opt, argv);
		}
	}
	a->inputs = argv + optind;
	a->n_inputs = argc - optind;
	if (a->n_inputs < 1) {
		log_error("import: expected FILE... or - for standard input (see sigtrail import "
		          "--help)");
		return EX_USAGE;
	}
	if (a->n_inputs > MAX_INPUTS) {
		log_error("import: at most %d files at once", MAX_INPUTS);
		return EX_USAGE;
	}
	return -1;
}

/* The size of a regular file behind fd, 0 for stdin, a pipe or anything else. */
static int64_t input_size(int fd)
{
	struct stat sb;

	if (fd != STDIN_FILENO && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode))
		return sb.st_size;
	return 0;
}

/* Open every input before anything is written: fds[i] for a->inputs[i], and
 * *ret_total their bytes. Returns 0, or an exit status with none left open. */
static int open_inputs(const struct import_args *a, int *fds, int64_t *ret_total)
{
	int code = 0;

	*ret_total = 0;
	for (int i = 0; i < a->n_inputs; i++) {
		fds[i] = open_input(a->inputs[i], &code);
		if (fds[i] < 0) {
			for (int j = 0; j < i; j++)
				if (fds[j] != STDIN_FILENO)
					close(fds[j]);
			return code;
		}
		*ret_total += input_size(fds[i]);
	}
	return 0;
}

/* Open the store (deduplicating) and the assembler. Returns 0 or an exit status. */
static int import_start(struct import *im, const struct import_args *a)
{
	char host[HOST_NAME_MAX + 1] = "", err[512];
	int r;

	if (sigsys_init() < 0) {
		log_error("import: libaudit knows no syscall table; cannot recognise signals");
		return EX_SOFTWARE;
	}
	(void)gethostname(host, sizeof(host) - 1);
	r = store_open(a->db,
	               a->host   ? a->host
	               : host[0] ? host
	                         : NULL,
	               &im->store, err, sizeof(err));
	if (r < 0) {
		log_error("import: %s", err);
		return r == -EEXIST || r == -EBADMSG || r == -EPROTO ? EX_DATAERR
		       : r == -EIO || r == -ENOMEM                   ? EX_IOERR
		                                                     : EX_CANTCREAT;
	}
	store_set_dedupe(im->store, true);
	store_set_redact(im->store, &a->redact);
	/* A log copied from another host (--host, node=) keeps only the names it
	 * carries: its uids are not this machine's. */
	if (host[0] && store_set_local_host(im->store, host) < 0) {
		log_error("import: %s", strerror(ENOMEM));
		return EX_OSERR;
	}
	im->db = a->db;
	im->filter.include_sig0 = a->sig0;
	r = asm_new(on_event, im, EOE_TIMEOUT_S, &im->assembler);
	if (r < 0) {
		log_error("import: %s", strerror(-r));
		return EX_OSERR;
	}
	return 0;
}

/* The import's row in collector_runs (source import), so that its losses
 * reach the coverage view: the span of the events it read, what it stored
 * and what it could not read. Returns 0 or an exit status. */
static int record_run(struct import *im, const struct import_args *a)
{
	char host[HOST_NAME_MAX + 1] = "";
	struct asm_stats as;
	struct store_stats ss;
	int64_t now = cli_now_ms();

	asm_stats(im->assembler, &as);
	store_stats(im->store, &ss);
	(void)gethostname(host, sizeof(host) - 1);
	struct store_run run = {
	    .processes = "off: import",
	    .events = im->events,
	    .rows = im->rows,
	    .lost_unparsable = im->lost_lines + im->filter.malformed + as.malformed +
	                       as.feed_errors + as.oom + as.evicted,
	    .lost_targets = as.targets_dropped,
	    .redactions = ss.redactions,
	};
	int r = store_run_record(im->store, "import",
	                         a->host   ? a->host
	                         : host[0] ? host
	                                   : NULL,
	                         getpid(), im->events ? im->first_ms : now,
	                         im->events ? im->last_ms : now, &run);
	return r < 0 ? store_error(a->db, r) : 0;
}

/* Feed the inputs in order, then the events still open, and print the total.
 * Returns 0 or an exit status. */
static int import_all(struct import *im, const struct import_args *a, const int *fds, int64_t total)
{
	struct cli_progress bar;
	int64_t done = 0;
	int code = 0;

	cli_progress_start(&bar, "import", "bytes", total,
	                   a->progress > 0 ||
	                       (a->progress < 0 && total > 0 && isatty(STDERR_FILENO)));
	for (int i = 0; i < a->n_inputs && !im->error && !code; i++) {
		code = import_one(im, a->inputs[i], fds[i], &bar, done);
		done += input_size(fds[i]);
	}
	cli_progress_end(&bar);
	asm_flush(im->assembler); /* events whose EOE never came */
	if (!im->error && im->n_batch)
		im->error = flush_batch(im);
	if (im->error && !code)
		code = store_error(a->db, im->error);
	if (!code)
		code = record_run(im, a);
	if (!code) {
		struct asm_stats as, none = {0};
		asm_stats(im->assembler, &as);
		printf("total: %llu signal events, %llu rows added to %s, %llu events were already "
		       "stored",
		       (unsigned long long)im->events, (unsigned long long)im->rows, a->db,
		       (unsigned long long)im->duplicates);
		print_losses(im->lost_unparsable, im->lost_oversized, im->filter.malformed, &none,
		             &as);
	}
	return code;
}

int cli_import(int argc, char **argv)
{
	static struct import im; /* large: the batch */
	struct import_args a;
	int code, fds[MAX_INPUTS];
	int64_t total;

	im = (struct import){0}; /* each call starts afresh (the fuzz harness makes many) */
	code = parse_options(argc, argv, &a);
	if (code >= 0)
		return code;
	code = open_inputs(&a, fds, &total);
	if (code)
		return code;
	code = import_start(&im, &a);
	if (!code)
		code = import_all(&im, &a, fds, total);
	free_batch(&im);
	asm_free(im.assembler);
	store_close(im.store);
	for (int i = 0; i < a.n_inputs; i++)
		if (fds[i] >= 0 && fds[i] != STDIN_FILENO)
			close(fds[i]);
	return code;
}
