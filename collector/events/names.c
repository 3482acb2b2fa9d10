/* names.c: signal and errno names. libc knows the classic signals
 * (sigabbrev_np) and every errno (strerrorname_np); the real-time range is
 * named here the way bash and util-linux print it. schema/001-initial.sql
 * carries the same table for SQL users; tests/unit/test_names.c checks that
 * the two agree. Exercise with `meson test -C build names`. */
#include "sigtrail/names.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sigtrail/decode.h"

enum { SIG_MAX_NAMED = 64, KERNEL_SIGRTMIN = 32, GLIBC_SIGRTMIN = 34 };

/* Built once; each entry "SIG" + a name of at most 12 bytes. */
static char sig_names[SIG_MAX_NAMED + 1][16];

static void names_build(void)
{
	for (int s = 1; s <= SIG_MAX_NAMED; s++) {
		const char *abbrev = s < KERNEL_SIGRTMIN ? sigabbrev_np(s) : NULL;
		char *buf = sig_names[s];

		if (s == SIGIO) /* glibc says POLL; kill -l, ps and strace say IO */
			snprintf(buf, sizeof(sig_names[s]), "SIGIO");
		else if (abbrev)
			snprintf(buf, sizeof(sig_names[s]), "SIG%s", abbrev);
		else if (s < GLIBC_SIGRTMIN)
			snprintf(buf, sizeof(sig_names[s]), "SIG%d", s);
		else if (s == GLIBC_SIGRTMIN)
			snprintf(buf, sizeof(sig_names[s]), "SIGRTMIN");
		else if (s == SIG_MAX_NAMED)
			snprintf(buf, sizeof(sig_names[s]), "SIGRTMAX");
		else if (s - GLIBC_SIGRTMIN <= 15)
			snprintf(buf, sizeof(sig_names[s]), "SIGRTMIN+%d", s - GLIBC_SIGRTMIN);
		else
			snprintf(buf, sizeof(sig_names[s]), "SIGRTMAX-%d", SIG_MAX_NAMED - s);
	}
}

const char *names_signal(int sig)
{
	if (sig < 1 || sig > SIG_MAX_NAMED)
		return NULL;
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	(void)pthread_once(&once, names_build);
	return sig_names[sig];
}

int names_signal_parse(const char *s)
{
	int64_t v;

	if (parse_i64(s, 10, &v) == 0)
		return v >= 1 && v <= SIG_MAX_NAMED ? (int)v : -EINVAL;
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (int sig = 1; sig <= SIG_MAX_NAMED; sig++)
		if (strcasecmp(s, names_signal(sig) + 3) == 0)
			return sig;
	/* Aliases that kill(1) accepts. */
	if (strcasecmp(s, "IOT") == 0)
		return SIGABRT;
	if (strcasecmp(s, "POLL") == 0)
		return SIGIO;
	return -EINVAL;
}

const char *names_errno(int err)
{
	return err > 0 ? strerrorname_np(err) : NULL;
}
