/* The signal event record, shared by the daemon (which builds it from audit
 * records) and the store (which turns it into rows). Defined once, here. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Value of a numeric identity field that the kernel reported as unset
 * (auid/ses 4294967295, oauid/oses -1) or that was absent. Stored as NULL. */
#define ST_ID_UNSET INT64_C(-1)

/* Bounds on sizes that other processes control. The kernel itself caps a
 * record at 8970 bytes (MAX_AUDIT_MESSAGE_LENGTH) and a proctitle at 128. */
enum {
	ST_MAX_RECORD = 16384,    /* one audit text line, including its prefix */
	ST_MAX_FIELD = 8192,      /* one decoded field value */
	ST_MAX_TARGETS = 4096,    /* OBJ_PID records kept for one event */
	ST_MAX_EVENT_STR = 65536, /* all strings of one event together */
};

/* One process that a signal reached (one OBJ_PID record). */
struct st_target {
	int32_t pid;      /* opid: the task the kernel checked the signal against */
	int64_t uid;      /* ouid, or ST_ID_UNSET */
	int64_t auid;     /* oauid, or ST_ID_UNSET */
	int64_t ses;      /* oses, or ST_ID_UNSET */
	const char *comm; /* ocomm, decoded; NULL when absent */
	const char *user; /* OUID: the name an ENRICHED log gave uid; NULL: none */
};

/* One signal-sending syscall, as the kernel audited it. All strings point
 * into the same allocation and are NUL-terminated UTF-8 with control bytes
 * escaped (see decode.h); NULL means the field was absent or "(none)". */
struct st_event {
	int64_t epoch_ms;     /* audit timestamp, milliseconds since the epoch (UTC) */
	uint64_t serial;      /* audit event serial number */
	uint32_t arch;        /* AUDIT_ARCH_* value of the caller's ABI */
	int32_t syscall;      /* syscall number in that ABI */
	int32_t signal;       /* signal number argument (a1 or a2) */
	int32_t exit;         /* syscall return value: 0, or -errno on failure */
	bool success;         /* the kernel's success=yes/no */
	int32_t target_arg;   /* a0 as the caller passed it, signed (pid, -pgid, -1, or pidfd) */
	int32_t pid;          /* sender pid */
	int32_t ppid;         /* sender parent pid */
	int64_t uid;          /* sender real uid */
	int64_t euid;         /* sender effective uid */
	int64_t auid;         /* sender login uid, or ST_ID_UNSET */
	int64_t ses;          /* sender session id, or ST_ID_UNSET */
	const char *host;     /* node= of the record, NULL for this machine */
	const char *tty;      /* sender tty, NULL for "(none)" */
	const char *comm;     /* sender comm */
	const char *exe;      /* sender executable path */
	const char *cmdline;  /* decoded PROCTITLE, arguments separated by spaces */
	const char *user;     /* UID: the name an ENRICHED log gave uid; NULL: none */
	const char *login;    /* AUID: the name an ENRICHED log gave auid; NULL: none */
	uint32_t n_targets;   /* number of entries in targets[] */
	uint32_t n_truncated; /* OBJ_PID records beyond ST_MAX_TARGETS, not kept */
	struct st_target targets[]; /* followed by the string bytes */
};

/* Free an event from st_event_pack(). Accepts NULL. */
void st_event_free(struct st_event *ev);
