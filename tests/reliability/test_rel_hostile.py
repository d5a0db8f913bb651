"""Hostile telemetry through ingest and every CLI output that exists (status, import, listen).

Protections checked:

- the callsign rule of our protocol and UKHAS (``[A-Za-z0-9_-]{1,16}``) and the byte check of
  the decoder: a line naming itself with HTML, markup, escapes, NUL, 10 kB or a path is
  rejected with a reason, never becomes a tracker, and its raw text is stored byte for byte;
- extras are stored exactly as sent (JSON in ``telemetry.extra``), however hostile;
- ``_safe`` in the CLI: no output of ``status`` (text and ``--json``), ``import`` or ``listen``
  contains a raw control character (ESC, BEL, NUL, CR, ...), whatever the tracker, file or port
  is called; ``--json`` stays valid JSON that gives the exact names back;
- Rich markup in a file name is shown as text on the import progress bar (``rich.markup
  .escape``): no hyperlink escape (OSC 8) or style reaches the terminal.

The TUI and export checks at the end run only where those packages exist.
"""

from __future__ import annotations

import json
import os
import pty
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from hostile import (
    ARGV_TEXTS,
    CALLSIGN_OK,
    FILE_NAMES,
    PHABT_EXTRAS,
    TEXTS,
    UKHAS_EXTRAS,
    hostile_callsign_lines,
    phabt_extras_lines,
    plain_nmea,
    ukhas_extras_lines,
)
from relhelpers import CONTROL, Listening, cli_argv, rows, run_cli, wait_read, wait_until
from test_listen import Radio

from firmware_protocol.fields import CALLSIGN_RE as CALLSIGN

Cli = Callable[..., Result]


def harmless(text: str) -> None:
    found = CONTROL.search(text)
    assert found is None, f"raw control character {found.group()!r} in output: {text[:300]!r}"


def stored_bytes(db: Path) -> int:
    """Bytes of raw text stored so far (SQLite's length() stops at a NUL; Python's does not)."""
    if not db.exists():
        return 0
    try:
        return sum(len(r[0]) for r in rows(db, "SELECT text FROM raw_lines"))
    except sqlite3.OperationalError:  # the listener has not made its tables yet
        return 0


def write_log(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"\r\n".join(lines) + b"\r\n")
    return path


def test_hostile_callsigns_are_rejected_with_a_reason_and_stored_exactly(
    cli: Cli, db_path: Path, tmp_path: Path
) -> None:
    lines = hostile_callsign_lines()
    log = write_log(tmp_path / "callsigns.log", lines)
    result = cli("import", str(log))
    assert result.exit_code == 0, result.output
    harmless(result.output)
    stored = rows(db_path, "SELECT text, status, reason FROM raw_lines ORDER BY line_no")
    # the framer splits at CR/LF and '$' and caps lines at 256 bytes: compare the bytes joined
    got = b"".join(r[0].encode("latin-1") for r in stored)
    assert got == b"".join(line.replace(b"\r", b"").replace(b"\n", b"") for line in lines)
    # only the lines whose "hostile" name happens to be a valid callsign (NULL, CON) pass
    valid = {line for line, text in zip(lines[::2], TEXTS, strict=True) if CALLSIGN.fullmatch(text)}
    valid |= {
        line for line, text in zip(lines[1::2], TEXTS, strict=True) if CALLSIGN.fullmatch(text)
    }
    assert {r[0].encode("latin-1") for r in stored if r[1] == "ok"} == valid
    assert all(r[2] for r in stored if r[1] == "rejected")
    trackers = {r[0] for r in rows(db_path, "SELECT name FROM trackers")}
    assert not trackers & {t for t in TEXTS if not CALLSIGN.fullmatch(t)}, trackers


