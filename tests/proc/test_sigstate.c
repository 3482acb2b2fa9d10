/* Unit tests of collector/proc/sigstate.c: the status parser (masks, init,
 * threads, zombies), the kernel's rules in proc_disposition(), and a read
 * of this very process after it installs a handler, ignores and blocks
 * signals. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "../../collector/proc/sigstate.h"
#include "../unit/tap.h"

static const char status_text[] = "Name:\tsh\n"
                                  "State:\tS (sleeping)\n"
                                  "Tgid:\t4200\n"
                                  "NSpid:\t4200\t1\n"
                                  "Threads:\t3\n"
                                  "SigQ:\t0/127431\n"
                                  "SigPnd:\t0000000000000100\n"
                                  "ShdPnd:\t0000000000000800\n"
                                  "SigBlk:\t0000000000010000\n"
                                  "SigIgn:\t0000000000000004\n"
                                  "SigCgt:\t0000000000004002\n";

static void test_parse(void)
{
	struct proc_sigstate s;
	unsigned threads = 0;

	is_int(proc_sigstate_parse(status_text, strlen(status_text), &s, &threads), 0, "parses");
	ok(s.known && s.init, "known; NSpid ending in 1: an init");
	is_int(threads, 3, "Threads");
	ok(s.blocked == 0x10000 && s.ignored == 0x4 && s.caught == 0x4002, "the three masks");
	ok(s.pending == 0x900, "pending: SigPnd | ShdPnd");
	static const char zombie[] =
	    "Name:\tx\nState:\tZ (zombie)\nSigBlk:\t0\nSigIgn:\t0\nSigCgt:\t0\n";
	is_int(proc_sigstate_parse(zombie, strlen(zombie), &s, &threads), -ESRCH,
	       "a zombie: -ESRCH");
	static const char bad[] = "Name:\tx\nState:\tS\nSigBlk:\tzz\n";
	is_int(proc_sigstate_parse(bad, strlen(bad), &s, &threads), -EINVAL, "a bad mask: -EINVAL");
}

static void test_rules(void)
{
	struct proc_sigstate s = {
	    .known = true,
	    .caught = UINT64_C(1) << (SIGTERM - 1),
	    .ignored = UINT64_C(1) << (SIGHUP - 1) | UINT64_C(1) << (SIGUSR1 - 1),
	    .blocked = UINT64_C(1) << (SIGUSR1 - 1) | UINT64_C(1) << (SIGKILL - 1)};

	is_str(proc_disposition(&s, SIGTERM), "caught", "a handler: caught");
	is_str(proc_disposition(&s, SIGHUP), "ignored", "SigIgn: ignored");
	is_str(proc_disposition(&s, SIGUSR1), "blocked",
	       "blocked and ignored: blocked (stays pending)");
	is_str(proc_disposition(&s, SIGINT), "default", "none of them: default");
	is_str(proc_disposition(&s, SIGKILL), "default", "SIGKILL is never blocked");
	s.blocked |= UINT64_C(1) << (SIGTERM - 1);
	is_str(proc_disposition(&s, SIGTERM), "caught",
	       "caught, blocked, not pending: its handler is running");
	s.pending = UINT64_C(1) << (SIGTERM - 1);
	is_str(proc_disposition(&s, SIGTERM), "blocked", "caught, blocked and pending: blocked");
	s.blocked &= ~(UINT64_C(1) << (SIGTERM - 1));
	s.pending = 0;
	s.init = true;
	is_str(proc_disposition(&s, SIGINT), "init-ignored", "an init without a handler drops it");
	is_str(proc_disposition(&s, SIGTERM), "caught", "an init with a handler catches it");
	is_str(proc_disposition(&s, SIGKILL), "default",
	       "SIGKILL from outside is forced on an init");
	s.sender_inside = true;
	is_str(proc_disposition(&s, SIGKILL), "init-ignored",
	       "SIGKILL from inside its namespace: dropped");
	is_str(proc_disposition(&s, SIGSTOP), "init-ignored", "SIGSTOP likewise");
	ok(proc_disposition(&s, 0) == NULL && proc_disposition(&s, 65) == NULL,
	   "no such signal: NULL");
	s.known = false;
	ok(proc_disposition(&s, SIGTERM) == NULL, "unknown state: NULL");
}

static void on_term(int sig)
{
	(void)sig;
}

static void test_self(void)
{
	struct proc_sigstate s;
	sigset_t set;

	signal(SIGTERM, on_term);
	signal(SIGHUP, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	is_int(proc_sigstate_read("/proc", getpid(), false, &s), 0, "reads this process");
	is_str(proc_disposition(&s, SIGTERM), "caught", "its SIGTERM handler");
	is_str(proc_disposition(&s, SIGHUP), "ignored", "its ignored SIGHUP");
	is_str(proc_disposition(&s, SIGUSR2), "blocked", "its blocked SIGUSR2");
	is_str(proc_disposition(&s, SIGINT), "default", "SIGINT untouched");
	is_int(proc_sigstate_read("/proc", 0, false, &s), -EINVAL, "pid 0: -EINVAL");
	ok(!s.known, "and unknown");
}

int main(void)
{
	test_parse();
	test_rules();
	test_self();
	return tap_done();
}
