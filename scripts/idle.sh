#!/usr/bin/env bash
# Cold start and idle memory of a server on a fresh SQLite data dir: builds
# velro, starts it, prints how long /health/ready took to first answer 200
# (polled every 5 ms), then its resident memory (VmRSS) at fixed times
# after that, as one Markdown table row ready for BENCHMARKS.md.
#
#   scripts/idle.sh [--runs N] [--env NAME=VALUE]... [seconds...]   (default: 2 10 30 60 120 180 240)
#
# Goals (BENCHMARKS.md): ready within 1 s, idle RSS < 50 MB (10^6 bytes).
set -euo pipefail
cd "$(dirname "$0")/.."

runs=1
server_env=()
times=()
while [ $# -gt 0 ]; do
	case "$1" in
	--runs) runs=$2; shift 2 ;;
	--env) server_env+=("$2"); shift 2 ;;
	*) times+=("$1"); shift ;;
	esac
done
[ ${#times[@]} -gt 0 ] || times=(2 10 30 60 120 180 240)

work=$(mktemp -d)
trap 'kill "${pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/velro" ./cmd/velro
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

now_ms() { date +%s%3N; }
header="| run | ready after |"
for t in "${times[@]}"; do header+=" RSS at ${t} s |"; done
echo "$header"
for run in $(seq 1 "$runs"); do
	data="$work/data-$run"
	start=$(now_ms)
	env "${server_env[@]}" VELRO_DATA_DIR="$data" VELRO_ADDR="127.0.0.1:$port" VELRO_LOG_LEVEL=warn \
		"$work/velro" serve >"$work/velro-$run.log" 2>&1 &
	pid=$!
	until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health/ready" || true)" = 200 ]; do
		kill -0 "$pid" 2>/dev/null || { echo "idle: the server exited; see its log:" >&2; cat "$work/velro-$run.log" >&2; exit 1; }
		sleep 0.005
	done
	ready=$(($(now_ms) - start))
	row="| $run | ${ready} ms |"
	elapsed=0
	for t in "${times[@]}"; do
		sleep $((t - elapsed)); elapsed=$t
		kb=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
		row+=" $(awk -v kb="$kb" 'BEGIN { printf "%.1f MB", kb * 1024 / 1e6 }') |"
	done
	echo "$row"
	kill "$pid"; wait "$pid" 2>/dev/null || true
done
