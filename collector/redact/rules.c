/* rules.c: which redaction rules apply, as sigtraild.conf's keys set them
 * (redact, redact_disable, redact_flag; collector/optable.c declares them
 * and the daemon applies them through daemon/dbfile.c). Every bad word is
 * refused with the list of good ones, so a typo never leaves a rule on or
 * off by surprise. Exercise with `meson test -C build redact`, or
 * `sigtraild --source stdin --config FILE` with a bad redact_disable. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sigtrail/redact.h"

void redact_rules_default(struct redact_rules *r)
{
	*r = (struct redact_rules){.off = false};
}

/* The next comma-separated item of *list, blanks trimmed: its start and
 * length, *list moved past it (NULL after the last: "a," has an empty
 * second item). Returns false at the end. */
static bool next_item(const char **list, const char **ret, size_t *ret_len)
{
	const char *p = *list;

	if (!p)
		return false;
	const char *comma = strchr(p, ',');
	const char *end = comma ? comma : p + strlen(p);
	*list = comma ? comma + 1 : NULL;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*ret = p;
	*ret_len = (size_t)(end - p);
	return true;
}

int redact_rules_disable(struct redact_rules *r, const char *list, char *err, size_t errlen)
{
	unsigned disabled = r->disabled;
	const char *item;
	size_t n;

	while (next_item(&list, &item, &n)) {
		int found = -1;
		for (int i = 0; i < REDACT__N; i++)
			if (strlen(redact_rule_names[i]) == n &&
			    memcmp(redact_rule_names[i], item, n) == 0)
				found = i;
		if (found < 0) {
			snprintf(err, errlen,
			         "unknown redaction rule '%.*s': expected flags, key-values, "
			         "url-credentials, auth-headers, tool-flags or tokens",
			         (int)n, item);
			return -EINVAL;
		}
		disabled |= 1u << found;
	}
	r->disabled = disabled;
	return 0;
}

/* A name of 1 to REDACT_EXTRA_LEN - 1 bytes, none blank or '='. */
static bool good_name(const char *p, size_t n)
{
	if (n == 0 || n >= REDACT_EXTRA_LEN)
		return false;
	for (size_t i = 0; i < n; i++)
		if (p[i] == ' ' || p[i] == '\t' || p[i] == '=')
			return false;
	return true;
}

int redact_rules_add(struct redact_rules *r, const char *list, char *err, size_t errlen)
{
	struct redact_rules next = *r;
	const char *item;
	size_t n;

	while (next_item(&list, &item, &n)) {
		if (!good_name(item, n)) {
			snprintf(err, errlen,
			         "redaction name '%.*s': expected a flag or key name of 1 to %d "
			         "bytes without blanks or '='",
			         (int)n, item, REDACT_EXTRA_LEN - 1);
			return -EINVAL;
		}
		if (next.n_extra == REDACT_EXTRA_MAX) {
			snprintf(err, errlen, "expected at most %d redaction names",
			         REDACT_EXTRA_MAX);
			return -EINVAL;
		}
		memcpy(next.extra[next.n_extra], item, n);
		next.extra[next.n_extra++][n] = '\0';
	}
	*r = next;
	return 0;
}
