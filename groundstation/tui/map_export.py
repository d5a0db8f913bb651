"""The ``m`` key: export the selected flight's HTML map through groundstation.export (issue 6).

The export package is built separately; until it offers ``export_map`` this says so. Its exact
signature is not settled, so the call passes only the arguments ``export_map`` names among the
ones the live view can offer. The file name never contains the callsign (telemetry is untrusted).
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from groundstation.models import Fix

NOT_AVAILABLE = "map export not available yet"


def find_exporter() -> Any | None:
    try:
        module = importlib.import_module("groundstation.export")
    except ImportError:
        return None
    return getattr(module, "export_map", None)


def export_selected(
    tracker: str, fixes: Sequence[Fix], db_path: str | None, now: datetime, folder: Path
) -> str:
    """Export one tracker's map; return the message for the status line."""
    exporter = find_exporter()
    if exporter is None:
        return NOT_AVAILABLE
    out = folder / f"flight-map-{now:%Y%m%dT%H%M%SZ}.html"
    offered: dict[str, Any] = {
        "tracker": tracker,
        "fixes": list(fixes),
        "db": db_path,
        "db_path": db_path,
        "path": out,
        "out": out,
        "output": out,
        "out_path": out,
    }
    try:
        params = inspect.signature(exporter).parameters
        kwargs = {name: offered[name] for name in params if name in offered}
        result = exporter(**kwargs)
    except Exception as exc:  # the view stays up; say what went wrong
        return f"map export failed: {exc}"
    written = result if isinstance(result, str | Path) else out
    return f"map written to {written}"
