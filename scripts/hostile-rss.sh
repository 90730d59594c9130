#!/usr/bin/env bash
# Peak resident memory (VmHWM) of the reviewer against a hostile server.
#
# For each case, starts scripts/hostile-server.py on 127.0.0.1, runs the real reviewer
# inside a detached tmux session of 120x40, waits until the screen says what happened,
# then reads VmRSS and VmHWM from /proc:
#   endless-body     every answer is an endless 200 body
#   endless-history  a session whose history always has more (then G in the transcript)
#   huge-names       500 sessions with 1 MB names, 1 MB user memory and malformed items,
#                    20 a page (then h G: every page)
# Every wait has a deadline, and a reviewer over 1.5 GB is stopped, so a regression
# cannot take the machine down. Everything runs in a temporary directory and is
# stopped on exit.
#
#   scripts/hostile-rss.sh                         # all three cases
#   scripts/hostile-rss.sh endless-history         # one
#   VERDICT_BIN=target/release/verdict scripts/hostile-rss.sh
#
# Needs: tmux, python3, and a built binary (default target/debug/verdict, built with
# `cargo build` when missing).
set -euo pipefail

cd "$(dirname "$0")/.."
BIN="${VERDICT_BIN:-target/debug/verdict}"
DEADLINE="${DEADLINE:-180}"
RSS_LIMIT_KB=$((1536 * 1024))
if [[ ! -x "$BIN" ]]; then
  echo "building $BIN ..." >&2
  cargo build --quiet
fi
BIN="$(realpath "$BIN")"
CASES=("$@")
[[ ${#CASES[@]} -gt 0 ]] || CASES=(endless-body endless-history huge-names)

work="$(mktemp -d)"
tmux_session="verdict-hostile-$$"
server_pid=""
cleanup() {
  tmux kill-session -t "$tmux_session" 2>/dev/null || true
  if [[ -n "$server_pid" ]]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

calc() { awk "BEGIN { print $1 }"; }
rss_kb() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$pid/status" 2>/dev/null || echo 0; }
screen() { tmux capture-pane -p -t "$tmux_session"; }

# Waits up to $DEADLINE seconds for the screen to show $1; stops a reviewer that grows
# past the limit.
wait_screen() {
  local start=$SECONDS
  until screen | grep -qF -- "$1"; do
    local rss; rss=$(rss_kb VmRSS)
    if (( ${rss:-0} > RSS_LIMIT_KB )); then
      echo "the reviewer passed $((RSS_LIMIT_KB / 1024)) MB waiting for: $1; stopped" >&2
      exit 1
    fi
    if (( SECONDS - start > DEADLINE )); then
      echo "timed out after ${DEADLINE}s waiting for: $1" >&2
      screen >&2
      exit 1
    fi
    sleep 0.2
  done
}

for case in "${CASES[@]}"; do
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  python3 scripts/hostile-server.py "$port" "$case" &
  server_pid=$!
  start=$SECONDS
  until python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null; do
    (( SECONDS - start < 30 )) || { echo "the hostile server did not start" >&2; exit 1; }
    sleep 0.1
  done
  rm -rf "$work/data" "$work/config"
  tmux new-session -d -s "$tmux_session" -x 120 -y 40 \
    -e VERDICT_DATA_DIR="$work/data" -e VERDICT_CONFIG_DIR="$work/config" \
    -e MIXPEEK_API_KEY=sk_hostile \
    "'$BIN' --base-url 'http://127.0.0.1:$port' --namespace ns"
  pid="$(tmux display-message -p -t "$tmux_session" '#{pane_pid}')"
  t0=$SECONDS
  case "$case" in
    endless-body)
      wait_screen "larger than 64 MB"
      said="the answer was larger than 64 MB" ;;
    endless-history)
      wait_screen "loading stopped at 50000"
      tmux send-keys -t "$tmux_session" G
      wait_screen "message 50000/"
      said="loading stopped at 50000 messages" ;;
    huge-names)
      wait_screen "unreadable"
      tmux send-keys -t "$tmux_session" h G
      wait_screen "Sessions (500)"
      said="all 500 sessions listed, 25 of them unreadable" ;;
    *) echo "unknown case $case" >&2; exit 2 ;;
  esac
  rss=$(rss_kb VmRSS)
  hwm=$(rss_kb VmHWM)
  printf '%-16s VmRSS %6.1f MB  VmHWM %6.1f MB  after %3d s: %s\n' "$case" \
    "$(calc "$rss / 1024")" "$(calc "$hwm / 1024")" "$((SECONDS - t0))" "$said"
  tmux send-keys -t "$tmux_session" C-c
  start=$SECONDS
  while kill -0 "$pid" 2>/dev/null; do
    (( SECONDS - start < 10 )) || { echo "the reviewer did not quit" >&2; exit 1; }
    sleep 0.1
  done
  tmux kill-session -t "$tmux_session" 2>/dev/null || true
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
done
