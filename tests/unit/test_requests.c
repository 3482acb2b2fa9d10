/* Unit tests for collector/requests/: which senders are supervisors, what
 * request tools' command lines ask, the matching of units and containers,
 * and the request log's answers (a match, an escalation, overlapping stops
 * of two units, a look-alike program, nothing in the window, a container
 * named by name through a fake docker state). A fake /proc holds the
 * requesters' loginuid and stat; /usr/bin/env stands for a system program. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sigtrail/requests.h"
#include "tap.h"

static char root[] = "/tmp/sigtrail-test-requests-XXXXXX";

static void put(const char *rel, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (char *s = strchr(path + strlen(root) + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		(void)mkdir(path, 0755);
		*s = '/';
	}
	FILE *f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(2);
	}
	fputs(text, f);
	fclose(f);
}

/* A requester in the fake /proc: login uid 1000, on pts/3 (136 << 8 | 3). */
static struct ptab_proc proc(int32_t pid, const char *comm, const char *exe, const char *cmdline)
{
	char rel[64], stat[256];
	struct ptab_proc p = {.pid = pid, .ppid = 1, .start_time = 100 + (uint64_t)pid, .uid = 0};

	snprintf(p.comm, sizeof(p.comm), "%s", comm);
	p.exe = exe;
	p.cmdline = cmdline;
	snprintf(rel, sizeof(rel), "proc/%d/loginuid", pid);
	put(rel, "1000");
	snprintf(rel, sizeof(rel), "proc/%d/stat", pid);
	snprintf(stat, sizeof(stat), "%d (%s) S 1 %d %d %d -1 4194560 0 0", pid, comm, pid, pid,
	         136 << 8 | 3);
	put(rel, stat);
	return p;
}

