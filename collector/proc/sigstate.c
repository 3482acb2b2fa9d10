/* sigstate.c: what a target would do with a signal, by the kernel's own
 * rules, read from /proc/PID/status when the audit record of the signal is
 * processed: its handlers (SigCgt), ignored signals (SigIgn), blocked
 * signals (SigBlk of every thread: a thread's mask is its own) and whether
 * it is the init of a pid namespace. proc_disposition() names the result for
 * one signal: default, caught, ignored, blocked or init-ignored. By hand:
 *   grep -E '^(Sig(Cgt|Ign|Blk)|NSpid|Threads)' /proc/PID/status
 * Covered by `meson test -C build proc_sigstate` and live by
 * the kernel suite's proc_disposition. */
#include "sigstate.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The value of the status line "KEY:\tVALUE", or NULL; *ret_len its length. */
static const char *line_value(const char *text, size_t len, const char *key, size_t *ret_len)
{
	size_t k = strlen(key);

	for (const char *p = text, *end = text + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (n > k && memcmp(p, key, k) == 0 && p[k] == ':') {
			const char *v = p + k + 1;
			while (v < p + n && (*v == '\t' || *v == ' '))
				v++;
			*ret_len = (size_t)(p + n - v);
			return v;
		}
		p += n + 1;
	}
	return NULL;
}

/* A 64-bit hex mask line (16 digits). */
static int mask(const char *text, size_t len, const char *key, uint64_t *ret)
{
	size_t n;
	const char *v = line_value(text, len, key, &n);
	uint64_t m = 0;

	if (!v || n == 0 || n > 16)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		char c = v[i];
		int d = c >= '0' && c <= '9'   ? c - '0'
		        : c >= 'a' && c <= 'f' ? c - 'a' + 10
		        : c >= 'A' && c <= 'F' ? c - 'A' + 10
		                               : -1;
		if (d < 0)
			return -EINVAL;
		m = m << 4 | (uint64_t)d;
	}
	*ret = m;
	return 0;
}

int proc_sigstate_parse(const char *text, size_t len, struct proc_sigstate *ret,
                        unsigned *ret_threads)
{
	struct proc_sigstate s = {0};
	size_t n;
	const char *v = line_value(text, len, "State", &n);

	if (v && n > 0 && (v[0] == 'Z' || v[0] == 'X'))
		return -ESRCH;
	if (mask(text, len, "SigCgt", &s.caught) < 0 || mask(text, len, "SigIgn", &s.ignored) < 0 ||
	    mask(text, len, "SigBlk", &s.blocked) < 0)
		return -EINVAL;
	uint64_t pnd = 0, shd = 0;
	(void)mask(text, len, "SigPnd", &pnd);
	(void)mask(text, len, "ShdPnd", &shd);
	s.pending = pnd | shd;
	/* NSpid: the pid in each namespace, outermost first; 1 last: an init. */
	if ((v = line_value(text, len, "NSpid", &n))) {
		size_t last = 0;
		for (size_t i = 0; i < n; i++)
			if (v[i] == '\t' || v[i] == ' ')
				last = i + 1;
		s.init = n - last == 1 && v[last] == '1';
	}
	*ret_threads = 1;
	if ((v = line_value(text, len, "Threads", &n)) && n > 0 && n < 10) {
		unsigned t = 0;
		for (size_t i = 0; i < n && v[i] >= '0' && v[i] <= '9'; i++)
			t = t * 10 + (unsigned)(v[i] - '0');
		*ret_threads = t ? t : 1;
	}
	s.known = true;
	*ret = s;
	return 0;
}

/* Read a small file of dfd into buf (NUL-terminated). Returns its length or -errno. */
static ssize_t slurp(int dfd, const char *name, char *buf, size_t size)
{
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	do
		n = read(fd, buf, size - 1);
	while (n < 0 && errno == EINTR);
	int e = errno;
	(void)close(fd);
	if (n < 0)
		return -e;
	buf[n] = '\0';
	return n;
}

/* Intersect the SigBlk of the threads of the process at dfd into *blocked. */
static void every_thread_blocks(int dfd, uint64_t *blocked)
{
	int tfd = openat(dfd, "task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = tfd >= 0 ? fdopendir(tfd) : NULL;
	struct dirent *e;
	unsigned seen = 0;
	char name[NAME_MAX + 16], buf[4096];

	if (!d) {
		if (tfd >= 0)
			(void)close(tfd);
		return;
	}
	while (*blocked && seen < SIGSTATE_THREADS_MAX && (e = readdir(d))) {
		uint64_t m;
		ssize_t n;
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(name, sizeof(name), "%s/status", e->d_name);
		if ((n = slurp(dirfd(d), name, buf, sizeof(buf))) <= 0 ||
		    mask(buf, (size_t)n, "SigBlk", &m) < 0)
			continue; /* a thread that just exited blocks nothing any more */
		*blocked &= m;
		seen++;
	}
	closedir(d);
}

int proc_sigstate_read(const char *root, int32_t pid, bool thread, struct proc_sigstate *ret)
{
	char path[PATH_MAX], buf[4096];
	unsigned threads = 1;
	ssize_t n;
	int dfd, r;

	*ret = (struct proc_sigstate){0};
	if (pid <= 0)
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/%d", root, pid);
	if ((dfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	n = slurp(dfd, "status", buf, sizeof(buf));
	r = n < 0 ? (n == -ENOENT ? -ESRCH : (int)n)
	          : proc_sigstate_parse(buf, (size_t)n, ret, &threads);
	if (r == 0 && !thread && threads > 1)
		every_thread_blocks(dfd, &ret->blocked);
	(void)close(dfd);
	if (r < 0)
		*ret = (struct proc_sigstate){0};
	return r;
}

const char *proc_disposition(const struct proc_sigstate *s, int sig)
{
	uint64_t bit;

	if (!s->known || sig < 1 || sig > 64)
		return NULL;
	bit = UINT64_C(1) << (sig - 1);
	/* SIGKILL and SIGSTOP are never caught, blocked or ignored; but an
	 * init drops them when they come from inside its own namespace (the
	 * kernel forces them on it only from an ancestor namespace). */
	if (sig == SIGKILL || sig == SIGSTOP)
		return s->init && s->sender_inside ? "init-ignored" : "default";
	/* A blocked signal stays pending, even when ignored: not ignored. But
	 * the kernel blocks a signal while its handler runs: caught and blocked
	 * and no longer pending, it reached the handler. */
	if ((s->blocked & bit) && !(s->pending & bit) && (s->caught & bit))
		return "caught";
	if (s->blocked & bit)
		return "blocked";
	if (s->ignored & bit)
		return "ignored";
	if (s->caught & bit)
		return "caught";
	/* An init without a handler drops every signal (SIGNAL_UNKILLABLE). */
	return s->init ? "init-ignored" : "default";
}