def test_hostile_extras_are_stored_exactly_as_sent(cli: Cli, db_path: Path, tmp_path: Path) -> None:
    for name, lines in (("phabt", phabt_extras_lines()), ("ukhas", ukhas_extras_lines())):
        result = cli("import", str(write_log(tmp_path / f"{name}.log", lines)))
        assert result.exit_code == 0, result.output
        harmless(result.output)
    extras = [json.loads(r[0]) for r in rows(db_path, "SELECT extra FROM telemetry ORDER BY id")]
    assert [e["note"] for e in extras if "note" in e] == PHABT_EXTRAS
    assert [e["field7"] for e in extras if "field7" in e] == UKHAS_EXTRAS
    assert rows(db_path, "SELECT count(*) FROM raw_lines WHERE status != 'ok'") == [(0,)]
    names = {r[0] for r in rows(db_path, "SELECT name FROM trackers")}
    assert {CALLSIGN_OK, "UKHOSTILE"} <= names
    for args in (("status",), ("status", "--json")):
        status = cli(*args)
        assert status.exit_code == 0
        harmless(status.output)
    data = json.loads(cli("status", "--json").output)
    assert {CALLSIGN_OK, "UKHOSTILE"} <= {t["name"] for t in data["trackers"]}


def test_ukhas_sentences_on_a_link_that_carried_our_packets_are_decoded(
    cli: Cli, db_path: Path, tmp_path: Path
) -> None:
    """Fails today (groundstation/decoding/packets.py): once a link has carried a $PHAB packet,
    ``PacketAssembler.feed`` holds every later ``$`` line outside a packet as an orphan of a
    lost header, UKHAS ``$$`` sentences included, and rejects them as "sentence outside a
    packet" although each names its tracker and carries its own CRC16. A receiver hearing a
    UKHAS tracker and one of ours loses all the UKHAS data after our first packet."""
    lines = phabt_extras_lines()[:4] + ukhas_extras_lines()[:3]
    assert cli("import", str(write_log(tmp_path / "mixed.log", lines))).exit_code == 0
    got = rows(db_path, "SELECT status, reason FROM raw_lines WHERE text LIKE '$$%'")
    assert got == [("ok", None)] * 3


def test_hostile_tracker_and_file_names_are_harmless_in_import_and_status(
    cli: Cli, db_path: Path, tmp_path: Path
) -> None:
    """Imports in-process (fast); ``status`` also as a real process, so what reaches stdout and
    stderr is exactly what a terminal gets."""
    nmea = "\r\n".join(plain_nmea()).encode()
    outputs = []
    for n, name in enumerate(ARGV_TEXTS):
        log = tmp_path / f"t{n}.log"
        log.write_bytes(nmea + b"\r\n" + f"$GPTXT,{n}*00".encode() + b"\r\n")  # each file unique
        result = cli("import", "--tracker", name, str(log))
        assert result.exit_code == 0, result.output
        outputs.append(result.output)
    folder = tmp_path / "named"
    folder.mkdir()
    for n, file_name in enumerate(FILE_NAMES):
        log = folder / file_name
        log.write_bytes(nmea + b"\r\n" + f"$GPTXT,f{n}*00".encode() + b"\r\n")
        result = run_cli(db_path, "import", str(log)) if n == 0 else None
        if result is not None:
            assert result.returncode == 0, result.stderr
            outputs.append(result.stdout + result.stderr)
        else:
            in_process = cli("import", str(log))
            assert in_process.exit_code == 0, in_process.output
            outputs.append(in_process.output)
    outputs += [cli("status").output, cli("status", "--json").output]
    text = run_cli(db_path, "status")
    as_json = run_cli(db_path, "status", "--json")
    assert text.returncode == 0 and as_json.returncode == 0, text.stderr + as_json.stderr
    for out in [*outputs, text.stdout, text.stderr, as_json.stdout, as_json.stderr]:
        harmless(out)
    data = json.loads(as_json.stdout)
    assert {t["name"] for t in data["trackers"]} >= set(ARGV_TEXTS)
    assert {s["name"] for s in data["sources"]} >= set(FILE_NAMES)
    stored = {r[0] for r in rows(db_path, "SELECT name FROM trackers")}
    assert stored >= set(ARGV_TEXTS)
    # names are data, never paths: nothing appeared but the logs, the folder and the database
    logs = {f"t{n}.log" for n in range(len(ARGV_TEXTS))}
    made = {p.name for p in tmp_path.iterdir()} - logs - {"named"}
    assert made <= {db_path.name, f"{db_path.name}-wal", f"{db_path.name}-shm"}, made
    assert sorted(p.name for p in folder.iterdir()) == sorted(FILE_NAMES)


