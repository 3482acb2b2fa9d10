/* status_mode.c: the lines of `sigtrail status` that explain how the
 * collector shares the kernel's audit stream with auditd, from the source
 * of the last run: as the audit daemon (unicast), beside auditd (multicast:
 * both read every record, and sigtrail's rules also write to auditd's log),
 * or as auditd's plugin (stdin). It warns when the kernel's audit backlog
 * limit is small (the kernel's default is 64 records), from the kernel when
 * it answers (root) or else the limit the run recorded (schema 14): a burst
 * of signals beyond it is lost or makes the senders wait. Exercise with
 *   sqlite3 DB "update collector_runs set source = 'multicast', backlog_limit = 64"
 *   sigtrail status --db DB
 * (tests/cli/status.sh does). */
#include <string.h>

#include "cli.h"

enum {
	/* What sigtraild sets as the audit daemon, and auditd's rules usually
	 * set (-b 8192): about a second of a signal storm. */
	GOOD_BACKLOG_LIMIT = 8192,
};

void cli_status_mode(FILE *out, const char *source, int64_t backlog_limit)
{
	if (strcmp(source, "multicast") == 0) {
		fputs(
		    "mode:      beside auditd (multicast): auditd is the audit daemon and writes "
		    "the audit log;\n"
		    "           sigtraild reads a copy of the same records, and neither takes any "
		    "from the other.\n"
		    "           sigtrail's audit rules (key sigtrail) also fill auditd's log: "
		    "every "
		    "signal adds\n"
		    "           records there (ausearch -k sigtrail); size its rotation for them "
		    "(auditd.conf).\n",
		    out);
	} else if (strcmp(source, "stdin") == 0) {
		fputs(
		    "mode:      auditd's plugin (stdin): sigtraild records what auditd's own rules "
		    "log and\n"
		    "           auditd passes on; sigtrail loads no rules.\n",
		    out);
	} else if (strcmp(source, "unicast") == 0) {
		fputs("mode:      the audit daemon (unicast): no auditd runs meanwhile; sigtrail's "
		      "rules write\n"
		      "           to this database only.\n",
		      out);
	}
	if (backlog_limit > 0 && backlog_limit < GOOD_BACKLOG_LIMIT)
		fprintf(
		    out,
		    "WARNING:   the kernel's audit backlog limit is %lld records%s:\n"
		    "           a burst of signals beyond it is lost or makes every sender wait. "
		    "Raise it\n"
		    "           to %d: -b %d in /etc/audit/rules.d/audit.rules, then augenrules "
		    "--load.\n",
		    (long long)backlog_limit,
		    backlog_limit == 64 ? " (the kernel's default: no rule sets -b)" : "",
		    GOOD_BACKLOG_LIMIT, GOOD_BACKLOG_LIMIT);
}
