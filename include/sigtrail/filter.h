/* The cheap first look at every audit record: keep the records of
 * signal-sending syscalls, drop everything else before libauparse sees it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sigtrail/gaps.h"

enum { FILTER_RING = 64 }; /* events in flight at once (records interleave across CPUs) */

struct filter {
	bool include_sig0;          /* keep kill(pid, 0) existence probes */
	bool track_gaps;            /* count serials never seen (unicast only) */
	struct gaps gaps;           /* with track_gaps: serial accounting */
	uint64_t ring[FILTER_RING]; /* serials of kept events awaiting their EOE */
	unsigned ring_next;         /* next slot to overwrite */
	uint64_t records_seen;      /* every record offered */
	uint64_t records_kept;      /* records passed on */
	uint64_t events_kept;       /* SYSCALL records of signal syscalls kept */
	uint64_t sig0_dropped;      /* signal-0 events dropped by policy */
	uint64_t malformed;         /* records whose header or fields did not parse */
};

enum filter_verdict { FILTER_DROP = 0, FILTER_KEEP = 1, FILTER_MALFORMED = -1 };

/* Decide whether one record belongs to a signal event. `type` is the audit
 * message type (AUDIT_SYSCALL...), `body` the text after "msg=", starting with
 * "audit(SEC.MSEC:SERIAL):". sigsys_init() must have run. Never fails; a
 * record whose header or SYSCALL fields do not parse is FILTER_MALFORMED. */
enum filter_verdict filter_record(struct filter *f, int type, const char *body, size_t len);

/* Parse "audit(SEC.MSEC:SERIAL):" at the start of body. Returns the number of
 * bytes consumed, or -EINVAL. */
int filter_parse_header(const char *body, size_t len, int64_t *ret_ms, uint64_t *ret_serial);
