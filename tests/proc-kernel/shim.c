/* shim: a container-like supervisor and its client, for the kernel suite's
 * proc_requests test (issue 18). Installed under two names:
 *
 *   containerd-shim-runc-v2 SOCKET GRACE_MS SELF_MS -- COMMAND...
 *     runs COMMAND as its child (the "container") and, like containerd-shim,
 *     signals it when asked through the unix socket SOCKET: "stop" sends
 *     SIGTERM, waits GRACE_MS for it to exit, then SIGKILL (docker's
 *     10-second timeout, shortened); "kill" sends SIGKILL. SELF_MS > 0: it
 *     stops the child on its own after that long, with no request (a
 *     supervisor acting by itself). It prints "ready CHILD_PID" when
 *     listening, answers "stopped", and exits when its child is gone.
 *
 *   docker stop|kill ID   (SHIM_SOCK=SOCKET in the environment)
 *     asks the shim at SOCKET and waits for its answer, as the docker CLI
 *     waits for the daemon.
 *
 * Never sanitized (built like deathhelp). */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "shim: %s: %s\n", what, strerror(errno));
	exit(2);
}

static struct sockaddr_un address(const char *path)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	if (strlen(path) >= sizeof(a.sun_path)) {
		fprintf(stderr, "shim: socket path too long\n");
		exit(2);
	}
	memcpy(a.sun_path, path, strlen(path) + 1);
	return a;
}

static int client(int argc, char **argv)
{
	const char *sock = getenv("SHIM_SOCK");
	char reply[64] = {0};

	if (argc < 3 || !sock) {
		fprintf(stderr, "usage: SHIM_SOCK=SOCKET docker stop|kill ID\n");
		return 2;
	}
	struct sockaddr_un a = address(sock);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		die("connect");
	if (write(fd, argv[1], strlen(argv[1])) < 0)
		die("write");
	if (read(fd, reply, sizeof(reply) - 1) < 0)
		die("read");
	printf("%s\n", reply);
	return 0;
}

static bool gone(pid_t child)
{
	int status;
	return waitpid(child, &status, WNOHANG) == child;
}

/* SIGTERM, then SIGKILL after grace_ms if the child still runs. */
static void stop(pid_t child, int grace_ms)
{
	kill(child, SIGTERM);
	for (int waited = 0; waited < grace_ms; waited += 10) {
		if (gone(child))
			return;
		usleep(10000);
	}
	kill(child, SIGKILL);
	while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
		;
}

static int shim(int argc, char **argv)
{
	if (argc < 6 || strcmp(argv[4], "--") != 0) {
		fprintf(stderr,
		        "usage: containerd-shim-runc-v2 SOCKET GRACE_MS SELF_MS -- CMD...\n");
		return 2;
	}
	int grace_ms = atoi(argv[2]), self_ms = atoi(argv[3]);
	struct sockaddr_un a = address(argv[1]);
	int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(lfd, 4) < 0)
		die("listen");
	pid_t child = fork();
	if (child < 0)
		die("fork");
	if (child == 0) {
		execvp(argv[5], argv + 5);
		die("exec");
	}
	printf("ready %d\n", child);
	fflush(stdout);
	struct pollfd p = {.fd = lfd, .events = POLLIN};
	int r = poll(&p, 1, self_ms > 0 ? self_ms : -1);
	if (r == 0) {
		stop(child, grace_ms); /* on its own: nobody asked */
		return 0;
	}
	int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	char req[16] = {0};
	if (cfd < 0 || read(cfd, req, sizeof(req) - 1) < 0)
		die("accept");
	if (strncmp(req, "kill", 4) == 0) {
		kill(child, SIGKILL);
		waitpid(child, NULL, 0);
	} else {
		stop(child, grace_ms);
	}
	if (write(cfd, "stopped", 7) < 0)
		die("write");
	close(cfd);
	unlink(argv[1]);
	return 0;
}

int main(int argc, char **argv)
{
	const char *name = strrchr(argv[0], '/');
	name = name ? name + 1 : argv[0];
	if (strcmp(name, "docker") == 0)
		return client(argc, argv);
	return shim(argc, argv);
}
