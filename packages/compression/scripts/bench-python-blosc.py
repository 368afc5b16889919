#!/usr/bin/env python3
"""Peer measurement for bench/suites/compression.mjs: python-blosc (native c-blosc 1.21) on the same
raw column bytes. argv: <dir with <column>.bin files> <repeats>. Prints one JSON object:
{config: {column: {cbytes, encode_s, decode_s}}} with median times, one thread."""
import json
import os
import sys
import time

import blosc

blosc.set_nthreads(1)
folder, repeats = sys.argv[1], int(sys.argv[2])
configs = {
    'blosc-zstd5-shuffle': dict(cname='zstd', clevel=5, shuffle=blosc.SHUFFLE),
    'blosc-zstd9-bitshuffle': dict(cname='zstd', clevel=9, shuffle=blosc.BITSHUFFLE),
    'blosc-lz4-5-shuffle': dict(cname='lz4', clevel=5, shuffle=blosc.SHUFFLE),
    'blosc-blosclz-9-shuffle': dict(cname='blosclz', clevel=9, shuffle=blosc.SHUFFLE),
}
out = {}
for name, cfg in configs.items():
    out[name] = {}
    for f in sorted(os.listdir(folder)):
        data = open(os.path.join(folder, f), 'rb').read()
        enc, dec = [], []
        packed = b''
        for _ in range(repeats):
            t0 = time.perf_counter()
            packed = blosc.compress(data, typesize=8, **cfg)
            enc.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            blosc.decompress(packed)
            dec.append(time.perf_counter() - t0)
        enc.sort()
        dec.sort()
        out[name][f[:-4]] = dict(cbytes=len(packed), encode_s=enc[len(enc) // 2], decode_s=dec[len(dec) // 2])
print(json.dumps(out))
