"""An equity-curve PNG in pure Python (``zlib`` only: no plotting dependency).

The chart: the equity line, a dashed line at the starting balance, axes, and the highest, lowest
and final equity written in a small built-in bitmap font (digits, ``$ , . -``).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Final

__all__ = ["Canvas", "encode_png", "equity_png", "write_equity_png"]

Color = tuple[int, int, int]
WHITE: Final = (255, 255, 255)
BLACK: Final = (40, 40, 40)
GREY: Final = (170, 170, 170)
BLUE: Final = (31, 119, 180)
RED: Final = (214, 39, 40)
GREEN: Final = (44, 160, 44)

_FONT: Final = {  # 3×5 glyphs, one string per row, '#' = ink
    "0": ("###", "#.#", "#.#", "#.#", "###"),
    "1": (".#.", "##.", ".#.", ".#.", "###"),
    "2": ("###", "..#", "###", "#..", "###"),
    "3": ("###", "..#", ".##", "..#", "###"),
    "4": ("#.#", "#.#", "###", "..#", "..#"),
    "5": ("###", "#..", "###", "..#", "###"),
    "6": ("###", "#..", "###", "#.#", "###"),
    "7": ("###", "..#", ".#.", ".#.", ".#."),
    "8": ("###", "#.#", "###", "#.#", "###"),
    "9": ("###", "#.#", "###", "..#", "###"),
    "$": (".##", "##.", ".#.", ".##", "##."),
    ",": ("...", "...", "...", ".#.", "#.."),
    ".": ("...", "...", "...", "...", ".#."),
    "-": ("...", "...", "###", "...", "..."),
    " ": ("...", "...", "...", "...", "..."),
}


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def encode_png(width: int, height: int, rgb: bytes | bytearray) -> bytes:
    """An 8-bit RGB PNG of ``rgb`` (row-major, 3 bytes per pixel)."""
    if width <= 0 or height <= 0 or len(rgb) != width * height * 3:
        raise ValueError("pixel buffer does not match the image size")
    stride = width * 3
    raw = b"".join(b"\x00" + bytes(rgb[row * stride : (row + 1) * stride]) for row in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(raw, 9))
        + _chunk(b"IEND", b"")
    )


class Canvas:
    """A white RGB pixel buffer with the few drawing primitives a line chart needs."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.pixels = bytearray(WHITE * (width * height))

    def set(self, x: int, y: int, color: Color) -> None:
        if 0 <= x < self.width and 0 <= y < self.height:
            offset = (y * self.width + x) * 3
            self.pixels[offset : offset + 3] = bytes(color)

    def line(
        self, x0: int, y0: int, x1: int, y1: int, color: Color, *, thick: int = 1, dash: int = 0
    ) -> None:
        """Bresenham; ``dash`` > 0 draws ``dash`` pixels on, ``dash`` off."""
        dx, dy = abs(x1 - x0), -abs(y1 - y0)
        sx, sy = (1 if x0 < x1 else -1), (1 if y0 < y1 else -1)
        err, step = dx + dy, 0
        while True:
            if not dash or (step // dash) % 2 == 0:
                for ox in range(thick):
                    for oy in range(thick):
                        self.set(x0 + ox, y0 + oy, color)
            if x0 == x1 and y0 == y1:
                return
            step += 1
            doubled = 2 * err
            if doubled >= dy:
                err += dy
                x0 += sx
            if doubled <= dx:
                err += dx
                y0 += sy

    def text(self, x: int, y: int, text: str, color: Color, *, scale: int = 2) -> int:
        """Draw ``text`` with its top-left at (x, y); returns the x after it. Unknown glyphs are blank."""
        for char in text:
            glyph = _FONT.get(char, _FONT[" "])
            for row, bits in enumerate(glyph):
                for col, bit in enumerate(bits):
                    if bit == "#":
                        for ox in range(scale):
                            for oy in range(scale):
                                self.set(x + col * scale + ox, y + row * scale + oy, color)
            x += 4 * scale
        return x

    def png(self) -> bytes:
        return encode_png(self.width, self.height, self.pixels)


def _label(value: Decimal) -> str:
    sign = "-" if value < 0 else ""
    return f"{sign}${abs(value):,.2f}"


def equity_png(
    equity: Sequence[Decimal], *, starting_balance: Decimal | None = None, width: int = 800, height: int = 400
) -> bytes:
    """The equity curve as PNG bytes (one point per sample, evenly spaced left to right)."""
    if width < 200 or height < 120:
        raise ValueError("the chart needs at least 200×120 pixels")
    values = list(equity) or [starting_balance or Decimal(0)]
    base = starting_balance if starting_balance is not None else values[0]
    low, high = min(*values, base), max(*values, base)
    if high == low:
        high, low = high + 1, low - 1
    canvas = Canvas(width, height)
    left, right, top, bottom = 110, width - 20, 20, height - 30

    def y_of(value: Decimal) -> int:
        return bottom - int((value - low) / (high - low) * (bottom - top))

    def x_of(index: int) -> int:
        return left + (index * (right - left) // (len(values) - 1) if len(values) > 1 else 0)

    canvas.line(left, top, left, bottom, BLACK)
    canvas.line(left, bottom, right, bottom, BLACK)
    canvas.line(left, y_of(base), right, y_of(base), GREY, dash=4)
    color = GREEN if values[-1] >= base else RED
    previous = (x_of(0), y_of(values[0]))
    for index in range(1, len(values)):
        point = (x_of(index), y_of(values[index]))
        canvas.line(*previous, *point, BLUE, thick=2)
        previous = point
    canvas.text(6, top - 4, _label(high), BLACK)
    canvas.text(6, bottom - 8, _label(low), BLACK)
    canvas.text(6, y_of(base) - 5, _label(base), GREY)
    end = _label(values[-1])
    canvas.text(max(left, right - len(end) * 8), min(height - 12, bottom + 8), end, color)
    return canvas.png()


def write_equity_png(
    path: str | Path, equity: Sequence[Decimal], *, starting_balance: Decimal | None = None
) -> Path:
    """Write :func:`equity_png` to ``path`` (parent folders created); returns the path."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(equity_png(equity, starting_balance=starting_balance))
    return target
