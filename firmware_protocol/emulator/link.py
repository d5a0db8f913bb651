"""Radio link faults applied to the bytes a tracker transmits."""

from __future__ import annotations

import math
import random


def flip_bits(data: bytes, rate: float, rng: random.Random) -> bytes:
    """Flip each bit independently with probability ``rate``."""
    if rate <= 0.0 or not data:
        return data
    out = bytearray(data)
    total = len(out) * 8
    if rate >= 1.0:
        return bytes(b ^ 0xFF for b in out)
    log_keep = math.log1p(-rate)
    position = -1
    while True:
        # distance to the next flipped bit is geometric: one draw per flip, not per bit
        position += 1 + int(math.log(1.0 - rng.random()) / log_keep)
        if position >= total:
            return bytes(out)
        out[position // 8] ^= 1 << (position % 8)


def truncate_line(lines: list[bytes], rng: random.Random) -> list[bytes]:
    """Cut one line short; half the time its line ending is lost too."""
    which = rng.randrange(len(lines))
    line = lines[which]
    body = line.rstrip(b"\r\n")
    cut = rng.randrange(1, max(2, len(body)))
    ending = b"\r\n" if rng.random() < 0.5 else b""
    return [*lines[:which], body[:cut] + ending, *lines[which + 1 :]]


def receiver_noise(rng: random.Random) -> bytes:
    """Garbage a receiver emits between packets: random bytes, NULs, sometimes a line end."""
    size = rng.randint(1, 40)
    garbage = bytearray(rng.choice((0, rng.randrange(256))) for _ in range(size))
    if rng.random() < 0.5:
        garbage += b"\r\n"
    return bytes(garbage)
