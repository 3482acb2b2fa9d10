/* Unit tests for oom.c and kmsg.c: kernel log records, the OOM killer's
 * summary and "Killed process" lines (the captured sample in
 * /work/shared/audit-samples/oom-kmsg.txt and crafted variants: global OOM,
 * older kernels, hostile comms and paths), their merge, and the reader on a
 * file of records. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "sigtrail/proc_kmsg.h"
#include "../unit/tap.h"

#define SUMMARY                                                                                    \
	"oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,"            \
	"oom_memcg=/oomtest,task_memcg=/oomtest,task=python3,pid=4601,uid=0"
#define KILLED                                                                                     \
	"Memory cgroup out of memory: Killed process 4601 (python3) total-vm:75160kB, "            \
	"anon-rss:65280kB, file-rss:6584kB, shmem-rss:0kB, UID:0 pgtables:192kB oom_score_adj:0"

static int feed(struct oom_asm *a, const char *msg, int64_t ts, struct oom_kill *ret)
{
	return oom_asm_feed(a, msg, strlen(msg), ts, ret);
}

static int oom_seen;
static struct oom_kill oom_last;

static void on_oom(void *userdata, const struct oom_kill *v)
{
	(void)userdata;
	oom_seen++;
	oom_last = *v;
}

static void test_records(void)
{
	struct kmsg_record r;
	const char rec[] = "3,1234,567890123,-,caller=T42;Out of memory: x\n SUBSYSTEM=mem\n";

	is_int(kmsg_parse_record(rec, strlen(rec), &r), 0, "record parses");
	is_int(r.facility, 0, "facility kernel");
	is_int(r.level, 3, "level err");
	is_int(r.seq, 1234, "sequence number");
	is_int(r.ts_us, 567890123, "timestamp in microseconds");
	is_int(r.msg_len, strlen("Out of memory: x"), "message ends at the newline");
	ok(memcmp(r.msg, "Out of memory: x", r.msg_len) == 0, "message text");
	const char user[] = "14,7,100,-;hello";
	is_int(kmsg_parse_record(user, strlen(user), &r), 0, "user record parses");
	is_int(r.facility, 1, "facility user (LOG_USER)");
	is_int(r.msg_len, 5, "message without newline");
	is_int(kmsg_parse_record("no prefix", 9, &r), -EINVAL, "no semicolon");
	is_int(kmsg_parse_record("3,x,1,-;m", 9, &r), -EINVAL, "sequence not a number");
	is_int(kmsg_parse_record("3,1;m", 5, &r), -EINVAL, "too few fields");
	is_int(kmsg_parse_record("99999,1,1,-;m", 13, &r), -EINVAL, "priority out of range");
	is_int(kmsg_parse_record("-3,1,1,-;m", 10, &r), -EINVAL, "negative priority");
}

static void test_sample(void)
{
	struct oom_asm a;
	struct oom_kill v;

	oom_asm_init(&a);
	is_int(feed(&a, "python3 invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0", 1, &v),
	       0, "the 'invoked oom-killer' line is not a victim");
	is_int(feed(&a, SUMMARY, 2, &v), 0, "the summary alone is not a victim yet");
	is_int(feed(&a, "some other CPU's line", 3, &v), 0, "an unrelated line in between");
	is_int(feed(&a, "memory: usage 65536kB, limit 65536kB, failcnt 17", 3, &v), 0,
	       "the cgroup's memory line is not a victim");
	memset(&v, 0, sizeof(v));
	is_int(feed(&a, KILLED, 4, &v), 1, "the Killed line completes the victim");
	is_int(v.pid, 4601, "pid");
	is_str(v.comm, "python3", "comm");
	is_int(v.uid, 0, "uid");
	is_str(v.constraint, "CONSTRAINT_MEMCG", "constraint from the summary");
	is_str(v.oom_memcg, "/oomtest", "the memory cgroup that hit its limit");
	is_str(v.task_memcg, "/oomtest", "the victim's memory cgroup");
	is_int(v.total_vm_kb, 75160, "total-vm");
	is_int(v.anon_rss_kb, 65280, "anon-rss");
	is_int(v.file_rss_kb, 6584, "file-rss");
	is_int(v.shmem_rss_kb, 0, "shmem-rss");
	is_int(v.rss_kb, 65280 + 6584, "rss is anon + file + shmem");
	is_int(v.oom_score_adj, 0, "oom_score_adj");
	ok(v.memcg, "a memory cgroup limit");
	ok(v.have_summary, "merged with the summary");
	is_int(v.memcg_limit_kb, 65536, "the cgroup's limit at the kill");
	is_int(v.memcg_usage_kb, 65536, "and its usage");
	is_int(v.ts_us, 4, "timestamp of the Killed line");
	is_int(feed(&a, KILLED, 5, &v), 1, "a repeated Killed line is still a victim");
	ok(v.memcg_limit_kb == OOM_UNKNOWN, "the memory line was for the first kill only");
	ok(!v.have_summary, "but its summary was used up");
	is_int(a.unmatched, 0, "no summary lost");
}

static void test_variants(void)
{
	struct oom_asm a;
	struct oom_kill v;

	oom_asm_init(&a);
	/* Global OOM: no oom_memcg= key, a cpuset and node list with commas. */
	feed(&a,
	     "oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/a,b,mems_allowed=0,2,"
	     "global_oom,task_memcg=/system.slice/mysqld.service,task=mysqld,pid=812,uid=27",
	     10, &v);
	is_int(feed(&a,
	            "Out of memory: Killed process 812 (mysqld) total-vm:9000000kB, "
	            "anon-rss:8000000kB, file-rss:0kB, shmem-rss:12kB, UID:27 pgtables:16000kB "
	            "oom_score_adj:-500",
	            11, &v),
	       1, "global OOM victim");
	is_str(v.constraint, "CONSTRAINT_NONE", "global: constraint");
	is_str(v.oom_memcg, "", "global: no limiting memcg");
	is_str(v.task_memcg, "/system.slice/mysqld.service", "global: the victim's memcg");
	ok(!v.memcg, "global: not a cgroup limit");
	is_int(v.uid, 27, "global: uid");
	is_int(v.rss_kb, 8000012, "global: rss");
	is_int(v.oom_score_adj, -500, "negative oom_score_adj");

	/* A kernel before 4.19: no summary, a shorter Killed line. */
	oom_asm_init(&a);
	feed(&a, "Memory cgroup out of memory: Kill process 77 (java) score 999 or sacrifice child",
	     1, &v);
	is_int(
	    feed(&a, "Killed process 77 (java) total-vm:100kB, anon-rss:50kB, file-rss:2kB", 2, &v),
	    1, "old kernel: Killed line without a prefix");
	is_int(v.pid, 77, "old kernel: pid");
	is_str(v.constraint, "", "old kernel: constraint unknown");
	is_int(v.uid, OOM_UNKNOWN, "old kernel: uid unknown");
	is_int(v.shmem_rss_kb, OOM_UNKNOWN, "old kernel: shmem-rss unknown");
	is_int(v.rss_kb, 52, "old kernel: rss from what was printed");
	is_int(v.oom_score_adj, OOM_UNKNOWN, "old kernel: oom_score_adj unknown");

	/* Hostile names: a comm with ") " and commas, a memcg path with commas. */
	oom_asm_init(&a);
	feed(&a,
	     "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,"
	     "oom_memcg=/x,y,task_memcg=/x,y/z,task=a) b,pid=1,pid=90,uid=1000",
	     1, &v);
	is_int(feed(&a,
	            "Memory cgroup out of memory: Killed process 90 (a) b,pid=1) total-vm:1kB, "
	            "anon-rss:1kB, file-rss:0kB, shmem-rss:0kB, UID:1000 pgtables:1kB "
	            "oom_score_adj:0",
	            2, &v),
	       1, "hostile comm");
	is_int(v.pid, 90, "hostile: pid from the Killed line");
	is_str(v.comm, "a) b,pid=1", "hostile: comm up to the last ') '");
	is_str(v.oom_memcg, "/x,y", "hostile: memcg with a comma");
	is_str(v.task_memcg, "/x,y/z", "hostile: task memcg with a comma");
	ok(v.have_summary, "hostile: summary matched by pid");

	/* Interleaved victims keep their own summaries. */
	oom_asm_init(&a);
	feed(&a,
	     "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,"
	     "oom_memcg=/a,task_memcg=/a,task=x,pid=1,uid=0",
	     1, &v);
	feed(&a,
	     "oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,"
	     "oom_memcg=/b,task_memcg=/b,task=y,pid=2,uid=0",
	     2, &v);
	feed(&a, "Memory cgroup out of memory: Killed process 1 (x) total-vm:1kB", 3, &v);
	is_str(v.oom_memcg, "/a", "interleaved: first victim's cgroup");
	feed(&a, "Memory cgroup out of memory: Killed process 2 (y) total-vm:1kB", 4, &v);
	is_str(v.oom_memcg, "/b", "interleaved: second victim's cgroup");
	for (int i = 0; i < OOM_PENDING + 2; i++)
		feed(&a,
		     "oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,"
		     "task_memcg=/,task=z,pid=3,uid=0",
		     5, &v);
	is_int(a.unmatched, 2, "summaries never followed by their line are counted");

	/* Not victims. */
	struct oom_kill z = {0};
	const char *reaper = "oom_reaper: reaped process 4601 (python3), now anon-rss:0kB";
	is_int(oom_parse_line(reaper, strlen(reaper), &z), OOM_LINE_OTHER, "oom_reaper line");
	const char *fake = "usb 1-1: Killed process 5 (x) total-vm:1kB";
	is_int(oom_parse_line(fake, strlen(fake), &z), OOM_LINE_OTHER,
	       "'Killed process' after another prefix");
	const char *bad = "Out of memory: Killed process abc (x) total-vm:1kB";
	is_int(oom_parse_line(bad, strlen(bad), &z), OOM_LINE_OTHER, "pid not a number");
	const char *bad2 = "oom-kill:constraint=CONSTRAINT_NONE,task=x,pid=1";
	is_int(oom_parse_line(bad2, strlen(bad2), &z), OOM_LINE_OTHER, "summary without uid");
	const char *bad3 =
	    "oom-kill:constraint=CONSTRAINT_NONE,task_memcg=/,task=x,pid=99999999999,uid=0";
	is_int(oom_parse_line(bad3, strlen(bad3), &z), OOM_LINE_OTHER, "pid out of range");
	is_int(z.pid, 0, "nothing written for a line that is not a victim");
}

