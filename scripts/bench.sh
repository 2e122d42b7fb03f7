#!/usr/bin/env bash
# The wrk cross-check of `velro bench`: starts a trivial Go JSON server (the ceiling)
# and a Velro server, then drives both with wrk and prints one Markdown
# table row per scenario, ready for BENCHMARKS.md.
#
#   scripts/bench.sh [--postgres URL] [--redis URL] [--env NAME=VALUE]... [--duration 10s] [scenario...]
#
# --env sets a setting of the server, e.g. --env VELRO_PERF_TRACKING=off.
#
# Scenarios: ceiling me authorize generation login register refresh
# (default: all). Needs wrk
# (apt-get install wrk). Server logs go to $WORK/velro.log.
set -euo pipefail
cd "$(dirname "$0")/.."

duration=10s
server_env=()
scenarios=()
while [ $# -gt 0 ]; do
	case "$1" in
	--postgres) server_env+=("DATABASE_URL=$2"); shift 2 ;;
	--redis) server_env+=("REDIS_URL=$2"); shift 2 ;;
	--env) server_env+=("$2"); shift 2 ;;
	--duration) duration=$2; shift 2 ;;
	*) scenarios+=("$1"); shift ;;
	esac
done
[ ${#scenarios[@]} -gt 0 ] || scenarios=(ceiling me authorize generation login register refresh)
command -v wrk >/dev/null || { echo "bench: wrk is not installed (apt-get install wrk)" >&2; exit 1; }

for port in 18080 18090; do
	if curl -s -o /dev/null "http://127.0.0.1:$port/"; then
		echo "bench: port $port is already in use; stop what listens there first" >&2
		exit 1
	fi
done

WORK=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

go build -o "$WORK/velro" ./cmd/velro
"$WORK/velro" bench trivial --addr 127.0.0.1:18090 >/dev/null &
pids+=($!)
env "${server_env[@]}" VELRO_ADDR=127.0.0.1:18080 VELRO_DATA_DIR="$WORK/data" VELRO_LOG_LEVEL=warn \
	"$WORK/velro" serve >/dev/null 2>"$WORK/velro.log" &
pids+=($!)
for _ in $(seq 1 100); do curl -sf http://127.0.0.1:18080/health/ready >/dev/null && break; sleep 0.1; done
URL=http://127.0.0.1:18080
eval "$("$WORK/velro" bench fixtures --url $URL --sessions 16)"
export EMAIL PASSWORD TOKEN REFRESH_TOKENS GENERATION_ID

# row NAME CONNECTIONS THREADS URL [wrk args...]: run wrk, print a table row.
row() {
	local name=$1 conns=$2 threads=$3 url=$4
	shift 4
	wrk -t"$threads" -c"$conns" -d"$duration" --latency "$@" "$url" >"$WORK/wrk.out"
	awk -v name="$name" -v conns="$conns" '
		/Requests\/sec/ { rps = $2 }
		/^ +50%/ { p50 = $2 } /^ +99%/ { p99 = $2 }
		/Non-2xx/ { errs = $NF }
		/Socket errors/ { sock = $0 }
		END { printf "| %s | %s | %s | %s | %s | %s |\n", name, conns, rps, p50, p99, (errs ? errs " non-2xx" : "0") (sock ? "; " sock : "") }
	' "$WORK/wrk.out"
}

echo "| scenario | connections | req/s | p50 | p99 | errors |"
echo "|---|---|---|---|---|---|"
for s in "${scenarios[@]}"; do
	case "$s" in
	ceiling)
		row "trivial Go JSON handler (ceiling)" 64 2 http://127.0.0.1:18090/
		row "trivial Go JSON handler (ceiling)" 1 1 http://127.0.0.1:18090/ ;;
	me)
		row "GET /api/v1/auth/me" 64 2 $URL/api/v1/auth/me -s scripts/wrk/get.lua
		row "GET /api/v1/auth/me" 1 1 $URL/api/v1/auth/me -s scripts/wrk/get.lua ;;
	authorize)
		row "GET /api/v1/generations/{id}/authorize" 64 2 $URL/api/v1/generations/$GENERATION_ID/authorize -s scripts/wrk/get.lua
		row "GET /api/v1/generations/{id}/authorize" 1 1 $URL/api/v1/generations/$GENERATION_ID/authorize -s scripts/wrk/get.lua ;;
	generation)
		row "GET /api/v1/generations/{id}" 64 2 $URL/api/v1/generations/$GENERATION_ID -s scripts/wrk/get.lua
		row "GET /api/v1/generations/{id}" 1 1 $URL/api/v1/generations/$GENERATION_ID -s scripts/wrk/get.lua ;;
	login)
		row "POST /api/v1/auth/login" 1 1 $URL/api/v1/auth/login -s scripts/wrk/login.lua
		row "POST /api/v1/auth/login" 2 2 $URL/api/v1/auth/login -s scripts/wrk/login.lua ;;
	register)
		row "POST /api/v1/auth/register" 1 1 $URL/api/v1/auth/register -s scripts/wrk/register.lua ;;
	refresh)
		row "POST /api/v1/auth/refresh" 16 16 $URL/api/v1/auth/refresh -s scripts/wrk/refresh.lua ;;
	*) echo "bench: unknown scenario $s" >&2; exit 1 ;;
	esac
done
