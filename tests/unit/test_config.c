/* Unit tests for config.c: the sigtraild.conf parser. Every error names the
 * file and line; a bad file leaves the caller's config untouched. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sigtrail/config.h"
#include "tap.h"

static char err[1024];

/* A key's value as the file set it: -1 or NULL when unset. */
static int64_t num(const struct config *c, const char *key)
{
	const union opt_value *v = config_get(c, key);

	return v ? v->i : -1;
}

static int boolean(const struct config *c, const char *key)
{
	const union opt_value *v = config_get(c, key);

	return v ? v->b : -1;
}

static const char *str(const struct config *c, const char *key)
{
	const union opt_value *v = config_get(c, key);

	return v ? v->s : NULL;
}

/* Parse `text` as the file "t.conf". */
static int parse(const char *text, struct config *c)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int r;

	err[0] = '\0';
	if (!f)
		return -errno;
	r = config_parse_file(f, "t.conf", c, err, sizeof(err));
	fclose(f);
	return r;
}

/* Whether config_free(c) returns in a child process: a crash (or a
 * sanitizer's report) there is a failed test here, not a dead test run. */
static bool config_free_returns(struct config *c)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return false;
	if (pid == 0) {
		config_free(c);
		_exit(0);
	}
	return waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* The error message for `text`, or "(parsed)" if it parsed. */
static const char *error_of(const char *text)
{
	struct config c;
	int r = parse(text, &c);

	if (r == 0) {
		config_free(&c);
		return "(parsed)";
	}
	return err;
}

static void test_full_file(void)
{
	struct config c;
	int r = parse("# sigtraild.conf\n"
	              "\n"
	              "db = /var/lib/sigtrail/x#1.db\n"
	              "   source=multicast   \n"
	              "\t# indented comment\n"
	              "include_sig0 = yes\r\n"
	              "keep_rules = Off\n"
	              "retention_days = 90\n"
	              "max_db_size_mb = 0\n"
	              "coalesce_ms = 250\n"
	              "db_buffer_mb = 128\n"
	              "runtime_dir = /run/sigtrail-b\n"
	              "processes = no\n"
	              "user = _sigtrail",
	              &c);

	is_int(r, 0, "a full file parses");
	is_str(str(&c, "db"), "/var/lib/sigtrail/x#1.db",
	       "db, '#' inside a value is not a comment");
	is_str(str(&c, "source"), "multicast", "source, blanks around key and value trimmed");
	is_int(boolean(&c, "include_sig0"), 1, "include_sig0 = yes, CRLF line end");
	is_int(boolean(&c, "keep_rules"), 0, "keep_rules = Off (case-insensitive)");
	is_int(num(&c, "retention_days"), 90, "retention_days");
	is_int(num(&c, "max_db_size_mb"), 0, "max_db_size_mb = 0 (no limit)");
	is_int(num(&c, "coalesce_ms"), 250, "coalesce_ms");
	is_int(num(&c, "db_buffer_mb"), 128, "db_buffer_mb");
	is_str(str(&c, "runtime_dir"), "/run/sigtrail-b", "runtime_dir");
	is_int(boolean(&c, "processes"), 0, "processes = no");
	is_str(str(&c, "user"), "_sigtrail", "user, last line without a newline");
	config_free(&c);
	ok(c.set == NULL && !str(&c, "db") && boolean(&c, "include_sig0") == -1,
	   "config_free resets to unset");
	ok(config_free_returns(NULL), "config_free(NULL) returns");
	ok(config_free_returns(&c), "config_free of a freed config returns (nothing freed twice)");
}

static void test_unset(void)
{
	struct config c;

	is_int(parse("# only comments\n\n   \n", &c), 0, "an empty file parses");
	ok(!str(&c, "db") && !str(&c, "source") && !str(&c, "user") && !str(&c, "runtime_dir"),
	   "strings unset");
	is_int(num(&c, "db_buffer_mb"), -1, "db_buffer_mb unset");
	ok(boolean(&c, "include_sig0") == -1 && boolean(&c, "keep_rules") == -1 &&
	       num(&c, "retention_days") == -1 && num(&c, "max_db_size_mb") == -1 &&
	       num(&c, "coalesce_ms") == -1 && boolean(&c, "processes") == -1,
	   "numbers and booleans unset");
	config_free(&c);
	is_int(parse("", &c), 0, "a zero-byte file parses");
	config_free(&c);
}

