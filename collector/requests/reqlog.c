/* reqlog.c: the requests the process table saw exec'd (`systemctl stop
 * nginx`, `docker stop web`, `reboot`), kept for a bounded time with who ran
 * them, and the answer to "who asked?" for a supervisor's signal: the
 * newest trusted request that names the target's unit or container, or the
 * supervisor's own earlier SIGTERM when a SIGKILL follows it (the stop timed
 * out), or "no request seen" with what was looked for (sigtrail/requests.h
 * has the rule). Bounded: REQUEST_MAX requests and REQUEST_STOPS_MAX stops,
 * the oldest replaced. Exercise it with `meson test -C build requests`;
 * live, as root, with the kernel suite's proc_requests (a shim asked by a
 * `docker` client); by hand, `systemctl stop UNIT` with sigtraild running. */
#include "sigtrail/requests.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reqlog_internal.h"

static const char default_trusted[] =
    "/usr/bin:/usr/sbin:/bin:/sbin:/usr/local/bin:/usr/local/sbin";

int reqlog_new(const struct reqlog_config *cfg, struct reqlog **ret)
{
	struct reqlog *l = calloc(1, sizeof(*l));
	const char *dirs = cfg->trusted_dirs ? cfg->trusted_dirs : default_trusted;

	if (!l)
		return -ENOMEM;
	snprintf(l->proc_root, sizeof(l->proc_root), "%s",
	         cfg->proc_root ? cfg->proc_root : "/proc");
	snprintf(l->docker_root, sizeof(l->docker_root), "%s",
	         cfg->docker_root ? cfg->docker_root : "/var/lib/docker");
	snprintf(l->podman_root, sizeof(l->podman_root), "%s",
	         cfg->podman_root ? cfg->podman_root : "/var/lib/containers/storage");
	while (*dirs && l->n_trusted < TRUSTED_MAX) {
		size_t len = strcspn(dirs, ":");
		if (len > 0 && len < sizeof(l->trusted[0])) {
			memcpy(l->trusted[l->n_trusted], dirs, len);
			l->trusted[l->n_trusted++][len] = '\0';
		}
		dirs += len + (dirs[len] == ':');
	}
	*ret = l;
	return 0;
}

static bool is_request_tool(const char *comm)
{
	static const char *const tools[] = {"systemctl", "reboot",  "halt",   "poweroff",
	                                    "shutdown",  "telinit", "docker", "podman",
	                                    "nerdctl",   "crictl",  NULL};
	for (const char *const *t = tools; *t; t++)
		if (strcmp(comm, *t) == 0)
			return true;
	return false;
}

/* Is exe the system's program? root-owned, not group- or world-writable,
 * in a trusted directory that is root-owned and not writable either. Says
 * why not in why[]. */
static bool trusted_program(const struct reqlog *l, const char *exe, char *why, size_t size)
{
	struct stat st;
	char dir[256];
	const char *slash = exe ? strrchr(exe, '/') : NULL;
	bool listed = false;

	if (!exe || !slash || (size_t)(slash - exe) >= sizeof(dir)) {
		snprintf(why, size, "its program is unknown");
		return false;
	}
	memcpy(dir, exe, (size_t)(slash - exe));
	dir[slash - exe] = '\0';
	for (size_t i = 0; i < l->n_trusted && !listed; i++)
		listed = strcmp(dir, l->trusted[i]) == 0;
	if (!listed) {
		snprintf(why, size, "%s is not in a system directory", exe);
		return false;
	}
	if (stat(exe, &st) < 0) {
		snprintf(why, size, "%s cannot be checked (%s)", exe, strerror(errno));
		return false;
	}
	if (st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		snprintf(why, size, "%s is %s", exe,
		         st.st_uid != 0 ? "not owned by root" : "writable by others");
		return false;
	}
	if (stat(dir, &st) < 0 || st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		snprintf(why, size, "%s is in a directory others may write (%.60s)", exe, dir);
		return false;
	}
	return true;
}

/* Read a small file of /proc/PID into buf; returns its length or -errno. */
static ssize_t read_proc(const struct reqlog *l, int32_t pid, const char *name, char *buf,
                         size_t size)
{
	char path[320];
	snprintf(path, sizeof(path), "%s/%d/%s", l->proc_root, pid, name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, size - 1);
	int e = errno;
	close(fd);
	if (n < 0)
		return -e;
	buf[n] = '\0';
	return n;
}

