"""The Reader API from Python, against `article-sync serve` on loopback (see conftest.py)."""

import asyncio
import hashlib
import threading
import time

import pytest

SEED_ID = "russia-ready-military-cooperation-syria"
HELSINKI_ID = "helsinki-summit"


class Recorder:
    """Collects listener calls from core threads; `wait_for` polls until a predicate holds."""

    def __init__(self):
        self.items = []
        self.lock = threading.Lock()

    def add(self, item):
        with self.lock:
            self.items.append(item)

    def snapshot(self):
        with self.lock:
            return list(self.items)

    def wait_for(self, predicate, timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(predicate(i) for i in self.snapshot()):
                return
            time.sleep(0.02)
        pytest.fail(f"timed out; recorded {self.snapshot()}")


def listeners(article_sync):
    """Listener classes recording into a Recorder (the foreign-trait pattern in Python)."""

    class Connection(article_sync.ConnectionListener):
        def __init__(self):
            self.seen = Recorder()

        def on_connection(self, info):
            self.seen.add(info)

    class Store(article_sync.StoreListener):
        def __init__(self):
            self.seen = Recorder()

        def on_store_changed(self, counts):
            self.seen.add(counts)

    class Progress(article_sync.ProgressListener):
        def __init__(self):
            self.seen = Recorder()

        def on_progress(self, progress):
            self.seen.add(progress)

    return Connection, Store, Progress


def config(article_sync, servers, db, main, mirrors=(), **overrides):
    return article_sync.ReaderConfig(
        database_path=str(db),
        publisher_keys=[servers.key],
        main_url=main,
        mirrors=list(mirrors),
        extra_ca_pem=servers.ca_pem,
        connect_timeout_ms=overrides.pop("connect_timeout_ms", 3000),
        read_timeout_ms=overrides.pop("read_timeout_ms", 3000),
        stagger_ms=overrides.pop("stagger_ms", 200),
        **overrides,
    )


def all_ids(reader, article_sync, list_filter):
    page = reader.list_articles(list_filter, None, 50)
    return [a.id for a in page.items]


def test_sync_from_a_blocked_main_site_via_a_mirror_then_read_offline(
    article_sync, servers, tmp_path
):
    Connection, Store, _ = listeners(article_sync)
    db = tmp_path / "reader" / "reader.db"
    reader = article_sync.Reader(
        config(article_sync, servers, db, servers.main_blocked, [servers.mirror])
    )
    state = article_sync.BannerState
    assert reader.connection_state().state == state.UNKNOWN

    connection, store = Connection(), Store()
    connection_sub = reader.subscribe_connection(connection)
    store_sub = reader.subscribe_changes(store)
    connection.seen.wait_for(lambda i: i.state == state.UNKNOWN)  # the current value first
    store.seen.wait_for(lambda c: c.total == 0)

    summary = asyncio.run(reader.sync())
    assert summary.route == servers.mirror
    assert summary.used_snapshot and summary.changed
    assert summary.articles_put >= 2

    connection.seen.wait_for(lambda i: i.state == state.MAIN_BLOCKED_VIA_MIRROR)
    store.seen.wait_for(lambda c: c.total == 2)
    now = reader.connection_state()
    assert now.state == state.MAIN_BLOCKED_VIA_MIRROR
    assert now.live and now.route == servers.mirror
    assert "سانسور" in now.banner.persian
    assert now.banner.english.startswith("The main site is probably censored")
    main_attempts = [a for a in now.attempts if a.url == servers.main_blocked]
    assert main_attempts and main_attempts[0].failure == article_sync.FailureKind.RESET
    assert any(a.ok and a.url == servers.mirror for a in now.attempts)
    connection_sub.cancel()
    assert not connection_sub.is_active()

    # Lists: newest first, one page at a time through the opaque cursor.
    first = reader.list_articles(article_sync.ListFilter.ALL(), None, 1)
    assert [a.id for a in first.items] == [SEED_ID]
    assert first.next_cursor is not None
    second = reader.list_articles(article_sync.ListFilter.ALL(), first.next_cursor, 1)
    assert [a.id for a in second.items] == [HELSINKI_ID]
    assert second.next_cursor is None
    assert all_ids(reader, article_sync, article_sync.ListFilter.TAG(tag="سوریه")) == [SEED_ID]
    with pytest.raises(article_sync.ArticleSyncError.BadArgument):
        reader.list_articles(article_sync.ListFilter.ALL(), "not a cursor", 1)

    # Read: body, comments, related articles that are stored.
    article = reader.article(SEED_ID)
    assert article.summary.title.startswith("اعلام آمادگی وزارت دفاع روسیه")
    assert "توافق هلسینکی" in article.body_html
    assert article.comments[0].author == "کارو"
    assert [r.id for r in article.related] == [HELSINKI_ID]
    assert reader.article("no-such-article") is None

    # Persian search: with and without the ZWNJ, both articles; matched words marked.
    for query in ["گفت\u200cوگو", "گفتوگو"]:
        hits = reader.search(query, 10)
        assert sorted(h.article.id for h in hits) == [HELSINKI_ID, SEED_ID], query
        for hit in hits:
            matched = [run.text for run in hit.snippet if run.matched]
            assert matched and all("گفت" in m for m in matched), hit.snippet
    assert reader.search("سلام", 10) == []

    # Bookmark, read marks, position.
    reader.set_bookmarked(SEED_ID, True)
    assert all_ids(reader, article_sync, article_sync.ListFilter.BOOKMARKED()) == [SEED_ID]
    reader.set_read(SEED_ID, True)
    assert all_ids(reader, article_sync, article_sync.ListFilter.UNREAD()) == [HELSINKI_ID]
    reader.set_reading_position(SEED_ID, 0.5)
    marks = reader.article(SEED_ID).summary.marks
    assert marks.bookmarked_at is not None and marks.position == 0.5
    with pytest.raises(article_sync.ArticleSyncError.BadArgument):
        reader.set_reading_position(SEED_ID, 1.5)
    store.seen.wait_for(lambda c: c.bookmarked == 1 and c.unread == 1)
    counts = reader.counts()
    assert (counts.total, counts.unread, counts.bookmarked) == (2, 1, 1)

    # The lead image: stored by the sync, verified against its hash.
    lead = article.summary.lead_image
    image = asyncio.run(reader.fetch_image(SEED_ID, lead.hash))
    assert len(image) == lead.size and hashlib.sha256(image).hexdigest() == lead.hash
    with pytest.raises(article_sync.ArticleSyncError.NotFound):
        asyncio.run(reader.fetch_image(HELSINKI_ID, "00" * 32))
    assert reader.storage_usage().media_bytes >= lead.size
    assert reader.check_integrity() is None  # the whole file reads back clean

    # Outbox.
    queued = reader.compose_comment(SEED_ID, "خواننده", "نظر من")
    assert queued.state == article_sync.OutboxState.WAITING
    assert [o.body for o in reader.outbox()] == ["نظر من"]
    with pytest.raises(article_sync.ArticleSyncError.InvalidComment):
        reader.compose_comment(SEED_ID, "خواننده", "  ")

    # Mirrors the reader adds are remembered as routes.
    added = reader.add_mirror("https://mirror.example.org/tree")
    assert added == "https://mirror.example.org/tree/"
    assert added in [r.url for r in reader.routes()]

    # Wipe: the files are gone and the object is closed.
    store_sub.cancel()
    reader.wipe()
    assert not db.exists()
    assert not db.with_name("reader.db-wal").exists()
    with pytest.raises(article_sync.ArticleSyncError.Closed):
        reader.counts()
    with pytest.raises(article_sync.ArticleSyncError.Closed):
        asyncio.run(reader.sync())


def test_the_last_connection_shows_at_the_next_start(article_sync, servers, tmp_path):
    db = tmp_path / "reader.db"
    first = article_sync.Reader(
        config(article_sync, servers, db, servers.main_blocked, [servers.mirror])
    )
    asyncio.run(first.sync())
    del first
    again = article_sync.Reader(
        config(article_sync, servers, db, servers.main_blocked, [servers.mirror])
    )
    info = again.connection_state()
    assert info.state == article_sync.BannerState.MAIN_BLOCKED_VIA_MIRROR
    assert not info.live and info.route == servers.mirror


def test_cancel_sync_returns_promptly_with_cancelled(article_sync, servers, tmp_path):
    _, _, Progress = listeners(article_sync)
    reader = article_sync.Reader(
        config(
            article_sync,
            servers,
            tmp_path / "reader.db",
            servers.blackhole_a,
            [servers.blackhole_b],
            connect_timeout_ms=60_000,
            read_timeout_ms=60_000,
        )
    )
    progress = Progress()
    sub = reader.subscribe_progress(progress)

    async def sync_then_cancel():
        task = asyncio.ensure_future(reader.sync())
        while not any(
            p.phase == article_sync.SyncPhase.CONNECTING for p in progress.seen.snapshot()
        ):
            await asyncio.sleep(0.02)
        started = time.monotonic()
        reader.cancel_sync()
        with pytest.raises(article_sync.ArticleSyncError.Cancelled):
            await task
        return time.monotonic() - started

    elapsed = asyncio.run(asyncio.wait_for(sync_then_cancel(), 20))
    assert elapsed < 2.0
    sub.cancel()


def test_cancelling_the_python_task_cancels_the_sync(article_sync, servers, tmp_path):
    _, _, Progress = listeners(article_sync)
    reader = article_sync.Reader(
        config(
            article_sync,
            servers,
            tmp_path / "reader.db",
            servers.blackhole_a,
            connect_timeout_ms=60_000,
            read_timeout_ms=60_000,
        )
    )
    progress = Progress()
    sub = reader.subscribe_progress(progress)

    async def run_then_cancel_task():
        task = asyncio.ensure_future(reader.sync())
        while not any(
            p.phase == article_sync.SyncPhase.CONNECTING for p in progress.seen.snapshot()
        ):
            await asyncio.sleep(0.02)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(asyncio.wait_for(run_then_cancel_task(), 20))
    # The Rust sync itself ended: progress goes back to Idle after Connecting.
    def back_to_idle(items):
        phases = [p.phase for p in items]
        connecting = phases.index(article_sync.SyncPhase.CONNECTING)
        return article_sync.SyncPhase.IDLE in phases[connecting:]

    deadline = time.monotonic() + 3
    while not back_to_idle(progress.seen.snapshot()) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert back_to_idle(progress.seen.snapshot()), progress.seen.snapshot()
    sub.cancel()


def test_no_route_is_a_typed_error(article_sync, servers, tmp_path):
    reader = article_sync.Reader(
        config(article_sync, servers, tmp_path / "reader.db", servers.closed)
    )
    with pytest.raises(article_sync.ArticleSyncError.NoRoute) as err:
        asyncio.run(reader.sync())
    assert "refused" in str(err.value)
    assert reader.connection_state().state in (
        article_sync.BannerState.OFFLINE,
        article_sync.BannerState.NO_ROUTE,
    )


def test_a_head_of_a_newer_format_asks_to_update_the_app(article_sync, servers, tmp_path):
    db = tmp_path / "reader.db"
    asyncio.run(article_sync.Reader(config(article_sync, servers, db, servers.mirror)).sync())
    # The same database; the site now signs its head in a format newer than this build reads.
    reader = article_sync.Reader(config(article_sync, servers, db, servers.future))
    with pytest.raises(article_sync.ArticleSyncError.UpdateNeeded) as err:
        asyncio.run(reader.sync())
    assert "update the app" in str(err.value)
    assert reader.counts().total == 2  # the stored articles stay


def test_a_bad_publisher_key_is_a_typed_error(article_sync, servers, tmp_path):
    bad = config(article_sync, servers, tmp_path / "reader.db", servers.mirror)
    bad.publisher_keys = ["ed25519:AAAA"]
    with pytest.raises(article_sync.ArticleSyncError.Invalid) as err:
        article_sync.Reader(bad)
    assert "publisher key" in str(err.value)
    no_keys = config(article_sync, servers, tmp_path / "reader.db", servers.mirror)
    no_keys.publisher_keys = []
    with pytest.raises(article_sync.ArticleSyncError.Invalid):
        article_sync.Reader(no_keys)
    bad_url = config(article_sync, servers, tmp_path / "reader.db", "ftp://example.org/")
    with pytest.raises(article_sync.ArticleSyncError.BadArgument):
        article_sync.Reader(bad_url)


def test_a_sync_handle_cancelled_before_or_during_its_sync(article_sync, servers, tmp_path):
    slow = config(
        article_sync,
        servers,
        tmp_path / "reader.db",
        servers.blackhole_a,
        [servers.blackhole_b],
        connect_timeout_ms=60_000,
        read_timeout_ms=60_000,
    )
    reader = article_sync.Reader(slow)

    async def cancelled_first():
        handle = reader.start_sync()
        handle.cancel()  # before result() began: cancelSync() alone would find nothing to stop
        started = time.monotonic()
        with pytest.raises(article_sync.ArticleSyncError.Cancelled):
            await handle.result()
        return time.monotonic() - started

    async def cancelled_while_running():
        handle = reader.start_sync()
        task = asyncio.ensure_future(handle.result())
        await asyncio.sleep(0.3)
        started = time.monotonic()
        handle.cancel()
        with pytest.raises(article_sync.ArticleSyncError.Cancelled):
            await task
        return time.monotonic() - started

    assert asyncio.run(asyncio.wait_for(cancelled_first(), 20)) < 1.0
    assert asyncio.run(asyncio.wait_for(cancelled_while_running(), 20)) < 2.0
    # A handle that is not cancelled syncs like sync().
    good = article_sync.Reader(config(article_sync, servers, tmp_path / "good.db", servers.mirror))
    summary = asyncio.run(good.start_sync().result())
    assert summary.route == servers.mirror and good.counts().total == 2


def test_the_phone_variant_by_default_the_original_on_request(article_sync, servers, tmp_path):
    photo = "idlib-return"
    reader = article_sync.Reader(
        config(article_sync, servers, tmp_path / "photos.db", servers.photos, [], text_only=True)
    )
    assert asyncio.run(reader.sync()).images_fetched == 0  # text-only: no image with the sync
    lead = reader.article(photo).summary.lead_image
    original = lead.original
    assert original is not None and original.mime == "image/jpeg"
    assert lead.size < original.size  # the phone variant is the smaller file

    # Asked for explicitly, even in text-only mode: the original, verified and kept.
    full = asyncio.run(reader.fetch_image(photo, original.hash))
    assert len(full) == original.size and hashlib.sha256(full).hexdigest() == original.hash
    assert reader.storage_usage().media_bytes == original.size
    variant = asyncio.run(reader.fetch_image(photo, lead.hash))
    assert hashlib.sha256(variant).hexdigest() == lead.hash
    assert reader.storage_usage().media_bytes == original.size + lead.size
