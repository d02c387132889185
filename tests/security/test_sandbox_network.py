"""The sandboxed child has no network: a policy that tries to reach a 127.0.0.1 listener
makes 0 requests even with the SPARQL guard bypassed (issue 16, hole 1, run-time half)."""

from __future__ import annotations

from engine.policies.sandbox import run_limited
from tests.sandbox.sandbox_targets import reach
from tests.security.conftest import Listener


def test_the_listener_counts_connections_from_outside_the_sandbox(listener: Listener) -> None:
    import socket
    import time

    with socket.create_connection(("127.0.0.1", listener.port), timeout=2):
        pass
    time.sleep(0.5)
    assert listener.connections == 1


def test_seccomp_alone_stops_native_code(listener: Listener) -> None:
    """Where no namespace can be made, the seccomp layer still stops Oxigraph's client:
    a plain child (no namespace, no audit hook) with only the filter installed."""
    import json
    import subprocess
    import sys

    from tests.conftest import REPO

    code = ("import json,sys; from tests.sandbox.sandbox_targets import seccomp_only_reach; "
            f"print(json.dumps(seccomp_only_reach({listener.port})))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=REPO, timeout=60, check=True)
    outcome = json.loads(proc.stdout)
    assert outcome["seccomp"] == "True", outcome
    assert not outcome["oxigraph"].endswith("rows"), outcome
    assert listener.connections == 0, outcome


def test_no_way_out_of_the_sandbox(listener: Listener) -> None:
    outcome = run_limited(reach, listener.port, cpu_seconds=20, wall_seconds=60,
                          label="network probe")
    assert outcome["socket"] != "connected", outcome
    assert outcome["urllib"] != "fetched", outcome
    assert not outcome["oxigraph"].endswith("rows"), outcome
    assert listener.connections == 0, outcome
    # Python code is stopped by the audit hook everywhere; native code by a namespace or
    # seccomp on Linux, which is where this suite runs.
    assert "namespace" in outcome["layers"] or "seccomp" in outcome["layers"], outcome
