/* test_cli_fmt.c: the CLI's text encodings (CSV with formula guard, JSON,
 * HTML, Markdown, terminal) and its time parsing and printing. Pure
 * functions, no database. Run: meson test -C /tmp/cli-build cli_fmt */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../unit/tap.h"
#include "cli_fmt.h"

/* Run one writer into a memory buffer and return what it wrote (static). */
static const char *capture(void (*fn)(FILE *, const char *), const char *in)
{
	static char *buf;
	size_t len = 0;

	free(buf);
	buf = NULL;
	FILE *m = open_memstream(&buf, &len);
	fn(m, in);
	fclose(m);
	return buf;
}

static void csv_text(FILE *f, const char *s)
{
	cli_csv_field(f, s, true);
}

static void csv_num(FILE *f, const char *s)
{
	cli_csv_field(f, s, false);
}

static void test_utf8(void)
{
	is_int(cli_utf8_len((const unsigned char *)"a", 1), 1, "ASCII is one byte");
	is_int(cli_utf8_len((const unsigned char *)"\xc3\xa9", 2), 2, "é is two");
	is_int(cli_utf8_len((const unsigned char *)"\xe2\x82\xac", 3), 3, "€ is three");
	is_int(cli_utf8_len((const unsigned char *)"\xf0\x9f\x92\x80", 4), 4, "emoji is four");
	is_int(cli_utf8_len((const unsigned char *)"\xc0\xaf", 2), 0, "overlong / is invalid");
	is_int(cli_utf8_len((const unsigned char *)"\xed\xa0\x80", 3), 0, "surrogate is invalid");
	is_int(cli_utf8_len((const unsigned char *)"\xf4\x90\x80\x80", 4), 0, "> U+10FFFF invalid");
	is_int(cli_utf8_len((const unsigned char *)"\xe2\x82", 2), 0, "truncated sequence");
	is_int(cli_utf8_len((const unsigned char *)"\xff", 1), 0, "0xff is never UTF-8");
}

static void test_csv(void)
{
	is_str(capture(csv_text, "plain"), "\"plain\"", "text is quoted");
	is_str(capture(csv_text, "a \"b\", c"), "\"a \"\"b\"\", c\"", "quotes doubled");
	is_str(capture(csv_text, "a\r\nb"), "\"a\r\nb\"", "line breaks kept inside quotes");
	is_str(capture(csv_num, "-1"), "-1", "numbers bare, a negative one too");
	is_str(capture(csv_num, NULL), "", "NULL is an empty field");
	is_str(capture(csv_text, "=1+1"), "\"'=1+1\"", "= guarded");
	is_str(capture(csv_text, "+1"), "\"'+1\"", "+ guarded");
	is_str(capture(csv_text, "-2+3+cmd|' /C calc'!A0"), "\"'-2+3+cmd|' /C calc'!A0\"",
	       "- guarded");
	is_str(capture(csv_text, "@SUM(A1)"), "\"'@SUM(A1)\"", "@ guarded");
	is_str(capture(csv_text, "\t=x"), "\"'\t=x\"", "TAB guarded");
	is_str(capture(csv_text, "\r=x"), "\"'\r=x\"", "CR guarded");
	is_str(capture(csv_text, "  =x"), "\"'  =x\"", "spaces then = guarded");
	is_str(capture(csv_text, "'quoted"), "\"''quoted\"",
	       "a leading ' is doubled, so stripping one is exact");
	is_str(capture(csv_text, "\xef\xbc\x9d"
	                         "1+1"),
	       "\"'\xef\xbc\x9d"
	       "1+1\"",
	       "full-width = guarded");
	is_str(capture(csv_text, "a=b"), "\"a=b\"", "= inside is harmless");
	is_str(capture(csv_text, "red\x1b[31m\a\tx\ny"), "\"red\\x1B[31m\\x07\tx\ny\"",
	       "ESC and BEL as text even inside quotes (cat export.csv runs nothing); tab and "
	       "newline kept");
	is_str(capture(csv_text, "evil\xc2\x9b"
	                         "31m \xe2\x80\xaetxt.exe"),
	       "\"evil\\u009B31m \\u202Etxt.exe\"", "C1 CSI and a right-to-left override as text");
	is_str(capture(csv_text, "bad\xff"
	                         "byte"),
	       "\"bad\\xFFbyte\"", "invalid UTF-8 as \\xNN");
}

