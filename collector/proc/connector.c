/* connector.c: subscribes to the kernel's proc connector and decodes its
 * fork, exec, uid, comm, coredump and exit events. The kernel multicasts one
 * netlink message per event, synchronously from the task that forks, execs or
 * exits, so the events reach us before any audit record the same task
 * causes; a socket that overflows loses events (ENOBUFS), and that is
 * counted. The decoder is covered by `meson test -C build proc_connector`,
 * the subscription by proc_watch (which skips where the kernel refuses it);
 * live, as root, by the kernel suite's proc_* tests; by hand, with sigtraild
 * running, `sleep 100 & kill -9 $!` and
 * `sqlite3 sigtrail.db 'select pid, signame, cause from deaths'`. */
#include "sigtrail/clock.h"
#include "connector.h"

#include <errno.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum {
	RCVBUF_BYTES = 8 << 20, /* ~10^4 events: a fork storm while the loop is busy */
	ACK_WAIT_MS = 1000,
};

/* Receive buffers for recvmmsg(): one syscall for many events matters in
 * a fork storm, where each process brings three. */
struct conn_batch {
	struct mmsghdr msgs[CONN_BATCH];
	struct iovec iov[CONN_BATCH];
	unsigned char buf[CONN_BATCH][CONN_DGRAM_MAX] __attribute__((aligned(8)));
};

/* Linux >= 6.6 accepts, in place of the bare mcast op, this pair: the op
 * and the set of events the socket wants (older headers lack it). */
struct proc_input_v66 {
	uint32_t mcast_op;
	uint32_t event_type;
};

/* The kernel's event bits for each set a caller can ask for. */
static uint32_t wanted_events(enum conn_events which)
{
	if (which == CONN_EXECS)
		return PROC_EVENT_EXEC;
	/* What the process table and the death tracker use. */
	return PROC_EVENT_FORK | PROC_EVENT_EXEC | PROC_EVENT_UID | PROC_EVENT_COMM |
	       PROC_EVENT_COREDUMP | PROC_EVENT_EXIT;
}

/* Offsets in struct proc_event: what(4) cpu(4) timestamp_ns(8) data. */
enum { EV_HEAD = 16 };

