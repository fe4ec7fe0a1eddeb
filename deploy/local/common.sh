# Paths and ports shared by the local-stack scripts. Source it; do not run it.
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE_DIR="${RMP_CACHE_DIR:-$HOME/.cache/reverse-mentoring}"
STATE_DIR="${RMP_STATE_DIR:-$REPO_ROOT/.local}"
LOG_DIR="$STATE_DIR/logs"
VENV="${RMP_VENV:-$REPO_ROOT/.venv}"
PY="$VENV/bin/python"

KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$REPO_ROOT/deploy/local/kafka/pom.xml")"
KAFKA_LIB="$CACHE_DIR/kafka-$KAFKA_VERSION/lib"
KAFKA_PORT="${LOCAL_KAFKA_PORT:-9092}"
CONTROLLER_PORT="${LOCAL_KAFKA_CONTROLLER_PORT:-9093}"
MONGO_PORT="${LOCAL_MONGO_PORT:-27017}"
PARTITIONS="${LOCAL_PARTITIONS:-3}"

FERRET_SRC="$REPO_ROOT/deploy/local/ferretdb"
FERRET_ID="$(cat "$FERRET_SRC/go.mod" "$FERRET_SRC/go.sum" "$FERRET_SRC"/*.go | sha256sum | cut -c1-12)"
FERRET_BIN="$CACHE_DIR/bin/ferretdb-$FERRET_ID"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
