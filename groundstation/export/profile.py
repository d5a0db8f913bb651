"""The altitude-versus-time chart of an exported map: inline SVG drawn here, no scripts.

Each flight is one line in its own colour, simplified (Douglas-Peucker in chart pixels) so a
long flight stays a few kilobytes; its burst and landing (or last fix) are marked. Text that
came from the air (callsigns) goes through :func:`html.escape`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from html import escape

import numpy as np

from groundstation.export.colors import FLIGHT_COLOURS
from groundstation.export.model import FlightExport
from groundstation.export.simplify import simplify_xy

WIDTH, HEIGHT = 440, 170
LEFT, RIGHT, TOP, BOTTOM = 44, 10, 10, 34
PIXEL_TOLERANCE = 0.35
_TIME_STEPS_MIN = (1, 2, 5, 10, 15, 20, 30, 60, 120, 180, 360, 720, 1440)
_ALT_STEPS_M = (10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000)


def _nice(span: float, steps: Sequence[float], max_ticks: int) -> float:
    for step in steps:
        if span / step <= max_ticks:
            return step
    return steps[-1]


MAX_LABELS = 6


def altitude_profile(exports: Sequence[FlightExport]) -> str:
    """An ``<svg>`` element with every flight's altitude over time (UTC)."""
    if not exports:
        return ""
    start = min(e.flight.start_time for e in exports)
    end = max(e.flight.end_time for e in exports)
    span_s = max((end - start).total_seconds(), 1.0)
    top_alt = max(max(e.flight.max_alt_m, 1.0) for e in exports)
    alt_step = _nice(top_alt, _ALT_STEPS_M, 5)
    top_alt = math.ceil(top_alt / alt_step) * alt_step
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def px(t: datetime) -> float:
        return LEFT + (t - start).total_seconds() / span_s * plot_w

    def py(alt: float) -> float:
        return TOP + plot_h - max(0.0, min(alt, top_alt)) / top_alt * plot_h

    parts = [
        f'<svg class="gs-profile" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" '
        f'height="{HEIGHT}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        'aria-label="Altitude against time">',
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="#fafafa" '
        'stroke="#bbb"/>',
    ]
    alt = 0.0
    while alt <= top_alt + 1e-6:
        y = py(alt)
        label = f"{alt / 1000:g} km" if alt_step >= 1000 else f"{alt:.0f} m"
        parts.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + plot_w}" y2="{y:.1f}" stroke="#e2e2e2"/>'
            f'<text x="{LEFT - 4}" y="{y + 3:.1f}" text-anchor="end">{label}</text>'
        )
        alt += alt_step
    step_min = _nice(span_s / 60, _TIME_STEPS_MIN, 6)
    midnight = start.replace(hour=0, minute=0, second=0, microsecond=0)
    minutes = math.ceil((start - midnight).total_seconds() / 60 / step_min) * step_min
    tick = midnight + timedelta(minutes=minutes)
    while tick <= end:
        x = px(tick)
        parts.append(
            f'<line x1="{x:.1f}" y1="{TOP + plot_h}" x2="{x:.1f}" y2="{TOP + plot_h + 4}" '
            f'stroke="#888"/><text x="{x:.1f}" y="{TOP + plot_h + 15}" '
            f'text-anchor="middle">{tick:%H:%M}</text>'
        )
        tick += timedelta(minutes=step_min)
    parts.append(f'<text x="{LEFT + plot_w}" y="{HEIGHT - 4}" text-anchor="end">time (UTC)</text>')
    for number, export in enumerate(exports):
        colour = FLIGHT_COLOURS[number % len(FLIGHT_COLOURS)]
        fixes = export.flight.fixes
        seconds = np.array([f.time.timestamp() for f in fixes]) - start.timestamp()
        alts = np.array([f.alt_m if f.alt_m is not None else 0.0 for f in fixes])
        xs = LEFT + seconds / span_s * plot_w
        ys = TOP + plot_h - np.clip(alts, 0.0, top_alt) / top_alt * plot_h
        kept = simplify_xy(xs, ys, PIXEL_TOLERANCE)
        points = " ".join(f"{xs[i]:.1f},{ys[i]:.1f}" for i in kept)
        parts.append(
            f'<polyline class="gs-profile-line" fill="none" stroke="{colour}" '
            f'stroke-width="1.6" points="{points}"><title>{escape(export.label)}</title>'
            "</polyline>"
        )
        flight = export.flight
        if flight.burst is not None:
            parts.append(
                f'<circle cx="{px(flight.burst.time):.1f}" cy="{py(flight.burst.alt_m):.1f}" '
                f'r="3" fill="{colour}"><title>burst at {flight.burst.alt_m:,.0f} m</title>'
                "</circle>"
            )
        if flight.landing is None:
            last = flight.last
            parts.append(
                f'<circle cx="{px(last.time):.1f}" cy="{py(last.alt_m):.1f}" r="3" '
                f'fill="#fff" stroke="{colour}"><title>{escape(flight.end_reason)}</title>'
                "</circle>"
            )
        if 1 < len(exports) <= MAX_LABELS:  # a fleet's names would overprint: hover for them
            parts.append(
                f'<text x="{LEFT + 6}" y="{TOP + 12 + 12 * number}" fill="{colour}">'
                f"{escape(export.label)}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)
