/* A fake /proc tree for the unit tests of the process table: one directory
 * per process with the files procfs.c reads, written as the kernel writes
 * them (stat with its 52 fields, comm, status with Uid/Tgid/NSpid, a
 * NUL-separated cmdline, exe and ns/pid symlinks, cgroup). */
#pragma once

#define _XOPEN_SOURCE_EXTENDED 1
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char fake_root[64];

struct fake_proc {
	int pid, ppid, tgid, nspid;
	const char *comm;
	char state;
	unsigned long long start;
	int uid;
	const char *cmdline; /* NULs written as '|' here, turned into NULs */
	const char *exe;     /* NULL: no exe link (a kernel thread, or no permission) */
	const char *cgroup;
	unsigned long long pidns;
	int exit_code; /* stat's field 52 (the wait status, of a zombie) */
};

static void fake_write(const char *dir, const char *name, const char *data, size_t n)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(2);
	}
	fwrite(data, 1, n, f);
	fclose(f);
}

static void fake_add(const struct fake_proc *p)
{
	char dir[128], buf[1024], path[256];
	int n;

	snprintf(dir, sizeof(dir), "%s/%d", fake_root, p->pid);
	mkdir(dir, 0755);
	snprintf(path, sizeof(path), "%s/ns", dir);
	mkdir(path, 0755);
	n = snprintf(
	    buf, sizeof(buf),
	    "%d (%s) %c %d %d %d 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 %llu 1000 100 "
	    "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 %d\n",
	    p->pid, p->comm, p->state ? p->state : 'S', p->ppid, p->pid, p->pid, p->start,
	    p->exit_code);
	fake_write(dir, "stat", buf, (size_t)n);
	n = snprintf(buf, sizeof(buf), "%s\n", p->comm);
	fake_write(dir, "comm", buf, (size_t)n);
	n = snprintf(buf, sizeof(buf),
	             "Name:\t%s\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t%d\nNgid:\t0\n"
	             "Pid:\t%d\nPPid:\t%d\nUid:\t%d\t%d\t%d\t%d\nGid:\t0\t0\t0\t0\n"
	             "NSpid:\t%d%s%.0d\n",
	             p->comm, p->tgid ? p->tgid : p->pid, p->pid, p->ppid, p->uid, p->uid, p->uid,
	             p->uid, p->pid, p->nspid ? "\t" : "", p->nspid);
	fake_write(dir, "status", buf, (size_t)n);
	if (p->cmdline) {
		n = snprintf(buf, sizeof(buf), "%s", p->cmdline);
		for (int i = 0; i < n; i++)
			if (buf[i] == '|')
				buf[i] = '\0';
		fake_write(dir, "cmdline", buf, (size_t)n);
	} else {
		fake_write(dir, "cmdline", "", 0);
	}
	fake_write(dir, "cgroup", p->cgroup ? p->cgroup : "0::/\n",
	           strlen(p->cgroup ? p->cgroup : "0::/\n"));
	snprintf(path, sizeof(path), "%s/exe", dir);
	unlink(path);
	if (p->exe && symlink(p->exe, path) < 0)
		perror("symlink");
	snprintf(path, sizeof(path), "%s/ns/pid", dir);
	snprintf(buf, sizeof(buf), "pid:[%llu]", p->pidns ? p->pidns : 4026531836ULL);
	unlink(path);
	if (symlink(buf, path) < 0)
		perror("symlink");
}

static int fake_rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

__attribute__((unused)) static void fake_del(int pid)
{
	char dir[128];
	snprintf(dir, sizeof(dir), "%s/%d", fake_root, pid);
	nftw(dir, fake_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void fake_init(void)
{
	snprintf(fake_root, sizeof(fake_root), "/tmp/sigtrail-fakeproc.XXXXXX");
	if (!mkdtemp(fake_root)) {
		perror("mkdtemp");
		exit(2);
	}
}

static void fake_cleanup(void)
{
	nftw(fake_root, fake_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}
