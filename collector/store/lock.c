/* lock.c: a second sigtraild on the same database would double every row
 * and fight over the coverage rows; it must refuse to start. The lock is a
 * flock() on "<db>.lock", held by an fd that lives as long as the daemon
 * (the kernel drops it when the process dies, even by SIGKILL, so a crash
 * never leaves a stale lock). Try it: start two sigtraild on one --db. */
#include "sigtrail/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

int lock_database(const char *db_path, char *err, size_t errlen)
{
	char path[4096], pid[32] = "?";
	int fd, r;

	if ((size_t)snprintf(path, sizeof(path), "%s.lock", db_path) >= sizeof(path)) {
		snprintf(err, errlen, "database path too long: %s", db_path);
		return -ENAMETOOLONG;
	}
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
	if (fd < 0) {
		r = -errno;
		snprintf(err, errlen, "cannot open lock file %s: %s", path, strerror(errno));
		return r;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		r = -errno;
		ssize_t n = pread(fd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		if (r == -EWOULDBLOCK)
			snprintf(
			    err, errlen,
			    "database %s is in use by another sigtraild (pid %s); one collector "
			    "per database",
			    db_path, pid[0] ? pid : "?");
		else
			snprintf(err, errlen, "cannot lock %s: %s", path, strerror(-r));
		close(fd);
		return r;
	}
	snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == 0)
		(void)!pwrite(fd, pid, strlen(pid), 0);
	return fd;
}
