#!/usr/bin/env bash
# Builds a minimal Python base image from this host's own python3, for machines where no container registry is
# reachable (`docker pull python:3.11-slim` fails). The result works as `FROM ${PYTHON_IMAGE}` in this folder's
# Dockerfile: python3 with its standard library and the shared libraries it needs, and nothing else (no shell).
#
# Usage: examples/python-peer/build-base-image.sh [IMAGE_TAG]      (default sumnet/python-base:3)
# Prints the image tag on the last line of stdout. Exit 0 on success, 1 on failure.
set -euo pipefail

tag="${1:-sumnet/python-base:3}"
python_bin="$(readlink -f /usr/bin/python3 2>/dev/null || true)"
if [[ ! -x "$python_bin" ]]; then
  echo "build-base-image: need Debian's python3 at /usr/bin/python3 on this host" >&2
  exit 1
fi
version="$("$python_bin" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
stdlib="/usr/lib/python$version"

root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT

# Merged /usr layout, as on Debian 12.
mkdir -p "$root"/usr/{bin,lib,lib64} "$root"/{etc,tmp}
for d in bin sbin lib lib64; do [[ -e "$root/$d" ]] || ln -s "usr/$d" "$root/$d"; done
mkdir -p "$root/usr/sbin"
chmod 1777 "$root/tmp"

copy_libs_of() {
  # ldd lines: "libx.so => /path (0x..)" or "/lib64/ld-linux-x86-64.so.2 (0x..)"
  ldd "$1" 2>/dev/null | awk '/=> \//{print $3} /^[ \t]*\//{print $1}' | while read -r lib; do
    lib="${lib/#\/lib\//\/usr\/lib\/}"; lib="${lib/#\/lib64\//\/usr\/lib64\/}"
    mkdir -p "$root$(dirname "$lib")"
    [[ -e "$root$lib" ]] || cp -L "$lib" "$root$lib"
  done
}

cp -L "$python_bin" "$root/usr/bin/python$version"
ln -s "python$version" "$root/usr/bin/python3"
copy_libs_of "$python_bin"
# The standard library without its tests, caches and install tooling.
tar -C / --exclude="${stdlib#/}/test" --exclude='__pycache__' --exclude="${stdlib#/}/ensurepip" \
  --exclude="${stdlib#/}/idlelib" --exclude="${stdlib#/}/tkinter" -c "${stdlib#/}" | tar -C "$root" -x
for module in "$root$stdlib"/lib-dynload/*.so; do copy_libs_of "$module"; done

cat > "$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/usr/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
PASSWD
printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"
printf 'hosts: files dns\npasswd: files\ngroup: files\n' > "$root/etc/nsswitch.conf"

tar -C "$root" --numeric-owner -c . | docker import \
  --change "ENV PATH=/usr/local/bin:/usr/bin:/bin" \
  --change "ENV PYTHONDONTWRITEBYTECODE=1" \
  --change 'CMD ["python3"]' \
  --message "sumnet local python base from $python_bin" \
  - "$tag" >/dev/null

size_bytes="$(docker image inspect --format '{{.Size}}' "$tag")"
echo "build-base-image: built $tag ($((size_bytes / 1000000)) MB, python $version)" >&2
echo "$tag"
