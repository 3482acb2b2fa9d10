/* reqlog_internal.h: the request log's structure, shared by its files:
 * reqlog.c (what is kept: requests seen exec'd, with who ran them),
 * answer.c (the answer for a supervisor's signal, and the stops it
 * remembers) and names.c (container names to ids from the runtimes' state
 * on this host). Nothing outside collector/requests includes it. */
#pragma once

#include "sigtrail/requests.h"

enum { TRUSTED_MAX = 16, WHY_MAX = 160 };

/* One request seen exec'd. */
struct req {
	bool used;
	bool trusted; /* its program is the system's */
	int32_t pid;
	uint64_t start_time; /* with pid, the process */
	int64_t exec_ms;     /* when it exec'd (epoch ms) */
	int64_t exit_ms;     /* when it exited, 0 while it runs */
	int64_t uid, auid;   /* -1 unknown (auid: or unset) */
	char tty[32];        /* "pts/1", "" none or unknown */
	char *cmdline;       /* owned */
	char *exe;           /* owned; NULL unknown */
	char why[WHY_MAX];   /* untrusted: why not ("/tmp/x/docker is owned by uid 1000") */
	struct request_parsed parsed;
	/* parsed.objects[i] for i >= n_names are ids mapped from the names
	 * objects[from[i]] (docker's or podman's state on this host) */
	uint32_t n_names;
	uint8_t from[REQUEST_OBJECTS_MAX];
};

/* A supervisor's earlier signal to a unit or container, for its SIGKILL. */
struct stop {
	bool used;
	int32_t sender;  /* the supervisor */
	char scope[160]; /* "u:nginx.service" or "c:<id>" */
	int sig;
	int64_t epoch_ms;
	uint64_t serial;
	struct request_answer ans; /* what it was answered; strings owned below */
	char *strings;             /* cmdline, tty, evidence, one block */
};

struct reqlog {
	char proc_root[256];
	char docker_root[256];
	char podman_root[256];
	char trusted[TRUSTED_MAX][128];
	size_t n_trusted;
	struct req reqs[REQUEST_MAX];
	unsigned next_req; /* the slot to replace next */
	unsigned running;  /* requests not known to have exited */
	struct stop stops[REQUEST_STOPS_MAX];
	unsigned next_stop;
	/* the kubelet, when one runs here: stops of its pods come through it */
	int32_t kubelet_pid;
	char *kubelet_cmdline;
};

/* The id of the container named `name` in docker's state under docker_root
 * (containers/ID/config.v2.json, "Name":"/NAME") or podman's under
 * podman_root (overlay-containers/containers.json), into id[size]. Returns
 * 0, or -ENOENT when no container has that name. Reads at most a few
 * hundred small files. */
int request_container_id(const char *docker_root, const char *podman_root, const char *name,
                         char *id, size_t size);
