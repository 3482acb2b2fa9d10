/* countreader.c: the benchmark's physical limit. It becomes the audit
 * daemon (the audit pid), reads the netlink socket in batches as sigtraild
 * does (recvmmsg) and only counts the records: no parsing, no assembly, no
 * storage. A storm's rate with this reader is the fastest any audit daemon
 * can let the senders go on this machine, so a collector's rate is reported
 * as a fraction of it (tests/bench/run.sh, configuration `limit`). The
 * rules are the benchmark's (run.sh loads them). Root. By hand:
 *   sudo build/tests/bench/countreader & ...; kill %1   # prints the counts
 * Prints "records N syscall M" on SIGTERM or SIGINT and exits 0; exits 1
 * when it cannot become the audit daemon. */
#include <errno.h>
#include <libaudit.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { BATCH = 32 };

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

int main(void)
{
	static char bufs[BATCH][MAX_AUDIT_MESSAGE_LENGTH] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	unsigned long long records = 0, syscalls = 0;
	struct sigaction sa = {.sa_handler = on_stop};
	int fd = audit_open();

	if (fd < 0) {
		fprintf(stderr, "countreader: audit_open: %s\n", strerror(errno));
		return 1;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (audit_set_pid(fd, (uint32_t)getpid(), WAIT_YES) <= 0) {
		fprintf(stderr, "countreader: cannot become the audit daemon: %s\n",
		        strerror(errno));
		return 1;
	}
	int rcvbuf = 8 << 20;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
	fprintf(stderr, "countreader: ready, pid %d\n", (int)getpid());
	for (int i = 0; i < BATCH; i++) {
		iov[i] = (struct iovec){.iov_base = bufs[i], .iov_len = sizeof(bufs[i])};
		msgs[i] = (struct mmsghdr){.msg_hdr = {.msg_iov = &iov[i], .msg_iovlen = 1}};
	}
	while (!stop) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 100) <= 0)
			continue;
		int n = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL);
		for (int i = 0; i < n; i++) {
			const struct nlmsghdr *h =
			    (const struct nlmsghdr *)(const void *)bufs[i] /* aligned above */;
			if (msgs[i].msg_len < sizeof(*h) || h->nlmsg_type < AUDIT_FIRST_USER_MSG)
				continue; /* replies to our own requests */
			records++;
			syscalls += h->nlmsg_type == AUDIT_SYSCALL;
		}
	}
	(void)audit_set_pid(fd, 0, WAIT_NO);
	audit_close(fd);
	printf("records %llu syscall %llu\n", records, syscalls);
	return 0;
}
