/* Names for signal numbers and errno values, as users type and read them. */
#pragma once

/* "SIGKILL" for 9; real-time signals as bash's `kill -l` names them
 * ("SIGRTMIN", "SIGRTMIN+3", "SIGRTMAX-2", "SIGRTMAX"); "SIG32"/"SIG33" for
 * the two glibc reserves. NULL for 0 and numbers outside 1..64. Can't fail. */
const char *names_signal(int sig);

/* Parse "KILL", "SIGKILL", "kill", "9" or "RTMIN+3" into a signal number.
 * Returns 1..64, or -EINVAL naming nothing (the caller names the input). */
int names_signal_parse(const char *s);

/* "EPERM" for EPERM; NULL for 0 or an unknown value. Can't fail. */
const char *names_errno(int err);
