#!/usr/bin/env python3
"""Writes the inputs of Scripts/robustness_probe.sh (issue 17): mutants of seed files of every type
SepCNN reads, checkpoints with crafted extreme fields, and files whose headers claim far more than
they hold. Deterministic for a given --seed. Only the standard library: run by hand, never in CI.

    robustness_mutants.py mutants SEED_FILE OUT_DIR COUNT KIND [--seed N]
        KIND: bytes (any file), png (chunk CRCs recomputed so mutations get past them),
              metadata:KEY (the JSON in a safetensors file's __metadata__[KEY] is mutated and the
              header rewritten), gzip-of (the seed is mutated, then gzip-compressed whole)
    robustness_mutants.py crafted-checkpoints CHECKPOINT OUT_DIR
    robustness_mutants.py size-claims OUT_DIR
    robustness_mutants.py idx-seed OUT_DIR   /   cifar-seed OUT_DIR   (small valid seed files)
"""
import gzip
import json
import os
import random
import re
import struct
import sys
import zlib

INTERESTING_BYTES = [0x00, 0x01, 0x7F, 0x80, 0xFF]
# Numbers a field read from a file should be range-checked against (issue 17's trapping values among them).
EXTREME_NUMBERS = ["-1", "0", "1", "2147483648", "4294967296", "4611686018427387904", "9223372036854775807",
                   "-9223372036854775808", "1e308", "-1e308", "1e-320", "0.5", "-0.0", "281474976710657"]


def mutate_bytes(data, rng):
    """One to four random edits: bit flips, interesting bytes, truncation, insertion, duplication."""
    b = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        if not b:
            b = bytearray(b"\0")
        p = rng.randrange(len(b))
        op = rng.randrange(6)
        if op == 0:
            b[p] ^= 1 << rng.randrange(8)
        elif op == 1:
            b[p] = rng.choice(INTERESTING_BYTES)
        elif op == 2 and len(b) > 1:
            del b[p:]
        elif op == 3:
            b[p:p] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))
        elif op == 4:
            q = rng.randrange(len(b))
            b[p:p] = b[q:q + rng.randint(1, 64)]
        else:  # a 32-bit field overwritten with an extreme value, as a header length or size
            value = rng.choice([0, 1, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x10000])
            b[p:p + 4] = struct.pack(rng.choice([">I", "<I"]), value)
    return bytes(b)


def mutate_text(text, rng):
    """A number replaced with an extreme one, or the text's bytes mutated."""
    numbers = list(re.finditer(r"-?\d+(\.\d+)?([eE][-+]?\d+)?", text))
    if numbers and rng.random() < 0.6:
        m = rng.choice(numbers)
        return text[:m.start()] + rng.choice(EXTREME_NUMBERS) + text[m.end():]
    return mutate_bytes(text.encode(), rng).decode("utf-8", errors="replace")


def fix_png_crcs(data):
    """Recomputes every chunk's CRC, so a mutation reaches the decoder rather than the checksum."""
    if len(data) < 8:
        return data
    out, p = bytearray(data[:8]), 8
    while p + 8 <= len(data):
        (length,) = struct.unpack(">I", data[p:p + 4])
        end = p + 8 + length
        if end + 4 > len(data):
            out += data[p:]
            return bytes(out)
        out += data[p:end] + struct.pack(">I", zlib.crc32(data[p + 4:end]) & 0xFFFFFFFF)
        p = end + 4
    out += data[p:]
    return bytes(out)


def read_safetensors(data):
    (n,) = struct.unpack("<Q", data[:8])
    return json.loads(data[8:8 + n]), data[8 + n:]


def write_safetensors(header, body):
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + body


def with_metadata(data, key, value):
    header, body = read_safetensors(data)
    header["__metadata__"][key] = value
    return write_safetensors(header, body)


