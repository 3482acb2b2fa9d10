/* privs.c: the daemon's capabilities, with libcap. sigtraild starts as root
 * (or with CAP_AUDIT_CONTROL/CAP_AUDIT_READ), opens its sockets and the
 * database, then keeps only CAP_AUDIT_CONTROL, which it needs at exit to
 * remove its rules and restore the audit status. In stdin mode it keeps
 * nothing. Check by hand: `grep Cap /proc/$(pidof sigtraild)/status`. */
#include "sigtrail/privs.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <grp.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <unistd.h>

int privs_check(const cap_value_t *caps, size_t n, cap_value_t *ret_missing)
{
	cap_t cur = cap_get_proc();
	int r = 0;

	if (!cur)
		return -errno;
	for (size_t i = 0; i < n && r == 0; i++) {
		cap_flag_value_t v = CAP_CLEAR;
		if (cap_get_flag(cur, caps[i], CAP_EFFECTIVE, &v) < 0) {
			r = -errno;
		} else if (v != CAP_SET) {
			*ret_missing = caps[i];
			r = -EPERM;
		}
	}
	cap_free(cur);
	return r;
}

int privs_drop(const cap_value_t *caps, size_t n)
{
	cap_t want = cap_init();
	int r = 0;

	if (!want)
		return -errno;
	/* The bounding set first: dropping from it needs CAP_SETPCAP, which the
	 * cap_set_proc() below takes away. */
	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++) {
		bool keep = false;
		for (size_t i = 0; i < n; i++)
			keep |= caps[i] == c;
		if (!keep && CAP_IS_SUPPORTED(c) && cap_drop_bound(c) < 0 && errno != EINVAL &&
		    errno != EPERM) { /* EPERM: no CAP_SETPCAP (stdin mode as a user); no_new_privs
			                 still holds */
			r = -errno;
			goto out;
		}
	}
	if (n > 0 && (cap_set_flag(want, CAP_EFFECTIVE, (int)n, caps, CAP_SET) < 0 ||
	              cap_set_flag(want, CAP_PERMITTED, (int)n, caps, CAP_SET) < 0)) {
		r = -errno;
		goto out;
	}
	if (cap_set_proc(want) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		r = -errno;
out:
	cap_free(want);
	return r;
}

int privs_become_user(const char *name)
{
	struct passwd pw, *res = NULL;
	char buf[4096];

	if (getpwnam_r(name, &pw, buf, sizeof(buf), &res) != 0 || !res)
		return -ENOENT;
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 || setgroups(0, NULL) < 0 ||
	    setresgid(pw.pw_gid, pw.pw_gid, pw.pw_gid) < 0 ||
	    setresuid(pw.pw_uid, pw.pw_uid, pw.pw_uid) < 0)
		return -errno;
	/* The effective set was cleared by the uid change; privs_drop() sets it. */
	return prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0 ? -errno : 0;
}

const char *privs_name(cap_value_t cap)
{
	static char buf[64];
	char *name = cap_to_name(cap);

	snprintf(buf, sizeof(buf), "%s", name ? name : "CAP_?");
	cap_free(name);
	for (char *p = buf; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	return buf;
}
