/* optable.c: the daemon's options, each described once (see optable.h), and
 * the one judge of their values. The arg_* variables they set live here
 * too. The command line (options.c) and sigtraild.conf (config.c) both hand
 * their text to opt_parse(), so `sigtraild --retention 36501` and a file
 * saying `retention_days = 36501` are refused with the same words, and
 * `sigtraild --help` prints this table. Try both, or
 * `meson test -C build options config`. */
#include "sigtrail/optable.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "sigtrail/decode.h"
#include "sigtrail/options.h"
#include "sigtrail/redact.h"
#include "sigtrail/writer.h"

const char *arg_db;
const char *arg_source;
const char *arg_config;
const char *arg_tee;
const char *arg_inject;
bool arg_foreground;
bool arg_include_sig0;
bool arg_keep_rules;
bool arg_verbose;
int64_t arg_retention_days;
int64_t arg_max_db_mb;
const char *arg_forward_position;
const char *arg_jsonl;
int64_t arg_coalesce_ms;
int64_t arg_db_buffer_mb;
const char *arg_runtime_dir;
const char *arg_user;
bool arg_processes;
bool arg_exits;
int64_t arg_exit_min_age_ms;
int64_t arg_zombie_delay_ms;
const char *arg_request_dirs;
bool arg_redact;
const char *arg_redact_disable;
const char *arg_redact_flags;

/* The judges of redact_disable and redact_flag: the rules they would make. */
static int check_redact_disable(const char *v, char *err, size_t errlen)
{
	struct redact_rules r;

	redact_rules_default(&r);
	return redact_rules_disable(&r, v, err, errlen);
}

static int check_redact_flags(const char *v, char *err, size_t errlen)
{
	struct redact_rules r;

	redact_rules_default(&r);
	return redact_rules_add(&r, v, err, errlen);
}

static const char *const source_modes[] = {"auto", "unicast", "multicast", "stdin", NULL};

enum {
	HELP_COLUMN = 25,      /* where --help's descriptions start */
	USER_MAX = 32,         /* longest user name accepted (useradd's limit) */
	RUNTIME_DIR_MAX = 255, /* leaves room in a PATH_MAX buffer for the files in it */
};

