/* source.c: gets raw audit records in. Three kinds:
 *  - unicast: this process registers as the audit daemon (AUDIT_SET pid) and
 *    the kernel sends it every record, reliably (the kernel backlog holds
 *    records while we are slow);
 *  - multicast: a read-only listener on AUDIT_NLGRP_READLOG beside auditd;
 *    best effort, overruns show up as ENOBUFS and are counted;
 *  - stdin: auditd log lines ("[node=N ]type=NAME msg=audit(...): ...") from
 *    a file descriptor, as an auditd plugin receives them.
 * Netlink datagrams are read in batches with recvmmsg(); each audit record is
 * one datagram. Exercise by hand:
 *   sigtraild --source stdin --db /tmp/t.db < tests/fixtures/kernel.log */
#include "sigtrail/source.h"

#include <errno.h>
#include <libaudit.h>
#include <linux/audit.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sigtrail/event.h"

enum {
	NL_BATCH = 32,       /* datagrams per recvmmsg() */
	NL_MAX_BATCHES = 16, /* recvmmsg() calls per src_read() */
	NL_BUF = 10240,      /* > MAX_AUDIT_MESSAGE_LENGTH (8970) + header */
	/* Socket buffer (the kernel doubles it): what absorbs a burst while the
	 * reader catches up. When it overflows in unicast mode, the kernel
	 * retries a few times and then drops records without counting them in
	 * its `lost`; we see ENOBUFS and the serial gaps. */
	RCVBUF = 32 * 1024 * 1024,
	LINE_BUF = 2 * ST_MAX_RECORD,
	REGISTER_TIMEOUT_MS = 2000,
};

struct src {
	enum src_kind kind;
	int fd;
	bool owns_fd; /* netlink sockets are ours to close; stdin is not */
	uint32_t seq; /* last netlink request sequence number */
	int ack_err;  /* error code of the ack for `seq`, or 1 while waiting */
	struct src_stats stats;
	/* netlink */
	struct mmsghdr *msgs;
	struct iovec *iov;
	struct sockaddr_nl *peers;
	char *bufs; /* NL_BATCH * NL_BUF */
	/* stdin */
	char *line; /* LINE_BUF bytes: partial line carried between reads */
	size_t line_len;
	bool skipping; /* inside an oversized line, dropping to its newline */
};

static int nl_socket(uint32_t groups, int *ret_fd)
{
	struct sockaddr_nl addr = {.nl_family = AF_NETLINK, .nl_groups = groups};
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_AUDIT);
	int size = RCVBUF;

	if (fd < 0)
		return -errno;
	/* FORCE needs CAP_NET_ADMIN; without it the kernel caps at rmem_max. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int r = -errno;
		close(fd);
		return r;
	}
	*ret_fd = fd;
	return 0;
}

/* Send AUDIT_SET with our pid and wait for the kernel's ack, delivering any
 * records that race ahead of it. */
