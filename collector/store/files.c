/* files.c: the files that make up a database: the file itself and its
 * companions (SQLite's -wal, -shm and -journal, the collector's .lock). No
 * other writer (an export, a report, the daemon's --tee) may write over
 * one of them. Exercised by tests/cli/outfile.sh. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sigtrail/store.h"

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

bool store_is_database_file(const char *path, const char *db)
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
