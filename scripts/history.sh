# Sourced by scripts/reads, scripts/lifecycle and scripts/pages, in their work directory, with BIN and the
# store's settings exported: `fill_history MODE REQUESTS` migrates the store and fills it with
# `jiesu generate-history --requests REQUESTS`, printing how long that took.
#
# JIESU_HISTORY=NAME keeps what was generated for later runs (a million requests take minutes to
# generate): embedded, a copy at /var/tmp/jiesu-history/NAME-REQUESTS.sqlite; at_scale, the
# PostgreSQL database jiesu_history_NAME_REQUESTS, the template of later fresh databases. A later
# run with the same NAME and REQUESTS starts from the copy and applies newer migrations to it.
# Remove them by hand (rm, DROP DATABASE) when done.

fill_history() {
  local mode=$1 requests=$2 started saved=
  started=$(date +%s.%N)
  if [ -n "${JIESU_HISTORY:-}" ]; then
    case "$mode" in
      embedded) saved=/var/tmp/jiesu-history/$JIESU_HISTORY-$requests.sqlite ;;
      at_scale) saved=jiesu_history_${JIESU_HISTORY}_$requests ;;
    esac
    if history_saved "$mode" "$saved"; then
      case "$mode" in
        embedded) mkdir -p var && cp "$saved" var/jiesu.sqlite ;;
        at_scale)
          local db=${JIESU__DATABASE__URL##*/}
          psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" \
            -qc "CREATE DATABASE $db TEMPLATE $saved" ;;
      esac
      "$BIN" migrate >/dev/null 2>&1
      echo "== $mode: $requests requests copied from $saved in $(echo "$(date +%s.%N) - $started" | bc) s"
      return
    fi
  fi
  "$BIN" migrate >/dev/null 2>&1
  "$BIN" generate-history --requests "$requests" >/dev/null 2>generate.log
  echo "== $mode: $requests requests generated in $(echo "$(date +%s.%N) - $started" | bc) s"
  [ -z "$saved" ] && return
  case "$mode" in
    embedded) mkdir -p "$(dirname "$saved")" && cp var/jiesu.sqlite "$saved" ;;
    at_scale) psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $saved TEMPLATE ${JIESU__DATABASE__URL##*/}" ;;
  esac
  echo "== saved as $saved"
}

history_saved() {
  case "$1" in
    embedded) [ -f "$2" ] ;;
    at_scale) [ "$(psql -h 127.0.0.1 -U postgres -Atc "SELECT 1 FROM pg_database WHERE datname = '$2'")" = 1 ] ;;
  esac
}
