//! The connection banner: the seven states the site itself shows (the seed page,
//! `tests/fixtures/seed/`), with its texts for them; `core::net::state` decides which.

/// The connection state the banner names. The core chooses it from the evidence of its routes
/// and probes; apps only display it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum BannerState {
    /// Nothing measured since start.
    Unknown,
    /// Probes and routes are still racing; no route has answered yet.
    Connecting,
    /// The main site answered with valid, signed content: an uncensored connection.
    Direct,
    /// The main site failed in a censorship-like way (tampered DNS, reset, TLS failure, block
    /// page, timeout while other hosts work) and a mirror answered.
    MainBlockedViaMirror,
    /// A mirror answered; the main site failed in a way that does not look like censorship.
    Mirror,
    /// The main site and every mirror failed while international probes work.
    NoRoute,
    /// Nothing answers, domestic probes included, or the system reports no network.
    Offline,
    /// Domestic probes answer and every international host fails.
    NationalShutdown,
}

/// The banner's text in the site's Persian and in English.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BannerText {
    /// As the site writes it (with the zero-width non-joiner the copied seed page lost).
    pub persian: String,
    pub english: String,
}

/// The banner text for a state, as the seed page shows it (the core's
/// `net::banner_text`). Constant data: fine on a UI thread.
///
/// The page's seven messages cover eight states: `Connecting` and `NoRoute` both say
/// "Cannot connect", and `MainBlockedViaMirror` shows two messages together, as the page does.
#[uniffi::export]
pub fn banner_text(state: BannerState) -> BannerText {
    use article_sync_core::net::{ConnectionState as S, Evidence, banner_text};
    let e = Evidence::default;
    let core = match state {
        BannerState::Unknown => S::Unknown,
        BannerState::Connecting => S::Connecting(e()),
        BannerState::Direct => S::Direct(e()),
        BannerState::MainBlockedViaMirror => S::MainBlockedMirror(e()),
        BannerState::Mirror => S::MirrorOnly(e()),
        BannerState::NoRoute => S::NoRoute(e()),
        BannerState::Offline => S::Offline(e()),
        BannerState::NationalShutdown => S::NationalShutdown(e()),
    };
    let (persian, english) = banner_text(&core);
    BannerText {
        persian: persian.to_owned(),
        english: english.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [BannerState; 8] = [
        BannerState::Unknown,
        BannerState::Connecting,
        BannerState::Direct,
        BannerState::MainBlockedViaMirror,
        BannerState::Mirror,
        BannerState::NoRoute,
        BannerState::Offline,
        BannerState::NationalShutdown,
    ];

    /// The first line of the seed page, as copied (without ZWNJ).
    const SEED_BANNER: &str = "ارتباط ناشناخته. ارتباط بدون سانسور. ارتباط برقرار نمیشود. سایت اصلی احتمالاً زیر سانسور است. ارتباط با سایت (های) موازی برقرار شد. ارتباط برقرار نمیشود. ارتباط اینترنت خود را امتحان کنید. احتمال دارد اینترنت به طور سراسری قطع شده باشد. ادامه مطلب";

    #[test]
    fn every_persian_text_is_on_the_seed_banner() {
        for state in ALL {
            let text = banner_text(state).persian.replace('\u{200c}', "");
            assert!(SEED_BANNER.contains(&text), "{state:?}: {text:?}");
        }
    }

    #[test]
    fn the_seven_messages_are_all_used() {
        let mut english: Vec<String> = ALL.iter().map(|&s| banner_text(s).english).collect();
        english.sort();
        english.dedup();
        // 8 states, 2 share "Cannot connect": 7 distinct texts, one of them two messages.
        assert_eq!(english.len(), 7);
        assert_eq!(
            banner_text(BannerState::NoRoute),
            banner_text(BannerState::Connecting)
        );
        assert_eq!(
            banner_text(BannerState::MainBlockedViaMirror).english,
            "The main site is probably censored. Connected to parallel (mirror) site(s)"
        );
        assert!(
            banner_text(BannerState::Offline)
                .persian
                .contains("نمی\u{200c}شود")
        );
    }
}
