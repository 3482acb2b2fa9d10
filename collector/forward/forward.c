/* forward.c: `sigtrail forward --to CONNINFO [--once]`, the fleet's
 * forwarder. It reads the local database read-only (opened again at each
 * pass, so that it never holds a read transaction between passes and sees
 * a daemon that started meanwhile) and sends its sealed rows to the central
 * PostgreSQL, batch by batch (stream.c), each batch one central transaction.
 * On each connection it asks the centre for this host's high-water mark, so
 * a forwarder killed at any moment, restarted, sends what the centre lacks
 * and nothing twice. While the centre is unreachable the local database is
 * the buffer: it reconnects with capped exponential backoff and jitter, and
 * holds at most one batch in memory however long the backlog.
 * Exercise: tests/forward/forward.sh, or by hand against a local server:
 *   sigtrail central init --to 'dbname=sigtrail sslmode=disable'
 *   sigtrail forward --db t.db --to 'dbname=sigtrail sslmode=disable' --once */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "forward.h"
#include "sigtrail/config.h"
#include "sigtrail/log.h"
#include "stream.h"

enum {
	FOPT_ONCE = 3000,
	FOPT_RESEND,
	FOPT_CONFIG,
	FOPT_HELP,
	FOPT_TABLE = 3100, /* + the index in fwd_opt_table */
	MAX_FLAGS = 64,
};

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void usage(FILE *out)
{
	fprintf(out,
	        "Usage: sigtrail forward --to CONNINFO [--once] [OPTIONS]\n"
	        "Send the local database's rows (signals, their ancestry, deaths, coverage)\n"
	        "to the fleet's central PostgreSQL, each row once. Runs until stopped;\n"
	        "--once sends everything recorded so far and exits. A signal row is sent\n"
	        "once its coalescing window is over (--seal); a run's coverage row as a\n"
	        "new state when it changes. TLS with verify-full unless CONNINFO says\n"
	        "otherwise; the centre is set up by `sigtrail central`.\n"
	        "\n"
	        "      --once            send what is recorded now, then exit 0\n"
	        "      --resend          ignore the centre's high-water mark and send every\n"
	        "                        row again (the centre keeps one of each)\n"
	        "      --config FILE     settings (default %s; the flags win)\n",
	        SIGTRAIL_DEFAULT_FORWARD_CONFIG);
	for (size_t i = 0; i < fwd_opt_table_len; i++) {
		const struct opt_desc *o = &fwd_opt_table[i];
		char flag[64], def[64];
		snprintf(flag, sizeof(flag), "%s%c%s--%s %s", o->short_flag ? "-" : "",
		         o->short_flag ? o->short_flag : ' ', o->short_flag ? ", " : "  ", o->flag,
		         o->metavar ? o->metavar : "");
		fprintf(out, "  %-22s", o->short_flag ? flag : flag + 2);
		opt_format_default(o, def, sizeof(def));
		for (const char *h = o->help; *h; h++) {
			if (*h == '\n')
				fprintf(out, "\n  %-22s", "");
			else if (strncmp(h, "{default}", 9) == 0)
				fputs(def, out), h += 8;
			else
				fputc(*h, out);
		}
		fprintf(out, " [%s]\n", o->key);
	}
	fprintf(out,
	        "  -h, --help            this help\n"
	        "\n"
	        "The names in brackets are the keys of the settings file (one `key = value`\n"
	        "a line, as sigtraild.conf).\n"
	        "Exit status: 0 done (--once) or stopped; 64 bad usage; 65 not a sigtrail\n"
	        "database; 66 database missing; 69 the centre refused or is unreachable\n"
	        "(--once); 78 a bad settings file.\n"
	        "\n"
	        "Examples:\n"
	        "  sigtrail forward --to 'host=central.example dbname=sigtrail user=web-42' \\\n"
	        "      --sslcert /etc/sigtrail/host.crt --sslkey /etc/sigtrail/host.key \\\n"
	        "      --sslrootcert /etc/sigtrail/ca.crt\n"
	        "  sigtrail forward --once --to postgresql://web-42@central.example/sigtrail\n"
	        "  systemctl enable --now sigtrail-forward   # reads /etc/sigtrail/forward.conf\n");
}

