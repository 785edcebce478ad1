#!/usr/bin/env bash
# Installs code-server@4.100.3 (VS Code 1.100.3) for the end-to-end test, OUTSIDE the repository's npm
# install: into .e2e-cache/code-server, once (later runs reuse it). See
# /work/shared/reference/code-server-offline.md for why each step is needed on this kind of machine.
set -euo pipefail
cd "$(dirname "$0")/../.."

VERSION=4.100.3
# E2E_CACHE_DIR: install elsewhere (e.g. to time a clean install); the suite uses .e2e-cache.
CACHE="${E2E_CACHE_DIR:-$PWD/.e2e-cache}"
PREFIX="$CACHE/code-server"
BIN="$PREFIX/node_modules/.bin/code-server"

if [ -x "$BIN" ] && HOME="$CACHE/home" XDG_CONFIG_HOME="$CACHE/home/.config" "$BIN" --version 2>/dev/null | grep -q "^$VERSION"; then
  echo "code-server $VERSION already installed in $PREFIX"
  exit 0
fi

# Native modules: kerberos needs the GSSAPI headers; @vscode/ripgrep is fed Debian's rg instead of a download.
# (The browser comes from the test services, test/services, like every other suite's.)
missing=()
dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
command -v rg >/dev/null 2>&1 || missing+=(ripgrep)
if [ "${#missing[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
fi

export TMPDIR="${TMPDIR:-/tmp}"
RG_CACHE="$TMPDIR/vscode-ripgrep-cache-1.15.11"
RG_TGZ="$RG_CACHE/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
if [ ! -f "$RG_TGZ" ]; then
  mkdir -p "$RG_CACHE"
  staging="$(mktemp -d)"
  cp "$(command -v rg)" "$staging/rg"
  tar -C "$staging" -czf "$RG_TGZ" rg
  rm -rf "$staging"
fi

mkdir -p "$PREFIX"
# Its own package.json, so npm never treats this as part of the repository's workspaces.
[ -f "$PREFIX/package.json" ] || echo '{ "private": true, "description": "code-server for the e2e test (not part of the build)" }' >"$PREFIX/package.json"
# code-server@4.100.3 (pinned, a test tool outside the product's install) builds its own native modules in
# install scripts, including nested npm installs: the repository's strict-allow-scripts (.npmrc) does not apply here.
export npm_config_unsafe_perm=true npm_config_yes=true npm_config_strict_allow_scripts=false
npm install --prefix "$PREFIX" --no-audit --no-fund --loglevel=error "code-server@$VERSION"
HOME="$CACHE/home" XDG_CONFIG_HOME="$CACHE/home/.config" XDG_DATA_HOME="$CACHE/home/.local/share" "$BIN" --version
