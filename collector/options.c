/* options.c: sigtraild's command line. The getopt tables are built from the
 * option table (optable.c), which also judges every value, so a flag and
 * its sigtraild.conf key accept the same ones. The configuration file is
 * read after argv is checked and before argv is applied: a flag wins over
 * the file. Try `sigtraild --help`, `sigtraild --retention 36501` or
 * `sigtraild --config ./my.conf --foreground --source stdin </dev/null`. */
#include "sigtrail/options.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "config.h"
#include "sigtrail/config.h"
#include "sigtrail/decode.h"
#include "sigtrail/log.h"
#include "sigtrail/optable.h"

enum { LONG_BASE = 256 }; /* getopt_long's val for opt_table[i] is LONG_BASE + i */

/* One flag of argv, checked, applied after the file. */
struct flag {
	const struct opt_desc *o;
	union opt_value v;
};

/* getopt_long's view of the option table, and room for argv's flags. */
struct parser {
	struct option *longopts; /* opt_table_len entries and the terminator */
	char *shortopts;         /* "c:d:fs:..." */
	struct flag *flags;      /* argc entries */
	size_t n_flags;
};

void options_usage(FILE *out)
{
	fputs("Usage: sigtraild [OPTIONS]\n"
	      "Record every signal sent on this machine, with sender and target, in SQLite.\n"
	      "\n",
	      out);
	opt_print_help(out);
	fprintf(out,
	        "\n"
	        "Examples:\n"
	        "  sigtraild --foreground --db ./sigtrail.db\n"
	        "  sigtraild --source multicast             # beside a running auditd\n"
	        "  sigtraild --source stdin --db /tmp/t.db < /var/log/audit/audit.log\n"
	        "  sqlite3 %s \"select time, signame, sender_cmdline, target_comm\n"
	        "     from signals where target_pid = 4242 order by id desc\"\n",
	        SIGTRAIL_DEFAULT_DB);
}

static void parser_free(struct parser *p)
{
	free(p->longopts);
	free(p->shortopts);
	free(p->flags);
}

/* Returns 0 or -ENOMEM. */
static int parser_init(struct parser *p, int argc)
{
	size_t n = 0;

	*p = (struct parser){
	    .longopts = calloc(opt_table_len + 1, sizeof(*p->longopts)),
	    .shortopts = calloc(2 * opt_table_len + 1, 1),
	    .flags = calloc((size_t)argc + 1, sizeof(*p->flags)),
	};
	if (!p->longopts || !p->shortopts || !p->flags) {
		parser_free(p);
		return -ENOMEM;
	}
	for (size_t i = 0; i < opt_table_len; i++) {
		const struct opt_desc *o = &opt_table[i];
		int has_arg = o->metavar ? required_argument : no_argument;

		p->longopts[i] = (struct option){o->flag, has_arg, NULL, LONG_BASE + (int)i};
		if (o->short_flag) {
			p->shortopts[n++] = o->short_flag;
			if (has_arg == required_argument)
				p->shortopts[n++] = ':';
		}
	}
	return 0;
}

/* The option getopt_long() returned as c, or NULL for its '?'. */
static const struct opt_desc *option_of(int c)
{
	if (c >= LONG_BASE && (size_t)(c - LONG_BASE) < opt_table_len)
		return &opt_table[c - LONG_BASE];
	for (size_t i = 0; c != '?' && i < opt_table_len; i++)
		if (opt_table[i].short_flag == c)
			return &opt_table[i];
	return NULL;
}

/* Check every flag of argv into p->flags, applying none. */
static enum options_verdict read_argv(struct parser *p, int argc, char **argv, char *err,
                                      size_t errlen)
{
	int c;

	optind = 0; /* glibc: start over, also for a second call */
	while ((c = getopt_long(argc, argv, p->shortopts, p->longopts, NULL)) != -1) {
		const struct opt_desc *o = option_of(c);
		union opt_value v = {0};

		if (!o)
			return OPTIONS_USAGE;
		if (o->type == OPT_HELP)
			return OPTIONS_HELP;
		if (o->type == OPT_VERSION)
			return OPTIONS_VERSION;
		if (opt_parse(o, o->metavar ? optarg : NULL, false, &v, err, errlen) < 0)
			return OPTIONS_BAD_FLAG;
		p->flags[p->n_flags++] = (struct flag){o, v};
	}
	if (optind < argc) {
		snprintf(err, errlen, "unexpected argument '%s' (see --help)", argv[optind]);
		return OPTIONS_BAD_FLAG;
	}
	return OPTIONS_RUN;
}