static uint32_t u32_at(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

/* Decode one proc_event of `n` bytes. Returns 0, or -EINVAL when it is too
 * short for its kind. */
static int decode_event(const unsigned char *p, size_t n, struct proc_ev *ev)
{
	uint64_t ts;
	uint32_t what;
	const unsigned char *d = p + EV_HEAD;

	if (n < EV_HEAD)
		return -EINVAL;
	memset(ev, 0, sizeof(*ev));
	what = u32_at(p);
	ev->cpu = u32_at(p + 4);
	memcpy(&ts, p + 8, sizeof(ts));
	ev->mono_ns = (int64_t)ts;
	n -= EV_HEAD;

	switch (what) {
	case PROC_EVENT_NONE:
		if (n < 4)
			return -EINVAL;
		ev->kind = PROC_EV_ACK;
		ev->exit_code = u32_at(d);
		return 0;
	case PROC_EVENT_FORK:
		if (n < 16)
			return -EINVAL;
		ev->kind = PROC_EV_FORK;
		ev->parent_pid = (int32_t)u32_at(d);
		ev->parent_tgid = (int32_t)u32_at(d + 4);
		ev->pid = (int32_t)u32_at(d + 8);
		ev->tgid = (int32_t)u32_at(d + 12);
		return 0;
	case PROC_EVENT_EXEC:
		if (n < 8)
			return -EINVAL;
		ev->kind = PROC_EV_EXEC;
		break;
	case PROC_EVENT_UID:
		if (n < 16)
			return -EINVAL;
		ev->kind = PROC_EV_UID;
		ev->ruid = u32_at(d + 8);
		ev->euid = u32_at(d + 12);
		break;
	case PROC_EVENT_COMM:
		if (n < 8 + 16)
			return -EINVAL;
		ev->kind = PROC_EV_COMM;
		memcpy(ev->comm, d + 8, 16);
		ev->comm[16] = '\0';
		break;
	case PROC_EVENT_COREDUMP:
		if (n < 8)
			return -EINVAL;
		ev->kind = PROC_EV_COREDUMP;
		if (n >= 16) {
			ev->parent_pid = (int32_t)u32_at(d + 8);
			ev->parent_tgid = (int32_t)u32_at(d + 12);
		}
		break;
	case PROC_EVENT_EXIT:
		if (n < 16)
			return -EINVAL;
		ev->kind = PROC_EV_EXIT;
		ev->exit_code = u32_at(d + 8);
		ev->exit_signal = (int32_t)u32_at(d + 12);
		if (n >= 24) { /* Linux >= 4.18 */
			ev->parent_pid = (int32_t)u32_at(d + 16);
			ev->parent_tgid = (int32_t)u32_at(d + 20);
		}
		break;
	default:
		ev->kind = PROC_EV_OTHER;
		if (n >= 8)
			break;
		return 0;
	}
	ev->pid = (int32_t)u32_at(d);
	ev->tgid = (int32_t)u32_at(d + 4);
	return 0;
}

size_t conn_parse(const void *buf, size_t len, struct proc_ev *out, size_t max,
                  uint64_t *ret_malformed)
{
	const unsigned char *p = buf;
	size_t n = 0, off = 0;
	uint64_t bad = 0;

	while (off + sizeof(struct nlmsghdr) <= len && n < max) {
		struct nlmsghdr nh;
		struct cn_msg cn;

		memcpy(&nh, p + off, sizeof(nh));
		if (nh.nlmsg_len < sizeof(nh) || nh.nlmsg_len > len - off) {
			bad++;
			off = len;
			break;
		}
		const unsigned char *payload = p + off + NLMSG_HDRLEN;
		size_t plen = nh.nlmsg_len > NLMSG_HDRLEN ? nh.nlmsg_len - NLMSG_HDRLEN : 0;
		off += NLMSG_ALIGN(nh.nlmsg_len);

		if (nh.nlmsg_type == NLMSG_NOOP)
			continue;
		if (nh.nlmsg_type == NLMSG_ERROR || plen < sizeof(cn)) {
			bad++;
			continue;
		}
		memcpy(&cn, payload, sizeof(cn));
		if (cn.id.idx != CN_IDX_PROC || cn.id.val != CN_VAL_PROC ||
		    cn.len > plen - sizeof(cn) ||
		    decode_event(payload + sizeof(cn), cn.len, &out[n]) < 0) {
			bad++;
			continue;
		}
		n++;
	}
	if (n < max && off < len) /* a tail too short for a header */
		bad++;
	if (ret_malformed)
		*ret_malformed += bad;
	return n;
}

/* Send one control message to the proc connector: the bare op, or (filter)
 * the Linux 6.6 op + event set. Built byte by byte: cn_msg ends in a
 * flexible array, so it cannot sit inside a struct. Returns 0 or -errno. */
static int send_op(struct conn *c, uint32_t op, bool filter)
{
	unsigned char msg[NLMSG_HDRLEN + sizeof(struct cn_msg) + sizeof(struct proc_input_v66)];
	struct proc_input_v66 in = {.mcast_op = op, .event_type = wanted_events(c->which)};
	size_t data_len = filter ? sizeof(in) : sizeof(op);
	struct nlmsghdr nh = {.nlmsg_type = NLMSG_DONE};
	struct cn_msg cn = {.id = {.idx = CN_IDX_PROC, .val = CN_VAL_PROC}};
	struct sockaddr_nl to = {.nl_family = AF_NETLINK};

	nh.nlmsg_len = (uint32_t)(NLMSG_HDRLEN + sizeof(cn) + data_len);
	cn.seq = c->seq++;
	cn.len = (uint16_t)data_len;
	memset(msg, 0, sizeof(msg));
	memcpy(msg, &nh, sizeof(nh));
	memcpy(msg + NLMSG_HDRLEN, &cn, sizeof(cn));
	memcpy(msg + NLMSG_HDRLEN + sizeof(cn), &in, data_len);
	if (sendto(c->fd, msg, nh.nlmsg_len, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		return -errno;
	return 0;
}

/* Wait for the acknowledgement of the subscription. Events that arrive
 * first are dropped: the caller seeds its table from /proc after this. */
static int wait_ack(struct conn *c)
{
	int64_t deadline = now_mono_ms() + ACK_WAIT_MS;
	unsigned char buf[8192];

	for (int64_t left; (left = deadline - now_mono_ms()) > 0;) {
		struct pollfd p = {.fd = c->fd, .events = POLLIN};
		struct proc_ev evs[CONN_MAX_EVENTS];
		int r = poll(&p, 1, (int)left);

		if (r < 0 && errno != EINTR)
			return -errno;
		if (r <= 0)
			continue;
		ssize_t len = recv(c->fd, buf, sizeof(buf), 0);
		if (len < 0) {
			if (errno == EAGAIN || errno == EINTR || errno == ENOBUFS)
				continue;
			return -errno;
		}
		size_t n = conn_parse(buf, (size_t)len, evs, CONN_MAX_EVENTS, NULL);
		for (size_t i = 0; i < n; i++)
			if (evs[i].kind == PROC_EV_ACK)
				return evs[i].exit_code ? -(int)evs[i].exit_code : 0;
	}
	return -ETIMEDOUT;
}

int conn_open(struct conn *c, enum conn_events which)
{
	struct sockaddr_nl addr = {.nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC};
	int size = RCVBUF_BYTES, r;

	memset(c, 0, sizeof(*c));
	c->seq = 1;
	c->which = which;
	c->batch = calloc(1, sizeof(*c->batch));
	if (!c->batch)
		return -ENOMEM;
	c->fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_CONNECTOR);
	if (c->fd < 0) {
		r = -errno;
		free(c->batch);
		c->batch = NULL;
		return r;
	}
	/* FORCE passes net.core.rmem_max with CAP_NET_ADMIN, which we need anyway. */
	if (setsockopt(c->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		(void)setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (bind(c->fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		r = -errno;
		goto err;
	}
	if ((r = send_op(c, PROC_CN_MCAST_LISTEN, false)) < 0 || (r = wait_ack(c)) < 0)
		goto err;
	/* Linux >= 6.6 takes the event set and stops sending uid, gid, sid and
	 * ptrace changes; older kernels ignore a message of this size without
	 * an answer, so the bare subscription above stands. conn_close() sends
	 * the same pair of unsubscriptions, which keeps the kernel's listener
	 * count balanced on either kind of kernel. */
	c->filtered = send_op(c, PROC_CN_MCAST_LISTEN, true) == 0;
	return 0;
err:
	(void)close(c->fd);
	c->fd = -1;
	free(c->batch);
	c->batch = NULL;
	return r;
}

int conn_read(struct conn *c, int max, conn_event_fn fn, void *userdata)
{
	struct conn_batch *b = c->batch;
	int n = 0;

	while (n < max) {
		unsigned want = (unsigned)(max - n) < CONN_BATCH ? (unsigned)(max - n) : CONN_BATCH;
		for (unsigned i = 0; i < want; i++) {
			b->iov[i] =
			    (struct iovec){.iov_base = b->buf[i], .iov_len = CONN_DGRAM_MAX};
			b->msgs[i] =
			    (struct mmsghdr){.msg_hdr = {.msg_iov = &b->iov[i], .msg_iovlen = 1}};
		}
		int got = recvmmsg(c->fd, b->msgs, want, MSG_DONTWAIT, NULL);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				c->overruns++;
				continue;
			}
			if (errno == EAGAIN)
				break;
			return -errno;
		}
		if (got == 0)
			break;
		for (int i = 0; i < got; i++) {
			struct proc_ev evs[CONN_MAX_EVENTS];
			if (b->msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
				c->malformed++;
				continue;
			}
			size_t k = conn_parse(b->buf[i], b->msgs[i].msg_len, evs, CONN_MAX_EVENTS,
			                      &c->malformed);
			c->events += k;
			for (size_t e = 0; e < k; e++)
				fn(userdata, &evs[e]);
		}
		n += got;
		if ((unsigned)got < want)
			break; /* drained */
	}
	return n;
}

void conn_close(struct conn *c)
{
	free(c->batch);
	c->batch = NULL;
	if (c->fd < 0)
		return;
	if (c->filtered)
		(void)send_op(c, PROC_CN_MCAST_IGNORE, true);
	(void)send_op(c, PROC_CN_MCAST_IGNORE, false);
	(void)close(c->fd);
	c->fd = -1;
}
