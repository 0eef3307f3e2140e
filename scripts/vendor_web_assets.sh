#!/usr/bin/env bash
# Vendors the console's and portal's scripts (htmx and its SSE extension) into
# service/static/vendor/ and axe-core (accessibility checks, tests only) into tests/web/vendor/,
# pinned, from the npm registry, with their licences. As for the docs assets
# (scripts/vendor_docs_assets.sh): a version is part of each directory name, so a new version
# is a new URL and caches never serve a stale file. Bump a version here, run this script, and
# update the versions in service/web/assets.py (and tests/web/conftest.py for axe).
set -euo pipefail

HTMX_VERSION=2.0.11
HTMX_SSE_VERSION=2.2.4
AXE_VERSION=4.14.1

root="$(cd "$(dirname "$0")/.." && pwd)"
vendor="$root/service/static/vendor"
test_vendor="$root/tests/web/vendor"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$work"
npm pack --silent "htmx.org@$HTMX_VERSION" "htmx-ext-sse@$HTMX_SSE_VERSION" "axe-core@$AXE_VERSION" >/dev/null
mkdir htmx sse axe
tar -xzf "htmx.org-$HTMX_VERSION.tgz" -C htmx
tar -xzf "htmx-ext-sse-$HTMX_SSE_VERSION.tgz" -C sse
tar -xzf "axe-core-$AXE_VERSION.tgz" -C axe

rm -rf "$vendor"/htmx.org@* "$vendor"/htmx-ext-sse@* "$test_vendor"/axe-core@*
mkdir -p "$vendor/htmx.org@$HTMX_VERSION" "$vendor/htmx-ext-sse@$HTMX_SSE_VERSION" \
  "$test_vendor/axe-core@$AXE_VERSION"
cp htmx/package/dist/htmx.min.js htmx/package/LICENSE "$vendor/htmx.org@$HTMX_VERSION/"
cp sse/package/sse.js sse/package/LICENSE "$vendor/htmx-ext-sse@$HTMX_SSE_VERSION/"
cp axe/package/axe.min.js axe/package/LICENSE axe/package/LICENSE-3RD-PARTY.txt \
  "$test_vendor/axe-core@$AXE_VERSION/"

for dir in "$vendor" "$test_vendor"; do
  (cd "$dir" && find . -type f ! -name SHA256SUMS | sort | xargs sha256sum >SHA256SUMS)
done
echo "vendored into $vendor and $test_vendor"
