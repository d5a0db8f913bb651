"""Where the tests find the repository, the sample logs and the shared NMEA corpus.

A module of its own, because ``conftest`` is not importable by name once several folders have
one.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("GROUNDSTATION_CORPUS", REPO.parent / "shared" / "corpus"))
SAMPLE_LOGS = REPO / "sample_logs"
