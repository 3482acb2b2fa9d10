/*
 * sigsend: send a signal with exactly the syscall named on the command line,
 * so the kernel tests know which audit record each call must produce. Every
 * signal goes through raw syscall(SYS_...) rather than a libc wrapper (glibc's
 * kill() or sigqueue() may change, pidfd wrappers may be missing), and the
 * program is built twice, 64-bit (sigsend64) and i386 (sigsend32), to cover
 * both syscall tables of an x86_64 kernel. Each call prints one line,
 * "<syscall> <own pid> <target pid> <sig> <return> <errno name or 0> <arg>",
 * where <arg> is the first argument the syscall received (the pid, or the
 * pidfd for pidfd_send_signal). Try it by hand:
 *   sleep 100 & ./sigsend64 tgkill $! 15; strace -f ./sigsend32 all 10
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sysexits.h>
#include <sys/wait.h>
#include <unistd.h>

/* Added in Linux 5.1/5.3 with the same number on x86_64 and i386; older
 * headers may lack them. */
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

enum sys_id {
	SYS_ID_KILL,
	SYS_ID_TKILL,
	SYS_ID_TGKILL,
	SYS_ID_RT_SIGQUEUEINFO,
	SYS_ID_RT_TGSIGQUEUEINFO,
	SYS_ID_PIDFD_SEND_SIGNAL,
	SYS_ID_COUNT,
};

/* Indexed by enum sys_id; the names are the ones audit and sigtrail use. */
static const char *const sys_names[SYS_ID_COUNT] = {
    [SYS_ID_KILL] = "kill",
    [SYS_ID_TKILL] = "tkill",
    [SYS_ID_TGKILL] = "tgkill",
    [SYS_ID_RT_SIGQUEUEINFO] = "rt_sigqueueinfo",
    [SYS_ID_RT_TGSIGQUEUEINFO] = "rt_tgsigqueueinfo",
    [SYS_ID_PIDFD_SEND_SIGNAL] = "pidfd_send_signal",
};

/* What one signal-sending syscall did. */
struct send_result {
	long ret; /* the syscall's return value */
	int err;  /* errno when ret is -1, else 0 */
	long arg; /* first argument passed: the pid, or the pidfd */
};

static void usage(FILE *out)
{
	fputs("Usage: sigsend SYSCALL PID SIG   send SIG to PID with exactly SYSCALL\n"
	      "       sigsend kill-long PID SIG kill(2) with PID passed as a long, sign-extended\n"
	      "                                 to 64 bits as Go's syscall.Kill(-pgid, sig) does\n"
	      "       sigsend all SIG           fork 6 children, signal each with another SYSCALL\n"
	      "       sigsend sink              ignore every catchable signal, print\n"
	      "                                 \"sink <pid> ready\" and wait for SIGKILL\n"
	      "       sigsend --help\n"
	      "\n"
	      "SYSCALL: kill tkill tgkill rt_sigqueueinfo rt_tgsigqueueinfo pidfd_send_signal\n"
	      "PID and SIG are decimal integers, passed to the kernel unchecked (PID may be\n"
	      "negative for kill). tgkill and rt_tgsigqueueinfo use tgid = tid = PID;\n"
	      "pidfd_send_signal opens a pidfd for PID first. rt_*sigqueueinfo send\n"
	      "si_code SI_QUEUE with our pid and uid.\n"
	      "\n"
	      "Each call prints one line:\n"
	      "  <syscall> <own pid> <target pid> <sig> <return> <errno name or 0> <arg>\n"
	      "where <arg> is the syscall's first argument (the pidfd for pidfd_send_signal).\n"
	      "\n"
	      "Exit status: 0 if every syscall succeeded, 1 if one failed, 64 usage error,\n"
	      "70 a child of 'all' did not end as expected, 71 fork/pidfd_open/sigaction failed.\n"
	      "\n"
	      "EXAMPLES\n"
	      "  sigsend64 kill 4242 9                SIGKILL pid 4242 with kill(2)\n"
	      "  sigsend32 pidfd_send_signal 4242 15  same through the i386 ABI and a pidfd\n"
	      "  sigsend64 kill -4242 15              SIGTERM process group 4242\n"
	      "  sigsend32 all 10                     six SIGUSR1s, one per syscall\n",
	      out);
}

static int sys_lookup(const char *name)
{
	for (int i = 0; i < SYS_ID_COUNT; i++)
		if (strcmp(name, sys_names[i]) == 0)
			return i;
	return -1;
}

