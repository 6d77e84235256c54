#!/usr/bin/env bash
# Writes the secrets of one Dispatch site (compose.yaml and k8s/ read them): random passwords, the scrape token, the
# gateway credential and the token signing key. Existing files are kept, so running it again changes nothing.
#   deploy/make-secrets.sh [DIR]      (default: deploy/secrets beside this script)
set -euo pipefail

dir=${1:-"$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/secrets"}
mkdir -p "$dir"
umask 077

# 32 random bytes as URL-safe text: no character a connection string, an env file or YAML would need to quote.
random_text() { head -c 32 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'; }

keep_or_write() { # FILE VALUE
    [ -s "$1" ] || printf '%s\n' "$2" > "$1"
}

keep_or_write "$dir/postgres-password" "$(random_text)"
keep_or_write "$dir/redis-password" "$(random_text)"
keep_or_write "$dir/scrape-token" "$(random_text)"
keep_or_write "$dir/gateway-credential" "$(random_text)"
keep_or_write "$dir/chief-password" "$(random_text)"
keep_or_write "$dir/grafana-admin-password" "$(random_text)"
# The host reads its token signing key as base64 of at least 256 bits.
keep_or_write "$dir/token-signing-key" "$(head -c 32 /dev/urandom | base64 | tr -d '\n')"

read_secret() { tr -d '\n' < "$dir/$1"; }
postgres=$(read_secret postgres-password)
redis=$(read_secret redis-password)
scrape=$(read_secret scrape-token)
gateway=$(read_secret gateway-credential)
chief=$(read_secret chief-password)
signing=$(read_secret token-signing-key)

# What the hosts need that is secret (compose: env_file of the silos). Maximum Pool Size: 3 hosts x 60 stay under
# the server's max_connections (300).
cat > "$dir/dispatch.env" <<ENV
Dispatch__Storage__PostgreSqlConnectionString=Host=postgres;Database=dispatch;Username=dispatch;Password=$postgres;Maximum Pool Size=60
Dispatch__Silo__RedisConnectionString=redis:6379,password=$redis
Dispatch__Metrics__ScrapeToken=$scrape
Dispatch__Gateways__gw-1__Credential=$gateway
Dispatch__Security__SeedAccounts__chief__Password=$chief
ENV

# The camera gateway's credential (compose: env_file of the gateway).
cat > "$dir/gateway.env" <<ENV
DISPATCH_GATEWAY_CREDENTIAL=$gateway
ENV

# The same for Kubernetes (kubectl apply -f deploy/secrets/k8s-secret.yaml): PostgreSQL and Redis are the site's own
# services there, reached at the addresses in DISPATCH_PG_HOST and DISPATCH_REDIS_HOST (default: postgres, redis).
pg_host=${DISPATCH_PG_HOST:-postgres}
redis_host=${DISPATCH_REDIS_HOST:-redis}
cat > "$dir/k8s-secret.yaml" <<YAML
apiVersion: v1
kind: Secret
metadata:
  name: dispatch-secrets
  labels:
    app.kubernetes.io/part-of: dispatch
type: Opaque
stringData:
  postgres-connection-string: "Host=$pg_host;Database=dispatch;Username=dispatch;Password=$postgres;Maximum Pool Size=60"
  redis-connection-string: "$redis_host:6379,password=$redis"
  scrape-token: "$scrape"
  gateway-credential: "$gateway"
  chief-password: "$chief"
  token-signing-key: "$signing"
YAML

echo "Secrets of this site in $dir (keep them out of version control; running this again keeps them)."
