#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image (Ubuntu). It installs Node.js 20 and
# Python 3 (for peers written in Python), then builds the copy of sumnet that the autograder zip carries in sumnet/
# (see README.md: make-zip.sh puts it there).
set -euo pipefail
apt-get update
apt-get install -y ca-certificates curl gnupg python3
if ! node --version 2>/dev/null | grep -q '^v20\.'; then
  curl -fsSL https://deb.nodesource.com/setup_20.x | bash -
  apt-get install -y nodejs
fi
cd /autograder/source/sumnet
npm ci --no-audit --no-fund
node dist/harness/cli/main.js --help > /dev/null
