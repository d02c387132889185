"""Concurrent writers (threads and processes) lose nothing; writers killed mid-change leave
no half-written file and no broken log."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from engine.governance.store import Store

REPO = Path(__file__).resolve().parents[2]
GOV = {"actor": "gina", "role": "governance"}
SAVES = 50


def _check_everything_kept(store: Store, expected: dict[tuple[str, str], set[str]],
                           total: int) -> None:
    entries = store.log()
    assert len(entries) == total
    assert [e.seq for e in entries] == list(range(1, total + 1))
    report = store.verify()
    assert report.ok, report.problems
    for (collection, name), contents in expected.items():
        versions = store.versions(collection, name)
        got = {store.read(collection, name, version=v).text for v in versions}
        assert got == contents
        # the current version is the last audited one for that document
        last = [e for e in entries if (e.collection, e.name) == (collection, name)][-1]
        assert store.read(collection, name).version == last.version


@pytest.mark.parametrize("shared_document", [True, False], ids=["same-doc", "own-docs"])
@pytest.mark.parametrize("shared_instance", [True, False], ids=["one-store", "store-each"])
def test_threads_lose_nothing(tmp_path: Path, shared_document: bool,
                              shared_instance: bool) -> None:
    root = tmp_path / "store"
    one = Store(root)
    threads_n = 8
    errors: list[BaseException] = []

    def worker(t: int) -> None:
        store = one if shared_instance else Store(root)
        name = "shared.yaml" if shared_document else f"t{t}.yaml"
        try:
            for i in range(SAVES):
                store.write("waivers", name, f"thread {t} save {i}\n", reason=f"{t}/{i}", **GOV)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(threads_n)]
    start = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - start
    assert not errors
    expected: dict[tuple[str, str], set[str]] = {}
    for t in range(threads_n):
        name = "shared.yaml" if shared_document else f"t{t}.yaml"
        expected.setdefault(("waivers", name), set()).update(
            f"thread {t} save {i}\n" for i in range(SAVES))
    _check_everything_kept(Store(root), expected, threads_n * SAVES)
    print(f"\n{threads_n * SAVES / elapsed:.0f} saves/s with {threads_n} threads")


WRITER = textwrap.dedent("""
    import sys
    from engine.governance.store import Store
    root, worker, name, saves = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    store = Store(root)
    for i in range(saves):
        store.write("profiles", name, f"process {worker} save {i}\\n", actor=f"p{worker}",
                    role="governance", reason=f"{worker}/{i}")
""")


@pytest.mark.parametrize("shared_document", [True, False], ids=["same-doc", "own-docs"])
def test_processes_lose_nothing(tmp_path: Path, shared_document: bool) -> None:
    root = tmp_path / "store"
    Store(root)
    procs_n = 4
    names = ["acme/shared.ttl" if shared_document else f"acme/p{p}.ttl" for p in range(procs_n)]
    start = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(root), str(p), names[p],
                               str(SAVES)], cwd=REPO) for p in range(procs_n)]
    assert [proc.wait(timeout=120) for proc in procs] == [0] * procs_n
    elapsed = time.perf_counter() - start
    expected: dict[tuple[str, str], set[str]] = {}
    for p in range(procs_n):
        expected.setdefault(("profiles", names[p]), set()).update(
            f"process {p} save {i}\n" for i in range(SAVES))
    _check_everything_kept(Store(root), expected, procs_n * SAVES)
    print(f"\n{procs_n * SAVES / elapsed:.0f} saves/s with {procs_n} processes "
          "(including interpreter start-up)")


SLOW_WRITER = textwrap.dedent("""
    import os, signal, sys
    import engine.governance.store as store_module
    from engine.governance.store import Store
    root, mode = sys.argv[1], sys.argv[2]
    store = Store(root)
    if mode == "slow":
        store_module._chunk_delay = 0.05
    else:
        def hook(phase):
            if phase == mode:
                os.kill(os.getpid(), signal.SIGKILL)
        store_module._crash_hook = hook
    print("ready", flush=True)
    big = f"# {mode} {os.getpid()}\\n" + ("# " + "x" * 1021 + "\\n") * 4096  # 4 MiB
    store.write("profiles", "acme/big.ttl", big, actor="k", role="governance", reason="big")
""")


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:  # another writer renamed its temporary file meanwhile
        return 0


def _run_killed_writer(root: Path, mode: str) -> int:
    proc = subprocess.Popen([sys.executable, "-c", SLOW_WRITER, str(root), mode], cwd=REPO,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    if mode == "slow":
        deadline = time.monotonic() + 20
        # kill it once its temporary object file is part-written
        while time.monotonic() < deadline:
            if any(_size(t) > 256 * 1024 for t in (root / "objects").rglob(".tmp-*")):
                break
            time.sleep(0.01)
        else:
            proc.kill()
            pytest.fail("the slow writer never started writing")
        os.kill(proc.pid, signal.SIGKILL)
    return proc.wait(timeout=30)


def test_writer_killed_mid_object_write(tmp_path: Path) -> None:
    root = tmp_path / "store"
    store = Store(root)
    old = store.write("profiles", "acme/big.ttl", "# small\n", reason="v1", **GOV)
    for _ in range(3):
        assert _run_killed_writer(root, "slow") == -signal.SIGKILL
    assert list(root.rglob(".tmp-*"))  # the evidence is there before re-opening
    again = Store(root)
    assert not list(root.rglob(".tmp-*"))
    assert again.verify().ok
    assert again.read("profiles", "acme/big.ttl").version == old.version
    assert len(again.log()) == 1
    # and the store keeps working
    again.write("profiles", "acme/big.ttl", "# after\n", reason="v2", **GOV)
    assert again.verify().ok and len(again.log()) == 2


@pytest.mark.parametrize("phase,audited", [("object-written", False), ("logged", True),
                                           ("pointer-moved", True)])
def test_writer_killed_between_steps(tmp_path: Path, phase: str, audited: bool) -> None:
    root = tmp_path / "store"
    store = Store(root)
    old = store.write("profiles", "acme/big.ttl", "# small\n", reason="v1", **GOV)
    assert _run_killed_writer(root, phase) == -signal.SIGKILL
    again = Store(root)
    assert again.verify().ok
    entries = again.log()
    assert len(entries) == (2 if audited else 1)
    current = again.read("profiles", "acme/big.ttl")
    # an audited change is finished on open; an unaudited one never happened
    assert (current.version != old.version) == audited
    if audited:
        assert current.version == entries[-1].version
        assert current.content.startswith(f"# {phase} ".encode())
    # a write that continues the chain after the crash keeps it valid
    again.write("profiles", "acme/big.ttl", "# after\n", reason="v3", **GOV)
    assert Store(root).verify().ok


def test_killed_writers_do_not_disturb_live_ones(tmp_path: Path) -> None:
    """Writers crash while another process keeps saving: the chain stays valid."""
    root = tmp_path / "store"
    Store(root)
    live = subprocess.Popen([sys.executable, "-c", WRITER, str(root), "9", "acme/live.ttl",
                             "100"], cwd=REPO)
    for phase in ("logged", "slow", "object-written"):
        _run_killed_writer(root, phase)
    assert live.wait(timeout=120) == 0
    store = Store(root)
    assert store.verify().ok
    assert len(store.versions("profiles", "acme/live.ttl")) == 100