const struct opt_desc opt_table[] = {
    {
        .flag = "db",
        .short_flag = 'd',
        .key = "db",
        .type = OPT_FILE,
        .metavar = "PATH",
        .to.s = &arg_db,
        .def.s = SIGTRAIL_DEFAULT_DB,
        .max = PATH_MAX - 1,
        .help = "database (default {default})",
    },
    {
        .flag = "foreground",
        .short_flag = 'f',
        .type = OPT_SWITCH,
        .on = true,
        .to.b = &arg_foreground,
        .help = "stay in the foreground, log to stderr",
    },
    {
        .flag = "source",
        .short_flag = 's',
        .key = "source",
        .type = OPT_CHOICE,
        .metavar = "MODE",
        .to.s = &arg_source,
        .def.s = "auto",
        .choices = source_modes,
        .help = "auto (default): become the audit daemon if none runs,\n"
                "else listen beside it; unicast: become the audit\n"
                "daemon; multicast: read-only listener beside auditd;\n"
                "stdin: auditd log lines on stdin (auditd plugin)",
    },
    {
        .flag = "include-sig0",
        .key = "include_sig0",
        .type = OPT_SWITCH,
        .on = true,
        .to.b = &arg_include_sig0,
        .help = "also record kill(pid, 0) existence probes",
    },
    {
        .flag = "keep-rules",
        .key = "keep_rules",
        .type = OPT_SWITCH,
        .on = true,
        .to.b = &arg_keep_rules,
        .help = "leave the audit rules loaded at exit",
    },
    {
        /* 0 keeps every row: it is the default, and a flag must be able to
         * restore it over a file's retention_days. */
        .flag = "retention",
        .key = "retention_days",
        .type = OPT_NUMBER,
        .metavar = "DAYS",
        .to.i = &arg_retention_days,
        .def.i = 0,
        .min = 0,
        .max = 36500,
        .unit = "days",
        .help = "delete rows older than DAYS days (default 0: keep all)",
    },
    {
        .flag = "max-db-size",
        .key = "max_db_size_mb",
        .type = OPT_NUMBER,
        .metavar = "MB",
        .to.i = &arg_max_db_mb,
        .def.i = 0,
        .min = 0,
        .max = 1048576,
        .unit = "MiB",
        .help = "delete the oldest rows beyond MB MiB of data\n"
                "(default 0: no cap)",
    },
    {
        /* Written by `sigtrail forward --state-dir` (its service's
         * StateDirectory): absent where no forwarder runs. */
        .flag = "forward-position",
        .key = "forward_position",
        .type = OPT_FILE,
        .metavar = "FILE",
        .to.s = &arg_forward_position,
        .def.s = "/var/lib/sigtrail-forward/position",
        .max = PATH_MAX - 1,
        .help = "the forwarder's acknowledged position: pruning\n"
                "keeps rows not forwarded yet (default {default})",
    },
    {
        .flag = "jsonl",
        .key = "jsonl",
        .type = OPT_FILE,
        .metavar = "FILE",
        .to.s = &arg_jsonl,
        .max = PATH_MAX - 1,
        .help = "also append each signal row, once sealed, as a JSON\n"
                "line to FILE (best effort; SIGHUP reopens it)",
    },
    {
        /* 0 would lose every row of a full disk: at least 1 MiB. */
        .flag = "db-buffer",
        .key = "db_buffer_mb",
        .type = OPT_NUMBER,
        .metavar = "MB",
        .to.i = &arg_db_buffer_mb,
        .def.i = WRITER_HOLD_DEFAULT_MB,
        .min = 1,
        .max = 65536,
        .unit = "MiB",
        .help = "while the database cannot be written (disk full),\n"
                "hold up to MB MiB of rows in memory and store them\n"
                "when it can again (default {default})",
    },
    {
        .flag = "coalesce",
        .key = "coalesce_ms",
        .type = OPT_NUMBER,
        .metavar = "MS",
        .to.i = &arg_coalesce_ms,
        .def.i = 1000,
        .min = 0,
        .max = 3600 * 1000,
        .unit = "milliseconds",
        .help = "identical signals (same sender, target, signal,\n"
                "syscall, result) within MS ms become one row with a\n"
                "count (default {default}; 0 records every one)",
    },
    {
        /* The file may be absent only when it is this default. */
        .flag = "config",
        .short_flag = 'c',
        .type = OPT_TEXT,
        .metavar = "PATH",
        .to.s = &arg_config,
        .def.s = SIGTRAIL_DEFAULT_CONFIG,
        .help = "configuration file (default {default};\n"
                "flags override it)",
    },
    {
        .flag = "user",
        .short_flag = 'u',
        .key = "user",
        .type = OPT_USER,
        .metavar = "NAME",
        .to.s = &arg_user,
        .max = USER_MAX,
        .help = "after setup, run as user NAME keeping only\n"
                "CAP_AUDIT_CONTROL (the database is handed to NAME)",
    },
    {
        .flag = "no-processes",
        .key = "processes",
        .type = OPT_SWITCH,
        .on = false,
        .to.b = &arg_processes,
        .def.b = true,
        .help = "no process table: no deaths, ancestry, units or\n"
                "containers (keeps only CAP_AUDIT_CONTROL)",
    },
    {
        .flag = "no-exits",
        .key = "exits",
        .type = OPT_SWITCH,
        .on = false,
        .to.b = &arg_exits,
        .def.b = true,
        .help = "record no exits: only deaths by a signal",
    },
    {
        .flag = "exit-min-age",
        .key = "exit_min_age_ms",
        .type = OPT_NUMBER,
        .metavar = "MS",
        .to.i = &arg_exit_min_age_ms,
        .def.i = 1000,
        .min = 0,
        .max = 86400 * 1000,
        .unit = "milliseconds",
        .help = "record the exit of a process that lived at least\n"
                "MS ms, and of every process a signal reached\n"
                "(default {default}; 0: every exit)",
    },
    {
        .flag = "zombie-delay",
        .key = "zombie_delay_ms",
        .type = OPT_NUMBER,
        .metavar = "MS",
        .to.i = &arg_zombie_delay_ms,
        .def.i = ZOMBIE_DELAY_MS,
        .min = 0,
        .max = 3600 * 1000,
        .unit = "milliseconds",
        .help = "an exited process its parent has not reaped\n"
                "after MS ms is a zombie (the zombies view;\n"
                "default {default}; 0: no zombie watch)",
    },
    {
        .flag = "request-dirs",
        .key = "request_dirs",
        .type = OPT_DIRS,
        .max = 127,
        .metavar = "DIRS",
        .to.s = &arg_request_dirs,
        .help = "where the trusted systemctl, docker, podman\n"
                "live, ':' between (default /usr/bin:/usr/sbin:\n"
                "/bin:/sbin:/usr/local/bin:/usr/local/sbin)",
    },
    {
        .flag = "no-redact",
        .key = "redact",
        .type = OPT_SWITCH,
        .on = false,
        .to.b = &arg_redact,
        .def.b = true,
        .help = "store command lines verbatim, secrets included\n"
                "(default: passwords, tokens and credentials are\n"
                "replaced by <redacted>)",
    },
    {
        .flag = "redact-disable",
        .key = "redact_disable",
        .type = OPT_WORDS,
        .metavar = "RULES",
        .to.s = &arg_redact_disable,
        .check = check_redact_disable,
        .help = "turn off these redaction rules (comma-separated:\n"
                "flags, key-values, url-credentials, auth-headers,\n"
                "tool-flags, tokens)",
    },
    {
        .flag = "redact-flag",
        .key = "redact_flag",
        .type = OPT_WORDS,
        .metavar = "NAMES",
        .to.s = &arg_redact_flags,
        .check = check_redact_flags,
        .help = "also redact the value of these flags or keys\n"
                "(comma-separated: --vault-pass,MY_KEY)",
    },
    {
        .flag = "tee",
        .type = OPT_FILE,
        .metavar = "FILE",
        .to.s = &arg_tee,
        .max = PATH_MAX - 1,
        .help = "also append the kept raw records to FILE",
    },
    {
        /* tmpfs, gone at reboot like the kernel's rules: a successor undoes
         * what a crashed collector changed in the audit state. */
        .flag = "runtime-dir",
        .key = "runtime_dir",
        .type = OPT_DIR,
        .metavar = "DIR",
        .to.s = &arg_runtime_dir,
        .def.s = "/run/sigtrail",
        .max = RUNTIME_DIR_MAX,
        .help = "where the record of the audit state this collector\n"
                "changed is kept (default {default})",
    },
    {
        /* Parsed by options_inject_status(), when the status is read. */
        .flag = "inject-status",
        .type = OPT_TEXT,
        .metavar = "K=V[,K=V]",
        .to.s = &arg_inject,
        .help = "testing: pretend the kernel reported this\n"
                "audit status (enabled, pid, backlog_limit)",
    },
    {
        .flag = "verbose",
        .short_flag = 'v',
        .type = OPT_SWITCH,
        .on = true,
        .to.b = &arg_verbose,
        .help = "debug logging",
    },
    {.flag = "help", .short_flag = 'h', .type = OPT_HELP, .help = "this help"},
    {.flag = "version", .short_flag = 'V', .type = OPT_VERSION, .help = "print the version"},
};

