/* common.c: the options every command shares (--db, --since, --until,
 * --utc, --local) and the row filters (--signal, --sender-comm, ...), parsed
 * strictly: a bad number, an unknown signal or an impossible date is an
 * error naming the value, never a silent "match nothing". Exercise with
 * `sigtrail list --signal KILL --since 2h` or `sigtrail list --target-pid x`. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "cli.h"
#include "cli_fmt.h"
#include "sigtrail/clock.h"
#include "sigtrail/decode.h"
#include "sigtrail/log.h"
#include "sigtrail/names.h"
#include "sigtrail/sigsys.h"

enum { MAX_PID = 4194304 /* PID_MAX_LIMIT on 64-bit */, MAX_FILTER_TEXT = 4096 };

int64_t cli_now_ms(void)
{
	return now_wall_ms();
}

int cli_term_width(int fd)
{
	struct winsize ws;

	if (!isatty(fd) || ioctl(fd, TIOCGWINSZ, &ws) < 0 || ws.ws_col == 0)
		return 0;
	return ws.ws_col;
}

void cli_common_init(struct cli_common *c)
{
	*c = (struct cli_common){
	    .db = SIGTRAIL_DEFAULT_DB,
	    .zone = CLI_ZONE_AUTO,
	    .now_ms = cli_now_ms(),
	    .filter = {.since_ms = INT64_MIN,
	               .until_ms = INT64_MAX,
	               .signal = -1,
	               .sender_pid = -1,
	               .target_pid = -1},
	};
}

static int parse_pid(const char *opt, const char *arg, int64_t *ret)
{
	int64_t v;

	if (parse_i64(arg, 10, &v) < 0 || v < 1 || v > MAX_PID) {
		log_error("%s '%s': expected a process id (1-%d)", opt, arg, MAX_PID);
		return -1;
	}
	*ret = v;
	return 0;
}

static int text_filter(const char *opt, const char *arg, const char **ret)
{
	if (!*arg || strlen(arg) > MAX_FILTER_TEXT) {
		log_error("%s: expected a non-empty value of at most %d bytes", opt,
		          MAX_FILTER_TEXT);
		return -1;
	}
	*ret = arg;
	return 0;
}

static int parse_syscall(const char *arg, const char **ret)
{
	for (size_t i = 0; i < sizeof(sigsys_names) / sizeof(sigsys_names[0]); i++) {
		if (strcmp(arg, sigsys_names[i]) == 0) {
			*ret = sigsys_names[i];
			return 0;
		}
	}
	log_error("--syscall '%s': expected one of kill, tkill, tgkill, rt_sigqueueinfo, "
	          "rt_tgsigqueueinfo, pidfd_send_signal",
	          arg);
	return -1;
}

