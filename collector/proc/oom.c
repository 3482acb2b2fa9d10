/* oom.c: understands the kernel log records (/dev/kmsg's
 * "PRI,SEQ,TS,FLAGS;MESSAGE" framing) and the two lines the OOM killer writes
 * for each victim: the "oom-kill:constraint=...,task=NAME,pid=N,uid=N"
 * summary (kernels >= 4.19) and "Out of memory: Killed process N (comm)
 * total-vm:..kB, anon-rss:..kB, ..." (or "Memory cgroup out of memory: ...").
 * It merges the two into one victim with its constraint, memory cgroup and
 * RSS. Pure string work. Exercise it with `meson test -C build proc_oom_lines`;
 * the kernel suite's proc_oom (as root) does live what one would by hand:
 * put a shell in a memory cgroup with a small limit, allocate until it
 * dies, and compare `dmesg | grep -i 'killed process'` with
 * `sqlite3 sigtrail.db 'select oom_constraint, oom_memcg, oom_rss_kb from deaths'`. */
#include "sigtrail/proc_kmsg.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sigtrail/decode.h"

int kmsg_parse_record(const char *buf, size_t len, struct kmsg_record *ret)
{
	const char *semi = memchr(buf, ';', len);
	const char *p = buf, *end;
	int64_t v[3];

	if (!semi)
		return -EINVAL;
	/* PRI, SEQ and TS_USEC are comma-terminated; FLAGS and any later
	 * fields (the caller id of newer kernels) are not needed. */
	for (int i = 0; i < 3; i++) {
		end = memchr(p, ',', (size_t)(semi - p));
		if (!end || parse_i64_n(p, (size_t)(end - p), 10, &v[i]) < 0 || v[i] < 0)
			return -EINVAL;
		p = end + 1;
	}
	if (v[0] > 1023) /* facility 0..127, level 0..7 */
		return -EINVAL;
	const char *msg = semi + 1;
	const char *nl = memchr(msg, '\n', len - (size_t)(msg - buf));
	ret->facility = (int)(v[0] >> 3);
	ret->level = (int)(v[0] & 7);
	ret->seq = (uint64_t)v[1];
	ret->ts_us = v[2];
	ret->msg = msg;
	ret->msg_len = nl ? (size_t)(nl - msg) : len - (size_t)(msg - buf);
	return 0;
}

/* Find the last occurrence of needle in s[0..n). */
static const char *memrmem(const char *s, size_t n, const char *needle)
{
	size_t k = strlen(needle);

	if (k > n)
		return NULL;
	for (size_t i = n - k + 1; i-- > 0;)
		if (memcmp(s + i, needle, k) == 0)
			return s + i;
	return NULL;
}

/* Copy s[0..n) into a fixed field, truncated. The kernel log escapes every
 * byte outside printable ASCII as \xNN, so this is already safe text. */
static void set_text(char *dst, size_t dst_size, const char *s, size_t n)
{
	if (n >= dst_size)
		n = dst_size - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* "oom-kill:constraint=C,nodemask=..,cpuset=..,mems_allowed=..,
 * [oom_memcg=P,]task_memcg=P,task=NAME,pid=N,uid=N". Paths and the cpuset
 * and node lists may hold commas, so the fixed keys are found from the left
 * (constraint, the memcgs) and from the right (uid, pid, task). */
static int parse_summary(const char *s, size_t n, struct oom_kill *ret)
{
	static const char head[] = "oom-kill:constraint=";
	const char *p_uid, *p_pid, *p_task, *p_tmemcg, *p_omemcg, *comma;
	int64_t pid, uid;

	if (n < sizeof(head) - 1 || memcmp(s, head, sizeof(head) - 1) != 0)
		return -EINVAL;
	const char *body = s + sizeof(head) - 1;
	size_t bn = n - (sizeof(head) - 1);
	if (!(p_uid = memrmem(body, bn, ",uid=")) ||
	    !(p_pid = memrmem(body, (size_t)(p_uid - body), ",pid=")) ||
	    !(p_task = memrmem(body, (size_t)(p_pid - body), ",task=")) ||
	    !(p_tmemcg = memmem(body, (size_t)(p_task - body), ",task_memcg=", 12)) ||
	    !(comma = memchr(body, ',', bn)))
		return -EINVAL;
	if (parse_i64_n(p_pid + 5, (size_t)(p_uid - p_pid - 5), 10, &pid) < 0 || pid <= 0 ||
	    pid > INT32_MAX ||
	    parse_i64_n(p_uid + 5, (size_t)(body + bn - p_uid - 5), 10, &uid) < 0 || uid < 0)
		return -EINVAL;
	p_omemcg = memmem(body, (size_t)(p_tmemcg - body), ",oom_memcg=", 11);

	ret->pid = (int32_t)pid;
	ret->uid = uid;
	set_text(ret->constraint, sizeof(ret->constraint), body, (size_t)(comma - body));
	set_text(ret->task_memcg, sizeof(ret->task_memcg), p_tmemcg + 12,
	         (size_t)(p_task - p_tmemcg - 12));
	if (p_omemcg)
		set_text(ret->oom_memcg, sizeof(ret->oom_memcg), p_omemcg + 11,
		         (size_t)(p_tmemcg - p_omemcg - 11));
	else
		ret->oom_memcg[0] = '\0';
	set_text(ret->comm, sizeof(ret->comm), p_task + 6, (size_t)(p_pid - p_task - 6));
	ret->have_summary = true;
	return 0;
}

/* Does s[0..n) contain needle? (memmem(), without GCC 12's false -Wnonnull
 * under the sanitizers.) */
static bool has_text(const char *s, size_t n, const char *needle)
{
	size_t k = strlen(needle);

	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(s + i, needle, k) == 0)
			return true;
	return false;
}