static int64_t clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleep ms, or less when a stop is requested. */
static void nap(int64_t ms)
{
	while (ms > 0 && !stop_requested) {
		int64_t step = ms < 100 ? ms : 100;
		struct timespec ts = {.tv_sec = 0, .tv_nsec = step * 1000000};
		nanosleep(&ts, NULL);
		ms -= step;
	}
}

/* The acknowledged position, where the daemon's pruning can read it
 * (collector/store/unsent.c): state_dir/position, replaced whole (rename),
 * mode 0644 whatever the umask, because the daemon reads it without
 * CAP_DAC_OVERRIDE. Failures are logged once. */
static void write_position(const char *dir, const struct fwd_session *s)
{
	static bool warned;
	char path[4096], tmp[4096];
	FILE *f = NULL;
	int fd;

	snprintf(path, sizeof(path), "%s/position", dir);
	snprintf(tmp, sizeof(tmp), "%s/.position.tmp", dir);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd >= 0 && (fchmod(fd, 0644) < 0 || !(f = fdopen(fd, "w"))))
		close(fd);
	if (f) {
		fprintf(f, "instance %s\nsignals %lld\ndeaths %lld\n", s->instance,
		        (long long)s->pos_signals, (long long)s->pos_deaths);
		if (fclose(f) == 0 && rename(tmp, path) == 0)
			return;
	}
	if (!warned)
		log_warn("writing %s failed: %m, ignoring", path);
	warned = true;
}

/* The largest local ids now: what --once must have sent before it exits. */
static int local_maxima(sqlite3 *db, int64_t *ret_signals, int64_t *ret_deaths)
{
	if (schema_query_int(db, "SELECT coalesce(max(id), 0) FROM signal_rows", ret_signals) !=
	        SQLITE_OK ||
	    schema_query_int(db, "SELECT coalesce(max(id), 0) FROM death_rows", ret_deaths) !=
	        SQLITE_OK)
		return -1;
	return 0;
}

/* Open the local database for one pass; refuse one without an instance id. */
static int open_local(const char *path, struct cli_db *d)
{
	int64_t n = 0;
	int code = cli_db_open(path, d);

	if (code != 0)
		return code;
	if (schema_query_int(d->db, "SELECT count(*) FROM sqlite_master WHERE name = 'instance'",
	                     &n) != SQLITE_OK ||
	    n == 0) {
		log_error("%s has schema version %d, which has no instance id: start sigtraild (or "
		          "run sigtrail import) once to bring it up to date",
		          path, d->version);
		cli_db_close(d);
		return EX_DATAERR;
	}
	return 0;
}

struct run {
	struct fwd_settings set;
	bool once, resend;
};

/* One connection's life: send until caught up (--once) or until the
 * centre fails or a stop is requested. Returns 0 when --once finished or a
 * stop was asked, 1 when the centre failed (reconnect), or an exit status. */