const size_t opt_table_len = sizeof(opt_table) / sizeof(opt_table[0]);

const struct opt_desc *opt_by_key(const char *key)
{
	for (size_t i = 0; i < opt_table_len; i++)
		if (opt_table[i].key && strcmp(opt_table[i].key, key) == 0)
			return &opt_table[i];
	return NULL;
}

const struct opt_desc *opt_by_flag(const char *flag)
{
	for (size_t i = 0; i < opt_table_len; i++)
		if (strcmp(opt_table[i].flag, flag) == 0)
			return &opt_table[i];
	return NULL;
}

/* Write "NAME 'VALUE': what" (the file: "KEY = 'VALUE': what"), or
 * "NAME: what" when v is NULL, into err. Returns -EINVAL. */
__attribute__((format(printf, 6, 7))) static int say(char *err, size_t errlen,
                                                     const struct opt_desc *o, bool in_file,
                                                     const char *v, const char *fmt, ...)
{
	const char *name = in_file ? o->key : o->flag;
	const char *dashes = in_file ? "" : "--";
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (v)
		snprintf(err, errlen, "%s%s%s'%s': %s", dashes, name, in_file ? " = " : " ", v,
		         what);
	else
		snprintf(err, errlen, "%s%s: %s", dashes, name, what);
	return -EINVAL;
}

