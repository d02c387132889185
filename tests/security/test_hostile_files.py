"""Files that are not what they say: a FIFO or a symlink to /dev/zero where a pack file,
a cases file, a workload, a waivers file or a query file is expected must end at once with
exit 2 and one line naming the file (issue 16, hole 2)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.security.conftest import assert_refused, copy_acme, mlwa

KINDS = ("fifo", "dev-zero")


def _plant(path: Path, kind: str) -> None:
    path.unlink(missing_ok=True)
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name", ["pack.ttl", "ACME-REL-001.cases.yaml", "ACME-REL-002.ttl",
                                  "ACME-SEC-001.policy.yaml"])
def test_pack_files_that_are_not_regular_files(tmp_path: Path, kind: str, name: str) -> None:
    pack = copy_acme(tmp_path)
    _plant(pack / name, kind)
    out = mlwa("policies", "test", str(pack), timeout=60)
    assert_refused(out, name, "not a regular file")
    assert out.seconds < 30


@pytest.mark.parametrize("kind", KINDS)
def test_workload_and_query_files_that_are_not_regular_files(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "hostile.yaml"
    _plant(target, kind)
    # validate reports an unreadable workload as an input error in its report (exit 2)
    out = mlwa("validate", str(target), timeout=60)
    assert out.code == 2 and "Traceback" not in out.stderr + out.stdout
    assert "hostile.yaml: cannot read the workload file: it is" in out.stdout
    assert "not a regular file" in out.stdout
    query = tmp_path / "q.rq"
    _plant(query, kind)
    assert_refused(mlwa("query", f"@{query}", "--store", str(tmp_path / "estate"), timeout=60),
                   "q.rq", "not a regular file")


def test_the_reader_never_reads_past_the_cap(tmp_path: Path) -> None:
    from engine.errors import InputError
    from engine.safefile import read_bytes

    big = tmp_path / "big"
    big.write_bytes(b"x" * 5000)
    assert read_bytes(big, 5000) == b"x" * 5000
    with pytest.raises(InputError, match="over the 4,999-byte limit"):
        read_bytes(big, 4999)
    link = tmp_path / "link"
    link.symlink_to(big)
    with pytest.raises(InputError, match="symbolic link"):
        read_bytes(link, 10_000, follow_symlinks=False)


def test_a_policy_linked_to_a_system_file_does_not_echo_it(tmp_path: Path) -> None:
    secret = tmp_path / "passwd"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/usr/sbin:/bin/sh\n",
                      encoding="utf-8")
    pack = copy_acme(tmp_path)
    (pack / "ACME-REL-002.ttl").unlink()
    (pack / "ACME-REL-002.ttl").symlink_to(secret)
    out = mlwa("policies", "test", str(pack), timeout=60)
    assert_refused(out, "ACME-REL-002.ttl")
    assert "root:" not in out.stderr and "bash" not in out.stderr and "daemon" not in out.stderr


def test_the_triple_cap_stops_the_parse_early() -> None:
    from rdflib import Graph

    from engine.errors import InputError
    from engine.workload import rdfinput

    body = "\n".join(f"<urn:s{i}> <urn:p> <urn:o{i}> ." for i in range(20_000))
    store = rdfinput._CappedMemory("big.ttl", cap=1_000)
    with pytest.raises(InputError, match="more than the 1,000 triples"):
        Graph(store=store).parse(data=body, format="turtle")
    assert store._added == 1_001  # stopped at the first triple past the cap, not at the end
    assert rdfinput.parse_turtle  # the workload reader builds its graph on this store:
    assert isinstance(rdfinput._capped_graph("x").store, rdfinput._CappedMemory)
