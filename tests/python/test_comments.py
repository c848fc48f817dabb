"""The comment round trip through the Python bindings: written while the main site is blocked,
delivered through the relay by a sync, approved and published by the publisher, and shown as
published under its article after the next sync (scripts/loopback-servers.sh runs the inbox,
the relay, and the publisher's side behind a URL)."""

import asyncio
import urllib.request
import uuid

from test_reader import SEED_ID, config


def test_a_comment_comes_back_published(article_sync, servers, tmp_path):
    reader = article_sync.Reader(
        config(article_sync, servers, tmp_path / "r.db", servers.main_blocked, [servers.mirror])
    )
    asyncio.run(reader.sync())
    text = f"نظر از پایتون {uuid.uuid4().hex[:8]}"
    queued = reader.compose_comment(SEED_ID, "کارو", text)
    assert queued.state == article_sync.OutboxState.WAITING

    summary = asyncio.run(reader.sync())
    assert summary.comments_sent == 1
    [sent] = [o for o in reader.outbox() if o.body == text]
    assert sent.state == article_sync.OutboxState.SENT
    assert sent.route == servers.relay
    assert sent.sent_at is not None

    with urllib.request.urlopen(urllib.request.Request(servers.publish_comments, method="POST")) as r:
        assert r.status == 200
    summary = asyncio.run(reader.sync())
    assert summary.comments_put >= 1
    [published] = [o for o in reader.outbox() if o.body == text]
    assert published.state == article_sync.OutboxState.PUBLISHED
    assert published.decided_at is not None
    comments = reader.article(SEED_ID).comments
    assert any(c.author == "کارو" and c.body == text for c in comments)
