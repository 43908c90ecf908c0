#!/bin/sh
# Packs a built netdoctor binary as the krew archive and writes its sha256 into netdoctor.yaml.
# Usage: deploy/krew/package.sh PATH/TO/netdoctor [OUT_DIR]
set -eu
bin=${1:?usage: package.sh PATH/TO/netdoctor [OUT_DIR]}
out=${2:-.}
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cp "$bin" "$stage/netdoctor"
if [ -f "$repo/LICENSE" ]; then cp "$repo/LICENSE" "$stage/LICENSE"; else echo "no LICENSE file in the repository" > "$stage/LICENSE"; fi
archive="$out/netdoctor-linux-amd64.tar.gz"
tar -C "$stage" -czf "$archive" netdoctor LICENSE
sum=$(sha256sum "$archive" | cut -d' ' -f1)
sed -i "s/sha256: \"[0-9a-f]*\"/sha256: \"$sum\"/" "$here/netdoctor.yaml"
echo "$archive sha256 $sum (written into $here/netdoctor.yaml)"
