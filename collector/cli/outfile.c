/* outfile.c: the files that exports and reports write (-o FILE). A report
 * or an export appears whole or not at all: it is written under a temporary
 * name beside FILE and renamed over it once flushed to disk. A FILE that
 * exists and is not a regular file (/dev/null, /dev/stdout, a FIFO, a
 * terminal) is written in place instead: renaming over it would replace a
 * device node with a regular file. Exercise with
 * `sigtrail export -o /dev/null` (it must stay a character device). No
 * output may be the database or its companions (cli_out_check(), with
 * store_is_database_file()): a report renamed over the database would
 * replace the audit trail. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "cli.h"
#include "sigtrail/log.h"
#include "sigtrail/store.h"

int cli_out_open(struct cli_out *o, const char *path, mode_t mode)
{
	struct stat st;
	int fd;

	*o = (struct cli_out){.path = path};
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0)
			return -errno;
	} else {
		if (asprintf(&o->tmp, "%s.tmp-XXXXXX", path) < 0) {
			o->tmp = NULL;
			return -ENOMEM;
		}
		fd = mkostemp(o->tmp, O_CLOEXEC);
		if (fd < 0 || fchmod(fd, mode) < 0) {
			int r = -errno;
			if (fd >= 0) {
				close(fd);
				(void)unlink(o->tmp);
			}
			free(o->tmp);
			o->tmp = NULL;
			return r;
		}
	}
	if (!(o->f = fdopen(fd, "w"))) {
		int r = -errno;
		close(fd);
		cli_out_abort(o);
		return r;
	}
	return 0;
}

/* errno as a negative code, never 0 (ferror() may leave errno unset). */
static int neg_errno(void)
{
	return errno ? -errno : -EIO;
}

int cli_out_commit(struct cli_out *o)
{
	int r = 0;

	errno = 0;
	if (fflush(o->f) != 0 || ferror(o->f) || (o->tmp && fsync(fileno(o->f)) < 0))
		r = neg_errno();
	if (fclose(o->f) != 0 && r == 0)
		r = neg_errno();
	o->f = NULL;
	if (r == 0 && o->tmp && rename(o->tmp, o->path) < 0)
		r = neg_errno();
	if (r < 0) {
		cli_out_abort(o);
		return r;
	}
	free(o->tmp);
	o->tmp = NULL;
	return 0;
}

void cli_out_abort(struct cli_out *o)
{
	if (o->f)
		fclose(o->f);
	o->f = NULL;
	if (o->tmp)
		(void)unlink(o->tmp);
	free(o->tmp);
	o->tmp = NULL;
}

int cli_out_check(const char *command, const char *option, const char *path, const char *db)
{
	if (!store_is_database_file(path, db))
		return 0;
	log_error("%s: %s %s is the database %s or one of its -wal, -shm, -journal, .lock files: "
	          "refusing to write over the audit trail",
	          command, option, path, db);
	return EX_CANTCREAT;
}
