/* procfs.c: reads what the process table keeps about one process from
 * /proc/PID (stat, status, cmdline, exe, cgroup, ns/pid), through a
 * descriptor of the /proc/PID directory so that a pid reused between two
 * reads cannot mix two processes. Every string is escaped like audit fields
 * (decode_escape_bytes()), since a process chooses its own argv and name.
 * The root is a parameter, so tests read a fake tree: `meson test -C build
 * proc_table`. By hand, with sigtraild running, kill a process and compare
 * `cat /proc/PID/cmdline` (read before) with the `target_cmdline` and
 * `target_start_time` of its row in the `signals` view.
 * Costs, measured on the development VM (tests/proc/forkbench): about 6 us
 * for the directory, 20 us for stat or status (the kernel computes memory
 * and signal summaries for them), 25 us for cgroup on a v1 hybrid with ten
 * hierarchies, a few us for comm, cmdline, exe and ns/pid; hence the
 * process table's split into an exec read and a later, rarer confirmation. */
#include "procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sigtrail/decode.h"

int32_t procfs_pid_of(const char *name)
{
	int64_t v;

	if (name[0] < '1' || name[0] > '9' || parse_i64(name, 10, &v) < 0 || v > INT32_MAX)
		return 0;
	return (int32_t)v;
}

int procfs_parse_stat(const char *text, size_t len, struct procfs_info *info)
{
	const char *open = memchr(text, '(', len);
	const char *close = NULL, *p, *end = text + len;
	int64_t v;

	/* The comm may contain ')' and spaces: it ends at the last ')'. */
	for (const char *q = end; q > text; q--)
		if (q[-1] == ')') {
			close = q - 1;
			break;
		}
	if (!open || !close || close < open || close + 2 >= end)
		return -EINVAL;
	decode_escape_bytes((const unsigned char *)open + 1, (size_t)(close - open - 1), info->comm,
	                    sizeof(info->comm));
	/* Fields 3.. after ") ": state is field 3, ppid 4, starttime 22. */
	p = close + 2;
	for (int field = 3; field <= 22; field++) {
		const char *tok = p;
		while (p < end && *p != ' ' && *p != '\n')
			p++;
		size_t n = (size_t)(p - tok);
		if (n == 0)
			return -EINVAL;
		if (field == 3)
			info->state = tok[0];
		else if (field == 4) {
			if (parse_i64_n(tok, n, 10, &v) < 0 || v < 0 || v > INT32_MAX)
				return -EINVAL;
			info->ppid = (int32_t)v;
		} else if (field == 20) {
			if (parse_i64_n(tok, n, 10, &v) == 0 && v > 0 && v <= INT32_MAX)
				info->threads = (int32_t)v;
		} else if (field == 22) {
			if (parse_i64_n(tok, n, 10, &v) < 0 || v < 0)
				return -EINVAL;
			info->start_time = (uint64_t)v;
		}
		if (p < end)
			p++;
	}
	info->got |= PROCFS_STAT;
	info->exit_code = -1;
	/* A zombie's wait status is the last field (52, Linux >= 3.5). */
	for (int field = 23; info->state == 'Z' && p < end; field++) {
		const char *tok = p;
		while (p < end && *p != ' ' && *p != '\n')
			p++;
		if (field == 52) {
			if (parse_i64_n(tok, (size_t)(p - tok), 10, &v) == 0 && v >= 0 &&
			    v <= INT32_MAX)
				info->exit_code = (int32_t)v;
			break;
		}
		if (p < end)
			p++;
	}
	return 0;
}

/* The value of the status line "KEY:\tVALUE...", or NULL. */
static const char *status_value(const char *text, size_t len, const char *key, size_t *ret_len)
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

int procfs_parse_status(const char *text, size_t len, struct procfs_info *info)
{
	size_t n;
	const char *v;
	int64_t x;

	v = status_value(text, len, "Uid", &n);
	if (!v)
		return -EINVAL;
	size_t w = strcspn(v, "\t \n");
	if (w > n || parse_i64_n(v, w, 10, &x) < 0 || x < 0)
		return -EINVAL;
	info->uid = x;
	v = status_value(text, len, "Tgid", &n);
	if (v && parse_i64_n(v, n, 10, &x) == 0 && x > 0 && x <= INT32_MAX)
		info->tgid = (int32_t)x;
	/* NSpid lists the pid in each namespace, outermost first (Linux >= 4.1). */
	v = status_value(text, len, "NSpid", &n);
	if (v) {
		const char *last = v;
		for (size_t i = 0; i < n; i++)
			if (v[i] == '\t' || v[i] == ' ')
				last = v + i + 1;
		if (parse_i64_n(last, (size_t)(v + n - last), 10, &x) == 0 && x > 0 &&
		    x <= INT32_MAX)
			info->nspid = (int32_t)x;
	}
	info->got |= PROCFS_STATUS;
	return 0;
}