/* "NUMBERkB" or "NUMBER" into *ret. */
static int parse_kb(const char *s, size_t n, int64_t *ret)
{
	if (n >= 2 && memcmp(s + n - 2, "kB", 2) == 0)
		n -= 2;
	return parse_i64_n(s, n, 10, ret);
}

/* "PREFIX: Killed process N (COMM) total-vm:NkB, anon-rss:NkB, file-rss:NkB,
 * shmem-rss:NkB, UID:N pgtables:NkB oom_score_adj:N"; PREFIX is "Out of
 * memory", "Memory cgroup out of memory" or "Out of memory
 * (oom_kill_allocating_task)"; kernels before 4.x print no prefix and fewer
 * fields. */
static int parse_killed(const char *s, size_t n, struct oom_kill *ret)
{
	static const char kp[] = "Killed process ";
	const char *k = memmem(s, n, kp, sizeof(kp) - 1);
	int64_t pid;

	if (!k)
		return -EINVAL;
	if (k != s) {
		/* Only the OOM killer's own prefixes: "...out of memory...: ". */
		size_t pn = (size_t)(k - s);
		if (pn < 2 || k[-2] != ':' || k[-1] != ' ' ||
		    (!has_text(s, pn, "out of memory") && !has_text(s, pn, "Out of memory")))
			return -EINVAL;
	}
	const char *p = k + sizeof(kp) - 1, *end = s + n;
	const char *open = memchr(p, ' ', (size_t)(end - p));
	if (!open || open + 1 >= end || open[1] != '(' ||
	    parse_i64_n(p, (size_t)(open - p), 10, &pid) < 0 || pid <= 0 || pid > INT32_MAX)
		return -EINVAL;
	/* The comm ends at the last ") " (a comm may itself hold ") "). */
	const char *close = memrmem(open + 2, (size_t)(end - open - 2), ") ");
	if (!close) {
		if (end[-1] != ')')
			return -EINVAL;
		close = end - 1;
	}

	ret->pid = (int32_t)pid;
	ret->memcg = has_text(s, (size_t)(k - s), "Memory cgroup");
	set_text(ret->comm, sizeof(ret->comm), open + 2, (size_t)(close - open - 2));
	ret->total_vm_kb = ret->anon_rss_kb = ret->file_rss_kb = ret->shmem_rss_kb = OOM_UNKNOWN;
	ret->oom_score_adj = OOM_UNKNOWN;
	ret->rss_kb = OOM_UNKNOWN;

	/* KEY:VALUE tokens separated by spaces and commas. */
	for (p = close + 1; p < end;) {
		while (p < end && (*p == ' ' || *p == ','))
			p++;
		const char *t = p;
		while (p < end && *p != ' ' && *p != ',')
			p++;
		const char *colon = memchr(t, ':', (size_t)(p - t));
		if (!colon)
			continue;
		size_t kn = (size_t)(colon - t), vn = (size_t)(p - colon - 1);
		int64_t v;
		if (parse_kb(colon + 1, vn, &v) < 0)
			continue;
		if (kn == 8 && memcmp(t, "total-vm", 8) == 0)
			ret->total_vm_kb = v;
		else if (kn == 8 && memcmp(t, "anon-rss", 8) == 0)
			ret->anon_rss_kb = v;
		else if (kn == 8 && memcmp(t, "file-rss", 8) == 0)
			ret->file_rss_kb = v;
		else if (kn == 9 && memcmp(t, "shmem-rss", 9) == 0)
			ret->shmem_rss_kb = v;
		else if (kn == 3 && memcmp(t, "UID", 3) == 0)
			ret->uid = v;
		else if (kn == 13 && memcmp(t, "oom_score_adj", 13) == 0)
			ret->oom_score_adj = v;
	}
	if (ret->anon_rss_kb != OOM_UNKNOWN) {
		ret->rss_kb = ret->anon_rss_kb;
		if (ret->file_rss_kb != OOM_UNKNOWN)
			ret->rss_kb += ret->file_rss_kb;
		if (ret->shmem_rss_kb != OOM_UNKNOWN)
			ret->rss_kb += ret->shmem_rss_kb;
	}
	return 0;
}

