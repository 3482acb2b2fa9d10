#!/bin/bash
# gen-events.sh FIRST_SERIAL COUNT: COUNT distinct synthetic kill events as
# auditd log lines (each from another sender pid, so none coalesce), for the
# tests that fill a disk or swap a database under a `--source stdin` daemon.
first=$1 count=$2
awk -v first="$first" -v count="$count" 'BEGIN {
	for (i = 0; i < count; i++) {
		s = first + i; pid = 100000 + s % 800000; t = 1795317000 + int(s / 1000)
		h = sprintf("msg=audit(%d.%03d:%d):", t, s % 1000, s)
		printf "type=SYSCALL %s arch=c000003e syscall=62 success=yes exit=0 a0=%x a1=9 a2=0 a3=0 items=0 ppid=1 pid=%d auid=1000 uid=1000 gid=1000 euid=1000 suid=1000 fsuid=1000 egid=1000 sgid=1000 fsgid=1000 tty=pts0 ses=1 comm=\"cleanup\" exe=\"/usr/bin/bash\" key=\"sigtrail\"\n", h, pid + 1, pid
		printf "type=OBJ_PID %s opid=%d oauid=1000 ouid=1000 oses=1 ocomm=\"worker\"\n", h, pid + 1
		printf "type=PROCTITLE %s proctitle=\"bash cleanup.sh --all --really-all %d\"\n", h, s
		printf "type=EOE %s \n", h
	}
}'
