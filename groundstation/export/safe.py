"""Making untrusted text safe where exports put it: HTML, inline scripts and file names.

Callsigns, comments and telemetry values come from the air, and anyone with a radio can send
them. In an exported page they are only ever shown as text:

- in HTML markup, through :func:`html.escape` (quotes included);
- inside ``<script>``, as JSON in which ``<``, ``>``, ``&`` and the two JavaScript line
  separators are ``\\u`` escapes, so no string can close the script element or start markup
  (:func:`js_literal`); the page's own code then puts strings into the DOM with
  ``textContent``, never ``innerHTML``;
- in a file name, through :func:`safe_filename`, which keeps letters, digits, ``-``, ``_`` and
  ``.`` and nothing that could climb out of a folder.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

_JS_UNSAFE = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_JS_UNSAFE_RE = re.compile("[<>&\u2028\u2029]")


def js_literal(value: Any) -> str:
    """``value`` as a JavaScript expression that is safe inside an HTML ``<script>`` element.

    JSON is valid JavaScript; escaping ``<``, ``>`` and ``&`` as ``\\u`` sequences keeps any
    ``</script>`` or ``<!--`` in a string from reaching the HTML parser, and the strings
    decode back to exactly what was given. NaN and infinities become ``null``.
    """
    text = json.dumps(_finite(value), ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return _JS_UNSAFE_RE.sub(lambda m: _JS_UNSAFE[m.group(0)], text)


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else None
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


_UNSAFE_NAME_RE = re.compile(r"[^A-Za-z0-9._-]+")
_MAX_NAME = 80


def safe_filename(text: str, suffix: str = "", fallback: str = "flight") -> str:
    """A file name made from untrusted ``text``: no path separators, control characters,
    leading dots or reserved names; at most 80 characters before ``suffix``.

    Accented letters lose their accents; every other run of unsafe characters becomes ``_``.
    """
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    name = _UNSAFE_NAME_RE.sub("_", plain).strip("._-")[:_MAX_NAME].strip("._-")
    if not name or name.upper().split(".")[0] in _RESERVED:
        name = fallback
    return name + suffix


# Names Windows refuses whatever the extension (a shared file may be opened there).
_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {f"{d}{i}" for d in ("COM", "LPT") for i in range(10)}


def plain_text(text: str) -> str:
    """Untrusted text for a title or label: control characters become spaces (escape it too)."""
    cleaned = "".join(" " if unicodedata.category(c) in ("Cc", "Cf") else c for c in text)
    return " ".join(cleaned.split())


# Characters XML 1.0 cannot carry even escaped: C0 controls other than tab, LF and CR,
# surrogates, U+FFFE and U+FFFF.
_XML_INVALID_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """Untrusted text that XML can carry: characters XML 1.0 forbids become U+FFFD.

    Markup characters are left to the XML writer (``xml.etree`` escapes them).
    """
    return _XML_INVALID_RE.sub("\ufffd", text)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def csv_text(text: str) -> str:
    """Untrusted text for a spreadsheet cell: a leading ``'`` stops ``=``, ``+``, ``-``, ``@``
    (and tab/CR) from starting a formula when the CSV is opened in a spreadsheet."""
    return "'" + text if text.startswith(_FORMULA_START) else text