def test_listen_output_is_harmless_whatever_the_port_is_called_and_sends(tmp_path: Path) -> None:
    db = tmp_path / "live.db"
    radio = Radio(tmp_path / "radio\x1b[2J[bold red]X\x07")
    listen = Listening(db, str(radio.link), "--tracker", "</script>\x1b]0;t\x07")
    lines = hostile_callsign_lines() + phabt_extras_lines()
    sent = b"".join(line.replace(b"\r", b"").replace(b"\n", b"") for line in lines)
    try:
        listen.wait_for(": open")
        os.write(radio.master, b"\r\n".join(lines) + b"\r\n")
        wait_read(radio)
        wait_until(lambda: stored_bytes(db) == len(sent), "the listener did not store it all")
    finally:
        code, out = listen.stop()
        radio.unplug()
    assert code == 0, listen.stderr
    assert out.startswith("Stopped: ")
    for line in [out, *listen.stderr]:
        harmless(line)
    assert "\\x1b[2J" in out  # the escape is shown as text
    texts = [r[0] for r in rows(db, "SELECT text FROM raw_lines ORDER BY line_no")]
    joined = b"".join(t.encode("latin-1") for t in texts)
    assert joined == sent


def test_markup_in_a_file_name_is_shown_as_text_on_the_progress_bar(tmp_path: Path) -> None:
    """In a real terminal (a pty), where Rich draws the progress bar with escape codes."""
    log = tmp_path / "[link=http:evil]y[blink]z.log"
    log.write_bytes(b"\r\n".join(line.encode() for line in plain_nmea(2000)) + b"\r\n")
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        cli_argv(tmp_path / "gs.db", "import", str(log)), stdin=slave, stdout=slave, stderr=slave
    )
    os.close(slave)
    screen = b""
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        screen += data
    os.close(master)
    assert proc.wait(timeout=60) == 0, screen
    assert b"\x1b]8;" not in screen, "a hyperlink escape from the file name reached the terminal"
    assert b"\x1b[5m" not in screen, "the file name's [blink] markup was applied"
    assert b"[link=http:evil]y[blink]z.log" in screen.replace(b"\r\n", b"")


# -- views and exports built by others: the same corpus, where they exist ----------------------
def test_exports_escape_hostile_tracker_names(tmp_path: Path) -> None:
    pytest.importorskip("groundstation.export")
    import xml.etree.ElementTree as ET

    db = tmp_path / "gs.db"
    log = tmp_path / "flight.log"
    made = run_cli(db, "simulate", "--format", "nmea", "--seed", "2", "--interval", "10",
                   "-o", str(log))  # fmt: skip
    assert made.returncode == 0, made.stderr
    name = '<img src=x onerror=alert(1)></script>[bold]\x1b[2J"../../etc/passwd'
    assert run_cli(db, "import", "--tracker", name, str(log)).returncode == 0
    out = tmp_path / "out"
    out.mkdir()
    for kind in ("gpx", "kml", "geojson", "csv", "map"):
        target = out / f"flight.{kind}"
        result = run_cli(db, "export", kind, "latest", "-o", str(target))
        assert result.returncode == 0, result.stderr
        harmless(result.stdout + result.stderr)
        body = target.read_text(encoding="utf-8")
        if kind == "map":  # HTML: the name is text, never markup or the end of a script
            assert "<img src=x" not in body and "</script>[bold]" not in body
            assert "\x1b" not in body
        if kind in ("gpx", "kml"):
            ET.fromstring(body.encode())  # still well-formed XML
            assert "\x1b" not in body  # not even allowed in XML 1.0
        if kind == "geojson":
            assert name in strings(json.loads(body))  # JSON carries the name exactly
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"flight.{k}" for k in ("gpx", "kml", "geojson", "csv", "map")
    )


def strings(value: object) -> set[str]:
    """Every string inside a JSON value."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set().union(*(strings(v) for v in value.values()), set(map(str, value)))
    if isinstance(value, list):
        return set().union(set(), *(strings(v) for v in value))
    return set()
