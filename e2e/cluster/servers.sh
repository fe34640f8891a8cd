#!/usr/bin/env bash
# NATS (JetStream), Redis and MinIO for the bed: host processes listening only on the bridge gateway
# address (Redis: and loopback; NATS and MinIO take one address), reachable from the host at that
# address and from pods through selector-less Services in namespace ultron-system.
# usage: servers.sh up|down
#        servers.sh kill nats|redis|minio   SIGKILL, as a crash would end it (fault-injection tests)
#        servers.sh start nats|redis|minio  start it again as `up` did, on its data as it was left
#                                           (NATS keeps its JetStream store; Redis saves nothing, so it
#                                           comes back empty), and wait until it answers
source "$(dirname "$0")/lib.sh"
HOST_IP=${ULTRON_BED_HOST_IP:-10.244.1.1}
S3_USER=ultron
S3_PASSWORD=ultron-bed-secret
BUCKET=ultron

start_nats() {
  start_proc nats "$BIN_DIR/nats-server" -c "$BED_DIR/data/nats.conf"
  wait_for NATS 20 bash -c "curl -sf http://127.0.0.1:8222/healthz"
}
start_redis() {
  start_proc redis redis-server --bind "127.0.0.1 $HOST_IP" --port 6379 --save "" --appendonly no \
    --dir "$BED_DIR/data/redis" --protected-mode no
  wait_for Redis 20 redis-cli -h 127.0.0.1 ping
}
start_minio() {
  MINIO_ROOT_USER=$S3_USER MINIO_ROOT_PASSWORD=$S3_PASSWORD start_proc minio "$BIN_DIR/minio" server \
    --address "$HOST_IP:9000" --console-address "127.0.0.1:9001" "$BED_DIR/data/minio"
  wait_for MinIO 60 curl -sf "http://$HOST_IP:9000/minio/health/live"
}

case "${1:-}" in
  down)
    for p in minio redis nats; do stop_proc "$p" 5; done
    exit 0
    ;;
  kill | start)
    [[ ${2:-} =~ ^(nats|redis|minio)$ ]] || die "usage: servers.sh $1 nats|redis|minio"
    [ -f "$BED_DIR/bed.env" ] || die "no running bed (no $BED_DIR/bed.env): npm run cluster:up first"
    # shellcheck source=/dev/null
    source "$BED_DIR/bed.env" # the address the bed was brought up on, whatever this shell has
    HOST_IP=$ULTRON_BED_HOST_IP
    if [ "$1" = kill ]; then
      pid_alive "$2" || die "$2 is not running"
      pid=$(cat "$BED_DIR/pids/$2.pid")
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid"
      for _ in $(seq 50); do running "$pid" || break; sleep 0.1; done
      rm -f "$BED_DIR/pids/$2.pid"
      log "$2 killed (pid $pid)"
    else
      pid_alive "$2" && die "$2 is already running"
      "start_$2"
      log "$2 started (pid $(cat "$BED_DIR/pids/$2.pid"))"
    fi
    exit 0
    ;;
  up) ;;
  *) die "usage: servers.sh up|down|kill <server>|start <server>" ;;
esac
export KUBECONFIG="$BED_DIR/kubeconfig"
K="$BIN_DIR/kubectl"
mkdir -p "$BED_DIR/data/nats" "$BED_DIR/data/redis" "$BED_DIR/data/minio"

log "starting NATS (JetStream), Redis and MinIO"
cat > "$BED_DIR/data/nats.conf" <<CONF
listen: $HOST_IP:4222
http: 127.0.0.1:8222
jetstream { store_dir: "$BED_DIR/data/nats", max_memory_store: 256MB, max_file_store: 2GB }
CONF
start_nats
start_redis
start_minio
ULTRON_S3_ENDPOINT=http://$HOST_IP:9000 ULTRON_S3_ACCESS_KEY=$S3_USER ULTRON_S3_SECRET_KEY=$S3_PASSWORD \
  NODE_NO_WARNINGS=1 node "$E2E_CLUSTER_DIR/make-bucket.mjs" "$BUCKET"

# Services without selectors + EndpointSlices pointing at the host's bridge address.
"$K" apply -f - >/dev/null <<YAML
apiVersion: v1
kind: Namespace
metadata: {name: ultron-system}
$(for svc in nats:4222 redis:6379 minio:9000; do name=${svc%%:*}; port=${svc#*:}; cat <<ONE
---
apiVersion: v1
kind: Service
metadata: {name: $name, namespace: ultron-system}
spec:
  ports: [{name: main, port: $port, targetPort: $port, protocol: TCP}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: $name-host
  namespace: ultron-system
  labels: {kubernetes.io/service-name: $name}
addressType: IPv4
ports: [{name: main, port: $port, protocol: TCP}]
endpoints: [{addresses: ["$HOST_IP"], conditions: {ready: true}}]
ONE
done)
YAML
{
  echo "export ULTRON_NATS_URL=nats://$HOST_IP:4222"
  echo "export ULTRON_REDIS_URL=redis://127.0.0.1:6379"
  echo "export ULTRON_S3_ENDPOINT=http://$HOST_IP:9000"
  echo "export ULTRON_S3_ACCESS_KEY=$S3_USER"
  echo "export ULTRON_S3_SECRET_KEY=$S3_PASSWORD"
  echo "export ULTRON_S3_BUCKET=$BUCKET"
  echo "export ULTRON_S3_REGION=us-east-1"
  echo "# in pods: nats://nats.ultron-system:4222, redis://redis.ultron-system:6379, http://minio.ultron-system:9000"
} >> "$BED_DIR/bed.env"
