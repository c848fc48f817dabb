"""The core's log records reach a listener the app registers, on a core thread, at its level."""

import asyncio
import threading
import time

from test_reader import config


def test_log_records_reach_the_listener_on_a_core_thread(article_sync, servers, tmp_path):
    records, threads = [], set()

    class Listener(article_sync.LogListener):
        def on_log(self, record):
            records.append(record)
            threads.add(threading.get_ident())

    article_sync.set_log_listener(Listener(), article_sync.LogLevel.INFO)
    try:
        reader = article_sync.Reader(
            config(article_sync, servers, tmp_path / "r.db", servers.main_blocked, [servers.mirror])
        )
        asyncio.run(reader.sync())
        deadline = time.time() + 10
        while time.time() < deadline and not any("sync done" in r.message for r in records):
            time.sleep(0.02)
    finally:
        article_sync.set_log_listener(None, article_sync.LogLevel.INFO)
    messages = [r.message for r in records]
    assert any(m.startswith("sync phase") for m in messages), messages
    assert any("route attempt failed" in m and "reset" in m for m in messages), messages
    assert any("sync done" in m for m in messages), messages
    assert all(r.level != article_sync.LogLevel.DEBUG for r in records), "the level is kept"
    assert threading.get_ident() not in threads, "records come on a core thread"
    # Removed: nothing more arrives.
    count = len(records)
    asyncio.run(reader.sync())
    time.sleep(0.2)
    assert len(records) == count