enum oom_line oom_parse_line(const char *msg, size_t len, struct oom_kill *ret)
{
	struct oom_kill tmp = *ret;

	if (len >= 9 && memcmp(msg, "oom-kill:", 9) == 0) {
		if (parse_summary(msg, len, &tmp) < 0)
			return OOM_LINE_OTHER;
		*ret = tmp;
		return OOM_LINE_SUMMARY;
	}
	if (memmem(msg, len, "Killed process ", 15) && parse_killed(msg, len, &tmp) == 0) {
		*ret = tmp;
		return OOM_LINE_KILLED;
	}
	return OOM_LINE_OTHER;
}

void oom_asm_init(struct oom_asm *a)
{
	memset(a, 0, sizeof(*a));
	a->usage_kb = a->limit_kb = OOM_UNKNOWN;
}

/* "memory: usage 524288kB, limit 524288kB, failcnt 42": the memory
 * cgroup's report (mem_cgroup_print_oom_meminfo), printed before the kill. */
static bool parse_memcg_usage(const char *msg, size_t len, int64_t *usage, int64_t *limit)
{
	char buf[128];
	long long u, l;

	if (len < 15 || len >= sizeof(buf) || memcmp(msg, "memory: usage ", 14) != 0)
		return false;
	memcpy(buf, msg, len);
	buf[len] = '\0';
	if (sscanf(buf, "memory: usage %lldkB, limit %lldkB", &u, &l) != 2)
		return false;
	*usage = u;
	*limit = l;
	return true;
}

int oom_asm_feed(struct oom_asm *a, const char *msg, size_t len, int64_t ts_us,
                 struct oom_kill *ret)
{
	struct oom_kill line = {.uid = OOM_UNKNOWN};

	if (parse_memcg_usage(msg, len, &a->usage_kb, &a->limit_kb))
		return 0;
	switch (oom_parse_line(msg, len, &line)) {
	case OOM_LINE_SUMMARY: {
		struct oom_kill *slot = &a->pending[a->next++ % OOM_PENDING];
		if (slot->pid != 0)
			a->unmatched++;
		*slot = line;
		slot->ts_us = ts_us;
		return 0;
	}
	case OOM_LINE_KILLED:
		break;
	default:
		return 0;
	}
	/* The newest summary for this pid: the kernel prints it just before. */
	for (unsigned i = 0; i < OOM_PENDING; i++) {
		struct oom_kill *s = &a->pending[(a->next - 1 - i) % OOM_PENDING];
		if (s->pid != line.pid)
			continue;
		memcpy(line.constraint, s->constraint, sizeof(line.constraint));
		memcpy(line.oom_memcg, s->oom_memcg, sizeof(line.oom_memcg));
		memcpy(line.task_memcg, s->task_memcg, sizeof(line.task_memcg));
		if (line.uid == OOM_UNKNOWN)
			line.uid = s->uid;
		line.have_summary = true;
		s->pid = 0;
		break;
	}
	line.ts_us = ts_us;
	line.memcg_usage_kb = a->usage_kb;
	line.memcg_limit_kb = a->limit_kb;
	a->usage_kb = a->limit_kb = OOM_UNKNOWN;
	*ret = line;
	return 1;
}
