"""The sandbox stops runaway work within its limits and passes results and errors back."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
import sandbox_targets as targets

from engine.errors import PolicyError
from engine.policies.sandbox import SandboxChildError, SandboxLimitExceeded, run_limited


def test_result_comes_back() -> None:
    assert run_limited(targets.add, 2, 3, label="policy ACME-001") == {"sum": 5}


@pytest.mark.parametrize("fn", [targets.spin, targets.regex_spin], ids=["python", "regex"])
def test_cpu_spin_is_stopped(fn: Callable[[], object]) -> None:
    start = time.monotonic()
    with pytest.raises(SandboxLimitExceeded) as info:
        run_limited(fn, cpu_seconds=1, wall_seconds=30, label="policy ACME-001")
    # stopped by the CPU limit (about 2 s of CPU), long before the 30 s wall limit; the
    # margin is for a loaded machine, where 2 s of CPU take longer on the clock
    assert time.monotonic() - start < 15
    assert info.value.which == "cpu"
    assert str(info.value) == "policy ACME-001 exceeded its 1 s CPU limit"
    assert isinstance(info.value, PolicyError)


def test_memory_hog_is_stopped() -> None:
    start = time.monotonic()
    with pytest.raises(SandboxLimitExceeded) as info:
        run_limited(targets.hog, memory_mb=200, cpu_seconds=10, wall_seconds=30,
                    label="policy ACME-002")
    assert time.monotonic() - start < 15
    assert info.value.which == "memory"
    assert str(info.value) == "policy ACME-002 exceeded its 200 MB memory limit"


def test_sleeper_hits_wall_time() -> None:
    start = time.monotonic()
    with pytest.raises(SandboxLimitExceeded) as info:
        run_limited(targets.sleeper, wall_seconds=1, label="policy ACME-003")
    elapsed = time.monotonic() - start
    assert 1 <= elapsed < 5
    assert info.value.which == "wall"
    assert "exceeded its 1 s wall-clock time limit" in str(info.value)


def test_input_errors_come_back_as_themselves() -> None:
    with pytest.raises(PolicyError, match="sh:pattern does not compile") as info:
        run_limited(targets.bad_policy, label="policy ACME-004")
    assert type(info.value) is PolicyError
    assert "acme/ACME-001.ttl:7" in str(info.value)


def test_other_errors_name_their_type() -> None:
    with pytest.raises(SandboxChildError) as info:
        run_limited(targets.buggy, label="policy ACME-005")
    assert info.value.type_name == "KeyError"
    assert "policy ACME-005 failed: KeyError" in str(info.value)
    assert "buggy" in info.value.child_traceback


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError):
        run_limited(targets.add, 1, 2, cpu_seconds=0)
