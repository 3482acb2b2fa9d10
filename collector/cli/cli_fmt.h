/* Text encodings of the CLI's outputs: CSV, JSON, HTML, Markdown and the
 * terminal, and the times it reads and prints. Pure functions over stdio
 * streams and buffers, tested by tests/cli/test_cli_fmt.c. Strings from the
 * database are UTF-8 with control bytes escaped (see decode.h), but these
 * functions do not rely on it: invalid UTF-8 becomes the four characters
 * "\xNN" (the store's own convention), so nothing is dropped silently and
 * every output stays valid UTF-8. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Length of the valid UTF-8 sequence at s[0..n), or 0 if s[0] does not
 * start one (overlong forms, surrogates and values above U+10FFFF are
 * invalid). n must be > 0. */
size_t cli_utf8_len(const unsigned char *s, size_t n);

/* The code point of the valid UTF-8 sequence s[0..len) when it is one a
 * terminal acts on or that hides or reorders text from a reader's eye, else
 * 0: the C1 controls (U+0080-U+009F, 8-bit forms of ESC and CSI), the
 * bidirectional marks, embeddings, overrides and isolates (U+061C,
 * U+200E-U+200F, U+202A-U+202E, U+2066-U+2069), the zero-width characters
 * and invisible operators (U+200B-U+200D, U+2060-U+2064, U+FEFF) and the line and paragraph
 * separators (U+2028, U+2029). Every text writer prints these as the text \uXXXX: every user
 * controls their own process titles and comm. */
uint32_t cli_deceptive(const unsigned char *s, size_t len);

/* One CSV field (RFC 4180). NULL writes an empty field. Numbers
 * (`is_text` false) are written as they are. Text is always quoted, with
 * quotes doubled; a value that a spreadsheet would run as a formula (its
 * first character, after any spaces, is = + - @ TAB CR LF or their
 * full-width forms) or that starts with ' gets a leading ', which
 * spreadsheets hide: strip exactly one leading ' from a text field to get
 * the stored value back. */
void cli_csv_field(FILE *out, const char *s, bool is_text);

/* A JSON string literal ("..." with escapes), or null for NULL. Control
 * characters, DEL, U+2028 and U+2029 are \u-escaped. */
void cli_json_string(FILE *out, const char *s);

/* Text for HTML element content or a quoted attribute value. */
void cli_html_text(FILE *out, const char *s);

/* Text for a Markdown table cell: Markdown and HTML syntax escaped, line
 * breaks as spaces. NULL writes nothing. */
void cli_md_text(FILE *out, const char *s);

/* Text for a terminal: control characters and invalid UTF-8 as \xNN, cut to
 * `width` characters (0: no limit) with "..." marking the cut. Writes at most
 * size - 1 bytes and a NUL to out; returns the characters it represents. */
size_t cli_term_text(char *out, size_t size, const char *s, size_t width);

/* A terminal cell (list, watch): `s` (NULL: "-") made terminal-safe, cut to
 * `width` characters (at most 250) and padded to it, right-aligned if `right`, then one
 * space. Can't fail. */
void cli_cell(FILE *out, const char *s, size_t width, bool right);

/* Times. "Local" is the TZ environment's zone. */

/* Parse a time: "now", "today", "yesterday", "@EPOCH_SECONDS", a duration
 * back from now ("90s", "30m", "2h", "7d", "2w", "1h30m"), or a date and time
 * "2026-11-21", "2026-11-21 10:00", "2026-11-21T10:00:05.250", with an
 * optional zone "Z", "+02:00", "+0200", "-05". Without a zone it is local
 * time, or UTC when `utc`. Returns 0 and sets *ret_ms, or -EINVAL (also for
 * dates that do not exist, such as 2026-02-30 or a local time skipped by a
 * DST change) or -ERANGE, leaving *ret_ms untouched. */
int cli_time_parse(const char *s, int64_t now_ms, bool utc, int64_t *ret_ms);

/* "2026-11-22 04:07:33.532" in UTC or local time. Can't fail. */
void cli_time_fmt(int64_t ms, bool utc, char *buf, size_t size);

/* "2026-11-22T04:07:33.532Z". Can't fail. Both print "(invalid time)" for
 * a time beyond the year 10000 either way (cli_time_valid()). */
void cli_time_iso(int64_t ms, char *buf, size_t size);

/* Is ms a time the CLI can print (within 10,000 years of the epoch)? A
 * database is input like any other: a crafted epoch_ms or heartbeat_ms of
 * INT64_MIN must not overflow the arithmetic on times. */
bool cli_time_valid(int64_t ms);

/* ms brought into the printable range, for a time read from a database
 * before any arithmetic on it. */
int64_t cli_time_clamp(int64_t ms);

/* The zone a time is printed in: "UTC", or "CET, UTC+01:00". Can't fail. */
void cli_time_zone(int64_t ms, bool utc, char *buf, size_t size);

/* "2026-11-22 03:12:44Z" in UTC, or "2026-11-22 04:12:44 CET" local: to the
 * second, for sentences (the verdicts). Can't fail. */
void cli_time_short(FILE *out, int64_t ms, bool utc);