static void test_json(void)
{
	is_str(capture(cli_json_string, NULL), "null", "NULL is null");
	is_str(capture(cli_json_string, "a\"b\\c"), "\"a\\\"b\\\\c\"", "quote and backslash");
	is_str(capture(cli_json_string, "l1\nl2\tx\r\x01\x7f"), "\"l1\\nl2\\tx\\r\\u0001\\u007F\"",
	       "controls escaped");
	is_str(capture(cli_json_string, "caf\xc3\xa9 \xe2\x80\xa8"), "\"caf\xc3\xa9 \\u2028\"",
	       "UTF-8 kept, U+2028 escaped");
	is_str(capture(cli_json_string, "a\xc2\x9b"
	                                "b\xe2\x80\x8b"
	                                "c\xef\xbb\xbf"),
	       "\"a\\u009Bb\\u200Bc\\uFEFF\"",
	       "JSON: C1, zero-width and BOM as \\u escapes (same string)");
	is_str(capture(cli_json_string, "x\xc0y"), "\"x\\\\xC0y\"",
	       "invalid byte becomes the text \\xC0");
}

static void test_html_md(void)
{
	is_str(capture(cli_html_text, "<script>alert('x')</script>&\""),
	       "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;", "HTML escaped");
	is_str(capture(cli_html_text, "a\x1b[31m"), "a\\x1B[31m", "escape sequence defused");
	is_str(capture(cli_html_text, "gpj\xe2\x80\xae.exe"), "gpj\\u202E.exe",
	       "HTML: a bidi override as text, not reordering the page");
	is_str(capture(cli_md_text, "a\xe2\x81\xa6"
	                            "b"),
	       "a\\\\u2066b", "Markdown: an isolate as text");
	is_str(capture(cli_md_text, "a|b`c*d_<i>"), "a\\|b\\`c\\*d\\_&lt;i&gt;",
	       "Markdown table cell escaped");
	is_str(capture(cli_md_text, "x\ny"), "x y", "line break becomes a space");
}

static void test_term(void)
{
	char buf[64];

	is_int(cli_term_text(buf, sizeof(buf), "hello", 0), 5, "5 characters");
	is_str(buf, "hello", "unchanged");
	cli_term_text(buf, sizeof(buf), "hello world", 8);
	is_str(buf, "hello...", "cut to 8 with ...");
	is_int(cli_term_text(buf, sizeof(buf),
	                     "ng\xe2\x80\x8binx \xc2\x9b"
	                     "2J \xe2\x80\xae",
	                     0),
	       27, "terminal: zero-width space, C1 CSI, RLO each six characters of text");
	is_str(buf, "ng\\u200Binx \\u009B2J \\u202E", "terminal: shown as \\uXXXX, never raw");
	cli_term_text(buf, sizeof(buf), "h\xc3\xa9llo w", 6);
	is_str(buf, "h\xc3\xa9l...", "cut counts characters, not bytes");
	cli_term_text(buf, sizeof(buf), "a\x1b]0;x\x07", 0);
	is_str(buf, "a\\x1B]0;x\\x07", "terminal escapes defused");
	cli_term_text(buf, 6, "abcdefghij", 0);
	is_str(buf, "abcde", "bounded by the buffer");
	cli_term_text(buf, sizeof(buf), NULL, 0);
	is_str(buf, "", "NULL is empty");
}

