/* fmt.c: how the CLI writes text into each of its output formats (CSV,
 * JSON, HTML, Markdown, terminal). Every writer walks the string as UTF-8
 * and turns what it cannot carry into "\xNN" text, so an export never drops
 * or mangles a byte silently and is always valid UTF-8. The CSV writer also
 * defuses spreadsheet formulas (a command line such as `=HYPERLINK(...)` or
 * `-2+3+cmd|' /C calc'!A0` is data, not code). Exercise with
 * `meson test -C /tmp/cli-build cli_fmt` or `sigtrail export --format csv`. */
#include "cli_fmt.h"

#include <string.h>

size_t cli_utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t cp, min;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07, min = 0x10000;
	else
		return 0;
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

uint32_t cli_deceptive(const unsigned char *s, size_t len)
{
	uint32_t cp;

	if (len == 2)
		cp = (uint32_t)(s[0] & 0x1f) << 6 | (s[1] & 0x3f);
	else if (len == 3)
		cp = (uint32_t)(s[0] & 0x0f) << 12 | (uint32_t)(s[1] & 0x3f) << 6 | (s[2] & 0x3f);
	else
		return 0;
	bool bad = (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c || (cp >= 0x200b && cp <= 0x200f) ||
	           (cp >= 0x2028 && cp <= 0x202e) || (cp >= 0x2060 && cp <= 0x2069) || cp == 0xfeff;
	return bad ? cp : 0;
}

static void put_hex_escape(FILE *out, unsigned char c)
{
	fprintf(out, "\\x%02X", c);
}

/* Full-width = + - @ (U+FF1D, U+FF0B, U+FF0D, U+FF20): some spreadsheets
 * fold them to their ASCII forms before deciding what a cell is. */
static bool fullwidth_trigger(const unsigned char *s)
{
	return s[0] == 0xef && s[1] == 0xbc &&
	       (s[2] == 0x9d || s[2] == 0x8b || s[2] == 0x8d || s[2] == 0xa0);
}

static bool csv_needs_guard(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	if (*p == '\'')
		return true; /* so that stripping one ' is always exact */
	while (*p == ' ')
		p++;
	if (*p && strchr("=+-@\t\r\n", *p))
		return true;
	return strlen((const char *)p) >= 3 && fullwidth_trigger(p);
}

/* Length of the prefix of p[0..n) that a writer may copy as it is: ASCII
 * from 0x20 to 0x7e except '"' (and '\\' when `backslash`), and valid
 * UTF-8 sequences but the deceptive ones (cli_deceptive()). Exports are
 * mostly such runs, written with one fwrite() rather than byte by byte. */
static size_t plain_run(const unsigned char *p, size_t n, bool backslash)
{
	size_t i = 0;

	while (i < n) {
		unsigned char c = p[i];
		if (c >= 0x20 && c < 0x7f) {
			if (c == '"' || (c == '\\' && backslash))
				break;
			i++;
			continue;
		}
		size_t len = c >= 0x80 ? cli_utf8_len(p + i, n - i) : 0;
		if (len == 0 || cli_deceptive(p + i, len))
			break;
		i += len;
	}
	return i;
}

void cli_csv_field(FILE *out, const char *s, bool is_text)
{
	if (!s)
		return;
	if (!is_text) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	if (csv_needs_guard(s))
		fputc('\'', out);
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	for (size_t i = 0; i < n;) {
		size_t run = plain_run(p + i, n - i, false);
		if (run) {
			fwrite(p + i, 1, run, out);
			i += run;
			continue;
		}
		size_t len = cli_utf8_len(p + i, n - i);
		uint32_t cp = len ? cli_deceptive(p + i, len) : 0;
		if (len == 0 || (p[i] < 0x20 && !strchr("\t\n\r", p[i])) || p[i] == 0x7f) {
			/* Not kept raw even inside quotes: `cat export.csv` would run an
			 * ESC sequence or ring BEL. Tab and line breaks are data. */
			put_hex_escape(out, p[i]);
			i++;
			continue;
		}
		if (cp)
			fprintf(out, "\\u%04X", cp);
		else if (p[i] == '"')
			fputs("\"\"", out);
		else
			fwrite(p + i, 1, len, out); /* a tab or a line break */
		i += len;
	}
	fputc('"', out);
}

void cli_json_string(FILE *out, const char *s)
{
	if (!s) {
		fputs("null", out);
		return;
	}
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	fputc('"', out);
	for (size_t i = 0; i < n;) {
		size_t run = plain_run(p + i, n - i, true);
		if (run) {
			fwrite(p + i, 1, run, out);
			i += run;
			continue;
		}
		unsigned char c = p[i];
		size_t len = cli_utf8_len(p + i, n - i);

		if (len == 0) {
			fprintf(out, "\\\\x%02X", c); /* the text \xNN, its backslash escaped */
			i++;
			continue;
		}
		uint32_t cp = cli_deceptive(p + i, len);
		if (cp) {
			fprintf(out, "\\u%04X", cp); /* the same string, shown as the escape */
		} else if (c == '"' || c == '\\') {
			fputc('\\', out);
			fputc(c, out);
		} else if (c == '\n') {
			fputs("\\n", out);
		} else if (c == '\t') {
			fputs("\\t", out);
		} else if (c == '\r') {
			fputs("\\r", out);
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(out, "\\u%04X", c);
		} else {
			fwrite(p + i, 1, len, out);
		}
		i += len;
	}
	fputc('"', out);
}

void cli_html_text(FILE *out, const char *s)
{
	if (!s)
		return;
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	for (size_t i = 0; i < n;) {
		unsigned char c = p[i];
		size_t len = cli_utf8_len(p + i, n - i);

		if (len == 0 || (c < 0x20 && c != '\t' && c != '\n') || c == 0x7f) {
			put_hex_escape(out, c);
			i++;
			continue;
		}
		uint32_t cp = cli_deceptive(p + i, len);
		if (cp) {
			fprintf(out, "\\u%04X", cp);
			i += len;
			continue;
		}
		switch (c) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		case '\'':
			fputs("&#39;", out);
			break;
		default:
			fwrite(p + i, 1, len, out);
		}
		i += len;
	}
}

