#!/usr/bin/env bash
# run_replay.sh MODEL_SERVER REPLAY_SCRIPT: the ctest driver of the REST replay.
#
# Starts MODEL_SERVER (examples/model_server) with its demo config
# (--print-default-config) on 127.0.0.1:0 and a temporary state directory,
# reads the port from its `listening on http://...` line, runs REPLAY_SCRIPT (practicus_rest_sample.py,
# Python standard library only) against it with /usr/bin/python3, then stops
# the server with SIGTERM and expects it to exit with status 0.
# Exits non-zero if any step fails; the server's stderr is shown then.
set -euo pipefail

server=${1:?usage: run_replay.sh MODEL_SERVER REPLAY_SCRIPT}
script=${2:?usage: run_replay.sh MODEL_SERVER REPLAY_SCRIPT}
python=${MODELAUTH_PYTHON:-/usr/bin/python3}
email=demo@example.com

work=$(mktemp -d "${TMPDIR:-/tmp}/modelauth-replay.XXXXXX")
pid=
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "run_replay: $*" >&2
  if [ -s "$work/server.err" ]; then
    echo "--- model_server stderr ---" >&2
    cat "$work/server.err" >&2
  fi
  exit 1
}

# A fresh password, hashed with the fewest iterations the server accepts.
password=replay-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
hash=$(printf '%s\n' "$password" | "$server" hash-password --iterations 100000) \
  || fail "hash-password failed"

# The embedded demo config (api.md, "Config file"), as the server prints it,
# on a free port, with a state directory and the fresh password's hash.
"$server" --print-default-config >"$work/default.json" || fail "--print-default-config failed"
"$python" - "$work/default.json" "$work/config.json" "$work/state" "$email" "$hash" <<'PY' \
  || fail "the demo config could not be adapted"
import json, sys
source, target, state, email, password = sys.argv[1:]
config = json.load(open(source))
config.update({"listen": "127.0.0.1:0", "threads": 2, "state_dir": state})
[user] = config["users"]
assert user["email"] == email
user["password"] = password
json.dump(config, open(target, "w"))
PY

# The server's standard output goes through a FIFO that stays open, so the
# first line is read as soon as it is written, without polling.
mkfifo "$work/server.out"
"$server" --config "$work/config.json" >"$work/server.out" 2>"$work/server.err" &
pid=$!
exec 3<"$work/server.out"
url=
while IFS= read -r -t 120 line <&3; do
  case $line in
    "listening on "*) url=${line#listening on }; break ;;
  esac
done
[ -n "$url" ] || fail "model_server did not print its 'listening on' line"
# Keep draining its standard output, so it can never block on a full pipe.
cat <&3 >/dev/null &
drain=$!
exec 3<&-

status=0
"$python" "$script" "$url" "$email" "$password" || status=$?

kill -TERM "$pid"
server_status=0
wait "$pid" || server_status=$?
pid=
wait "$drain" || true
[ "$status" -eq 0 ] || fail "the replay failed (exit status $status)"
[ "$server_status" -eq 0 ] || fail "model_server exited with status $server_status after SIGTERM, not 0"
grep -q "stopped" "$work/server.err" || fail "model_server did not report a graceful stop"
echo "run_replay: the replay passed against $url and model_server stopped cleanly on SIGTERM"
