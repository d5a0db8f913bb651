"""Shared fixtures: real SQLite files, the CLI, and the real-world NMEA corpus."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from paths import CORPUS


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "test.db"


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not (CORPUS / "gpsd").is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"the NMEA corpus is missing at {CORPUS}")
        pytest.skip(f"the NMEA corpus is not at {CORPUS}")
    return CORPUS


@pytest.fixture
def cli(db_path: Path) -> Callable[..., Result]:
    """Run the real CLI in-process against the test database."""
    from groundstation.cli import main

    def run(*args: str, input: str | bytes | None = None) -> Result:
        return CliRunner().invoke(main, ["--db", str(db_path), *args], input=input)

    return run