static int nl_register(struct src *s, uint32_t pid, src_record_fn fn, void *userdata)
{
	struct {
		struct nlmsghdr h;
		struct audit_status st;
	} req = {
	    .h = {.nlmsg_len = sizeof(req),
	          .nlmsg_type = AUDIT_SET,
	          .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
	          .nlmsg_seq = ++s->seq},
	    .st = {.mask = AUDIT_STATUS_PID, .pid = pid},
	};
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};

	if (sendto(s->fd, &req, sizeof(req), 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -errno;
	s->ack_err = 1;
	for (int waited = 0; s->ack_err == 1 && waited < REGISTER_TIMEOUT_MS; waited += 100) {
		struct pollfd p = {.fd = s->fd, .events = POLLIN};
		if (poll(&p, 1, 100) < 0 && errno != EINTR)
			return -errno;
		int r = src_read(s, fn, userdata);
		if (r < 0)
			return r;
	}
	return s->ack_err == 1 ? -ETIMEDOUT : s->ack_err;
}

static void noop_record(void *userdata, int type, const char *body, size_t body_len,
                        const char *line, size_t line_len)
{
	(void)userdata, (void)type, (void)body, (void)body_len, (void)line, (void)line_len;
}

int src_open(enum src_kind kind, int fd, struct src **ret)
{
	struct src *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return -ENOMEM;
	s->kind = kind;
	s->fd = -1;
	if (kind == SRC_STDIN) {
		s->fd = fd;
		s->line = malloc(LINE_BUF);
		if (!s->line) {
			r = -ENOMEM;
			goto err;
		}
		*ret = s;
		return 0;
	}

	s->msgs = calloc(NL_BATCH, sizeof(*s->msgs));
	s->iov = calloc(NL_BATCH, sizeof(*s->iov));
	s->peers = calloc(NL_BATCH, sizeof(*s->peers));
	s->bufs = malloc((size_t)NL_BATCH * NL_BUF);
	if (!s->msgs || !s->iov || !s->peers || !s->bufs) {
		r = -ENOMEM;
		goto err;
	}
	for (int i = 0; i < NL_BATCH; i++) {
		s->iov[i] =
		    (struct iovec){.iov_base = s->bufs + (size_t)i * NL_BUF, .iov_len = NL_BUF};
		s->msgs[i].msg_hdr = (struct msghdr){.msg_name = &s->peers[i],
		                                     .msg_namelen = sizeof(s->peers[i]),
		                                     .msg_iov = &s->iov[i],
		                                     .msg_iovlen = 1};
	}
	r = nl_socket(kind == SRC_MULTICAST ? 1u << (AUDIT_NLGRP_READLOG - 1) : 0, &s->fd);
	if (r < 0)
		goto err;
	s->owns_fd = true;
	if (kind == SRC_UNICAST) {
		/* Records that arrive before the ack are from before we asked:
		 * the kernel only sends to us once we are registered, so none
		 * can be lost here. */
		r = nl_register(s, (uint32_t)getpid(), noop_record, NULL);
		if (r < 0)
			goto err;
	}
	*ret = s;
	return 0;
err:
	if (s->fd >= 0 && s->owns_fd)
		close(s->fd);
	s->kind = SRC_MULTICAST; /* do not unregister what was never registered */
	s->fd = -1;
	src_close(s);
	return r;
}

int src_fd(const struct src *s)
{
	return s->fd;
}

/* One datagram: an ack of our request, control traffic, or one record
 * (audit records are never multipart). Returns 1 if a record was delivered. */
static int nl_message(struct src *s, const char *buf, size_t len, src_record_fn fn, void *userdata)
{
	struct nlmsghdr h;

	if (len < sizeof(h))
		return 0;
	memcpy(&h, buf, sizeof(h)); /* buf is aligned, but say so without a cast */
	if (h.nlmsg_type == NLMSG_ERROR) {
		struct nlmsgerr e;
		if (len >= NLMSG_HDRLEN + sizeof(e)) {
			memcpy(&e, buf + NLMSG_HDRLEN, sizeof(e));
			if (e.msg.nlmsg_seq == s->seq)
				s->ack_err = e.error;
		}
		return 0;
	}
	if (h.nlmsg_type < AUDIT_FIRST_USER_MSG || h.nlmsg_type == AUDIT_REPLACE)
		return 0; /* control traffic, not records */
	/* The kernel sets nlmsg_len of audit records to the payload length
	 * alone (a historic quirk kept for ABI), so the datagram length is the
	 * truth: one record per datagram. */
	const char *body = buf + NLMSG_HDRLEN;
	size_t plen = len - NLMSG_HDRLEN;
	while (plen > 0 && body[plen - 1] == '\0')
		plen--;
	fn(userdata, h.nlmsg_type, body, plen, NULL, 0);
	s->stats.records++;
	return 1;
}

static int nl_read(struct src *s, src_record_fn fn, void *userdata)
{
	int delivered = 0, batches = 0;

	for (;;) {
		for (int i = 0; i < NL_BATCH; i++)
			s->msgs[i].msg_hdr.msg_namelen = sizeof(s->peers[i]);
		int n = recvmmsg(s->fd, s->msgs, NL_BATCH, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				s->stats.overruns++;
				continue;
			}
			if (errno == EAGAIN)
				return delivered;
			return -errno;
		}
		for (int i = 0; i < n; i++) {
			const char *buf = s->iov[i].iov_base;
			size_t len = s->msgs[i].msg_len;

			if (s->peers[i].nl_pid != 0) { /* only the kernel may speak */
				s->stats.foreign++;
				continue;
			}
			delivered += nl_message(s, buf, len, fn, userdata);
		}
		/* Give the loop back after a few batches even in a storm, so that
		 * its timers (heartbeat, aging) and a stop request are served. */
		if (n < NL_BATCH || ++batches == NL_MAX_BATCHES)
			return delivered;
	}
}

