#!/usr/bin/env bash
# Runs inside a node's private mount namespace (node.sh): private copies of the paths every kubelet
# and containerd on a host would share, then containerd and (once images are imported) the kubelet.
source "$(dirname "$0")/lib.sh"
NODE=$1
N=${NODE#node-}
D="$BED_DIR/nodes/$NODE"
for pair in /var/lib/kubelet:var-lib-kubelet /var/log/containers:var-log-containers /var/log/pods:var-log-pods \
            /run/containerd:run-containerd /var/lib/cni:var-lib-cni /run/netns:run-netns; do
  mkdir -p "${pair%%:*}"
  mount --bind "$D/mnt/${pair#*:}" "${pair%%:*}"
done
"$BIN_DIR/containerd" --config "$D/containerd.toml" >>"$BED_DIR/logs/$NODE-containerd.log" 2>&1 &
echo $! > "$BED_DIR/pids/$NODE-containerd.pid"
# The kubelet starts once the images are in (the sandbox image must be there for the first pod).
for _ in $(seq 600); do [ -f "$D/images-imported" ] && break; sleep 0.1; done
"$BIN_DIR/kubelet" --config "$D/kubelet.yaml" --kubeconfig "$D/kubeconfig" --hostname-override "$NODE" \
  --node-ip "10.244.$N.1" --root-dir /var/lib/kubelet --v=1 >>"$BED_DIR/logs/$NODE-kubelet.log" 2>&1 &
echo $! > "$BED_DIR/pids/$NODE-kubelet.pid"
wait
