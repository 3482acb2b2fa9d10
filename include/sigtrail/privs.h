/* Capabilities: check what the daemon needs up front, and once every
 * resource is acquired, keep only what it still needs (rule 12). */
#pragma once

#include <stddef.h>
#include <sys/capability.h>

/* Check that every capability in caps[n] is effective. Returns 0, or -EPERM
 * with *ret_missing set to the first missing one. -errno if libcap fails. */
int privs_check(const cap_value_t *caps, size_t n, cap_value_t *ret_missing);

/* Reduce the process to caps[n] (effective and permitted, nothing
 * inheritable), empty the bounding set of everything else and set
 * no_new_privs. Returns 0 or -errno; the caller treats failure as fatal. */
int privs_drop(const cap_value_t *caps, size_t n);

/* "CAP_AUDIT_CONTROL" for CAP_AUDIT_CONTROL, in a static buffer. */
const char *privs_name(cap_value_t cap);
