#!/usr/bin/env python3
"""pidsearch.py DB [N]: a search by target pid on a sigtrail database, the
block index alone (schema 21) against the eras (schema 22's pid_eras and
the blocks after them, include/sigtrail/schema.h SCHEMA_PID_IDS), in one
connection with the writer's 64 MiB page cache, as the deaths' attribution
runs it on the writer thread: the rows of each of N random pids (default
400) in the 10 s before the newest row. Alternates old, new, old, new; the
first pass of each warms the cache. Read-only."""
import os
import random
import re
import sqlite3
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def pid_ids_sql():
    """SCHEMA_PID_IDS("?1") as the C preprocessor would write it."""
    with open(os.path.join(HERE, "..", "..", "include", "sigtrail", "schema.h")) as f:
        text = f.read()
    macro = text[text.index("#define SCHEMA_PID_IDS(PID)"):]
    macro = macro[: macro.index("\n\n")].split("\n", 1)[1]
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"|(SCHEMA_PID_ERA_SHIFT_S)|(PID)', macro)
    return "".join(a if a else ("22" if b else "?1") for a, b, _ in parts)


def main():
    db, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 400
    tail = " AND r.epoch_ms BETWEEN ?2 AND ?3 ORDER BY r.epoch_ms DESC, r.id DESC LIMIT 8"
    old = "SELECT r.id FROM signal_rows AS r WHERE r.target_pid = ?1" + tail
    new = "SELECT r.id FROM signal_rows AS r WHERE r.id IN " + pid_ids_sql() + tail
    c = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    c.execute("PRAGMA cache_size = -65536")
    try:
        done = c.execute("SELECT group_concat(era) FROM pid_eras_done").fetchone()[0]
    except sqlite3.OperationalError:
        sys.exit("pidsearch.py: %s has no pid_eras (schema 22): nlfeed /dev/null %s "
                 "migrates it and copies them" % (db, db))
    now = c.execute("SELECT max(epoch_ms) FROM signal_rows").fetchone()[0]
    random.seed(1)
    pids = [random.randint(1, 4194304) for _ in range(n)]
    print("eras done: %s" % done)
    for name, sql in (("blocks", old), ("eras", new), ("blocks", old), ("eras", new)):
        start, rows = time.perf_counter(), 0
        for p in pids:
            rows += len(c.execute(sql, (p, now - 10000, now + 1000)).fetchall())
        ms = (time.perf_counter() - start) * 1000 / n
        print("%-6s %8.3f ms per search (%d rows)" % (name, ms, rows))


main()
