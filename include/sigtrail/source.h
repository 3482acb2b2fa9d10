/* Where audit records come from: the audit netlink socket (as the audit
 * daemon, or as a read-only multicast listener) or text lines on a file
 * descriptor (auditd plugin mode, imports, tests). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Called once per record: `type` is the audit message type, `body` the text
 * after "msg=" (starting "audit("), and `line`, when not NULL, the whole text
 * line as auditd would log it (stdin sources have one; netlink ones do not). */
typedef void (*src_record_fn)(void *userdata, int type, const char *body, size_t body_len,
                              const char *line, size_t line_len);

enum src_kind { SRC_UNICAST, SRC_MULTICAST, SRC_STDIN };

struct src;

/* Open a source. SRC_UNICAST registers this process as the audit daemon
 * (needs CAP_AUDIT_CONTROL; -EEXIST when another daemon holds the audit pid);
 * SRC_MULTICAST joins the read-only group (needs CAP_AUDIT_READ); SRC_STDIN
 * reads lines from `fd`. Returns 0 and sets *ret, or -errno. */
int src_open(enum src_kind kind, int fd, struct src **ret);

/* The descriptor to poll for input. */
int src_fd(const struct src *s);

/* Read everything available without blocking and call `fn` per record.
 * Returns the number of records delivered (0 when nothing was waiting),
 * -EPIPE at end of input (stdin), or another -errno on a read error.
 * Losses that are not errors (ENOBUFS overruns, oversized lines) are counted
 * in src_stats(). */
int src_read(struct src *s, src_record_fn fn, void *userdata);

/* Counters for the loss accounting. */
struct src_stats {
	uint64_t records;    /* records delivered */
	uint64_t overruns;   /* ENOBUFS: the kernel dropped messages for this socket */
	uint64_t oversized;  /* lines longer than ST_MAX_RECORD, skipped */
	uint64_t unparsable; /* lines without a "type=... msg=" header */
	uint64_t foreign;    /* netlink messages not from the kernel, ignored */
};
void src_stats(const struct src *s, struct src_stats *ret);

/* Close the source; a unicast one first gives the audit pid back to the
 * kernel. Accepts NULL. */
void src_close(struct src *s);
