//! Article dates, formatted the way the seed page writes them.
//!
//! For Persian (`fa`, any region) a date is written in two calendars side by side, Gregorian
//! first, then Solar Hijri, with the locale's digits: `۱۷ ژوئیه/ ۲۶ تیر` (17 July / 26 Tir).
//! For every other locale it is the locale's own long Gregorian form (`17 July 2018` in
//! `en-GB`, `July 17, 2018` in `en`).
//!
//! All calendar arithmetic and every name and digit come from ICU4X's compiled CLDR data;
//! nothing is hand-written. Month names use CLDR's *stand-alone* forms (`LLLL`): in Persian the
//! *format* forms carry the ezafe (`ژوئیهٔ`, `مهٔ`), which the seed page does not write.
//! Weekdays use CLDR's correct spelling with the zero-width non-joiner (`سه‌شنبه`), where the
//! copied seed text lost it (`سهشنبه`).

use chrono::DateTime;
use icu_calendar::cal::Persian;
use icu_calendar::{Date, Gregorian};
use icu_datetime::FixedCalendarDateTimeFormatter;
use icu_datetime::fieldsets;
use icu_datetime::fieldsets::enums::DateFieldSet;
use icu_datetime::pattern::{DateTimePattern, FixedCalendarDateTimeNames};
use icu_locale_core::Locale;
use icu_locale_core::subtags::language;
use thiserror::Error;
use writeable::{TryWriteable, Writeable};

/// How much of the date to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateStyle {
    /// Day and month, as in running text: `۱۷ ژوئیه/ ۲۶ تیر`, `17 July` (`en-GB`).
    DayMonth,
    /// Weekday, day and month, as in the seed's first paragraph: `سه‌شنبه ۱۷ ژوئیه/ ۲۶ تیر`,
    /// `Tuesday 17 July` (`en-GB`).
    WeekdayDayMonth,
    /// Day, month and year, for dates of past years (archive lists):
    /// `۱۷ ژوئیه ۲۰۱۸/ ۲۶ تیر ۱۳۹۷`, `17 July 2018` (`en-GB`).
    DayMonthYear,
}

/// Why a date could not be formatted.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum DateError {
    #[error("locale {0:?} is not a BCP 47 language tag")]
    BadLocale(String),
    #[error("time {0} s since 1970 (after the UTC offset) is out of range")]
    OutOfRange(i64),
    #[error("no date data for locale {locale:?}: {reason}")]
    Data { locale: String, reason: String },
}

/// Formats the instant `unix_seconds`, seen at `utc_offset_seconds` east of UTC (the reader's
/// offset at that instant), for `locale` (a BCP 47 tag such as `fa`, `fa-IR`, `en-GB`; an
/// Android-style `fa_IR` is accepted). Unknown but well-formed locales fall back through CLDR's
/// locale fallback (ultimately to the root locale).
pub fn format_date(
    unix_seconds: i64,
    utc_offset_seconds: i32,
    locale: &str,
    style: DateStyle,
) -> Result<String, DateError> {
    let loc = parse_locale(locale)?;
    let local_seconds = unix_seconds
        .checked_add(i64::from(utc_offset_seconds))
        .ok_or(DateError::OutOfRange(unix_seconds))?;
    let day = DateTime::from_timestamp(local_seconds, 0)
        .ok_or(DateError::OutOfRange(local_seconds))?
        .date_naive();
    let gregorian = Date::try_new_gregorian(
        chrono::Datelike::year(&day),
        chrono::Datelike::month(&day) as u8,
        chrono::Datelike::day(&day) as u8,
    )
    .map_err(|_| DateError::OutOfRange(local_seconds))?;

    if loc.id.language == language!("fa") {
        format_two_calendars(&gregorian, &loc, style, locale)
    } else {
        format_gregorian(&gregorian, &loc, style, locale)
    }
}

fn parse_locale(locale: &str) -> Result<Locale, DateError> {
    Locale::try_from_str(&locale.trim().replace('_', "-"))
        .map_err(|_| DateError::BadLocale(locale.to_owned()))
}

