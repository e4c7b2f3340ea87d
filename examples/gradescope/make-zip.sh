#!/usr/bin/env bash
# Makes autograder.zip for Gradescope from this sumnet clone: setup.sh, run_autograder and course.yaml at the top,
# and the committed sources of sumnet in sumnet/ (setup.sh builds them there). Run from anywhere in the clone.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(git -C "$here" rev-parse --show-toplevel)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$here/setup.sh" "$here/run_autograder" "$here/course.yaml" "$work/"
mkdir "$work/sumnet"
git -C "$repo" archive HEAD | tar -x -C "$work/sumnet"
rm -f "$here/autograder.zip"
(cd "$work" && zip -qr "$here/autograder.zip" .)
echo "$here/autograder.zip"