static int parse_switch(const struct opt_desc *o, const char *v, bool in_file, union opt_value *ret,
                        char *err, size_t errlen)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};

	if (!v) { /* the flag itself */
		ret->b = o->on;
		return 0;
	}
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(v, yes[i]) == 0 || strcasecmp(v, no[i]) == 0) {
			ret->b = strcasecmp(v, yes[i]) == 0;
			return 0;
		}
	}
	return say(err, errlen, o, in_file, v, "expected yes or no");
}

static int parse_number(const struct opt_desc *o, const char *v, bool in_file, union opt_value *ret,
                        char *err, size_t errlen)
{
	int64_t n;

	/* parse_i64() takes "-0": no sign where none is accepted. */
	if ((v[0] == '-' && o->min >= 0) || parse_i64(v, 10, &n) < 0 || n < o->min || n > o->max)
		return say(err, errlen, o, in_file, v,
		           "expected a whole number of %s from %lld to %lld", o->unit,
		           (long long)o->min, (long long)o->max);
	ret->i = n;
	return 0;
}

static int parse_choice(const struct opt_desc *o, const char *v, bool in_file, union opt_value *ret,
                        char *err, size_t errlen)
{
	char list[192] = "";
	size_t n = 0;

	for (size_t i = 0; o->choices[i]; i++) {
		if (strcmp(v, o->choices[i]) == 0) {
			ret->s = v;
			return 0;
		}
	}
	for (size_t i = 0; o->choices[i]; i++) {
		const char *sep = i == 0 ? "" : o->choices[i + 1] ? ", " : " or ";
		int w = snprintf(list + n, sizeof(list) - n, "%s%s", sep, o->choices[i]);
		if (w < 0 || (size_t)w >= sizeof(list) - n)
			break;
		n += (size_t)w;
	}
	return say(err, errlen, o, in_file, v, "expected %s", list);
}

/* A user name as useradd and Debian's adduser accept them, at most `max`
 * bytes: no shell or path metacharacters, no leading '-'. */
