#!/usr/bin/env bash
# One entry point for people and CI:
#   ./dispatch.sh run    start the service on embedded defaults (demo city) and print its URLs
#   ./dispatch.sh test   run every test
#   ./dispatch.sh cluster   three hosts in one Orleans cluster on PostgreSQL and Redis (docs/cluster.md)
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
# `cluster`: PostgreSQL and Redis from Debian's packages (run as an unprivileged user in $DISPATCH_DATA/cluster).
CLUSTER_APT_PACKAGES=(postgresql redis-server)
DISPATCH_PG_PORT=${DISPATCH_PG_PORT:-15432}
DISPATCH_REDIS_PORT=${DISPATCH_REDIS_PORT:-16379}
# Host i (0, 1, 2) of the cluster serves on DISPATCH_WEB_PORT + 10 i and DISPATCH_GRPC_PORT + 10 i, its silo on these + i.
DISPATCH_SILO_PORT=${DISPATCH_SILO_PORT:-11111}
DISPATCH_SILO_GATEWAY_PORT=${DISPATCH_SILO_GATEWAY_PORT:-30000}
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

# Stops children together: SIGTERM to each (every part stops cleanly on it), then SIGKILL to whichever is still
# there when the grace time is up. One deadline for all of them, so stopping N parts never takes N grace times.
stop_processes() {
    local grace_seconds=$1 waited=0 pid alive
    shift
    for pid in "$@"; do
        [ -z "$pid" ] || kill -TERM "$pid" 2>/dev/null || true
    done
    while [ "$waited" -lt $((grace_seconds * 10)) ]; do
        alive=0
        for pid in "$@"; do
            if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
                alive=1
            fi
        done
        [ "$alive" -eq 0 ] && break
        sleep 0.1
        waited=$((waited + 1))
    done
    for pid in "$@"; do
        [ -n "$pid" ] || continue
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
}

HOST_PID=""
GATEWAY_PID=""
SIMULATOR_PID=""
CLUSTER_HOST_PIDS=()
CLUSTER_DB=""
CLUSTER_USER=""
REDIS_PID=""

# The gateway and the simulator first, so their streams end before the host does; then the host(s), together, so
# each leaves the cluster cleanly while the others still answer it; then Redis and PostgreSQL.
stop_all() {
    trap - INT TERM
    stop_processes 15 "$SIMULATOR_PID" "$GATEWAY_PID"
    stop_processes 30 "$HOST_PID" "${CLUSTER_HOST_PIDS[@]}"
    CLUSTER_HOST_PIDS=()
    stop_processes 10 "$REDIS_PID"
    if [ -n "$CLUSTER_DB" ]; then
        as_cluster_user "$(postgres_bin)/pg_ctl" -D "$CLUSTER_DB" -m fast -w -t 30 stop >/dev/null 2>&1 \
            || as_cluster_user "$(postgres_bin)/pg_ctl" -D "$CLUSTER_DB" -m immediate -w -t 10 stop >/dev/null 2>&1 || true
    fi
    SIMULATOR_PID="" GATEWAY_PID="" HOST_PID="" REDIS_PID="" CLUSTER_DB=""
}

