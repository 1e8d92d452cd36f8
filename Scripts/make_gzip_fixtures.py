#!/usr/bin/env python3
"""gzip files made by Python's gzip and zlib modules, for SepCNN's pure-Swift inflater tests.

Writes Tests/SepCNNTests/Fixtures/gzip/:
  payload.bin            the uncompressed bytes: text, long repeats (overlapping matches), a
                         random stretch (incompressible) and every byte value
  level-0.gz ... level-9.gz   gzip.compress at levels 0 (stored blocks), 1, 6 and 9
  fixed.gz               fixed-Huffman blocks only (zlib strategy Z_FIXED)
  header-fields.gz       FEXTRA, FNAME, FCOMMENT and FHCRC all present
  two-members.gz         two gzip members concatenated (payload twice)
  empty.gz               an empty payload

Usage: python3 Scripts/make_gzip_fixtures.py
"""
import gzip
import random
import struct
import zlib
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "Tests" / "SepCNNTests" / "Fixtures" / "gzip"


def payload():
    rng = random.Random(1952)
    text = b"SepCNN reads Fashion-MNIST and CIFAR-10 without any C library. " * 40
    repeats = b"ab" * 600 + b"x" * 300  # distance-1 and distance-2 overlapping copies
    noise = bytes(rng.getrandbits(8) for _ in range(6000))
    return text + repeats + noise + bytes(range(256)) + text[:1000]


def raw_deflate(data, level, strategy=zlib.Z_DEFAULT_STRATEGY):
    c = zlib.compressobj(level, zlib.DEFLATED, -15, 9, strategy)
    return c.compress(data) + c.flush()


def member(data, body, flags=0, extra=b""):
    return (b"\x1f\x8b\x08" + bytes([flags]) + b"\0\0\0\0\x00\xff" + extra + body
            + struct.pack("<II", zlib.crc32(data), len(data) & 0xFFFFFFFF))


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    data = payload()
    (OUT / "payload.bin").write_bytes(data)
    for level in (0, 1, 6, 9):
        (OUT / f"level-{level}.gz").write_bytes(gzip.compress(data, compresslevel=level, mtime=0))
    (OUT / "fixed.gz").write_bytes(member(data, raw_deflate(data, 6, zlib.Z_FIXED)))
    header = b"\x1f\x8b\x08\x1e\0\0\0\0\x00\xff"
    extra = struct.pack("<H", 4) + b"AB\0\0" + b"payload.bin\0" + b"a comment\0"
    extra += struct.pack("<H", zlib.crc32(header + extra) & 0xFFFF)
    (OUT / "header-fields.gz").write_bytes(member(data, raw_deflate(data, 6), flags=0x1E, extra=extra))
    (OUT / "two-members.gz").write_bytes(gzip.compress(data, mtime=0) * 2)
    (OUT / "empty.gz").write_bytes(gzip.compress(b"", mtime=0))
    for path in sorted(OUT.iterdir()):
        if path.suffix == ".gz":
            expected = data * 2 if path.name == "two-members.gz" else (b"" if path.name == "empty.gz" else data)
            assert gzip.decompress(path.read_bytes()) == expected, path
        print(f"{path.name}: {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