static void test_time(void)
{
	const int64_t now = INT64_C(1795320453532); /* 2026-11-22T04:07:33.532Z */
	int64_t t = 0;
	char buf[64];

	setenv("TZ", "Europe/Berlin", 1);
	tzset();
	ok(cli_time_parse("2h", now, false, &t) == 0 && t == now - 7200000, "2h");
	ok(cli_time_parse("30m", now, false, &t) == 0 && t == now - 1800000, "30m");
	ok(cli_time_parse("1h30m", now, false, &t) == 0 && t == now - 5400000, "1h30m");
	ok(cli_time_parse("7d", now, false, &t) == 0 && t == now - 7 * 86400000LL, "7d");
	ok(cli_time_parse("now", now, false, &t) == 0 && t == now, "now");
	ok(cli_time_parse("2026-11-21", now, true, &t) == 0 && t == 1795219200000LL,
	   "a date with --utc is UTC midnight");
	ok(cli_time_parse("2026-11-21", now, false, &t) == 0 && t == 1795215600000LL,
	   "a date is local midnight (CET = UTC+1)");
	ok(cli_time_parse("2026-11-21 10:00", now, false, &t) == 0 && t == 1795251600000LL,
	   "'2026-11-21 10:00' local");
	ok(cli_time_parse("2026-11-21T10:00:05.250Z", now, false, &t) == 0 && t == 1795255205250LL,
	   "ISO-8601 with Z and milliseconds");
	ok(cli_time_parse("2026-11-21T12:00+02:00", now, false, &t) == 0 && t == 1795255200000LL,
	   "ISO-8601 with +02:00");
	ok(cli_time_parse("2026-11-21T12:00:00+0200", now, false, &t) == 0 && t == 1795255200000LL,
	   "+0200");
	ok(cli_time_parse("@1795320453", now, false, &t) == 0 && t == 1795320453000LL, "@EPOCH");
	ok(cli_time_parse("today", now, false, &t) == 0 && t == 1795302000000LL,
	   "today: local midnight");
	ok(cli_time_parse("yesterday", now, true, &t) == 0 && t == 1795219200000LL,
	   "yesterday --utc");
	t = 42;
	is_int(cli_time_parse("2026-02-30", now, true, &t), -EINVAL, "Feb 30 refused");
	is_int(t, 42, "*ret untouched on error");
	is_int(cli_time_parse("2026-03-29 02:30", now, false, &t), -EINVAL,
	       "a local time skipped by DST refused");
	is_int(cli_time_parse("2h ago", now, false, &t), -EINVAL, "trailing words refused");
	is_int(cli_time_parse("2x", now, false, &t), -EINVAL, "unknown unit refused");
	is_int(cli_time_parse("", now, false, &t), -EINVAL, "empty refused");
	is_int(cli_time_parse("h", now, false, &t), -EINVAL, "unit without number refused");
	is_int(cli_time_parse("2026-11-21 25:00", now, false, &t), -EINVAL, "hour 25 refused");
	is_int(cli_time_parse("2026-11-21T10:00Zjunk", now, false, &t), -EINVAL,
	       "junk after the zone refused");
	is_int(cli_time_parse("99999999999999999999s", now, false, &t), -ERANGE,
	       "huge duration is out of range");

	cli_time_iso(now, buf, sizeof(buf));
	is_str(buf, "2026-11-22T04:07:33.532Z", "ISO UTC with milliseconds");
	cli_time_fmt(now, true, buf, sizeof(buf));
	is_str(buf, "2026-11-22 04:07:33.532", "UTC display");
	cli_time_fmt(now, false, buf, sizeof(buf));
	is_str(buf, "2026-11-22 05:07:33.532", "local display (CET)");
	cli_time_zone(now, false, buf, sizeof(buf));
	is_str(buf, "CET, UTC+01:00", "zone named");
	cli_time_zone(now, true, buf, sizeof(buf));
	is_str(buf, "UTC", "UTC named");
	cli_time_iso(-1, buf, sizeof(buf));
	is_str(buf, "1969-12-31T23:59:59.999Z", "negative times floor correctly");
	cli_time_iso(INT64_MIN, buf, sizeof(buf));
	is_str(buf, "(invalid time)", "an open bound prints a marker, not an overflow");
	cli_time_fmt(INT64_MAX, false, buf, sizeof(buf));
	is_str(buf, "(invalid time)", "likewise at the other end");

	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);
	cli_time_short(m, now, true);
	fputc('|', m);
	cli_time_short(m, now, false);
	fclose(m);
	is_str(text, "2026-11-22 04:07:33Z|2026-11-22 05:07:33 CET",
	       "short times: to the second, Z in UTC, the zone's name in local time");
	free(text);
}

int main(void)
{
	test_utf8();
	test_csv();
	test_json();
	test_html_md();
	test_term();
	test_time();
	return tap_done();
}
