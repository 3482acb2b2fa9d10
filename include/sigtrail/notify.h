/* The systemd readiness protocol (sd_notify), written out by hand so the
 * daemon needs no libsystemd: one datagram per state change to the unix
 * socket named by $NOTIFY_SOCKET. Covered by tests/unit/test_notify.c. */
#pragma once

/* Send `state`, newline-separated "KEY=VALUE" assignments such as "READY=1",
 * "STOPPING=1" or "STATUS=recording", to $NOTIFY_SOCKET: a path ("/run/...")
 * or an abstract socket name ("@name"). Returns 1 when sent, 0 when
 * NOTIFY_SOCKET is unset or empty (not started by systemd: nothing to do),
 * -EAFNOSUPPORT for an address form this code does not speak (relative path,
 * vsock), -ENAMETOOLONG when the name does not fit a sockaddr_un, or the
 * -errno of socket()/sendto(). Never blocks: a full socket buffer is -EAGAIN.
 * Safe to call from any thread; keeps no state. */
int notify_send(const char *state);

/* notify_send() of a printf-formatted state, truncated to 4096 bytes, e.g.
 * notify_sendf("STATUS=recording into %s", path). Same returns. */
int notify_sendf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
