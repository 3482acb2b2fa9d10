-- sigtrail schema version 1.
-- Public contract: the view `signals` (see README.md "The signals view").
-- Everything else is internal and may change through later migrations.
-- The store applies this file in one transaction and then sets
-- PRAGMA user_version = 1 and PRAGMA application_id = 0x53475452 ('SGTR').

-- Repeated strings (host, comm, exe, command line, user names, syscall and
-- errno names) are stored once and referenced by id: most signals on a
-- server come from a few senders, so this is most of the bytes per event.
CREATE TABLE strings (
	id    INTEGER PRIMARY KEY,
	value TEXT NOT NULL UNIQUE
);

-- Signal names, as bash's `kill -l` prints them. The C table in
-- collector/events/names.c must agree (tests/unit/test_names.c checks it).
CREATE TABLE signal_names (
	number INTEGER PRIMARY KEY,
	name   TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO signal_names(number, name) VALUES
	(1,'SIGHUP'),(2,'SIGINT'),(3,'SIGQUIT'),(4,'SIGILL'),(5,'SIGTRAP'),(6,'SIGABRT'),
	(7,'SIGBUS'),(8,'SIGFPE'),(9,'SIGKILL'),(10,'SIGUSR1'),(11,'SIGSEGV'),(12,'SIGUSR2'),
	(13,'SIGPIPE'),(14,'SIGALRM'),(15,'SIGTERM'),(16,'SIGSTKFLT'),(17,'SIGCHLD'),
	(18,'SIGCONT'),(19,'SIGSTOP'),(20,'SIGTSTP'),(21,'SIGTTIN'),(22,'SIGTTOU'),(23,'SIGURG'),
	(24,'SIGXCPU'),(25,'SIGXFSZ'),(26,'SIGVTALRM'),(27,'SIGPROF'),(28,'SIGWINCH'),(29,'SIGIO'),
	(30,'SIGPWR'),(31,'SIGSYS'),(32,'SIG32'),(33,'SIG33'),(34,'SIGRTMIN'),(35,'SIGRTMIN+1'),
	(36,'SIGRTMIN+2'),(37,'SIGRTMIN+3'),(38,'SIGRTMIN+4'),(39,'SIGRTMIN+5'),(40,'SIGRTMIN+6'),
	(41,'SIGRTMIN+7'),(42,'SIGRTMIN+8'),(43,'SIGRTMIN+9'),(44,'SIGRTMIN+10'),(45,'SIGRTMIN+11'),
	(46,'SIGRTMIN+12'),(47,'SIGRTMIN+13'),(48,'SIGRTMIN+14'),(49,'SIGRTMIN+15'),
	(50,'SIGRTMAX-14'),(51,'SIGRTMAX-13'),(52,'SIGRTMAX-12'),(53,'SIGRTMAX-11'),
	(54,'SIGRTMAX-10'),(55,'SIGRTMAX-9'),(56,'SIGRTMAX-8'),(57,'SIGRTMAX-7'),(58,'SIGRTMAX-6'),
	(59,'SIGRTMAX-5'),(60,'SIGRTMAX-4'),(61,'SIGRTMAX-3'),(62,'SIGRTMAX-2'),(63,'SIGRTMAX-1'),
	(64,'SIGRTMAX');

-- One row per (signal event, target process). Columns ending in _s are
-- strings.id references; NULL means unknown, unset or not applicable.
CREATE TABLE signal_rows (
	id             INTEGER PRIMARY KEY,
	epoch_ms       INTEGER NOT NULL,      -- audit timestamp, ms since the epoch (UTC)
	serial         INTEGER NOT NULL,      -- audit event serial
	host_s         INTEGER,               -- node name; the collecting host when absent
	arch_s         INTEGER,               -- 'x86_64', 'i386', ...
	syscall_s      INTEGER,               -- 'kill', 'tgkill', ...
	signal         INTEGER NOT NULL,
	success        INTEGER NOT NULL,      -- 1 when the kernel reported success=yes
	errno_s        INTEGER,               -- 'EPERM', 'ESRCH'... when success = 0
	target_arg     INTEGER NOT NULL,      -- a0, signed: pid, -pgid, -1, or pidfd
	sender_pid     INTEGER NOT NULL,
	sender_ppid    INTEGER,
	sender_uid     INTEGER,
	sender_euid    INTEGER,
	sender_auid    INTEGER,
	sender_ses     INTEGER,
	sender_user_s  INTEGER,               -- name of sender_uid at collection time
	sender_login_s INTEGER,               -- name of sender_auid at collection time
	sender_tty_s   INTEGER,
	sender_comm_s  INTEGER,
	sender_exe_s   INTEGER,
	sender_cmdline_s INTEGER,             -- decoded PROCTITLE
	target_pid     INTEGER,               -- NULL when the call reached no process
	target_uid     INTEGER,
	target_auid    INTEGER,
	target_ses     INTEGER,
	target_user_s  INTEGER,               -- name of target_uid at collection time
	target_comm_s  INTEGER
);
CREATE INDEX signal_rows_target_pid ON signal_rows(target_pid);
CREATE INDEX signal_rows_epoch_ms ON signal_rows(epoch_ms);

-- The public view. Column names and meanings are a stable contract.
CREATE VIEW signals AS
SELECT
	r.id,
	strftime('%Y-%m-%dT%H:%M:%S', r.epoch_ms / 1000, 'unixepoch')
		|| printf('.%03dZ', r.epoch_ms % 1000) AS time,
	r.epoch_ms,
	r.serial,
	(SELECT value FROM strings WHERE id = r.host_s) AS host,
	(SELECT value FROM strings WHERE id = r.arch_s) AS arch,
	(SELECT value FROM strings WHERE id = r.syscall_s) AS syscall,
	r.signal,
	(SELECT name FROM signal_names WHERE number = r.signal) AS signame,
	r.success,
	(SELECT value FROM strings WHERE id = r.errno_s) AS errno,
	r.target_arg,
	r.sender_pid,
	r.sender_ppid,
	r.sender_uid,
	r.sender_euid,
	r.sender_auid,
	r.sender_ses,
	(SELECT value FROM strings WHERE id = r.sender_user_s) AS sender_user,
	(SELECT value FROM strings WHERE id = r.sender_login_s) AS sender_login,
	(SELECT value FROM strings WHERE id = r.sender_tty_s) AS sender_tty,
	(SELECT value FROM strings WHERE id = r.sender_comm_s) AS sender_comm,
	(SELECT value FROM strings WHERE id = r.sender_exe_s) AS sender_exe,
	(SELECT value FROM strings WHERE id = r.sender_cmdline_s) AS sender_cmdline,
	r.target_pid,
	r.target_uid,
	r.target_auid,
	r.target_ses,
	(SELECT value FROM strings WHERE id = r.target_user_s) AS target_user,
	(SELECT value FROM strings WHERE id = r.target_comm_s) AS target_comm
FROM signal_rows AS r;