static void test_reader(void)
{
	char path[] = "/tmp/sigtrail-kmsg-test.XXXXXX";
	int fd = mkstemp(path);
	struct kmsg_reader *r = calloc(1, sizeof(*r));

	ok(fd >= 0 && r, "temp file");
	if (fd < 0 || !r)
		return;
	/* A regular file returns everything in one read(); /dev/kmsg returns
	 * one record per read(). One record per file keeps that shape. */
	const char rec1[] = "3,10,1000,"
	                    "-;" SUMMARY "\n";
	(void)!write(fd, rec1, strlen(rec1));
	close(fd);
	r->fd = -1;
	is_int(kmsg_open(r, "/nonexistent/kmsg"), -ENOENT, "open of a missing file fails");
	is_int(kmsg_open(r, path), 0, "open");
	/* SEEK_END on a regular file: nothing older is read. */
	is_int(kmsg_read(r, 10, on_oom, NULL), 0, "started at the end");
	lseek(r->fd, 0, SEEK_SET);
	is_int(kmsg_read(r, 10, on_oom, NULL), 1, "one record from the start");
	is_int(oom_seen, 0, "a summary alone reports nothing");
	kmsg_close(r);

	fd = open(path, O_WRONLY | O_TRUNC);
	const char rec2[] = "3,11,2000,-;" KILLED "\n";
	(void)!write(fd, rec2, strlen(rec2));
	close(fd);
	r->fd = open(path, O_RDONLY);
	is_int(kmsg_read(r, 10, on_oom, NULL), 1, "the Killed record");
	is_int(oom_seen, 1, "reported once");
	ok(oom_last.have_summary, "merged with the summary read before");
	is_int(oom_last.ts_us, 2000, "timestamp from the record");
	kmsg_close(r);

	fd = open(path, O_WRONLY | O_TRUNC);
	const char rec3[] = "11,12,3000,-;" KILLED "\n";
	(void)!write(fd, rec3, strlen(rec3));
	close(fd);
	r->fd = open(path, O_RDONLY);
	is_int(kmsg_read(r, 10, on_oom, NULL), 1, "a user-space record");
	is_int(oom_seen, 1, "is never a victim (user space cannot log as the kernel)");
	kmsg_close(r);
	kmsg_close(r);
	ok(r->fd == -1, "close twice is harmless");
	unlink(path);
	free(r);
}

int main(void)
{
	test_records();
	test_sample();
	test_variants();
	test_reader();
	return tap_done();
}
