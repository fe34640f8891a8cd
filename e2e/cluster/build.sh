#!/usr/bin/env bash
# Builds (once, cached by versions) every binary of the test bed from the Go module proxy:
# Kubernetes, etcd, containerd, CoreDNS, kwok, nats-server, MinIO. Usage: build.sh [component...]
source "$(dirname "$0")/lib.sh"
mkdir -p "$BIN_DIR" "$CACHE_DIR/src"
export GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0
GO_P="${ULTRON_BUILD_JOBS:-2}"

have() { for b in "$@"; do [ -x "$BIN_DIR/$b" ] || return 1; done; }

build_kubernetes() {
  have kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet kube-proxy && return 0
  log "building Kubernetes $KUBERNETES_VERSION (cold: ~7 min on 2 cores)"
  local src="$CACHE_DIR/src/kubernetes"
  mkdir -p "$src" && cd "$src"
  go mod download k8s.io/kubernetes@"$KUBERNETES_VERSION"
  local upstream
  upstream="$(go env GOMODCACHE)/k8s.io/kubernetes@$KUBERNETES_VERSION/go.mod"
  {
    echo "module ultron.local/testbed/kubernetes"
    echo
    grep -E '^go ' "$upstream"
    echo
    echo "require k8s.io/kubernetes $KUBERNETES_VERSION"
    echo
    echo "replace ("
    grep -E '=> \./staging' "$upstream" | awk -v v="$KUBERNETES_STAGING_VERSION" '{print "\t" $1 " => " $1 " " v}'
    echo ")"
  } > go.mod
  cat > tools.go <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver/app"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	_ "k8s.io/kubernetes/cmd/kube-proxy/app"
	_ "k8s.io/kubernetes/cmd/kube-scheduler/app"
	_ "k8s.io/kubernetes/cmd/kubelet/app"
	_ "k8s.io/kubectl/pkg/cmd"
)
GO
  go mod tidy -e >/dev/null 2>&1 || true
  local pkg="k8s.io/component-base/version"
  local minor="${KUBERNETES_VERSION#v1.}"; minor="${minor%%.*}"
  local ld="-s -w -X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
  ld="$ld -X k8s.io/client-go/pkg/version.gitVersion=$KUBERNETES_VERSION -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=$minor"
  for cmd in kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet kube-proxy; do
    [ -x "$BIN_DIR/$cmd" ] && continue
    log "  go build $cmd"
    go build -p "$GO_P" -trimpath -ldflags "$ld" -o "$BIN_DIR/$cmd.tmp" "k8s.io/kubernetes/cmd/$cmd"
    mv "$BIN_DIR/$cmd.tmp" "$BIN_DIR/$cmd"
  done
}

build_etcd() {
  have etcd && return 0
  log "building etcd $ETCD_VERSION"
  local src="$CACHE_DIR/src/etcd"
  mkdir -p "$src" && cd "$src"
  cat > go.mod <<GOMOD
module ultron.local/testbed/etcd

go 1.24

require go.etcd.io/etcd/server/v3 $ETCD_VERSION
GOMOD
  cat > main.go <<'GO'
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  go mod tidy >/dev/null
  go build -p "$GO_P" -trimpath -ldflags "-s -w" -o "$BIN_DIR/etcd.tmp" . && mv "$BIN_DIR/etcd.tmp" "$BIN_DIR/etcd"
}

build_containerd() {
  have containerd containerd-shim-runc-v2 ctr && return 0
  log "building containerd $CONTAINERD_VERSION"
  local src="$CACHE_DIR/src/containerd"
  mkdir -p "$src" && cd "$src"
  cat > go.mod <<GOMOD
module ultron.local/testbed/containerd

go 1.24

require github.com/containerd/containerd/v2 $CONTAINERD_VERSION
GOMOD
  cat > tools.go <<'GO'
//go:build tools

package tools

import (
	_ "github.com/containerd/containerd/v2/cmd/containerd"
	_ "github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2"
	_ "github.com/containerd/containerd/v2/cmd/ctr"
)
GO
  go mod tidy -e >/dev/null 2>&1 || true
  for cmd in containerd containerd-shim-runc-v2 ctr; do
    go build -p "$GO_P" -trimpath -tags "no_btrfs no_devmapper no_zfs" -ldflags "-s -w" \
      -o "$BIN_DIR/$cmd.tmp" "github.com/containerd/containerd/v2/cmd/$cmd"
    mv "$BIN_DIR/$cmd.tmp" "$BIN_DIR/$cmd"
  done
}

go_install() { # name module@version
  local name=$1 target=$2
  have "$name" && return 0
  log "building $name ($target)"
  GOBIN="$BIN_DIR" go install -p "$GO_P" -trimpath -ldflags "-s -w" "$target"
}

components=("$@")
[ ${#components[@]} -gt 0 ] || components=(kubernetes etcd containerd coredns nats minio)
for c in "${components[@]}"; do
  case "$c" in
    kubernetes) build_kubernetes ;;
    etcd) build_etcd ;;
    containerd) build_containerd ;;
    coredns) go_install coredns "github.com/coredns/coredns@$COREDNS_VERSION" ;;
    kwok) go_install kwok "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" ;;
    nats) go_install nats-server "github.com/nats-io/nats-server/v2@$NATS_SERVER_VERSION" ;;
    minio) go_install minio "github.com/minio/minio@$MINIO_VERSION" ;;
    *) die "unknown component '$c'" ;;
  esac
done
log "binaries ready in $BIN_DIR"
