/* cgroup.c: reads a process's cgroup path the way systemd and the container
 * runtimes write it, and names the systemd unit ("nginx.service",
 * "session-3.scope", "user@1000.service/pipewire.service") and the container
 * id (docker, containerd, CRI-O, podman, kubepods paths, with systemd or
 * cgroupfs drivers, cgroup v1, v2 or hybrid). Pure string work: nothing is
 * read from disk here. Exercise it with `meson test -C build proc_cgroup`;
 * live, as root, with the kernel suite's proc_container (a container's
 * deaths carry its id); by hand, with sigtraild running, kill a process and
 * compare `cat /proc/PID/cgroup` (read before) with
 * `sqlite3 sigtrail.db 'select unit, container from deaths'`. */
#include "cgroup.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* A view of one path component. */
struct comp {
	const char *s;
	size_t n;
};

static bool has_prefix(struct comp c, const char *p)
{
	size_t n = strlen(p);
	return c.n >= n && memcmp(c.s, p, n) == 0;
}

static bool has_suffix(struct comp c, const char *sfx)
{
	size_t n = strlen(sfx);
	return c.n >= n && memcmp(c.s + c.n - n, sfx, n) == 0;
}

static bool is_hex_n(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
			return false;
	}
	return true;
}

/* Runtimes write the full 64-digit id; 12 is the shortest id anyone shows. */
static bool is_container_id(const char *s, size_t n)
{
	return n >= 12 && n <= 64 && is_hex_n(s, n);
}

/* systemd's unit name alphabet (unit_name_is_valid()): anything else is
 * \xNN-escaped by systemd itself, so a component outside it is not a unit. */
static bool is_unit_name(struct comp c)
{
	static const char *const suffixes[] = {".service", ".scope", ".socket", ".mount", ".swap"};
	bool suffix = false;

	if (c.n == 0 || c.n >= CGROUP_UNIT_MAX / 2)
		return false;
	for (size_t i = 0; i < c.n; i++) {
		char ch = c.s[i];
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == ':' || ch == '_' || ch == '.' ||
		      ch == '@' || ch == '-' || ch == '\\'))
			return false;
	}
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++)
		if (has_suffix(c, suffixes[i]) && c.n > strlen(suffixes[i]))
			suffix = true;
	return suffix;
}

/* "user@1000.service": a user's service manager, whose units nest inside. */
static bool is_user_manager(struct comp c)
{
	if (!has_prefix(c, "user@") || !has_suffix(c, ".service"))
		return false;
	size_t n = c.n - strlen("user@") - strlen(".service");
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (c.s[5 + i] < '0' || c.s[5 + i] > '9')
			return false;
	return true;
}

/* The systemd-driver scope names of the runtimes: PREFIX<id>.scope. The
 * conmon monitors (crio-conmon-, libpod-conmon-) sit beside the container
 * and are not in it, so they are listed to be refused. */
static const struct {
	const char *prefix;
	const char *runtime; /* NULL: not a container */
} scope_prefixes[] = {
    {"crio-conmon-", NULL}, {"libpod-conmon-", NULL},
    {"docker-", "docker"},  {"cri-containerd-", "containerd"},
    {"crio-", "crio"},      {"libpod-", "podman"},
};

/* A container id in component c, given the components before it (parent
 * names of the cgroupfs drivers). Returns the runtime and sets *id, or NULL. */
static const char *container_in(struct comp c, const struct comp *above, size_t n_above,
                                struct comp *id)
{
	for (size_t i = 0; i < sizeof(scope_prefixes) / sizeof(scope_prefixes[0]); i++) {
		if (!has_prefix(c, scope_prefixes[i].prefix))
			continue;
		if (!scope_prefixes[i].runtime)
			return NULL;
		size_t p = strlen(scope_prefixes[i].prefix);
		size_t end = has_suffix(c, ".scope") ? c.n - strlen(".scope") : c.n;
		if (end <= p || !is_container_id(c.s + p, end - p))
			return NULL;
		*id = (struct comp){c.s + p, end - p};
		return scope_prefixes[i].runtime;
	}
	/* cgroupfs drivers: a bare 64-digit id under a runtime's parent. */
	if (c.n != 64 || !is_hex_n(c.s, c.n))
		return NULL;
	for (size_t i = 0; i < n_above; i++) {
		struct comp a = above[i];
		const char *rt = NULL;
		if (a.n == 6 && memcmp(a.s, "docker", 6) == 0)
			rt = "docker";
		else if (has_prefix(a, "kubepods"))
			rt = "kubepods";
		else if (a.n == 13 && memcmp(a.s, "libpod_parent", 13) == 0)
			rt = "podman";
		if (rt) {
			*id = c;
			return rt;
		}
	}
	return NULL;
}

