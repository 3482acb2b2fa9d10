/* Unit tests of the zombies in the store (collector/store/zombies.c,
 * prune.c, schema/018-zombies.sql): a finding becomes a row of the zombies
 * view, found twice it is one row, its reaping sets reaped_at, a restart
 * hands this boot's unreaped zombies back and closes another boot's, and the
 * retention deletes reaped zombies only, keeping the texts of the others. */
#include <errno.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sigtrail/schema.h"
#include "sigtrail/store.h"
#include "sigtrail/zombie.h"
#include "sqlq.h"
#include "tap.h"

static char dir[] = "/tmp/sigtrail-test-zombies-XXXXXX";
static char path[320];

/* One value of a query on the test database. */
static const char *q(const char *sql)
{
	return sqlq(path, sql);
}

/* The note's strings (it owns them as char *; these are never freed). */
static char sh[] = "sh", secret[] = "sh -c curl --password hunter2 http://x", node[] = "node",
            npm[] = "npm start", cont[] = "3f2a9b1c0d4e", unit[] = "app.service";

static struct zombie_note note(int32_t pid, uint64_t start, int64_t ms)
{
	return (struct zombie_note){.epoch_ms = ms,
	                            .exit_seen = true,
	                            .pid = pid,
	                            .start_time = start,
	                            .exit_status = 3,
	                            .ppid = 500,
	                            .parent_start_time = 50,
	                            .parent_is_init = true,
	                            .comm = sh,
	                            .cmdline = secret,
	                            .parent_comm = node,
	                            .parent_cmdline = npm,
	                            .container = cont};
}

static int64_t resumed[8];
static size_t n_resumed;

static void on_resume(void *userdata, int32_t pid, uint64_t start_time)
{
	(void)userdata;
	if (n_resumed < 8)
		resumed[n_resumed++] = pid * 1000 + (int64_t)start_time;
}

