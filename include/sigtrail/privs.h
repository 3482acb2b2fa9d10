/* Capabilities: check what the daemon needs up front, and once every
 * resource is acquired, keep only what it still needs. */
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

/* Switch to user `name` (its uid, primary gid, no supplementary groups)
 * keeping the permitted capabilities (PR_SET_KEEPCAPS), so that a following
 * privs_drop() can keep CAP_AUDIT_CONTROL. Returns 0, -ENOENT for an unknown
 * user, or -errno. */
int privs_become_user(const char *name);

/* "CAP_AUDIT_CONTROL" for CAP_AUDIT_CONTROL, in a static buffer. */
const char *privs_name(cap_value_t cap);
