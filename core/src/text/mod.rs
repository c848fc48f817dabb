//! Text the apps show the same way on every platform.
//!
//! - [`date`]: article dates in the seed page's form (Gregorian and Solar Hijri side by side
//!   for Persian, the locale's own Gregorian form otherwise).

pub mod date;
