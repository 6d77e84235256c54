#!/usr/bin/env bash
# One entry point for people and CI:
#   ./dispatch.sh run    start the service on embedded defaults (demo city) and print its URLs
#   ./dispatch.sh test   run every test
#   ./dispatch.sh screenshots   refresh docs/screenshots (the real pages in Chromium against the real host)
# Both install what the project needs from Debian's packages when it is missing.
# Sourcing this file (tests do) defines its functions and runs nothing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

# Debian packages the service and its tests need at run time.
# libgtk-3-0: the native OpenCV runtime (camera analytics, snapshots) links against it.
# ffmpeg: the camera gateway encodes event clips as VP8 in WebM with it (libvpx), which Chromium plays; OpenCV's own
# runtime writes only MJPEG, MPEG-4 Part 2 and FFV1, none of which a browser plays (docs/video.md).
APT_PACKAGES=(libgtk-3-0 curl ffmpeg)
# What the tests add: Chromium for the browser tests (and a CJK font so screenshots of the Chinese pages are
# readable); promtool (checks the /metrics output and deploy/prometheus); the load driver's peer baselines
# (Redis GEO, PostGIS on a throwaway PostgreSQL cluster), since a short load run is part of the tests;
# python3-grpcio and python3-grpc-tools: a camera gateway that is not ours, generated from protos/ at test time,
# checks the gRPC contract as a vendor meets it.
TEST_APT_PACKAGES=(chromium fonts-wqy-zenhei prometheus redis-server postgresql postgresql-15-postgis-3
    python3-grpcio python3-grpc-tools)

# Where `run` keeps the database, the gateway's spool and the logs, and the ports it serves on.
DISPATCH_DATA=${DISPATCH_DATA:-data}
DISPATCH_WEB_PORT=${DISPATCH_WEB_PORT:-5080}
DISPATCH_GRPC_PORT=${DISPATCH_GRPC_PORT:-5081}
# How long to wait for another apt or dpkg run (unattended upgrades, a second terminal) to let go of its lock.
DISPATCH_APT_LOCK_WAIT_SECONDS=${DISPATCH_APT_LOCK_WAIT_SECONDS:-600}
# Logs of earlier runs kept beside the current one (gateway.log.1 is the previous run's).
LOG_GENERATIONS=5

need_dotnet() {
    if ! command -v dotnet >/dev/null 2>&1; then
        echo "dispatch: the .NET 10 SDK is required (dotnet not found on PATH)" >&2
        exit 1
    fi
}

# The operator and terminal pages are bundled at build time (npm ci + esbuild, run by the host's build).
need_node() {
    if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
        ensure_apt_packages nodejs npm
    fi
}

# apt-get as root (through sudo when needed; DISPATCH_SUDO= turns that off), waiting while another apt or dpkg run
# holds its lock: dpkg's frontend lock through apt's own timeout, the package lists' lock (apt-get update) by retrying.
apt_get() {
    local sudo=${DISPATCH_SUDO-auto}
    if [ "$sudo" = auto ]; then
        sudo=""
        [ "$(id -u)" -ne 0 ] && sudo="sudo"
    fi

    local deadline=$((SECONDS + DISPATCH_APT_LOCK_WAIT_SECONDS)) said_waiting="" output status
    while true; do
        status=0
        output=$($sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout="$DISPATCH_APT_LOCK_WAIT_SECONDS" "$@" 2>&1) || status=$?
        if [ "$status" -eq 0 ]; then
            [ -n "$output" ] && printf '%s\n' "$output"
            return 0
        fi

        if grep -qE "Could not get lock|Unable to lock|Unable to acquire the dpkg frontend lock" <<<"$output" && [ "$SECONDS" -lt "$deadline" ]; then
            if [ -z "$said_waiting" ]; then
                echo "dispatch: another apt or dpkg run holds its lock; waiting for it (up to ${DISPATCH_APT_LOCK_WAIT_SECONDS} s)" >&2
                said_waiting=yes
            fi
            sleep 2
            continue
        fi

        printf '%s\n' "$output" >&2
        return "$status"
    done
}

