#!/usr/bin/env python3
"""JS -> python direction of the blosc interop test: decodes blosc buffers written by
@mmtape/compression with python-blosc (c-blosc) and prints one JSON line per file:
{"file": ..., "sha256": <of the decoded bytes>, "typesize": <from blosc.get_cbuffer_sizes...>}.

    /usr/bin/python3 packages/compression/scripts/decode-blosc.py file1.blosc [file2.blosc ...]
"""
import hashlib
import json
import sys

import blosc

for path in sys.argv[1:]:
    with open(path, 'rb') as f:
        packed = f.read()
    try:
        raw = blosc.decompress(packed)
        print(json.dumps({'file': path, 'sha256': hashlib.sha256(raw).hexdigest(), 'length': len(raw)}))
    except Exception as e:  # reported, the test fails on it
        print(json.dumps({'file': path, 'error': str(e)}))
