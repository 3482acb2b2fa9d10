/* A tiny printf-checked log API (after OpenBSD ntpd's log.c): stderr by
 * default, which journald keeps, or syslog once the daemon has detached. */
#pragma once

#include <stdbool.h>

enum log_level { LOG_LVL_ERROR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* Set the program name prefix, the verbosity and the destination. Can't fail. */
void log_init(const char *progname, enum log_level max_level, bool use_syslog);

/* Log one line at the given level; a trailing newline is added. Can't fail. */
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

/* Log an error and exit with `status`. Only for use before the main loop. */
_Noreturn void fatal(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
