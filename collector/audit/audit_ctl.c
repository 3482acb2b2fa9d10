/* audit_ctl.c: the kernel audit configuration, through libaudit on a
 * control socket of its own: status, enabled flag, backlog limit, and
 * sigtrail's rules (key "sigtrail") for every ABI of the machine. Rules are
 * built as audit_rule_data directly (arch, signal-argument and key fields,
 * syscall mask from libaudit's tables) because libaudit's text rule parser
 * keeps global state between rules. Exercise by hand:
 *   sigtraild --foreground --db /tmp/t.db & sleep 1; auditctl -l; kill %1; auditctl -l */
#include "sigtrail/audit_ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sigtrail/sigsys.h"

int ctl_open(void)
{
	int fd = audit_open();

	if (fd < 0)
		return errno ? -errno : -EIO;
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fd;
}

/* Wait for the next reply on the control socket, at most a second. */
static int get_reply(int fd, struct audit_reply *rep)
{
	for (int tries = 0; tries < 10; tries++) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int r = poll(&p, 1, 100);
		if (r < 0 && errno != EINTR)
			return -errno;
		if (r <= 0)
			continue;
		r = audit_get_reply(fd, rep, GET_REPLY_NONBLOCKING, 0);
		if (r > 0)
			return 0;
		if (r < 0 && r != -EAGAIN)
			return r;
	}
	return -ETIMEDOUT;
}

/* After a request: wait for the reply of `type`, or the kernel's error. */
static int wait_reply(int fd, int type, struct audit_reply *rep)
{
	for (;;) {
		int r = get_reply(fd, rep);
		if (r < 0)
			return r;
		if (rep->type == NLMSG_ERROR && rep->error->error)
			return rep->error->error;
		if (rep->type == type)
			return 0;
	}
}

int ctl_status(int fd, struct audit_status *ret)
{
	struct audit_reply rep;
	int r = audit_request_status(fd);

	if (r >= 0)
		r = wait_reply(fd, AUDIT_GET, &rep);
	if (r < 0)
		return r;
	*ret = *rep.status;
	return 0;
}

int ctl_signal_info(int fd, uint32_t *ret_pid, uint32_t *ret_uid)
{
	struct audit_reply rep;
	int r = audit_request_signal_info(fd);

	if (r >= 0)
		r = wait_reply(fd, AUDIT_SIGNAL_INFO, &rep);
	if (r < 0)
		return r;
	*ret_pid = (uint32_t)rep.signal_info->pid;
	*ret_uid = (uint32_t)rep.signal_info->uid;
	return 0;
}

int ctl_set_enabled(int fd, uint32_t enabled)
{
	/* 2 would lock the audit configuration until reboot: never from here. */
	if (enabled > 1)
		return -EINVAL;
	int r = audit_set_enabled(fd, enabled);
	return r < 0 ? r : 0;
}

int ctl_set_backlog_limit(int fd, uint32_t limit)
{
	int r = audit_set_backlog_limit(fd, limit);
	return r < 0 ? r : 0;
}

