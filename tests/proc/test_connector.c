/* Unit tests for connector.c's decoder: proc connector datagrams crafted
 * byte by byte as the kernel lays them out (nlmsghdr, cn_msg, proc_event),
 * including the three exits of /work/shared/audit-samples/
 * proc-connector-exits.txt, an older kernel's short exit event, and
 * malformed input. */
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <signal.h>
#include <stdint.h>

#include "../../collector/proc/connector.h"
#include "../unit/tap.h"

/* Append one connector message carrying a proc_event to buf at *off. */
static void put(unsigned char *buf, size_t *off, uint32_t what, uint64_t ts, const uint32_t *data,
                size_t ndata, size_t data_bytes)
{
	struct nlmsghdr nh = {0};
	struct cn_msg cn = {0};
	unsigned char ev[16 + 64] = {0};
	size_t evlen = 16 + data_bytes;

	memcpy(ev, &what, 4);
	uint32_t cpu = 1;
	memcpy(ev + 4, &cpu, 4);
	memcpy(ev + 8, &ts, 8);
	memcpy(ev + 16, data, ndata * 4);
	cn.id.idx = CN_IDX_PROC;
	cn.id.val = CN_VAL_PROC;
	cn.len = (uint16_t)evlen;
	nh.nlmsg_len = (uint32_t)(NLMSG_HDRLEN + sizeof(cn) + evlen);
	nh.nlmsg_type = NLMSG_DONE;
	memcpy(buf + *off, &nh, sizeof(nh));
	memcpy(buf + *off + NLMSG_HDRLEN, &cn, sizeof(cn));
	memcpy(buf + *off + NLMSG_HDRLEN + sizeof(cn), ev, evlen);
	*off += NLMSG_ALIGN(nh.nlmsg_len);
}

static size_t one(uint32_t what, const uint32_t *data, size_t ndata, size_t bytes,
                  struct proc_ev *ev, uint64_t *bad)
{
	unsigned char buf[512] __attribute__((aligned(8))) = {0};
	size_t off = 0;

	put(buf, &off, what, 123456789, data, ndata, bytes);
	return conn_parse(buf, off, ev, 1, bad);
}