void cli_md_text(FILE *out, const char *s)
{
	if (!s)
		return;
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	for (size_t i = 0; i < n;) {
		unsigned char c = p[i];
		size_t len = cli_utf8_len(p + i, n - i);

		if (len == 0 || (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) {
			fprintf(out, "\\\\x%02X", c); /* a Markdown backslash, then the text */
			i++;
			continue;
		}
		uint32_t cp = cli_deceptive(p + i, len);
		if (cp) {
			fprintf(out, "\\\\u%04X", cp);
			i += len;
			continue;
		}
		if (c == '\n' || c == '\r' || c == '\t')
			fputc(' ', out);
		else if (c == '<')
			fputs("&lt;", out);
		else if (c == '>')
			fputs("&gt;", out);
		else if (c == '&')
			fputs("&amp;", out);
		else if (strchr("\\`*_[]|~", c))
			fprintf(out, "\\%c", c);
		else
			fwrite(p + i, 1, len, out);
		i += len;
	}
}

/* One character of terminal text: a valid printable UTF-8 sequence, or
 * "\xNN" for anything else. Returns the bytes consumed from p. */
static size_t term_piece(const unsigned char *p, size_t n, char piece[8], size_t *ret_len,
                         size_t *ret_chars)
{
	size_t len = cli_utf8_len(p, n);

	if (len == 0 || p[0] < 0x20 || p[0] == 0x7f) {
		*ret_len = *ret_chars = (size_t)snprintf(piece, 8, "\\x%02X", p[0]);
		return 1;
	}
	uint32_t cp = cli_deceptive(p, len);
	if (cp) {
		*ret_len = *ret_chars = (size_t)snprintf(piece, 8, "\\u%04X", (unsigned)cp);
		return len;
	}
	memcpy(piece, p, len);
	*ret_len = len;
	*ret_chars = 1;
	return len;
}

size_t cli_term_text(char *out, size_t size, const char *s, size_t width)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p), used = 0, chars = 0, total = 0, limit;
	char piece[8];
	size_t plen, pchars;

	if (size == 0)
		return 0;
	for (size_t i = 0; i < n;) {
		i += term_piece(p + i, n - i, piece, &plen, &pchars);
		total += pchars;
	}
	bool cut = width > 0 && total > width;
	limit = !cut ? SIZE_MAX : width > 3 ? width - 3 : 0;
	for (size_t i = 0; i < n;) {
		size_t adv = term_piece(p + i, n - i, piece, &plen, &pchars);
		if (chars + pchars > limit || used + plen >= size)
			break;
		memcpy(out + used, piece, plen);
		used += plen;
		chars += pchars;
		i += adv;
	}
	if (cut && used + 3 < size) {
		size_t dots = width < 3 ? width : 3;
		memcpy(out + used, "...", dots);
		used += dots;
		chars += dots;
	}
	out[used] = '\0';
	return chars;
}

void cli_cell(FILE *out, const char *s, size_t width, bool right)
{
	char buf[256];
	size_t n = cli_term_text(buf, sizeof(buf), s ? s : "-", width);

	if (n > width)
		n = width;
	if (right)
		fprintf(out, "%*s%s ", (int)(width - n), "", buf);
	else
		fprintf(out, "%s%*s ", buf, (int)(width - n), "");
}