static int add_rule(struct ctl_rules *rs, uint32_t arch, int sig_arg, bool include_sig0)
{
	int nrs[8];
	size_t n = sigsys_for_rule(arch, sig_arg, nrs, 8);
	size_t klen = strlen(SIGTRAIL_RULE_KEY);
	struct audit_rule_data *rule;
	int len;

	if (n == 0)
		return 0;
	if (rs->n >= CTL_MAX_RULES)
		return -E2BIG;
	rule = calloc(1, sizeof(*rule) + klen);
	if (!rule)
		return -ENOMEM;
	rule->flags = AUDIT_FILTER_EXIT;
	rule->action = AUDIT_ALWAYS;
	for (size_t i = 0; i < n; i++)
		rule->mask[AUDIT_WORD(nrs[i])] |= AUDIT_BIT(nrs[i]);

	rule->fields[rule->field_count] = AUDIT_ARCH;
	rule->fieldflags[rule->field_count] = AUDIT_EQUAL;
	rule->values[rule->field_count++] = arch;
	if (!include_sig0) {
		rule->fields[rule->field_count] = AUDIT_ARG0 + (uint32_t)sig_arg;
		rule->fieldflags[rule->field_count] = AUDIT_NOT_EQUAL;
		rule->values[rule->field_count++] = 0;
	}
	rule->fields[rule->field_count] = AUDIT_FILTERKEY;
	rule->fieldflags[rule->field_count] = AUDIT_EQUAL;
	rule->values[rule->field_count++] = (uint32_t)klen;
	memcpy(rule->buf, SIGTRAIL_RULE_KEY, klen);
	rule->buflen = (uint32_t)klen;

	char *t = rs->r[rs->n].text;
	size_t tsz = sizeof(rs->r[rs->n].text);
	len = snprintf(t, tsz, "-a always,exit -F arch=%s -S ", sigsys_arch_name(arch));
	for (size_t i = 0; i < n && len > 0 && (size_t)len < tsz; i++) {
		const struct sigsys *sc = sigsys_lookup(arch, nrs[i]);
		len += snprintf(t + len, tsz - (size_t)len, "%s%s", i ? "," : "", sc->name);
	}
	if (len > 0 && (size_t)len < tsz) {
		if (include_sig0)
			snprintf(t + len, tsz - (size_t)len, " -k %s", SIGTRAIL_RULE_KEY);
		else
			snprintf(t + len, tsz - (size_t)len, " -F a%d!=0 -k %s", sig_arg,
			         SIGTRAIL_RULE_KEY);
	}
	rs->r[rs->n].rule = rule;
	rs->r[rs->n].added = false;
	rs->n++;
	return 0;
}

int ctl_rules_build(struct ctl_rules *rs, bool include_sig0)
{
	uint32_t arches[4];
	int n = sigsys_machine_arches(arches, 4);

	memset(rs, 0, sizeof(*rs));
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		int r = add_rule(rs, arches[i], 1, include_sig0);
		if (r == 0)
			r = add_rule(rs, arches[i], 2, include_sig0);
		if (r < 0) {
			ctl_rules_free(rs);
			return r;
		}
	}
	return 0;
}

/* Same filter list, action, syscalls, fields (in any order) and key. */
static bool rule_equal(const struct audit_rule_data *a, const struct audit_rule_data *b)
{
	if ((a->flags & ~AUDIT_FILTER_PREPEND) != (b->flags & ~AUDIT_FILTER_PREPEND) ||
	    a->action != b->action || a->field_count != b->field_count || a->buflen != b->buflen ||
	    memcmp(a->mask, b->mask, sizeof(a->mask)) != 0 ||
	    memcmp(a->buf, b->buf, a->buflen) != 0)
		return false;
	for (uint32_t i = 0; i < a->field_count; i++) {
		bool found = false;
		for (uint32_t j = 0; j < b->field_count && !found; j++)
			found = a->fields[i] == b->fields[j] &&
			        a->fieldflags[i] == b->fieldflags[j] &&
			        a->values[i] == b->values[j];
		if (!found)
			return false;
	}
	return true;
}

int ctl_rules_each(int fd, ctl_rule_fn fn, void *userdata)
{
	struct audit_reply rep;
	int r = audit_request_rules_list_data(fd);

	if (r < 0)
		return r;
	for (;;) {
		r = get_reply(fd, &rep);
		if (r < 0)
			return r;
		if (rep.type == NLMSG_DONE)
			return 0;
		if (rep.type == NLMSG_ERROR) {
			if (rep.error->error)
				return rep.error->error;
			continue;
		}
		if (rep.type == AUDIT_LIST_RULES && rep.ruledata)
			fn(userdata, rep.ruledata);
	}
}

/* Does rule r carry `key`? String fields are packed in buf in field order,
 * each values[i] bytes long; several keys are joined with \x01. */
