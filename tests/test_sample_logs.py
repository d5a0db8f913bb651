"""The sample flights: reproducible from their documented commands; each imports cleanly."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from paths import SAMPLE_LOGS

from groundstation.cli import main

COMMANDS = re.findall(r"`(groundstation simulate [^`]+)`", (SAMPLE_LOGS / "README.md").read_text())
LOGS = sorted(SAMPLE_LOGS.glob("*.log"))


def test_every_sample_log_is_documented_with_its_command() -> None:
    documented = {shlex.split(c)[-1] for c in COMMANDS}
    assert documented == {p.name for p in LOGS}
    assert all(p.stat().st_size < 2_000_000 for p in LOGS)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: shlex.split(c)[-1])
def test_the_documented_command_makes_the_same_bytes(command: str, tmp_path: Path) -> None:
    args = shlex.split(command)[1:]
    name = args[-1]
    args[-1] = str(tmp_path / name)
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert (tmp_path / name).read_bytes() == (SAMPLE_LOGS / name).read_bytes()


@pytest.mark.parametrize("log", LOGS, ids=lambda p: p.name)
def test_every_sample_log_imports_with_nothing_lost(log: Path, cli: Any) -> None:
    extra = ["--date", "2024-06-01"] if log.name == "ukhas.log" else []
    result = cli("import", str(log), *extra)
    assert result.exit_code == 0, result.output
    status = json.loads(cli("status", "--json").output)
    (source,) = status["sources"]
    framed = [line for line in log.read_bytes().replace(b"\r", b"\n").split(b"\n") if line]
    assert source["lines"] >= len(framed)  # every line kept (a glued line may split in two)
    assert source["lines"] == source["ok"] + source["rejected"]
    trackers = {t["name"]: t for t in status["trackers"]}
    for t in trackers.values():
        if t["fixes"]:
            assert t["first_fix"].startswith("2024-06-01T09:0"), t
    if "noisy" in log.name:
        assert source["rejected"] > 100 and "NOISY1" in trackers and "NOISY2" in trackers
        assert all(trackers[n]["packets_lost"] > 10 for n in ("NOISY1", "NOISY2"))
    else:
        assert source["rejected"] == 0
        assert sum(t["fixes"] for t in trackers.values()) > 1000
