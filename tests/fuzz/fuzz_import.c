/* fuzz_import.c: libFuzzer harness for `sigtrail import` as a whole, run
 * in-process (cli_import): the input is one log file, imported into a fresh
 * database and then once more into the same one (dedupe). It covers what
 * fuzz_records does not: the input checks (compressed magic, the summary's
 * counts), the store in dedupe mode with its duplicate queries, the import's
 * run row, and the log-line assembler's bounded set of open events under
 * events that never end or interleave (logline.c). The first byte picks the
 * options: --host web-3, --include-sig0. Seeds: tests/fixtures/kernel.log and
 * the ENRICHED fixtures of tests/cli. Run: tests/fuzz/run.sh [SECONDS]. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "sigtrail/log.h"

static char dir[] = "/dev/shm/fuzz-import.XXXXXX";
static char log_path[64], db_path[64], db_wal[64], db_shm[64], db_lock[64];

static void remove_db(void)
{
	(void)unlink(db_path);
	(void)unlink(db_wal);
	(void)unlink(db_shm);
	(void)unlink(db_lock);
}

static void cleanup(void)
{
	remove_db();
	(void)rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc, (void)argv;
	if (!mkdtemp(dir)) { /* a tmpfs where there is one: SQLite's syncs cost nothing */
		memcpy(dir, "/tmp/fuzz-import.XXXXXX", sizeof("/tmp/fuzz-import.XXXXXX"));
		if (!mkdtemp(dir))
			abort();
	}
	snprintf(log_path, sizeof(log_path), "%s/in.log", dir);
	snprintf(db_path, sizeof(db_path), "%s/t.db", dir);
	snprintf(db_wal, sizeof(db_wal), "%s-wal", db_path);
	snprintf(db_shm, sizeof(db_shm), "%s-shm", db_path);
	snprintf(db_lock, sizeof(db_lock), "%s.lock", db_path);
	/* The summaries go nowhere; errors are expected, not findings. */
	if (!freopen("/dev/null", "w", stdout))
		abort();
	atexit(cleanup);
	log_init("fuzz_import", LOG_LVL_ERROR, false);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char a0[] = "import", a1[] = "--db", a3[] = "--no-progress", a4[] = "--host",
	     a5[] = "web-3", a6[] = "--include-sig0";
	char *argv[10];
	int argc = 0;

	if (size < 1)
		return 0;
	int fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		abort();
	if (write(fd, data + 1, size - 1) != (ssize_t)(size - 1))
		abort();
	close(fd);
	argv[argc++] = a0;
	argv[argc++] = a1;
	argv[argc++] = db_path;
	argv[argc++] = a3;
	if (data[0] & 1) {
		argv[argc++] = a4;
		argv[argc++] = a5;
	}
	if (data[0] & 2)
		argv[argc++] = a6;
	argv[argc++] = log_path;
	argv[argc] = NULL;
	remove_db();
	(void)cli_import(argc, argv);
	(void)cli_import(argc, argv); /* again: every event a duplicate */
	remove_db();
	return 0;
}
