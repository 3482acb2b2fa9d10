/* notify.c: tells systemd how the daemon is doing, through the sd_notify
 * datagram protocol, without linking libsystemd (one dependency less on
 * every server, and this is all of it): under a Type=notify unit systemd
 * sets $NOTIFY_SOCKET, and sigtraild sends "READY=1" once its rules are
 * loaded and its audit socket subscribed, "STATUS=..." lines, and
 * "STOPPING=1" when it starts tearing down. Outside systemd NOTIFY_SOCKET is
 * unset and every call is a no-op. Watch it by hand with a listener:
 *   python3 -c 'import socket; s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM);
 *     s.bind("/tmp/n.sock"); print(s.recv(4096))' &
 *   NOTIFY_SOCKET=/tmp/n.sock sigtraild --foreground --source stdin </dev/null */
#include "sigtrail/notify.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

enum { NOTIFY_STATE_MAX = 4096 };

/* Fill *ret_sa for `name` and return the address length to pass to sendto(),
 * or -errno. Abstract names ("@x") have no trailing NUL: the length counts
 * exactly the name, as systemd binds it. */
static int notify_address(const char *name, struct sockaddr_un *ret_sa, socklen_t *ret_len)
{
	size_t n = strlen(name);

	if (name[0] != '/' && name[0] != '@')
		return -EAFNOSUPPORT;
	if (n >= sizeof(ret_sa->sun_path)) /* a path needs its NUL; "@" stands for one */
		return -ENAMETOOLONG;
	memset(ret_sa, 0, sizeof(*ret_sa));
	ret_sa->sun_family = AF_UNIX;
	memcpy(ret_sa->sun_path, name, n);
	if (name[0] == '@') {
		ret_sa->sun_path[0] = '\0';
		*ret_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	} else {
		*ret_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	}
	return 0;
}

int notify_send(const char *state)
{
	const char *name = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa;
	socklen_t len;
	ssize_t sent;
	int fd, r;

	if (!name || name[0] == '\0')
		return 0;
	r = notify_address(name, &sa, &len);
	if (r < 0)
		return r;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	sent = sendto(fd, state, strlen(state), MSG_NOSIGNAL, (const struct sockaddr *)&sa, len);
	r = sent < 0 ? -errno : 1;
	close(fd);
	return r;
}

int notify_sendf(const char *fmt, ...)
{
	char buf[NOTIFY_STATE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return notify_send(buf);
}
