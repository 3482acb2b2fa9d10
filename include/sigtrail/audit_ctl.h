/* The kernel audit configuration that sigtraild touches: the status (enabled
 * flag, backlog limit, audit pid) and its own rules. Everything it changes it
 * records, so that it can put it back on exit. */
#pragma once

#include <libaudit.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIGTRAIL_RULE_KEY "sigtrail"

enum { CTL_MAX_RULES = 8 };

/* Open the control socket (rules and status only; records are read on a
 * separate socket so that libaudit's request/ack handling never swallows one).
 * Returns an O_CLOEXEC fd or -errno. */
int ctl_open(void);

/* Read the kernel's audit status. Returns 0 or -errno (-ETIMEDOUT if the
 * kernel does not answer within a second). */
int ctl_status(int fd, struct audit_status *ret);

/* Set the enabled flag or the backlog limit. Return 0 or -errno; an enabled
 * value other than 0 or 1 is refused with -EINVAL (2 locks the kernel's
 * audit configuration until reboot, which sigtraild never does). */
int ctl_set_enabled(int fd, uint32_t enabled);
int ctl_set_backlog_limit(int fd, uint32_t limit);

/* Ask the kernel who last sent SIGTERM, SIGHUP, SIGUSR1 or SIGUSR2 to the
 * audit daemon (AUDIT_SIGNAL_INFO; meaningful only while this process holds
 * the audit pid). Returns 0 and sets *ret_pid and *ret_uid (pid 0: nobody), or
 * -errno. */
int ctl_signal_info(int fd, uint32_t *ret_pid, uint32_t *ret_uid);

/* sigtrail's rules for this machine, and which of them this run added. */
struct ctl_rules {
	size_t n;
	struct {
		struct audit_rule_data *rule; /* owned */
		bool added;                   /* this process added it: remove on exit */
		bool adopted;                 /* a crashed collector added it: ours now */
		char text[256];               /* auditctl syntax, for messages */
	} r[CTL_MAX_RULES];
};

/* Build the rules for every ABI of this machine: per ABI, one rule for the
 * syscalls whose signal is a1 and one for those whose signal is a2, each
 * skipping signal 0 unless include_sig0. Returns 0 or -errno (-ENOTSUP for a
 * machine libaudit does not know). */
int ctl_rules_build(struct ctl_rules *rs, bool include_sig0);

/* Called by ctl_rules_each() for each loaded rule. */
typedef void (*ctl_rule_fn)(void *userdata, const struct audit_rule_data *rule);

/* List the kernel's rules (AUDIT_LIST_RULES) and hand each to fn. Returns 0
 * at the end of the list, -ETIMEDOUT when the kernel stops answering for a
 * second, or the kernel's -errno. */
int ctl_rules_each(int fd, ctl_rule_fn fn, void *userdata);

/* How many loaded rules carry `key` (-k KEY). Returns 0 or as above. */
int ctl_rules_count_key(int fd, const char *key, size_t *ret_n);

/* Load the rules that are not loaded yet; rules already present (from an
 * earlier run with --keep-rules, or from the administrator) are left alone
 * and will not be removed. With `immutable`, nothing can be loaded: returns
 * -EROFS if any rule is missing. Returns the number of rules added, or
 * -errno; on failure the rules added so far are removed again. */
int ctl_rules_install(int fd, struct ctl_rules *rs, bool immutable);

/* A collector killed without its clean stop leaves its rules loaded, and a
 * restarted one would take them for the administrator's and never remove
 * them. So the rules a collector added are listed in `state_path` (in its
 * runtime directory, /run/sigtrail by default: tmpfs, which like the
 * kernel's rules does not survive a reboot), with the boot it was written in
 * and the collector's pid and start time (owned.c). */

/* What a collector changed in the audit status, to be put back at its stop
 * (or by its successor, after a crash). */
struct ctl_restore {
	bool enabled; /* it enabled auditing: set enabled 0 again */
	bool backlog; /* it raised the backlog limit: put old_backlog back */
	uint32_t old_backlog;
};

/* Read the record at state_path (call it before ctl_rules_install()). When
 * it proves that its collector is gone (same boot; its pid no longer runs,
 * or runs another process: another start time), mark the rules it lists as
 * ours and merge the status changes it never undid into *ret_restore, and
 * return the number of rules adopted (>= 0; 0 too when there is no record).
 * Otherwise nothing is adopted and why[] says why: -EBUSY, its collector
 * still runs (the record is its own: leave it); -ESTALE, the record cannot
 * prove its ownership (another boot, an older format, damaged): leave the
 * rules alone and drop the record. Other -errno: it cannot be read. */
int ctl_rules_adopt(struct ctl_rules *rs, struct ctl_restore *ret_restore, const char *state_path,
                    char *why, size_t whylen);

/* Write the record of this process (the rules it added, the status changes
 * in *restore) atomically, creating its directory (mode 0700) if needed, and
 * then setting *ret_made_dir. Returns 0 or -errno. */
int ctl_rules_save_owned(const struct ctl_rules *rs, const struct ctl_restore *restore,
                         const char *state_path, bool *ret_made_dir);

/* Remove the record (nothing left to undo), and with remove_dir its
 * directory too when that is empty (the caller made it: nothing is left
 * behind). A missing record is not an error. Returns 0 or -errno. */
int ctl_rules_forget_owned(const char *state_path, bool remove_dir);

/* This boot's id (/proc/sys/kernel/random/boot_id, 36 characters and a NUL).
 * Returns 0 or -errno. */
enum { CTL_BOOT_ID_LEN = 37 };
int ctl_boot_id(char ret[CTL_BOOT_ID_LEN]);

/* The start time of process pid, in clock ticks after boot (/proc/PID/stat
 * field 22): with the pid, a process's identity. Returns 0, -ENOENT (no such
 * process), or -errno. */
int ctl_start_time(long pid, unsigned long long *ret);

/* Remove the rules this process added. Returns 0 or the first -errno (it
 * still tries every rule). */
int ctl_rules_remove(int fd, struct ctl_rules *rs);

/* Free the rule buffers. Accepts an empty set. */
void ctl_rules_free(struct ctl_rules *rs);
