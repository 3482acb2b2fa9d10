/* settings.c: the settings of `sigtrail forward`, in a file of their own
 * (/etc/sigtrail/forward.conf) of sigtraild.conf's format: one `key =
 * value` per line, read by config.c with this table's keys, so a typo or a
 * bad value is an error naming the file and line. Flags given to the
 * command override the file. Try `sigtrail forward --config ./f.conf
 * --once` with a line `forward_to = host=... dbname=sigtrail`. */
#include <limits.h>

#include "config.h"
#include "forward.h"

static const char *arg_to;
static const char *arg_db;
static const char *arg_sslcert;
static const char *arg_sslkey;
static const char *arg_sslrootcert;
static const char *arg_state_dir;
static int64_t arg_batch_rows;
static int64_t arg_seal_ms;
static int64_t arg_poll_ms;
static int64_t arg_reconnect_max_ms;

const struct opt_desc fwd_opt_table[] = {
    {
        .flag = "to",
        .key = "forward_to",
        .type = OPT_TEXT,
        .metavar = "CONNINFO",
        .to.s = &arg_to,
        .max = 4000,
        .help = "the central database: a libpq connection string or URI",
    },
    {
        .flag = "db",
        .short_flag = 'd',
        .key = "db",
        .type = OPT_FILE,
        .metavar = "PATH",
        .to.s = &arg_db,
        .def.s = SIGTRAIL_DEFAULT_DB,
        .max = PATH_MAX - 1,
        .help = "the local database (default {default})",
    },
    {
        .flag = "sslcert",
        .key = "sslcert",
        .type = OPT_FILE,
        .metavar = "FILE",
        .to.s = &arg_sslcert,
        .max = PATH_MAX - 1,
        .help = "this host's client certificate (its CN is the host's role)",
    },
    {
        .flag = "sslkey",
        .key = "sslkey",
        .type = OPT_FILE,
        .metavar = "FILE",
        .to.s = &arg_sslkey,
        .max = PATH_MAX - 1,
        .help = "the certificate's private key",
    },
    {
        .flag = "sslrootcert",
        .key = "sslrootcert",
        .type = OPT_FILE,
        .metavar = "FILE",
        .to.s = &arg_sslrootcert,
        .max = PATH_MAX - 1,
        .help = "the CA certificate that signed the server's",
    },
    {
        .flag = "state-dir",
        .key = "state_dir",
        .type = OPT_DIR,
        .metavar = "DIR",
        .to.s = &arg_state_dir,
        .max = PATH_MAX - 64,
        .help = "where the acknowledged position is written (file `position`)",
    },
    {
        .flag = "batch-rows",
        .key = "batch_rows",
        .type = OPT_NUMBER,
        .metavar = "N",
        .to.i = &arg_batch_rows,
        .def.i = 5000,
        .min = 1,
        .max = 100000,
        .unit = "rows",
        .help = "rows per central transaction (default {default})",
    },
    {
        .flag = "seal",
        .key = "seal_ms",
        .type = OPT_NUMBER,
        .metavar = "MS",
        .to.i = &arg_seal_ms,
        .def.i = 6000,
        .min = 0,
        .max = 3600 * 1000 + 60000,
        .unit = "milliseconds",
        .help = "a signal row is sent once it is MS ms old: longer than\n"
                "sigtraild's --coalesce window, in which its count can\n"
                "still grow (default {default})",
    },
    {
        .flag = "poll",
        .key = "poll_ms",
        .type = OPT_NUMBER,
        .metavar = "MS",
        .to.i = &arg_poll_ms,
        .def.i = 500,
        .min = 10,
        .max = 3600 * 1000,
        .unit = "milliseconds",
        .help = "look for new rows every MS ms when idle (default {default})",
    },
    {
        .flag = "reconnect-max",
        .key = "reconnect_max_ms",
        .type = OPT_NUMBER,
        .metavar = "MS",
        .to.i = &arg_reconnect_max_ms,
        .def.i = 60000,
        .min = 100,
        .max = 3600 * 1000,
        .unit = "milliseconds",
        .help = "the longest wait between reconnection attempts\n"
                "(default {default})",
    },
};
const size_t fwd_opt_table_len = sizeof(fwd_opt_table) / sizeof(fwd_opt_table[0]);

void fwd_settings_get(struct fwd_settings *ret)
{
	*ret = (struct fwd_settings){
	    .to = arg_to,
	    .db = arg_db,
	    .sslcert = arg_sslcert,
	    .sslkey = arg_sslkey,
	    .sslrootcert = arg_sslrootcert,
	    .state_dir = arg_state_dir,
	    .batch_rows = arg_batch_rows,
	    .seal_ms = arg_seal_ms,
	    .poll_ms = arg_poll_ms,
	    .reconnect_max_ms = arg_reconnect_max_ms,
	};
}
