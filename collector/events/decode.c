/* decode.c: turns audit field values into text a person can read safely.
 * The kernel hex-encodes any string it does not trust (a comm with a space,
 * a PROCTITLE whose argv is separated by NULs), quotes the rest, and writes
 * numbers bare. Everything here is bounded by the caller's buffer. Exercise it
 * with `meson test -C build decode`. */
#include "sigtrail/decode.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "sigtrail/event.h"

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Length of the valid UTF-8 sequence at in[0..n), or 0 if it is not one.
 * Rejects overlong forms, surrogates and code points above U+10FFFF. */
static size_t utf8_seq_len(const unsigned char *in, size_t n)
{
	unsigned char c = in[0];
	size_t len;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((in[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (in[i] & 0x3f);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

size_t decode_escape_bytes(const unsigned char *in, size_t n, char *out, size_t out_size)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, keep = 0; /* keep: length without the trailing NUL-spaces */

	if (out_size == 0)
		return 0;
	for (size_t i = 0; i < n;) {
		unsigned char c = in[i];

		if (c >= 0x20 && c < 0x7f) { /* printable ASCII, nearly every byte */
			if (o + 1 >= out_size)
				break;
			out[o++] = (char)c;
			i++;
			keep = o;
			continue;
		}
		size_t len = utf8_seq_len(in + i, n - i);

		if (c == 0) {
			if (o + 1 >= out_size)
				break;
			out[o++] = ' ';
			i++;
			continue;
		}
		if (len == 0 || c < 0x20 || c == 0x7f) {
			if (o + 4 >= out_size)
				break;
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 0xf];
			i++;
		} else {
			if (o + len >= out_size)
				break;
			memcpy(out + o, in + i, len);
			o += len;
			i += len;
		}
		keep = o;
	}
	out[keep] = '\0';
	return keep;
}

ssize_t decode_value(const char *raw, char *out, size_t out_size)
{
	size_t n = strlen(raw);

	if (out_size == 0)
		return -EINVAL;
	out[0] = '\0';
	if (n == 0 || strcmp(raw, "(null)") == 0 || strcmp(raw, "(none)") == 0)
		return -ENOENT;
	if (raw[0] == '"') {
		if (n < 2 || raw[n - 1] != '"')
			return -EINVAL;
		return (ssize_t)decode_escape_bytes((const unsigned char *)raw + 1, n - 2, out,
		                                    out_size);
	}

	/* Unquoted: hex when every byte is a hex digit and the count is even
	 * (the kernel's audit_log_n_hex), otherwise a bare word such as "pts0". */
	bool is_hex = n % 2 == 0;
	for (size_t i = 0; i < n && is_hex; i++)
		is_hex = hexval((unsigned char)raw[i]) >= 0;
	if (!is_hex)
		return (ssize_t)decode_escape_bytes((const unsigned char *)raw, n, out, out_size);

	/* Field values are bounded (ST_MAX_FIELD); longer hex is cut there. */
	unsigned char bytes[ST_MAX_FIELD];
	size_t m = 0;
	for (size_t i = 0; i + 1 < n && m < sizeof(bytes); i += 2)
		bytes[m++] = (unsigned char)(hexval((unsigned char)raw[i]) << 4 |
		                             hexval((unsigned char)raw[i + 1]));
	return (ssize_t)decode_escape_bytes(bytes, m, out, out_size);
}

int parse_i64_n(const char *s, size_t len, int base, int64_t *ret)
{
	bool neg = false;
	uint64_t v = 0, limit, cutoff;
	size_t i = 0;

	if (base != 10 && base != 16)
		return -EINVAL;
	if (len > 0 && s[0] == '-' && base == 10) {
		neg = true;
		i = 1;
	}
	if (i == len)
		return -EINVAL;
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	/* One division per call, not per digit: this runs on every field the
	 * collector reads. Below cutoff, v * base + 15 cannot pass limit. */
	cutoff = (limit - 15) / (uint64_t)base;
	for (; i < len; i++) {
		int d = hexval((unsigned char)s[i]);
		if (d < 0 || d >= base)
			return -EINVAL;
		if (v > cutoff && v > (limit - (uint64_t)d) / (uint64_t)base)
			return -ERANGE;
		v = v * (uint64_t)base + (uint64_t)d;
	}
	*ret = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

int parse_i64(const char *s, int base, int64_t *ret)
{
	return parse_i64_n(s, strlen(s), base, ret);
}

int parse_reg(const char *s, uint64_t *ret)
{
	uint64_t v = 0;
	size_t i = 0;

	for (; s[i]; i++) {
		int d = hexval((unsigned char)s[i]);
		if (d < 0)
			return -EINVAL;
		if (i == 16)
			return -ERANGE;
		v = v << 4 | (uint64_t)d;
	}
	if (i == 0)
		return -EINVAL;
	*ret = v;
	return 0;
}
