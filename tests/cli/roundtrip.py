#!/usr/bin/env python3
"""roundtrip.py FORMAT EXPORT_FILE DB [VIEW]: read a `sigtrail export` with a
real parser (python's csv or json module) and check that it holds exactly
the rows of the database's `signals` view (or VIEW: `deaths` for
`export --deaths`), in (epoch_ms, id) order.

Text the database holds as invalid UTF-8 must appear as the four characters
\\xNN (sigtrail's convention), so it is never dropped. CSV text fields must be
safe in a spreadsheet: none may start (after spaces) with = + - @ TAB CR LF
or their full-width forms unless guarded by a leading ', which is stripped
(exactly one) before comparing; and safe in a terminal (`cat export.csv`):
control characters but tab and line breaks appear as the text \\xNN, and
C1 controls, bidirectional, zero-width and line-separator characters as
\\uXXXX (JSON keeps them, escaped, as the same string). Prints "ok ROWS" or
the first difference, exit status 0 or 1."""
import codecs
import csv
import json
import sqlite3
import sys

codecs.register_error(
    "sigtrail", lambda e: ("".join("\\x%02X" % b for b in e.object[e.start:e.end]), e.end))

TRIGGERS = "=+-@\t\r\n\uff1d\uff0b\uff0d\uff20"


def deceptive(ch):
    cp = ord(ch)
    return (0x80 <= cp <= 0x9f or cp == 0x061c or 0x200b <= cp <= 0x200f
            or 0x2028 <= cp <= 0x202e or 0x2060 <= cp <= 0x2069 or cp == 0xfeff)


def csv_text(w):
    """What sigtrail's CSV writer shows of the text w."""
    out = []
    for ch in w:
        if (ord(ch) < 0x20 and ch not in "\t\n\r") or ord(ch) == 0x7f:
            out.append("\\x%02X" % ord(ch))
        elif deceptive(ch):
            out.append("\\u%04X" % ord(ch))
        else:
            out.append(ch)
    return "".join(out)


def expected_rows(db, view):
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    con.text_factory = bytes
    cur = con.execute("select * from %s order by epoch_ms, id" % view)
    cols = [d[0] for d in cur.description]
    rows = []
    for r in cur:
        rows.append([v.decode("utf-8", "sigtrail") if isinstance(v, bytes) else v for v in r])
    return cols, rows


def fail(msg):
    print("not equal: " + msg)
    sys.exit(1)


def check_csv(path, cols, rows):
    with open(path, newline="", encoding="utf-8") as f:  # also checks: valid UTF-8
        data = list(csv.reader(f, strict=True))
    if data[0] != cols:
        fail("header %r != %r" % (data[0], cols))
    if len(data) - 1 != len(rows):
        fail("%d rows, database has %d" % (len(data) - 1, len(rows)))
    for n, (got, want) in enumerate(zip(data[1:], rows)):
        for c, g, w in zip(cols, got, want):
            if w is None:
                ok = g == ""
            elif isinstance(w, int):
                ok = g == str(w)
            else:
                if g.lstrip(" ")[:1] in tuple(TRIGGERS):
                    fail("row %d %s: %r would run in a spreadsheet" % (n, c, g))
                if g.startswith("'"):
                    g = g[1:]
                w = csv_text(w)
                ok = g == w
            if not ok:
                fail("row %d column %s: got %r, want %r" % (n, c, g, w))


def compare_objects(objs, cols, rows):
    if len(objs) != len(rows):
        fail("%d rows, database has %d" % (len(objs), len(rows)))
    for n, (o, want) in enumerate(zip(objs, rows)):
        if list(o.keys()) != cols:
            fail("row %d keys %r" % (n, list(o.keys())))
        for c, w in zip(cols, want):
            if o[c] != w:
                fail("row %d column %s: got %r, want %r" % (n, c, o[c], w))


def main():
    fmt, path, db = sys.argv[1:4]
    view = sys.argv[4] if len(sys.argv) > 4 else "signals"
    if view not in ("signals", "deaths"):
        fail("unknown view %r" % view)
    cols, rows = expected_rows(db, view)
    if fmt == "csv":
        check_csv(path, cols, rows)
    elif fmt == "jsonl":
        with open(path, encoding="utf-8") as f:
            objs = [json.loads(line) for line in f]
        compare_objects(objs, cols, rows)
    elif fmt == "json":
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        if doc["row_count"] != len(doc["rows"]):
            fail("row_count %d but %d rows" % (doc["row_count"], len(doc["rows"])))
        compare_objects(doc["rows"], cols, rows)
    print("ok %d" % len(rows))


main()
