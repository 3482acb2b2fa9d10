/* test_forward_copy.c: the forwarder's COPY text encoding
 * (collector/forward/copy.c) and its reconnection backoff (pg.c): the bytes
 * COPY would misread are escaped, text that is not UTF-8 becomes U+FFFD,
 * valid UTF-8 passes untouched, and the backoff grows, is capped and
 * jittered. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "forward.h"
#include "tap.h"

/* The COPY field of n bytes s, as a NUL-terminated string (static). */
static const char *field(const char *s, size_t n)
{
	static char out[256];
	struct fwd_buf b = {0};

	if (fwd_copy_text(&b, s, n) < 0 || b.len >= sizeof(out))
		return "(failed)";
	memcpy(out, b.p, b.len);
	out[b.len] = '\0';
	fwd_buf_free(&b);
	return out;
}

int main(void)
{
	is_str(field("plain text", 10), "plain text", "plain text unchanged");
	is_str(field("a\tb\nc\rd\\e", 9), "a\\tb\\nc\\rd\\\\e",
	       "tab, newline, CR, backslash escaped");
	is_str(field("\x01\x1b[31m\x7f", 7), "\\x01\\x1b[31m\\x7f", "other controls as \\xNN");
	is_str(field("a\0b", 3),
	       "a\xef\xbf\xbd"
	       "b",
	       "a NUL byte becomes U+FFFD");
	is_str(field("\xc3\xa9 \xf0\x9f\x92\x80 \xe2\x80\xa8", 11),
	       "\xc3\xa9 \xf0\x9f\x92\x80 \xe2\x80\xa8", "valid UTF-8 (2, 4 and 3 bytes) passes");
	is_str(field("bad\xff \xc0\xaf end", 11), "bad\xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd end",
	       "invalid bytes and an overlong form become U+FFFD each");
	is_str(field("\xed\xa0\x80", 3), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd",
	       "a surrogate is not UTF-8");
	is_str(field("\xe2\x82", 2), "\xef\xbf\xbd\xef\xbf\xbd", "a sequence cut at the end");

	struct fwd_buf b = {0};
	ok(fwd_copy_int(&b, INT64_MIN) == 0 && fwd_copy_sep(&b) == 0 && fwd_copy_null(&b) == 0 &&
	       fwd_copy_end_row(&b) == 0,
	   "a row of an integer and a NULL");
	ok(b.len == strlen("-9223372036854775808\t\\N\n") &&
	       memcmp(b.p, "-9223372036854775808\t\\N\n", b.len) == 0,
	   "INT64_MIN, a tab, \\N, a newline");
	fwd_buf_free(&b);

	ok(fwd_backoff_ms(0, 60000, 0) == 250 && fwd_backoff_ms(0, 60000, 250) == 500,
	   "first wait: 250 to 500 ms");
	ok(fwd_backoff_ms(3, 60000, 0) == 2000, "doubles per attempt (4000 ms step: 2000 to 4000)");
	int64_t hi = 0;
	for (uint64_t r = 0; r < 100000; r += 997)
		if (fwd_backoff_ms(30, 60000, r) > hi)
			hi = fwd_backoff_ms(30, 60000, r);
	ok(hi <= 60000 && fwd_backoff_ms(30, 60000, 0) == 30000, "capped at the maximum");
	ok(fwd_backoff_ms(5, 60000, 1) != fwd_backoff_ms(5, 60000, 7777), "jittered");
	return tap_done();
}
