"""Loads the generated Python bindings and the host-built library.

`scripts/test-bindings.sh` generates them first; ARTICLE_SYNC_BINDINGS_DIR (the folder of
article_sync.py) and ARTICLE_SYNC_LIB (libarticle_sync.so) override the default locations.
The module is copied and the library linked into a temporary folder, since the generated
module loads the library from its own folder.
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
    (folder / "libarticle_sync.so").symlink_to(lib.resolve())  # a debug build is ~170 MB
    sys.path.insert(0, str(folder))
    try:
        return importlib.import_module("article_sync")
    finally:
        sys.path.remove(str(folder))


class Servers:
    """The loopback servers scripts/test-bindings.sh starts (ARTICLE_SYNC_TEST_* variables)."""

    def __init__(self):
        names = ["KEY", "CA", "MAIN_BLOCKED", "MIRROR", "BLACKHOLE_A", "BLACKHOLE_B", "CLOSED",
                 "RELAY", "PUBLISH_COMMENTS", "PHOTOS", "FUTURE"]
        missing = [n for n in names if not os.environ.get("ARTICLE_SYNC_TEST_" + n)]
        if missing:
            pytest.fail(f"ARTICLE_SYNC_TEST_{missing[0]} is not set: run scripts/test-bindings.sh")
        env = {n: os.environ["ARTICLE_SYNC_TEST_" + n] for n in names}
        self.key = env["KEY"]
        self.ca_pem = Path(env["CA"]).read_text()
        self.main_blocked = env["MAIN_BLOCKED"]
        self.mirror = env["MIRROR"]
        self.blackhole_a = env["BLACKHOLE_A"]
        self.blackhole_b = env["BLACKHOLE_B"]
        self.closed = env["CLOSED"]
        self.relay = env["RELAY"]
        self.publish_comments = env["PUBLISH_COMMENTS"]
        self.photos = env["PHOTOS"]
        self.future = env["FUTURE"]


@pytest.fixture(scope="session")
def servers():
    return Servers()
