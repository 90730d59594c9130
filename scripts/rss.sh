#!/usr/bin/env bash
# Resident memory of the reviewer with every session of a large namespace listed.
#
# Seeds a throwaway database (verdict seed), serves it (verdict serve), runs the real
# reviewer inside a detached tmux session of 120x40, presses G in the sessions pane
# (which loads every page), waits until all sessions are listed, then reads VmRSS and
# VmHWM of the reviewer from /proc. Everything runs in a temporary directory and is
# stopped on exit; each wait has a deadline.
#
#   scripts/rss.sh                      # 100,000 sessions of ~10 messages
#   SESSIONS=10000 scripts/rss.sh       # another size
#   VERDICT_BIN=target/debug/verdict scripts/rss.sh
#
# Needs: tmux, python3, and a built binary (default target/release/verdict; it is
# built with `cargo build --release` when missing).
set -euo pipefail

SESSIONS="${SESSIONS:-100000}"
MESSAGES="${MESSAGES:-10}"
DEADLINE="${DEADLINE:-300}"
NAMESPACE=rss
cd "$(dirname "$0")/.."
BIN="${VERDICT_BIN:-target/release/verdict}"
if [[ ! -x "$BIN" ]]; then
  echo "building $BIN ..." >&2
  cargo build --release --quiet
fi
BIN="$(realpath "$BIN")"

work="$(mktemp -d)"
tmux_session="verdict-rss-$$"
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

export VERDICT_DATA_DIR="$work/data" VERDICT_CONFIG_DIR="$work/config"
db="$work/server.db"

calc() { awk "BEGIN { print $1 }"; }
now() { date +%s.%N; }
t0=$(now)
"$BIN" seed --db "$db" --namespace "$NAMESPACE" --sessions "$SESSIONS" --messages "$MESSAGES" >/dev/null
printf 'seeded %s sessions in %.1f s\n' "$SESSIONS" "$(calc "$(now) - $t0")"
# The key goes to a private file and the reviewer's environment only, never a command line.
umask 077
"$BIN" keys create --namespace "$NAMESPACE" --db "$db" >"$work/key"

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
"$BIN" serve --db "$db" --addr "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
server_pid=$!

# Waits up to $2 seconds for the command $1 to succeed.
wait_for() {
  local what="$1" limit="$2" start=$SECONDS
  until eval "$what"; do
    if (( SECONDS - start > limit )); then
      echo "timed out after ${limit}s waiting for: $what" >&2
      [[ -n "${3:-}" ]] && eval "$3" >&2
      exit 1
    fi
    sleep 0.2
  done
}
wait_for "python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", $port), 1)' 2>/dev/null" 30

cat >"$work/reviewer.sh" <<EOF
#!/usr/bin/env bash
MIXPEEK_API_KEY="\$(cat '$work/key')" exec '$BIN' --base-url 'http://127.0.0.1:$port' --namespace '$NAMESPACE'
EOF
chmod 700 "$work/reviewer.sh"
tmux new-session -d -s "$tmux_session" -x 120 -y 40 \
  -e VERDICT_DATA_DIR="$VERDICT_DATA_DIR" -e VERDICT_CONFIG_DIR="$VERDICT_CONFIG_DIR" \
  "$work/reviewer.sh"
pid="$(tmux display-message -p -t "$tmux_session" '#{pane_pid}')"
screen() { tmux capture-pane -p -t "$tmux_session"; }

wait_for "screen | grep -q 'Sessions (100/'" 60 screen
rss_kb() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$pid/status"; }
first_rss=$(rss_kb VmRSS)

t0=$(now)
tmux send-keys -t "$tmux_session" h G
wait_for "screen | grep -q 'All $SESSIONS sessions loaded'" "$DEADLINE" screen
loaded_in=$(calc "$(now) - $t0")
# Scroll a little through the loaded list so the figures include drawing it.
for key in g G k k k g; do tmux send-keys -t "$tmux_session" "$key"; done
wait_for "screen | grep -q 'Sessions ($SESSIONS)'" 10 screen

rss=$(rss_kb VmRSS)
hwm=$(rss_kb VmHWM)
printf 'first page listed:       VmRSS %6.1f MB\n' "$(calc "$first_rss / 1024")"
printf '%s sessions listed:  VmRSS %6.1f MB, VmHWM %6.1f MB (all loaded %.1f s after G)\n' \
  "$SESSIONS" "$(calc "$rss / 1024")" "$(calc "$hwm / 1024")" "$loaded_in"

tmux send-keys -t "$tmux_session" q
wait_for "! kill -0 $pid 2>/dev/null" 10
