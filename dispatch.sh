#!/usr/bin/env bash
# One entry point for people and CI:
#   ./dispatch.sh run    start the service on embedded defaults (demo city) and print its URLs
#   ./dispatch.sh test   run every test
#   ./dispatch.sh screenshots   refresh docs/screenshots (the real pages in Chromium against the real host)
# Both install what the project needs from Debian's packages when it is missing.
set -euo pipefail
cd "$(dirname "$0")"

# Debian packages the service and its tests need at run time.
# libgtk-3-0: the native OpenCV runtime (camera analytics, snapshots) links against it.
APT_PACKAGES=(libgtk-3-0 curl)
# What the tests add: Chromium for the browser tests (and a CJK font so screenshots of the Chinese pages are
# readable); promtool (checks the /metrics output and deploy/prometheus); the load driver's peer baselines
# (Redis GEO, PostGIS on a throwaway PostgreSQL cluster), since a short load run is part of the tests.
TEST_APT_PACKAGES=(chromium fonts-wqy-zenhei prometheus redis-server postgresql postgresql-15-postgis-3)

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

ensure_apt_packages() {
    local missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "dispatch: installing Debian packages: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

cmd_run() {
    need_dotnet
    ensure_apt_packages "${APT_PACKAGES[@]}"
    need_node
    dotnet build src/Dispatch.Server -c Release -nologo -v quiet
    dotnet build src/Dispatch.Gateway -c Release -nologo -v quiet
    dotnet build src/Dispatch.Simulator -c Release -nologo -v quiet
    mkdir -p data
    # Run from the repository root so state lands in ./data (settings come from beside the binary).
    dotnet src/Dispatch.Server/bin/Release/net10.0/Dispatch.Server.dll "$@" &
    local host=$!
    trap 'kill $host ${gateway:-} ${simulator:-} 2>/dev/null; wait 2>/dev/null' EXIT INT TERM
    for _ in $(seq 1 120); do
        curl -sf http://127.0.0.1:5080/health/ready >/dev/null 2>&1 && break
        kill -0 $host 2>/dev/null || exit 1
        sleep 1
    done
    # A reference camera gateway on a synthetic scene beside the first station, so alerts flow into incidents.
    dotnet src/Dispatch.Gateway/bin/Release/net10.0/Dispatch.Gateway.dll --server http://127.0.0.1:5081 \
        --gateway-id gw-1 --credential demo-gateway-credential --cameras 2 --source synthetic \
        --lat 36.6600 --lon 117.0000 --spool data/gateway-spool --report 60 > data/gateway.log 2>&1 &
    gateway=$!
    echo "Camera gateway gw-1 started (2 synthetic cameras); its log: data/gateway.log"
    # Simulated patrol terminals over the terminal hub (every unit of the city drives its beat, answers dispatches)
    # and a call-taker reporting an incident now and then, so the map is alive.
    dotnet src/Dispatch.Simulator/bin/Release/net10.0/Dispatch.Simulator.dll live --host http://127.0.0.1:5080 \
        > data/simulator.log 2>&1 &
    simulator=$!
    echo "Simulator started (every patrol unit on its terminal, an incident about every 40 s); its log: data/simulator.log"
    wait $host
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

case "${1:-}" in
    run) shift; cmd_run "$@" ;;
    test) shift; cmd_test "$@" ;;
    screenshots) shift; cmd_screenshots "$@" ;;
    *) echo "usage: ./dispatch.sh run | test | screenshots" >&2; exit 64 ;;
esac