static void test_values(void)
{
	static const char *const yes[] = {"yes", "true", "on", "1", "YES"};
	static const char *const no[] = {"no", "false", "off", "0", "No"};
	static const char *const sources[] = {"auto", "unicast", "multicast", "stdin"};
	char line[128];
	struct config c;

	for (size_t i = 0; i < 5; i++) {
		snprintf(line, sizeof(line), "include_sig0 = %s\nkeep_rules = %s\n", yes[i], no[i]);
		ok(parse(line, &c) == 0 && boolean(&c, "include_sig0") == 1 &&
		       boolean(&c, "keep_rules") == 0,
		   "booleans %s and %s", yes[i], no[i]);
		config_free(&c);
	}
	for (size_t i = 0; i < 4; i++) {
		snprintf(line, sizeof(line), "source = %s\n", sources[i]);
		ok(parse(line, &c) == 0 && strcmp(str(&c, "source"), sources[i]) == 0,
		   "source = %s", sources[i]);
		config_free(&c);
	}
	ok(parse("retention_days = 36500\nmax_db_size_mb = 1048576\ncoalesce_ms = 3600000\n", &c) ==
	           0 &&
	       num(&c, "retention_days") == 36500 && num(&c, "max_db_size_mb") == 1048576 &&
	       num(&c, "coalesce_ms") == 3600000,
	   "numbers at their maximum");
	config_free(&c);
}

static void test_errors(void)
{
	char big[CONFIG_LINE_MAX + 16];
	struct config c;

	is_str(
	    error_of("db = /a.db\nfrobnicate = 1\n"),
	    "t.conf:2: unknown key 'frobnicate' (known: db, source, include_sig0, keep_rules, "
	    "retention_days, max_db_size_mb, forward_position, jsonl, db_buffer_mb, coalesce_ms, "
	    "user, processes, exits, exit_min_age_ms, zombie_delay_ms, request_dirs, redact, "
	    "redact_disable, "
	    "redact_flag, runtime_dir)",
	    "unknown key names file and line and lists the keys");
	is_str(error_of("include-sig0 = yes\n"),
	       "t.conf:1: unknown key 'include-sig0' (did you mean 'include_sig0'?)",
	       "the flag's spelling points at the key");
	is_str(error_of("\n\nsource = udp\n"),
	       "t.conf:3: source = 'udp': expected auto, unicast, multicast or stdin",
	       "bad source");
	is_str(error_of("include_sig0 = maybe\n"),
	       "t.conf:1: include_sig0 = 'maybe': expected yes or no", "bad boolean");
	is_str(error_of("db = relative.db\n"),
	       "t.conf:1: db = 'relative.db': expected an absolute path", "relative db path");
	is_str(error_of("db = /var/lib/sigtrail/\n"),
	       "t.conf:1: db = '/var/lib/sigtrail/': expected a file, not a directory",
	       "db naming a directory");
	is_str(error_of("db =\n"),
	       "t.conf:1: 'db' has no value (comment the line out to keep the default)",
	       "empty value");
	is_str(error_of("# x\ndb /var/lib/x.db\n"),
	       "t.conf:2: expected 'key = value', got 'db /var/lib/x.db'", "missing '='");
	is_str(error_of(" = 3\n"), "t.conf:1: missing key before '='", "missing key");
	is_str(error_of("source = auto\nkeep_rules = no\nsource = stdin\n"),
	       "t.conf:3: 'source' is set twice (first on line 1)", "duplicate key");
	is_str(error_of("retention_days = -1\n"),
	       "t.conf:1: retention_days = '-1': expected a whole number of days from 0 to 36500",
	       "negative number");
	is_str(error_of("retention_days = 36501\n"),
	       "t.conf:1: retention_days = '36501': expected a whole number of days from 0 to "
	       "36500",
	       "number over its maximum");
	is_str(error_of("max_db_size_mb = 10M\n"),
	       "t.conf:1: max_db_size_mb = '10M': expected a whole number of MiB from 0 to "
	       "1048576",
	       "number with a suffix");
	is_str(error_of("max_db_size_mb = 99999999999999999999\n"),
	       "t.conf:1: max_db_size_mb = '99999999999999999999': expected a whole number of "
	       "MiB from 0 to 1048576",
	       "number overflowing int64");
	is_str(error_of("db_buffer_mb = 0\n"),
	       "t.conf:1: db_buffer_mb = '0': expected a whole number of MiB from 1 to 65536",
	       "db_buffer_mb 0 (it would lose every row of a full disk)");
	is_str(error_of("db_buffer_mb = 65537\n"),
	       "t.conf:1: db_buffer_mb = '65537': expected a whole number of MiB from 1 to 65536",
	       "db_buffer_mb over its maximum");
	is_str(error_of("runtime_dir = run/sigtrail\n"),
	       "t.conf:1: runtime_dir = 'run/sigtrail': expected an absolute path",
	       "runtime_dir relative");
	is_str(error_of("user = root;rm\n"),
	       "t.conf:1: user = 'root;rm': expected a user name (letters, digits, '_', '-', "
	       "'.', at most 32 bytes)",
	       "user name with a metacharacter");
	is_str(error_of("user = -rf\n"),
	       "t.conf:1: user = '-rf': expected a user name (letters, digits, '_', '-', '.', "
	       "at most 32 bytes)",
	       "user name starting with '-'");
	is_str(error_of("user = abcdefghijklmnopqrstuvwxyz0123456\n"),
	       "t.conf:1: user = 'abcdefghijklmnopqrstuvwxyz0123456': expected a user name "
	       "(letters, digits, '_', '-', '.', at most 32 bytes)",
	       "user name over 32 bytes");
	is_str(error_of("user = machine$\n"), "(parsed)", "a trailing '$' is a valid user name");
	is_str(error_of("db = /a\x1b[2J.db\n"),
	       "t.conf:1: 'db': control character 0x1b in the value",
	       "control character in a value");

	{
		static const char nul[] = "source = auto\ndb = /a\0b.db\n";
		FILE *f = fmemopen((void *)nul, sizeof(nul) - 1, "r");
		is_int(config_parse_file(f, "t.conf", &c, err, sizeof(err)), -EINVAL,
		       "NUL byte refused");
		is_str(err, "t.conf:2: NUL byte in the line", "NUL byte names the line");
		fclose(f);
	}

	memset(big, 'x', sizeof(big));
	memcpy(big, "db = /", 6);
	big[sizeof(big) - 2] = '\n';
	big[sizeof(big) - 1] = '\0';
	is_str(error_of(big), "t.conf:1: line longer than 4095 bytes", "over-long line refused");

	/* Failure leaves *ret untouched. */
	struct config_entry sentinel = {0};
	c.set = &sentinel;
	is_int(parse("source = auto\ndb = /x.db\nbogus = 1\n", &c), -EINVAL,
	       "a late error fails the whole file");
	ok(c.set == &sentinel, "*ret untouched on failure");
}

