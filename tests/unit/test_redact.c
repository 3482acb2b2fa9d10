/* test_redact.c: every redaction rule on the shapes it catches, the shapes
 * it must leave alone (false positives), the operator's rules (one turned
 * off, one added), --no-redact, and the store applying it to every command
 * line it writes (signals, ancestry, deaths) with the count in coverage.
 * Run with `meson test -C build redact`. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sigtrail/redact.h"
#include "sigtrail/proc_extra.h"
#include "sigtrail/store.h"
#include "tap.h"

/* in, and what is stored (NULL: unchanged), under rules r. */
static void check(const struct redact_rules *r, const char *in, const char *want)
{
	char *out = NULL;
	int n = redact_cmdline(r, in, &out);

	if (!want) {
		ok(n == 0, "kept: %s", in);
		if (n != 0)
			printf("#   got '%s'\n", out);
	} else {
		is_str(n > 0 ? out : in, want, "redacted: %s", in);
	}
	free(out);
}

static const char *const caught[][2] = {
    /* flags */
    {"app --password=S3cr3t -v", "app --password=<redacted> -v"},
    {"app --password S3cr3t -v", "app --password <redacted> -v"},
    {"app --passwd=x", "app --passwd=<redacted>"},
    {"app --token abc123", "app --token <redacted>"},
    {"app --client-secret=abc", "app --client-secret=<redacted>"},
    {"app --api-key K1", "app --api-key <redacted>"},
    {"app --API_KEY=K1", "app --API_KEY=<redacted>"},
    {"app --db-pass hunter2", "app --db-pass <redacted>"},
    {"app --passphrase words", "app --passphrase <redacted>"},
    {"java -Djavax.net.ssl.keyStorePassword=changeit -jar a.jar",
     "java -Djavax.net.ssl.keyStorePassword=<redacted> -jar a.jar"},
    /* key=value */
    {"env PASSWORD=S3cr3t app", "env PASSWORD=<redacted> app"},
    {"env AWS_SECRET_ACCESS_KEY=wJalr/K7MDENG app", "env AWS_SECRET_ACCESS_KEY=<redacted> app"},
    {"env GITHUB_TOKEN=abc MYSQL_PWD=x run",
     "env GITHUB_TOKEN=<redacted> MYSQL_PWD=<redacted> run"},
    {"curl https://api.example.com/x?user=bob&access_token=abc&y=1",
     "curl https://api.example.com/x?user=bob&access_token=<redacted>&y=1"},
    /* URL credentials */
    {"psql postgres://user:pass@db.local:5432/app",
     "psql postgres://user:<redacted>@db.local:5432/app"},
    {"app --db=mysql://root:p@ss@h/x", "app --db=mysql://root:<redacted>@h/x"},
    {"env DATABASE_URL=redis://:pw@cache:6379", "env DATABASE_URL=redis://:<redacted>@cache:6379"},
    /* authorization headers */
    {"curl -H Authorization: Bearer eyZ.abc https://x",
     "curl -H Authorization: Bearer <redacted> https://x"},
    {"curl -H Authorization: Basic dXNlcjpwYXNz https://x",
     "curl -H Authorization: Basic <redacted> https://x"},
    {"curl --header=authorization:token T0K", "curl --header=authorization:token <redacted>"},
    {"curl -H X-Api-Key: K123 https://x", "curl -H X-Api-Key: <redacted> https://x"},
    {"curl -H Proxy-Authorization:Zm9v", "curl -H Proxy-Authorization:<redacted>"},
    /* tools' short flags */
    {"mysql -u root -pS3cr3t db", "mysql -u root -p<redacted> db"},
    {"/usr/bin/mysqldump -pS3cr3t db", "/usr/bin/mysqldump -p<redacted> db"},
    {"sudo mysql -pS3cr3t", "sudo mysql -p<redacted>"},
    {"sshpass -p S3cr3t ssh host", "sshpass -p <redacted> ssh host"},
    {"sshpass -pS3cr3t ssh host", "sshpass -p<redacted> ssh host"},
    {"redis-cli -a S3cr3t ping", "redis-cli -a <redacted> ping"},
    {"ldapsearch -x -w S3cr3t -b dc=x", "ldapsearch -x -w <redacted> -b dc=x"},
    {"sqlcmd -S h -P S3cr3t", "sqlcmd -S h -P <redacted>"},
    {"mongosh -u admin -p S3cr3t", "mongosh -u admin -p <redacted>"},
    {"curl -u bob:S3cr3t https://x", "curl -u bob:<redacted> https://x"},
    {"curl --user=bob:S3cr3t https://x", "curl --user=bob:<redacted> https://x"},
    /* tokens */
    {"git push https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/o/r",
     "git push https://ghp_<redacted>@github.com/o/r"},
    {"tool github_pat_11ABCDEFG0123456789_abcdefghij", "tool github_pat_<redacted>"},
    {"tool glpat-abcdefghij0123456789", "tool glpat-<redacted>"},
    {"notify xoxb-1234567890-abcdef", "notify xoxb-<redacted>"},
    {"charge sk_live_abcdefghij12345", "charge sk_live_<redacted>"},
    {"ask sk-proj-abcdefghijklmnopqrstuvwx", "ask sk-<redacted>"},
    {"call eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N",
     "call eyJ<redacted>"},
};

