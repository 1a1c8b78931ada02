#!/usr/bin/env bash
# `make sam-local`: run every function of template.yaml with `sam local invoke` in a real
# container, on a machine with no container registry (Debian, root), then check the
# state each invocation left in a moto server.
#
# Idempotent, and leaves nothing running:
#   1. installs what is missing (Debian: docker.io, debootstrap, iproute2);
#   2. builds a Lambda-like python3.11 base image once (cached tarball, see
#      build_base_image.sh) - no image is ever pulled;
#   3. starts a private dockerd (own socket, data root, bridge; no iptables rules) and
#      stops it on exit, whatever happens;
#   4. runs run_sam_local.py: sam build, and `sam build --use-container` in a local
#      build image compared with it, moto server, sam local invoke per function,
#      assertions.
#
# Environment knobs (all optional):
#   SAM_LOCAL_CACHE    cache folder for the base image tarball
#                      (default /var/cache/paperbell/sam-local, shared by clones)
#   SAM_LOCAL_SUBNET   bridge address for the private dockerd (default 172.29.254.1/24)
#   SAM_LOCAL_KEEP=1   keep the run folder (dockerd log, env file) for a post-mortem
#                      (until the next run, which removes it)
#   SAM_LOCAL_PYTHON   the venv python (default .venv/bin/python)
#   SAM_LOCAL_CONTAINER_BUILD=0
#                      skip the `sam build --use-container` check (and its build image)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"

PYTHON=${SAM_LOCAL_PYTHON:-$root/.venv/bin/python}
cache=${SAM_LOCAL_CACHE:-/var/cache/paperbell/sam-local}
subnet=${SAM_LOCAL_SUBNET:-172.29.254.1/24}
bridge=pbsam0
started_at=$SECONDS
export SAM_LOCAL_T0=${SAM_LOCAL_T0:-$(date +%s)}  # run_sam_local.py stamps from here too

log() { echo "[sam-local +$((SECONDS - started_at))s] $*" >&2; }
die() { echo "[sam-local] ERROR: $*" >&2; exit 1; }

case "$(uname -m)" in
    x86_64 | amd64) arch=x86_64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) die "unsupported machine architecture $(uname -m) (Lambda has x86_64 and arm64)" ;;
esac

[ "$(id -u)" = 0 ] || die "needs root (it installs packages and starts a private dockerd); \
with Docker Desktop or Finch use 'sam local invoke' directly, see README 'Try a function locally'"
[ -x "$PYTHON" ] || die "$PYTHON not found: run through 'make sam-local' (it creates .venv)"

# shellcheck source=retry.sh
. "$(dirname "${BASH_SOURCE[0]}")/retry.sh"

