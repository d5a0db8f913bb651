"""Fixtures for the flight tests: emulated flights as logs, imported into real SQLite files.

Logs and their imports are made once per session; tests that change a database copy it first
(see ``fresh_copy``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from emulated import Emulated, emulated, import_log

Imported = tuple[Emulated, Path]


@pytest.fixture(scope="session")
def emulated_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.getbasetemp() / "emulated"


@pytest.fixture(scope="session")
def flight_log(emulated_dir: Path) -> Callable[[str], Emulated]:
    """The emulated scenario of that name (see ``emulated.SCENARIOS``), its log written once."""
    cache: dict[str, Emulated] = {}

    def get(name: str) -> Emulated:
        if name not in cache:
            cache[name] = emulated(name, emulated_dir)
        return cache[name]

    return get


@pytest.fixture(scope="session")
def imported(
    flight_log: Callable[[str], Emulated], tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str], Imported]:
    """A scenario imported into its own database, once per session (treat it as read-only)."""
    cache: dict[str, Imported] = {}

    def get(name: str) -> Imported:
        if name not in cache:
            em = flight_log(name)
            db = tmp_path_factory.mktemp(f"db-{name}") / "flights.db"
            import_log(db, em.log, tracker=em.scenario.tracker)
            cache[name] = (em, db)
        return cache[name]

    return get


@pytest.fixture
def fresh_copy(tmp_path: Path) -> Callable[[Path], Path]:
    """A copy of a database that a test may change."""

    def copy(db: Path) -> Path:
        target = tmp_path / f"copy-{db.parent.name}.db"
        with sqlite3.connect(db) as source, sqlite3.connect(target) as copied:
            source.backup(copied)
        source.close()
        copied.close()
        return target

    return copy
