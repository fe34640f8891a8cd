#!/usr/bin/env bash
# One node of the bed: its own containerd and kubelet in a private mount namespace, its bridge
# ultron<n> (10.244.<n>.0/24), its cgroup root /ultron-node-<n> and its ports.
# usage: node.sh start NAME [--no-wait] | stop NAME | ready NAME
#   stop = node loss: kubelet, containerd and every container die; start waits until the node is Ready
#   and advertises its nvidia.com/gpu capacity, unless --no-wait (then `ready NAME` does it).
source "$(dirname "$0")/lib.sh"
USAGE="usage: node.sh start NAME [--no-wait] | stop NAME | ready NAME"
action=${1:?$USAGE}
NODE=${2:?$USAGE}
WAIT=1
case "${3:-}" in
  '') ;;
  --no-wait) [ "$action" = start ] || die "$USAGE"; WAIT=0 ;;
  *) die "$USAGE" ;;
esac
N=${NODE#node-}
D="$BED_DIR/nodes/$NODE"
CGROUP_ROOT="/ultron-$NODE"

kill_node_processes() {
  # Containers live in the node's cgroups; shims are named by the node's socket.
  for sub in /sys/fs/cgroup/*/; do
    [ -d "$sub$CGROUP_ROOT" ] || continue
    find "$sub$CGROUP_ROOT" -name cgroup.procs -exec cat {} + 2>/dev/null | xargs -r kill -KILL 2>/dev/null || true
  done
  pkill -KILL -f -- "-address $D/containerd.sock" 2>/dev/null || true
}

remove_cgroups() {
  for sub in /sys/fs/cgroup/*/; do
    [ -d "$sub$CGROUP_ROOT" ] && find "$sub$CGROUP_ROOT" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done
}

# Ready as reported by this run of the kubelet (a node object keeps Ready=True for a while after its
# kubelet died, so the heartbeat must be newer than the start), then the extended resource: the kubelet
# manages no nvidia.com/gpu, so it is advertised by patching node status (Kubernetes' documented way for
# extended resources), re-applied on each start, and waited for in allocatable, which the scheduler reads.
ready_since() { # node start-time(RFC 3339)
  local hb
  hb=$("$BIN_DIR/kubectl" get node "$1" \
    -o jsonpath='{.status.conditions[?(@.type=="Ready")].status} {.status.conditions[?(@.type=="Ready")].lastHeartbeatTime}')
  [ "${hb%% *}" = True ] && [[ ! "${hb#* }" < "$2" ]]
}
gpus_allocatable() { # node count
  [ "$("$BIN_DIR/kubectl" get node "$1" -o jsonpath='{.status.allocatable.nvidia\.com/gpu}')" = "$2" ]
}
wait_ready() {
  local gpus started
  gpus=$(cat "$BED_DIR/gpus" 2>/dev/null || echo "${ULTRON_BED_GPUS:-2}")
  started=$(cat "$D/started-at" 2>/dev/null || echo 1970-01-01T00:00:00Z)
  export KUBECONFIG="$BED_DIR/kubeconfig"
  wait_for "$1's kubelet health" 60 curl -sf -m 2 "http://127.0.0.1:$((10248 + 10 * (N - 1)))/healthz"
  wait_for "$1 Ready" 60 ready_since "$1" "$started"
  [ "$("$BIN_DIR/kubectl" get node "$1" -o jsonpath='{.status.capacity.nvidia\.com/gpu}')" = "$gpus" ] ||
    "$BIN_DIR/kubectl" patch node "$1" --subresource=status --type=json \
      -p "[{\"op\":\"add\",\"path\":\"/status/capacity/nvidia.com~1gpu\",\"value\":\"$gpus\"}]" >/dev/null
  wait_for "$1's $gpus GPUs in allocatable" 30 gpus_allocatable "$1" "$gpus"
}

case "$action" in
  ready) wait_ready "$NODE"; exit 0 ;;
  stop)
    stop_proc "$NODE-kubelet" 5
    kill_node_processes
    stop_proc "$NODE-containerd" 5
    stop_proc "$NODE" 5
    kill_node_processes
    remove_cgroups
    rm -f "$D/images-imported" "$D/containerd.sock" "$D/containerd.sock.ttrpc"
    exit 0
    ;;
  start) ;;
  *) die "$USAGE" ;;
esac

# Already started (the kubelet's pid file appears only after the image import, so look at the node's
# own process): do not start a second containerd on the same socket, but still honour the wait.
if pid_alive "$NODE"; then
  # Past the image import the kubelet starts at once; if it does not, say so rather than wait on health.
  if [ -f "$D/images-imported" ]; then wait_for "$NODE's kubelet (else: node.sh stop $NODE, then start)" 30 pid_alive "$NODE-kubelet"; fi
  log "$NODE is already running"
  [ "$WAIT" = 0 ] || wait_ready "$NODE"
  exit 0