static int session(struct run *run, PGconn *pg, unsigned *attempt)
{
	struct fwd_session s;
	struct cli_db d;
	int64_t goal_signals = 0, goal_deaths = 0;
	int code = open_local(run->set.db, &d);

	if (code != 0) {
		PQfinish(pg);
		return code;
	}
	int r = fwd_session_start(&s, pg, d.db, run->resend);
	if (r == 0 && run->once && local_maxima(d.db, &goal_signals, &goal_deaths) < 0)
		r = -1,
		snprintf(s.err, sizeof(s.err), "reading %s: %s", run->set.db, sqlite3_errmsg(d.db));
	cli_db_close(&d);
	if (r < 0) {
		log_error("%s", s.err);
		bool central = s.central_failed;
		fwd_session_end(&s);
		return central ? 1 : EX_DATAERR;
	}
	if (run->set.state_dir)
		write_position(run->set.state_dir, &s);
	log_info("connected to the centre as %s; it has signals up to %lld and deaths up to %lld "
	         "of database %s",
	         PQuser(pg), (long long)s.pos_signals, (long long)s.pos_deaths, s.instance);

	while (!stop_requested) {
		bool waiting = false, busy = false;
		int64_t pos_before = s.pos_signals + s.pos_deaths;

		if ((code = open_local(run->set.db, &d)) != 0)
			break;
		for (enum fwd_stream_id id = FWD_SIGNALS; id <= FWD_DEATHS && r >= 0; id++) {
			if (id == FWD_ANCESTRY)
				continue;
			bool w = false;
			/* A pass sends at most a few batches, so no stream starves another. */
			for (int i = 0; i < 8 && !stop_requested; i++) {
				r = fwd_send_batch(&s, d.db, id, run->set.batch_rows,
				                   run->set.seal_ms, clock_ms(CLOCK_REALTIME), &w);
				if (r <= 0)
					break;
				*attempt = 0; /* the centre works again */
				busy |= r == run->set.batch_rows;
			}
			waiting |= w;
		}
		bool done =
		    run->once && s.pos_signals >= goal_signals && s.pos_deaths >= goal_deaths;
		if (r >= 0)
			r = fwd_send_coverage(&s, d.db, run->set.batch_rows, done,
			                      clock_ms(CLOCK_MONOTONIC));
		if (r >= 0)
			r = fwd_send_drops(&s, d.db, run->set.batch_rows);
		if (r >= 0)
			r = fwd_send_zombies(&s, d.db, run->set.batch_rows);
		cli_db_close(&d);
		if (r < 0) {
			log_error("%s", s.err);
			code = s.central_failed ? 1 : EX_DATAERR;
			break;
		}
		if (run->set.state_dir && s.pos_signals + s.pos_deaths != pos_before)
			write_position(run->set.state_dir, &s);
		if (done) {
			code = 0;
			break;
		}
		if (!busy)
			nap(run->once && waiting ? 200 : run->set.poll_ms);
	}
	if (run->once && code == 0)
		printf("sent %lld signals (%lld new), %lld ancestry rows (%lld new), %lld deaths "
		       "(%lld "
		       "new), %lld coverage states (%lld new) in %lld transactions to %s\n",
		       (long long)s.n.sent[FWD_SIGNALS], (long long)s.n.inserted[FWD_SIGNALS],
		       (long long)s.n.sent[FWD_ANCESTRY], (long long)s.n.inserted[FWD_ANCESTRY],
		       (long long)s.n.sent[FWD_DEATHS], (long long)s.n.inserted[FWD_DEATHS],
		       (long long)s.n.sent[FWD_COVERAGE], (long long)s.n.inserted[FWD_COVERAGE],
		       (long long)s.n.batches, PQdb(pg));
	if (run->once && code == 0 && s.n.sent[FWD_ZOMBIES] + s.n.sent[FWD_REAPS] > 0)
		printf("sent %lld zombies (%lld new) and %lld reapings (%lld new)\n",
		       (long long)s.n.sent[FWD_ZOMBIES], (long long)s.n.inserted[FWD_ZOMBIES],
		       (long long)s.n.sent[FWD_REAPS], (long long)s.n.inserted[FWD_REAPS]);
	if (run->once && code == 0 && s.n.sent[FWD_DROPS] > 0)
		printf("sent %lld records of rows dropped before forwarding (%lld new)\n",
		       (long long)s.n.sent[FWD_DROPS], (long long)s.n.inserted[FWD_DROPS]);
	fwd_session_end(&s);
	return code;
}

/* Connect, send, and on a failure of the centre wait and connect again
 * (the service), or give up (--once: exit 69). */
static int forward_loop(struct run *run)
{
	unsigned attempt = 0;

	while (!stop_requested) {
		char err[512];
		PGconn *pg = fwd_connect(&run->set, err, sizeof(err));
		int code;

		if (pg) {
			code = session(run, pg, &attempt);
			if (code != 1)
				return code;
			if (run->once)
				return EX_UNAVAILABLE;
		} else {
			log_error("connecting to the centre: %s", err);
			if (run->once)
				return EX_UNAVAILABLE;
		}
		uint64_t rnd = 0;
		if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != sizeof(rnd))
			rnd = (uint64_t)clock_ms(CLOCK_MONOTONIC) * 6364136223846793005u;
		int64_t wait = fwd_backoff_ms(attempt, run->set.reconnect_max_ms, rnd);
		attempt += attempt < 32;
		log_info("reconnecting in %lld ms", (long long)wait);
		nap(wait);
	}
	return 0;
}