static bool valid_user(const char *v, size_t max)
{
	size_t n = strlen(v);

	if (n == 0 || n > max ||
	    !(v[0] == '_' || (v[0] >= 'a' && v[0] <= 'z') || (v[0] >= 'A' && v[0] <= 'Z')))
		return false;
	for (size_t i = 1; i < n; i++) {
		char ch = v[i];
		bool ok = ch == '_' || ch == '-' || ch == '.' || (ch >= 'a' && ch <= 'z') ||
		          (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		          (ch == '$' && i == n - 1);
		if (!ok)
			return false;
	}
	return true;
}

/* Paths, user names and free text. A relative --db or --tee is relative to
 * the directory sigtraild was started in; a file has no such directory
 * (the service starts in /), so its paths must be absolute. */
static int parse_text(const struct opt_desc *o, const char *v, bool in_file, union opt_value *ret,
                      char *err, size_t errlen)
{
	size_t n = strlen(v);

	switch (o->type) {
	case OPT_FILE:
		if (n == 0)
			return say(err, errlen, o, in_file, NULL, "empty path");
		if (in_file && v[0] != '/')
			return say(err, errlen, o, in_file, v, "expected an absolute path");
		if (n > (size_t)o->max)
			return say(err, errlen, o, in_file, NULL, "path longer than %lld bytes",
			           (long long)o->max);
		if (v[n - 1] == '/')
			return say(err, errlen, o, in_file, v, "expected a file, not a directory");
		break;
	case OPT_DIR:
		if (v[0] != '/')
			return say(err, errlen, o, in_file, v, "expected an absolute path");
		if (n > (size_t)o->max)
			return say(err, errlen, o, in_file, NULL, "path longer than %lld bytes",
			           (long long)o->max);
		break;
	case OPT_DIRS:
		for (const char *d = v;; d++) {
			size_t len = strcspn(d, ":");
			if (len == 0 || d[0] != '/')
				return say(err, errlen, o, in_file, v,
				           "expected absolute directories separated by ':'");
			if (len > (size_t)o->max)
				return say(err, errlen, o, in_file, NULL,
				           "a directory longer than %lld bytes", (long long)o->max);
			d += len;
			if (!*d)
				break;
		}
		break;
	case OPT_USER:
		if (!valid_user(v, (size_t)o->max))
			return say(err, errlen, o, in_file, v,
			           "expected a user name (letters, digits, '_', '-', '.', at most "
			           "%lld bytes)",
			           (long long)o->max);
		break;
	case OPT_WORDS: {
		char what[200];
		if (o->check(v, what, sizeof(what)) < 0)
			return say(err, errlen, o, in_file, v, "%s", what);
		break;
	}
	default:
		break;
	}
	ret->s = v;
	return 0;
}

int opt_parse(const struct opt_desc *o, const char *v, bool in_file, union opt_value *ret,
              char *err, size_t errlen)
{
	if (o->type == OPT_SWITCH)
		return parse_switch(o, v, in_file, ret, err, errlen);
	if (!v) /* getopt passes a value to every option that takes one */
		return o->type == OPT_HELP || o->type == OPT_VERSION
		           ? 0
		           : say(err, errlen, o, in_file, NULL, "missing value");
	if (o->type == OPT_NUMBER)
		return parse_number(o, v, in_file, ret, err, errlen);
	if (o->type == OPT_CHOICE)
		return parse_choice(o, v, in_file, ret, err, errlen);
	return parse_text(o, v, in_file, ret, err, errlen);
}

void opt_store(const struct opt_desc *o, union opt_value v)
{
	switch (o->type) {
	case OPT_SWITCH:
		*o->to.b = v.b;
		break;
	case OPT_NUMBER:
		*o->to.i = v.i;
		break;
	case OPT_HELP:
	case OPT_VERSION:
		break;
	default:
		*o->to.s = v.s;
		break;
	}
}

void opt_reset(void)
{
	for (size_t i = 0; i < opt_table_len; i++)
		opt_store(&opt_table[i], opt_table[i].def);
}

const char *opt_format_default(const struct opt_desc *o, char *buf, size_t len)
{
	switch (o->type) {
	case OPT_SWITCH:
		snprintf(buf, len, "%s", o->def.b ? "yes" : "no");
		break;
	case OPT_NUMBER:
		snprintf(buf, len, "%lld", (long long)o->def.i);
		break;
	case OPT_HELP:
	case OPT_VERSION:
		snprintf(buf, len, "%s", "");
		break;
	default:
		snprintf(buf, len, "%s", o->def.s ? o->def.s : "");
		break;
	}
	return buf;
}

/* The description of `o`, its continuation lines indented to HELP_COLUMN. */
static void print_help_text(FILE *out, const struct opt_desc *o)
{
	static const char placeholder[] = "{default}";
	char def[PATH_MAX];

	for (const char *p = o->help; *p; p++) {
		if (strncmp(p, placeholder, sizeof(placeholder) - 1) == 0) {
			fputs(opt_format_default(o, def, sizeof(def)), out);
			p += sizeof(placeholder) - 2;
		} else if (*p == '\n') {
			fprintf(out, "\n%*s", HELP_COLUMN, "");
		} else {
			fputc(*p, out);
		}
	}
	fputc('\n', out);
}

void opt_print_help(FILE *out)
{
	for (size_t i = 0; i < opt_table_len; i++) {
		const struct opt_desc *o = &opt_table[i];
		int w;

		if (o->short_flag)
			w = fprintf(out, "  -%c, --%s", o->short_flag, o->flag);
		else
			w = fprintf(out, "      --%s", o->flag);
		if (o->metavar)
			w += fprintf(out, " %s", o->metavar);
		fprintf(out, "%*s", w + 2 <= HELP_COLUMN ? HELP_COLUMN - w : 2, "");
		print_help_text(out, o);
	}
}
