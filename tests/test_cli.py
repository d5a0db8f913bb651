from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import click
import pytest
from trackgen import write_track

from groundstation.cli import main
from groundstation.ingest import open_store, replay_file
from groundstation.pipeline import Pipeline


def gs(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """The installed command, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "groundstation", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        timeout=60,
    )


def test_every_command_has_help_with_an_example() -> None:
    ctx = click.Context(main)
    assert main.help and "Example:" in main.help
    names = main.list_commands(ctx)  # (as --help lists them: most are imported when used)
    assert {"import", "status", "demo", "campaign", "export", "flights"} <= set(names)
    for name in names:
        command = main.get_command(ctx, name)
        assert command is not None and command.name == name
        assert command.help and f"groundstation {name}" in command.help, f"{name}: no example"
        assert command.get_help(ctx)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["import", "nope.log"], "Error: Invalid value for FILES: nope.log is not a readable file"),
        (["import"], "Error: Missing argument 'FILES...'."),
        (
            ["replay", "--speed", "-1", "x.log"],
            "Error: Invalid value for '--speed': -1.0 is not in the range x>=0.",
        ),
        (
            ["listen", "/dev/null", "--baud", "0"],
            "Error: Invalid value for '--baud': 0 is not in the range x>=50.",
        ),
        (["frobnicate"], "Error: No such command 'frobnicate'."),
    ],
)
def test_a_wrong_argument_gets_one_plain_sentence_and_exit_2(
    args: list[str], message: str, tmp_path: Path
) -> None:
    result = gs("--db", str(tmp_path / "x.db"), *args)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1 and result.stderr.startswith(message)
    assert "Traceback" not in result.stderr


def test_database_problems_are_one_plain_sentence(tmp_path: Path) -> None:
    log = write_track(tmp_path / "f.log", 3)
    missing = gs("--db", str(tmp_path / "no" / "such" / "dir.db"), "import", str(log))
    assert missing.returncode == 1
    assert missing.stderr.strip() == (
        f"Error: cannot create the database {tmp_path}/no/such/dir.db: the folder"
        f" {tmp_path}/no/such does not exist"
    )
    not_db = tmp_path / "notes.txt"
    not_db.write_text("shopping list\n" * 100)
    bad = gs("--db", str(not_db), "import", str(log))
    assert (
        bad.returncode == 1
        and bad.stderr.strip()
        == f"Error: {not_db} is not a groundstation database (or it is damaged)"
    )
    assert gs("--db", str(tmp_path / "none.db"), "status").stderr.strip() == (
        f"Error: no database at {tmp_path}/none.db: import or listen first"
    )


def test_the_db_comes_from_the_environment_when_not_given(tmp_path: Path) -> None:
    log = write_track(tmp_path / "f.log", 3)
    env_db = tmp_path / "from-env.db"
    result = gs("import", str(log), env={"GROUNDSTATION_DB": str(env_db)}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert env_db.exists() and not (tmp_path / "groundstation.db").exists()
    default = gs("import", str(log), cwd=tmp_path, env={"GROUNDSTATION_DB": ""})
    assert default.returncode == 0 and (tmp_path / "groundstation.db").exists()


def test_status_reports_sources_trackers_and_rejects(cli: Any, tmp_path: Path) -> None:
    log = write_track(tmp_path / "flight.log", 10)
    with log.open("a") as fh:
        fh.write("$GPGGA,garbage*00\r\nnot nmea at all\r\n")
    assert cli("import", str(log), "--tracker", "HAB-7").exit_code == 0
    text = cli("status")
    assert text.exit_code == 0
    assert "flight.log (file): 32 lines, 30 ok, 2 rejected" in text.output
    assert (
        "HAB-7: 32 lines, 10 fixes, 2 rejected;"
        " 2024-06-01T10:00:00.000Z .. 2024-06-01T10:00:09.000Z" in text.output
    )
    assert "1  bad checksum" in text.output and "1  not an NMEA sentence" in text.output
    data = json.loads(cli("status", "--json").output)
    (tracker,) = data["trackers"]
    assert tracker["name"] == "HAB-7" and tracker["fixes"] == 10
    assert tracker["rejects_by_reason"] == {"bad checksum": 1, "not an NMEA sentence": 1}
    assert tracker["last_position"]["time"] == "2024-06-01T10:00:09.000Z"
    assert tracker["last_position"]["alt_m"] == 145.0
    (source,) = data["sources"]
    assert source["lines"] == 32 and source["complete"] is True


def test_ports_lists_what_the_machine_has() -> None:
    result = gs("ports", "--json")
    assert result.returncode == 0
    ports = json.loads(result.stdout)
    assert isinstance(ports, list)
    assert all({"device", "vid_pid", "serial_number", "description"} <= set(p) for p in ports)
    plain = gs("ports")
    assert plain.returncode == 0 and plain.stdout.strip()


def test_replay_is_paced_by_sentence_times(db_path: Path, tmp_path: Path) -> None:
    log = write_track(tmp_path / "flight.log", 101)  # 100 s of flight
    now = [0.0]
    waits: list[float] = []

    def sleep(s: float) -> None:
        waits.append(s)
        now[0] += s

    store = open_store(db_path)
    seen: list[int] = []
    pipeline = Pipeline()
    pipeline.subscribe(lambda batch: seen.append(len(batch)))
    result = replay_file(pipeline, store, log, speed=10, clock=lambda: now[0], sleep=sleep)
    assert result.counts.fixes == 101
    assert now[0] == pytest.approx(10.0)  # 100 s of log at 10x
    assert len(waits) == 100
    assert sum(seen) == 303
    store.close()


def test_replay_at_speed_0_does_not_wait(cli: Any, tmp_path: Path) -> None:
    log = write_track(tmp_path / "flight.log", 50)
    result = cli("replay", str(log), "--speed", "0")
    assert result.exit_code == 0
    assert result.output.strip() == "flight.log: 150 lines, 50 fixes, 0 rejected"


def test_stop_interrupts_a_replay(db_path: Path, tmp_path: Path) -> None:
    log = write_track(tmp_path / "flight.log", 100)
    store = open_store(db_path)
    stop = threading.Event()
    pipeline = Pipeline()
    pipeline.subscribe(lambda batch: stop.set())
    replay_file(pipeline, store, log, speed=1, stop=stop)  # would take 100 s if not stopped
    store.close()


def test_a_log_that_never_says_its_date_can_be_told(
    cli: Any, db_path: Path, tmp_path: Path
) -> None:
    from firmware_protocol import encode_ukhas

    log = tmp_path / "ukhas.log"
    log.write_text(
        encode_ukhas("UKHAB", 1, None, None, None, None)
        + "\n"
        + encode_ukhas("UKHAB", 2, __import__("datetime").time(23, 59, 59), 52.0, 0.1, 100.0)
        + "\n"
    )
    assert cli("import", str(log), "--date", "2023-07-14").exit_code == 0
    data = json.loads(cli("status", "--json").output)
    (tracker,) = data["trackers"]
    assert tracker["last_position"]["time"] == "2023-07-14T23:59:59.000Z"
    assert tracker["packets"] == 0 and tracker["packets_lost"] == 0
    bad = cli("import", str(log), "--date", "14/07/2023")
    assert bad.exit_code == 2 and "'14/07/2023' does not match the format '%Y-%m-%d'" in bad.output
