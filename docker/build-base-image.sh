#!/usr/bin/env bash
# Builds a minimal Node base image from this host's own files, for machines where no container registry is reachable
# (`docker pull` fails). The result works as `FROM ${NODE_IMAGE}` in sumnet's Dockerfile: node, npm (+ npx), a POSIX
# shell (dash as /bin/sh), /usr/bin/env, the host CA bundle with NODE_EXTRA_CA_CERTS set (so npm reaches the registry
# through a TLS-inspecting proxy), and a `node` user (uid 1000) like the official node images have.
#
# Usage: docker/build-base-image.sh [IMAGE_TAG]      (default sumnet/node-base:20)
# Prints the image tag on the last line of stdout. Exit 0 on success, 1 on failure.
set -euo pipefail

tag="${1:-sumnet/node-base:20}"
node_bin="$(readlink -f "$(command -v node)")"
npm_dir="/usr/lib/node_modules/npm"
ca_bundle="/etc/ssl/certs/ca-certificates.crt"

for required in "$node_bin" "$npm_dir/bin/npm-cli.js" "$ca_bundle" /usr/bin/dash /usr/bin/env; do
  if [[ ! -e "$required" ]]; then
    echo "build-base-image: missing $required on this host (need Debian's nodejs with npm, dash, ca-certificates)" >&2
    exit 1
  fi
done

root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT

# Merged /usr layout, as on Debian 12.
mkdir -p "$root"/usr/{bin,sbin,lib,lib64,local/bin,local/lib} "$root"/{etc/ssl/certs,tmp,root,home/node,app}
for d in bin sbin lib lib64; do ln -s "usr/$d" "$root/$d"; done
chmod 1777 "$root/tmp"

copy_with_libs() {
  local bin="$1" dest="$2"
  cp -L "$bin" "$root$dest"
  # ldd lines: "libx.so => /path (0x..)" or "/lib64/ld-linux-x86-64.so.2 (0x..)"
  ldd "$bin" | awk '/=> \//{print $3} /^[ \t]*\//{print $1}' | while read -r lib; do
    mkdir -p "$root$(dirname "$lib")"
    [[ -e "$root$lib" ]] || cp -L "$lib" "$root$lib"
  done
}

copy_with_libs "$node_bin" /usr/local/bin/node
ln -s ../local/bin/node "$root/usr/bin/node"
copy_with_libs /usr/bin/dash /usr/bin/dash
ln -s dash "$root/usr/bin/sh"
copy_with_libs /usr/bin/env /usr/bin/env

mkdir -p "$root/usr/local/lib/node_modules"
cp -a "$npm_dir" "$root/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"

cp -L "$ca_bundle" "$root$ca_bundle"
cat > "$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
node:x:1000:1000::/home/node:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
PASSWD
cat > "$root/etc/group" <<'GROUP'
root:x:0:
node:x:1000:
nogroup:x:65534:
GROUP
printf 'hosts: files dns\npasswd: files\ngroup: files\n' > "$root/etc/nsswitch.conf"
chown 1000:1000 "$root/home/node"

tar -C "$root" --numeric-owner -c . | docker import \
  --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  --change "ENV NODE_EXTRA_CA_CERTS=$ca_bundle" \
  --change "ENV NODE_VERSION=$("$node_bin" -v | tr -d v)" \
  --change 'CMD ["node"]' \
  --message "sumnet local node base from $node_bin" \
  - "$tag" >/dev/null

size_bytes="$(docker image inspect --format '{{.Size}}' "$tag")"
echo "build-base-image: built $tag ($((size_bytes / 1000000)) MB, node $("$node_bin" -v))" >&2
echo "$tag"
