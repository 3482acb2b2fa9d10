/* Unit tests for notify.c: sd_notify datagrams reach a listener bound where
 * $NOTIFY_SOCKET says, on a path or an abstract name, as systemd binds them. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sigtrail/notify.h"
#include "tap.h"

/* Bind a datagram listener the way systemd does: a path with its NUL, or an
 * abstract name ('@' -> NUL) whose length is exactly the name's. */
static int listener(const char *name)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t n = strlen(name);
	socklen_t len;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	memcpy(sa.sun_path, name, n);
	if (name[0] == '@') {
		sa.sun_path[0] = '\0';
		len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	} else {
		len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	}
	if (bind(fd, (struct sockaddr *)&sa, len) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The next datagram, or "(none)" if nothing is waiting. */
static const char *next_datagram(int fd)
{
	static char buf[8192];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	if (n < 0)
		return "(none)";
	buf[n] = '\0';
	return buf;
}

int main(void)
{
	char dir[] = "/tmp/test_notify.XXXXXX";
	char path[256], abstract[64], long_name[200];
	int fd;

	unsetenv("NOTIFY_SOCKET");
	is_int(notify_send("READY=1"), 0, "NOTIFY_SOCKET unset: nothing to do");
	setenv("NOTIFY_SOCKET", "", 1);
	is_int(notify_send("READY=1"), 0, "NOTIFY_SOCKET empty: nothing to do");

	if (!mkdtemp(dir))
		return printf("Bail out! mkdtemp: %s\n", strerror(errno)), 1;
	snprintf(path, sizeof(path), "%s/notify", dir);
	fd = listener(path);
	ok(fd >= 0, "listener on a path");
	setenv("NOTIFY_SOCKET", path, 1);
	is_int(notify_send("READY=1"), 1, "sent to a path");
	is_str(next_datagram(fd), "READY=1", "READY=1 arrives whole");
	is_int(notify_sendf("STATUS=recording into %s, %d rules", "/var/lib/x.db", 12), 1,
	       "formatted send");
	is_str(next_datagram(fd), "STATUS=recording into /var/lib/x.db, 12 rules",
	       "STATUS arrives formatted");
	is_int(notify_send("STOPPING=1\nSTATUS=stopping"), 1, "several assignments in one");
	is_str(next_datagram(fd), "STOPPING=1\nSTATUS=stopping", "arrive in one datagram");
	close(fd);
	unlink(path);
	is_int(notify_send("READY=1"), -ENOENT, "nobody listening on the path: -ENOENT");

	snprintf(abstract, sizeof(abstract), "@sigtrail-test-notify/%d", (int)getpid());
	fd = listener(abstract);
	ok(fd >= 0, "listener on an abstract name");
	setenv("NOTIFY_SOCKET", abstract, 1);
	is_int(notify_send("READY=1"), 1, "sent to an abstract name");
	is_str(next_datagram(fd), "READY=1", "the abstract name matches without a trailing NUL");
	close(fd);
	is_int(notify_send("READY=1"), -ECONNREFUSED, "nobody on the abstract name: -ECONNREFUSED");

	setenv("NOTIFY_SOCKET", "run/systemd/notify", 1);
	is_int(notify_send("READY=1"), -EAFNOSUPPORT, "relative path refused");
	setenv("NOTIFY_SOCKET", "vsock:2:1234", 1);
	is_int(notify_send("READY=1"), -EAFNOSUPPORT, "vsock address refused");
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[0] = '/';
	long_name[sizeof(long_name) - 1] = '\0';
	setenv("NOTIFY_SOCKET", long_name, 1);
	is_int(notify_send("READY=1"), -ENAMETOOLONG, "name longer than sun_path refused");

	unsetenv("NOTIFY_SOCKET");
	rmdir(dir);
	return tap_done();
}
