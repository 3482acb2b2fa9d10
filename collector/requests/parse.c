/* parse.c: the words of a request, with no I/O: which senders are
 * supervisors, what a request tool's command line asks (`systemctl stop
 * nginx`, `docker kill -s KILL web`, `reboot`), and whether what it names
 * is a target's unit or container (sigtrail/requests.h states the rule).
 * Exercise it with `meson test -C build requests` (test_requests); by hand,
 * run `systemctl stop UNIT` with sigtraild running and read
 * `sqlite3 sigtrail.db 'select requested_by_cmdline, request_evidence from
 * signals order by id desc limit 3'`. */
#include "sigtrail/requests.h"

#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

static const char *base_name(const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;
	return slash ? slash + 1 : path;
}

static bool in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

enum request_supervisor request_supervisor(const char *comm, const char *exe)
{
	static const char *const containers[] = {
	    "runc", "crun", "conmon", "dockerd", "podman", "containerd", "runsc", "youki", NULL};
	static const char *const others[] = {"supervisord", "runsv", "s6-supervise", NULL};
	const char *name = comm && comm[0] ? comm : base_name(exe);

	if (!name)
		return SUPERVISOR_NONE;
	if (strcmp(name, "systemd") == 0)
		return SUPERVISOR_SYSTEMD;
	/* containerd-shim-runc-v2 (comm keeps 15 bytes: "containerd-shim") */
	if (strncmp(name, "containerd-shim", 15) == 0 || in_list(name, containers))
		return SUPERVISOR_CONTAINER;
	if (strcmp(name, "kubelet") == 0)
		return SUPERVISOR_KUBELET;
	if (in_list(name, others))
		return SUPERVISOR_OTHER;
	return SUPERVISOR_NONE;
}

/* The command line's words (arguments separated by spaces), at most max. */
static size_t split(const char *cmdline, char words[][REQUEST_OBJECT_MAX], size_t max)
{
	size_t n = 0;

	while (*cmdline && n < max) {
		while (*cmdline == ' ')
			cmdline++;
		size_t len = strcspn(cmdline, " ");
		if (len == 0)
			break;
		if (len < REQUEST_OBJECT_MAX) {
			memcpy(words[n], cmdline, len);
			words[n][len] = '\0';
		} else {
			words[n][0] = '\0'; /* too long to be a name: kept as an empty word */
		}
		n++;
		cmdline += len;
	}
	return n;
}

/* Options that take the next word as their value (unless written --opt=v). */
static bool takes_value(const char *tool, const char *opt)
{
	static const char *const systemctl[] = {
	    "-t",         "--type", "-s",        "--signal",    "-p",          "--property",
	    "-H",         "--host", "-M",        "--machine",   "--kill-whom", "--kill-value",
	    "--job-mode", "-n",     "--lines",   "-o",          "--output",    "--root",
	    "--state",    "--what", "--message", "--timestamp", "--when",      NULL};
	static const char *const runtimes[] = {"-H",
	                                       "--host",
	                                       "-c",
	                                       "--context",
	                                       "--config",
	                                       "-l",
	                                       "--log-level",
	                                       "--tlscacert",
	                                       "--tlscert",
	                                       "--tlskey",
	                                       "--url",
	                                       "--connection",
	                                       "--root",
	                                       "--runroot",
	                                       "--storage-driver",
	                                       "--cgroup-manager",
	                                       "--namespace",
	                                       "-n",
	                                       "-t",
	                                       "--time",
	                                       "--timeout",
	                                       "-s",
	                                       "--signal",
	                                       "-r",
	                                       "--runtime-endpoint",
	                                       "-i",
	                                       "--image-endpoint",
	                                       NULL};

	if (strchr(opt, '='))
		return false;
	return in_list(opt, strcmp(tool, "systemctl") == 0 ? systemctl : runtimes);
}

/* The words after the program that are not options (nor option values),
 * into out[] (at most max); *force is set by -f/--force, *now by --now.
 * Returns how many. */
static size_t operands(const char *tool, char words[][REQUEST_OBJECT_MAX], size_t n,
                       char out[][REQUEST_OBJECT_MAX], size_t max, bool *force, bool *now)
{
	size_t k = 0;

	for (size_t i = 1; i < n; i++) {
		const char *w = words[i];
		if (w[0] == '-' && w[1]) {
			if (strcmp(w, "-f") == 0 || strcmp(w, "--force") == 0)
				*force = true;
			if (strcmp(w, "--now") == 0)
				*now = true;
			if (takes_value(tool, w))
				i++;
			continue;
		}
		if (k < max)
			memcpy(out[k++], w, REQUEST_OBJECT_MAX);
	}
	return k;
}

/* systemctl's verbs that stop what they name, and those that stop every
 * unit (an isolate stops what its target does not want). */
static const char *const unit_verbs[] = {"stop",
                                         "restart",
                                         "try-restart",
                                         "reload-or-restart",
                                         "try-reload-or-restart",
                                         "condrestart",
                                         "force-reload",
                                         "kill",
                                         NULL};
static const char *const system_verbs[] = {"isolate",     "poweroff",    "reboot",    "halt",
                                           "kexec",       "rescue",      "emergency", "default",
                                           "soft-reboot", "switch-root", NULL};

