"""--scheduler: the same chunks on a Dask distributed cluster give the local pool's results."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import InputError
from engine.estate.portfolio import PortfolioOptions, run_portfolio
from tests.conftest import require

OPTIONS = PortfolioOptions(engine="fast", as_of="2026-11-30")


def test_dask_cluster_matches_local_pool(small_portfolio: Path) -> None:
    try:
        from distributed import LocalCluster
    except ImportError:
        require(False, "dask distributed is not installed (pip install 'mlwa[scale]')")
        return
    local = run_portfolio([small_portfolio], OPTIONS, workers=2, chunk_size=3, keep_reports=True)
    with LocalCluster(n_workers=2, processes=True, host="127.0.0.1", dashboard_address=None,
                      threads_per_worker=1) as cluster:
        remote = run_portfolio([small_portfolio], OPTIONS, scheduler=cluster.scheduler_address,
                               chunk_size=3, keep_reports=True)
    try:
        assert remote.worst_first() == local.worst_first()
        assert sorted(f.key() for f in remote.report().findings) == \
            sorted(f.key() for f in local.report().findings)
        assert remote.errors == local.errors and len(remote.errors) == 1
        assert [w.workload for w in remote.report().workloads] == \
            [w.workload for w in local.report().workloads]
    finally:
        local.close()
        remote.close()


def test_bad_scheduler_address(small_portfolio: Path) -> None:
    with pytest.raises(InputError, match="tcp://"):
        run_portfolio([small_portfolio], OPTIONS, scheduler="http://127.0.0.1:1")