def mutants(seed_file, out_dir, count, kind, seed):
    data = open(seed_file, "rb").read()
    base = os.path.basename(seed_file)
    stem, dot, ext = base.partition(".")
    for i in range(count):
        rng = random.Random(f"{seed}-{base}-{kind}-{i}")
        if kind == "bytes":
            mutant = mutate_bytes(data, rng)
        elif kind == "png":
            mutant = mutate_bytes(data, rng)
            mutant = fix_png_crcs(mutant) if rng.random() < 0.8 else mutant
        elif kind.startswith("metadata:"):
            key = kind.split(":", 1)[1]
            header, _ = read_safetensors(data)
            mutant = with_metadata(data, key, mutate_text(header["__metadata__"][key], rng))
        elif kind == "gzip-of":
            mutant = gzip.compress(mutate_bytes(data, rng), mtime=0)
        else:
            sys.exit(f"unknown kind {kind}")
        with open(os.path.join(out_dir, f"{stem}-{i:04d}{dot}{ext}"), "wb") as f:
            f.write(mutant)


def crafted_checkpoints(checkpoint, out_dir):
    """Every numeric field of the configuration, the progress and the run set to every extreme value."""
    data = open(checkpoint, "rb").read()
    header, _ = read_safetensors(data)
    training = json.loads(header["__metadata__"]["training"])
    count = 0
    for section in ("configuration", "progress", "run"):
        for field, value in sorted(training.get(section, {}).items()):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                continue
            for extreme in EXTREME_NUMBERS:
                text = json.dumps(training, sort_keys=True)
                edited = json.loads(text)
                edited[section][field] = json.loads(extreme)
                name = f"{section}.{field}={extreme}"
                with open(os.path.join(out_dir, f"crafted-{count:04d}.checkpoint.safetensors"), "wb") as f:
                    f.write(with_metadata(data, "training", json.dumps(edited)))
                with open(os.path.join(out_dir, f"crafted-{count:04d}.txt"), "w") as f:
                    f.write(name + "\n")
                count += 1
    # The history's and the optimizer's counters too.
    for field, extreme in [("optimizerSteps", -1), ("optimizerSteps", 9223372036854775807)]:
        edited = json.loads(json.dumps(training))
        edited[field] = {name: extreme for name in edited.get(field, {})}
        with open(os.path.join(out_dir, f"crafted-{count:04d}.checkpoint.safetensors"), "wb") as f:
            f.write(with_metadata(data, "training", json.dumps(edited)))
        with open(os.path.join(out_dir, f"crafted-{count:04d}.txt"), "w") as f:
            f.write(f"{field}=all {extreme}\n")
        count += 1


def png_chunk(kind, payload):
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF)


