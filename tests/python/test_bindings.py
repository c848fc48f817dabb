"""The article-sync FFI from Python, against the host build."""

import asyncio
import base64
import hashlib
import http.server
import socket
import threading
from datetime import datetime, timezone

import pytest

# RFC 8032, test 1: a valid ed25519 public key.
RFC8032_KEY = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
TEHRAN_SUMMER = 4 * 3600 + 1800


def noon_utc(y, m, d):
    return int(datetime(y, m, d, 12, tzinfo=timezone.utc).timestamp())


@pytest.mark.parametrize(
    "day, expected",
    [
        ((2018, 7, 17), "۱۷ ژوئیه/ ۲۶ تیر"),
        ((2018, 7, 16), "۱۶ ژوئیه/ ۲۵ تیر"),
        ((2018, 5, 17), "۱۷ مه/ ۲۷ اردیبهشت"),
        ((2018, 5, 28), "۲۸ مه/ ۷ خرداد"),
    ],
)
def test_seed_dates_in_persian(article_sync, day, expected):
    text = article_sync.format_date(
        noon_utc(*day), TEHRAN_SUMMER, "fa-IR", article_sync.DateStyle.DAY_MONTH
    )
    assert text == expected


def test_other_locales_and_styles(article_sync):
    t = noon_utc(2018, 7, 17)
    style = article_sync.DateStyle
    assert article_sync.format_date(t, 0, "en-GB", style.DAY_MONTH_YEAR) == "17 July 2018"
    assert (
        article_sync.format_date(t, TEHRAN_SUMMER, "fa", style.WEEKDAY_DAY_MONTH)
        == "سه\u200cشنبه ۱۷ ژوئیه/ ۲۶ تیر"
    )


def test_bad_locale_is_a_typed_error(article_sync):
    with pytest.raises(article_sync.ArticleSyncError.BadArgument) as err:
        article_sync.format_date(0, 0, "not a locale!", article_sync.DateStyle.DAY_MONTH)
    assert "locale" in str(err.value)


def test_public_key_id(article_sync):
    text = "ed25519:" + base64.b64encode(RFC8032_KEY).decode()
    assert article_sync.verify_public_key(text) == hashlib.sha256(RFC8032_KEY).hexdigest()[:16]


def test_bad_public_key_is_a_typed_error(article_sync):
    with pytest.raises(article_sync.ArticleSyncError.Invalid) as err:
        article_sync.verify_public_key("ed25519:AAAA")
    assert "public key" in str(err.value)
    # The flat error's variants share one base class.
    assert isinstance(err.value, article_sync.ArticleSyncError)


def test_banner_texts(article_sync):
    State = article_sync.BannerState
    assert article_sync.banner_text(State.UNKNOWN).persian == "ارتباط ناشناخته"
    assert article_sync.banner_text(State.DIRECT).english == "Uncensored connection"
    shutdown = article_sync.banner_text(State.NATIONAL_SHUTDOWN)
    assert shutdown.english == "The internet may be shut down nationwide"
    assert "\u200c" in article_sync.banner_text(State.OFFLINE).persian
    assert article_sync.banner_text(State.NO_ROUTE) == article_sync.banner_text(State.CONNECTING)


class _Quiet(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_probe_reaches_a_loopback_server(article_sync):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        assert asyncio.run(article_sync.probe_url(url, 2000)) is True
    finally:
        server.shutdown()


def test_probe_of_a_closed_port_is_false(article_sync):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert asyncio.run(article_sync.probe_url(f"http://127.0.0.1:{port}/", 2000)) is False


def test_cancelling_a_probe_closes_its_connection(article_sync):
    # A server that accepts and never answers: the probe waits until cancelled, and the
    # cancellation must reach Rust and close the connection (the server then reads EOF).
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        silent.settimeout(5)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/"

        async def probe_then_cancel():
            task = asyncio.ensure_future(article_sync.probe_url(url, 60_000))
            conn, _ = await asyncio.get_running_loop().run_in_executor(None, silent.accept)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            return conn

        conn = asyncio.run(asyncio.wait_for(probe_then_cancel(), 10))
        with conn:
            conn.settimeout(5)
            request = conn.recv(4096)
            assert request.startswith(b"GET / HTTP/1.1")
            while request:  # read to EOF: the client hung up
                request = conn.recv(4096)


def test_probe_rejects_other_schemes(article_sync):
    with pytest.raises(article_sync.ArticleSyncError.BadArgument):
        asyncio.run(article_sync.probe_url("file:///etc/passwd", 100))