/* The tty name of a stat tty_nr (major 136-143: pts; 4: tty, ttyS). */
static void tty_name(unsigned long nr, char *out, size_t size)
{
	unsigned major = (unsigned)((nr >> 8) & 0xfff);
	unsigned minor = (unsigned)((nr & 0xff) | ((nr >> 12) & 0xfff00));

	out[0] = '\0';
	if (nr == 0)
		return;
	if (major >= 136 && major <= 143)
		snprintf(out, size, "pts/%u", minor + (major - 136) * 256);
	else if (major == 4 && minor < 64)
		snprintf(out, size, "tty%u", minor);
	else if (major == 4)
		snprintf(out, size, "ttyS%u", minor - 64);
	else
		snprintf(out, size, "tty(%u:%u)", major, minor);
}

/* Who ran it: login uid and tty, from /proc while it runs. */
static void read_requester(const struct reqlog *l, struct req *r)
{
	char buf[1024];

	r->auid = -1;
	if (read_proc(l, r->pid, "loginuid", buf, sizeof(buf)) > 0) {
		long long v = strtoll(buf, NULL, 10);
		r->auid = v >= 0 && v < 4294967295LL ? v : -1;
	}
	if (read_proc(l, r->pid, "stat", buf, sizeof(buf)) > 0) {
		const char *p = strrchr(buf, ')'); /* after the comm, which may hold spaces */
		unsigned long tty = 0;
		char state;
		int ppid, pgrp, session;
		if (p &&
		    sscanf(p + 1, " %c %d %d %d %lu", &state, &ppid, &pgrp, &session, &tty) == 5)
			tty_name(tty, r->tty, sizeof(r->tty));
	}
}

/* Map the container names among r's objects to ids. */
static void map_names(const struct reqlog *l, struct req *r)
{
	uint32_t n = r->parsed.n_objects;

	r->n_names = n;
	for (uint32_t i = 0; i < n && r->parsed.n_objects < REQUEST_OBJECTS_MAX; i++) {
		char id[REQUEST_OBJECT_MAX];
		if (request_container_matches(r->parsed.objects[i], r->parsed.objects[i]))
			continue; /* an id prefix */
		if (request_container_id(l->docker_root, l->podman_root, r->parsed.objects[i], id,
		                         sizeof(id)) != 0)
			continue;
		r->from[r->parsed.n_objects] = (uint8_t)i;
		memcpy(r->parsed.objects[r->parsed.n_objects++], id, sizeof(id));
	}
}

void reqlog_note_exec(struct reqlog *l, const struct ptab_proc *p, int64_t exec_epoch_ms)
{
	struct request_parsed parsed;

	if (!p->comm[0] || !p->cmdline)
		return;
	if (strcmp(p->comm, "kubelet") == 0) {
		char *c = strdup(p->cmdline);
		if (c) {
			free(l->kubelet_cmdline);
			l->kubelet_cmdline = c;
			l->kubelet_pid = p->pid;
		}
		return;
	}
	if (!is_request_tool(p->comm) || request_parse(p->cmdline, &parsed) == REQUEST_NONE)
		return;
	for (size_t i = 0; i < REQUEST_MAX; i++)
		if (l->reqs[i].used && l->reqs[i].pid == p->pid &&
		    l->reqs[i].start_time == p->start_time)
			return; /* read again (a lookup): already noted */
	char *cmdline = strdup(p->cmdline);
	if (!cmdline)
		return;
	struct req *r = &l->reqs[l->next_req];
	l->next_req = (l->next_req + 1) % REQUEST_MAX;
	if (r->used && r->exit_ms == 0)
		l->running--;
	free(r->cmdline);
	free(r->exe);
	*r = (struct req){.used = true,
	                  .pid = p->pid,
	                  .start_time = p->start_time,
	                  .exec_ms = exec_epoch_ms,
	                  .uid = p->uid,
	                  .cmdline = cmdline,
	                  .exe = p->exe ? strdup(p->exe) : NULL,
	                  .parsed = parsed};
	l->running++;
	r->trusted = trusted_program(l, p->exe, r->why, sizeof(r->why));
	read_requester(l, r);
	if (parsed.kind == REQUEST_CONTAINERS)
		map_names(l, r);
}

void reqlog_note_exit(struct reqlog *l, int32_t pid, int64_t epoch_ms)
{
	/* The kubelet first: the early return below is for requests only. */
	if (pid == l->kubelet_pid) {
		l->kubelet_pid = 0;
		free(l->kubelet_cmdline);
		l->kubelet_cmdline = NULL;
	}
	for (size_t i = 0; i < REQUEST_MAX && l->running > 0; i++) {
		struct req *r = &l->reqs[i];
		if (r->used && r->exit_ms == 0 && r->pid == pid) {
			r->exit_ms = epoch_ms;
			l->running--;
		}
	}
}

void reqlog_free(struct reqlog *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < REQUEST_MAX; i++) {
		free(l->reqs[i].cmdline);
		free(l->reqs[i].exe);
	}
	for (size_t i = 0; i < REQUEST_STOPS_MAX; i++)
		free(l->stops[i].strings);
	free(l->kubelet_cmdline);
	free(l);
}
