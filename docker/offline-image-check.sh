#!/usr/bin/env bash
# Builds the Jib image without any registry and starts the broker once inside it.
#
# No container registry is reachable from CI and there is no Docker engine, so the base
# image cannot be pulled: this makes one offline (Debian bookworm minbase plus
# openjdk-17-jre-headless from the machine's Debian mirror, by debootstrap), packs it as a
# `docker save` tarball for Jib's tar:// base, builds the Skein image with `jib:buildTar`,
# unpacks the image's layers in order, and runs the image's own entry point, user and
# working directory in a chroot. It checks that the broker serves (a topic is created and
# listed) and stops on SIGTERM. Needs root (debootstrap, mount, chroot). About 3 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
root_dir="$(pwd)"
work="${SKEIN_IMAGE_WORK:-$(mktemp -d /tmp/skein-image.XXXXXX)}"
# The mirror this machine's apt already uses (deb822 sources first, then the classic list).
mirror="${DEBIAN_MIRROR:-$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)}"
[ -n "$mirror" ] || mirror="$(awk '$1 == "deb" {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)"
if [ -z "$mirror" ]; then
  echo "offline-image-check: no Debian mirror in the apt sources; set DEBIAN_MIRROR" >&2
  exit 1
fi
mkdir -p "$work"

cleanup() {
  if [ -n "${broker_pid:-}" ] && kill -0 "$broker_pid" 2>/dev/null; then kill -KILL "$broker_pid" || true; fi
  for m in proc dev; do
    mountpoint -q "$work/image/$m" 2>/dev/null && umount -l "$work/image/$m" || true
  done
  # A temporary work dir keeps only the image tar and the broker's output (about 1.4 GB less),
  # and only once nothing is mounted below it, so that no host file can be reached.
  if [ -z "${SKEIN_IMAGE_WORK:-}" ] && ! mountpoint -q "$work/image/proc" 2>/dev/null \
      && ! mountpoint -q "$work/image/dev" 2>/dev/null; then
    rm -rf --one-file-system "$work/base" "$work/base.tar" "$work/image" "$work/image-tar"
  fi
}
trap cleanup EXIT

# 1. The base: a Debian root with a JRE 17 and the image's user, as one layer.
if [ ! -x "$work/base/usr/lib/jvm/java-17-openjdk-amd64/bin/java" ]; then
  rm -rf "$work/base"
  debootstrap --variant=minbase --include=openjdk-17-jre-headless bookworm "$work/base" "$mirror"
