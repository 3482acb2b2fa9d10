/* filter.c: the first, cheap look at each record. In multicast and stdin
 * mode the stream carries every audit event of the machine (auditd's own
 * rules, logins, SELinux...); only SYSCALL records of the six signal
 * syscalls, and the OBJ_PID/PROCTITLE/EOE records of the same event, go on to
 * libauparse. It reads a handful of fields by hand, without allocating, and
 * applies the signal-0 policy that the kernel rules apply in unicast mode.
 * Exercise it with `meson test -C build filter`. */
#include "sigtrail/filter.h"

#include <errno.h>
#include <linux/audit.h>
#include <string.h>

#include "sigtrail/decode.h"
#include "sigtrail/sigsys.h"

int filter_parse_header(const char *body, size_t len, int64_t *ret_ms, uint64_t *ret_serial)
{
	const char *p = body, *end = body + len, *dot, *colon, *close;
	int64_t sec, ms, serial;

	if (len < 7 || memcmp(p, "audit(", 6) != 0)
		return -EINVAL;
	p += 6;
	dot = memchr(p, '.', (size_t)(end - p));
	if (!dot)
		return -EINVAL;
	colon = memchr(dot, ':', (size_t)(end - dot));
	if (!colon)
		return -EINVAL;
	close = memchr(colon, ')', (size_t)(end - colon));
	if (!close || close + 1 >= end || close[1] != ':')
		return -EINVAL;
	if (parse_i64_n(p, (size_t)(dot - p), 10, &sec) < 0 ||
	    parse_i64_n(dot + 1, (size_t)(colon - dot - 1), 10, &ms) < 0 ||
	    parse_i64_n(colon + 1, (size_t)(close - colon - 1), 10, &serial) < 0 || sec < 0 ||
	    ms < 0 || ms > 999 || serial < 0 || sec > INT64_MAX / 1000 - 1)
		return -EINVAL;
	*ret_ms = sec * 1000 + ms;
	*ret_serial = (uint64_t)serial;
	return (int)(close + 2 - body);
}

/* The value of " name=" in [p, end), up to the next space. */
static int field(const char *p, const char *end, const char *name, const char **ret_val,
                 size_t *ret_len)
{
	size_t nlen = strlen(name);

	while (p < end) {
		const char *sp = memchr(p, ' ', (size_t)(end - p));
		if (!sp)
			return -ENOENT;
		p = sp + 1;
		if ((size_t)(end - p) > nlen && memcmp(p, name, nlen) == 0 && p[nlen] == '=') {
			const char *v = p + nlen + 1, *ve = memchr(v, ' ', (size_t)(end - v));
			*ret_val = v;
			*ret_len = ve ? (size_t)(ve - v) : (size_t)(end - v);
			return 0;
		}
	}
	return -ENOENT;
}

static int field_num(const char *p, const char *end, const char *name, int base, int64_t *ret)
{
	const char *v;
	size_t vlen;

	if (field(p, end, name, &v, &vlen) < 0)
		return -ENOENT;
	/* Enriched logs end the raw part at 0x1d; a value never contains it. */
	const char *gs = memchr(v, 0x1d, vlen);
	if (gs)
		vlen = (size_t)(gs - v);
	return parse_i64_n(v, vlen, base, ret);
}

static bool ring_has(const struct filter *f, uint64_t serial)
{
	for (unsigned i = 0; i < FILTER_RING; i++)
		if (f->ring[i] == serial)
			return true;
	return false;
}

static void ring_del(struct filter *f, uint64_t serial)
{
	for (unsigned i = 0; i < FILTER_RING; i++)
		if (f->ring[i] == serial)
			f->ring[i] = 0;
}

static enum filter_verdict syscall_verdict(struct filter *f, const char *p, const char *end,
                                           uint64_t serial)
{
	int64_t arch, nr, sig;
	const struct sigsys *sc;

	if (field_num(p, end, "arch", 16, &arch) < 0 || field_num(p, end, "syscall", 10, &nr) < 0 ||
	    arch < 0 || arch > UINT32_MAX || nr < 0 || nr > INT32_MAX)
		return FILTER_MALFORMED;
	sc = sigsys_lookup((uint32_t)arch, (int)nr);
	if (!sc)
		return FILTER_DROP;
	if (field_num(p, end, sc->sig_arg == 1 ? "a1" : "a2", 16, &sig) < 0)
		return FILTER_MALFORMED;
	if (sig == 0 && !f->include_sig0) {
		f->sig0_dropped++;
		return FILTER_DROP;
	}
	f->ring[f->ring_next] = serial;
	f->ring_next = (f->ring_next + 1) % FILTER_RING;
	f->events_kept++;
	return FILTER_KEEP;
}

enum filter_verdict filter_record(struct filter *f, int type, const char *body, size_t len)
{
	enum filter_verdict v = FILTER_DROP;
	int64_t ms;
	uint64_t serial;
	int hdr;

	f->records_seen++;
	bool signal_type = type == AUDIT_SYSCALL || type == AUDIT_OBJ_PID ||
	                   type == AUDIT_PROCTITLE || type == AUDIT_EOE;
	/* Other record types are dropped without reading their text, unless
	 * every serial counts (unicast loss accounting). */
	if (!signal_type && !f->track_gaps)
		return FILTER_DROP;
	hdr = filter_parse_header(body, len, &ms, &serial);
	if (hdr < 0 || serial == 0) {
		if (!signal_type)
			return FILTER_DROP;
		f->malformed++;
		return FILTER_MALFORMED;
	}
	if (f->track_gaps)
		gaps_see(&f->gaps, serial);
	if (!signal_type)
		return FILTER_DROP;
	switch (type) {
	case AUDIT_SYSCALL:
		v = syscall_verdict(f, body + hdr, body + len, serial);
		break;
	case AUDIT_EOE:
		if (ring_has(f, serial)) {
			ring_del(f, serial);
			v = FILTER_KEEP;
		}
		break;
	default:
		v = ring_has(f, serial) ? FILTER_KEEP : FILTER_DROP;
		break;
	}
	if (v == FILTER_MALFORMED)
		f->malformed++;
	else if (v == FILTER_KEEP)
		f->records_kept++;
	return v;
}
