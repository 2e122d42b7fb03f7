#!/usr/bin/env bash
# Fetches the vendored browser assets from the npm registry: each package at
# the exact version below, checked against its published integrity, and
# copies the files Velro serves, with the package's licence, into a
# directory named after it. To update, change a version and its integrity
# (npm view PACKAGE@VERSION dist.integrity) together, run this, and update
# README.md.
set -euo pipefail
cd "$(dirname "$0")"

# fetch DIR PACKAGE@VERSION INTEGRITY FILE...
fetch() {
	local dir=$1 spec=$2 integrity=$3
	shift 3
	local tmp
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' RETURN
	(cd "$tmp" && npm pack --silent "$spec" >/dev/null)
	local tgz=("$tmp"/*.tgz)
	local got
	got="sha512-$(openssl dgst -sha512 -binary "${tgz[0]}" | base64 -w0)"
	if [ "$got" != "$integrity" ]; then
		echo "fetch: $spec has integrity $got, want $integrity" >&2
		exit 1
	fi
	tar -xzf "${tgz[0]}" -C "$tmp"
	rm -rf "$dir"
	mkdir -p "$dir"
	for f in "$@"; do
		cp "$tmp/package/$f" "$dir/"
	done
}

fetch uplot uplot@1.6.32 \
	sha512-KIMVnG68zvu5XXUbC4LQEPnhwOxBuLyW1AHtpm6IKTXImkbLgkMy+jabjLgSLMasNuGGzQm/ep3tOkyTxpiQIw== \
	LICENSE dist/uPlot.iife.min.js dist/uPlot.min.css
fetch elements @stoplight/elements@9.0.25 \
	sha512-rDbNsgSCNo74lyV57cBzym+8F68/R2j7UPq4r3w5qK608vX8APNJhTq+2MkbTjsM3bUhFIoRdI225tlI85KpCA== \
	LICENSE web-components.min.js web-components.min.js.LICENSE.txt styles.min.css
