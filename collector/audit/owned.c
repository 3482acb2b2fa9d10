/* owned.c: the record of what a collector changed in the kernel's audit
 * state (the rules it added, the enabled flag, the backlog limit), kept in
 * its runtime directory (/run/sigtrail/owned-rules) so that a successor can
 * undo it after a crash. A record proves its ownership before anything in
 * it is acted on: it names the boot it was written in (boot_id) and its
 * writer by pid and start time, so neither a record of an earlier boot nor
 * one whose pid now belongs to another process makes a collector remove
 * rules that an administrator loaded since. In doubt, the rules stay.
 * Exercise it with tests/kernel/owned.sh, or by hand:
 *   sigtraild --foreground --db /tmp/t.db --runtime-dir /tmp/rt & sleep 1;
 *   cat /tmp/rt/owned-rules; kill %1 */
#include "sigtrail/audit_ctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define OWNED_MAGIC "sigtrail-owned 2"
#define BOOT_ID_PATH "/proc/sys/kernel/random/boot_id"

int ctl_boot_id(char ret[CTL_BOOT_ID_LEN])
{
	FILE *f = fopen(BOOT_ID_PATH, "re");
	char line[64];

	if (!f)
		return -errno;
	bool got = fgets(line, sizeof(line), f) != NULL;
	fclose(f);
	line[strcspn(line, "\n")] = '\0';
	if (!got || strlen(line) != CTL_BOOT_ID_LEN - 1)
		return -EIO;
	memcpy(ret, line, CTL_BOOT_ID_LEN);
	return 0;
}

int ctl_start_time(long pid, unsigned long long *ret)
{
	char path[64], buf[1024];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* After the comm, which may hold spaces and ')': field 3 onwards. */
	char *p = strrchr(buf, ')');
	if (!p)
		return -EIO;
	p++;
	for (int field = 3; field < 22; field++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return -EIO;
	}
	char *end;
	errno = 0;
	unsigned long long v = strtoull(p + 1, &end, 10);
	if (errno || end == p + 1)
		return -EIO;
	*ret = v;
	return 0;
}

/* The record's header: its boot, its writer's pid and start time. */
struct owner {
	char boot_id[CTL_BOOT_ID_LEN];
	long pid;
	unsigned long long start_time;
};

static int read_owner(FILE *f, struct owner *o, char *why, size_t whylen)
{
	char line[128];
	bool magic = false, boot = false, pid = false, start = false;

	for (int i = 0; i < 4 && fgets(line, sizeof(line), f); i++) {
		line[strcspn(line, "\n")] = '\0';
		if (i == 0)
			magic = strcmp(line, OWNED_MAGIC) == 0;
		else if (strncmp(line, "boot_id ", 8) == 0 &&
		         strlen(line + 8) == CTL_BOOT_ID_LEN - 1) {
			memcpy(o->boot_id, line + 8, CTL_BOOT_ID_LEN);
			boot = true;
		} else if (sscanf(line, "pid %ld", &o->pid) == 1) {
			pid = o->pid > 0;
		} else if (sscanf(line, "start_time %llu", &o->start_time) == 1) {
			start = true;
		}
		if (!magic)
			break;
	}
	if (magic && boot && pid && start)
		return 0;
	snprintf(why, whylen,
	         "it does not name its boot, pid and start time (written by an older sigtrail, "
	         "or damaged)");
	return -ESTALE;
}

int ctl_rules_adopt(struct ctl_rules *rs, struct ctl_restore *ret_restore, const char *state_path,
                    char *why, size_t whylen)
{
	char line[512], boot[CTL_BOOT_ID_LEN];
	struct owner o = {0};
	unsigned long long start;
	unsigned long v;
	int adopted = 0, r;
	FILE *f = fopen(state_path, "re");

	why[0] = '\0';
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	if ((r = read_owner(f, &o, why, whylen)) < 0)
		goto out;
	if ((r = ctl_boot_id(boot)) < 0) {
		snprintf(why, whylen, "this boot's id cannot be read (%s): %s", BOOT_ID_PATH,
		         strerror(-r));
		r = -ESTALE;
		goto out;
	}
	if (strcmp(boot, o.boot_id) != 0) {
		snprintf(why, whylen, "it was written in another boot (%s)", o.boot_id);
		r = -ESTALE;
		goto out;
	}
	r = ctl_start_time(o.pid, &start);
	if (r == 0 && start == o.start_time) {
		snprintf(why, whylen, "its collector, pid %ld, is still running", o.pid);
		r = -EBUSY;
		goto out;
	}
	if (r < 0 && r != -ENOENT) {
		snprintf(why, whylen,
		         "whether its collector, pid %ld, still runs cannot be told: %s", o.pid,
		         strerror(-r));
		r = -ESTALE;
		goto out;
	}
	/* Its writer is gone: what it lists was ours, and is again. */
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "restore_enabled %lu", &v) == 1) {
			ret_restore->enabled |= v == 1;
			continue;
		}
		if (sscanf(line, "old_backlog %lu", &v) == 1 && v <= UINT32_MAX) {
			ret_restore->backlog = true;
			ret_restore->old_backlog = (uint32_t)v;
			continue;
		}
		for (size_t i = 0; i < rs->n; i++)
			if (!rs->r[i].adopted && strcmp(rs->r[i].text, line) == 0) {
				rs->r[i].adopted = true;
				adopted++;
			}
	}
	r = adopted;
out:
	fclose(f);
	return r;
}

int ctl_rules_save_owned(const struct ctl_rules *rs, const struct ctl_restore *restore,
                         const char *state_path, bool *ret_made_dir)
{
	char tmp[4096], dir[4096], boot[CTL_BOOT_ID_LEN];
	unsigned long long start;
	FILE *f;
	int r;

	if ((r = ctl_boot_id(boot)) < 0 || (r = ctl_start_time((long)getpid(), &start)) < 0)
		return r;
	snprintf(dir, sizeof(dir), "%s", state_path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0700) == 0)
			*ret_made_dir = true;
		else if (errno != EEXIST)
			return -errno;
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.new", state_path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	fprintf(f, "%s\nboot_id %s\npid %ld\nstart_time %llu\n", OWNED_MAGIC, boot, (long)getpid(),
	        start);
	if (restore->enabled)
		fprintf(f, "restore_enabled 1\n");
	if (restore->backlog)
		fprintf(f, "old_backlog %u\n", restore->old_backlog);
	for (size_t i = 0; i < rs->n; i++)
		if (rs->r[i].added)
			fprintf(f, "%s\n", rs->r[i].text);
	if (fclose(f) != 0 || rename(tmp, state_path) < 0) {
		r = -errno;
		(void)unlink(tmp);
		return r;
	}
	return 0;
}

int ctl_rules_forget_owned(const char *state_path, bool remove_dir)
{
	char dir[4096];

	if (unlink(state_path) < 0 && errno != ENOENT)
		return -errno;
	snprintf(dir, sizeof(dir), "%s", state_path);
	char *slash = strrchr(dir, '/');
	if (remove_dir && slash && slash != dir) {
		*slash = '\0';
		(void)rmdir(dir); /* only when empty: another collector's record stays */
	}
	return 0;
}