static const char *const kept[] = {
    "ls -p /tmp",                      /* -p of another tool */
    "mysql -p db",                     /* mysql -p alone prompts: db is a database */
    "app --password-file=/etc/app/pw", /* a reference, not the secret */
    "app --token-file /etc/app/tok",
    "docker login --password-stdin -u bob", /* a switch: -u is not its value */
    "psql --no-password -h db",
    "ansible-playbook --ask-vault-password site.yml",
    "app --password -v",              /* the next word is another flag */
    "env PWD=/home/bob OLDPWD=/ app", /* the working directory */
    "python3 train.py --tokenizer bert",
    "psql postgres://user@db.local/app", /* no password in the URL */
    "git clone https://github.com/o/r.git",
    "aws s3 ls --profile prod AKIAIOSFODNN7EXAMPLE", /* an access key id is not a secret */
    "pip install scikit-learn sk-learn",
    "nginx: worker process",
    "/usr/lib/systemd/systemd --user",
    "sleep 1000",
    "bash -c kill -9 $(pgrep python)",
    "curl -H Content-Type: application/json https://x",
    "mysql --port=3306 -u root",
    "",
};

/* The operator's rules: off as a whole, one family off, one name added. */
static void operator_rules(void)
{
	struct redact_rules r;
	char err[256];

	redact_rules_default(&r);
	r.off = true;
	check(&r, "mysql -pS3cr3t", NULL);

	redact_rules_default(&r);
	ok(redact_rules_disable(&r, "url-credentials, tool-flags", err, sizeof(err)) == 0,
	   "disable two rules: %s", err);
	check(&r, "psql postgres://user:pass@db", NULL);
	check(&r, "mysql -pS3cr3t", NULL);
	check(&r, "app --password=x", "app --password=<redacted>");
	ok(redact_rules_disable(&r, "urls", err, sizeof(err)) < 0 && strstr(err, "'urls'") &&
	       strstr(err, "url-credentials"),
	   "an unknown rule is refused by name: %s", err);

	redact_rules_default(&r);
	ok(redact_rules_add(&r, "--vault-pass,MY_KEY", err, sizeof(err)) == 0, "add names: %s",
	   err);
	check(&r, "deploy --vault-pass hunter2 --vault-pass=x2",
	      "deploy --vault-pass <redacted> --vault-pass=<redacted>");
	check(&r, "env MY_KEY=v run MY_KEY v", "env MY_KEY=<redacted> run MY_KEY v");
	ok(redact_rules_add(&r, "a b", err, sizeof(err)) < 0 && r.n_extra == 2,
	   "a name with a blank is refused, the rules unchanged: %s", err);
	ok(redact_rules_add(&r, "x,", err, sizeof(err)) < 0, "an empty name is refused");
}

