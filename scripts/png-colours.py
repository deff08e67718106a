#!/usr/bin/env python3
"""Counts the distinct colours of a PNG (8-bit RGB or RGBA, not interlaced), with only
the standard library: inflate the IDAT stream and undo the per-row filters.

Usage: scripts/png-colours.py FILE.png [ENOUGH]   -> prints "WIDTH HEIGHT COLOURS"
With ENOUGH, decoding stops once more than ENOUGH colours were seen (COLOURS is then a
lower bound). Used by scripts/test-browser.sh to check that a screenshot is not blank.
"""

from __future__ import annotations

import struct
import sys
import zlib
from typing import Iterator


def decode(path: str) -> tuple[int, int, int, Iterator[bytes]]:
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise SystemExit(f"{path}: not a PNG")
    pos, idat = 8, b""
    width = height = channels = 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or colour not in (2, 6) or interlace:
                raise SystemExit(f"{path}: expected 8-bit RGB(A), not interlaced")
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    return width, height, channels, unfilter(zlib.decompress(idat), width, height, channels)


def unfilter(raw: bytes, width: int, height: int, channels: int) -> Iterator[bytes]:
    """The image's rows, top to bottom, with the PNG row filters undone."""
    stride = width * channels
    previous = bytearray(stride)
    at = 0
    for _ in range(height):
        kind, line = raw[at], bytearray(raw[at + 1 : at + 1 + stride])
        at += 1 + stride
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                pred = left if pa <= pb and pa <= pc else (up if pb <= pc else corner)
                line[i] = (line[i] + pred) & 0xFF
        yield bytes(line)
        previous = line


def main() -> None:
    enough = int(sys.argv[2]) if len(sys.argv) > 2 else None
    width, height, channels, rows = decode(sys.argv[1])
    colours: set[bytes] = set()
    for row in rows:
        for x in range(0, len(row), channels):
            colours.add(row[x : x + 3])
        if enough is not None and len(colours) > enough:
            break
    print(width, height, len(colours))


if __name__ == "__main__":
    main()
