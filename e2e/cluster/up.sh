#!/usr/bin/env bash
# npm run cluster:up — builds what is missing (cached), then starts the test bed on this machine:
# etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kube-proxy, CoreDNS, and N nodes
# (ULTRON_BED_NODES, default 1), each its own containerd + kubelet in a private mount namespace with its
# own bridge, cgroup root and ports; then imports the images and starts NATS, Redis and MinIO.
# Idempotent: with the bed up it only prints the status.
source "$(dirname "$0")/lib.sh"
NODES=${ULTRON_BED_NODES:-1}
GPUS=${ULTRON_BED_GPUS:-2}
[[ $NODES =~ ^[1-9][0-9]?$ ]] || die "ULTRON_BED_NODES must be a node count (1-99), got '$NODES'"
[[ $GPUS =~ ^[0-9]+$ ]] || die "ULTRON_BED_GPUS must be a GPU count per node, got '$GPUS'"
t0=$(date +%s)

if [ -f "$BED_DIR/bed.env" ] && pid_alive kube-apiserver && pid_alive etcd \
  && KUBECONFIG="$BED_DIR/kubeconfig" "$BIN_DIR/kubectl" get --raw /readyz >/dev/null 2>&1; then
  log "the bed is already up ($BED_DIR/bed.env)"
  running_nodes=$(cat "$BED_DIR/nodes.count" 2>/dev/null || echo "?")
  [ "$running_nodes" = "$NODES" ] ||
    log "warning: it runs $running_nodes node(s), not $NODES; npm run cluster:down first to change that"
  exec bash "$E2E_CLUSTER_DIR/status.sh"
fi
# Leftovers of a killed run (processes, mounts, bridges, namespaces) go first.
bash "$E2E_CLUSTER_DIR/down.sh" --quiet

ensure_debian_packages runc containernetworking-plugins iptables conntrack iproute2 openssl redis-server debootstrap
bash "$E2E_CLUSTER_DIR/build.sh"
# A new bed starts empty: objects and streams of an earlier bed (another run's namespaces, nodes, jobs)
# would otherwise come back with it. Binaries and images stay cached outside BED_DIR.
rm -rf "$BED_DIR/etcd" "$BED_DIR/data"
mkdir -p "$BED_DIR"/{logs,pids,etcd}
echo "$NODES" > "$BED_DIR/nodes.count"
echo "$GPUS" > "$BED_DIR/gpus"

# Networking: one bridge per node, 10.244.<n>.0/24, gateway .1 on the host; node-1's gateway is the
# host address every pod can reach (API server, DNS, NATS, Redis, MinIO).
sysctl -qw net.ipv4.ip_forward=1
modprobe br_netfilter 2>/dev/null || true
sysctl -qw net.bridge.bridge-nf-call-iptables=1 2>/dev/null || true
for n in $(seq "$NODES"); do
  ip link add "ultron$n" type bridge 2>/dev/null || true
  ip addr add "10.244.$n.1/24" dev "ultron$n" 2>/dev/null || true
  ip link set "ultron$n" up
done
HOST_IP=10.244.1.1
bash "$E2E_CLUSTER_DIR/pki.sh" "$HOST_IP"
PKI="$BED_DIR/pki"
ADMIN_TOKEN=$(grep ',admin,' "$PKI/tokens.csv" | cut -d, -f1)
API="https://$HOST_IP:6443"

kubeconfig() { # file token
  cat > "$1" <<KC
apiVersion: v1
kind: Config
clusters:
- cluster: {server: $API, certificate-authority: $PKI/ca.crt}
  name: bed
users:
- name: user
  user: {token: $2}
contexts:
- context: {cluster: bed, user: user}
  name: bed
current-context: bed
KC
}
kubeconfig "$BED_DIR/kubeconfig" "$ADMIN_TOKEN"
export KUBECONFIG="$BED_DIR/kubeconfig"
K="$BIN_DIR/kubectl"

log "starting etcd"
start_proc etcd "$BIN_DIR/etcd" --data-dir "$BED_DIR/etcd" --listen-client-urls http://127.0.0.1:2379 \
  --advertise-client-urls http://127.0.0.1:2379 --listen-peer-urls http://127.0.0.1:2380 \
  --unsafe-no-fsync --quota-backend-bytes 4294967296
wait_for etcd 30 curl -sf http://127.0.0.1:2379/health

