"""Leaflet for the exported pages: CDN links online, the library itself inlined offline.

Offline maps carry Leaflet's JavaScript and stylesheet inside the HTML file, taken from the
``XStatic-Leaflet`` package (Leaflet's release files shipped as Python package data), with the
stylesheet's images turned into ``data:`` URLs. Folium's own default extras (jQuery, Bootstrap,
Font Awesome, awesome-markers) are never added: the exported pages do not use them.
"""

from __future__ import annotations

import base64
import functools
import re
from pathlib import Path

from groundstation.export.model import ExportError

LEAFLET_VERSION = "1.9.3"  # the version folium links to, and the one XStatic-Leaflet ships
LEAFLET_JS_URL = f"https://cdn.jsdelivr.net/npm/leaflet@{LEAFLET_VERSION}/dist/leaflet.js"
LEAFLET_CSS_URL = f"https://cdn.jsdelivr.net/npm/leaflet@{LEAFLET_VERSION}/dist/leaflet.css"

_CSS_URL_RE = re.compile(r"url\((images/[A-Za-z0-9_.-]+\.png)\)")


def _leaflet_dir() -> Path:
    try:
        import xstatic.pkg.leaflet as leaflet_pkg
    except ImportError:
        raise ExportError(
            "--offline needs the XStatic-Leaflet package (pip install XStatic-Leaflet)"
        ) from None
    return Path(leaflet_pkg.BASE_DIR)


@functools.cache
def offline_leaflet() -> tuple[str, str]:
    """Leaflet's JavaScript and CSS (images inlined), ready to put in ``<script>``/``<style>``.

    Raises :class:`ExportError` if the package is missing or its files cannot be used inline.
    """
    base = _leaflet_dir()
    try:
        js = (base / "leaflet.js").read_text(encoding="utf-8")
        css = (base / "leaflet.css").read_text(encoding="utf-8")
    except OSError as exc:
        raise ExportError(f"cannot read Leaflet's files from XStatic-Leaflet: {exc}") from None

    def inline(match: re.Match[str]) -> str:
        data = (base / match.group(1)).read_bytes()
        return f"url(data:image/png;base64,{base64.b64encode(data).decode('ascii')})"

    css = _CSS_URL_RE.sub(inline, css)
    if "</script" in js.lower() or "</style" in css.lower():
        raise ExportError("Leaflet's files cannot be inlined safely (they close their element)")
    return js, css
