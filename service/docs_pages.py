"""The API docs pages (Scalar at ``/schema``, Swagger UI at ``/schema/swagger``) on assets the
app serves itself.

The pages' scripts and styles are vendored, pinned, under ``service/static/vendor/`` by
``scripts/vendor_docs_assets.sh`` (from the npm registry, with their licences): they work on
a network with no internet, as many government networks are, and run no third-party code that
could change under us. A version is part of each URL, so the files are served with a
year-long immutable cache.
"""

from pathlib import Path

from litestar import Router
from litestar.datastructures import CacheControlHeader
from litestar.openapi.plugins import OpenAPIRenderPlugin, ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.static_files import create_static_files_router

# Keep in step with scripts/vendor_docs_assets.sh.
SWAGGER_UI_VERSION = "5.35.0"
SCALAR_VERSION = "1.76.0"

STATIC_PATH = "/static"
STATIC_ROOT = Path(__file__).parent / "static"
_VENDOR = f"{STATIC_PATH}/vendor"
_SWAGGER = f"{_VENDOR}/swagger-ui-dist@{SWAGGER_UI_VERSION}"
_SCALAR = f"{_VENDOR}/scalar-api-reference@{SCALAR_VERSION}"


def docs_render_plugins() -> list[OpenAPIRenderPlugin]:
    return [
        ScalarRenderPlugin(
            js_url=f"{_SCALAR}/standalone.js",
            css_url=f"{STATIC_PATH}/docs/scalar.v1.css",
            # Scalar's default fonts come from its own CDN; the system's fonts do.
            options={"withDefaultFonts": False},
            favicon="",
        ),
        SwaggerRenderPlugin(
            path="/swagger",
            js_url=f"{_SWAGGER}/swagger-ui-bundle.js",
            css_url=f"{_SWAGGER}/swagger-ui.css",
            standalone_preset_js_url=f"{_SWAGGER}/swagger-ui-standalone-preset.js",
            favicon="",
        ),
    ]


def static_files_router() -> Router:
    return create_static_files_router(
        path=STATIC_PATH,
        directories=[STATIC_ROOT],
        cache_control=CacheControlHeader(max_age=365 * 24 * 3600, public=True, immutable=True),
        include_in_schema=False,
    )