fi
chroot "$work/base" sh -c 'getent group skein >/dev/null || groupadd --system --gid 10001 skein;
  getent passwd skein >/dev/null || useradd --system --uid 10001 --gid skein --home-dir /var/lib/skein \
    --shell /usr/sbin/nologin skein;
  mkdir -p /var/lib/skein /etc/skein && chown skein:skein /var/lib/skein;
  apt-get clean; rm -rf /var/lib/apt/lists/*'
python3 - "$work" <<'PY'
import hashlib, json, os, sys, tarfile
work = sys.argv[1]
out = os.path.join(work, "base-image")
os.makedirs(out, exist_ok=True)
layer = os.path.join(out, "layer.tar")
with tarfile.open(layer, "w", format=tarfile.PAX_FORMAT) as tar:
    base = os.path.join(work, "base")
    for name in sorted(os.listdir(base)):
        if name in ("proc", "sys", "dev"):
            tar.add(os.path.join(base, name), arcname=name, recursive=False)
        else:
            tar.add(os.path.join(base, name), arcname=name)
digest = hashlib.sha256()
with open(layer, "rb") as f:
    for chunk in iter(lambda: f.read(1 << 20), b""):
        digest.update(chunk)
config = {
    "architecture": "amd64", "os": "linux",
    "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                       "JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64"]},
    "rootfs": {"type": "layers", "diff_ids": ["sha256:" + digest.hexdigest()]},
}
with open(os.path.join(out, "config.json"), "w") as f:
    json.dump(config, f)
with open(os.path.join(out, "manifest.json"), "w") as f:
    json.dump([{"Config": "config.json", "RepoTags": ["skein-base:offline"], "Layers": ["layer.tar"]}], f)
with tarfile.open(os.path.join(work, "base.tar"), "w") as tar:
    for name in ("manifest.json", "config.json", "layer.tar"):
        tar.add(os.path.join(out, name), arcname=name)
PY
rm -rf "$work/base-image"

# 2. The Skein image on that base, as a tarball (Jib needs no Docker and pushes nothing).
mvn -B -q -DskipTests package com.google.cloud.tools:jib-maven-plugin:3.4.4:buildTar \
  -Djib.from.image="tar://$work/base.tar" -Djib.outputPaths.tar="$work/skein-image.tar"

# 3. Unpack its layers in order, and read how the image says to run it.
rm -rf "$work/image" "$work/image-tar" && mkdir -p "$work/image" "$work/image-tar"
tar -xf "$work/skein-image.tar" -C "$work/image-tar"
python3 - "$work" > "$work/run.env" <<'PY'
import json, os, shlex, sys, tarfile
work = sys.argv[1]
t = os.path.join(work, "image-tar")
manifest = json.load(open(os.path.join(t, "manifest.json")))[0]
for layer in manifest["Layers"]:
    with tarfile.open(os.path.join(t, layer)) as tar:
        tar.extractall(os.path.join(work, "image"), numeric_owner=True)
config = json.load(open(os.path.join(t, manifest["Config"])))["config"]
print("image_user=" + shlex.quote(config.get("User", "0")))
print("image_workdir=" + shlex.quote(config.get("WorkingDir", "/")))
print("image_command=(" + " ".join(shlex.quote(a) for a in config["Entrypoint"] + config.get("Cmd", [])) + ")")
print("image_env=(" + " ".join(shlex.quote(e) for e in config.get("Env", [])) + ")")
PY
# shellcheck disable=SC1091
source "$work/run.env"
echo "image: user $image_user, workdir $image_workdir, command ${image_command[*]}"
[ "$image_user" = "10001:10001" ] || { echo "the image must run as uid 10001, not $image_user" >&2; exit 1; }

# 4. Start it as the image would run, on loopback and a free port, and use it.
mount -t proc proc "$work/image/proc"
mkdir -p "$work/image/dev" && mount --rbind /dev "$work/image/dev"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
env -i "${image_env[@]}" CONFIG_FORCE_skein_grpc_host=127.0.0.1 CONFIG_FORCE_skein_grpc_port="$port" \
  chroot --userspec="$image_user" "$work/image" sh -c "cd $image_workdir && exec \"\$@\"" skein "${image_command[@]}" \
  > "$work/broker.out" 2>&1 &
broker_pid=$!
cli=(java -cp "$root_dir/target/skein-0.1.0-SNAPSHOT.jar:$root_dir/target/lib/*" io.skein.cli.SkeinCli)
for _ in $(seq 1 120); do
  if "${cli[@]}" topics --bootstrap-server "127.0.0.1:$port" --create --topic image-check --partitions 1 \
      >/dev/null 2>&1; then
    break
  fi
  kill -0 "$broker_pid" 2>/dev/null || { cat "$work/broker.out"; echo "the broker in the image exited" >&2; exit 1; }
  sleep 1
done
"${cli[@]}" topics --bootstrap-server "127.0.0.1:$port" --list | grep -qx image-check \
  || { cat "$work/broker.out"; echo "the broker in the image does not serve" >&2; exit 1; }
kill -TERM "$broker_pid"
wait "$broker_pid" || true
grep -q "serving gRPC" "$work/broker.out"
[ -d "$work/image/var/lib/skein/data/logs/image-check-0" ] \
  || { echo "no partition log under /var/lib/skein/data in the image" >&2; exit 1; }
echo "offline image check passed: $work/skein-image.tar ($(du -h "$work/skein-image.tar" | cut -f1))"