int main(void)
{
	struct store *st = NULL;
	char err[512];
	int64_t t = 1795317670616, day = 86400000;

	ok(mkdtemp(dir) != NULL, "temp dir");
	snprintf(path, sizeof(path), "%s/z.db", dir);
	ok(store_open(path, "testhost", &st, err, sizeof(err)) == 0, "create: %s", err);

	struct zombie_note a = note(601, 80, t), b = note(602, 81, t + 5);
	b.signal = 9;
	b.exit_status = -1;
	b.parent_is_init = false;
	b.container = NULL;
	b.unit = unit;
	b.exit_seen = false;
	is_int(store_insert_zombie(st, &a), 1, "a zombie: 1 row");
	is_int(store_insert_zombie(st, &b), 1, "another: 1 row");
	is_int(store_insert_zombie(st, &a), 0, "the same zombie again (pid, start time): no row");
	ok(store_commit(st) == 0, "commit");
	is_str(q("SELECT count(*) FROM zombies"), "2", "two rows in the zombies view");
	is_str(q("SELECT time || '|' || epoch_ms || '|' || pid || '|' || start_time || '|' || comm "
	         "|| '|' || exit_status || '|' || coalesce(signal, 'NULL') || '|' || ppid || '|' "
	         "|| parent_comm || '|' || parent_cmdline || '|' || parent_is_init || '|' || "
	         "coalesce(unit, 'NULL') || '|' || container || '|' || host || '|' || "
	         "coalesce(reaped_at, 'NULL') || '|' || exit_seen FROM zombies WHERE pid = 601"),
	       "2026-11-22T03:21:10.616Z|1795317670616|601|80|sh|3|NULL|500|node|npm start|1|NULL|"
	       "3f2a9b1c0d4e|testhost|NULL|1",
	       "the row as the view shows it");
	is_str(q("SELECT cmdline FROM zombies WHERE pid = 601"),
	       "sh -c curl --password <redacted> http://x",
	       "its command line is redacted like every other");
	is_str(q("SELECT coalesce(exit_status, 'NULL') || ' ' || signal || ' ' || parent_is_init "
	         "|| ' ' || unit || ' ' || exit_seen FROM zombies WHERE pid = 602"),
	       "NULL 9 0 app.service 0",
	       "a signal's zombie: no exit status; its unit; exit not seen");

	struct zombie_note r = {
	    .reaped = true, .pid = 601, .start_time = 80, .epoch_ms = t + 24000};
	is_int(store_insert_zombie(st, &r), 1, "its reaping: 1 row");
	is_int(store_insert_zombie(st, &r), 0, "reaped again: nothing (it is reaped already)");
	r.start_time = 99;
	is_int(store_insert_zombie(st, &r), 0,
	       "the reaping of another process of that pid: nothing");
	ok(store_commit(st) == 0, "commit");
	is_str(
	    q("SELECT count(*) || ' ' || (SELECT count(*) FROM zombie_rows) FROM "
	      "zombie_chain_rows AS c JOIN zombie_rows AS z ON z.id = c.id WHERE c.pruned = 0 AND "
	      "length(c.hash) = 32"),
	    "2 2", "each zombie extends the zombies' chain at its commit (schema 19)");
	is_str(q("SELECT reaped_at || ' ' || reaped_epoch_ms FROM zombies WHERE pid = 601"),
	       "2026-11-22T03:21:34.616Z 1795317694616", "reaped_at set");
	is_int(store_insert_zombie(st, &a), 1,
	       "the pid and start time again once reaped: a new row");
	ok(store_commit(st) == 0, "commit");

	/* A restart on this boot: the unreaped ones are handed back. */
	is_int(store_zombies_resume(st, on_resume, NULL), 2,
	       "resume hands back 2 unreaped zombies");
	ok(n_resumed == 2 && resumed[0] == 602081 && resumed[1] == 601080,
	   "602 and the second 601, oldest first");
	/* Another boot's zombies ended with it. */
	is_str(q("UPDATE zombie_rows SET boot_s = NULL WHERE pid = 602 RETURNING pid"), "602",
	       "(602 made another boot's)");
	n_resumed = 0;
	is_int(store_zombies_resume(st, on_resume, NULL), 1, "resume: 1 of this boot");
	is_str(q("SELECT reaped_at IS NOT NULL FROM zombies WHERE pid = 602"), "1",
	       "another boot's unreaped zombie is reaped at this boot's start");

	/* Enough distinct command lines (two a zombie) for a new generation of texts. */
	char cmd[64], pcmd[64];
	for (int i = 0; i < 35000; i++) {
		struct zombie_note z = note(10000 + i, 7, t + 10 + i);
		snprintf(cmd, sizeof(cmd), "job %d", i);
		snprintf(pcmd, sizeof(pcmd), "job parent %d", i);
		z.cmdline = cmd;
		z.parent_cmdline = pcmd;
		(void)store_insert_zombie(st, &z);
		z = (struct zombie_note){
		    .reaped = true, .pid = 10000 + i, .start_time = 7, .epoch_ms = t + 20 + i};
		(void)store_insert_zombie(st, &z);
	}
	ok(store_commit(st) == 0, "35000 more zombies, reaped");
	ok(strcmp(q("SELECT max(id) >> 16 > min(id) >> 16 FROM strings"), "1") == 0,
	   "their texts span two generations");

	/* The retention deletes reaped zombies, and keeps the unreaped one. */
	is_int(store_prune(st, t + 400 * day, 30, 0), 0, "prune 400 days on: no signal rows");
	is_str(q("SELECT group_concat(pid) FROM zombies"), "601",
	       "the reaped ones are gone; the unreaped one is kept, however old");
	is_str(q("SELECT count(*) FROM zombie_reaps"), "0", "their reap rows too");
	is_str(q("SELECT count(*) FROM zombie_chain_rows WHERE pruned = 0 AND id NOT IN (SELECT id "
	         "FROM zombie_rows)"),
	       "0", "the pruned zombies' chain entries are anchors, not breaks");
	is_str(q("SELECT cmdline || ' | ' || parent_cmdline FROM zombies"),
	       "sh -c curl --password <redacted> http://x | npm start",
	       "its command lines are still readable after the strings were pruned");
	is_str(q("SELECT count(*) FROM strings WHERE value LIKE 'job %' AND id >> 16 = 0"), "0",
	       "the reaped zombies' texts of the older generation are gone");
	is_str(q("SELECT (SELECT cmdline_s >> 16 FROM zombie_rows) = max(id) >> 16 FROM strings"),
	       "1", "the unreaped zombie's texts moved to the newest generation");
	store_close(st);
	unlink(path);
	rmdir(dir);
	return tap_done();
}
