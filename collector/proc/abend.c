/* abend.c: parses the ANOM_ABEND audit record, which the kernel writes (no
 * rule needed, whenever auditing is enabled) as a process starts dumping
 * core: "audit(SECS.MS:SERIAL): auid=.. uid=.. gid=.. ses=.. pid=N
 * comm=\"..\" exe=\"..\" sig=N res=1". It is the crash evidence of a death.
 * The daemon's record filter has to let type 1701 through to reach it.
 * Exercise it with `meson test -C build proc_deaths`; by hand, run a program
 * that dereferences NULL and look for `type=1701` in `dmesg` (no audit
 * daemon) or `ausearch -m ANOM_ABEND`. */
#include "abend.h"

#include <errno.h>
#include <string.h>

#include "sigtrail/decode.h"

/* Parse "audit(SECS.MS:SERIAL)" at p into epoch ms and serial. */
static int parse_stamp(const char *p, const char *end, int64_t *ret_ms, uint64_t *ret_serial,
                       const char **ret_after)
{
	const char *dot, *colon, *close;
	int64_t secs, ms, serial;

	if (end - p < 7 || memcmp(p, "audit(", 6) != 0)
		return -EINVAL;
	p += 6;
	close = memchr(p, ')', (size_t)(end - p));
	if (!close)
		return -EINVAL;
	dot = memchr(p, '.', (size_t)(close - p));
	colon = dot ? memchr(dot, ':', (size_t)(close - dot)) : NULL;
	if (!colon || parse_i64_n(p, (size_t)(dot - p), 10, &secs) < 0 ||
	    parse_i64_n(dot + 1, (size_t)(colon - dot - 1), 10, &ms) < 0 || colon - dot - 1 != 3 ||
	    parse_i64_n(colon + 1, (size_t)(close - colon - 1), 10, &serial) < 0 || secs < 0 ||
	    serial < 0)
		return -EINVAL;
	*ret_ms = secs * 1000 + ms;
	*ret_serial = (uint64_t)serial;
	*ret_after = close + 1;
	return 0;
}

int abend_parse(const char *text, size_t len, struct death_abend *ret)
{
	const char *end = text + len, *p = memmem(text, len, "audit(", 6);
	struct death_abend a = {.uid = -1};
	bool have_pid = false, have_sig = false;
	char raw[1024], val[DEATH_TEXT_MAX];

	if (!p || parse_stamp(p, end, &a.epoch_ms, &a.serial, &p) < 0)
		return -EINVAL;
	/* Fields are space-separated; the kernel hex-encodes values with
	 * spaces, so a quoted value never contains one unless it is ours to
	 * refuse anyway. */
	while (p < end) {
		while (p < end && (*p == ' ' || *p == ':'))
			p++;
		const char *tok = p;
		while (p < end && *p != ' ' && *p != '\n')
			p++;
		const char *eq = memchr(tok, '=', (size_t)(p - tok));
		if (!eq)
			continue;
		size_t kn = (size_t)(eq - tok), vn = (size_t)(p - eq - 1);
		int64_t v;
		if (vn >= sizeof(raw))
			continue;
		memcpy(raw, eq + 1, vn);
		raw[vn] = '\0';
		if (kn == 3 && memcmp(tok, "pid", 3) == 0) {
			if (parse_i64(raw, 10, &v) < 0 || v <= 0 || v > INT32_MAX)
				return -EINVAL;
			a.pid = (int32_t)v;
			have_pid = true;
		} else if (kn == 3 && memcmp(tok, "sig", 3) == 0) {
			if (parse_i64(raw, 10, &v) < 0 || v <= 0 || v > 64)
				return -EINVAL;
			a.signal = (int)v;
			have_sig = true;
		} else if (kn == 3 && memcmp(tok, "uid", 3) == 0) {
			if (parse_i64(raw, 10, &v) == 0 && v >= 0 && v < 4294967295)
				a.uid = v;
		} else if (kn == 4 && memcmp(tok, "comm", 4) == 0) {
			if (decode_value(raw, val, sizeof(a.comm)) >= 0)
				memcpy(a.comm, val, sizeof(a.comm));
		} else if (kn == 3 && memcmp(tok, "exe", 3) == 0) {
			if (decode_value(raw, val, sizeof(val)) >= 0)
				memcpy(a.exe, val, sizeof(a.exe));
		}
	}
	if (!have_pid || !have_sig)
		return -EINVAL;
	*ret = a;
	return 0;
}
