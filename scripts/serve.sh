#!/usr/bin/env bash
# Start or stop the scoring API (bentoml serve) and the dashboard (streamlit) in the background, on loopback.
#   scripts/serve.sh start   -> waits until both answer, prints their URLs
#   scripts/serve.sh stop
# The API key is $CREDITRISK_API_KEY, or a random one kept in .run/api-key (created on first start).
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=.run
API_PORT=${API_PORT:-3000}
UI_PORT=${UI_PORT:-8501}
HOST=${HOST:-127.0.0.1}
mkdir -p "$RUN"
# This project's own BentoML home (model store and metrics folder): another `bentoml serve` on the machine
# (tests, benchmarks, another checkout) never shares, nor clears, this server's metrics folder.
export BENTOML_HOME=${BENTOML_HOME:-$PWD/$RUN/bentoml}

stop() {
  for name in dashboard api; do
    if [[ -s $RUN/$name.pid ]] && kill -0 "$(cat "$RUN/$name.pid")" 2>/dev/null; then
      kill -- "-$(cat "$RUN/$name.pid")" 2>/dev/null || kill "$(cat "$RUN/$name.pid")"
      echo "stopped $name"
    fi
    rm -f "$RUN/$name.pid"
  done
}

wait_for() {  # url, name, log
  for _ in $(seq 1 120); do
    if curl -sf "$1" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  echo "error: $2 did not answer at $1 within 120 s; see $3" >&2
  tail -20 "$3" >&2
  return 1
}

start() {
  stop >/dev/null
  if [[ -z ${CREDITRISK_API_KEY:-} ]]; then
    [[ -s $RUN/api-key ]] || (umask 077; python -c "import secrets; print(secrets.token_urlsafe(24))" > "$RUN/api-key")
    chmod 600 "$RUN/api-key"  # the key is a secret: readable by its owner only
    CREDITRISK_API_KEY=$(cat "$RUN/api-key")
  fi
  export CREDITRISK_API_KEY BENTOML_DO_NOT_TRACK=true CREDITRISK_API_URL="http://$HOST:$API_PORT"
  # the store may lack the model when DVC restored it from cache; exit 3: no model serves this run's data
  status=0
  creditrisk publish --import-only >/dev/null 2>"$RUN/publish.err" || status=$?
  if [[ $status -eq 3 ]]; then
    echo
    echo "Nothing is served: $(sed 's/^error: //' "$RUN/publish.err")"
    echo "The API and the dashboard are not started. Read reports/validation_model/report.md (the tests and the"
    echo "gate's verdict) and reports/registry.json; the documents in docs/ say the same."
    exit 0
  elif [[ $status -ne 0 ]]; then
    cat "$RUN/publish.err" >&2
    exit "$status"
  fi
  # decisions of record: params `decisions` (or $CREDITRISK_DECISIONS_URL), migrated; the users' token secret
  eval "$(creditrisk decisions settings)"
  creditrisk decisions migrate >/dev/null
  if [[ -z ${CREDITRISK_TOKEN_SECRET:-} ]]; then
    [[ -s $RUN/token-secret ]] || (umask 077; python -c "import secrets; print(secrets.token_urlsafe(48))" > "$RUN/token-secret")
    CREDITRISK_TOKEN_SECRET=$(cat "$RUN/token-secret")
  fi
  export CREDITRISK_TOKEN_SECRET
  # the decision chain's HMAC key, kept outside the database (params decisions.key_file)
  if [[ -z ${CREDITRISK_CHAIN_KEY:-} && ! -s ${CREDITRISK_CHAIN_KEY_FILE} ]]; then
    (umask 077; python -c "import secrets; print(secrets.token_urlsafe(48))" > "$CREDITRISK_CHAIN_KEY_FILE")
  fi
  creditrisk users demo --out "$RUN/demo-accounts" >/dev/null   # three accounts on an empty database only
  # keep-alive longer than any client's idle expiry (httpx: 5 s = uvicorn's default, which races; browsers ~60 s)
  setsid bentoml serve --host "$HOST" --port "$API_PORT" --timeout-keep-alive 75 > "$RUN/api.log" 2>&1 &
  echo $! > "$RUN/api.pid"
  setsid streamlit run dashboard/app.py --server.address "$HOST" --server.port "$UI_PORT" > "$RUN/dashboard.log" 2>&1 &
  echo $! > "$RUN/dashboard.pid"
  wait_for "http://$HOST:$API_PORT/readyz" "the API" "$RUN/api.log"
  wait_for "http://$HOST:$UI_PORT/_stcore/health" "the dashboard" "$RUN/dashboard.log"
  for name in api dashboard; do  # something else answering on the port would hide a server that failed to bind
    if ! kill -0 "$(cat "$RUN/$name.pid")" 2>/dev/null; then
      echo "error: the $name exited (port in use?); see $RUN/$name.log" >&2
      tail -20 "$RUN/$name.log" >&2
      exit 1
    fi
  done
  echo
  echo "Scoring API : http://$HOST:$API_PORT  (OpenAPI docs at /; header X-API-Key = \$CREDITRISK_API_KEY or $RUN/api-key)"
  echo "Dashboard   : http://$HOST:$UI_PORT  (log in: accounts in $RUN/demo-accounts on a first start; more with"
  echo "              \`creditrisk users add NAME --role relationship_manager|approver|auditor\`)"
  echo "Logs in $RUN/; stop both with: make stop"
}

case ${1:-start} in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
