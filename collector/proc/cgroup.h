/* cgroup path -> systemd unit and container id, for the unit and container
 * columns of signal rows and deaths. Pure functions, no allocation, covered
 * by tests/proc/test_cgroup.c. Not a public header: the process table
 * (proctable.c) is its only user, and what it finds travels as strings. */
#pragma once

#include <stddef.h>

enum {
	CGROUP_UNIT_MAX = 256,     /* "user@1000.service/app-foo.service" and a NUL */
	CGROUP_CONTAINER_MAX = 72, /* 64 hex digits (docker, containerd, CRI-O, podman) */
};

/* What a cgroup path says about a process. Empty strings mean "none". */
struct cgroup_info {
	/* The systemd unit the process belongs to, as `systemctl status PID`
	 * names it: "nginx.service", "session-3.scope", "docker-<id>.scope".
	 * A process of a user's service manager gets its user unit appended
	 * after a slash: "user@1000.service/pipewire.service". */
	char unit[CGROUP_UNIT_MAX];
	/* The container id (lowercase hex, usually 64 digits) of the outermost
	 * container the process runs in, as `docker ps --no-trunc`, `crictl ps`
	 * or `podman ps --no-trunc` show it. */
	char container[CGROUP_CONTAINER_MAX];
	/* Who manages the container: "docker", "containerd", "crio", "podman",
	 * "kubepods" (a cgroupfs-driver kubelet path that names no runtime);
	 * NULL when container is empty. A static string. */
	const char *runtime;
};

/* Parse one cgroup path ("/system.slice/nginx.service") into *ret, which is
 * always written (empty when the path names no unit and no container). Path
 * components that are not valid unit names or hex ids are ignored, so a
 * hostile cgroup name cannot put control bytes into the result.
 * Returns 1 when something was found, 0 when not. Can't fail. */
int cgroup_parse_path(const char *path, size_t len, struct cgroup_info *ret);

/* Parse the whole text of /proc/PID/cgroup (cgroup v2 "0::/path", v1
 * "N:controllers:/path", or a hybrid of both). The unified line is preferred,
 * then the name=systemd line, then the others in file order; the unit and the
 * container are each taken from the first line that has one.
 * Returns 1 when something was found, 0 when not, -EINVAL when no line has
 * the "hierarchy:controllers:path" shape. *ret is always written. */
int cgroup_parse_file(const char *text, size_t len, struct cgroup_info *ret);