/* Parse the flags into pending values (applied after the settings file). */
static int parse_args(int argc, char **argv, struct run *run, const char **ret_config,
                      const struct opt_desc **flags, const char **values, int *n_flags)
{
	struct option longopts[MAX_FLAGS] = {
	    {"once", no_argument, NULL, FOPT_ONCE},
	    {"resend", no_argument, NULL, FOPT_RESEND},
	    {"config", required_argument, NULL, FOPT_CONFIG},
	    {"help", no_argument, NULL, FOPT_HELP},
	};
	size_t n = 4;
	int opt;

	for (size_t i = 0; i < fwd_opt_table_len && n + 1 < MAX_FLAGS; i++)
		longopts[n++] =
		    (struct option){fwd_opt_table[i].flag,
		                    fwd_opt_table[i].metavar ? required_argument : no_argument,
		                    NULL, FOPT_TABLE + (int)i};
	optind = 1;
	while ((opt = getopt_long(argc, argv, "hd:", longopts, NULL)) != -1) {
		switch (opt) {
		case FOPT_ONCE:
			run->once = true;
			break;
		case FOPT_RESEND:
			run->resend = true;
			break;
		case FOPT_CONFIG:
			*ret_config = optarg;
			break;
		case 'h':
		case FOPT_HELP:
			usage(stdout);
			return -2;
		case 'd':
			for (size_t i = 0; i < fwd_opt_table_len; i++)
				if (fwd_opt_table[i].short_flag == 'd')
					opt = FOPT_TABLE + (int)i;
			__attribute__((
			    fallthrough)); /* clang's -Wimplicit-fallthrough wants it said */
		default:
			if (opt < FOPT_TABLE || opt >= FOPT_TABLE + (int)fwd_opt_table_len)
				return cli_bad_option("forward", opt, argv);
			if (*n_flags >= MAX_FLAGS)
				return EX_USAGE;
			flags[*n_flags] = &fwd_opt_table[opt - FOPT_TABLE];
			values[(*n_flags)++] = optarg;
		}
	}
	if (optind < argc) {
		log_error("forward: unexpected argument '%s' (see sigtrail forward --help)",
		          argv[optind]);
		return EX_USAGE;
	}
	return 0;
}

int cli_forward(int argc, char **argv)
{
	const struct opt_desc *flags[MAX_FLAGS];
	const char *values[MAX_FLAGS];
	const char *config_path = NULL;
	struct config cfg;
	struct run run = {0};
	int n_flags = 0, r;
	char err[600];

	for (size_t i = 0; i < fwd_opt_table_len; i++)
		opt_store(&fwd_opt_table[i], fwd_opt_table[i].def);
	r = parse_args(argc, argv, &run, &config_path, flags, values, &n_flags);
	if (r == -2)
		return EX_OK;
	if (r != 0)
		return r;
	config_init(&cfg);
	r = config_load_in(config_path ? config_path : SIGTRAIL_DEFAULT_FORWARD_CONFIG,
	                   fwd_opt_table, fwd_opt_table_len, &cfg, err, sizeof(err));
	if (r < 0 && !(r == -ENOENT && !config_path)) {
		log_error("%s", err);
		return EX_CONFIG;
	}
	config_apply(&cfg);
	for (int i = 0; i < n_flags; i++) {
		union opt_value v;
		if (opt_parse(flags[i], values[i], false, &v, err, sizeof(err)) < 0) {
			log_error("%s", err);
			config_free(&cfg);
			return EX_USAGE;
		}
		opt_store(flags[i], v);
	}
	fwd_settings_get(&run.set);
	if (!run.set.to || !run.set.to[0]) {
		log_error("forward: no central database: give --to CONNINFO or forward_to in %s",
		          config_path ? config_path : SIGTRAIL_DEFAULT_FORWARD_CONFIG);
		config_free(&cfg);
		return EX_USAGE;
	}
	struct sigaction sa = {.sa_handler = on_stop};
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	r = forward_loop(&run);
	config_free(&cfg);
	return r;
}
