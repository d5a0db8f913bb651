"""Exported maps opened in a real headless Chromium with no network at all."""

from __future__ import annotations

import html
import re
from pathlib import Path

from export_kit import HOSTILE, chromium, drawn_tracks

from groundstation.export import FlightExport, Station, build_map

_TRACK_PATH_RE = re.compile(r'<path[^>]*class="[^"]*\bgs-track\b[^"]*"[^>]*>')
_D_RE = re.compile(r'\sd="([^"]*)"')

# Opens every popup and tooltip once the map is drawn, so their contents are in the DOM.
OPEN_EVERYTHING = """
<script>
window.addEventListener("load", function () {
  var map = window[document.querySelector(".folium-map").id];
  map.eachLayer(function (layer) {
    var popup = layer.getPopup && layer.getPopup();
    if (popup) { popup.options.autoClose = false; popup.options.closeOnClick = false;
                 layer.openPopup(); }
    var tooltip = layer.getTooltip && layer.getTooltip();
    if (tooltip) { tooltip.options.permanent = true; layer.openTooltip(); }
  });
  document.body.setAttribute("data-opened", String(document.querySelectorAll(
    ".leaflet-popup").length));
});
</script>
"""


def test_offline_map_draws_its_track_without_network(
    two_flights: list[FlightExport], tmp_path: Path
) -> None:
    page = build_map(two_flights, station=Station(52.1, 0.4, 25.0), offline=True)
    # Nothing is fetched from outside the file (map tiles aside, which are images).
    assert not re.search(r"<script[^>]+src=", page)
    assert not re.search(r"<link[^>]+stylesheet", page)
    assert "@import" not in page and "$(" not in page
    assert len(page.encode()) < 1_000_000

    path = tmp_path / "offline.html"
    path.write_text(page, encoding="utf-8")
    dom = chromium(path)
    drawn = _TRACK_PATH_RE.findall(dom)
    expected = drawn_tracks(page)
    assert len(expected) >= 10  # two flights, each several altitude bands
    assert len(drawn) == len(expected)
    # Every piece is a real line on screen, and together they span the view.
    xs: list[int] = []
    ys: list[int] = []
    for tag in drawn:
        d = _D_RE.search(tag)
        assert d is not None and re.fullmatch(r"M-?\d+ -?\d+(L-?\d+ -?\d+)+", d.group(1))
        numbers = [int(n) for n in re.findall(r"-?\d+", d.group(1))]
        xs += numbers[0::2]
        ys += numbers[1::2]
    assert max(max(xs) - min(xs), max(ys) - min(ys)) > 150
    numbers = re.findall(r'class="[^"]*\bgs-number\b', dom)
    assert len(numbers) == sum(len(f.predictions) for f in two_flights) > 10
    assert "Altitude" in dom and "gs-profile-line" in dom  # legend and profile
    assert dom.count("leaflet-control-layers-selector") >= 5  # tiles, 2 flights, 2 guesses...


def test_online_map_links_only_leaflet(two_flights: list[FlightExport]) -> None:
    page = build_map(two_flights[:1])
    sources = re.findall(r'<script[^>]+src="([^"]+)"', page)
    sheets = re.findall(r'<link[^>]+href="([^"]+)"', page)
    assert sources == ["https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"]
    assert sheets == ["https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css"]


def test_hostile_callsigns_show_as_text_and_run_nothing(
    hostile_flights: list[FlightExport], tmp_path: Path
) -> None:
    page = build_map(
        hostile_flights, station=Station(52.0, 0.3), offline=True, title=HOSTILE[1] + HOSTILE[3]
    )
    path = tmp_path / "hostile.html"
    path.write_text(page.replace("</body>", OPEN_EVERYTHING + "</body>"), encoding="utf-8")
    dom = chromium(path)
    body = re.search(r"<body[^>]*>", dom)
    assert body is not None and "data-opened" in body.group(0)  # the page's scripts ran...
    assert 'data-pwned="' not in dom  # ...and no injected one did
    assert 'data-opened="' in dom and 'data-opened="0"' not in dom  # popups really opened
    assert "<img src" not in dom and "<svg onload" not in dom
    # The strings are shown, as text, in the layer control, popups, summary and profile.
    for text in (HOSTILE[0], HOSTILE[2]):
        assert dom.count(html.escape(text, quote=False)) >= 3
    assert html.escape(HOSTILE[1], quote=False) in dom  # a telemetry key in a popup
    title = re.search(r"<title>(.*?)</title>", dom, re.S)
    assert title is not None and "&lt;/script&gt;" in title.group(1)
