/* kmsg.c: reads the kernel log from /dev/kmsg without blocking, one record
 * per read(), starting at its end (what was logged before the daemon started
 * is not this run's business), and hands the OOM killer's victims to the
 * caller. When the kernel's ring wraps past an unread record, read() fails
 * once with EPIPE: that is counted as an overrun and reading goes on.
 * Exercise it with `meson test -C build proc_oom_lines` (the reader on a file of
 * records) and, as root, the kernel suite's proc_oom (a real OOM kill in a
 * memory cgroup); by hand, `echo hello > /dev/kmsg` shows that records
 * flow. */
#include "sigtrail/proc_kmsg.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

int kmsg_open(struct kmsg_reader *r, const char *path)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return -errno;
	/* /dev/kmsg supports SEEK_END (to the next record); a test's FIFO
	 * does not, and is read from where it is. */
	(void)lseek(fd, 0, SEEK_END);
	r->fd = fd;
	oom_asm_init(&r->oom);
	r->records = r->overruns = r->malformed = 0;
	return 0;
}

int kmsg_read(struct kmsg_reader *r, int max, kmsg_oom_fn fn, void *userdata)
{
	int n = 0;

	while (n < max) {
		ssize_t len = read(r->fd, r->buf, KMSG_RECORD_MAX);
		struct kmsg_record rec;
		struct oom_kill victim;

		if (len < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EPIPE) {
				r->overruns++;
				continue;
			}
			if (errno == EAGAIN)
				break;
			return -errno;
		}
		if (len == 0) /* a test's file or FIFO at its end */
			break;
		n++;
		r->records++;
		r->buf[len] = '\0';
		if (kmsg_parse_record(r->buf, (size_t)len, &rec) < 0) {
			r->malformed++;
			continue;
		}
		if (rec.facility != 0) /* only the kernel's own lines, not `echo > /dev/kmsg` */
			continue;
		if (oom_asm_feed(&r->oom, rec.msg, rec.msg_len, rec.ts_us, &victim) == 1 && fn)
			fn(userdata, &victim);
	}
	return n;
}

void kmsg_close(struct kmsg_reader *r)
{
	if (r->fd >= 0)
		(void)close(r->fd);
	r->fd = -1;
}
