"""The reader scenario list, the same in every front end (core/tests/reader_scenarios.rs has it
in Rust; tests/kotlin ScenarioTest.kt, tests/swift ScenarioTests.swift and
cli/tests/reader.rs run it too): bad configuration, an unknown article, an empty comment, an
over-long comment, a sync with no route, wipe and reopen. Each gives the same typed error."""

import asyncio

import pytest

from test_reader import config

MISSING = "no-such-article"


def test_bad_configuration(article_sync, servers, tmp_path):
    db = tmp_path / "reader.db"
    bad_key = config(article_sync, servers, db, servers.mirror)
    bad_key.publisher_keys = ["ed25519:AAAA"]
    with pytest.raises(article_sync.ArticleSyncError.Invalid):
        article_sync.Reader(bad_key)
    with pytest.raises(article_sync.ArticleSyncError.BadArgument) as err:
        article_sync.Reader(config(article_sync, servers, db, "ftp://example.org/"))
    assert "main_url" in str(err.value)
    bad_probe = config(article_sync, servers, db, servers.mirror)
    bad_probe.domestic_probes = ["ftp://probe.example/"]
    with pytest.raises(article_sync.ArticleSyncError.BadArgument) as err:
        article_sync.Reader(bad_probe)
    assert "domestic_probes" in str(err.value)
    assert not db.exists(), "a bad configuration creates nothing"


def test_unknown_article_and_comments(article_sync, servers, tmp_path):
    reader = article_sync.Reader(config(article_sync, servers, tmp_path / "r.db", servers.closed))
    assert reader.article(MISSING) is None
    with pytest.raises(article_sync.ArticleSyncError.NotFound):
        reader.set_bookmarked(MISSING, True)
    with pytest.raises(article_sync.ArticleSyncError.NotFound):
        reader.set_read(MISSING, True)
    # Empty: white space and zero-width marks only.
    with pytest.raises(article_sync.ArticleSyncError.InvalidComment) as err:
        reader.compose_comment(MISSING, " \u200c ", "نظر")
    assert "author" in str(err.value)
    # Over-long: 4,001 characters; 4,000 pass the rules and then meet the missing article.
    with pytest.raises(article_sync.ArticleSyncError.InvalidComment) as err:
        reader.compose_comment(MISSING, "کارو", "ن" * 4001)
    assert "text" in str(err.value)
    with pytest.raises(article_sync.ArticleSyncError.NotFound):
        reader.compose_comment(MISSING, "کارو", "ن" * 4000)
    assert reader.outbox() == []


def test_sync_with_no_route_then_wipe_and_reopen(article_sync, servers, tmp_path):
    db = tmp_path / "r.db"
    reader = article_sync.Reader(config(article_sync, servers, db, servers.closed))
    with pytest.raises(article_sync.ArticleSyncError.NoRoute):
        asyncio.run(reader.sync())
    reader.wipe()
    assert not db.exists()
    with pytest.raises(article_sync.ArticleSyncError.Closed):
        reader.counts()
    again = article_sync.Reader(config(article_sync, servers, db, servers.mirror))
    assert again.counts().total == 0
    asyncio.run(again.sync())
    assert again.counts().total > 0


def test_a_sync_that_evicts_says_how_many(article_sync, servers, tmp_path):
    # A budget of one byte: every article's body is evicted as soon as it is stored.
    reader = article_sync.Reader(
        config(article_sync, servers, tmp_path / "r.db", servers.mirror, storage_budget_bytes=1)
    )
    summary = asyncio.run(reader.sync())
    assert summary.evicted == 2
    assert reader.storage_usage().evicted_articles == 2