/* Read a whole small file relative to dfd into buf (NUL-terminated, at most
 * size - 1 bytes). Returns the length or -errno. */
static ssize_t read_at(int dfd, const char *name, char *buf, size_t size)
{
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	size_t n = 0;

	if (fd < 0)
		return -errno;
	while (n < size - 1) {
		ssize_t r = read(fd, buf + n, size - 1 - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			(void)close(fd);
			return -e;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	(void)close(fd);
	buf[n] = '\0';
	return (ssize_t)n;
}

static int gone(int err)
{
	return err == -ENOENT || err == -ESRCH ? -ESRCH : err;
}

int procfs_read(const char *root, int32_t pid, unsigned what, struct procfs_info *ret)
{
	char path[PATH_MAX], buf[4096];
	ssize_t n = 0;
	int dfd, r = 0;

	memset(ret, 0, sizeof(*ret));
	ret->pid = pid;
	ret->uid = -1;
	if (pid <= 0)
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/%d", root, pid);
	dfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return gone(-errno);

	/* The command line and the executable first: they go when the process
	 * exits (its memory is released before the exit event is sent), and a
	 * process that execs and crashes lives a millisecond. The directory fd
	 * pins this process: a pid reused meanwhile reads as gone, not as
	 * another's. */
	if (what & PROCFS_CMDLINE) {
		/* Only the first bytes: argv can be megabytes. */
		unsigned char raw[PROCFS_CMDLINE_MAX];
		n = read_at(dfd, "cmdline", (char *)raw, sizeof(raw));
		if (n > 0) { /* empty: a kernel thread or a zombie */
			decode_escape_bytes(raw, (size_t)n, ret->cmdline, sizeof(ret->cmdline));
			ret->got |= PROCFS_CMDLINE;
		}
	}
	if (what & PROCFS_EXE) {
		n = readlinkat(dfd, "exe", buf, sizeof(buf) - 1);
		if (n > 0) {
			decode_escape_bytes((unsigned char *)buf, (size_t)n, ret->exe,
			                    sizeof(ret->exe));
			ret->got |= PROCFS_EXE;
		}
	}
	if (what & PROCFS_STAT) {
		n = read_at(dfd, "stat", buf, sizeof(buf));
		if (n < 0) {
			r = gone((int)n);
			goto out;
		}
		if (procfs_parse_stat(buf, (size_t)n, ret) < 0) {
			r = -EINVAL;
			goto out;
		}
	}
	if ((what & PROCFS_COMM) && (n = read_at(dfd, "comm", buf, sizeof(buf))) > 0) {
		if (buf[n - 1] == '\n')
			n--;
		decode_escape_bytes((unsigned char *)buf, (size_t)n, ret->comm, sizeof(ret->comm));
		ret->got |= PROCFS_COMM;
	} else if ((what & PROCFS_COMM) && !(what & PROCFS_STAT) && n < 0) {
		r = gone((int)n); /* the first file of an exec read: is it there at all? */
		goto out;
	}
	if ((what & PROCFS_STATUS) && (n = read_at(dfd, "status", buf, sizeof(buf))) > 0)
		(void)procfs_parse_status(buf, (size_t)n, ret);
	if (what & PROCFS_CGROUP) {
		n = read_at(dfd, "cgroup", ret->cgroup, sizeof(ret->cgroup));
		if (n > 0) {
			ret->cgroup_len = (size_t)n;
			ret->got |= PROCFS_CGROUP;
		}
	}
	if (what & PROCFS_PIDNS) {
		/* "pid:[4026531836]" */
		n = readlinkat(dfd, "ns/pid", buf, sizeof(buf) - 1);
		int64_t ino;
		if (n > 6 && memcmp(buf, "pid:[", 5) == 0 && buf[n - 1] == ']' &&
		    parse_i64_n(buf + 5, (size_t)n - 6, 10, &ino) == 0 && ino > 0) {
			ret->pidns = (uint64_t)ino;
			ret->got |= PROCFS_PIDNS;
		}
	}
out:
	(void)close(dfd);
	return r;
}
