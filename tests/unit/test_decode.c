/* Unit tests for decode.c: audit value decoding and strict number parsing. */
#include <errno.h>

#include "sigtrail/decode.h"
#include "tap.h"

static const char *dec(const char *raw)
{
	static char out[256];
	ssize_t n = decode_value(raw, out, sizeof(out));
	return n < 0 ? NULL : out;
}

int main(void)
{
	char small[8];
	int64_t v = 42;

	is_str(dec("\"allsig\""), "allsig", "quoted value");
	is_str(dec("\"\""), "", "empty quoted value");
	is_str(dec("7368002D63006B696C6C202D392033393838"), "sh -c kill -9 3988",
	       "PROCTITLE hex: NULs between argv become spaces");
	is_str(dec("62617368002F6465762F66642F3300"), "bash /dev/fd/3", "trailing NUL dropped");
	is_str(dec("610000620000"), "a  b",
	       "consecutive NULs keep one space each, trailing ones go");
	is_str(dec("6c730a1b5b326a"), "ls\\x0a\\x1b[2j", "newline and ESC escaped, not executed");
	is_str(dec("ff41"), "\\xffA", "invalid UTF-8 byte escaped");
	is_str(dec("c3a9"), "\xc3\xa9", "valid UTF-8 kept");
	is_str(dec("e282"), "\\xe2\\x82", "truncated UTF-8 sequence escaped byte by byte");
	is_str(dec("c0af"), "\\xc0\\xaf", "overlong UTF-8 rejected");
	is_str(dec("7f"), "\\x7f", "DEL escaped");
	is_str(dec("pts0"), "pts0", "bare word kept");
	is_str(dec("abc"), "abc", "odd-length hex-looking word is a bare word");
	ok(dec("(null)") == NULL, "(null) is absent");
	ok(dec("(none)") == NULL, "(none) is absent");
	ok(dec("") == NULL, "empty is absent");
	is_int(decode_value("\"unterminated", small, sizeof(small)), -EINVAL, "unterminated quote");
	is_str(small, "", "output empty on error");
	is_int(decode_value("\"abcdefghij\"", small, sizeof(small)), 7, "truncated to the buffer");
	is_str(small, "abcdefg", "truncated content");
	is_int(decode_value("\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"", small, sizeof(small)), 6,
	       "truncation on a UTF-8 boundary");
	is_int(decode_value("\"a\x01\x02\"", small, sizeof(small)), 5,
	       "an escape that does not fit is dropped whole");

	ok(parse_i64("4294967295", 10, &v) == 0 && v == 4294967295, "decimal");
	ok(parse_i64("-1", 10, &v) == 0 && v == -1, "negative decimal");
	ok(parse_i64("c000003e", 16, &v) == 0 && v == 0xc000003e, "hex");
	ok(parse_i64("fffff0af", 16, &v) == 0 && (int32_t)(uint32_t)v == -3921,
	   "hex a0 of a group kill is -PGID in 32 bits");
	v = 7;
	is_int(parse_i64("12x", 10, &v), -EINVAL, "trailing junk refused");
	is_int(v, 7, "output untouched on error");
	is_int(parse_i64("", 10, &v), -EINVAL, "empty refused");
	is_int(parse_i64("-", 10, &v), -EINVAL, "lone minus refused");
	is_int(parse_i64("-5", 16, &v), -EINVAL, "negative hex refused");
	is_int(parse_i64("9223372036854775808", 10, &v), -ERANGE, "overflow refused");
	ok(parse_i64("-9223372036854775808", 10, &v) == 0 && v == INT64_MIN, "INT64_MIN");
	is_int(parse_i64("10000000000000000", 16, &v), -ERANGE, "hex overflow refused");

	uint64_t r = 7;
	ok(parse_reg("ffffffffffffcd01", &r) == 0 && r == UINT64_C(0xffffffffffffcd01),
	   "a register: all 16 hex digits");
	ok((int32_t)(uint32_t)r == -13055, "whose low 32 bits are the sign-extended -13055");
	ok(parse_reg("0", &r) == 0 && r == 0, "one digit");
	r = 7;
	is_int(parse_reg("10000000000000000", &r), -ERANGE, "17 digits refused");
	is_int(parse_reg("", &r), -EINVAL, "empty register refused");
	is_int(parse_reg("-1", &r), -EINVAL, "a sign refused");
	is_int(parse_reg("12g", &r), -EINVAL, "a non-hex digit refused");
	is_int((int)r, 7, "output untouched on error");
	return tap_done();
}
