# Sourced by the test and benchmark scripts: starts a throwaway PostgreSQL cluster that
# listens only on a socket in a fresh temporary directory, exports DATABASE_URL for it,
# and removes it all on exit. As root, the cluster runs as the `postgres` user.
#   throwaway_pg_start   (then use $DATABASE_URL; `throwaway_pg_stop` runs on EXIT)

pg_bin_dir() {
  if [ -n "${PG_BIN_DIR:-}" ]; then echo "$PG_BIN_DIR"; return; fi
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -n "$d" ]; then echo "$d"; return; fi
  d=$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/initdb)")
  [ -x "$d/initdb" ] && echo "$d"
}

throwaway_pg_start() {
  local bin; bin=$(pg_bin_dir)
  if [ -z "$bin" ] || [ ! -x "$bin/initdb" ]; then
    echo "error: PostgreSQL's initdb was not found (install postgresql, or set PG_BIN_DIR)" >&2
    return 1
  fi
  PG_TMP=$(mktemp -d /tmp/carebase-pg.XXXXXX)
  chmod 755 "$PG_TMP"
  local as=()
  if [ "$(id -u)" = 0 ]; then
    chown postgres: "$PG_TMP"
    as=(runuser -u postgres --)
  fi
  "${as[@]}" "$bin/initdb" -D "$PG_TMP/data" -U carebase --auth=trust -E UTF8 --locale=C \
    --no-instructions >"$PG_TMP/initdb.log" 2>&1 || { cat "$PG_TMP/initdb.log" >&2; return 1; }
  # Throwaway data: durability settings off for speed; many connections for parallel tests.
  "${as[@]}" "$bin/pg_ctl" start -D "$PG_TMP/data" -l "$PG_TMP/postgres.log" -w -t 60 -s \
    -o "-c listen_addresses='' -c unix_socket_directories=$PG_TMP -c fsync=off \
        -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
    || { cat "$PG_TMP/postgres.log" >&2; return 1; }
  PG_BIN="$bin"; PG_AS=("${as[@]}")
  export DATABASE_URL="postgres://carebase@localhost/postgres?host=$PG_TMP"
  trap throwaway_pg_stop EXIT
}

throwaway_pg_stop() {
  if [ -n "${PG_TMP:-}" ] && [ -d "$PG_TMP/data" ]; then
    "${PG_AS[@]}" "$PG_BIN/pg_ctl" stop -D "$PG_TMP/data" -m immediate -s >/dev/null 2>&1 || true
    rm -rf "$PG_TMP"
  fi
}