int main(void)
{
	struct proc_ev ev, evs[8];
	uint64_t bad = 0;

	/* proc-connector-exits.txt: pidns teardown victims (ppid 0) and kill -9 */
	const uint32_t exit1[] = {5931, 5931, 9, 17, 0, 0};
	is_int(one(PROC_EVENT_EXIT, exit1, 6, 24, &ev, &bad), 1, "exit decoded");
	is_int(ev.kind, PROC_EV_EXIT, "kind exit");
	is_int(ev.pid, 5931, "pid");
	is_int(ev.tgid, 5931, "tgid");
	is_int(ev.exit_code, 9, "exit_code");
	is_int(proc_ev_death_signal(&ev), SIGKILL, "killed by SIGKILL");
	ok(!proc_ev_core_dumped(&ev), "no core");
	is_int(ev.exit_signal, SIGCHLD, "exit_signal SIGCHLD");
	is_int(ev.parent_pid, 0, "parent unknown (autoreaped by the dying namespace init)");
	is_int(ev.mono_ns, 123456789, "timestamp");
	is_int(ev.cpu, 1, "cpu");
	const uint32_t exit3[] = {5951, 5951, 9, 17, 5917, 5917};
	one(PROC_EVENT_EXIT, exit3, 6, 24, &ev, &bad);
	is_int(ev.parent_tgid, 5917, "kill -9 victim: parent known");

	const uint32_t segv[] = {4680, 4680, 11 | 0x80, 17, 4000, 4000};
	one(PROC_EVENT_EXIT, segv, 6, 24, &ev, &bad);
	is_int(proc_ev_death_signal(&ev), SIGSEGV, "SIGSEGV");
	ok(proc_ev_core_dumped(&ev), "core dumped (0x80)");
	const uint32_t normal[] = {100, 100, 3 << 8, 17, 1, 1};
	one(PROC_EVENT_EXIT, normal, 6, 24, &ev, &bad);
	is_int(proc_ev_death_signal(&ev), 0, "normal exit: no signal");
	is_int(proc_ev_exit_status(&ev), 3, "exit status 3");
	ok(!proc_ev_core_dumped(&ev), "normal exit: no core");
	const uint32_t old[] = {7, 7, 15, 17};
	is_int(one(PROC_EVENT_EXIT, old, 4, 16, &ev, &bad), 1, "pre-4.18 exit without parent");
	is_int(proc_ev_death_signal(&ev), SIGTERM, "old exit: SIGTERM");
	is_int(ev.parent_pid, 0, "old exit: parent 0");
	const uint32_t thread[] = {5001, 5000, 9, (uint32_t)-1, 1, 1};
	one(PROC_EVENT_EXIT, thread, 6, 24, &ev, &bad);
	ok(ev.pid != ev.tgid, "a thread's exit: pid != tgid");
	is_int(ev.exit_signal, -1, "thread exit_signal -1");

	const uint32_t fork[] = {10, 10, 11, 11};
	one(PROC_EVENT_FORK, fork, 4, 16, &ev, &bad);
	is_int(ev.kind, PROC_EV_FORK, "fork");
	is_int(ev.parent_tgid, 10, "fork parent");
	is_int(ev.pid, 11, "fork child");
	const uint32_t exec[] = {11, 11};
	one(PROC_EVENT_EXEC, exec, 2, 8, &ev, &bad);
	is_int(ev.kind, PROC_EV_EXEC, "exec");
	is_int(ev.tgid, 11, "exec tgid");
	uint32_t comm[6] = {11, 11};
	memcpy(&comm[2], "kworker/0:1H-xx", 16);
	one(PROC_EVENT_COMM, comm, 6, 24, &ev, &bad);
	is_int(ev.kind, PROC_EV_COMM, "comm");
	is_str(ev.comm, "kworker/0:1H-xx", "comm text");
	memcpy(&comm[2], "0123456789abcdef", 16); /* no NUL in 16 bytes */
	one(PROC_EVENT_COMM, comm, 6, 24, &ev, &bad);
	is_int(strlen(ev.comm), 16, "comm of 16 bytes without NUL stays bounded");
	const uint32_t core[] = {12, 12, 10, 10};
	one(PROC_EVENT_COREDUMP, core, 4, 16, &ev, &bad);
	is_int(ev.kind, PROC_EV_COREDUMP, "coredump");
	is_int(ev.parent_pid, 10, "coredump parent");
	const uint32_t ack[] = {0};
	one(PROC_EVENT_NONE, ack, 1, 4, &ev, &bad);
	is_int(ev.kind, PROC_EV_ACK, "ack");
	is_int(ev.exit_code, 0, "ack err 0");
	const uint32_t uid[] = {11, 11, 1000, 0};
	one(PROC_EVENT_UID, uid, 4, 16, &ev, &bad);
	is_int(ev.kind, PROC_EV_UID, "uid change");
	ok(ev.ruid == 1000 && ev.euid == 0, "real and effective uid");
	const uint32_t gid[] = {11, 11, 5, 5};
	one(PROC_EVENT_GID, gid, 4, 16, &ev, &bad);
	is_int(ev.kind, PROC_EV_OTHER, "gid change is other");
	is_int(bad, 0, "nothing malformed so far");

	/* Two messages in one datagram. */
	unsigned char buf[512] __attribute__((aligned(8))) = {0};
	size_t off = 0;
	put(buf, &off, PROC_EVENT_FORK, 1, fork, 4, 16);
	put(buf, &off, PROC_EVENT_EXIT, 2, exit3, 6, 24);
	is_int(conn_parse(buf, off, evs, 8, &bad), 2, "two messages in one datagram");
	is_int(evs[1].kind, PROC_EV_EXIT, "second is the exit");
	is_int(conn_parse(buf, off, evs, 1, &bad), 1, "bounded by max");

	/* Malformed. */
	is_int(one(PROC_EVENT_EXIT, exit1, 3, 12, &ev, &bad), 0, "exit too short");
	is_int(bad, 1, "counted");
	is_int(one(PROC_EVENT_FORK, fork, 2, 8, &ev, &bad), 0, "fork too short");
	is_int(conn_parse(buf, 10, evs, 8, &bad), 0, "truncated header");
	off = 0;
	put(buf, &off, PROC_EVENT_EXIT, 2, exit3, 6, 24);
	struct nlmsghdr nh;
	memcpy(&nh, buf, sizeof(nh));
	nh.nlmsg_len = 4096;
	memcpy(buf, &nh, sizeof(nh));
	is_int(conn_parse(buf, off, evs, 8, &bad), 0, "length beyond the datagram");
	off = 0;
	put(buf, &off, PROC_EVENT_EXIT, 2, exit3, 6, 24);
	struct cn_msg cn;
	memcpy(&cn, buf + NLMSG_HDRLEN, sizeof(cn));
	cn.id.idx = 7; /* another connector user */
	memcpy(buf + NLMSG_HDRLEN, &cn, sizeof(cn));
	is_int(conn_parse(buf, off, evs, 8, &bad), 0, "another connector index");
	cn.id.idx = CN_IDX_PROC;
	cn.len = 200; /* more than the message holds */
	memcpy(buf + NLMSG_HDRLEN, &cn, sizeof(cn));
	is_int(conn_parse(buf, off, evs, 8, &bad), 0, "cn_msg len beyond the message");
	is_int(bad, 6, "every malformed message counted");
	is_int(conn_parse(buf, 0, evs, 8, NULL), 0, "empty datagram");
	return tap_done();
}
