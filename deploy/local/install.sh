#!/usr/bin/env bash
# Installs everything the project needs, once: the virtualenv with the Python packages, Kafka's jars
# (from Maven Central, via Maven), and FerretDB (built with `go install`). Safe to run again: each
# step is skipped when its cached result is current.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

need_apt=()
command -v java >/dev/null || need_apt+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || need_apt+=(maven)
command -v go >/dev/null || need_apt+=(golang-go)
python3 -c 'import venv, ensurepip' 2>/dev/null || need_apt+=(python3-venv)
if ((${#need_apt[@]})); then
  log "installing system packages: ${need_apt[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# The browser tests drive Debian's headless Chromium with its chromium-driver (no browser download
# at run time). Optional: where the packages cannot be installed, those tests skip and say why.
# A failed attempt is remembered (delete the marker to try again), so runs do not retry apt-get.
no_browser="$CACHE_DIR/.no-chromium"
if { ! command -v chromium || ! command -v chromedriver; } >/dev/null && [[ ! -f "$no_browser" ]]; then
  log "installing the browser for the browser tests: chromium, chromium-driver"
  if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium \
      chromium-driver >/dev/null; }; then
    mkdir -p "$CACHE_DIR" && touch "$no_browser"
    log "chromium not installed: the browser tests will skip (rm $no_browser to try again)"
  fi
fi

stamp="$VENV/.installed-$(sha256sum "$REPO_ROOT/pyproject.toml" | cut -c1-12)"
if [[ ! -f "$stamp" ]]; then
  log "creating virtualenv $VENV and installing Python packages"
  [[ -x "$PY" ]] || python3 -m venv "$VENV"
  "$PY" -m pip install -q --upgrade pip
  "$PY" -m pip install -q -e "$REPO_ROOT[dev]"
  rm -f "$VENV"/.installed-* && touch "$stamp"
fi

if [[ ! -f "$KAFKA_LIB/.complete" ]]; then
  log "fetching Apache Kafka $KAFKA_VERSION jars with Maven"
  rm -rf "$KAFKA_LIB" && mkdir -p "$KAFKA_LIB"
  mvn -q -B -f "$REPO_ROOT/deploy/local/kafka/pom.xml" dependency:copy-dependencies \
    -DoutputDirectory="$KAFKA_LIB" -DincludeScope=runtime
  touch "$KAFKA_LIB/.complete"
fi

if [[ ! -x "$FERRET_BIN" ]]; then
  log "building FerretDB with go install"
  tmp_bin="$(mktemp -d)"
  (cd "$FERRET_SRC" && GOBIN="$tmp_bin" go install .)
  mkdir -p "$(dirname "$FERRET_BIN")"
  mv "$tmp_bin/ferretdb" "$FERRET_BIN" && rmdir "$tmp_bin"
fi
log "installed: venv, Kafka $KAFKA_VERSION, FerretDB ($FERRET_BIN)"
