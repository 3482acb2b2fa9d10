#!/usr/bin/env python3
"""ausearch_signals.py LOG: the signal events the real ausearch finds in an
auditd log, as lines "serial sender_pid target_pid signal" (target "NULL"
when the call reached nobody), one per (event, target), sorted.

ausearch does the finding and the grouping: it is asked, for each ABI of
x86_64 (--arch b64, b32) and each signal syscall (-sc NAME, translated with
that ABI's table), for the matching events in raw form. This script only
reads fields out of the records ausearch returns: the SYSCALL record's pid
and the signal argument (a1, or a2 for tgkill and rt_tgsigqueueinfo), and
each OBJ_PID record's opid."""
import re
import subprocess
import sys

SIG_ARG = {"kill": "a1", "tkill": "a1", "tgkill": "a2", "rt_sigqueueinfo": "a1",
           "rt_tgsigqueueinfo": "a2", "pidfd_send_signal": "a1"}
SERIAL = re.compile(r"msg=audit\([0-9.]+:([0-9]+)\)")


def field(record, name):
    m = re.search(r"(?:^| )%s=(\S+)" % name, record)
    return m.group(1) if m else None


def main():
    log = sys.argv[1]
    rows = set()
    for arch in ("b64", "b32"):
        for sc, arg in SIG_ARG.items():
            res = subprocess.run(["ausearch", "--input", log, "--arch", arch, "-sc", sc, "--raw"],
                                 capture_output=True, text=True, errors="surrogateescape")
            if res.returncode not in (0, 1):  # 1: no matches
                sys.exit("ausearch failed: %s" % res.stderr)
            events = {}
            for line in res.stdout.splitlines():
                m = SERIAL.search(line)
                if m:
                    events.setdefault(int(m.group(1)), []).append(line)
            for serial, records in events.items():
                sysc = [r for r in records if "type=SYSCALL " in r]
                if len(sysc) != 1:
                    sys.exit("event %d: %d SYSCALL records" % (serial, len(sysc)))
                pid = int(field(sysc[0], "pid"))
                sig = int(field(sysc[0], arg), 16)
                targets = [int(field(r, "opid")) for r in records if "type=OBJ_PID " in r]
                for t in targets or ["NULL"]:
                    rows.add((serial, pid, t, sig))
    for r in sorted(rows, key=lambda r: (r[0], r[1], str(r[2]), r[3])):
        print(*r)


main()
