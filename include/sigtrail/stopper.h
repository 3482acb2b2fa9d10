/* Who stopped the collector: the sender of the stop signal, as the kernel
 * reports it to the audit daemon (AUDIT_SIGNAL_INFO), turned into a signal
 * event that targets sigtraild itself. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "sigtrail/event.h"

/* An event for signal `sig` sent by `pid` (real uid `uid`) to this process
 * at `epoch_ms`, with what /proc still knows of the sender (it may be gone:
 * then only pid and uid). The syscall is unknown (the kernel does not say),
 * so arch and syscall are left 0. Returns NULL when out of memory; free with
 * st_event_free(). */
struct st_event *stopper_event(uint32_t pid, uint32_t uid, int sig, int64_t epoch_ms);

/* "SIGTERM from pid 812 (uid 0 root, systemd: /sbin/init splash)" into buf.
 * Can't fail; truncates to len. */
void stopper_describe(const struct st_event *ev, char *buf, size_t len);
