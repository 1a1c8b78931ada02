#!/usr/bin/env bash
# Build a root filesystem that behaves like the Lambda python3.11 base image
# (public.ecr.aws/lambda/python:3.11) and write it as a tarball, for `docker import`.
#
#   build_base_image.sh OUTPUT.tar ARCH PYTHON
#
# ARCH is the Lambda architecture (x86_64 or arm64); PYTHON a host python3.11 whose pip
# downloads the runtime's Python packages. Nothing is pulled from a container registry:
# Debian bookworm comes from Debian's mirror (debootstrap), the runtime interface client
# and the AWS SDK from PyPI. The Lambda runtime interface *emulator* is not added here:
# `sam local` adds the copy it ships in its own wheel when it builds the invoke image.
#
# The layout mirrors Lambda's: handler code in /var/task, layers in /opt, the runtime
# (awslambdaric, boto3, botocore) in /var/runtime, /var/runtime/bootstrap as entry point.
set -euo pipefail

out=${1:?usage: build_base_image.sh OUTPUT.tar ARCH PYTHON}
arch=${2:?architecture (x86_64 or arm64)}
python=${3:?host python3.11}
mirror=${SAM_LOCAL_DEBIAN_MIRROR:-http://deb.debian.org/debian}
boto3_version=${SAM_LOCAL_BOTO3_VERSION:-}

case "$arch" in
    x86_64) deb_arch=amd64; wheel_platforms=(manylinux2014_x86_64 manylinux_2_17_x86_64) ;;
    arm64) deb_arch=arm64; wheel_platforms=(manylinux2014_aarch64 manylinux_2_17_aarch64) ;;
    *) echo "build_base_image: unknown architecture $arch" >&2; exit 2 ;;
esac

log() { echo "[sam-local +$(($(date +%s) - ${SAM_LOCAL_T0:-$(date +%s)}))s] $*" >&2; }

# shellcheck source=retry.sh
. "$(dirname "${BASH_SOURCE[0]}")/retry.sh"

work=$(mktemp -d "$(dirname "$out")/rootfs.XXXXXX")
cleanup() {
    # debootstrap may leave /proc and /sys mounted inside the tree if it was interrupted.
    local mnt
    for mnt in $(awk -v root="$work" 'index($2, root) == 1 {print $2}' /proc/mounts | sort -r); do
        umount -l "$mnt" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT
rootfs=$work/rootfs

log "debootstrap bookworm ($deb_arch, minbase + python3.11) from $mirror"
started=$SECONDS
bootstrap() {
    rm -rf "$rootfs"
    debootstrap --variant=minbase --arch="$deb_arch" --include=python3.11 \
        bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1
}
if ! retry 3 bootstrap; then
    tail -30 "$work/debootstrap.log" >&2 || true
    log "debootstrap failed (log above)"
    exit 1
fi
log "debootstrap done in $((SECONDS - started)) s"

# Trim what a function never uses (apt caches, docs, locales) to keep the import small.
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
    "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/*

# The runtime's Python packages, as wheels for the target platform.
pip_platform_args=(--only-binary=:all: --python-version 3.11 --implementation cp --abi cp311)
for p in "${wheel_platforms[@]}"; do
    pip_platform_args+=(--platform "$p")
done
boto3_spec=boto3${boto3_version:+==$boto3_version}
log "pip install awslambdaric $boto3_spec into /var/runtime"
mkdir -p "$rootfs/var/runtime" "$rootfs/var/task" "$rootfs/opt" "$rootfs/var/lang/bin"
pip_install() {
    # (Drop pip's notes about local find-links folders this machine's pip config names.)
    "$python" -m pip install --quiet --disable-pip-version-check --no-compile \
        --target "$rootfs/var/runtime" "${pip_platform_args[@]}" awslambdaric "$boto3_spec" \
        2> >(grep -v "^WARNING: Location '.*' is ignored" >&2)
}
if ! retry 3 pip_install; then
    log "pip install of awslambdaric/boto3 failed"
    exit 1
fi
# Lambda's image has the interpreter under /var/lang/bin.
ln -sf /usr/bin/python3.11 "$rootfs/var/lang/bin/python3.11"
ln -sf python3.11 "$rootfs/var/lang/bin/python3"
ln -sf python3.11 "$rootfs/var/lang/bin/python"

cat >"$rootfs/var/runtime/bootstrap" <<'EOF'
#!/bin/sh
# Started by the runtime interface emulator for each new execution environment.
# sys.path order as in Lambda: the function, the layers, then the runtime's own packages.
export PYTHONPATH="${LAMBDA_TASK_ROOT:-/var/task}:/opt/python/lib/python3.11/site-packages:/opt/python:/var/runtime${PYTHONPATH:+:$PYTHONPATH}"
handler="${_HANDLER:-${AWS_LAMBDA_FUNCTION_HANDLER:-}}"
if [ -z "$handler" ]; then
    handler="$1"
fi
if [ -z "$handler" ]; then
    echo "bootstrap: no handler (_HANDLER and AWS_LAMBDA_FUNCTION_HANDLER are empty)" >&2
    exit 1
fi
cd "${LAMBDA_TASK_ROOT:-/var/task}"
exec /var/lang/bin/python3.11 -m awslambdaric "$handler"
EOF
chmod 0755 "$rootfs/var/runtime/bootstrap"

# A quick self-check inside the tree before it becomes an image.
if [ "$arch" = "$(uname -m | sed 's/aarch64/arm64/')" ]; then
    chroot "$rootfs" /var/lang/bin/python3.11 -c \
        "import sys; sys.path[:0] = ['/var/runtime']; import awslambdaric, boto3; print('runtime ok: boto3', boto3.__version__)" >&2
fi

log "writing $out"
tar -C "$rootfs" --numeric-owner -cf "$out.partial" .
mv "$out.partial" "$out"
log "base image tarball: $(du -h "$out" | cut -f1)"
