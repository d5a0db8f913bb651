"""`live --boundary` and the configuration file's [boundary] files reach the live view."""

from __future__ import annotations

from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from fleetgen import write_border

from groundstation.cli import main
from groundstation.cli_live import _settings


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A configuration file naming a border (relative to the file), found through the env."""
    write_border(tmp_path / "border.geojson", name="Config border")
    path = tmp_path / "groundstation.toml"
    path.write_text('[boundary]\nfiles = ["border.geojson"]\n')
    monkeypatch.setenv("GROUNDSTATION_CONFIG", str(path))
    return path


def test_boundaries_come_from_the_configuration_file(config, tmp_path):
    settings = _settings(None, None, str(tmp_path / "x.db"))
    assert [b.name for b in settings.boundaries] == ["Config border"]


def test_boundary_options_replace_the_configuration_files(config, tmp_path):
    a = write_border(tmp_path / "a.geojson", name="A")
    b = write_border(tmp_path / "b.geojson", name="B")
    settings = _settings(None, None, str(tmp_path / "x.db"), (str(a), str(b)))
    assert [x.name for x in settings.boundaries] == ["A", "B"]


def test_a_bad_boundary_file_is_one_sentence_naming_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GROUNDSTATION_CONFIG", raising=False)
    bad = tmp_path / "bad.geojson"
    bad.write_text('{"type": "Point", "coordinates": [0, 0]}')
    result = CliRunner().invoke(
        main, ["--db", str(tmp_path / "x.db"), "live", "--boundary", str(bad)]
    )
    assert result.exit_code == 2
    assert "Invalid value for --boundary: " in result.output
    assert str(bad) in result.output and "Traceback" not in result.output
    (tmp_path / "groundstation.toml").write_text('[boundary]\nfiles = ["bad.geojson"]\n')
    with pytest.raises(click.ClickException, match="from the configuration file"):
        _settings(None, None, str(tmp_path / "x.db"))