/* Parse a whole decimal int: no blanks, no sign other than '-', no
 * trailing characters, no overflow. Returns 0, or -EINVAL after naming the
 * bad value on stderr. */
static int parse_int(const char *s, const char *what, int *ret_value)
{
	char *end;
	long v;

	if (*s != '-' && (*s < '0' || *s > '9'))
		goto bad;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < INT_MIN || v > INT_MAX)
		goto bad;
	*ret_value = (int)v;
	return 0;
bad:
	fprintf(stderr, "sigsend: invalid %s '%s': want a decimal integer\n", what, s);
	return -EINVAL;
}

static const char *errno_name(int err)
{
	static char buf[16];
	const char *name;

	if (err == 0)
		return "0";
	name = strerrorname_np(err);
	if (name)
		return name;
	(void)snprintf(buf, sizeof(buf), "%d", err);
	return buf;
}

/* Send sig to target with the syscall id, fill *ret. Returns 0 when the
 * syscall was made (whatever its outcome), or -errno when the pidfd for
 * pidfd_send_signal could not be opened, so nothing was sent. */
static int send_signal(enum sys_id id, int target, int sig, struct send_result *ret)
{
	siginfo_t info;
	long fd = -1;

	/* rt_*sigqueueinfo to another process require si_code < 0. */
	memset(&info, 0, sizeof(info));
	info.si_signo = sig;
	info.si_code = SI_QUEUE;
	info.si_pid = getpid();
	info.si_uid = getuid();

	ret->arg = target;
	errno = 0;
	switch (id) {
	case SYS_ID_KILL:
		ret->ret = syscall(SYS_kill, target, sig);
		break;
	case SYS_ID_TKILL:
		ret->ret = syscall(SYS_tkill, target, sig);
		break;
	case SYS_ID_TGKILL:
		ret->ret = syscall(SYS_tgkill, target, target, sig);
		break;
	case SYS_ID_RT_SIGQUEUEINFO:
		ret->ret = syscall(SYS_rt_sigqueueinfo, target, sig, &info);
		break;
	case SYS_ID_RT_TGSIGQUEUEINFO:
		ret->ret = syscall(SYS_rt_tgsigqueueinfo, target, target, sig, &info);
		break;
	case SYS_ID_PIDFD_SEND_SIGNAL:
		fd = syscall(SYS_pidfd_open, target, 0); /* always O_CLOEXEC */
		if (fd < 0) {
			int r = -errno;
			fprintf(stderr, "sigsend: pidfd_open(%d): %s\n", target, strerror(errno));
			return r;
		}
		ret->arg = fd;
		errno = 0;
		ret->ret = syscall(SYS_pidfd_send_signal, (int)fd, sig, NULL, 0U);
		break;
	default:
		abort();
	}
	ret->err = ret->ret < 0 ? errno : 0;
	if (fd >= 0)
		(void)close((int)fd);
	return 0;
}

static void print_result(enum sys_id id, int target, int sig, const struct send_result *r)
{
	printf("%s %ld %d %d %ld %s %ld\n", sys_names[id], (long)getpid(), target, sig, r->ret,
	       errno_name(r->err), r->arg);
	(void)fflush(stdout);
}

/* kill(2) with the pid in a whole 64-bit register: (long)-4242 is
 * ffffffffffffef6e, where an int passed to syscall() leaves the upper half
 * zero. The kernel takes the low 32 bits either way. */
static int cmd_kill_long(int target, int sig)
{
	struct send_result r = {.arg = target};

	errno = 0;
	r.ret = syscall(SYS_kill, (long)target, (long)sig);
	r.err = r.ret < 0 ? errno : 0;
	print_result(SYS_ID_KILL, target, sig, &r);
	return r.ret == 0 ? 0 : 1;
}

static int cmd_one(enum sys_id id, int target, int sig)
{
	struct send_result r;

	if (send_signal(id, target, sig, &r) < 0)
		return EX_OSERR;
	print_result(id, target, sig, &r);
	return r.ret == 0 ? 0 : 1;
}

static void child_on_signal(int sig)
{
	(void)sig;
	_exit(0);
}

/* Child of 'all': sig is blocked since fork, so a signal sent before the
 * handler is installed stays pending; sigsuspend() unblocks it atomically
 * and the handler ends the child. SIGKILL needs no handler. */
