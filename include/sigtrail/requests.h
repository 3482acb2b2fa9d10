/* Who asked: the request behind a supervisor's signal. When systemd,
 * containerd-shim, runc, conmon, dockerd or the kubelet signals a process,
 * the sender is not the person who wanted the stop. The process table sees
 * every exec, so the collector remembers, for a bounded time, each exec of a
 * request tool (`systemctl stop nginx`, `docker stop web`, `reboot`, ...)
 * with its user, login user, session and tty, and names it beside a
 * supervisor's signal when the request names the target's unit or container
 * (or stops the whole system) and came shortly before. A SIGKILL that
 * follows the same supervisor's SIGTERM to the same unit or container is
 * linked to that SIGTERM and to its request (the stop timed out).
 *
 * The rule, as sigtrail-schema(5) documents it:
 *   - the sender is a supervisor (request_supervisor()): otherwise every
 *     request column is NULL;
 *   - a request counts only when its program is the system's: the
 *     executable is owned by root, not writable by group or others, in a
 *     trusted directory (/usr/bin, /usr/sbin, /bin, /sbin, /usr/local/bin,
 *     /usr/local/sbin by default), and so is that directory; a look-alike
 *     is named in the evidence as ignored;
 *   - it names the target's unit (systemctl stop|restart|kill|... UNIT,
 *     with .service implied and globs as systemctl reads them) or its
 *     container (docker|podman|nerdctl stop|kill|rm|restart ID, an id prefix
 *     of at least 3 digits or a name the runtime's state on this host maps
 *     to the id; crictl stop|rm ID), or it stops the whole system
 *     (shutdown, reboot, halt, poweroff, telinit, systemctl isolate|reboot|
 *     poweroff|...);
 *   - it was exec'd at most REQUEST_WINDOW_MS before the signal, or it was
 *     still running then (systemctl waits for its job);
 *   - the newest such request wins.
 * Single-threaded: the daemon's main loop owns it (beside the process
 * table). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sigtrail/proc_table.h"

enum {
	REQUEST_WINDOW_MS = 30000, /* a request this old no longer explains a signal */
	REQUEST_ESCALATION_MS =
	    900000,                  /* a SIGKILL this long after the SIGTERM is still its stop */
	REQUEST_EVIDENCE_MAX = 1024, /* the evidence sentence */
	REQUEST_MAX = 64,            /* requests remembered */
	REQUEST_STOPS_MAX = 64,      /* supervisors' stops remembered for their escalation */
};

/* Which kind of supervisor a sender is. */
enum request_supervisor {
	SUPERVISOR_NONE = 0,
	SUPERVISOR_SYSTEMD,   /* systemd (pid 1 or a user manager) */
	SUPERVISOR_CONTAINER, /* containerd-shim, runc, crun, conmon, dockerd, containerd, podman */
	SUPERVISOR_KUBELET,   /* the kubelet itself */
	SUPERVISOR_OTHER,     /* supervisord, runsv, s6-supervise: requests not recognised */
};

/* What a request asks (parsed from its command line). */
enum request_kind {
	REQUEST_NONE = 0,
	REQUEST_UNITS,      /* systemctl stop|restart|kill|... UNIT...: objects are units */
	REQUEST_SYSTEM,     /* shutdown, reboot, isolate, ...: every unit stops */
	REQUEST_CONTAINERS, /* docker|podman|nerdctl|crictl stop|kill|rm|restart ID...: containers
	                     */
};

enum { REQUEST_OBJECTS_MAX = 16, REQUEST_OBJECT_MAX = 256 };

/* A request tool's command line, parsed. */
struct request_parsed {
	enum request_kind kind;
	char tool[32];      /* "systemctl", "docker", "reboot" */
	char verb[32];      /* "stop", "kill", "isolate" */
	uint32_t n_objects; /* entries in objects[] */
	char objects[REQUEST_OBJECTS_MAX]
	            [REQUEST_OBJECT_MAX]; /* units (".service" added) or ids/names */
};

/* The request columns of one signal row (struct proc_target_extra.req).
 * Strings are NULL when unknown; pid 0: no request. */
struct request_answer {
	bool supervised;      /* the sender is a supervisor: evidence is set */
	int32_t pid;          /* requested_by_pid */
	int64_t uid;          /* requested_by_user's uid, -1 unknown */
	int64_t auid;         /* requested_by_login's uid, -1 unset or unknown */
	const char *cmdline;  /* requested_by_cmdline */
	const char *tty;      /* requested_by_tty */
	const char *evidence; /* request_evidence */
};

/* The kind of supervisor a sender of this comm and executable is. Pure. */
enum request_supervisor request_supervisor(const char *comm, const char *exe);

/* Parse a command line (arguments separated by spaces) whose argv[0]'s
 * base name is a request tool. Returns the kind (REQUEST_NONE for any
 * other program or verb) and fills *ret. Pure. */
enum request_kind request_parse(const char *cmdline, struct request_parsed *ret);

/* Does unit object `want` (a systemctl argument, ".service" added, maybe a
 * glob) name `unit` (a target_unit: "nginx.service", or a nested
 * "user@1000.service/app.service", whose last part counts)? Pure. */
bool request_unit_matches(const char *want, const char *unit);

/* Does container object `want` (an id prefix of 3+ hex digits) name
 * container id `id`? Names are mapped to ids beforehand. Pure. */
bool request_container_matches(const char *want, const char *id);

struct reqlog;

struct reqlog_config {
	const char *proc_root;    /* "/proc" */
	const char *trusted_dirs; /* colon-separated; NULL: the default list above */
	const char *docker_root;  /* "/var/lib/docker" (names of containers); NULL: default */
	const char *podman_root;  /* "/var/lib/containers/storage"; NULL: default */
};

/* Create an empty log. Returns 0 and sets *ret, or -ENOMEM. */
int reqlog_new(const struct reqlog_config *cfg, struct reqlog **ret);

/* The process table read what process p exec'd (at exec_epoch_ms): when it
 * is a request tool, remember the request, with who ran it (read now from
 * /proc: login uid, session, tty) and whether its program is the system's.
 * Cheap for every other program (its comm is compared to a dozen names).
 * Can't fail: a request that cannot be kept is forgotten. */
void reqlog_note_exec(struct reqlog *l, const struct ptab_proc *p, int64_t exec_epoch_ms);

/* Process pid exited: a request of that pid still running was that process
 * (a pid is not reused while its process runs), which no longer runs; it
 * still counts within the window. Can't fail. */
void reqlog_note_exit(struct reqlog *l, int32_t pid, int64_t epoch_ms);

/* The request columns of a signal `sig` at epoch_ms (audit serial `serial`)
 * from sender (comm, exe, pid) to a target in `unit` and `container` (either
 * NULL). Fills *ret with strings in buf[size] (which must outlive it) and
 * remembers a supervisor's stop for its escalation. Can't fail: an answer
 * that does not fit is cut. */
void reqlog_answer(struct reqlog *l, const struct ptab_proc *sender, int sig, int64_t epoch_ms,
                   uint64_t serial, const char *unit, const char *container,
                   struct request_answer *ret, char *buf, size_t size);

/* Free everything. Accepts NULL. */
void reqlog_free(struct reqlog *l);
