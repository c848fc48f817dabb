//! The log sink: the core logs with `tracing`; an app registers one [`LogListener`] with a
//! level and receives the records on a core thread of its own, never the thread that logged.
//!
//! At `Info` and above the core logs no article text, comment text or URL query: routes (base
//! URLs), tree paths, counts, phases and errors only.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, OnceLock, RwLock};

use tracing::field::{Field, Visit};
use tracing::subscriber::Interest;
use tracing::{Event, Level, Metadata};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

use crate::ArticleSyncError;

/// How much to log, most severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum LogLevel {
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}

impl LogLevel {
    fn rank(self) -> u8 {
        self as u8 + 1
    }

    fn of(level: &Level) -> LogLevel {
        match *level {
            Level::ERROR => LogLevel::Error,
            Level::WARN => LogLevel::Warn,
            Level::INFO => LogLevel::Info,
            Level::DEBUG => LogLevel::Debug,
            Level::TRACE => LogLevel::Trace,
        }
    }
}

/// One log record.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LogRecord {
    pub level: LogLevel,
    /// The core module that logged, e.g. `article_sync_core::net`.
    pub target: String,
    /// The message followed by its fields, `key=value`.
    pub message: String,
}

/// Receives the core's log records.
#[uniffi::export(with_foreign)]
pub trait LogListener: Send + Sync {
    /// Called on the core's log thread, in order; calls never overlap. Records that arrive
    /// while 1,024 are waiting are dropped.
    fn on_log(&self, record: LogRecord);
}

/// Sends the core's log records at `level` and above to `listener`, replacing the one set
/// before; `null`/`nil` stops logging.
#[uniffi::export]
pub fn set_log_listener(
    listener: Option<Arc<dyn LogListener>>,
    level: LogLevel,
) -> Result<(), ArticleSyncError> {
    let sink = sink()?;
    let rank = if listener.is_some() { level.rank() } else { 0 };
    *sink.listener.write().unwrap_or_else(|e| e.into_inner()) = listener;
    sink.max_rank.store(rank, Ordering::Relaxed);
    Ok(())
}

struct Sink {
    /// 0: off; else the most verbose [`LogLevel::rank`] let through.
    max_rank: AtomicU8,
    listener: RwLock<Option<Arc<dyn LogListener>>>,
    queue: SyncSender<LogRecord>,
}

static SINK: OnceLock<Result<Arc<Sink>, String>> = OnceLock::new();

/// The sink, made on first use: a delivery thread and the process's `tracing` subscriber.
fn sink() -> Result<&'static Arc<Sink>, ArticleSyncError> {
    SINK.get_or_init(|| {
        let (queue, records) = sync_channel::<LogRecord>(1024);
        let sink = Arc::new(Sink {
            max_rank: AtomicU8::new(0),
            listener: RwLock::new(None),
            queue,
        });
        let delivering = sink.clone();
        std::thread::Builder::new()
            .name("article-sync-log".into())
            .spawn(move || {
                for record in records {
                    let listener = delivering
                        .listener
                        .read()
                        .unwrap_or_else(|e| e.into_inner())
                        .clone();
                    if let Some(listener) = listener {
                        // A listener that throws loses its record, not the thread.
                        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            listener.on_log(record)
                        }));
                    }
                }
            })
            .map_err(|e| format!("cannot start the log thread: {e}"))?;
        let subscriber = tracing_subscriber::registry().with(ToSink(sink.clone()));
        tracing::subscriber::set_global_default(subscriber)
            .map_err(|e| format!("cannot install the log subscriber: {e}"))?;
        Ok(sink)
    })
    .as_ref()
    .map_err(ArticleSyncError::internal)
}

struct ToSink(Arc<Sink>);

impl<S: tracing::Subscriber> Layer<S> for ToSink {
    fn register_callsite(&self, _: &'static Metadata<'static>) -> Interest {
        // The level changes at run time: ask `enabled` every time.
        Interest::sometimes()
    }

    fn enabled(&self, metadata: &Metadata<'_>, _: Context<'_, S>) -> bool {
        LogLevel::of(metadata.level()).rank() <= self.0.max_rank.load(Ordering::Relaxed)
    }

    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let mut text = Text::default();
        event.record(&mut text);
        let record = LogRecord {
            level: LogLevel::of(event.metadata().level()),
            target: event.metadata().target().to_owned(),
            message: text.0,
        };
        if let Err(TrySendError::Disconnected(_)) = self.0.queue.try_send(record) {
            self.0.max_rank.store(0, Ordering::Relaxed);
        }
    }
}

/// An event's message, then its other fields as `key=value`.
#[derive(Default)]
struct Text(String);

impl Visit for Text {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let fields = std::mem::take(&mut self.0);
            let _ = write!(self.0, "{value:?}{fields}");
        } else {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.record_debug(field, &format_args!("{value}"));
        } else {
            let _ = write!(self.0, " {}={value}", field.name());
        }
    }
}