/* "nginx" means nginx.service to systemctl; "nginx*" is a glob of units. */
static void unit_object(char *o)
{
	size_t len = strlen(o);
	if (len && !strchr(o, '.') && !strpbrk(o, "*?[") && len + 8 < REQUEST_OBJECT_MAX)
		memcpy(o + len, ".service", 9);
}

static enum request_kind parse_systemctl(char words[][REQUEST_OBJECT_MAX], size_t n,
                                         struct request_parsed *ret)
{
	char ops[REQUEST_OBJECTS_MAX + 1][REQUEST_OBJECT_MAX];
	bool force = false, now = false;
	size_t k = operands("systemctl", words, n, ops, REQUEST_OBJECTS_MAX + 1, &force, &now);

	if (k == 0)
		return REQUEST_NONE;
	snprintf(ret->verb, sizeof(ret->verb), "%.31s", ops[0]);
	if (in_list(ops[0], system_verbs))
		return ret->kind = REQUEST_SYSTEM;
	/* disable --now and mask --now stop the units too */
	if (!in_list(ops[0], unit_verbs) &&
	    !(now && (strcmp(ops[0], "disable") == 0 || strcmp(ops[0], "mask") == 0)))
		return REQUEST_NONE;
	for (size_t i = 1; i < k; i++) {
		unit_object(ops[i]);
		memcpy(ret->objects[ret->n_objects++], ops[i], REQUEST_OBJECT_MAX);
	}
	return ret->n_objects ? (ret->kind = REQUEST_UNITS) : REQUEST_NONE;
}

static enum request_kind parse_runtime(const char *tool, char words[][REQUEST_OBJECT_MAX], size_t n,
                                       struct request_parsed *ret)
{
	char ops[REQUEST_OBJECTS_MAX + 2][REQUEST_OBJECT_MAX];
	bool force = false, now = false;
	size_t k = operands(tool, words, n, ops, REQUEST_OBJECTS_MAX + 2, &force, &now);
	size_t first = 1;

	if (k == 0)
		return REQUEST_NONE;
	const char *verb = ops[0];
	if (strcmp(verb, "container") == 0 && k > 1) { /* docker container stop ID */
		verb = ops[1];
		first = 2;
	}
	snprintf(ret->verb, sizeof(ret->verb), "%.31s", verb);
	bool crictl = strcmp(tool, "crictl") == 0;
	bool stops = strcmp(verb, "stop") == 0 || strcmp(verb, "kill") == 0 ||
	             strcmp(verb, "restart") == 0 || (strcmp(verb, "rm") == 0 && force);
	if (crictl)
		stops = strcmp(verb, "stop") == 0 || (strcmp(verb, "rm") == 0 && force);
	if (!stops)
		return REQUEST_NONE;
	for (size_t i = first; i < k && ret->n_objects < REQUEST_OBJECTS_MAX; i++)
		memcpy(ret->objects[ret->n_objects++], ops[i], REQUEST_OBJECT_MAX);
	return ret->n_objects ? (ret->kind = REQUEST_CONTAINERS) : REQUEST_NONE;
}

enum request_kind request_parse(const char *cmdline, struct request_parsed *ret)
{
	static const char *const system_tools[] = {"reboot",   "halt",    "poweroff",
	                                           "shutdown", "telinit", NULL};
	static const char *const runtimes[] = {"docker", "podman", "nerdctl", "crictl", NULL};
	char words[REQUEST_OBJECTS_MAX + 24][REQUEST_OBJECT_MAX];
	size_t n;

	memset(ret, 0, sizeof(*ret));
	if (!cmdline || !(n = split(cmdline, words, sizeof(words) / sizeof(words[0]))))
		return REQUEST_NONE;
	const char *tool = base_name(words[0]);
	snprintf(ret->tool, sizeof(ret->tool), "%.31s", tool);
	if (strcmp(tool, "systemctl") == 0)
		return parse_systemctl(words, n, ret);
	if (in_list(tool, runtimes))
		return parse_runtime(tool, words, n, ret);
	if (in_list(tool, system_tools)) {
		/* shutdown -c cancels a shutdown; telinit's argument is a runlevel */
		for (size_t i = 1; i < n; i++)
			if (strcmp(words[i], "-c") == 0 || strcmp(words[i], "--help") == 0)
				return REQUEST_NONE;
		if (strcmp(tool, "telinit") == 0 &&
		    (n < 2 || !strchr("0123456sS", words[n - 1][0])))
			return REQUEST_NONE;
		snprintf(ret->verb, sizeof(ret->verb), "%.31s", tool);
		return ret->kind = REQUEST_SYSTEM;
	}
	return REQUEST_NONE;
}

bool request_unit_matches(const char *want, const char *unit)
{
	if (!want || !want[0] || !unit)
		return false;
	const char *last = strrchr(unit, '/');
	last = last ? last + 1 : unit;
	return fnmatch(want, last, 0) == 0;
}

bool request_container_matches(const char *want, const char *id)
{
	size_t n = want ? strlen(want) : 0;

	if (n < 3 || !id || n > strlen(id))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789abcdef", want[i]))
			return false;
	return strncmp(want, id, n) == 0;
}