/// `<gregorian>/ <solar hijri>`, each from a stand-alone-month pattern in the locale's names.
fn format_two_calendars(
    gregorian: &Date<Gregorian>,
    loc: &Locale,
    style: DateStyle,
    locale: &str,
) -> Result<String, DateError> {
    // The weekday is the same day in both calendars; the seed names it once, before both.
    let (g_pattern, p_pattern) = match style {
        DateStyle::DayMonth => ("d LLLL", "d LLLL"),
        DateStyle::WeekdayDayMonth => ("EEEE d LLLL", "d LLLL"),
        DateStyle::DayMonthYear => ("d LLLL y", "d LLLL y"),
    };
    let data_err = |reason: String| DateError::Data {
        locale: locale.to_owned(),
        reason,
    };
    let parse = |p: &str| -> Result<DateTimePattern, DateError> {
        p.parse()
            .map_err(|e| data_err(format!("pattern {p:?}: {e}")))
    };
    let (g_pattern, p_pattern) = (parse(g_pattern)?, parse(p_pattern)?);

    let mut g_names = FixedCalendarDateTimeNames::<Gregorian, DateFieldSet>::try_new(loc.into())
        .map_err(|e| data_err(e.to_string()))?;
    let g_text = g_names
        .include_for_pattern(&g_pattern)
        .map_err(|e| data_err(e.to_string()))?
        .format(gregorian)
        .try_write_to_string()
        .map(|text| text.into_owned())
        .map_err(|(e, _)| data_err(e.to_string()))?;

    let persian = gregorian.to_calendar(Persian);
    let mut p_names = FixedCalendarDateTimeNames::<Persian, DateFieldSet>::try_new(loc.into())
        .map_err(|e| data_err(e.to_string()))?;
    let p_text = p_names
        .include_for_pattern(&p_pattern)
        .map_err(|e| data_err(e.to_string()))?
        .format(&persian)
        .try_write_to_string()
        .map(|text| text.into_owned())
        .map_err(|(e, _)| data_err(e.to_string()))?;

    Ok(format!("{g_text}/ {p_text}"))
}