def size_claims(out_dir):
    """Issue 17's size claims: small files announcing far more than they hold or than the caps allow."""
    signature = b"\x89PNG\r\n\x1a\n"
    # A 66-byte PNG claiming 32768×32768 RGB pixels.
    ihdr = png_chunk(b"IHDR", struct.pack(">IIBBBBB", 32768, 32768, 8, 2, 0, 0, 0))
    open(os.path.join(out_dir, "claims-32768x32768.png"), "wb").write(
        signature + ihdr + png_chunk(b"IDAT", zlib.compress(b"\0" * 16)) + png_chunk(b"IEND", b""))
    # A valid all-zero 32768×32768 gray PNG (about 3 MB): over the 2²⁸-pixel cap.
    compressor, parts, row = zlib.compressobj(9), [], b"\0" * (1 + 32768)
    for _ in range(32768):
        parts.append(compressor.compress(row))
    parts.append(compressor.flush())
    ihdr = png_chunk(b"IHDR", struct.pack(">IIBBBBB", 32768, 32768, 8, 0, 0, 0, 0))
    open(os.path.join(out_dir, "zeros-32768x32768.png"), "wb").write(
        signature + ihdr + png_chunk(b"IDAT", b"".join(parts)) + png_chunk(b"IEND", b""))
    # A 30-byte PPM claiming 32768×32768.
    open(os.path.join(out_dir, "claims-32768x32768.ppm"), "wb").write(b"P6\n32768 32768\n255\n" + b"\0" * 11)
    # A JPEG whose frame header claims 65535×65535.
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, 65535, 65535, 1) + b"\x01\x11\x00"
    open(os.path.join(out_dir, "claims-65535x65535.jpg"), "wb").write(b"\xff\xd8" + sof + b"\xff\xd9")
    # IDX: a header claiming 2³⁰ images of 28×28 followed by nothing, and a gzip of a header and
    # 4 GiB of zeros (about 4 MB) whose ISIZE wraps.
    idx_dir = os.path.join(out_dir, "idx-claims")
    os.makedirs(idx_dir, exist_ok=True)
    open(os.path.join(idx_dir, "t10k-images-idx3-ubyte"), "wb").write(struct.pack(">IIII", 0x803, 1 << 30, 28, 28))
    open(os.path.join(idx_dir, "t10k-labels-idx1-ubyte"), "wb").write(struct.pack(">II", 0x801, 1 << 30))
    gz_dir = os.path.join(out_dir, "idx-gzip-bomb")
    os.makedirs(gz_dir, exist_ok=True)
    with gzip.open(os.path.join(gz_dir, "t10k-images-idx3-ubyte.gz"), "wb", compresslevel=1) as f:
        f.write(struct.pack(">IIII", 0x803, 5_478_274, 28, 28))  # 4 GiB of 28×28 images
        zeros = b"\0" * (1 << 24)
        for _ in range(256):
            f.write(zeros)
    open(os.path.join(gz_dir, "t10k-labels-idx1-ubyte"), "wb").write(struct.pack(">II", 0x801, 2) + b"\x03\x07")
    # Safetensors: a model file's tensor claiming 4 GiB (a sparse file), and a 70 MB header of 1.2 M tensors.
    header = {"__metadata__": {}, "huge": {"dtype": "F32", "shape": [1 << 30], "data_offsets": [0, 1 << 32]}}
    path = os.path.join(out_dir, "tensor-4gib.safetensors")
    with open(path, "wb") as f:
        f.write(write_safetensors(header, b""))
        f.truncate(f.tell() + (1 << 32))
    header = {"__metadata__": {}}
    for i in range(1_200_000):
        header[f"t{i}"] = {"dtype": "F32", "shape": [1], "data_offsets": [4 * i, 4 * i + 4]}
    open(os.path.join(out_dir, "header-1.2m-tensors.safetensors"), "wb").write(write_safetensors(header, b"\0" * 4_800_000))
    # A header length field of 2⁶⁴−1.
    open(os.path.join(out_dir, "header-length-max.safetensors"), "wb").write(b"\xff" * 8 + b"{}")


def idx_seed(out_dir):
    """Sixteen 28×28 images and their labels, plain and gzip."""
    rng = random.Random(1)
    images = struct.pack(">IIII", 0x803, 16, 28, 28) + bytes(rng.randrange(256) for _ in range(16 * 784))
    labels = struct.pack(">II", 0x801, 16) + bytes(i % 10 for i in range(16))
    open(os.path.join(out_dir, "t10k-images-idx3-ubyte"), "wb").write(images)
    open(os.path.join(out_dir, "t10k-labels-idx1-ubyte"), "wb").write(labels)
    open(os.path.join(out_dir, "t10k-images-idx3-ubyte.gz"), "wb").write(gzip.compress(images, mtime=0))


def cifar_seed(out_dir):
    """Sixteen CIFAR-10 records (label byte, then 3×32×32 planes) as a test batch, and as training batches."""
    rng = random.Random(2)
    batch = b"".join(bytes([i % 10]) + bytes(rng.randrange(256) for _ in range(3072)) for i in range(16))
    for name in ["test_batch.bin"] + [f"data_batch_{i}.bin" for i in range(1, 6)]:
        open(os.path.join(out_dir, name), "wb").write(batch)


if __name__ == "__main__":
    args = sys.argv[1:]
    seed = 17
    if "--seed" in args:
        i = args.index("--seed")
        seed = int(args[i + 1])
        del args[i:i + 2]
    command = args[0]
    if command == "mutants":
        mutants(args[1], args[2], int(args[3]), args[4], seed)
    elif command == "crafted-checkpoints":
        crafted_checkpoints(args[1], args[2])
    elif command == "size-claims":
        size_claims(args[1])
    elif command == "idx-seed":
        idx_seed(args[1])
    elif command == "cifar-seed":
        cifar_seed(args[1])
    else:
        sys.exit(__doc__)
