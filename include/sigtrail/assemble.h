/* Event assembly: the records of one audit event in, one st_event out.
 * Netlink records (the live path) are grouped by serial here; log lines
 * (stdin, imports, auditd plugin mode) go through libauparse in feed mode,
 * which groups them. See assemble.c for why the two paths differ. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "sigtrail/event.h"

/* Receives each assembled event and owns it (free with st_event_free). */
typedef void (*asm_event_fn)(void *userdata, struct st_event *ev);

struct assembler;

struct asm_stats {
	uint64_t events;          /* events handed to the callback */
	uint64_t malformed;       /* events dropped: missing or unparsable SYSCALL fields */
	uint64_t targets_dropped; /* OBJ_PID records beyond ST_MAX_TARGETS */
	uint64_t feed_errors;     /* lines libauparse refused */
	uint64_t oom;             /* events dropped because memory ran out */
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

/* Feed one complete auditd log line (without its newline). */
int asm_feed_line(struct assembler *a, const char *line, size_t len);

/* Complete events whose EOE is overdue. Call about once a second. */
void asm_age(struct assembler *a);

/* Complete every pending event (at shutdown or end of input). */
void asm_flush(struct assembler *a);

void asm_stats(const struct assembler *a, struct asm_stats *ret);

/* Destroy; pending events are dropped, so call asm_flush() first. Accepts NULL. */
void asm_free(struct assembler *a);
