#!/usr/bin/env bash
# Vendors the API docs pages' assets (Swagger UI at /schema/swagger, Scalar at /schema) into
# service/static/vendor/, pinned, from the npm registry: the app serves them itself, so the
# pages work with no internet and run no unpinned third-party code. Each package lands in a
# directory named after its version (a new version is a new URL: caches never serve a stale
# file). Bump a version here, run this script, and update the versions in service/docs_assets.py.
set -euo pipefail

SWAGGER_UI_VERSION=5.35.0
SCALAR_VERSION=1.76.0

root="$(cd "$(dirname "$0")/.." && pwd)"
vendor="$root/service/static/vendor"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cd "$work"
npm pack --silent "swagger-ui-dist@$SWAGGER_UI_VERSION" "@scalar/api-reference@$SCALAR_VERSION" >/dev/null
mkdir swagger scalar
tar -xzf "swagger-ui-dist-$SWAGGER_UI_VERSION.tgz" -C swagger
tar -xzf "scalar-api-reference-$SCALAR_VERSION.tgz" -C scalar

swagger_out="$vendor/swagger-ui-dist@$SWAGGER_UI_VERSION"
scalar_out="$vendor/scalar-api-reference@$SCALAR_VERSION"
rm -rf "$vendor"/swagger-ui-dist@* "$vendor"/scalar-api-reference@*
mkdir -p "$swagger_out" "$scalar_out"

for file in swagger-ui-bundle.js swagger-ui-standalone-preset.js swagger-ui.css LICENSE NOTICE; do
  cp "swagger/package/$file" "$swagger_out/"
done

cp scalar/package/dist/browser/standalone.js "$scalar_out/"
# The npm package declares "license": "MIT" but ships no licence file: this is the
# repository's LICENSE (github.com/scalar/scalar) as of this version.
cat >"$scalar_out/LICENSE" <<'LICENSE'
MIT License

Copyright (c) 2023-present Scalar

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
LICENSE

(cd "$vendor" && find . -type f ! -name SHA256SUMS | sort | xargs sha256sum >SHA256SUMS)
echo "vendored into $vendor:"
(cd "$vendor" && find . -type f | sort)
