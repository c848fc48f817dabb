//! Dates as the seed page writes them; see `article_sync_core::text::date`.

use article_sync_core::text::date as core_date;

use crate::ArticleSyncError;

/// How much of a date [`format_date`] shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum DateStyle {
    /// Day and month: `۱۷ ژوئیه/ ۲۶ تیر` (fa), `17 July` (en-GB).
    DayMonth,
    /// Weekday, day and month: `سه‌شنبه ۱۷ ژوئیه/ ۲۶ تیر` (fa), `Tuesday 17 July` (en-GB).
    WeekdayDayMonth,
    /// Day, month and year: `۱۷ ژوئیه ۲۰۱۸/ ۲۶ تیر ۱۳۹۷` (fa), `17 July 2018` (en-GB).
    DayMonthYear,
}

impl From<DateStyle> for core_date::DateStyle {
    fn from(style: DateStyle) -> Self {
        match style {
            DateStyle::DayMonth => core_date::DateStyle::DayMonth,
            DateStyle::WeekdayDayMonth => core_date::DateStyle::WeekdayDayMonth,
            DateStyle::DayMonthYear => core_date::DateStyle::DayMonthYear,
        }
    }
}

/// Formats a date the way the seed page does, so both apps show the same text.
///
/// - `unix_seconds`: the instant (seconds since 1970-01-01 UTC).
/// - `utc_offset_seconds`: the reader's offset from UTC at that instant, which decides the day
///   (Kotlin: `ZoneId.systemDefault().rules.getOffset(instant).totalSeconds`; Swift:
///   `TimeZone.current.secondsFromGMT(for: date)`).
/// - `locale`: a BCP 47 tag (`fa`, `fa-IR`, `en-GB`; `fa_IR` is accepted).
///
/// Persian (`fa`) gives Gregorian and Solar Hijri side by side with Persian digits,
/// `۱۷ ژوئیه/ ۲۶ تیر`; any other locale gives its own Gregorian form, `17 July 2018`.
/// Calendars, names and digits come from ICU4X's CLDR data. Fast (no I/O): fine on a UI thread.
///
/// Throws `ArticleSyncError.BadArgument` for a malformed locale or an out-of-range time.
#[uniffi::export]
pub fn format_date(
    unix_seconds: i64,
    utc_offset_seconds: i32,
    locale: String,
    style: DateStyle,
) -> Result<String, ArticleSyncError> {
    Ok(core_date::format_date(
        unix_seconds,
        utc_offset_seconds,
        &locale,
        style.into(),
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2018-07-17 12:00 UTC.
    const SEED_DAY: i64 = 1_531_828_800;

    #[test]
    fn formats_the_seed_date() {
        let text = format_date(SEED_DAY, 16_200, "fa-IR".into(), DateStyle::DayMonth);
        assert_eq!(text.expect("formats"), "۱۷ ژوئیه/ ۲۶ تیر");
    }

    #[test]
    fn a_bad_locale_is_a_bad_argument() {
        match format_date(SEED_DAY, 0, "??".into(), DateStyle::DayMonth) {
            Err(ArticleSyncError::BadArgument { name, .. }) => assert_eq!(name, "locale"),
            other => panic!("gave {other:?}"),
        }
    }
}