/// The locale's own long Gregorian form, whatever its default calendar.
fn format_gregorian(
    gregorian: &Date<Gregorian>,
    loc: &Locale,
    style: DateStyle,
    locale: &str,
) -> Result<String, DateError> {
    let data_err = |e: icu_datetime::DateTimeFormatterLoadError| DateError::Data {
        locale: locale.to_owned(),
        reason: e.to_string(),
    };
    let text = match style {
        DateStyle::DayMonth => FixedCalendarDateTimeFormatter::<Gregorian, _>::try_new(
            loc.into(),
            fieldsets::MD::long(),
        )
        .map_err(data_err)?
        .format(gregorian)
        .write_to_string()
        .into_owned(),
        DateStyle::WeekdayDayMonth => FixedCalendarDateTimeFormatter::<Gregorian, _>::try_new(
            loc.into(),
            fieldsets::MDE::long(),
        )
        .map_err(data_err)?
        .format(gregorian)
        .write_to_string()
        .into_owned(),
        DateStyle::DayMonthYear => FixedCalendarDateTimeFormatter::<Gregorian, _>::try_new(
            loc.into(),
            fieldsets::YMD::long(),
        )
        .map_err(data_err)?
        .format(gregorian)
        .write_to_string()
        .into_owned(),
    };
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tehran's offset in summer 2018 (+04:30, daylight saving time was still in use).
    const TEHRAN_SUMMER: i32 = 4 * 3600 + 1800;

    /// Noon UTC on the given day.
    fn noon(y: i32, m: u32, d: u32) -> i64 {
        chrono::NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|d| d.and_hms_opt(12, 0, 0))
            .map(|t| t.and_utc().timestamp())
            .expect("valid test date")
    }

    fn fa(secs: i64, style: DateStyle) -> String {
        format_date(secs, TEHRAN_SUMMER, "fa", style).expect("formats")
    }

    #[test]
    fn seed_dates_in_persian() {
        assert_eq!(
            fa(noon(2018, 7, 17), DateStyle::DayMonth),
            "۱۷ ژوئیه/ ۲۶ تیر"
        );
        assert_eq!(
            fa(noon(2018, 7, 16), DateStyle::DayMonth),
            "۱۶ ژوئیه/ ۲۵ تیر"
        );
        assert_eq!(
            fa(noon(2018, 5, 17), DateStyle::DayMonth),
            "۱۷ مه/ ۲۷ اردیبهشت"
        );
        assert_eq!(fa(noon(2018, 5, 28), DateStyle::DayMonth), "۲۸ مه/ ۷ خرداد");
    }

    #[test]
    fn seed_dates_are_found_in_the_seed_text() {
        // The seed writes the weekday without its ZWNJ; compare with the ZWNJ removed.
        let seed = "شامگاه سهشنبه ۱۷ ژوئیه/ ۲۶ تیر در رسانهها";
        let ours = fa(noon(2018, 7, 17), DateStyle::WeekdayDayMonth).replace('\u{200c}', "");
        assert!(seed.contains(&ours), "{ours:?} not in the seed text");
    }

    #[test]
    fn weekday_is_spelled_with_zwnj_and_named_once() {
        assert_eq!(
            fa(noon(2018, 7, 17), DateStyle::WeekdayDayMonth),
            "سه\u{200c}شنبه ۱۷ ژوئیه/ ۲۶ تیر"
        );
    }

    #[test]
    fn years_in_both_calendars() {
        assert_eq!(
            fa(noon(2018, 7, 17), DateStyle::DayMonthYear),
            "۱۷ ژوئیه ۲۰۱۸/ ۲۶ تیر ۱۳۹۷"
        );
        // Nowruz: 21 March 2018 is 1 Farvardin 1397.
        assert_eq!(
            fa(noon(2018, 3, 21), DateStyle::DayMonthYear),
            "۲۱ مارس ۲۰۱۸/ ۱ فروردین ۱۳۹۷"
        );
    }

    #[test]
    fn offset_moves_the_day() {
        // 21:00 UTC on 16 July is already 17 July in Tehran.
        let late = noon(2018, 7, 16) + 9 * 3600;
        assert_eq!(fa(late, DateStyle::DayMonth), "۱۷ ژوئیه/ ۲۶ تیر");
        assert_eq!(
            format_date(late, 0, "fa", DateStyle::DayMonth).as_deref(),
            Ok("۱۶ ژوئیه/ ۲۵ تیر")
        );
    }

    #[test]
    fn other_locales_get_their_gregorian_form() {
        let t = noon(2018, 7, 17);
        let f = |loc, style| format_date(t, 0, loc, style).expect("formats");
        assert_eq!(f("en-GB", DateStyle::DayMonthYear), "17 July 2018");
        assert_eq!(f("en", DateStyle::DayMonthYear), "July 17, 2018");
        assert_eq!(f("en_GB", DateStyle::DayMonth), "17 July");
        // Arabic's default calendar is not Gregorian; the Gregorian form is still used.
        assert!(f("ar-SA", DateStyle::DayMonthYear).contains("يوليو"));
    }

    #[test]
    fn persian_region_tags_keep_two_calendars() {
        let t = noon(2018, 7, 17);
        assert_eq!(
            format_date(t, 0, "fa_IR", DateStyle::DayMonth).as_deref(),
            Ok("۱۷ ژوئیه/ ۲۶ تیر")
        );
    }

    #[test]
    fn bad_input_is_a_typed_error() {
        assert_eq!(
            format_date(0, 0, "not a locale!", DateStyle::DayMonth),
            Err(DateError::BadLocale("not a locale!".into()))
        );
        assert!(matches!(
            format_date(i64::MAX, 0, "fa", DateStyle::DayMonth),
            Err(DateError::OutOfRange(_))
        ));
        assert!(matches!(
            format_date(i64::MAX - 10, i32::MAX, "fa", DateStyle::DayMonth),
            Err(DateError::OutOfRange(_))
        ));
    }
}