/* Split "[node=N ]type=NAME msg=BODY" and deliver it. */
static void line_deliver(struct src *s, const char *line, size_t len, src_record_fn fn,
                         void *userdata)
{
	const char *p = line, *end = line + len, *t, *sp;
	char name[64];
	int type;

	if (len >= 5 && memcmp(p, "node=", 5) == 0) {
		sp = memchr(p, ' ', len);
		if (!sp)
			goto bad;
		p = sp + 1;
	}
	if ((size_t)(end - p) < 5 || memcmp(p, "type=", 5) != 0)
		goto bad;
	t = p + 5;
	sp = memchr(t, ' ', (size_t)(end - t));
	if (!sp || (size_t)(sp - t) >= sizeof(name) || (size_t)(end - sp) < 5 ||
	    memcmp(sp + 1, "msg=", 4) != 0)
		goto bad;
	memcpy(name, t, (size_t)(sp - t));
	name[sp - t] = '\0';
	type = audit_name_to_msg_type(name);
	if (type < 0)
		goto bad;
	fn(userdata, type, sp + 5, (size_t)(end - sp - 5), line, len);
	s->stats.records++;
	return;
bad:
	s->stats.unparsable++;
}

static int line_read(struct src *s, src_record_fn fn, void *userdata)
{
	int delivered = 0;

	for (;;) {
		ssize_t n = read(s->fd, s->line + s->line_len, LINE_BUF - s->line_len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? delivered : -errno;
		}
		if (n == 0) {
			if (s->line_len > 0 && !s->skipping) /* last line without '\n' */
				line_deliver(s, s->line, s->line_len, fn, userdata);
			s->line_len = 0;
			return -EPIPE;
		}
		size_t have = s->line_len + (size_t)n, start = 0;
		for (;;) {
			char *nl = memchr(s->line + start, '\n', have - start);
			if (!nl)
				break;
			size_t llen = (size_t)(nl - (s->line + start));
			if (s->skipping)
				s->skipping = false;
			else if (llen > ST_MAX_RECORD)
				s->stats.oversized++;
			else if (llen > 0) {
				line_deliver(s, s->line + start, llen, fn, userdata);
				delivered++;
			}
			start += llen + 1;
		}
		memmove(s->line, s->line + start, have - start);
		s->line_len = have - start;
		if (s->line_len > ST_MAX_RECORD) {
			/* No newline within the bound: drop up to the next one. */
			if (!s->skipping)
				s->stats.oversized++;
			s->skipping = true;
			s->line_len = 0;
		}
		/* A regular file or pipe: return to the loop after each chunk so
		 * that signals and timers are served during a long import. */
		return delivered;
	}
}

int src_read(struct src *s, src_record_fn fn, void *userdata)
{
	return s->kind == SRC_STDIN ? line_read(s, fn, userdata) : nl_read(s, fn, userdata);
}

void src_stats(const struct src *s, struct src_stats *ret)
{
	*ret = s->stats;
}

void src_close(struct src *s)
{
	if (!s)
		return;
	if (s->kind == SRC_UNICAST && s->fd >= 0) {
		/* Give the audit pid back so the kernel stops queueing for us. */
		(void)nl_register(s, 0, noop_record, NULL);
	}
	if (s->owns_fd && s->fd >= 0)
		close(s->fd);
	free(s->msgs);
	free(s->iov);
	free(s->peers);
	free(s->bufs);
	free(s->line);
	free(s);
}
