/* outfile.c: the files that exports and reports write (-o FILE). A report
 * or an export appears whole or not at all: it is written under a temporary
 * name beside FILE and renamed over it once flushed to disk. A FILE that
 * exists and is not a regular file (/dev/null, /dev/stdout, a FIFO, a
 * terminal) is written in place instead: renaming over it would replace a
 * device node with a regular file. Exercise with
 * `sigtrail export -o /dev/null` (it must stay a character device). No
 * output may be the database or its companions (cli_out_check()):
 * a report renamed over the database would replace the audit trail. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "cli.h"
#include "sigtrail/log.h"

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

/* The absolute name path has or would have once created: its directory
 * resolved, and the whole of it when it exists (a symlink's target). NULL
 * when even the directory cannot be resolved. */
static char *resolved_name(const char *path)
{
	char *r = realpath(path, NULL), *copy, *slash, *dir;
	const char *base;

	if (r)
		return r;
	if (!(copy = strdup(path)))
		return NULL;
	slash = strrchr(copy, '/');
	base = slash ? slash + 1 : copy;
	if (slash == copy)
		dir = realpath("/", NULL);
	else if (slash) {
		*slash = '\0';
		dir = realpath(copy, NULL);
	} else
		dir = realpath(".", NULL);
	if (dir && asprintf(&r, "%s/%s", strcmp(dir, "/") == 0 ? "" : dir, base) < 0)
		r = NULL;
	free(dir);
	free(copy);
	return r;
}

static bool is_database(const char *path, const char *db)
{
	static const char *const companions[] = {"", "-wal", "-shm", "-journal", ".lock"};
	struct stat out, st;
	bool exists = stat(path, &out) == 0, same = false;
	char *out_name = resolved_name(path), *db_name = resolved_name(db), *name;

	for (size_t i = 0; i < sizeof(companions) / sizeof(companions[0]) && !same; i++) {
		if (asprintf(&name, "%s%s", db, companions[i]) < 0)
			break;
		same = exists && stat(name, &st) == 0 && st.st_dev == out.st_dev &&
		       st.st_ino == out.st_ino;
		free(name);
		if (!same && out_name && db_name &&
		    asprintf(&name, "%s%s", db_name, companions[i]) >= 0) {
			same = strcmp(out_name, name) == 0;
			free(name);
		}
	}
	free(out_name);
	free(db_name);
	return same;
}

int cli_out_check(const char *command, const char *option, const char *path, const char *db)
{
	if (!is_database(path, db))
		return 0;
	log_error("%s: %s %s is the database %s or one of its -wal, -shm, -journal, .lock files: "
	          "refusing to write over the audit trail",
	          command, option, path, db);
	return EX_CANTCREAT;
}