static _Noreturn void child_wait_for(int sig)
{
	struct sigaction sa = {.sa_handler = child_on_signal};
	sigset_t none;

	(void)sigemptyset(&sa.sa_mask);
	if (sig != SIGKILL && sigaction(sig, &sa, NULL) < 0)
		_exit(EX_OSERR);
	(void)sigemptyset(&none);
	for (;;)
		(void)sigsuspend(&none);
}

/* Fork one child per syscall, signal it, reap it. The children are reaped
 * one by one so the output and the audit records come in table order. */
static int cmd_all(int sig)
{
	sigset_t block;
	int status = 0;

	if (sig <= 0 || sig > SIGRTMAX || sig == SIGSTOP) {
		fprintf(stderr,
		        "sigsend: all: signal %d cannot end a child "
		        "(want 1..%d, not SIGSTOP)\n",
		        sig, SIGRTMAX);
		return EX_USAGE;
	}
	(void)sigemptyset(&block);
	(void)sigaddset(&block, sig);
	if (sigprocmask(SIG_BLOCK, &block, NULL) < 0) {
		fprintf(stderr, "sigsend: sigprocmask: %s\n", strerror(errno));
		return EX_OSERR;
	}

	for (int id = 0; id < SYS_ID_COUNT; id++) {
		struct send_result r;
		int wstatus;
		pid_t child;

		(void)fflush(stdout); /* the child must not inherit unwritten lines */
		child = fork();
		if (child < 0) {
			fprintf(stderr, "sigsend: fork: %s\n", strerror(errno));
			return EX_OSERR;
		}
		if (child == 0)
			child_wait_for(sig);

		if (send_signal(id, child, sig, &r) < 0) {
			/* an extra audited kill, but only on a path that fails anyway */
			(void)syscall(SYS_kill, child, SIGKILL);
			(void)waitpid(child, NULL, 0);
			return EX_OSERR;
		}
		print_result(id, child, sig, &r);
		if (r.ret != 0) {
			(void)syscall(SYS_kill, child, SIGKILL);
			status = 1;
		}
		if (waitpid(child, &wstatus, 0) < 0) {
			fprintf(stderr, "sigsend: waitpid(%d): %s\n", (int)child, strerror(errno));
			return EX_OSERR;
		}
		if (r.ret == 0 && !(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) &&
		    !(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == sig)) {
			fprintf(stderr, "sigsend: child %d of %s ended with status 0x%x\n",
			        (int)child, sys_names[id], (unsigned)wstatus);
			return EX_SOFTWARE;
		}
	}
	return status;
}

/* Ignore every signal that can be ignored, say so, and wait to be killed. */
static int cmd_sink(void)
{
	struct sigaction sa = {.sa_handler = SIG_IGN};

	(void)sigemptyset(&sa.sa_mask);
	for (int sig = 1; sig <= SIGRTMAX; sig++) {
		/* glibc keeps 32 and 33 for itself and refuses them */
		if (sig == SIGKILL || sig == SIGSTOP || (sig >= 32 && sig < SIGRTMIN))
			continue;
		if (sigaction(sig, &sa, NULL) < 0) {
			fprintf(stderr, "sigsend: sigaction(%d): %s\n", sig, strerror(errno));
			return EX_OSERR;
		}
	}
	printf("sink %ld ready\n", (long)getpid());
	(void)fflush(stdout);
	for (;;)
		(void)pause();
}

int main(int argc, char **argv)
{
	int target, sig, id;

	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "sink") == 0)
		return cmd_sink();
	if (argc == 3 && strcmp(argv[1], "all") == 0) {
		if (parse_int(argv[2], "signal", &sig) < 0)
			return EX_USAGE;
		return cmd_all(sig);
	}
	if (argc == 4 && strcmp(argv[1], "kill-long") == 0) {
		if (parse_int(argv[2], "pid", &target) < 0 ||
		    parse_int(argv[3], "signal", &sig) < 0)
			return EX_USAGE;
		return cmd_kill_long(target, sig);
	}
	if (argc == 4) {
		id = sys_lookup(argv[1]);
		if (id < 0) {
			fprintf(stderr, "sigsend: unknown syscall '%s'\n", argv[1]);
			return EX_USAGE;
		}
		if (parse_int(argv[2], "pid", &target) < 0 ||
		    parse_int(argv[3], "signal", &sig) < 0)
			return EX_USAGE;
		return cmd_one(id, target, sig);
	}
	usage(stderr);
	return EX_USAGE;
}
