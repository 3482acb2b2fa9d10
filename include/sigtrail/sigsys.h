/* The signal-sending syscalls, per ABI: the one table that both the audit
 * rules and the record filter are built from. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One signal-sending syscall in one ABI. */
struct sigsys {
	uint32_t arch;    /* AUDIT_ARCH_* value, as in the record's arch= field */
	int nr;           /* syscall number in that ABI */
	int sig_arg;      /* which argument carries the signal: 1 (a1) or 2 (a2) */
	const char *name; /* "kill", "tgkill", ... */
};

/* Names of the six syscalls, in a fixed order. */
extern const char *const sigsys_names[6];

/* Build the table for every ABI libaudit knows (records may be imported from
 * other machines). Returns 0, or -ENOENT if libaudit knows no ABI at all.
 * Call once before the other functions; not thread-safe until it returns. */
int sigsys_init(void);

/* The entry for (arch, nr), or NULL if that is not a signal syscall. O(1)-ish. */
const struct sigsys *sigsys_lookup(uint32_t arch, int nr);

/* Name of an ABI: "x86_64", "i386", "aarch64"... or NULL if unknown. */
const char *sigsys_arch_name(uint32_t arch);

/* The ABIs this machine's kernel runs natively and in compat mode, for the
 * rules: writes up to `max` AUDIT_ARCH_* values to ret_arches and returns
 * their number (x86_64: AUDIT_ARCH_X86_64 then AUDIT_ARCH_I386), or -ENOTSUP
 * if libaudit does not know this machine. */
int sigsys_machine_arches(uint32_t *ret_arches, size_t max);

/* The syscall numbers of `arch` whose signal is argument `sig_arg`, for one
 * rule. Returns how many were written to ret_nrs (at most max). */
size_t sigsys_for_rule(uint32_t arch, int sig_arg, int *ret_nrs, size_t max);
