/* time.c: the times people type (--since 2h, --until '2026-11-21 10:00')
 * and the times the CLI prints. Typed times without a zone are local time
 * (TZ), as `date -d` reads them, unless --utc; printed times are local on a
 * terminal and UTC in exports, and every output names its zone. Parsing is
 * strict: the whole string must match, and a date that does not exist
 * (2026-02-30, or 02:30 on the night clocks jump forward) is an error, not
 * silently moved. Exercise with `meson test -C /tmp/cli-build cli_fmt` or
 * `sigtrail list --since '2026-11-21 10:00' --until 30m`. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli_fmt.h"

enum {
	MS_PER_S = 1000,
	MAX_DURATION_S = 100LL * 366 * 86400, /* a century back is far enough */
	MIN_YEAR = 1970,
	MAX_YEAR = 9999,
};

/* Times the formatters accept: years 0 to 9999. Outside, they print a
 * marker instead of overflowing. */
static const int64_t max_abs_ms = INT64_C(253402300800000);

bool cli_time_valid(int64_t ms)
{
	return ms >= -max_abs_ms && ms <= max_abs_ms;
}

int64_t cli_time_clamp(int64_t ms)
{
	return ms < -max_abs_ms ? -max_abs_ms : ms > max_abs_ms ? max_abs_ms : ms;
}

static bool printable(int64_t ms, char *buf, size_t size)
{
	if (cli_time_valid(ms))
		return true;
	snprintf(buf, size, "(invalid time)");
	return false;
}

/* floor(a / b) for b > 0, so that times before 1970 format correctly. */
static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b < 0);
}

/* Read exactly `n` digits. */
static bool digits(const char **s, int n, int *ret)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*s)[i]))
			return false;
		v = v * 10 + ((*s)[i] - '0');
	}
	*s += n;
	*ret = v;
	return true;
}

static int parse_duration(const char *s, int64_t *ret_s)
{
	int64_t total = 0;

	if (!*s)
		return -EINVAL;
	while (*s) {
		int64_t v = 0, unit;

		if (!isdigit((unsigned char)*s))
			return -EINVAL;
		while (isdigit((unsigned char)*s)) {
			v = v * 10 + (*s++ - '0');
			if (v > MAX_DURATION_S)
				return -ERANGE;
		}
		switch (*s++) {
		case 's':
			unit = 1;
			break;
		case 'm':
			unit = 60;
			break;
		case 'h':
			unit = 3600;
			break;
		case 'd':
			unit = 86400;
			break;
		case 'w':
			unit = 7 * 86400;
			break;
		default:
			return -EINVAL;
		}
		total += v * unit;
		if (total > MAX_DURATION_S)
			return -ERANGE;
	}
	*ret_s = total;
	return 0;
}

/* Zone suffix: "Z", "+HH", "+HHMM", "+HH:MM" (or '-'). */
static int parse_zone(const char *s, int *ret_offset_s)
{
	int sign, hh, mm = 0;

	if (strcmp(s, "Z") == 0 || strcmp(s, "z") == 0) {
		*ret_offset_s = 0;
		return 0;
	}
	if (*s != '+' && *s != '-')
		return -EINVAL;
	sign = *s++ == '-' ? -1 : 1;
	if (!digits(&s, 2, &hh))
		return -EINVAL;
	if (*s == ':')
		s++;
	if (*s && !digits(&s, 2, &mm))
		return -EINVAL;
	if (*s || hh > 23 || mm > 59)
		return -EINVAL;
	*ret_offset_s = sign * (hh * 3600 + mm * 60);
	return 0;
}

static int days_in_month(int year, int month)
{
	static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return month == 2 && leap ? 29 : days[month - 1];
}

/* Local midnight (or UTC) of the day containing `ms`, minus `days_back` days. */
static int day_start(int64_t ms, bool utc, int days_back, int64_t *ret_ms)
{
	time_t t = (time_t)floor_div(ms, MS_PER_S);
	struct tm tm;

	if (!(utc ? gmtime_r(&t, &tm) : localtime_r(&t, &tm)))
		return -ERANGE;
	tm.tm_mday -= days_back;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	t = utc ? timegm(&tm) : mktime(&tm);
	*ret_ms = (int64_t)t * MS_PER_S;
	return 0;
}

