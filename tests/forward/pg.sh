# shellcheck shell=bash
# pg.sh: a throwaway PostgreSQL with TLS for the fleet's tests and benchmark,
# sourced after tests/cli/lib.sh (T, bail, skip_all, _cleanup). It finds the
# server binaries (skips the test without them, psql or openssl), makes a
# CA, a server certificate for 127.0.0.1 and a client certificate per name
# in PG_HOSTS, runs initdb in $T/pg as the user postgres when run as root
# (initdb refuses root), starts the server on 127.0.0.1 and a free port
# (`cert` authentication over TLS for the database sigtrail, the admin on
# the server's socket, nothing else), creates the database sigtrail, and
# stops the server on any exit. It sets ADMIN (the admin's conninfo), aq
# SQL (a query as the admin), to HOST (the conninfo HOST forwards with),
# pg_start and pg_stop. PG_FSYNC=on for the benchmark (default off).
PGBIN=${PGBIN:-$( (pg_config --bindir 2>/dev/null; ls -d /usr/lib/postgresql/*/bin 2>/dev/null) |
	while read -r d; do [ -x "$d/initdb" ] && echo "$d"; done | tail -1)}
[ -n "$PGBIN" ] || skip_all "no PostgreSQL server binaries (initdb, pg_ctl)"
command -v openssl >/dev/null || skip_all "no openssl"
command -v psql >/dev/null || skip_all "no psql"

# The server runs as an unprivileged user: initdb refuses root.
AS=()
if [ "$(id -u)" -eq 0 ]; then
	id postgres >/dev/null 2>&1 || skip_all "running as root without a postgres user"
	AS=(runuser -u postgres --)
fi
PGD=$T/pg
mkdir -p "$PGD" && chmod 700 "$PGD"
[ ${#AS[@]} -gt 0 ] && chown postgres "$PGD"
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
SERVER_UP=0
pg_start() { "${AS[@]}" "$PGBIN/pg_ctl" -D "$PGD/data" -l "$PGD/log" -w -t 20 start >/dev/null && SERVER_UP=1; }
pg_stop() { [ "$SERVER_UP" -eq 1 ] && "${AS[@]}" "$PGBIN/pg_ctl" -D "$PGD/data" -m fast -w stop >/dev/null; SERVER_UP=0; }
_stop_all() {
	local pid
	for pid in $(jobs -p); do kill -9 "$pid" 2>/dev/null; done
	pg_stop
	_cleanup
}
trap _stop_all EXIT

# A throwaway CA, the server's certificate (for 127.0.0.1) and one per host.
C=$T/certs
mkdir -p "$C"
cert() { # NAME CN [SAN]
	openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -subj "/CN=$2" \
		-keyout "$C/$1.key" -out "$C/$1.csr" 2>/dev/null &&
		openssl x509 -req -in "$C/$1.csr" -CA "$C/ca.crt" -CAkey "$C/ca.key" -CAcreateserial \
			-days 2 ${3:+-extfile <(printf 'subjectAltName=%s\n' "$3")} -out "$C/$1.crt" 2>/dev/null &&
		chmod 600 "$C/$1.key"
}
openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -subj "/CN=sigtrail test CA" \
	-days 2 -keyout "$C/ca.key" -out "$C/ca.crt" 2>/dev/null || bail "openssl: no CA"
for h in ${PG_HOSTS:-hosta hostb}; do cert "$h" "$h" || bail "openssl: no certificate for $h"; done
cert server localhost "IP:127.0.0.1,DNS:localhost" || bail "openssl: no server certificate"
cp "$C/server.crt" "$C/server.key" "$C/ca.crt" "$PGD/"
[ ${#AS[@]} -gt 0 ] && chown postgres "$PGD/server.crt" "$PGD/server.key" "$PGD/ca.crt"

"${AS[@]}" "$PGBIN/initdb" -D "$PGD/data" -U admin -A reject -N >"$PGD/initdb.log" 2>&1 ||
	bail "initdb failed: $(tail -3 "$PGD/initdb.log")"
cat >>"$PGD/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$PGD'
ssl = on
ssl_cert_file = '$PGD/server.crt'
ssl_key_file = '$PGD/server.key'
ssl_ca_file = '$PGD/ca.crt'
fsync = ${PG_FSYNC:-off}
max_connections = 20
CONF
# The admin on the server's socket; the hosts only over TLS with a
# certificate whose CN is their role; anything else has no line: refused.
cat >"$PGD/data/pg_hba.conf" <<HBA
local all admin trust
hostssl sigtrail all 127.0.0.1/32 cert
HBA
pg_start || bail "the server did not start: $(tail -5 "$PGD/log")"
ADMIN="host=$PGD port=$PORT user=admin"
psql -X -q "$ADMIN dbname=postgres" -c 'CREATE DATABASE sigtrail' || bail "CREATE DATABASE failed"
ADMIN="$ADMIN dbname=sigtrail"
aq() { psql -X -At "$ADMIN" -c "$1"; }
# to HOST: the conninfo host HOST forwards with (verify-full by default).
to() { echo "host=127.0.0.1 port=$PORT dbname=sigtrail user=$1 sslcert=$C/$1.crt sslkey=$C/$1.key sslrootcert=$C/ca.crt"; }