# ------------------------------------------------------------------ 1. packages
need=()
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v flock >/dev/null 2>&1 || need+=(util-linux)
if ((${#need[@]})); then
    command -v apt-get >/dev/null 2>&1 || die "missing ${need[*]} and no apt-get to install them"
    log "installing ${need[*]} (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt_install() {
        # A third-party source in sources.list may be unreachable; `update` warnings are
        # fine as long as Debian's own lists arrive and the install succeeds.
        apt-get update -qq >/tmp/paperbell-sam-local-apt.log 2>&1 || true
        apt-get install -y -qq --no-install-recommends "${need[@]}" \
            >>/tmp/paperbell-sam-local-apt.log 2>&1
    }
    if ! retry 3 apt_install; then
        tail -30 /tmp/paperbell-sam-local-apt.log >&2 || true
        die "apt-get install ${need[*]} failed (log above)"
    fi
fi
# docker.io's own service never starts here (policy-rc.d), and we do not want it to:
# this script starts a private daemon and stops it again.
docker_cli=/usr/bin/docker  # Debian's client, matching its dockerd
[ -x "$docker_cli" ] || docker_cli=$(command -v docker) || die "no docker client"

# One run at a time per machine (the bridge name and the cache are shared).
mkdir -p "$cache"
exec 9>"$cache/.lock"
if ! flock -w 900 9; then
    die "another 'make sam-local' has held $cache/.lock for 15 minutes"
fi

# ------------------------------------------------------------------ 2. base image tarball
boto3_version=$("$PYTHON" -c 'import boto3; print(boto3.__version__)')
key=$( (cat "$here/build_base_image.sh"; echo "$arch $boto3_version") | sha256sum | cut -c1-12)
tarball=$cache/lambda-python3.11-$arch-$key.tar
build_tarball() {
    log "base image: building $tarball (once; 1-2 minutes)"
    find "$cache" -maxdepth 1 -name "lambda-python3.11-$arch-*.tar" -delete
    SAM_LOCAL_BOTO3_VERSION=$boto3_version \
        "$here/build_base_image.sh" "$tarball" "$arch" "$PYTHON" ||
        die "building the base image failed"
}
if [ -s "$tarball" ]; then
    log "base image: cached $tarball"
else
    build_tarball
fi

# ------------------------------------------------------------------ 3. private dockerd
run=
data_root=
dockerd_pid=
created_bridge=
gateway=${subnet%/*}

cleanup() {
    local rc=$?
    set +e
    trap - EXIT INT TERM
    if [ -n "$dockerd_pid" ] && kill -0 "$dockerd_pid" 2>/dev/null; then
        # Containers sam left behind (it removes its own; this is for interrupted runs).
        local ids
        ids=$("$docker_cli" ps -aq 2>/dev/null)
        [ -n "$ids" ] && "$docker_cli" rm -f $ids >/dev/null 2>&1
        local children
        children=$(ps -o pid= --ppid "$dockerd_pid" 2>/dev/null)
        kill -TERM "$dockerd_pid" 2>/dev/null
        for _ in $(seq 1 60); do
            kill -0 "$dockerd_pid" 2>/dev/null || break
            sleep 0.5
        done
        if kill -0 "$dockerd_pid" 2>/dev/null; then
            log "dockerd did not stop in 30 s; killing it"
            kill -KILL "$dockerd_pid" 2>/dev/null
        fi
        # Its containerd (and shims) normally exit with it; make sure.
        local pid
        for pid in $children; do
            kill -0 "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null
        done
        sleep 0.5
        for pid in $children; do
            kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
        done
        wait "$dockerd_pid" 2>/dev/null
    fi
    # Mounts dockerd may leave (overlay layers, netns files), deepest first.
    local mnt
    if [ -n "$run" ] && [ -n "$data_root" ]; then
        for mnt in $(awk -v a="$run" -v b="$data_root" \
            'index($2, a) == 1 || index($2, b) == 1 {print $2}' /proc/mounts | sort -r); do
            umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null
        done
    fi
    if [ -n "$created_bridge" ]; then
        ip link delete "$bridge" 2>/dev/null
    fi
    if [ "${SAM_LOCAL_KEEP:-0}" = 1 ]; then
        log "kept $run and $data_root (SAM_LOCAL_KEEP=1)"
    else
        [ -n "$run" ] && rm -rf "$run"
        [ -n "$data_root" ] && rm -rf "$data_root"
    fi
    if [ "$rc" = 0 ]; then
        log "OK in $((SECONDS - started_at)) s"
    else
        log "FAILED (exit $rc) after $((SECONDS - started_at)) s"
    fi
    exit "$rc"
}
py_pid=
on_signal() {  # stop the orchestrator first (it stops moto and sam), then clean up
    if [ -n "$py_pid" ]; then
        kill -TERM "$py_pid" 2>/dev/null
        wait "$py_pid" 2>/dev/null
    fi
    exit "$1"
}
trap cleanup EXIT
trap 'on_signal 130' INT
trap 'on_signal 143' TERM

run=$(mktemp -d /run/paperbell-sam.XXXXXX)  # short path: it holds unix sockets
# Image layers on disk, not in /run (a tmpfs on many hosts).
data_root=$(mktemp -d /var/tmp/paperbell-sam-data.XXXXXX)
sock=$run/docker.sock
export DOCKER_HOST=unix://$sock

# Leftovers of a run that was killed hard (SIGKILL, power loss): its dockerd (found by
# the pidfile in its own run folder), mounts and folders. The lock says none is active.
for stale in /run/paperbell-sam.*; do
    [ -d "$stale" ] && [ "$stale" != "$run" ] || continue
    if [ -s "$stale/dockerd.pid" ]; then
        pid=$(cat "$stale/dockerd.pid")
        if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = dockerd ]; then
            log "stopping dockerd $pid left by an interrupted run ($stale)"
            kill -TERM "$pid" 2>/dev/null || true
            for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
done
for stale in /run/paperbell-sam.* /var/tmp/paperbell-sam-data.*; do
    [ -d "$stale" ] && [ "$stale" != "$run" ] && [ "$stale" != "$data_root" ] || continue
    for mnt in $(awk -v a="$stale" 'index($2, a) == 1 {print $2}' /proc/mounts | sort -r); do
        umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || true
    done
    rm -rf "$stale"
done

if ip link show "$bridge" >/dev/null 2>&1; then
    # Left by a run that was killed hard (the lock says no run is active now).
    ip link delete "$bridge" 2>/dev/null || die "a stale $bridge bridge exists and cannot be removed"
fi
ip link add name "$bridge" type bridge || die "cannot create bridge $bridge (bridge kernel module?)"
created_bridge=1
ip addr add "$subnet" dev "$bridge"
ip link set "$bridge" up

echo '{}' >"$run/daemon.json"  # ignore /etc/docker/daemon.json: this daemon is ours alone
log "starting a private dockerd on $sock (bridge $bridge $subnet, no iptables rules)"
dockerd \
    --config-file "$run/daemon.json" \
    --data-root "$data_root" \
    --exec-root "$run/exec" \
    --pidfile "$run/dockerd.pid" \
    --host "$DOCKER_HOST" \
    --bridge "$bridge" \
    --iptables=false \
    --ip-forward=false \
    --ip-masq=false \
    --storage-driver overlay2 \
    >"$run/dockerd.log" 2>&1 9>&- &
dockerd_pid=$!
for i in $(seq 1 120); do
    if "$docker_cli" version >/dev/null 2>&1; then
        break
    fi
    if ! kill -0 "$dockerd_pid" 2>/dev/null; then
        tail -30 "$run/dockerd.log" >&2
        dockerd_pid=
        die "dockerd exited at start (log above)"
    fi
    if ((i == 120)); then
        tail -30 "$run/dockerd.log" >&2
        die "dockerd did not answer within 60 s (log above)"
    fi
    sleep 0.5
done
log "dockerd $("$docker_cli" version --format '{{.Server.Version}}') up"

image=paperbell-sam-local/python:3.11-$arch
log "importing the base image as $image (and public.ecr.aws/lambda/python:3.11-$arch)"
import_image() {
    "$docker_cli" import \
        --change 'ENV LANG=en_US.UTF-8' \
        --change 'ENV TZ=:UTC' \
        --change 'ENV PATH=/var/lang/bin:/usr/local/bin:/usr/bin:/bin:/opt/bin' \
        --change 'ENV LD_LIBRARY_PATH=/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib' \
        --change 'ENV LAMBDA_TASK_ROOT=/var/task' \
        --change 'ENV LAMBDA_RUNTIME_DIR=/var/runtime' \
        --change 'WORKDIR /var/task' \
        --change 'ENTRYPOINT ["/var/runtime/bootstrap"]' \
        "$tarball" "$image" >/dev/null
}
if ! import_image; then
    # A damaged cache (disk full, killed mid-write by an older version): rebuild once.
    log "docker import of the cached tarball failed; rebuilding it"
    rm -f "$tarball"
    build_tarball
    import_image || die "docker import of $tarball failed"
fi
"$docker_cli" tag "$image" "public.ecr.aws/lambda/python:3.11-$arch"

# A build image for `sam build --use-container`, standing in for SAM's
# public.ecr.aws/sam/build-python3.11 (which cannot be pulled here): the base image plus
# what a build container needs - make (the layer's BuildMethod: makefile), pip, and the
# aws-lambda-builders executable SAM calls in it, at the host SAM CLI's version. Built
# on host networking (apt from Debian's mirror, pip from PyPI: the only networks this
# machine reaches) and cached as a tarball like the base image.
builders_version=$("$PYTHON" -c 'import aws_lambda_builders as b; print(b.__version__)')
build_key=$(echo "$key $builders_version" | sha256sum | cut -c1-12)
build_tarball=$cache/sam-build-python3.11-$arch-$build_key.tar
build_image=paperbell-sam-local/build-python:3.11-$arch
if [ "${SAM_LOCAL_CONTAINER_BUILD:-1}" = 1 ]; then
    if [ -s "$build_tarball" ] && "$docker_cli" load -i "$build_tarball" >/dev/null; then
        log "build image: cached $build_tarball"
    else
        log "build image: building $build_image (once; 1-2 minutes)"
        find "$cache" -maxdepth 1 -name "sam-build-python3.11-$arch-*.tar" -delete
        "$docker_cli" rm -f paperbell-sam-build-prep >/dev/null 2>&1 || true
        # The image trusts what this machine trusts (a network that inspects TLS has its
        # own root in the host's bundle; pip in the build container needs it too).
        host_ca=${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}
        ca_mount=()
        [ -s "$host_ca" ] && ca_mount=(-v "$host_ca:/tmp/host-ca.crt:ro")
        prepare_build_image() {
            "$docker_cli" rm -f paperbell-sam-build-prep >/dev/null 2>&1 || true
            "$docker_cli" run --name paperbell-sam-build-prep --network host \
                "${ca_mount[@]}" --entrypoint /bin/sh "$image" -c "
                    set -e
                    export DEBIAN_FRONTEND=noninteractive
                    apt-get update -qq >/dev/null 2>&1 || true
                    apt-get install -y -qq --no-install-recommends make python3-pip >/dev/null
                    # After apt: installing ca-certificates rewrites the bundle.
                    if [ -s /tmp/host-ca.crt ]; then
                        mkdir -p /etc/ssl/certs
                        cp /tmp/host-ca.crt /etc/ssl/certs/ca-certificates.crt
                    fi
                    export PIP_CERT=/etc/ssl/certs/ca-certificates.crt
                    python3.11 -m pip install --quiet --break-system-packages \
                        --disable-pip-version-check aws-lambda-builders==$builders_version
                    command -v lambda-builders >/dev/null
                    rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb
                " >"$run/build-image.log" 2>&1
        }
        if ! retry 3 prepare_build_image; then
            tail -30 "$run/build-image.log" >&2 || true
            die "preparing the build image failed (log above)"
        fi
        "$docker_cli" commit --change 'ENTRYPOINT []' --change 'WORKDIR /' \
            --change 'ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt' \
            paperbell-sam-build-prep "$build_image" >/dev/null
        "$docker_cli" rm -f paperbell-sam-build-prep >/dev/null
        "$docker_cli" save -o "$build_tarball.partial" "$build_image"
        mv "$build_tarball.partial" "$build_tarball"
    fi
    build_args=(--build-image "$build_image")
else
    log "build image: skipped (SAM_LOCAL_CONTAINER_BUILD=0): no 'sam build --use-container' check"
    build_args=()
fi

# ------------------------------------------------------------------ 4. invoke and check
# In the background and waited for, so a signal reaches the traps above at once.
"$PYTHON" "$here/run_sam_local.py" \
    --arch "$arch" \
    --image "$image" \
    --host-ip "$gateway" \
    --work-dir "$run" \
    "${build_args[@]}" \
    "$@" </dev/null &
py_pid=$!
rc=0
wait "$py_pid" || rc=$?
py_pid=
exit "$rc"
