/* log.c: the daemon's and CLI's only way to speak. One line per message,
 * prefixed with the program name and level, to stderr (journald captures it)
 * or to syslog when sigtraild has detached. Exercise it with any failing
 * command, e.g. `sigtraild --db /proc/x.db --source stdin </dev/null`. */
#include "sigtrail/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>

static const char *log_prog = "sigtrail";
static enum log_level log_max = LOG_LVL_INFO;
static bool log_syslog;

void log_init(const char *progname, enum log_level max_level, bool use_syslog)
{
	log_prog = progname;
	log_max = max_level;
	log_syslog = use_syslog;
	if (use_syslog)
		openlog(progname, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

__attribute__((format(printf, 2, 0))) static void log_vmsg(enum log_level level, const char *fmt,
                                                           va_list ap)
{
	static const char *const names[] = {"error", "warning", "info", "debug"};
	static const int prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
	int saved = errno; /* callers may log between a failure and its errno use */

	if (level > log_max)
		return;
	if (log_syslog) {
		vsyslog(prio[level], fmt, ap);
	} else {
		flockfile(stderr);
		fprintf(stderr, "%s: %s: ", log_prog, names[level]);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		funlockfile(stderr);
	}
	errno = saved;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

void fatal(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_LVL_ERROR, fmt, ap);
	va_end(ap);
	exit(status);
}
