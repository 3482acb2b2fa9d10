/* abend.c's parser of the ANOM_ABEND audit record (the kernel's note of a
 * core dump), for watch.c, which hands the parsed record to the death
 * tracker. Not a public header: only collector/proc and its tests include
 * it. */
#pragma once

#include <stddef.h>

#include "sigtrail/proc_deathq.h"

/* Parse an ANOM_ABEND record: its body as the netlink source delivers it
 * ("audit(1795317685.572:59): auid=... pid=4680 comm=\"bash\" exe=... sig=11
 * res=1") or a whole auditd log line ("type=ANOM_ABEND msg=audit(...): ...").
 * Returns 0, or -EINVAL when the timestamp, pid or sig is missing or
 * malformed. *ret is written only on success. */
int abend_parse(const char *text, size_t len, struct death_abend *ret);
