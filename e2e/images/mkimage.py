#!/usr/bin/env python3
"""Packs a root filesystem folder into a docker-archive tar (one layer) that `ctr images import` takes.

usage: mkimage.py ROOTFS OUT.tar --name ultron.local/x --tag latest --tag <hash>
                  [--entrypoint JSON] [--cmd JSON] [--env K=V]... [--workdir DIR]
Files are added with uid/gid 0, sorted, and a fixed mtime, so the same folder gives the same tar.
"""
import argparse
import hashlib
import io
import json
import os
import tarfile

ap = argparse.ArgumentParser()
ap.add_argument("rootfs")
ap.add_argument("out")
ap.add_argument("--name", required=True)
ap.add_argument("--tag", action="append", default=[])
ap.add_argument("--entrypoint")
ap.add_argument("--cmd")
ap.add_argument("--env", action="append", default=[])
ap.add_argument("--workdir", default="/")
a = ap.parse_args()


def reset(info):
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    info.mtime = 0
    return info


layer = io.BytesIO()
with tarfile.open(fileobj=layer, mode="w", format=tarfile.PAX_FORMAT) as t:
    for base, dirs, files in os.walk(a.rootfs):
        dirs.sort()
        rel_base = os.path.relpath(base, a.rootfs)
        for name in sorted(dirs) + sorted(files):
            full = os.path.join(base, name)
            rel = os.path.normpath(os.path.join(rel_base, name))
            t.add(full, arcname=rel, recursive=False, filter=reset)
layer_bytes = layer.getvalue()
diff_id = "sha256:" + hashlib.sha256(layer_bytes).hexdigest()
config = {
    "architecture": "amd64",
    "os": "linux",
    "config": {
        "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"] + a.env,
        "WorkingDir": a.workdir,
        **({"Entrypoint": json.loads(a.entrypoint)} if a.entrypoint else {}),
        **({"Cmd": json.loads(a.cmd)} if a.cmd else {}),
    },
    "rootfs": {"type": "layers", "diff_ids": [diff_id]},
    "history": [{"created_by": "ultron e2e/images/mkimage.py"}],
}
config_bytes = json.dumps(config, sort_keys=True).encode()
config_name = hashlib.sha256(config_bytes).hexdigest() + ".json"
manifest = [{"Config": config_name, "RepoTags": [f"{a.name}:{t}" for t in a.tag], "Layers": ["layer.tar"]}]
tmp = a.out + ".tmp"
with tarfile.open(tmp, "w") as out:
    for name, data in (("layer.tar", layer_bytes), (config_name, config_bytes), ("manifest.json", json.dumps(manifest).encode())):
        info = reset(tarfile.TarInfo(name))
        info.size = len(data)
        out.addfile(info, io.BytesIO(data))
os.replace(tmp, a.out)
print(f"{a.out}: {', '.join(manifest[0]['RepoTags'])} ({len(layer_bytes) // 1024} KiB layer)")