static bool rule_has_key(const struct audit_rule_data *r, const char *key)
{
	size_t off = 0, klen = strlen(key);

	for (uint32_t i = 0; i < r->field_count && i < AUDIT_MAX_FIELDS; i++) {
		uint32_t f = r->fields[i] & ~AUDIT_OPERATORS;
		bool is_str = f == AUDIT_SUBJ_USER || f == AUDIT_SUBJ_ROLE ||
		              f == AUDIT_SUBJ_TYPE || f == AUDIT_SUBJ_SEN || f == AUDIT_SUBJ_CLR ||
		              f == AUDIT_OBJ_USER || f == AUDIT_OBJ_ROLE || f == AUDIT_OBJ_TYPE ||
		              f == AUDIT_OBJ_LEV_LOW || f == AUDIT_OBJ_LEV_HIGH ||
		              f == AUDIT_WATCH || f == AUDIT_DIR || f == AUDIT_FILTERKEY ||
		              f == AUDIT_EXE;
		if (!is_str)
			continue;
		if (off + r->values[i] > r->buflen)
			return false;
		if (f == AUDIT_FILTERKEY) {
			const char *k = r->buf + off, *end = k + r->values[i];
			while (k < end) {
				const char *sep = memchr(k, '\x01', (size_t)(end - k));
				size_t n = sep ? (size_t)(sep - k) : (size_t)(end - k);
				if (n == klen && memcmp(k, key, n) == 0)
					return true;
				k += n + 1;
			}
		}
		off += r->values[i];
	}
	return false;
}

struct key_count {
	const char *key;
	size_t n;
};

static void count_key(void *userdata, const struct audit_rule_data *r)
{
	struct key_count *c = userdata;

	if (rule_has_key(r, c->key))
		c->n++;
}

int ctl_rules_count_key(int fd, const char *key, size_t *ret_n)
{
	struct key_count c = {.key = key};
	int r = ctl_rules_each(fd, count_key, &c);

	*ret_n = c.n;
	return r;
}

/* Which of our rules the kernel already has: loaded[i] for rs->r[i]. */
struct loaded_marks {
	const struct ctl_rules *rs;
	bool *loaded;
};

static void mark_loaded(void *userdata, const struct audit_rule_data *r)
{
	struct loaded_marks *m = userdata;

	for (size_t i = 0; i < m->rs->n; i++)
		if (!m->loaded[i] && rule_equal(m->rs->r[i].rule, r))
			m->loaded[i] = true;
}

static int rules_loaded(int fd, const struct ctl_rules *rs, bool *loaded)
{
	return ctl_rules_each(fd, mark_loaded, &(struct loaded_marks){.rs = rs, .loaded = loaded});
}

int ctl_rules_install(int fd, struct ctl_rules *rs, bool immutable)
{
	bool loaded[CTL_MAX_RULES] = {false};
	int added = 0;
	int r = rules_loaded(fd, rs, loaded);

	if (r < 0)
		return r;
	for (size_t i = 0; i < rs->n; i++) {
		if (loaded[i]) {
			/* Ours if we added it earlier (a periodic re-check) or a
			 * crashed collector did; anyone else's stays theirs. */
			rs->r[i].added |= rs->r[i].adopted;
			continue;
		}
		if (immutable) {
			r = -EROFS;
			goto undo;
		}
		r = audit_add_rule_data(fd, rs->r[i].rule, AUDIT_FILTER_EXIT, AUDIT_ALWAYS);
		if (r == -EEXIST)
			continue; /* appeared meanwhile: someone else's, leave it */
		if (r < 0)
			goto undo;
		rs->r[i].added = true;
		added++;
	}
	return added;
undo:
	(void)ctl_rules_remove(fd, rs);
	return r;
}

int ctl_rules_remove(int fd, struct ctl_rules *rs)
{
	int first = 0;

	for (size_t i = 0; i < rs->n; i++) {
		if (!rs->r[i].added)
			continue;
		int r = audit_delete_rule_data(fd, rs->r[i].rule, AUDIT_FILTER_EXIT, AUDIT_ALWAYS);
		if (r < 0 && r != -ENOENT && first == 0)
			first = r;
		else
			rs->r[i].added = false;
	}
	return first;
}

void ctl_rules_free(struct ctl_rules *rs)
{
	for (size_t i = 0; i < rs->n; i++)
		free(rs->r[i].rule);
	rs->n = 0;
}
