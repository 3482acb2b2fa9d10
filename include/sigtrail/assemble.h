/* Event assembly: the records of one audit event in, one st_event out.
 * Netlink records (the live path) are split here; log lines (stdin,
 * imports, auditd plugin mode) go through libauparse in feed mode, which
 * parses them; both are grouped into events in a bounded set of open events.
 * See assemble.c for why the two paths differ. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "sigtrail/event.h"

/* Receives each assembled event and owns it (free with st_event_free). */
typedef void (*asm_event_fn)(void *userdata, struct st_event *ev);

struct assembler;

/* Log-line events open at once; beyond it the oldest is completed (evicted). */
enum { ASM_OPEN_MAX = 64 };

struct asm_stats {
	uint64_t events;          /* events handed to the callback */
	uint64_t malformed;       /* events dropped: missing or unparsable SYSCALL fields */
	uint64_t targets_dropped; /* OBJ_PID records beyond ST_MAX_TARGETS */
	uint64_t feed_errors;     /* lines libauparse refused */
	uint64_t oom;             /* events dropped because memory ran out */
	uint64_t incomplete;      /* events completed without their last record (PROCTITLE
	                             for log lines, EOE for netlink): overdue, evicted or
	                             at the end of input; stored as they were */
	uint64_t evicted;         /* of those, log-line events completed early because
	                             ASM_OPEN_MAX were open (the oldest goes): a record of
	                             theirs that comes later is lost */
};

/* Create an assembler. `eoe_timeout_s` ages out events whose EOE never came.
 * Returns 0 and sets *ret, or -ENOMEM. */
int asm_new(asm_event_fn fn, void *userdata, unsigned eoe_timeout_s, struct assembler **ret);

/* Feed one record given as netlink type + body (the text after "msg="), as
 * the kernel formats it; assembled without libauparse, completed at its EOE
 * (events complete inside this call). Returns 0, -E2BIG for a record over
 * ST_MAX_RECORD or -EINVAL for one without an audit(...) header (both counted
 * as feed_errors and skipped), or -ENOMEM. */
int asm_feed_record(struct assembler *a, int type, const char *body, size_t len);

/* Feed one complete auditd log line (without its newline), raw or ENRICHED,
 * with or without node=. An event completes at its PROCTITLE (auditd writes
 * no EOE), its EOE, a second SYSCALL of its serial, when ASM_OPEN_MAX others
 * are open (ASM_OPEN_MAX; evicted), or by asm_age()/asm_flush(): constant cost per line.
 * Returns 0, -E2BIG for a line over ST_MAX_RECORD or -EINVAL for one
 * libauparse refuses (both counted as feed_errors). */
int asm_feed_line(struct assembler *a, const char *line, size_t len);

/* Complete events whose EOE is overdue. Call about once a second. */
void asm_age(struct assembler *a);

/* Complete every pending event (at shutdown or end of input). */
void asm_flush(struct assembler *a);

void asm_stats(const struct assembler *a, struct asm_stats *ret);

/* Destroy; pending events are dropped, so call asm_flush() first. Accepts NULL. */
void asm_free(struct assembler *a);