static bool starts(const char *s, const char *prefix)
{
	return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

static void test_parse(void)
{
	struct request_parsed r;

	is_int(request_supervisor("systemd", "/usr/lib/systemd/systemd"), SUPERVISOR_SYSTEMD,
	       "systemd is a supervisor");
	is_int(request_supervisor("containerd-shim", NULL), SUPERVISOR_CONTAINER,
	       "containerd-shim (its 15-byte comm)");
	is_int(request_supervisor("conmon", NULL), SUPERVISOR_CONTAINER, "conmon");
	is_int(request_supervisor("supervisord", NULL), SUPERVISOR_OTHER, "supervisord");
	is_int(request_supervisor("bash", "/usr/bin/bash"), SUPERVISOR_NONE, "bash is not");

	is_int(request_parse("systemctl stop nginx", &r), REQUEST_UNITS, "systemctl stop");
	is_str(r.objects[0], "nginx.service", "nginx means nginx.service");
	is_int(request_parse("/usr/bin/systemctl --no-block -s KILL kill foo.socket 'bar*'", &r),
	       REQUEST_UNITS, "systemctl with options and a signal value");
	is_str(r.verb, "kill", "its verb");
	is_int((int)r.n_objects, 2, "two units");
	is_str(r.objects[0], "foo.socket", "a unit with its type stays");
	is_int(request_parse("systemctl status nginx", &r), REQUEST_NONE, "status stops nothing");
	is_int(request_parse("systemctl disable --now nginx", &r), REQUEST_UNITS,
	       "disable --now stops");
	is_int(request_parse("systemctl disable nginx", &r), REQUEST_NONE,
	       "disable alone does not");
	is_int(request_parse("systemctl isolate rescue.target", &r), REQUEST_SYSTEM, "isolate");
	is_int(request_parse("reboot", &r), REQUEST_SYSTEM, "reboot");
	is_int(request_parse("shutdown -c", &r), REQUEST_NONE, "shutdown -c cancels");
	is_int(request_parse("telinit 6", &r), REQUEST_SYSTEM, "telinit 6");
	is_int(request_parse("docker -H unix:///x.sock container stop -t 5 web", &r),
	       REQUEST_CONTAINERS, "docker container stop with options");
	is_str(r.objects[0], "web", "its container");
	is_int(request_parse("docker rm web", &r), REQUEST_NONE, "docker rm without -f");
	is_int(request_parse("podman rm -f 3f2a", &r), REQUEST_CONTAINERS, "podman rm -f");
	is_int(request_parse("crictl stop 3f2a4b", &r), REQUEST_CONTAINERS, "crictl stop");
	is_int(request_parse("docker ps", &r), REQUEST_NONE, "docker ps");
	is_int(request_parse("ls -p", &r), REQUEST_NONE, "any other program");

	ok(request_unit_matches("nginx.service", "nginx.service"), "a unit matches itself");
	ok(request_unit_matches("app*", "user@1000.service/app-x.service"),
	   "a glob, against a nested unit's last part");
	ok(!request_unit_matches("nginx.service", "nginx-exporter.service"), "no prefix match");
	ok(request_container_matches("3f2", "3f2a4b5c6d7e8f90"), "an id prefix of 3 digits");
	ok(!request_container_matches("3f", "3f2a4b5c6d7e8f90"), "2 digits are too few");
	ok(!request_container_matches("web", "3f2a4b5c6d7e8f90"), "a name is not a prefix");
}

static void test_answers(void)
{
	struct reqlog *l = NULL;
	struct request_answer a;
	char buf[REQUEST_EVIDENCE_MAX], proc_root[512], docker[512];
	const char *cid = "3f2a4b5c6d7e8f9012345678901234567890123456789012345678901234abcd";
	struct ptab_proc systemd = {.pid = 1, .exe = "/usr/lib/systemd/systemd"};
	struct ptab_proc shim = {.pid = 900, .exe = "/usr/bin/containerd-shim-runc-v2"};
	struct ptab_proc bash = {.pid = 901, .exe = "/usr/bin/bash"};
	int64_t t0 = 1795317670000;

	snprintf(systemd.comm, sizeof(systemd.comm), "systemd");
	snprintf(shim.comm, sizeof(shim.comm), "containerd-shim");
	snprintf(bash.comm, sizeof(bash.comm), "bash");
	snprintf(proc_root, sizeof(proc_root), "%s/proc", root);
	snprintf(docker, sizeof(docker), "%s/docker", root);
	char cfg[700];
	snprintf(cfg, sizeof(cfg), "containers/%s/config.v2.json", cid);
	char rel[800];
	snprintf(rel, sizeof(rel), "docker/%s", cfg);
	put(rel, "{\"ID\":\"x\",\"Name\":\"/web\",\"State\":{}}");
	put(rel, "{\"Name\":\"/web\"}");
	is_int(
	    reqlog_new(&(struct reqlog_config){.proc_root = proc_root, .docker_root = docker}, &l),
	    0, "request log");

	/* Two stops of two units overlap: each signal names its own request. */
	struct ptab_proc p1 = proc(4100, "systemctl", "/usr/bin/env", "systemctl stop nginx");
	struct ptab_proc p2 = proc(4101, "systemctl", "/usr/bin/env", "systemctl restart app");
	reqlog_note_exec(l, &p1, t0);
	reqlog_note_exec(l, &p2, t0 + 5);
	reqlog_answer(l, &systemd, SIGTERM, t0 + 12, 700, "nginx.service", NULL, &a, buf,
	              sizeof(buf));
	ok(a.supervised, "systemd's SIGTERM is supervised");
	is_int(a.pid, 4100, "nginx's stop: requested by systemctl stop nginx");
	is_str(a.cmdline, "systemctl stop nginx", "its command line");
	is_int((int)a.auid, 1000, "its login uid, from /proc");
	is_str(a.tty, "pts/3", "its tty");
	is_str(a.evidence,
	       "`systemctl stop nginx` (pid 4100) names nginx.service, the target's unit, exec'd "
	       "12 ms before the signal; /usr/bin/env is the system's program",
	       "the evidence: what matched, how far apart, which program");
	reqlog_answer(l, &systemd, SIGTERM, t0 + 14, 701, "app.service", NULL, &a, buf,
	              sizeof(buf));
	is_int(a.pid, 4101, "app's restart, at the same time, names its own request");

	/* systemd's SIGCONT after its SIGTERM is not the stop. */
	reqlog_answer(l, &systemd, SIGCONT, t0 + 13, 703, "nginx.service", NULL, &a, buf,
	              sizeof(buf));
	/* The escalation: systemd's SIGKILL 90 s later to the same unit. */
	reqlog_answer(l, &systemd, SIGKILL, t0 + 90012, 900, "nginx.service", NULL, &a, buf,
	              sizeof(buf));
	is_int(a.pid, 4100, "the SIGKILL after the timeout: the same request");
	ok(starts(a.evidence,
	          "SIGKILL 90.0 s after the same supervisor's SIGTERM (serial 700): the stop timed "
	          "out; `systemctl stop nginx`"),
	   "its evidence links the SIGTERM: %s", a.evidence);

	/* Outside the window, nothing: systemd acting on its own. */
	reqlog_answer(l, &systemd, SIGTERM, t0 + 200000, 990, "other.service", NULL, &a, buf,
	              sizeof(buf));
	is_int(a.pid, 0, "a unit no request named: no requester");
	ok(a.cmdline == NULL && a.tty == NULL, "and the requested_by columns NULL");
	ok(starts(a.evidence, "no request seen: no systemctl stop, restart or kill naming "
	                      "other.service"),
	   "no request seen, and what was looked for: %s", a.evidence);

	/* Not a supervisor: every column NULL. */
	reqlog_answer(l, &bash, SIGTERM, t0 + 13, 702, "nginx.service", NULL, &a, buf, sizeof(buf));
	ok(!a.supervised && a.pid == 0 && a.evidence == NULL, "bash's kill: no request columns");

	/* A user's own `docker` does not pass for the system's. */
	char fake[600];
	snprintf(fake, sizeof(fake), "%s/bin/docker", root);
	put("bin/docker", "#!/bin/sh\n");
	chmod(fake, 0777);
	struct ptab_proc forged = proc(4200, "docker", fake, "docker stop 3f2a4b");
	reqlog_note_exec(l, &forged, t0 + 300000);
	reqlog_answer(l, &shim, SIGTERM, t0 + 300020, 1000, "docker-x.scope", cid, &a, buf,
	              sizeof(buf));
	is_int(a.pid, 0, "a look-alike docker names no one");
	ok(strstr(a.evidence, "ignored `docker stop 3f2a4b` (pid 4200): ") &&
	       strstr(a.evidence, "/bin/docker is not in a system directory"),
	   "the evidence names the look-alike's program: %s", a.evidence);

	/* The system's docker, by the container's name (docker's state). */
	struct ptab_proc real = proc(4300, "docker", "/usr/bin/env", "docker stop web");
	reqlog_note_exec(l, &real, t0 + 300030);
	reqlog_answer(l, &shim, SIGTERM, t0 + 300040, 1001, "docker-x.scope", cid, &a, buf,
	              sizeof(buf));
	is_int(a.pid, 4300, "docker stop web: the name maps to the target's container id");
	ok(strstr(a.evidence, "names container web (3f2a4b5c6d7e…), the target's") != NULL,
	   "its evidence: %s", a.evidence);

	/* A kubelet on the host is the requester's side of a pod's stop; once
	 * it exited, no longer (its exit was missed while no request ran). */
	struct ptab_proc kubelet = proc(500, "kubelet", "/usr/bin/kubelet", "kubelet --config x");
	const char *pod = "7a7a7a7a7a7a7a7a";
	reqlog_note_exec(l, &kubelet, t0);
	for (int32_t pid = 4100; pid <= 4300; pid++)
		reqlog_note_exit(l, pid, t0 + 300100); /* no request runs any more */
	reqlog_answer(l, &shim, SIGTERM, t0 + 400000, 1100, NULL, pod, &a, buf, sizeof(buf));
	is_int(a.pid, 500, "no request on the host, a kubelet runs: it is the requester's side");
	reqlog_note_exit(l, 500, t0 + 400001);
	reqlog_answer(l, &shim, SIGTERM, t0 + 400002, 1101, NULL, pod, &a, buf, sizeof(buf));
	is_int(a.pid, 0, "the kubelet gone: no requester");
	reqlog_free(l);
}

int main(void)
{
	if (!mkdtemp(root)) {
		perror("mkdtemp");
		return 2;
	}
	test_parse();
	test_answers();
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		return 2;
	return tap_done();
}
