import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))  # the corpus reader is shared with the benchmarks

from corpus import CORPUS  # noqa: E402

SHARED_CORPUS_MISSING = (f"needs the shared corpus at {CORPUS} (absent in a plain clone; CI has it; "
                         "ACCESSPROOF_CORPUS points at another copy)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "shared_corpus: needs the whole shared corpus (../shared/corpus)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if CORPUS.is_dir():
        return
    skip = pytest.mark.skip(reason=SHARED_CORPUS_MISSING)
    for item in items:
        if item.get_closest_marker("shared_corpus"):
            item.add_marker(skip)