log "starting kube-apiserver on $API"
start_proc kube-apiserver "$BIN_DIR/kube-apiserver" --etcd-servers http://127.0.0.1:2379 \
  --bind-address "$HOST_IP" --advertise-address "$HOST_IP" --secure-port 6443 \
  --service-cluster-ip-range 10.96.0.0/16 --tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
  --client-ca-file "$PKI/ca.crt" --token-auth-file "$PKI/tokens.csv" --authorization-mode Node,RBAC \
  --service-account-key-file "$PKI/sa.pub" --service-account-signing-key-file "$PKI/sa.key" \
  --service-account-issuer https://kubernetes.default.svc.cluster.local \
  --kubelet-preferred-address-types InternalIP,Hostname --allow-privileged \
  --default-not-ready-toleration-seconds 5 --default-unreachable-toleration-seconds 5 \
  --profiling=false
wait_for kube-apiserver 90 "$K" get --raw /readyz

log "starting kube-controller-manager and kube-scheduler"
start_proc kube-controller-manager "$BIN_DIR/kube-controller-manager" --kubeconfig "$BED_DIR/kubeconfig" \
  --controllers job-controller,garbage-collector-controller,namespace-controller,serviceaccount-controller,serviceaccount-token-controller,root-ca-certificate-publisher-controller,node-lifecycle-controller,taint-eviction-controller,pod-garbage-collector-controller,ttl-after-finished-controller,endpoints-controller,endpointslice-controller,endpointslice-mirroring-controller,disruption-controller,replicaset-controller,deployment-controller,clusterrole-aggregation-controller \
  --root-ca-file "$PKI/ca.crt" --service-account-private-key-file "$PKI/sa.key" --leader-elect=false \
  --bind-address 127.0.0.1 --secure-port 10257 --node-monitor-period 2s --node-monitor-grace-period 10s \
  --concurrent-gc-syncs 5 --concurrent-job-syncs 50 --kube-api-qps 200 --kube-api-burst 400
# (The client default of 20 requests/s let the Job controller create only ~3.5 trial pods a second, and its 5
# default workers left a new Job 17.5 s (p50) without its pod at parallelism 200 on kwok nodes.)
start_proc kube-scheduler "$BIN_DIR/kube-scheduler" --kubeconfig "$BED_DIR/kubeconfig" --leader-elect=false \
  --bind-address 127.0.0.1 --secure-port 10259

log "starting CoreDNS and kube-proxy"
mkdir -p "$BED_DIR/coredns"
cat > "$BED_DIR/coredns/Corefile" <<CF
.:53 {
  bind $HOST_IP
  errors
  kubernetes cluster.local in-addr.arpa ip6.arpa {
    kubeconfig $BED_DIR/kubeconfig bed
    pods insecure
    fallthrough in-addr.arpa ip6.arpa
  }
  cache 30
}
CF
start_proc coredns "$BIN_DIR/coredns" -conf "$BED_DIR/coredns/Corefile"
cat > "$BED_DIR/kube-proxy.yaml" <<KP
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $BED_DIR/kubeconfig}
mode: iptables
clusterCIDR: 10.244.0.0/16
hostnameOverride: node-1
metricsBindAddress: 127.0.0.1:10249
healthzBindAddress: 127.0.0.1:10256
conntrack: {maxPerCore: 0}
KP
start_proc kube-proxy "$BIN_DIR/kube-proxy" --config "$BED_DIR/kube-proxy.yaml"

bash "$E2E_CLUSTER_DIR/images.sh" build
# Node objects of an earlier, larger bed stay in etcd: drop them so nothing waits on a node that never returns.
for node in $("$K" get nodes -o name 2>/dev/null | sed 's|^node/||'); do
  n=${node#node-}
  case "$n" in '' | *[!0-9]*) continue ;; esac
  [ "$n" -gt "$NODES" ] && "$K" delete node "$node" --wait=false >/dev/null
done
for n in $(seq "$NODES"); do
  bash "$E2E_CLUSTER_DIR/node.sh" start "node-$n" --no-wait
done
for n in $(seq "$NODES"); do bash "$E2E_CLUSTER_DIR/node.sh" ready "node-$n"; done

{
  echo "export KUBECONFIG=$BED_DIR/kubeconfig"
  echo "export PATH=$BIN_DIR:\$PATH"
  echo "export ULTRON_BED_DIR=$BED_DIR"
  echo "export ULTRON_BED_HOST_IP=$HOST_IP"
  echo "export ULTRON_BED_NODE_NAMES=\"$(seq -f 'node-%g' -s ' ' "$NODES")\""
  for n in $(seq "$NODES"); do echo "export ULTRON_NODE_${n}_CONTAINERD=$BED_DIR/nodes/node-$n/containerd.sock"; done
} > "$BED_DIR/bed.env.tmp"
mv "$BED_DIR/bed.env.tmp" "$BED_DIR/bed.env"
bash "$E2E_CLUSTER_DIR/servers.sh" up
log "the bed is up in $(( $(date +%s) - t0 ))s"
bash "$E2E_CLUSTER_DIR/status.sh"
