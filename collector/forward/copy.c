/* copy.c: the text format of PostgreSQL's COPY, as the forwarder writes
 * it: fields separated by tabs, rows ended by a newline, NULL as \N, and
 * the bytes COPY would misread escaped. Text is made valid UTF-8 on the
 * way (the centre's encoding refuses anything else, and a refused batch
 * would be sent again forever). Covered by tests/unit/test_forward_copy.c. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "forward.h"

int fwd_buf_add(struct fwd_buf *b, const void *s, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p)
			return -ENOMEM;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	return 0;
}

void fwd_buf_free(struct fwd_buf *b)
{
	free(b->p);
	*b = (struct fwd_buf){0};
}

/* The length of the valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t len;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and code points past U+10FFFF. */
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

int fwd_copy_text(struct fwd_buf *b, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < n) {
		size_t run = i;
		/* Copy plain bytes in one go. */
		while (run < n && s[run] >= 0x20 && s[run] < 0x7f && s[run] != '\\')
			run++;
		if (run > i && fwd_buf_add(b, s + i, run - i) < 0)
			return -ENOMEM;
		i = run;
		if (i >= n)
			break;
		unsigned char c = s[i];
		char esc[8];
		size_t len;
		int r;
		if (c == '\\')
			r = fwd_buf_add(b, "\\\\", 2), len = 1;
		else if (c == '\t')
			r = fwd_buf_add(b, "\\t", 2), len = 1;
		else if (c == '\n')
			r = fwd_buf_add(b, "\\n", 2), len = 1;
		else if (c == '\r')
			r = fwd_buf_add(b, "\\r", 2), len = 1;
		else if (c < 0x20 || c == 0x7f) {
			/* A NUL cannot be in PostgreSQL text: shown as U+FFFD. */
			if (c == 0)
				r = fwd_buf_add(b, "\xef\xbf\xbd", 3);
			else {
				snprintf(esc, sizeof(esc), "\\x%02x", c);
				r = fwd_buf_add(b, esc, 4);
			}
			len = 1;
		} else if ((len = utf8_len(s + i, n - i)) > 0) {
			r = fwd_buf_add(b, s + i, len);
		} else {
			r = fwd_buf_add(b, "\xef\xbf\xbd", 3);
			len = 1;
		}
		if (r < 0)
			return -ENOMEM;
		i += len;
	}
	return 0;
}

int fwd_copy_sep(struct fwd_buf *b)
{
	return fwd_buf_add(b, "\t", 1);
}

int fwd_copy_null(struct fwd_buf *b)
{
	return fwd_buf_add(b, "\\N", 2);
}

int fwd_copy_end_row(struct fwd_buf *b)
{
	return fwd_buf_add(b, "\n", 1);
}

int fwd_copy_int(struct fwd_buf *b, int64_t v)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%" PRId64, v);

	return fwd_buf_add(b, num, (size_t)n);
}