/* --exclude-signal SIG[,SIG...], repeatable: each a name or number. */
static int parse_exclude(struct cli_filter *f, const char *arg)
{
	char buf[512], *save = NULL;

	if (!*arg || strlen(arg) >= sizeof(buf)) {
		log_error("--exclude-signal: expected SIG[,SIG...] (KILL,SIGURG,17)");
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", arg);
	for (char *w = strtok_r(buf, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		int sig = strcmp(w, "0") == 0 ? 0 : names_signal_parse(w);
		if (sig < 0 || sig > 127) {
			log_error("--exclude-signal '%s': expected a signal name (URG, SIGCHLD, "
			          "RTMIN+3) or number (0-64)",
			          w);
			return -1;
		}
		if (f->exclude_bits[sig / 64] & (1ull << (sig % 64)))
			continue;
		f->exclude_bits[sig / 64] |= 1ull << (sig % 64);
		size_t n = strlen(f->exclude);
		snprintf(f->exclude + n, sizeof(f->exclude) - n, "%s%d,", n ? "" : ",", sig);
	}
	return 0;
}

void cli_filter_excluded(const struct cli_filter *f, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int sig = 0; sig < 128 && n + 1 < size; sig++) {
		if (!(f->exclude_bits[sig / 64] & (1ull << (sig % 64))))
			continue;
		const char *name = names_signal(sig);
		int w = name ? snprintf(buf + n, size - n, "%s%s", n ? ", " : "", name)
		             : snprintf(buf + n, size - n, "%s%d", n ? ", " : "", sig);
		if (w < 0 || (size_t)w >= size - n)
			break;
		n += (size_t)w;
	}
}

int cli_common_option(struct cli_common *c, int opt, const char *arg)
{
	struct cli_filter *f = &c->filter;
	int sig;

	switch (opt) {
	case CLI_OPT_DB:
		if (!*arg) {
			log_error("--db: empty path");
			return -1;
		}
		c->db = arg;
		return 1;
	case CLI_OPT_SINCE:
		c->since_arg = arg;
		return 1;
	case CLI_OPT_UNTIL:
		c->until_arg = arg;
		return 1;
	case CLI_OPT_UTC:
		c->zone = CLI_ZONE_UTC;
		return 1;
	case CLI_OPT_LOCAL:
		c->zone = CLI_ZONE_LOCAL;
		return 1;
	case CLI_OPT_SIGNAL:
		/* 0 is no signal name, but --include-sig0 records exist. */
		sig = strcmp(arg, "0") == 0 ? 0 : names_signal_parse(arg);
		if (sig < 0) {
			log_error("--signal '%s': expected a signal name (KILL, SIGTERM, RTMIN+3) "
			          "or number (0-64)",
			          arg);
			return -1;
		}
		f->signal = sig;
		return 1;
	case CLI_OPT_SENDER_COMM:
		return text_filter("--sender-comm", arg, &f->sender_comm) < 0 ? -1 : 1;
	case CLI_OPT_SENDER_USER:
		return text_filter("--sender-user", arg, &f->sender_user) < 0 ? -1 : 1;
	case CLI_OPT_TARGET_COMM:
		return text_filter("--target-comm", arg, &f->target_comm) < 0 ? -1 : 1;
	case CLI_OPT_HOST:
		return text_filter("--host", arg, &f->host) < 0 ? -1 : 1;
	case CLI_OPT_SENDER_PID:
		return parse_pid("--sender-pid", arg, &f->sender_pid) < 0 ? -1 : 1;
	case CLI_OPT_TARGET_PID:
		return parse_pid("--target-pid", arg, &f->target_pid) < 0 ? -1 : 1;
	case CLI_OPT_FAILED:
		f->failed = true;
		return 1;
	case CLI_OPT_SYSCALL:
		return parse_syscall(arg, &f->syscall) < 0 ? -1 : 1;
	case CLI_OPT_CAUSE:
		return cli_death_cause_parse(arg, &f->cause) < 0 ? -1 : 1;
	case CLI_OPT_EXCLUDE_SIGNAL:
		return parse_exclude(f, arg) < 0 ? -1 : 1;
	default:
		return 0;
	}
}

static int parse_time_opt(const char *opt, const char *arg, const struct cli_common *c,
                          int64_t *ret)
{
	int r = cli_time_parse(arg, c->now_ms, c->zone == CLI_ZONE_UTC, ret);

	if (r < 0) {
		log_error("%s '%s': %s; expected a duration back from now (30m, 2h, 7d, 1h30m), "
		          "a date and time (2026-11-21, '2026-11-21 10:00', "
		          "2026-11-21T10:00:05Z, +02:00 zones), now, today, yesterday or "
		          "@EPOCH",
		          opt, arg, r == -ERANGE ? "out of range" : "not a time");
		return -1;
	}
	return 0;
}

int cli_common_finish(struct cli_common *c, bool tty_out)
{
	struct cli_filter *f = &c->filter;

	if (c->since_arg && parse_time_opt("--since", c->since_arg, c, &f->since_ms) < 0)
		return -1;
	if (c->until_arg && parse_time_opt("--until", c->until_arg, c, &f->until_ms) < 0)
		return -1;
	if (f->since_ms != INT64_MIN && f->until_ms != INT64_MAX && f->since_ms >= f->until_ms) {
		char a[40], b[40];
		cli_time_iso(f->since_ms, a, sizeof(a));
		cli_time_iso(f->until_ms, b, sizeof(b));
		log_error("--since %s is not before --until %s", a, b);
		return -1;
	}
	c->utc = c->zone == CLI_ZONE_UTC || (c->zone == CLI_ZONE_AUTO && !tty_out);
	return 0;
}

int cli_bad_option(const char *cmd, int opt, char **argv)
{
	/* optind already points past the offending word. */
	const char *word = optind > 0 ? argv[optind - 1] : "?";

	if (opt == ':')
		log_error("%s: option '%s' needs a value (see sigtrail %s --help)", cmd, word, cmd);
	else if (optopt && optopt < 128 && optopt != '?')
		log_error("%s: unknown option '-%c' (see sigtrail %s --help)", cmd, optopt, cmd);
	else
		log_error("%s: unknown option '%s' (see sigtrail %s --help)", cmd, word, cmd);
	return EX_USAGE;
}
