#!/bin/sh
# After the Temporal server is up: creates the namespace cozy-proxmox uses and registers the search attributes its
# runs set (CozyCluster, CozyPhase, CozyState), each only if missing, so it is safe to run on every start.
set -eu

ADDRESS="${TEMPORAL_ADDRESS:-temporal:7233}"
NAMESPACE="${TEMPORAL_NAMESPACE:-default}"
RETENTION="${TEMPORAL_NAMESPACE_RETENTION:-30d}"

until temporal operator cluster health --address "$ADDRESS" >/dev/null 2>&1; do
  echo "waiting for Temporal at $ADDRESS"
  sleep 2
done

if temporal operator namespace describe --address "$ADDRESS" --namespace "$NAMESPACE" >/dev/null 2>&1; then
  echo "namespace $NAMESPACE exists"
else
  temporal operator namespace create --address "$ADDRESS" --namespace "$NAMESPACE" --retention "$RETENTION"
fi

# A namespace just made is served once the frontend's namespace cache refreshes (about 10 s): until then it is
# "not found".
tries=0
until existing="$(temporal operator search-attribute list --address "$ADDRESS" --namespace "$NAMESPACE" 2>&1)"; do
  tries=$((tries + 1))
  if [ "$tries" -ge 60 ]; then
    printf '%s\n' "$existing" >&2
    exit 1
  fi
  echo "waiting for namespace $NAMESPACE to be served"
  sleep 1
done
for name in CozyCluster CozyPhase CozyState; do
  if printf '%s\n' "$existing" | grep -qw "$name"; then
    echo "search attribute $name exists"
  else
    temporal operator search-attribute create --address "$ADDRESS" --namespace "$NAMESPACE" --name "$name" --type Keyword
  fi
done
echo "namespace $NAMESPACE ready for cozy-proxmox"
