/* What assemble.c (field logic, the netlink path, the open events) and
 * logline.c (the log-line path) share: the event under construction, the
 * bounded set of open events and the assembler itself. Not a public
 * interface: sigtrail/assemble.h is. */
#pragma once

#include <auparse.h>
#include <stdbool.h>
#include <stdint.h>

#include "sigtrail/assemble.h"

enum {
	NO_STR = UINT32_MAX,
	/* Netlink events assembled at once. Records of one event come in a row
	 * from one task; another CPU's event may slip between them, so a few
	 * slots suffice; the oldest is completed when all are taken. */
	K_SLOTS = 8,
	/* Log-line events open at once: as many as the filter follows
	 * (FILTER_RING), for logs merged from several nodes. A bound, so that a
	 * log whose events never end costs the same per line as any other. */
	L_SLOTS = ASM_OPEN_MAX,
};

/* An event under construction; strings are offsets into arena. */
struct scratch {
	struct st_event *ev; /* the fixed part (its own allocation: targets[] follows it) */
	uint32_t host, tty, comm, exe, cmdline;
	uint32_t user, login; /* names an ENRICHED log gave uid and auid */
	bool have_syscall, bad;
	/* SYSCALL fields kept until the record ends (checked together) */
	const char *a[3], *success;
	int64_t arch, nr, ex;
	uint32_t n_targets;
	struct {
		struct st_target t;
		uint32_t comm, user;
	} targets[ST_MAX_TARGETS];
	size_t used;
	char arena[ST_MAX_EVENT_STR];
};

/* An open event: one slot of a bounded set. */
struct kslot {
	bool used;
	uint64_t serial;
	int64_t ms;        /* its audit time: with serial and host, what names it */
	uint64_t host_h;   /* hash of its node= (0: none) */
	int64_t born_ms;   /* CLOCK_MONOTONIC when its first record came: for aging */
	uint64_t order;    /* arrival order, to complete the oldest first */
	struct scratch *s; /* allocated on first use, kept */
};

struct assembler {
	auparse_state_t *au; /* log lines: one record at a time, as a parser */
	asm_event_fn fn;
	void *userdata;
	struct asm_stats stats;
	unsigned eoe_timeout_ms;
	uint64_t next_order;
	struct kslot k[K_SLOTS];             /* netlink events */
	struct kslot l[L_SLOTS];             /* log-line events */
	const char *enriched, *enriched_end; /* the ENRICHED part of the line being fed */
	char line[ST_MAX_RECORD + 64];       /* a log line with its newline, for libauparse */
};

/* Decode a raw value into the arena; NO_STR when absent or out of room. */
uint32_t asm_arena_add(struct scratch *s, const char *raw);

/* One field of a SYSCALL record, between syscall_begin() and syscall_end(). */
void asm_syscall_begin(struct scratch *s);
void asm_syscall_field(struct scratch *s, const char *n, const char *v);
void asm_syscall_end(struct scratch *s);

/* One OBJ_PID record: room for it (false: counted in targets_dropped), then
 * its fields; asm_obj_pid_end() adds the target and returns its index in
 * s->targets, or -1 when it named no pid. */
struct obj_pid {
	struct st_target t;
	uint32_t comm;
};
bool asm_obj_pid_room(struct scratch *s, struct assembler *a);
void asm_obj_pid_begin(struct obj_pid *o);
void asm_obj_pid_field(struct scratch *s, struct obj_pid *o, const char *n, const char *v);
int asm_obj_pid_end(struct scratch *s, const struct obj_pid *o);

/* The open event of (serial, ms, host_h) in set[0..n), or NULL. */
struct kslot *asm_slot_find(struct kslot *set, unsigned n, uint64_t serial, int64_t ms,
                            uint64_t host_h);

/* A slot of set[0..n) for a new event: a free one, else the oldest is
 * completed as it is (for a->l counted in evicted). NULL only when memory runs out. */
struct kslot *asm_slot_open(struct assembler *a, struct kslot *set, unsigned n, uint64_t serial,
                            int64_t ms, uint64_t host_h);

/* Complete an open event and free its slot; `ended`: its last record came
 * (else it counts as incomplete). */
void asm_slot_complete(struct assembler *a, struct kslot *k, bool ended);
