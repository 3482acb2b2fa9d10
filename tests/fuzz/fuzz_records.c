/* fuzz_records.c: libFuzzer harness for the whole path from raw audit text
 * to rows: line splitting as the stdin source does it, the record filter,
 * libauparse assembly, and the store (an in-memory SQLite database). Inputs
 * are auditd log text: records, PROCTITLE hex, OBJ_PID chains, truncated
 * events, huge fields, invalid UTF-8, quotes and newlines in names. Seeds:
 * tests/fixtures/kernel.log. Run: tests/fuzz/run.sh [SECONDS]. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sigtrail/assemble.h"
#include "sigtrail/filter.h"
#include "sigtrail/sigsys.h"
#include "sigtrail/source.h"
#include "sigtrail/store.h"

static struct store *st;
static struct assembler *as;
static struct filter flt;

static void on_event(void *userdata, struct st_event *ev)
{
	(void)userdata;
	(void)store_insert(st, ev);
	st_event_free(ev);
}

static void on_record(void *userdata, int type, const char *body, size_t len, const char *line,
                      size_t line_len)
{
	(void)userdata;
	if (filter_record(&flt, type, body, len) == FILTER_KEEP)
		(void)asm_feed_line(as, line, line_len);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[256];

	(void)argc, (void)argv;
	if (sigsys_init() < 0 || store_open(":memory:", "fuzz", &st, err, sizeof(err)) < 0 ||
	    asm_new(on_event, NULL, 2, &as) < 0) {
		fprintf(stderr, "fuzz setup failed: %s\n", err);
		abort();
	}
	store_set_coalesce_ms(st, 1000);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int p[2];
	struct src *src = NULL;

	/* The stdin source reads from an fd: hand it the input through a pipe
	 * (inputs are capped below the pipe's capacity by -max_len). */
	if (size > 60000 || pipe(p) < 0)
		return 0;
	if (write(p[1], data, size) != (ssize_t)size) {
		close(p[0]);
		close(p[1]);
		return 0;
	}
	close(p[1]);
	if (src_open(SRC_STDIN, p[0], &src) == 0) {
		while (src_read(src, on_record, NULL) >= 0)
			;
		src_close(src);
	}
	close(p[0]);
	asm_flush(as);
	(void)store_commit(st);
	flt.include_sig0 = size % 2 == 0; /* exercise both policies */
	return 0;
}