/* Read the configuration file named by --config, or the default one if it
 * exists, into *cfg and apply it. */
static enum options_verdict read_config(const struct parser *p, struct config *cfg, char *err,
                                        size_t errlen)
{
	const struct opt_desc *config_flag = opt_by_flag("config");
	const char *path = arg_config;
	bool explicit = false;
	int r;

	for (size_t i = 0; i < p->n_flags; i++) {
		if (p->flags[i].o == config_flag) {
			path = p->flags[i].v.s;
			explicit = true;
		}
	}
	r = config_load(path, cfg, err, errlen);
	if (r == -ENOENT && !explicit)
		return OPTIONS_RUN;
	if (r < 0)
		return OPTIONS_BAD_CONFIG;
	config_apply(cfg);
	return OPTIONS_RUN;
}

enum options_verdict options_parse_args(int argc, char **argv, char *err, size_t errlen)
{
	static struct config cfg; /* its strings back the arg_* pointers */
	struct parser p;
	enum options_verdict verdict;

	opt_reset();
	config_free(&cfg);
	if (parser_init(&p, argc) < 0) {
		snprintf(err, errlen, "out of memory");
		return OPTIONS_BAD_FLAG;
	}
	verdict = read_argv(&p, argc, argv, err, errlen);
	if (verdict == OPTIONS_RUN)
		verdict = read_config(&p, &cfg, err, errlen);
	if (verdict == OPTIONS_RUN)
		for (size_t i = 0; i < p.n_flags; i++)
			opt_store(p.flags[i].o, p.flags[i].v);
	parser_free(&p);
	return verdict;
}

void options_parse(int argc, char **argv)
{
	char err[1024];

	switch (options_parse_args(argc, argv, err, sizeof(err))) {
	case OPTIONS_RUN:
		return;
	case OPTIONS_HELP:
		options_usage(stdout);
		exit(EX_OK);
	case OPTIONS_VERSION:
		printf("sigtraild %s\n", SIGTRAIL_VERSION);
		exit(EX_OK);
	case OPTIONS_USAGE:
		options_usage(stderr);
		exit(EX_USAGE);
	case OPTIONS_BAD_FLAG:
		fatal(EX_USAGE, "%s", err);
	case OPTIONS_BAD_CONFIG:
		fatal(EX_CONFIG, "%s", err);
	}
	fatal(EX_SOFTWARE, "options: unknown verdict");
}

/* --inject-status enabled=2,pid=123,backlog_limit=64 overrides fields of
 * the status the kernel reported, so tests can exercise immutable mode and
 * a foreign audit daemon without putting the machine in those states. */
void options_inject_status(struct audit_status *st)
{
	const char *spec = arg_inject;

	char buf[256];
	char *save = NULL;

	if (strlen(spec) >= sizeof(buf))
		fatal(EX_USAGE, "--inject-status: too long");
	strcpy(buf, spec);
	for (char *kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');
		int64_t v;

		if (!eq || parse_i64(eq + 1, 10, &v) < 0 || v < 0 || v > UINT32_MAX)
			fatal(EX_USAGE, "--inject-status: '%s' is not KEY=NUMBER", kv);
		*eq = '\0';
		if (strcmp(kv, "enabled") == 0 && v <= 2)
			st->enabled = (uint32_t)v;
		else if (strcmp(kv, "pid") == 0)
			st->pid = (uint32_t)v;
		else if (strcmp(kv, "backlog_limit") == 0)
			st->backlog_limit = (uint32_t)v;
		else
			fatal(EX_USAGE,
			      "--inject-status: unknown key or bad value '%s=%s' "
			      "(enabled=0..2, pid, backlog_limit)",
			      kv, eq + 1);
	}
}