ensure_apt_packages() {
    local missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "dispatch: installing Debian packages: ${missing[*]}"
    apt_get update -qq
    apt_get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Keeps earlier runs' logs: gateway.log becomes gateway.log.1, .1 becomes .2, ..., the oldest is dropped.
rotate_log() {
    local log=$1 n
    [ -e "$log" ] || return 0
    for ((n = LOG_GENERATIONS - 1; n >= 1; n--)); do
        [ -e "$log.$n" ] && mv -f "$log.$n" "$log.$((n + 1))"
    done
    mv -f "$log" "$log.1"
}

# Stops one child: SIGTERM (each part stops cleanly on it), then SIGKILL after the grace time.
stop_process() {
    local pid=$1 grace_seconds=$2 waited=0
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null || return 0
    while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt $((grace_seconds * 10)) ]; do
        sleep 0.1
        waited=$((waited + 1))
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

HOST_PID=""
GATEWAY_PID=""
SIMULATOR_PID=""

# The gateway and the simulator first, so their streams end before the host does; then the host.
stop_all() {
    trap - INT TERM
    stop_process "$SIMULATOR_PID" 15
    stop_process "$GATEWAY_PID" 15
    stop_process "$HOST_PID" 30
    SIMULATOR_PID="" GATEWAY_PID="" HOST_PID=""
}

# Ctrl+C or a TERM: a clean stop is the normal end of a run.
on_stop_signal() {
    echo
    echo "Stopping: simulator, camera gateway, then the host..."
    stop_all
    echo "Dispatch stopped."
    exit 0
}

cmd_run() {
    need_dotnet
    ensure_apt_packages "${APT_PACKAGES[@]}"
    need_node
    # DISPATCH_SKIP_BUILD=1: the Release builds are already there (the tests build the solution first).
    if [ "${DISPATCH_SKIP_BUILD:-}" != 1 ]; then
        dotnet build src/Dispatch.Server -c Release -nologo -v quiet -clp:NoSummary
        dotnet build src/Dispatch.Gateway -c Release -nologo -v quiet -clp:NoSummary
        dotnet build src/Dispatch.Simulator -c Release -nologo -v quiet -clp:NoSummary
    fi
    mkdir -p "$DISPATCH_DATA"
    rotate_log "$DISPATCH_DATA/gateway.log"
    rotate_log "$DISPATCH_DATA/simulator.log"
    trap on_stop_signal INT TERM
    trap stop_all EXIT

    # Run from the repository root so state lands in $DISPATCH_DATA (settings come from beside the binary).
    # Arguments after `run` come last, so they override these. The Demo environment seeds demo accounts and
    # gateway credentials with generated secrets into $DISPATCH_DATA/demo-accounts.txt (the Production
    # environment refuses to start with them).
    ASPNETCORE_ENVIRONMENT=Demo dotnet src/Dispatch.Server/bin/Release/net10.0/Dispatch.Server.dll \
        "--Kestrel:Endpoints:Web:Url=http://0.0.0.0:$DISPATCH_WEB_PORT" \
        "--Kestrel:Endpoints:Grpc:Url=http://0.0.0.0:$DISPATCH_GRPC_PORT" \
        "--Dispatch:Storage:SqlitePath=$DISPATCH_DATA/dispatch.db" --Dispatch:Demo:SeedAccounts=true "$@" &
    HOST_PID=$!
    local ready=""
    for _ in $(seq 1 120); do
        if curl -sf "http://127.0.0.1:$DISPATCH_WEB_PORT/health/ready" >/dev/null 2>&1; then
            ready=yes
            break
        fi
        if ! kill -0 "$HOST_PID" 2>/dev/null; then
            # It said why (e.g. "Dispatch cannot start: ..."); pass its exit code on.
            local failed=0
            wait "$HOST_PID" || failed=$?
            HOST_PID=""
            exit "$failed"
        fi
        sleep 1
    done
    if [ -z "$ready" ]; then
        echo "dispatch: the host did not become ready within 120 s" >&2
        exit 1
    fi

    # A reference camera gateway on a synthetic scene beside the first station, so alerts flow into incidents;
    # it presents gw-1's generated credential.
    local credential
    credential=$(awk -F'\t' '$1 == "gateway" && $2 == "gw-1" { print $3 }' "$DISPATCH_DATA/demo-accounts.txt")
    dotnet src/Dispatch.Gateway/bin/Release/net10.0/Dispatch.Gateway.dll --server "http://127.0.0.1:$DISPATCH_GRPC_PORT" \
        --gateway-id gw-1 --credential "$credential" --cameras 2 --source synthetic \
        --lat 36.6600 --lon 117.0000 --spool "$DISPATCH_DATA/gateway-spool" --report 60 > "$DISPATCH_DATA/gateway.log" 2>&1 &
    GATEWAY_PID=$!
    echo "Camera gateway gw-1 started (2 synthetic cameras); its log: $DISPATCH_DATA/gateway.log"
    # Simulated patrol terminals over the terminal hub (every unit of the city drives its beat, answers dispatches)
    # and a call-taker reporting an incident now and then, so the map is alive; each signs in with its demo account.
    dotnet src/Dispatch.Simulator/bin/Release/net10.0/Dispatch.Simulator.dll live --host "http://127.0.0.1:$DISPATCH_WEB_PORT" \
        --accounts "$DISPATCH_DATA/demo-accounts.txt" \
        > "$DISPATCH_DATA/simulator.log" 2>&1 &
    SIMULATOR_PID=$!
    echo "Simulator started (every patrol unit on its terminal, an incident about every 40 s); its log: $DISPATCH_DATA/simulator.log"

    # Until the host ends by itself (a signal ends the run through on_stop_signal instead).
    local status=0
    wait "$HOST_PID" || status=$?
    HOST_PID=""
    echo "dispatch: the host stopped (exit code $status); stopping the gateway and the simulator" >&2
    stop_all
    exit "$status"
}

cmd_test() {
    need_dotnet
    ensure_apt_packages "${APT_PACKAGES[@]}" "${TEST_APT_PACKAGES[@]}"
    need_node
    dotnet build Dispatch.sln -c Release -nologo -v quiet
    dotnet test Dispatch.sln -c Release --no-build -nologo "$@"
}

# The README's pictures: the demo city with a few incidents, the operator map and a phone-sized terminal, in Chromium.
cmd_screenshots() {
    need_dotnet
    ensure_apt_packages "${APT_PACKAGES[@]}" chromium fonts-wqy-zenhei
    need_node
    dotnet run --project tools/Dispatch.Screenshots -c Release -- "$@"
}

main() {
    case "${1:-}" in
        run) shift; cmd_run "$@" ;;
        test) shift; cmd_test "$@" ;;
        screenshots) shift; cmd_screenshots "$@" ;;
        *) echo "usage: ./dispatch.sh run | test | screenshots" >&2; exit 64 ;;
    esac
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    main "$@"
fi