/* The store redacts every command line it writes, and counts them. */
static void store_applies(void)
{
	char dir[] = "/tmp/test_redact.XXXXXX", path[64], err[256];
	struct store *st = NULL;

	ok(mkdtemp(dir) != NULL, "temporary directory");
	snprintf(path, sizeof(path), "%s/t.db", dir);
	ok(store_open(path, "h", &st, err, sizeof(err)) == 0, "open: %s", err);
	struct st_event *ev = calloc(1, sizeof(*ev) + sizeof(struct st_target));
	struct proc_extra *x = calloc(1, sizeof(*x) + sizeof(struct proc_target_extra));
	if (!ev || !x)
		return;
	*ev = (struct st_event){.epoch_ms = 1000,
	                        .serial = 7,
	                        .pid = 10,
	                        .signal = 9,
	                        .success = true,
	                        .auid = ST_ID_UNSET,
	                        .ses = ST_ID_UNSET,
	                        .cmdline = "mysql -pS3cr3t",
	                        .n_targets = 1};
	ev->targets[0] = (struct st_target){.pid = 20, .auid = ST_ID_UNSET, .ses = ST_ID_UNSET};
	x->id = 1;
	x->n_members = 2;
	x->members[0] =
	    (struct proc_member){.pid = 10, .start_time = 5, .cmdline = "mysql -pS3cr3t"};
	x->members[1] =
	    (struct proc_member){.pid = 9, .start_time = 4, .cmdline = "sshpass -p S3cr3t bash"};
	x->n_targets = 1;
	x->targets[0] = (struct proc_target_extra){.pid = 20, .cmdline = "app PASSWORD=S3cr3t"};
	ok(store_insert_extra(st, ev, x) == 1, "a row");
	struct store_death d = {.epoch_ms = 2000,
	                        .pid = 20,
	                        .uid = -1,
	                        .signal = 9,
	                        .exit_status = -1,
	                        .cmdline = "app --token S3cr3t",
	                        .cause = "signal",
	                        .evidence = "test",
	                        .signal_id = -1};
	ok(store_insert_death(st, &d) == 1, "a death");
	ok(store_commit(st) == 0, "commit");
	struct store_stats ss;
	store_stats(st, &ss);
	is_int(ss.redactions, 5, "five secrets counted");
	ev->serial = 8; /* the same command line again: judged from the cache, counted again */
	ev->epoch_ms = 5000;
	ok(store_insert(st, ev) == 1 && store_commit(st) == 0, "another row");
	store_stats(st, &ss);
	is_int(ss.redactions, 6, "a repeated command line counts again");
	store_close(st);
	free(ev);
	free(x);

	char cmd[512];
	snprintf(cmd, sizeof(cmd),
	         "sqlite3 %s \"select sender_cmdline || '|' || target_cmdline from signals where "
	         "serial = 7; "
	         "select group_concat(cmdline, '|') from (select cmdline from ancestry order by "
	         "depth); select cmdline from deaths\"",
	         path);
	FILE *p = popen(cmd, "r");
	char a[128] = "", b[128] = "", c[128] = "";
	if (p) {
		(void)!fgets(a, sizeof(a), p);
		(void)!fgets(b, sizeof(b), p);
		(void)!fgets(c, sizeof(c), p);
		pclose(p);
	}
	is_str(a, "mysql -p<redacted>|app PASSWORD=<redacted>\n",
	       "sender and target command lines");
	is_str(b, "mysql -p<redacted>|sshpass -p <redacted> bash\n", "ancestry command lines");
	is_str(c, "app --token <redacted>\n", "deaths.cmdline");
	snprintf(cmd, sizeof(cmd), "grep -rqa S3cr3t %s", dir);
	ok(system(cmd) != 0, "the secret is nowhere in the database files");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	(void)!system(cmd);
}

/* Lines made of the pieces every rule looks at, in every order (a fixed
 * seed: the same lines each run): the scanner never reads past a line
 * (the sanitizer build checks it), and no line keeps the secret word. */
static void pieces(const struct redact_rules *r)
{
	static const char *const piece[] = {"--password",
	                                    "-p",
	                                    "S3cr3t",
	                                    "mysql",
	                                    "curl",
	                                    "-u",
	                                    ":",
	                                    "=",
	                                    "@",
	                                    "://",
	                                    "Authorization:",
	                                    "Bearer",
	                                    "?",
	                                    "&",
	                                    "token=",
	                                    "ghp_",
	                                    "eyJ",
	                                    ".",
	                                    "sshpass",
	                                    " ",
	                                    "-",
	                                    "x",
	                                    "PASSWORD=",
	                                    "u:S3cr3t@h",
	                                    "-pS3cr3t",
	                                    "--token=S3cr3t"};
	enum { NP = sizeof(piece) / sizeof(piece[0]) };
	unsigned seed = 15, bad = 0;
	char line[256];

	for (int k = 0; k < 20000; k++) {
		size_t n = 0;
		int count = 1 + (int)((seed = seed * 1103515245u + 12345u) >> 16) % 12;
		for (int i = 0; i < count; i++) {
			const char *p = piece[((seed = seed * 1103515245u + 12345u) >> 16) % NP];
			size_t m = strlen(p);
			if (n + m + 1 >= sizeof(line))
				break;
			memcpy(line + n, p, m);
			n += m;
		}
		line[n] = '\0';
		char *out = NULL;
		int got = redact_cmdline(r, line, &out);
		if (got < 0 || (got > 0 && !strstr(out, REDACT_MARKER)))
			bad++;
		free(out);
	}
	is_int(bad, 0, "20,000 lines of the rules' pieces: every result well formed");
	char *out = NULL;
	ok(redact_cmdline(r, "mysql -pS3cr3t -pS3cr3t --password=S3cr3t S3cr3t=1", &out) == 3 &&
	       strcmp(out, "mysql -p<redacted> -p<redacted> --password=<redacted> S3cr3t=1") == 0,
	   "three secrets in one line, counted: %s", out ? out : "(null)");
	free(out);
}

int main(void)
{
	struct redact_rules r;

	redact_rules_default(&r);
	for (size_t i = 0; i < sizeof(caught) / sizeof(caught[0]); i++)
		check(&r, caught[i][0], caught[i][1]);
	for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++)
		check(&r, kept[i], NULL);
	char *out = NULL;
	ok(redact_cmdline(&r, NULL, &out) == 0 && !out, "no command line: nothing");
	pieces(&r);
	operator_rules();
	store_applies();
	return tap_done();
}
