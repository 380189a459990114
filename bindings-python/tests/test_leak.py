"""Memory stays flat over many calls, on the success and on the exception paths."""

from __future__ import annotations

import gc
import os

import erpops

CALLS = 250_000  # iterations; each makes 4 to 7 erpops calls: over a million calls
PAGE = os.sysconf("SC_PAGE_SIZE")


def rss_bytes() -> int:
    with open("/proc/self/statm", encoding="ascii") as f:
        return int(f.read().split()[1]) * PAGE


def run(n: int) -> None:
    secret = erpops.Secret(b"leak-test-secret")
    body = b'{"event_type":"integration.failed"}' * 4
    good = erpops.sign(body, secret)
    for i in range(n):
        header = erpops.sign(body, b"leak-test-secret")
        erpops.verify(bytearray(body), header, [secret])
        if i % 4 == 0:
            try:
                erpops.verify(body, good[:-1] + "0", secret)
            except erpops.InvalidSignature:
                pass
            signer = erpops.Signer(secret)
            signer.update(memoryview(body))
            signer.finalize()


def test_rss_is_stable_over_many_calls() -> None:
    run(25_000)  # warm up caches, allocator arenas and interned strings
    gc.collect()
    before = rss_bytes()
    run(CALLS)
    gc.collect()
    grown = rss_bytes() - before
    # A leak of even 16 bytes per call would be > 3 MiB here.
    assert grown < 2 * 1024 * 1024, f"RSS grew by {grown} bytes over {CALLS} iterations"
