#!/usr/bin/env python3
"""Generates python-blosc golden fixtures for @mmtape/compression.

Run with Debian's python3-blosc (c-blosc 1.21):
    /usr/bin/python3 packages/compression/scripts/generate-blosc-fixtures.py

Writes into packages/compression/test/fixtures/blosc/:
  <input>.raw                 the uncompressed bytes (deterministic, generated here)
  <input>-<cname>-<shuffle>-t<typesize>.blosc   blosc.compress(raw, typesize, clevel=5, shuffle, cname)
  manifest.json               one entry per .blosc file: raw file, cname, shuffle, typesize, clevel,
                              blosc version, sha256 of the raw bytes
The JS test decodes every .blosc file and compares with the .raw bytes (python -> JS direction).
"""
import hashlib
import json
import os
import struct

import blosc

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'blosc')


def lcg(seed):
    state = seed & 0xFFFFFFFF
    while True:
        state = (1664525 * state + 1013904223) & 0xFFFFFFFF
        yield state / 4294967296.0


def prices(n, seed):
    r = lcg(seed)
    p = 100.0
    out = []
    for _ in range(n):
        p *= 1 + (next(r) - 0.5) * 0.01
        out.append(round(p, 2))
    return struct.pack('<%dd' % n, *out)


def timestamps(n):
    start = 1514903400 * 10**9
    return struct.pack('<%dq' % n, *[start + i * 60 * 10**9 for i in range(n)])



INPUTS = {
    'tiny-prices': prices(12, 1),            # 96 bytes: below MIN_BUFFERSIZE, memcpyed
    'prices-1000': prices(1000, 2),          # one block
    'prices-9001': prices(9001, 3),          # several blocks + leftover
    'ts-5000': timestamps(5000),
    'odd-40001': prices(5001, 4)[:40001],    # length not a multiple of 8, two blocks
}

CASES = [
    # (input, typesize)
    ('tiny-prices', 8),
    ('prices-1000', 8),
    ('prices-9001', 8),
    ('prices-9001', 4),
    ('ts-5000', 8),
    ('odd-40001', 8),
    ('odd-40001', 1),
]

SHUFFLES = {'noshuffle': blosc.NOSHUFFLE, 'shuffle': blosc.SHUFFLE, 'bitshuffle': blosc.BITSHUFFLE}


def main():
    os.makedirs(OUT, exist_ok=True)
    blosc.set_nthreads(1)
    manifest = []
    for name, data in INPUTS.items():
        with open(os.path.join(OUT, name + '.raw'), 'wb') as f:
            f.write(data)
    for name, typesize in CASES:
        data = INPUTS[name]
        for cname in ['blosclz', 'lz4', 'zlib', 'zstd']:
            for sname, shuffle in SHUFFLES.items():
                packed = blosc.compress(data, typesize=typesize, clevel=5, shuffle=shuffle, cname=cname)
                file = '%s-%s-%s-t%d.blosc' % (name, cname, sname, typesize)
                with open(os.path.join(OUT, file), 'wb') as f:
                    f.write(packed)
                manifest.append({
                    'file': file, 'raw': name + '.raw', 'cname': cname, 'shuffle': sname,
                    'typesize': typesize, 'clevel': 5, 'sha256': hashlib.sha256(data).hexdigest(),
                })
    with open(os.path.join(OUT, 'manifest.json'), 'w') as f:
        json.dump({'generator': 'python-blosc %s (c-blosc %s)' % (blosc.__version__, blosc.blosclib_version),
                   'fixtures': manifest}, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
