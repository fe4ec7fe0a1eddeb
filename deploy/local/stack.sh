#!/usr/bin/env bash
# Starts, stops or reports the local Kafka (KRaft, one node) and FerretDB (SQLite) on 127.0.0.1.
#   stack.sh start   installs what is missing, starts both, waits until healthy, creates topics
#   stack.sh stop    stops both cleanly; harmless when already stopped
#   stack.sh status  prints what runs
#   stack.sh stop-kafka|start-kafka   takes the broker down and up again (outage tests)
#   stack.sh stop-store|start-store   the same for FerretDB (the fault run)
# Logs: $STATE_DIR/logs (default .local/logs). Data: $STATE_DIR/kafka, $STATE_DIR/ferretdb.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

running() { [[ -f "$STATE_DIR/$1.pid" ]] && kill -0 "$(cat "$STATE_DIR/$1.pid")" 2>/dev/null; }

start_kafka() {
  if running kafka; then log "Kafka already running"; return; fi
  local data="$STATE_DIR/kafka" conf="$STATE_DIR/kafka/server.properties"
  mkdir -p "$data" "$LOG_DIR"
  sed -e "s:@KAFKA_PORT@:$KAFKA_PORT:g" -e "s:@CONTROLLER_PORT@:$CONTROLLER_PORT:g" \
    -e "s:@DATA_DIR@:$data/log:g" "$REPO_ROOT/deploy/local/kafka/server.properties.in" >"$conf"
  local java=(java -Xms256m -Xmx1g -XX:+UseG1GC -Dkafka.logs.dir="$LOG_DIR"
    -Dlog4j2.configurationFile="$REPO_ROOT/deploy/local/kafka/log4j2.properties" -cp "$KAFKA_LIB/*")
  if [[ ! -f "$data/log/meta.properties" ]]; then
    local cluster_id
    cluster_id="$("$PY" -c 'import base64,uuid;print(base64.urlsafe_b64encode(uuid.uuid4().bytes).decode()[:22])')"
    "${java[@]}" kafka.tools.StorageTool format -t "$cluster_id" -c "$conf" >>"$LOG_DIR/kafka-format.log" 2>&1
  fi
  # Every partition keeps files open; the default limit of 1024 is soon reached by test runs.
  ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
  setsid nohup "${java[@]}" kafka.Kafka "$conf" >>"$LOG_DIR/kafka.out" 2>&1 </dev/null &
  echo $! >"$STATE_DIR/kafka.pid"
  log "Kafka starting on 127.0.0.1:$KAFKA_PORT (pid $!)"
}

start_ferretdb() {
  if running ferretdb; then log "FerretDB already running"; return; fi
  mkdir -p "$STATE_DIR/ferretdb" "$LOG_DIR"
  setsid nohup "$FERRET_BIN" -listen-addr "127.0.0.1:$MONGO_PORT" -data-dir "$STATE_DIR/ferretdb" \
    ${LOCAL_FERRETDB_PPROF_ADDR:+-pprof-addr "$LOCAL_FERRETDB_PPROF_ADDR"} \
    >>"$LOG_DIR/ferretdb.log" 2>&1 </dev/null &
  echo $! >"$STATE_DIR/ferretdb.pid"
  log "FerretDB starting on 127.0.0.1:$MONGO_PORT (pid $!)"
}

stop_one() {
  local name="$1"
  if ! running "$name"; then rm -f "$STATE_DIR/$name.pid"; log "$name not running"; return; fi
  local pid; pid="$(cat "$STATE_DIR/$name.pid")"
  kill -TERM "$pid"
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  if kill -0 "$pid" 2>/dev/null; then log "$name did not stop in 30 s; killing"; kill -KILL "$pid"; fi
  rm -f "$STATE_DIR/$name.pid"
  log "$name stopped"
}

endpoints() {
  echo "KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:$KAFKA_PORT"
  echo "MONGODB_URI=mongodb://127.0.0.1:$MONGO_PORT/"
}

case "${1:-}" in
  start)
    "$REPO_ROOT/deploy/local/install.sh"
    mkdir -p "$STATE_DIR"
    start_kafka
    start_ferretdb
    "$PY" -m deploy.local.ready --kafka "127.0.0.1:$KAFKA_PORT" \
      --mongo "mongodb://127.0.0.1:$MONGO_PORT/" --partitions "$PARTITIONS" \
      || die "the stack did not become healthy; see $LOG_DIR"
    endpoints
    ;;
  is-running) running kafka && running ferretdb ;;
  stop-kafka) stop_one kafka ;;
  start-kafka)
    start_kafka
    "$PY" -m deploy.local.ready --kafka "127.0.0.1:$KAFKA_PORT" \
      --mongo "mongodb://127.0.0.1:$MONGO_PORT/" --partitions "$PARTITIONS" \
      || die "Kafka did not become healthy; see $LOG_DIR"
    ;;
  stop-store) stop_one ferretdb ;;
  start-store)
    start_ferretdb
    "$PY" -m deploy.local.ready --kafka "127.0.0.1:$KAFKA_PORT" \
      --mongo "mongodb://127.0.0.1:$MONGO_PORT/" --partitions "$PARTITIONS" \
      || die "FerretDB did not become healthy; see $LOG_DIR"
    ;;
  stop)
    stop_one ferretdb
    stop_one kafka
    ;;
  status)
    for name in kafka ferretdb; do
      if running "$name"; then echo "$name: running (pid $(cat "$STATE_DIR/$name.pid"))"; else echo "$name: stopped"; fi
    done
    endpoints
    ;;
  *) echo "usage: $0 start|stop|status|stop-kafka|start-kafka|stop-store|start-store" >&2; exit 2 ;;
esac