fi
rm -f "$D/images-imported" "$D/containerd.sock" "$D/containerd.sock.ttrpc" # a killed node leaves them
mkdir -p "$D"/{containerd,cni,cni-ipam,mnt/var-lib-kubelet,mnt/var-log-containers,mnt/var-log-pods,mnt/run-containerd,mnt/var-lib-cni,mnt/run-netns}
# A heartbeat from this start is at least a second later than now (heartbeats have 1 s resolution, and
# the previous kubelet of this node is gone by now).
date -u -d '+1 second' +%Y-%m-%dT%H:%M:%SZ > "$D/started-at"
for sub in /sys/fs/cgroup/*/; do
  case "$sub" in */unified/) continue ;; esac
  mkdir -p "$sub$CGROUP_ROOT"
  if [ -f "${sub}cpuset.cpus" ]; then
    cat "${sub}cpuset.cpus" > "$sub$CGROUP_ROOT/cpuset.cpus"
    cat "${sub}cpuset.mems" > "$sub$CGROUP_ROOT/cpuset.mems"
  fi
done

cat > "$D/cni/10-ultron.conflist" <<JSON
{
  "cniVersion": "1.0.0",
  "name": "ultron-$NODE",
  "plugins": [
    {
      "type": "bridge", "bridge": "ultron$N", "isGateway": true, "ipMasq": true, "hairpinMode": true,
      "ipam": {
        "type": "host-local", "dataDir": "$D/cni-ipam",
        "ranges": [[{"subnet": "10.244.$N.0/24", "gateway": "10.244.$N.1"}]],
        "routes": [{"dst": "0.0.0.0/0"}, {"dst": "10.96.0.0/16"}]
      }
    },
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
JSON

cat > "$D/containerd.toml" <<TOML
version = 3
root = "$D/containerd/root"
state = "$D/containerd/state"

[grpc]
  address = "$D/containerd.sock"

[ttrpc]
  address = "$D/containerd.sock.ttrpc"

[plugins]
  [plugins.'io.containerd.nri.v1.nri']
    disable = true
  [plugins.'io.containerd.cri.v1.runtime']
    # Processes here lack CAP_SYS_RESOURCE: without this every sandbox fails on oom_score_adj.
    restrict_oom_score_adj = true
    [plugins.'io.containerd.cri.v1.runtime'.cni]
      bin_dirs = ['/usr/lib/cni']
      conf_dir = '$D/cni'
  [plugins.'io.containerd.cri.v1.images']
    [plugins.'io.containerd.cri.v1.images'.pinned_images]
      sandbox = 'ultron.local/pause:latest'
TOML

TOKEN=$(grep ",system:node:$NODE," "$BED_DIR/pki/tokens.csv" | cut -d, -f1)
cat > "$D/kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters:
- cluster: {server: https://10.244.1.1:6443, certificate-authority: $BED_DIR/pki/ca.crt}
  name: bed
users:
- name: $NODE
  user: {token: $TOKEN}
contexts:
- context: {cluster: bed, user: $NODE}
  name: bed
current-context: bed
KC

cat > "$D/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous: {enabled: true}
  webhook: {enabled: false}
authorization: {mode: AlwaysAllow}
cgroupDriver: cgroupfs
cgroupRoot: $CGROUP_ROOT
failCgroupV1: false
failSwapOn: false
containerRuntimeEndpoint: unix://$D/containerd.sock
clusterDNS: [10.244.1.1]
clusterDomain: cluster.local
address: 10.244.$N.1
port: $((10250 + 10 * (N - 1)))
healthzBindAddress: 127.0.0.1
healthzPort: $((10248 + 10 * (N - 1)))
readOnlyPort: 0
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%", nodefs.inodesFree: "1%"}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
serializeImagePulls: false
nodeStatusUpdateFrequency: 2s
syncFrequency: 10s
fileCheckFrequency: 10s
# Fault-injection tests kill the operator over and over (e2e/operator-kills.test.ts: 10 times); with the
# stock cap (5 min) a container killed for the 5th time waits minutes to come back. Beta in 1.35 (KEP-5593).
crashLoopBackOff: {maxContainerRestartPeriod: 5s}
YAML

log "starting $NODE"
start_proc "$NODE" unshare -m --propagation private bash "$E2E_CLUSTER_DIR/node-run.sh" "$NODE"
wait_for "$NODE's containerd" 30 "$BIN_DIR/ctr" -a "$D/containerd.sock" version
bash "$E2E_CLUSTER_DIR/images.sh" import "$D/containerd.sock"
touch "$D/images-imported"
wait_for "$NODE's kubelet" 30 pid_alive "$NODE-kubelet"
[ "$WAIT" = 0 ] || wait_ready "$NODE"
