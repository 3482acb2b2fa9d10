/* Unit tests for watch.c's sharing of process facts within storms: two
 * senders signalling their own targets at once (their events interleave)
 * each get one extra, built once and shared, until the table changes or
 * the storm pauses. On a fake /proc tree. procwatch subscribes to the proc
 * connector, which some kernels allow only with CAP_NET_ADMIN (and a
 * container may not offer): where it cannot, the test skips and says why. */
#include <errno.h>
#include <unistd.h>

#include "sigtrail/event.h"
#include "sigtrail/proc_extra.h"
#include "sigtrail/procwatch.h"
#include "../unit/tap.h"
#include "fakeproc.h"

static struct st_event *signal_event(int sender, int target)
{
	struct st_event *ev = calloc(1, sizeof(*ev) + sizeof(struct st_target));

	if (!ev)
		exit(2);
	ev->pid = sender;
	ev->n_targets = 1;
	ev->targets[0].pid = target;
	return ev;
}

static void add(int pid, int ppid, const char *comm, const char *cmdline)
{
	fake_add(&(struct fake_proc){.pid = pid,
	                             .ppid = ppid,
	                             .comm = comm,
	                             .start = 100 + (unsigned long long)pid,
	                             .cmdline = cmdline,
	                             .exe = "/usr/bin/true"});
}

int main(void)
{
	struct procwatch *pw = NULL;
	char err[256] = "";
	struct st_event *aa = signal_event(100, 101), *bb = signal_event(200, 201),
	                *cc = signal_event(300, 101);

	fake_init();
	add(1, 0, "init", "/sbin/init");
	add(100, 1, "stormA", "stormA|-n|10000");
	add(101, 1, "victimA", "sleep|1000");
	add(200, 1, "stormB", "stormB|-n|10000");
	add(201, 1, "victimB", "sleep|2000");
	int r = procwatch_open(&(struct procwatch_config){.proc_root = fake_root}, &pw, err,
	                       sizeof(err));
	if (r == -EPERM || r == -EACCES ||
	    r == -EPROTONOSUPPORT) { /* no CAP_NET_ADMIN, or no connector */
		printf("1..0 # SKIP cannot subscribe to the proc connector: %s\n", err);
		fake_cleanup();
		return 0;
	}
	is_int(r, 0, "procwatch opens on a fake /proc (%s)", err);
	if (r < 0) {
		fake_cleanup();
		return tap_done();
	}

	/* Two storms, interleaved as two senders on two cores are. */
	struct proc_extra *a1 = procwatch_extra(pw, aa), *b1 = procwatch_extra(pw, bb);
	struct proc_extra *a2 = procwatch_extra(pw, aa), *b2 = procwatch_extra(pw, bb);
	struct proc_extra *a3 = procwatch_extra(pw, aa);
	ok(a1 && b1 && a1 != b1, "each storm has its own extra");
	is_str(a1 ? a1->targets[0].cmdline : NULL, "sleep 1000", "A's facts are A's");
	is_str(b1 ? b1->targets[0].cmdline : NULL, "sleep 2000", "B's facts are B's");
	ok(a2 == a1 && a3 == a1, "interleaved with B, A's events share A's first extra");
	ok(b2 == b1, "and B's share B's");
	ok(a1 && a1->id != 0 && b1 && a1->id != b1->id, "shared extras have distinct ids");

	/* A sender the table has not seen is read from /proc: the table changed,
	 * so no storm may go on sharing facts built before. */
	add(300, 100, "newcomer", "newcomer");
	struct proc_extra *c1 = procwatch_extra(pw, cc);
	ok(c1 && c1->sender_ancestry && strstr(c1->sender_ancestry, "newcomer[300]"),
	   "a new sender is read from /proc (%s)", c1 ? c1->sender_ancestry : "NULL");
	struct proc_extra *a4 = procwatch_extra(pw, aa);
	ok(a4 && a4 != a1, "after the table changed, A's facts are built again");
	struct proc_extra *a5 = procwatch_extra(pw, aa);
	ok(a5 == a4, "and shared again");

	/* A storm that pauses longer than 100 ms builds its facts again. */
	usleep(150 * 1000);
	struct proc_extra *a6 = procwatch_extra(pw, aa);
	ok(a6 && a6 != a4, "a pause of 150 ms ends the sharing");

	struct proc_extra *all[] = {a1, b1, a2, b2, a3, c1, a4, a5, a6};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		proc_extra_free(all[i]);
	procwatch_free(pw);
	free(aa);
	free(bb);
	free(cc);
	fake_cleanup();
	return tap_done();
}
