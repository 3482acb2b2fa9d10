/* Unit tests for cgroup.c: systemd units and container ids from the cgroup
 * paths that systemd, docker, containerd, CRI-O, podman and the kubelet
 * write, on cgroup v1, v2 and hybrid hosts. */
#include <errno.h>

#include "../../collector/proc/cgroup.h"
#include "../unit/tap.h"

#define ID "3f4e1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7"

static const struct {
	const char *path;
	const char *unit;      /* NULL: none */
	const char *container; /* NULL: none */
	const char *runtime;
} paths[] = {
    {"/", NULL, NULL, NULL},
    {"/init.scope", "init.scope", NULL, NULL},
    {"/system.slice/nginx.service", "nginx.service", NULL, NULL},
    {"/system.slice/system-getty.slice/getty@tty1.service", "getty@tty1.service", NULL, NULL},
    {"/user.slice/user-1000.slice/session-3.scope", "session-3.scope", NULL, NULL},
    {"/user.slice/user-1000.slice/user@1000.service/app.slice/pipewire.service",
     "user@1000.service/pipewire.service", NULL, NULL},
    {"/user.slice/user-1000.slice/user@1000.service/init.scope", "user@1000.service/init.scope",
     NULL, NULL},
    {"/user.slice/user-1000.slice/user@1000.service", "user@1000.service", NULL, NULL},
    {"/system.slice/cron.service/sub", "cron.service", NULL, NULL},
    /* docker, systemd driver and cgroupfs driver */
    {"/system.slice/docker-" ID ".scope", "docker-" ID ".scope", ID, "docker"},
    {"/docker/" ID, NULL, ID, "docker"},
    {"/docker/" ID "/nested", NULL, ID, "docker"},
    {"/system.slice/docker.service", "docker.service", NULL, NULL},
    /* Kubernetes: containerd and CRI-O, systemd and cgroupfs drivers */
    {"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1a2b.slice/"
     "cri-containerd-" ID ".scope",
     "cri-containerd-" ID ".scope", ID, "containerd"},
    {"/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod9.slice/crio-" ID ".scope",
     "crio-" ID ".scope", ID, "crio"},
    {"/kubepods.slice/kubepods-pod9.slice/crio-conmon-" ID ".scope", "crio-conmon-" ID ".scope",
     NULL, NULL},
    {"/kubepods/burstable/pod0f5c1e6a-1111-2222-3333-444455556666/" ID, NULL, ID, "kubepods"},
    {"/kubepods/besteffort/podabc/" ID, NULL, ID, "kubepods"},
    /* podman: root (machine.slice), rootless (user slice), cgroupfs */
    {"/machine.slice/libpod-" ID ".scope", "libpod-" ID ".scope", ID, "podman"},
    {"/machine.slice/libpod-" ID ".scope/container", "libpod-" ID ".scope", ID, "podman"},
    {"/machine.slice/libpod-conmon-" ID ".scope", "libpod-conmon-" ID ".scope", NULL, NULL},
    {"/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" ID ".scope",
     "user@1000.service/libpod-" ID ".scope", ID, "podman"},
    {"/libpod_parent/libpod-" ID, NULL, ID, "podman"},
    /* nested: the outermost container is the one the host's tools show */
    {"/system.slice/docker-" ID ".scope/docker/0000000000000000000000000000000000000000000000"
     "000000000000000000",
     "docker-" ID ".scope", ID, "docker"},
    /* not containers, not units */
    {"/system.slice/docker-xyz.scope", "docker-xyz.scope", NULL, NULL},
    {"/docker/abc", NULL, NULL, NULL},
    {"/" ID, NULL, NULL, NULL},
    {"/oomtest", NULL, NULL, NULL},
    {"/process_api/89a3ea313a69e75467de57dc13fac170", NULL, NULL, NULL},
    {"/system.slice/evil\x1b[2J.service", NULL, NULL, NULL},
    {"/system.slice/.service", NULL, NULL, NULL},
    {"/system.slice/a b.service", NULL, NULL, NULL},
    {"/user.slice/user-1000.slice/user@x.service/app.slice/a.service", "user@x.service", NULL,
     NULL},
    {"//system.slice//sshd.service//", "sshd.service", NULL, NULL},
};

int main(void)
{
	struct cgroup_info ci;

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		const char *p = paths[i].path;
		int r = cgroup_parse_path(p, strlen(p), &ci);

		is_int(r, paths[i].unit || paths[i].container, "%s: found", p);
		is_str(ci.unit[0] ? ci.unit : NULL, paths[i].unit, "%s: unit", p);
		is_str(ci.container[0] ? ci.container : NULL, paths[i].container, "%s: container",
		       p);
		is_str(ci.runtime, paths[i].runtime, "%s: runtime", p);
	}

	const char v2[] = "0::/system.slice/nginx.service\n";
	is_int(cgroup_parse_file(v2, strlen(v2), &ci), 1, "v2 file");
	is_str(ci.unit, "nginx.service", "v2 unit");

	const char v1[] = "12:pids:/system.slice/docker-" ID ".scope\n"
	                  "11:memory:/system.slice/docker-" ID ".scope\n"
	                  "1:name=systemd:/system.slice/docker-" ID ".scope\n";
	is_int(cgroup_parse_file(v1, strlen(v1), &ci), 1, "v1 file");
	is_str(ci.container, ID, "v1 container");
	is_str(ci.runtime, "docker", "v1 runtime");

	/* Hybrid: systemd's hierarchy names the unit, a v1 controller the container. */
	const char hybrid[] = "9:name=systemd:/system.slice/cron.service\n"
	                      "4:memory:/docker/" ID "\n"
	                      "0::/system.slice/cron.service\n";
	is_int(cgroup_parse_file(hybrid, strlen(hybrid), &ci), 1, "hybrid file");
	is_str(ci.unit, "cron.service", "hybrid unit");
	is_str(ci.container, ID, "hybrid container from a v1 line");

	const char prio[] = "4:memory:/system.slice/a.service\n"
	                    "9:name=systemd:/system.slice/b.service\n"
	                    "0::/system.slice/c.service\n";
	(void)cgroup_parse_file(prio, strlen(prio), &ci);
	is_str(ci.unit, "c.service", "the unified line wins over name=systemd and controllers");
	const char prio1[] = "4:memory:/system.slice/a.service\n"
	                     "9:name=systemd:/system.slice/b.service\n";
	(void)cgroup_parse_file(prio1, strlen(prio1), &ci);
	is_str(ci.unit, "b.service", "name=systemd wins over a controller");

	const char host[] = "9:name=systemd:/\n4:memory:/process_api/89a3\n0::/\n";
	is_int(cgroup_parse_file(host, strlen(host), &ci), 0, "nothing to find");
	is_str(ci.unit, "", "no unit");
	const char colon[] = "0::/system.slice/a:b.service\n";
	is_int(cgroup_parse_file(colon, strlen(colon), &ci), 1, "a colon in the path");
	is_str(ci.unit, "a:b.service", "path taken after the second colon");
	const char noeol[] = "0::/system.slice/x.service";
	(void)cgroup_parse_file(noeol, strlen(noeol), &ci);
	is_str(ci.unit, "x.service", "last line without newline");
	is_int(cgroup_parse_file("garbage\n", 8, &ci), -EINVAL, "not a cgroup file");
	is_int(cgroup_parse_file("", 0, &ci), -EINVAL, "empty file");
	return tap_done();
}