static int parse_absolute(const char *s, bool utc, int64_t *ret_ms)
{
	int year, mon, day, hour = 0, min = 0, sec = 0, ms = 0, offset = 0;
	bool has_zone = false;

	if (!digits(&s, 4, &year) || *s++ != '-' || !digits(&s, 2, &mon) || *s++ != '-' ||
	    !digits(&s, 2, &day))
		return -EINVAL;
	if (*s == 'T' || *s == 't' || *s == ' ') {
		s++;
		if (!digits(&s, 2, &hour) || *s++ != ':' || !digits(&s, 2, &min))
			return -EINVAL;
		if (*s == ':') {
			s++;
			if (!digits(&s, 2, &sec))
				return -EINVAL;
			if (*s == '.' || *s == ',') {
				int scale = 100, n = 0;
				s++;
				while (isdigit((unsigned char)*s)) {
					ms += (*s++ - '0') * scale;
					scale /= 10;
					n++;
				}
				if (n == 0 || n > 9)
					return -EINVAL;
			}
		}
	}
	if (*s) {
		if (parse_zone(s, &offset) < 0)
			return -EINVAL;
		has_zone = true;
	}
	if (year < MIN_YEAR || year > MAX_YEAR || mon < 1 || mon > 12 || day < 1 ||
	    day > days_in_month(year, mon) || hour > 23 || min > 59 || sec > 60)
		return -EINVAL;

	struct tm tm = {.tm_year = year - 1900,
	                .tm_mon = mon - 1,
	                .tm_mday = day,
	                .tm_hour = hour,
	                .tm_min = min,
	                .tm_sec = sec,
	                .tm_isdst = -1};
	time_t t;
	if (has_zone || utc) {
		t = timegm(&tm) - offset;
	} else {
		t = mktime(&tm);
		if (t == (time_t)-1 && errno == EOVERFLOW)
			return -ERANGE;
		/* mktime moves a time inside a DST gap; refuse it instead. */
		if (tm.tm_hour != hour || tm.tm_min != min || tm.tm_mday != day)
			return -EINVAL;
	}
	*ret_ms = (int64_t)t * MS_PER_S + ms;
	return 0;
}

int cli_time_parse(const char *s, int64_t now_ms, bool utc, int64_t *ret_ms)
{
	int64_t v, secs;
	int r;

	if (!s || !*s)
		return -EINVAL;
	if (strcmp(s, "now") == 0) {
		*ret_ms = now_ms;
		return 0;
	}
	if (strcmp(s, "today") == 0)
		return day_start(now_ms, utc, 0, ret_ms);
	if (strcmp(s, "yesterday") == 0)
		return day_start(now_ms, utc, 1, ret_ms);
	if (s[0] == '@') {
		const char *p = s + 1;
		if (!*p || strlen(p) > 12)
			return *p ? -ERANGE : -EINVAL;
		for (v = 0; *p; p++) {
			if (!isdigit((unsigned char)*p))
				return -EINVAL;
			v = v * 10 + (*p - '0');
		}
		*ret_ms = v * MS_PER_S;
		return 0;
	}
	if (strlen(s) >= 10 && s[4] == '-')
		return parse_absolute(s, utc, ret_ms);
	r = parse_duration(s, &secs);
	if (r < 0)
		return r;
	*ret_ms = now_ms - secs * MS_PER_S;
	return 0;
}

void cli_time_fmt(int64_t ms, bool utc, char *buf, size_t size)
{
	time_t t = (time_t)floor_div(ms, MS_PER_S);
	struct tm tm;
	char day[32];

	if (!printable(ms, buf, size))
		return;
	if (!(utc ? gmtime_r(&t, &tm) : localtime_r(&t, &tm))) {
		snprintf(buf, size, "@%lld.%03d", (long long)t, (int)(ms - (int64_t)t * MS_PER_S));
		return;
	}
	strftime(day, sizeof(day), "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(buf, size, "%s.%03d", day, (int)(ms - (int64_t)t * MS_PER_S));
}

void cli_time_iso(int64_t ms, char *buf, size_t size)
{
	time_t t = (time_t)floor_div(ms, MS_PER_S);
	struct tm tm;
	char day[32];

	if (!printable(ms, buf, size))
		return;
	if (!gmtime_r(&t, &tm)) {
		snprintf(buf, size, "@%lld", (long long)t);
		return;
	}
	strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, size, "%s.%03dZ", day, (int)(ms - (int64_t)t * MS_PER_S));
}

void cli_time_zone(int64_t ms, bool utc, char *buf, size_t size)
{
	time_t t = (time_t)floor_div(ms, MS_PER_S);
	struct tm tm;

	if (!printable(ms, buf, size))
		return;
	if (utc || !localtime_r(&t, &tm)) {
		snprintf(buf, size, "UTC");
		return;
	}
	long off = tm.tm_gmtoff;
	if (off == 0 && tm.tm_zone &&
	    (strcmp(tm.tm_zone, "UTC") == 0 || strcmp(tm.tm_zone, "GMT") == 0)) {
		snprintf(buf, size, "UTC");
		return;
	}
	char sign = off < 0 ? '-' : '+';
	if (off < 0)
		off = -off;
	snprintf(buf, size, "%s, UTC%c%02ld:%02ld", tm.tm_zone ? tm.tm_zone : "local", sign,
	         off / 3600, (off / 60) % 60);
}

void cli_time_short(FILE *out, int64_t ms, bool utc)
{
	char t[40], zone[48];

	cli_time_fmt(ms, utc, t, sizeof(t));
	t[19] = '\0'; /* drop the milliseconds */
	if (utc) {
		fprintf(out, "%sZ", t);
	} else {
		cli_time_zone(ms, false, zone, sizeof(zone));
		zone[strcspn(zone, ",")] = '\0';
		fprintf(out, "%s %s", t, zone);
	}
}
