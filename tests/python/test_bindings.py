"""The article-sync FFI from Python, against the host build."""

import base64
import hashlib
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
