/* Reading what a process would do with a signal (struct proc_sigstate,
 * sigtrail/proc_extra.h) from /proc/PID/status. Not a public header: only
 * collector/proc and its tests include it. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "sigtrail/proc_extra.h"

enum {
	SIGSTATE_THREADS_MAX = 64, /* threads whose SigBlk is read; beyond, the first 64 */
	SIGSTATE_TARGETS_MAX = 64, /* targets of one event read; beyond, unknown */
};

/* Parse a /proc/PID/status text into ret's masks: SigCgt, SigIgn, SigBlk,
 * the init flag (NSpid's last value 1) and Threads. Returns 0, -ESRCH for a
 * zombie or a dead task (State Z or X), -EINVAL when a mask line is missing.
 * Pure. */
int proc_sigstate_parse(const char *text, size_t len, struct proc_sigstate *ret,
                        unsigned *ret_threads);

/* Read pid's state under root ("/proc"). A thread group leader with more
 * than one thread blocks a signal only when every thread does: their SigBlk
 * are intersected (the first SIGSTATE_THREADS_MAX). A thread id (tkill)
 * answers for itself. Returns 0 with ret->known set, or -errno (-ESRCH:
 * gone or a zombie) with *ret unknown. */
int proc_sigstate_read(const char *root, int32_t pid, bool thread, struct proc_sigstate *ret);