# Ctrl+C or a TERM: a clean stop is the normal end of a run.
on_stop_signal() {
    echo
    echo "Stopping: simulator, camera gateway, then the host(s)..."
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

# The database servers do not run as root: as 'postgres' (Debian's package makes it) when we are root.
as_cluster_user() {
    if [ -n "$CLUSTER_USER" ]; then
        runuser -u "$CLUSTER_USER" -- "$@"
    else
        "$@"
    fi
}

postgres_bin() {
    local bin
    bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [ -n "$bin" ] || { echo "dispatch: PostgreSQL is not installed (no /usr/lib/postgresql/*/bin)" >&2; exit 1; }
    echo "$bin"
}

# Waits until a host answers /health/ready; exits with the host's own code if it stopped.
wait_ready() {
    local port=$1 pid=$2
    for _ in $(seq 1 180); do
        curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && return 0
        if ! kill -0 "$pid" 2>/dev/null; then
            local failed=0
            wait "$pid" || failed=$?
            echo "dispatch: the host on port $port stopped (exit code $failed)" >&2
            exit "$failed"
        fi
        sleep 1
    done
    echo "dispatch: the host on port $port did not become ready within 180 s" >&2
    exit 1
}

# Three hosts in one Orleans cluster: Redis membership, grain state and the incident record in PostgreSQL, each
# host on its own ports with its own folder; the accounts store and token key shared so a token works on any host.
cmd_cluster() {
    need_dotnet
    ensure_apt_packages "${APT_PACKAGES[@]}" "${CLUSTER_APT_PACKAGES[@]}"
    need_node
    if [ "${DISPATCH_SKIP_BUILD:-}" != 1 ]; then
        dotnet build src/Dispatch.Server -c Release -nologo -v quiet -clp:NoSummary
        dotnet build src/Dispatch.Gateway -c Release -nologo -v quiet -clp:NoSummary
        dotnet build src/Dispatch.Simulator -c Release -nologo -v quiet -clp:NoSummary
    fi
    local root
    root=$(mkdir -p "$DISPATCH_DATA/cluster" && cd "$DISPATCH_DATA/cluster" && pwd)
    [ "$(id -u)" -eq 0 ] && CLUSTER_USER=postgres
    mkdir -p "$root/postgres" "$root/redis"
    [ -n "$CLUSTER_USER" ] && chown "$CLUSTER_USER" "$root/postgres" "$root/redis"
    trap on_stop_signal INT TERM
    trap stop_all EXIT

    local bin
    bin=$(postgres_bin)
    if [ ! -f "$root/postgres/data/PG_VERSION" ]; then
        as_cluster_user "$bin/initdb" -D "$root/postgres/data" -U dispatch -A trust -E UTF8 >/dev/null
    fi
    as_cluster_user "$bin/pg_ctl" -D "$root/postgres/data" -l "$root/postgres/server.log" -w -t 60 start \
        -o "-p $DISPATCH_PG_PORT -k $root/postgres -c listen_addresses=127.0.0.1 -c max_connections=300" >/dev/null
    CLUSTER_DB="$root/postgres/data"
    "$bin/psql" -h 127.0.0.1 -p "$DISPATCH_PG_PORT" -U dispatch -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'dispatch'" | grep -q 1 \
        || "$bin/createdb" -h 127.0.0.1 -p "$DISPATCH_PG_PORT" -U dispatch dispatch
    echo "PostgreSQL on 127.0.0.1:$DISPATCH_PG_PORT (database dispatch; files in $root/postgres)"

    # In a session of its own, like PostgreSQL (pg_ctl detaches it): Ctrl+C reaches the hosts, which leave the cluster
    # through Redis; Redis stops after them (stop_all).
    local redis=(redis-server --port "$DISPATCH_REDIS_PORT" --bind 127.0.0.1 --dir "$root/redis" --save "" --appendonly no)
    [ -n "$CLUSTER_USER" ] && redis=(runuser -u "$CLUSTER_USER" -- "${redis[@]}")
    setsid "${redis[@]}" >"$root/redis/redis.log" 2>&1 &
    REDIS_PID=$!
    echo "Redis on 127.0.0.1:$DISPATCH_REDIS_PORT (cluster membership)"

    local i web grpc servers=""
    for i in 0 1 2; do
        web=$((DISPATCH_WEB_PORT + 10 * i))
        grpc=$((DISPATCH_GRPC_PORT + 10 * i))
        mkdir -p "$root/host-$((i + 1))"
        # Later hosts read the first one's demo secrets, so every host takes the same passwords.
        [ "$i" -gt 0 ] && cp "$root/host-1/demo-accounts.txt" "$root/host-$((i + 1))/demo-accounts.txt"
        rotate_log "$root/host-$((i + 1))/host.log"
        ASPNETCORE_ENVIRONMENT=Demo dotnet src/Dispatch.Server/bin/Release/net10.0/Dispatch.Server.dll \
            "--Kestrel:Endpoints:Web:Url=http://0.0.0.0:$web" "--Kestrel:Endpoints:Grpc:Url=http://0.0.0.0:$grpc" \
            --Dispatch:Silo:Membership=Redis "--Dispatch:Silo:RedisConnectionString=127.0.0.1:$DISPATCH_REDIS_PORT" \
            "--Dispatch:Silo:SiloPort=$((DISPATCH_SILO_PORT + i))" "--Dispatch:Silo:GatewayPort=$((DISPATCH_SILO_GATEWAY_PORT + i))" \
            --Dispatch:Storage:Dialect=PostgreSql \
            "--Dispatch:Storage:PostgreSqlConnectionString=Host=127.0.0.1;Port=$DISPATCH_PG_PORT;Database=dispatch;Username=dispatch;Maximum Pool Size=60" \
            "--Dispatch:Storage:SqlitePath=$root/host-$((i + 1))/dispatch.db" \
            "--Dispatch:Security:StorePath=$root/security.db" "--Dispatch:Security:Tokens:SigningKeyPath=$root/token-signing.key" \
            --Dispatch:Demo:SeedAccounts=true "$@" >"$root/host-$((i + 1))/host.log" 2>&1 &
        CLUSTER_HOST_PIDS+=($!)
        # The first host creates the tables and seeds the accounts before the others join.
        [ "$i" -eq 0 ] && wait_ready "$web" "${CLUSTER_HOST_PIDS[0]}"
        servers="${servers:+$servers,}http://127.0.0.1:$grpc"
    done
    for i in 1 2; do
        wait_ready "$((DISPATCH_WEB_PORT + 10 * i))" "${CLUSTER_HOST_PIDS[$i]}"
    done

    echo "Dispatch cluster is up: three hosts, one Orleans cluster (Redis membership, PostgreSQL storage)."
    for i in 0 1 2; do
        echo "  Host $((i + 1)): map http://localhost:$((DISPATCH_WEB_PORT + 10 * i))/  gRPC http://localhost:$((DISPATCH_GRPC_PORT + 10 * i))  log $root/host-$((i + 1))/host.log"
    done
    echo "Demo accounts (same on every host): $root/host-1/demo-accounts.txt"

    local credential
    credential=$(awk -F'\t' '$1 == "gateway" && $2 == "gw-1" { print $3 }' "$root/host-1/demo-accounts.txt")
    rotate_log "$root/gateway.log"
    rotate_log "$root/simulator.log"
    dotnet src/Dispatch.Gateway/bin/Release/net10.0/Dispatch.Gateway.dll --server "$servers" \
        --gateway-id gw-1 --credential "$credential" --cameras 2 --source synthetic \
        --lat 36.6600 --lon 117.0000 --spool "$root/gateway-spool" --report 60 > "$root/gateway.log" 2>&1 &
    GATEWAY_PID=$!
    echo "Camera gateway gw-1 started on every host's gRPC port ($servers); its log: $root/gateway.log"
    dotnet src/Dispatch.Simulator/bin/Release/net10.0/Dispatch.Simulator.dll live \
        --host "http://127.0.0.1:$DISPATCH_WEB_PORT,http://127.0.0.1:$((DISPATCH_WEB_PORT + 10)),http://127.0.0.1:$((DISPATCH_WEB_PORT + 20))" \
        --accounts "$root/host-1/demo-accounts.txt" > "$root/simulator.log" 2>&1 &
    SIMULATOR_PID=$!
    echo "Simulator started, its terminals spread over the three hosts; its log: $root/simulator.log"
    echo "Press Ctrl+C to stop."

    # Until a host ends by itself (a signal ends the run through on_stop_signal instead).
    local status=0
    wait -n "${CLUSTER_HOST_PIDS[@]}" || status=$?
    echo "dispatch: a host stopped (exit code $status); stopping the cluster" >&2
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
        cluster) shift; cmd_cluster "$@" ;;
        *) echo "usage: ./dispatch.sh run | test | cluster | screenshots" >&2; exit 64 ;;
    esac
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    main "$@"
fi
