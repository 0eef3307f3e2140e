"""The pages' static files and their cache-busting URLs.

Everything is served by the app's one static router (``service.docs_pages``, under
``/static``) with a year-long immutable cache, so every URL must change when its file does.
Vendored files carry their version in their directory (``vendor/htmx.org@2.0.11/``,
``scripts/vendor_web_assets.sh``); our own files (``static/web/``) get their content's hash
as a query string from :func:`static_url`, the Jinja global ``static(path)``.
"""

import hashlib
from functools import cache

from service.docs_pages import STATIC_PATH, STATIC_ROOT

# Keep in step with scripts/vendor_web_assets.sh.
HTMX_VERSION = "2.0.11"
HTMX_SSE_VERSION = "2.2.4"
HTMX_JS = f"vendor/htmx.org@{HTMX_VERSION}/htmx.min.js"
HTMX_SSE_JS = f"vendor/htmx-ext-sse@{HTMX_SSE_VERSION}/sse.js"


@cache
def static_url(path: str) -> str:
    """``/static/<path>?v=<first 12 hex of its SHA-256>``; a missing file is a bug in a
    template, so it raises (a test renders every page) rather than linking to nothing."""
    source = (STATIC_ROOT / path).resolve()
    if STATIC_ROOT.resolve() not in source.parents or not source.is_file():
        raise FileNotFoundError(path)
    digest = hashlib.sha256(source.read_bytes()).hexdigest()[:12]
    return f"{STATIC_PATH}/{path}?v={digest}"
