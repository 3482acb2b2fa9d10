/* jsonl.c: the optional JSON-lines file for SIEM shippers (sigtraild
 * --jsonl PATH, laurel's way): one object per signal row, keyed by the
 * signals view's column names, written once the row is sealed (chain.c
 * hands each row it chains here, so a coalesced row appears once, with its
 * final count) and only after its transaction committed. Best effort: a
 * write that fails or a buffer that overflows loses lines (counted); the
 * database and the forwarder are the record of truth. SIGHUP (the daemon's
 * loop) asks for a reopen, for logrotate: done by the writer thread before
 * its next write. Exercise: tests/unit/jsonl.sh, or by hand
 *   sigtraild --source stdin --db t.db --jsonl t.jsonl < tests/fixtures/kernel.log
 *   python3 -c 'import json,sys; [json.loads(l) for l in open("t.jsonl")]' */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store_internal.h"

enum { JSONL_MAX_PENDING = 8 << 20 /* bytes held for one commit */ };

static int open_file(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
	return fd < 0 ? -errno : fd;
}

int store_set_jsonl(struct store *st, const char *path)
{
	int fd;

	if (!path || !path[0])
		return 0;
	if ((fd = open_file(path)) < 0)
		return fd;
	if (fd <= 2) { /* never a data file on the standard streams */
		int moved = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		close(fd);
		if ((fd = moved) < 0)
			return -errno;
	}
	free(st->jsonl_path);
	if (!(st->jsonl_path = strdup(path))) {
		close(fd);
		return -ENOMEM;
	}
	if (st->jsonl_fd >= 0)
		close(st->jsonl_fd);
	st->jsonl_fd = fd;
	return 0;
}

void store_jsonl_reopen(struct store *st)
{
	atomic_store(&st->jsonl_reopen, true);
}

static void add(struct store *st, const char *s, size_t n)
{
	if (st->jsonl_len + n > st->jsonl_cap) {
		size_t cap = st->jsonl_cap ? st->jsonl_cap : 4096;
		while (cap < st->jsonl_len + n)
			cap *= 2;
		char *p = cap <= JSONL_MAX_PENDING ? realloc(st->jsonl_buf, cap) : NULL;
		if (!p) {
			st->jsonl_overflow = true;
			return;
		}
		st->jsonl_buf = p;
		st->jsonl_cap = cap;
	}
	memcpy(st->jsonl_buf + st->jsonl_len, s, n);
	st->jsonl_len += n;
}

/* A JSON string: quotes, backslashes and control characters escaped (the
 * store's texts are valid UTF-8). */
static void add_string(struct store *st, const unsigned char *s, size_t n)
{
	char esc[8];

	add(st, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"' || s[i] == '\\') {
			esc[0] = '\\', esc[1] = (char)s[i];
			add(st, esc, 2);
		} else if (s[i] < 0x20 || s[i] == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", s[i]);
			add(st, esc, 6);
		} else {
			size_t j = i;
			while (j < n && s[j] >= 0x20 && s[j] != 0x7f && s[j] != '"' && s[j] != '\\')
				j++;
			add(st, (const char *)s + i, j - i);
			i = j - 1;
		}
	}
	add(st, "\"", 1);
}

void store_jsonl_row(struct store *st, sqlite3_stmt *s)
{
	char num[40];

	if (st->jsonl_fd < 0)
		return;
	add(st, "{", 1);
	for (int i = 0; i < sqlite3_column_count(s); i++) {
		const char *name = sqlite3_column_name(s, i);
		if (i)
			add(st, ",", 1);
		add_string(st, (const unsigned char *)name, strlen(name));
		add(st, ":", 1);
		switch (sqlite3_column_type(s, i)) {
		case SQLITE_INTEGER:
			add(st, num,
			    (size_t)snprintf(num, sizeof(num), "%lld",
			                     (long long)sqlite3_column_int64(s, i)));
			break;
		case SQLITE_FLOAT:
			add(st, num,
			    (size_t)snprintf(num, sizeof(num), "%.17g",
			                     sqlite3_column_double(s, i)));
			break;
		case SQLITE_TEXT:
			add_string(st, sqlite3_column_text(s, i),
			           (size_t)sqlite3_column_bytes(s, i));
			break;
		default:
			add(st, "null", 4);
		}
	}
	add(st, "}\n", 2);
	st->jsonl_rows++;
}

void store_jsonl_flush(struct store *st, bool committed)
{
	if (st->jsonl_fd >= 0 && atomic_exchange(&st->jsonl_reopen, false) && st->jsonl_path) {
		int fd = open_file(st->jsonl_path);
		if (fd > 2) {
			close(st->jsonl_fd);
			st->jsonl_fd = fd;
		} else if (fd >= 0) {
			close(fd);
		}
	}
	if (committed && st->jsonl_fd >= 0 && st->jsonl_len > 0) {
		size_t off = 0;
		while (!st->jsonl_overflow && off < st->jsonl_len) {
			ssize_t n = write(st->jsonl_fd, st->jsonl_buf + off, st->jsonl_len - off);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			off += (size_t)n;
		}
		if (st->jsonl_overflow || off < st->jsonl_len)
			st->stats.jsonl_lost += st->jsonl_rows;
	}
	st->jsonl_len = 0;
	st->jsonl_rows = 0;
	st->jsonl_overflow = false;
}
