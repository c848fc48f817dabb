"""Loads the generated Python bindings and the host-built library.

`scripts/test-bindings.sh` generates them first; ARTICLE_SYNC_BINDINGS_DIR (the folder of
article_sync.py) and ARTICLE_SYNC_LIB (libarticle_sync.so) override the default locations.
The module and the library are copied into a temporary folder, since the generated module
loads the library from its own folder.
"""

import importlib
import os
import shutil
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def article_sync(tmp_path_factory):
    generated = Path(
        os.environ.get("ARTICLE_SYNC_BINDINGS_DIR", REPO / "target/bindings/python")
    )
    lib = Path(os.environ.get("ARTICLE_SYNC_LIB", REPO / "target/debug/libarticle_sync.so"))
    for needed in (generated / "article_sync.py", lib):
        if not needed.is_file():
            pytest.fail(f"{needed} is missing: run scripts/generate-bindings.sh first")
    folder = tmp_path_factory.mktemp("article_sync")
    shutil.copy(generated / "article_sync.py", folder)
    shutil.copy(lib, folder / "libarticle_sync.so")
    sys.path.insert(0, str(folder))
    try:
        return importlib.import_module("article_sync")
    finally:
        sys.path.remove(str(folder))
