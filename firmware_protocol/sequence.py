"""Counting lost packets from sequence-number gaps, per callsign."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from firmware_protocol.fields import SEQ_MODULUS, check_seq

SequenceKind = Literal["first", "next", "gap", "duplicate", "late", "restart"]


@dataclass(frozen=True, slots=True)
class SequenceEvent:
    """What one received sequence number meant.

    ``lost`` is how many packets this observation adds to the loss count (negative when a
    late packet fills a gap that had been counted as lost).
    """

    kind: SequenceKind
    lost: int


_FIRST, _NEXT, _DUPLICATE = (SequenceEvent(kind, 0) for kind in ("first", "next", "duplicate"))
"""The commonest events, made once (events are immutable): nearly every packet is the next."""


@dataclass(frozen=True)
class SequenceStats:
    received: int
    lost: int
    duplicates: int
    late: int
    restarts: int


@dataclass
class _State:
    last: int
    received: int = 1
    lost: int = 0
    duplicates: int = 0
    late: int = 0
    restarts: int = 0
    missing: set[int] = field(default_factory=set)
    recent: list[int] = field(default_factory=list)


class SequenceTracker:
    """Per-callsign loss accounting from 16-bit sequence numbers that wrap 65535 -> 0.

    - a forward step of 1..``max_gap`` counts the skipped numbers as lost;
    - a number seen again among the last ``window`` received is a duplicate;
    - a number up to ``window`` behind the newest that was counted lost arrived late: it is
      taken off the loss count;
    - any other jump (backwards further than ``window``, e.g. a tracker reboot to 0, or
      forward more than ``max_gap``) is a restart: counting resumes from it, with no losses.
    """

    def __init__(self, window: int = 64, max_gap: int = 4096) -> None:
        if not 1 <= window < max_gap < SEQ_MODULUS // 2:
            raise ValueError("need 1 <= window < max_gap < 32768")
        self.window = window
        self.max_gap = max_gap
        self._states: dict[str, _State] = {}

    def observe(self, callsign: str, seq: int) -> SequenceEvent:
        check_seq(seq)
        state = self._states.get(callsign)
        if state is None:
            self._states[callsign] = _State(last=seq, recent=[seq])
            return _FIRST
        ahead = (seq - state.last) % SEQ_MODULUS
        behind = (state.last - seq) % SEQ_MODULUS
        if ahead == 0 or (behind <= self.window and seq in state.recent):
            state.duplicates += 1
            return _DUPLICATE
        state.received += 1
        self._remember(state, seq)
        if 1 <= ahead <= self.max_gap:
            skipped = ahead - 1
            for step in range(1, min(skipped, self.window) + 1):
                state.missing.add((state.last + step) % SEQ_MODULUS)
            state.last = seq
            if not skipped:
                if state.missing:
                    self._forget_old_missing(state)
                return _NEXT
            state.lost += skipped
            self._forget_old_missing(state)
            return SequenceEvent("gap", skipped)
        if behind <= self.window:
            state.late += 1
            if seq in state.missing:
                state.missing.discard(seq)
                state.lost -= 1
                return SequenceEvent("late", -1)
            return SequenceEvent("late", 0)
        state.restarts += 1
        state.last = seq
        state.missing.clear()
        state.recent = [seq]
        return SequenceEvent("restart", 0)

    def is_next(self, callsign: str, seq: int) -> bool:
        """``seq`` comes right after the callsign's last number, with none missing (the
        commonest case: :meth:`observe` would count nothing lost)."""
        state = self._states.get(callsign)
        return state is not None and not state.missing and (seq - state.last) % SEQ_MODULUS == 1

    def advance(self, callsign: str, seq: int) -> None:
        """:meth:`observe` of a number :meth:`is_next` said is next, without its event (the
        event says "next", nothing lost)."""
        state = self._states[callsign]
        state.received += 1
        self._remember(state, seq)
        state.last = seq

    def _remember(self, state: _State, seq: int) -> None:
        state.recent.append(seq)
        if len(state.recent) > self.window:
            del state.recent[0]

    def _forget_old_missing(self, state: _State) -> None:
        state.missing = {s for s in state.missing if (state.last - s) % SEQ_MODULUS <= self.window}

    def stats(self, callsign: str) -> SequenceStats | None:
        """Counts for a callsign, or None if it was never seen."""
        state = self._states.get(callsign)
        if state is None:
            return None
        return SequenceStats(
            state.received, state.lost, state.duplicates, state.late, state.restarts
        )

    def callsigns(self) -> list[str]:
        return sorted(self._states)