static void test_load(void)
{
	char dir[] = "/tmp/test_config.XXXXXX";
	char path[256];
	struct config c;
	FILE *f;

	if (!mkdtemp(dir)) {
		ok(0, "mkdtemp: %s", strerror(errno));
		return;
	}
	snprintf(path, sizeof(path), "%s/sigtraild.conf", dir);

	is_int(config_load(path, &c, err, sizeof(err)), -ENOENT, "missing file is -ENOENT");
	ok(strstr(err, path) != NULL, "and the message names the path");

	f = fopen(path, "w");
	fputs("db = /var/tmp/s.db\ninclude_sig0 = on\n", f);
	fclose(f);
	chmod(path, 0644);
	is_int(config_load(path, &c, err, sizeof(err)), 0, "config_load reads a file");
	is_str(str(&c, "db"), "/var/tmp/s.db", "with its values");
	config_free(&c);

	f = fopen(path, "a");
	fputs("keep_rules = perhaps\n", f);
	fclose(f);
	is_int(config_load(path, &c, err, sizeof(err)), -EINVAL, "bad file is -EINVAL");
	char want[512];
	snprintf(want, sizeof(want), "%s:3: keep_rules = 'perhaps': expected yes or no", path);
	is_str(err, want, "error names the real path and line");

	chmod(path, 0666);
	is_int(config_load(path, &c, err, sizeof(err)), -EPERM, "world-writable file refused");
	is_int(config_load(dir, &c, err, sizeof(err)), -EISDIR, "a directory refused");
	is_int(config_load("/dev/null", &c, err, sizeof(err)), 0, "/dev/null is an empty config");
	ok(!str(&c, "db") && c.set != NULL, "with nothing set");
	config_free(&c);

	unlink(path);
	rmdir(dir);
}

int main(void)
{
	test_full_file();
	test_unset();
	test_values();
	test_errors();
	test_load();
	return tap_done();
}
