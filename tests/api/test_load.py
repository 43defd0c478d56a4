"""A short fixed-rate load on loopback: every request answered, none with an error.

How many requests per second are held, and the latencies, are measured in
``bench/load.py``; here only correctness under load is asserted.
"""

from __future__ import annotations

from bench.load import MIX, run_load


def test_a_fixed_rate_load_gets_no_errors(server: str) -> None:
    result = run_load(server, rate=10, seconds=len(MIX))
    assert result.failures == []
    assert sum(result.statuses.values()) == result.sent == 10 * len(MIX)
    assert set(result.statuses) == {200}, result.statuses
