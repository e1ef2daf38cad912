#!/usr/bin/env bash
# Build deploy/k8s/Dockerfile for real on a machine with no container registry, and run the bench inside
# the image offline. Debian's podman builds it with chroot isolation (no daemon, no user namespaces);
# node:20-bookworm-slim cannot be pulled here, so the base is made locally: a Debian bookworm rootfs from
# debootstrap plus the Node 20 this machine runs (binary and its bundled npm), with the official image's
# user node (uid 1000). Needs root; installs podman, buildah and debootstrap with apt when missing.
#
#   bash deploy/k8s/build-local.sh     # prints one line: "image build: PASS …" or "image build: FAIL …"
#
# `podman run` fails in such sandboxes (crun: setrlimit RLIMIT_NOFILE), so the job runs through
# `unshare --net buildah run --isolation chroot` (no network), with the datasets mounted read-only as on the cluster.
set -uo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
start=$(date +%s)
elapsed() { echo "$(($(date +%s) - start)) s"; }
work=$(mktemp -d "${TMPDIR:-/tmp}/cb-image-XXXXXX")
ctr=''
cleanup() {
  [ -n "$ctr" ] && buildah rm "$ctr" >/dev/null 2>&1
  [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "image build: FAIL — $* (after $(elapsed); logs in $work)"; KEEP=1; exit 1; }
step() { echo "build-local: $* ($(elapsed))" >&2; }

if ! command -v podman >/dev/null || ! command -v buildah >/dev/null || ! command -v debootstrap >/dev/null; then
  [ "$(id -u)" = 0 ] || fail "podman, buildah and debootstrap are missing and this is not root"
  step "installing podman, buildah, debootstrap (apt)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends podman buildah debootstrap >"$work/apt.log" 2>&1 ||
    { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends podman buildah debootstrap >"$work/apt.log" 2>&1; } || fail "apt could not install podman, buildah, debootstrap"
fi

node_bin=$(command -v node) || fail "node is not on PATH"
node_version=$(node -v)
npm_dir=$(cd "$(dirname "$(readlink -f "$(command -v npm)")")/.." && pwd) # …/node_modules/npm
rootfs_image=localhost/clip-bench-rootfs:bookworm-node${node_version#v}
base=localhost/clip-bench-base:bookworm-node${node_version#v}
image=localhost/clip-bench:local
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

if podman image exists "$rootfs_image"; then
  step "rootfs $rootfs_image already built"
else
  step "debootstrap bookworm (minbase) from $mirror"
  debootstrap --variant=minbase bookworm "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 || fail "debootstrap failed: $(tail -n 1 "$work/debootstrap.log")"
  # Node where the official image has it, npm beside it; the user the Dockerfile switches to.
  install -m 755 "$node_bin" "$work/rootfs/usr/local/bin/node"
  mkdir -p "$work/rootfs/usr/local/lib/node_modules"
  cp -a "$npm_dir" "$work/rootfs/usr/local/lib/node_modules/npm"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$work/rootfs/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$work/rootfs/usr/local/bin/npx"
  chroot "$work/rootfs" sh -c 'groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node' || fail "could not add user node to the base"
  chroot "$work/rootfs" /usr/local/bin/node -e 'process.exit(0)' || fail "$node_bin does not run in a bookworm rootfs"
  rm -rf "$work/rootfs"/var/cache/apt/archives/*.deb "$work/rootfs"/var/lib/apt/lists/*
  tar -C "$work/rootfs" -c . | podman import --change 'CMD ["node"]' - "$rootfs_image" >"$work/import.log" 2>&1 || fail "podman import failed: $(tail -n 1 "$work/import.log")"
  rm -rf "$work/rootfs"
fi
# The base: that rootfs plus this machine's extra CA bundle, if node here trusts one (NODE_EXTRA_CA_CERTS):
# where the registry is reached through a TLS-inspecting proxy, npm ci in the build needs it. Users building
# on node:20-bookworm-slim with a plain connection need nothing of the sort.
if ! podman image exists "$base"; then
  b=$(buildah from "$rootfs_image") || fail "buildah from $rootfs_image failed"
  if [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -f "$NODE_EXTRA_CA_CERTS" ]; then
    buildah copy "$b" "$NODE_EXTRA_CA_CERTS" /usr/local/share/host-ca-bundle.crt >/dev/null &&
      buildah config --env NODE_EXTRA_CA_CERTS=/usr/local/share/host-ca-bundle.crt "$b" || fail "could not add the CA bundle to the base"
  fi
  buildah commit --quiet --rm "$b" "$base" >/dev/null || fail "buildah commit $base failed"
fi

step "podman build --isolation chroot on $base"
podman build --isolation chroot --build-arg NODE_IMAGE="$base" -f deploy/k8s/Dockerfile -t "$image" . >"$work/build.log" 2>&1 ||
  fail "podman build failed: $(tail -n 1 "$work/build.log")"
build_done=$(elapsed)

# The bench job, offline: demo model from the image, cifar10 from the host's dataset cache (read-only),
# a feature cache and the reports on a writable mount, as the Kubernetes Jobs mount the shared volume.
data=${CLIP_BENCH_DATA:-$repo/datasets}
[ -d "$data/cifar10" ] || npm run -s datasets -- fetch cifar10 >/dev/null || fail "could not fetch cifar10"
mkdir -p "$work/shared/features" "$work/shared/reports"
chown -R 1000:1000 "$work/shared"
run_args=(--dataset cifar10 --limit 200 --shots 1,4 --seeds 1 --bootstrap 200 --threads 1)
step "bench inside the image (no network)"
ctr=$(buildah from "$image") || fail "buildah from $image failed"
# chroot isolation cannot make a network namespace itself (buildah refuses --network none with it), so
# buildah runs inside one made by unshare: loopback only, nothing outside reachable.
unshare --net buildah run --isolation chroot --volume "$(readlink -f "$data/cifar10"):/shared/datasets/cifar10:ro" --volume "$work/shared:/shared/out" "$ctr" -- \
  npm run -s bench -- "${run_args[@]}" --cache-dir /shared/out/features --out /shared/out/reports/run >"$work/run.log" 2>&1 ||
  fail "the bench failed inside the image: $(tail -n 1 "$work/run.log")"
# The same bench on this machine: the image must compute the same numbers.
npm run -s bench -- "${run_args[@]}" --no-cache --out "$work/host" >"$work/host.log" 2>&1 || fail "the bench failed on the host: $(tail -n 1 "$work/host.log")"
npx tsx test/helpers/same-results.ts "$work/shared/reports/run" "$work/host" 2>"$work/compare.log" || fail "the image's results differ from the host's: $(head -n 1 "$work/compare.log")"
size=$(podman image inspect "$image" --format '{{.Size}}' | awk '{printf "%.0f MB", $1 / 1e6}')
echo "image build: PASS — $image ($size) built on $base in $build_done; bench on cifar10 --limit 200 ran inside it offline and equals the host's run; total $(elapsed)"
