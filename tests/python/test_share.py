"""What the sample apps' "Share" and "Receive" screens call: a reader's copy shared over
loopback HTTP, its date, its URL as QR modules, and another reader adding it as a mirror."""

import asyncio
import urllib.request

import pytest

from test_reader import SEED_ID, config


def test_qr_modules_are_a_square_with_finder_patterns(article_sync):
    code = article_sync.qr_modules("http://192.168.43.1:8080/")
    n = code.size
    assert n >= 21 and (n - 17) % 4 == 0
    assert len(code.dark) == n * n
    for x0, y0 in [(0, 0), (n - 7, 0), (0, n - 7)]:
        assert all(code.dark[y0 * n + x0 + i] and code.dark[(y0 + i) * n + x0] for i in range(7))
        assert not code.dark[(y0 + 1) * n + x0 + 1] and code.dark[(y0 + 3) * n + x0 + 3]
    # Another text, another code.
    assert article_sync.qr_modules("http://10.0.0.2:8080/").dark != code.dark


def test_qr_modules_refuse_empty_and_huge_texts(article_sync):
    for bad in ["", "x" * 1025]:
        with pytest.raises(article_sync.ArticleSyncError.BadArgument):
            article_sync.qr_modules(bad)


def test_the_shared_copy_has_its_date_and_another_reader_syncs_from_its_url(
    article_sync, servers, tmp_path
):
    a = article_sync.Reader(
        config(article_sync, servers, tmp_path / "a.db", servers.main_blocked, [servers.mirror])
    )
    assert a.copy_issued_at() is None
    asyncio.run(a.sync())
    issued = a.copy_issued_at()
    assert issued is not None and issued > 1_500_000_000
    url = asyncio.run(a.start_sharing(0))
    try:
        page = urllib.request.urlopen(url, timeout=10).read().decode()
        # The landing page shows the same date and key fingerprint as the screen does.
        date = article_sync.format_date(issued, 0, "en-GB", article_sync.DateStyle.DAY_MONTH_YEAR)
        assert date in page
        assert article_sync.key_fingerprint(servers.key) in page

        c = article_sync.Reader(config(article_sync, servers, tmp_path / "c.db", servers.closed))
        assert c.add_mirror(url) == url
        summary = asyncio.run(c.sync())
        assert summary.route == url
        assert c.counts().total == a.counts().total > 0
        assert c.copy_issued_at() == issued
    finally:
        a.stop_sharing()


def test_an_exported_copy_carries_a_waiting_comment_and_another_reader_syncs_from_the_folder(
    article_sync, servers, tmp_path
):
    a = article_sync.Reader(config(article_sync, servers, tmp_path / "a.db", servers.mirror))
    with pytest.raises(article_sync.ArticleSyncError.NotFound):
        a.export_tree(str(tmp_path))
    asyncio.run(a.sync())
    a.compose_comment(SEED_ID, "کارو", "نظری که با کارت حافظه می‌رود")
    copy = tmp_path / "sd-card"
    copy.mkdir()
    summary = a.export_tree(str(copy))
    # A first sync takes the snapshot, not the log files before it: those may be missing, and
    # only a reader at an older position would need them.
    assert all(path.startswith("log/") for path in summary.missing)
    assert summary.envelopes == 1
    assert summary.files > 3 and summary.bytes > 0
    assert (copy / "head").is_file()
    with pytest.raises(article_sync.ArticleSyncError.BadArgument):
        a.export_tree(str(tmp_path / "no-such-folder"))

    b = article_sync.Reader(config(article_sync, servers, tmp_path / "b.db", servers.closed))
    assert b.add_mirror(str(copy)).startswith("file://")
    asyncio.run(b.sync())
    assert b.counts().total == a.counts().total > 0
    assert b.article(SEED_ID).body_html == a.article(SEED_ID).body_html != ""
