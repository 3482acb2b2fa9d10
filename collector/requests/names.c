/* names.c: a container's name to its id, from the runtime's own state on
 * this host, so that `docker stop web` is matched against the target's
 * container id: docker keeps /var/lib/docker/containers/ID/config.v2.json
 * with "Name":"/web", podman /var/lib/containers/storage/
 * overlay-containers/containers.json with "id":"ID",...,"names":["web"].
 * Bounded: at most NAMES_DIRS_MAX containers and files of NAMES_FILE_MAX
 * bytes are read, only when a request names a container by name. Exercise
 * it with `meson test -C build requests` (a fake docker tree). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reqlog_internal.h"

enum { NAMES_DIRS_MAX = 512, NAMES_FILE_MAX = 1 << 20 };

/* The file at path, NUL-terminated, in a buffer of the caller's (free()),
 * or NULL when it cannot be read or is too big. */
static char *slurp(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char *buf;
	size_t used = 0;

	if (fd < 0)
		return NULL;
	buf = malloc(NAMES_FILE_MAX + 1);
	while (buf && used < NAMES_FILE_MAX) {
		ssize_t n = read(fd, buf + used, NAMES_FILE_MAX - used);
		if (n < 0) {
			free(buf);
			buf = NULL;
		}
		if (n <= 0)
			break;
		used += (size_t)n;
	}
	close(fd);
	if (buf)
		buf[used] = '\0';
	return buf;
}

static bool hex_id(const char *s)
{
	size_t n = strspn(s, "0123456789abcdef");
	return n >= 12 && n <= 64 && s[n] == '\0';
}

static int docker_id(const char *root, const char *name, char *id, size_t size)
{
	char path[512], want[REQUEST_OBJECT_MAX + 16];
	DIR *d;
	struct dirent *e;
	int r = -ENOENT, seen = 0;

	snprintf(path, sizeof(path), "%s/containers", root);
	if (!(d = opendir(path)))
		return -ENOENT;
	snprintf(want, sizeof(want), "\"Name\":\"/%s\"", name);
	while (r != 0 && (e = readdir(d)) && seen++ < NAMES_DIRS_MAX) {
		if (!hex_id(e->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/containers/%s/config.v2.json", root, e->d_name);
		char *json = slurp(path);
		if (json && strstr(json, want)) {
			snprintf(id, size, "%s", e->d_name);
			r = 0;
		}
		free(json);
	}
	closedir(d);
	return r;
}

/* podman: each container is an object {"id":"ID",...,"names":["NAME"],...};
 * the id is the nearest before the name. */
static int podman_id(const char *root, const char *name, char *id, size_t size)
{
	char path[512], want[REQUEST_OBJECT_MAX + 8];
	char *json, *at;
	int r = -ENOENT;

	snprintf(path, sizeof(path), "%s/overlay-containers/containers.json", root);
	if (!(json = slurp(path)))
		return -ENOENT;
	snprintf(want, sizeof(want), "\"%s\"", name);
	for (at = strstr(json, want); at && r != 0; at = strstr(at + 1, want)) {
		const char *names = NULL;
		for (char *p = at; p > json && !names; p--)
			if (strncmp(p, "\"names\"", 7) == 0)
				names = p;
		if (!names || strchr(names, ']') < at)
			continue; /* not inside a names list */
		char *idk = NULL;
		for (char *p = (char *)names; p > json && !idk; p--)
			if (strncmp(p, "\"id\":\"", 6) == 0)
				idk = p + 6;
		size_t n = idk ? strspn(idk, "0123456789abcdef") : 0;
		if (n >= 12 && n < size && idk[n] == '"') {
			memcpy(id, idk, n);
			id[n] = '\0';
			r = 0;
		}
	}
	free(json);
	return r;
}

int request_container_id(const char *docker_root, const char *podman_root, const char *name,
                         char *id, size_t size)
{
	if (!name[0] || strpbrk(name, "/\"\\"))
		return -ENOENT;
	if (docker_id(docker_root, name, id, size) == 0)
		return 0;
	return podman_id(podman_root, name, id, size);
}
