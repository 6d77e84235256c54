#!/usr/bin/env bash
# One entry point for people and CI:
#   ./dispatch.sh run    start the service on embedded defaults (demo city) and print its URLs
#   ./dispatch.sh test   run every test
# Both install what the project needs from Debian's packages when it is missing.
set -euo pipefail
cd "$(dirname "$0")"

# Debian packages the service and its tests need at run time.
APT_PACKAGES=()

need_dotnet() {
    if ! command -v dotnet >/dev/null 2>&1; then
        echo "dispatch: the .NET 10 SDK is required (dotnet not found on PATH)" >&2
        exit 1
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
    dotnet build src/Dispatch.Server -c Release -nologo -v quiet
    # Run from the repository root so state lands in ./data (settings come from beside the binary).
    exec dotnet src/Dispatch.Server/bin/Release/net10.0/Dispatch.Server.dll "$@"
}

cmd_test() {
    need_dotnet
    ensure_apt_packages "${APT_PACKAGES[@]}"
    dotnet build Dispatch.sln -c Release -nologo -v quiet
    dotnet test Dispatch.sln -c Release --no-build -nologo "$@"
}

case "${1:-}" in
    run) shift; cmd_run "$@" ;;
    test) shift; cmd_test "$@" ;;
    *) echo "usage: ./dispatch.sh run | test" >&2; exit 64 ;;
esac
