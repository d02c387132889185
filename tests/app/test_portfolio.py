"""The Portfolio page and the safe readers behind it (zip caps, names, the root)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from engine.errors import InputError
from engine.ui.uploads import read_folder, read_zip, resolve_under, subfolders
from tests.app.conftest import REPO, VIEWS

CAPS = {"max_entries": 10, "max_total": 1_000_000, "max_file": 200_000}


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def test_zip_with_workloads_is_read_in_memory() -> None:
    data = _zip({"a/one.yaml": b"id: one\nname: One\n", "two.json": b'{"id": "two", "name": "Two"}',
                 "README.md": b"skipped", "dir/": b""})
    files = read_zip(data, **CAPS)
    assert [f.name for f in files] == ["a/one.yaml", "two.json"]


@pytest.mark.parametrize("name", ["../evil.yaml", "/etc/evil.yaml", "a/../../evil.yaml",
                                  "C:/evil.yaml", "a\\..\\evil.yaml", "bad\x01.yaml"])
def test_zip_path_traversal_is_refused(name: str) -> None:
    with pytest.raises(InputError, match="refused zip member name"):
        read_zip(_zip({name: b"id: x\nname: X\n"}), **CAPS)


def test_zip_bomb_is_refused_by_the_total_cap() -> None:
    bomb = _zip({f"w{i}.yaml": b"#" * 150_000 for i in range(8)})
    assert len(bomb) < 20_000  # compresses to almost nothing
    with pytest.raises(InputError, match=r"unpacks to|inflates past"):
        read_zip(bomb, **CAPS)


def test_zip_member_over_the_file_cap_is_refused() -> None:
    with pytest.raises(InputError, match="limit per file"):
        read_zip(_zip({"big.yaml": b"#" * 300_000}), **CAPS)


def test_zip_with_too_many_entries_is_refused() -> None:
    with pytest.raises(InputError, match="entries"):
        read_zip(_zip({f"w{i}.yaml": b"id: x\n" for i in range(11)}), **CAPS)


def test_zip_whose_header_lies_about_its_size_is_caught() -> None:
    data = bytearray(_zip({"w.yaml": b"#" * 100_000}))
    # shrink the declared size in the central directory to 10 bytes
    cd = data.rfind(b"PK\x01\x02")
    data[cd + 24:cd + 28] = (10).to_bytes(4, "little")
    with pytest.raises(InputError):
        read_zip(bytes(data), **{**CAPS, "max_file": 50_000})


def test_not_a_zip() -> None:
    with pytest.raises(InputError, match="not a zip"):
        read_zip(b"hello", **CAPS)


def test_folders_stay_under_the_root(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "team-a").mkdir(parents=True)
    (root / "team-a" / "w.yaml").write_text("id: w\nname: W\n")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "x.yaml").write_text("id: x\nname: X\n")
    (root / "link").symlink_to(outside)
    assert resolve_under(root, "team-a") == (root / "team-a").resolve()
    for bad in ("..", "../outside", "link", "/etc"):
        with pytest.raises(InputError):
            resolve_under(root, bad)
    assert "team-a" in subfolders(root) and "link" not in subfolders(root)
    assert [f.name for f in read_folder(root / "team-a", max_entries=5, max_file=1000)] == ["w.yaml"]


def test_portfolio_page_validates_the_examples_worst_first(make_app) -> None:
    at = make_app("architect")
    at.switch_page(f"{VIEWS}/portfolio.py").run()
    assert not at.exception
    at.button(key="portfolio_run").click().run(timeout=300)
    assert not at.exception
    rows = at.dataframe[0].value
    n = len(list((REPO / "examples").glob("*.yaml")))
    assert len(rows) == n
    keys = list(zip(rows["high-risk questions"], rows["high"], strict=True))
    assert keys == sorted(keys, reverse=True)
    assert {m.label: m.value for m in at.metric}["Workloads"] == str(n)


def test_portfolio_page_refuses_a_traversal_zip(make_app) -> None:
    at = make_app("architect")
    at.switch_page(f"{VIEWS}/portfolio.py").run()
    at.segmented_control(key="portfolio_source").set_value("Zip upload").run()
    at.file_uploader(key="portfolio_zip").set_value(
        ("w.zip", _zip({"../../x.yaml": b"id: x\nname: X\n"}), "application/zip")).run()
    assert not at.exception
    assert at.error and "path traversal" in at.error[0].value


def test_portfolio_page_lists_two_files_sharing_an_id_as_two_rows(make_app) -> None:
    """Two teams' files that both say ``id: fraud-model`` are two workloads (issue #24)."""
    def doc(team: str, endpoint: str) -> bytes:
        return (f"id: fraud-model\nname: Fraud model of {team}\nlifecycle_stage: production\n"
                f"owner:\n  team: {team}\nendpoints:\n  - name: {endpoint}\n    type: real-time\n"
                ).encode()

    at = make_app("architect")
    at.switch_page(f"{VIEWS}/portfolio.py").run()
    at.segmented_control(key="portfolio_source").set_value("Zip upload").run()
    at.file_uploader(key="portfolio_zip").set_value(
        ("teams.zip", _zip({"team-a/model.yaml": doc("team-a", "scoring-a"),
                            "team-b/model.yaml": doc("team-b", "scoring-b")}),
         "application/zip")).run()
    at.button(key="portfolio_run").click().run(timeout=300)
    assert not at.exception
    rows = at.dataframe[0].value
    assert sorted(zip(rows["workload"], rows["file"], strict=True)) == [
        ("fraud-model", "team-a/model.yaml"), ("fraud-model", "team-b/model.yaml")]
    assert {m.label: m.value for m in at.metric}["Workloads"] == "2"
    assert any("team-a/model.yaml and team-b/model.yaml" in i.value for i in at.info)
    import json

    bars = json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]["y"]
    assert sorted(bars) == ["fraud-model (team-a/model.yaml)", "fraud-model (team-b/model.yaml)"]
