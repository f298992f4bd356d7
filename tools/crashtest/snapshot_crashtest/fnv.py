"""FNV-1a 64 over a whole file's content, the digest the engine writes to SNAPSHOT_TRACE.

Pure Python costs ~90 ns/byte, so results are memoised by a (C-speed) blake2b key: crash trials
keep producing the same few committed images.
"""
import hashlib

_OFFSET = 0xcbf29ce484222325
_PRIME = 0x100000001b3
_MASK = 0xFFFFFFFFFFFFFFFF
_memo = {}


def fnv1a64(data):
    key = hashlib.blake2b(data, digest_size=16).digest()
    hit = _memo.get(key)
    if hit is not None:
        return hit
    h = _OFFSET
    for b in data:
        h = ((h ^ b) * _PRIME) & _MASK
    if len(_memo) > 100000:
        _memo.clear()
    _memo[key] = h
    return h


def hexdigest(data):
    return "%016x" % fnv1a64(data)