enum { MAX_COMPONENTS = 64 }; /* deeper paths are read up to here */

int cgroup_parse_path(const char *path, size_t len, struct cgroup_info *ret)
{
	struct comp comps[MAX_COMPONENTS];
	size_t n = 0;
	struct comp unit = {0}, user_unit = {0};
	bool in_user_manager = false;

	memset(ret, 0, sizeof(*ret));
	for (size_t i = 0; i < len && n < MAX_COMPONENTS;) {
		while (i < len && path[i] == '/')
			i++;
		size_t start = i;
		while (i < len && path[i] != '/' && path[i] != '\n')
			i++;
		if (i > start)
			comps[n++] = (struct comp){path + start, i - start};
		if (i < len && path[i] == '\n')
			break;
	}

	for (size_t i = 0; i < n; i++) {
		struct comp c = comps[i], id;
		const char *rt;

		if (!ret->container[0] && (rt = container_in(c, comps, i, &id))) {
			memcpy(ret->container, id.s, id.n);
			ret->container[id.n] = '\0';
			ret->runtime = rt;
		}
		if (!is_unit_name(c))
			continue;
		if (!unit.s) {
			unit = c;
			in_user_manager = is_user_manager(c);
		} else if (in_user_manager && !user_unit.s) {
			user_unit = c;
		}
	}
	if (unit.s) {
		if (user_unit.s)
			snprintf(ret->unit, sizeof(ret->unit), "%.*s/%.*s", (int)unit.n, unit.s,
			         (int)user_unit.n, user_unit.s);
		else
			snprintf(ret->unit, sizeof(ret->unit), "%.*s", (int)unit.n, unit.s);
	}
	return ret->unit[0] || ret->container[0] ? 1 : 0;
}

int cgroup_parse_file(const char *text, size_t len, struct cgroup_info *ret)
{
	/* Best line so far for each field: 0 unified, 1 name=systemd, 2 other. */
	int unit_prio = 3, container_prio = 3;
	bool any_line = false;
	struct cgroup_info line;

	memset(ret, 0, sizeof(*ret));
	for (size_t i = 0; i < len;) {
		const char *s = text + i;
		const char *nl = memchr(s, '\n', len - i);
		size_t n = nl ? (size_t)(nl - s) : len - i;
		const char *c1 = memchr(s, ':', n);
		const char *c2 = c1 ? memchr(c1 + 1, ':', n - (size_t)(c1 + 1 - s)) : NULL;

		i += n + 1;
		if (!c2)
			continue;
		any_line = true;
		int prio = 2;
		if (c1 == s + 1 && s[0] == '0' && c2 == c1 + 1)
			prio = 0;
		else if ((size_t)(c2 - c1 - 1) >= strlen("name=systemd") &&
		         memmem(c1 + 1, (size_t)(c2 - c1 - 1), "name=systemd", 12))
			prio = 1;
		if (cgroup_parse_path(c2 + 1, n - (size_t)(c2 + 1 - s), &line) == 0)
			continue;
		if (line.unit[0] && prio < unit_prio) {
			memcpy(ret->unit, line.unit, sizeof(ret->unit));
			unit_prio = prio;
		}
		if (line.container[0] && prio < container_prio) {
			memcpy(ret->container, line.container, sizeof(ret->container));
			ret->runtime = line.runtime;
			container_prio = prio;
		}
	}
	if (!any_line)
		return -EINVAL;
	return ret->unit[0] || ret->container[0] ? 1 : 0;
}
