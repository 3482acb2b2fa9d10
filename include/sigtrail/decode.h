/* Decoding of audit field values and strict number parsing. Pure functions,
 * no allocation, covered by tests/unit/test_decode.c. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Decode one raw audit field value as the kernel wrote it: "quoted text", hex
 * bytes (the kernel's encoding for untrusted strings with spaces, quotes or
 * control bytes, and for PROCTITLE with NULs), or a bare word.
 * The result in `out` is NUL-terminated valid UTF-8: NUL bytes become single
 * spaces (they separate argv entries) and trailing ones are dropped; control
 * bytes, DEL and invalid UTF-8 become "\xNN" so nothing is lost and nothing can
 * drive a terminal. Output longer than out_size - 1 is truncated on a
 * character boundary.
 * Returns the output length, -ENOENT for "(null)"/"(none)"/empty, -EINVAL for
 * an unterminated quote or malformed hex. `out` holds "" on error. */
ssize_t decode_value(const char *raw, char *out, size_t out_size);

/* Escape arbitrary bytes into `out` as decode_value() does (NUL -> space,
 * controls and invalid UTF-8 -> \xNN, trailing spaces from NULs trimmed).
 * Returns the output length. Can't fail; truncates like decode_value(). */
size_t decode_escape_bytes(const unsigned char *in, size_t n, char *out, size_t out_size);

/* Strict integer parsing: the whole string must be a number in `base`
 * (10 or 16; base 10 accepts a leading '-'), within int64_t. Returns 0 and
 * sets *ret, or -EINVAL / -ERANGE leaving *ret untouched. */
int parse_i64(const char *s, int base, int64_t *ret);

/* Like parse_i64() but for the first `len` bytes of `s` (not NUL-terminated). */
int parse_i64_n(const char *s, size_t len, int base, int64_t *ret);

/* A syscall argument as audit prints it: a 64-bit register in hex, 1 to 16
 * digits, no sign ("ffffffffffffcd01" is a sign-extended -13055). Returns 0
 * and sets *ret, or -EINVAL / -ERANGE leaving *ret untouched. */
int parse_reg(const char *s, uint64_t *ret);
