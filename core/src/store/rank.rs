//! `article_rank(search)`: FTS5's bm25 (k1 = 1.2, b = 0.75, the column weights of [`WEIGHTS`],
//! computed as FTS5's `bm25()` does) with each row's length read from memory.
//!
//! bm25 needs each matching row's length, which FTS5 reads from the `search_docsize` table:
//! one b-tree lookup per row, a third of a query's time when a word matches ten thousand
//! articles. Like Lucene's norms, the lengths are kept in memory instead, per connection (12
//! bytes an article), read again whenever the database has changed since
//! (`PRAGMA data_version` and the connection's own changes). A single-phrase query also skips
//! the inverse document frequency, which would scale every score alike (bm25 counts the
//! phrase's matches for it: a second pass over them).
//!
//! Ranks follow FTS5's convention: lower is better (the score negated).

use std::ffi::{CStr, c_int, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::ptr;
use std::sync::Mutex;

use rusqlite::{Connection, ffi};

/// The function's SQL name.
pub(crate) const FUNCTION: &str = "article_rank";
/// bm25 weights of the columns title, summary, body, comments.
const WEIGHTS: [f64; 4] = [10.0, 4.0, 1.0, 1.0];
const K1: f64 = 1.2;
const B: f64 = 0.75;

/// Registers [`FUNCTION`] on `conn` (each connection that searches needs it).
pub(crate) fn register(conn: &Connection) -> rusqlite::Result<()> {
    // SAFETY: `fts5_api` is fetched as SQLite documents (`SELECT fts5(?1)` with a bound
    // pointer) and lives as long as the connection; the function's user data is `lengths`,
    // which SQLite hands to `drop_lengths` once, when the connection closes (FTS5 does not
    // when registering fails: it is freed here then).
    unsafe {
        let api = fts5_api(conn.handle())?;
        let create = (*api)
            .xCreateFunction
            .ok_or_else(|| missing("xCreateFunction"))?;
        let lengths = Box::into_raw(Box::new(Mutex::new(Lengths::default())));
        let code = create(
            api,
            c"article_rank".as_ptr(),
            lengths.cast(),
            Some(rank),
            Some(drop_lengths),
        );
        if code != ffi::SQLITE_OK {
            drop(Box::from_raw(lengths));
            return check(conn.handle(), code);
        }
    }
    Ok(())
}

unsafe fn fts5_api(db: *mut ffi::sqlite3) -> rusqlite::Result<*mut ffi::fts5_api> {
    let mut api: *mut ffi::fts5_api = ptr::null_mut();
    let mut stmt: *mut ffi::sqlite3_stmt = ptr::null_mut();
    // SAFETY: the caller passes an open connection; `api` outlives the statement.
    unsafe {
        check(
            db,
            ffi::sqlite3_prepare_v2(
                db,
                c"SELECT fts5(?1)".as_ptr(),
                -1,
                &mut stmt,
                ptr::null_mut(),
            ),
        )?;
        ffi::sqlite3_bind_pointer(
            stmt,
            1,
            (&raw mut api).cast(),
            c"fts5_api_ptr".as_ptr(),
            None,
        );
        ffi::sqlite3_step(stmt);
        check(db, ffi::sqlite3_finalize(stmt))?;
    }
    if api.is_null() {
        return Err(missing("fts5_api"));
    }
    Ok(api)
}

fn check(db: *mut ffi::sqlite3, code: c_int) -> rusqlite::Result<()> {
    if code == ffi::SQLITE_OK {
        return Ok(());
    }
    // SAFETY: `db` is the open connection the failing call was made on.
    let message = unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(db)) };
    Err(rusqlite::Error::SqliteFailure(
        ffi::Error::new(code),
        Some(message.to_string_lossy().into_owned()),
    ))
}

fn missing(what: &str) -> rusqlite::Error {
    rusqlite::Error::SqliteFailure(
        ffi::Error::new(ffi::SQLITE_ERROR),
        Some(format!("FTS5 does not provide {what}")),
    )
}

/// The total length in tokens of each indexed row, as of `version`.
#[derive(Default)]
struct Lengths {
    version: Option<(i64, i64)>,
    rowids: Vec<i64>,
    lengths: Vec<u32>,
}

impl Lengths {
    /// Reads the lengths again unless the database is unchanged since they were read.
    fn refresh(&mut self, conn: &Connection) -> rusqlite::Result<()> {
        let version = (
            conn.query_row("PRAGMA data_version", [], |r| r.get(0))?,
            conn.total_changes() as i64,
        );
        if self.version == Some(version) {
            return Ok(());
        }
        self.version = None;
        self.rowids.clear();
        self.lengths.clear();
        let mut stmt = conn.prepare("SELECT id, sz FROM search_docsize ORDER BY id")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            self.rowids.push(row.get(0)?);
            self.lengths.push(row_length(row.get_ref(1)?.as_blob()?));
        }
        self.version = Some(version);
        Ok(())
    }

    /// The length of row `rowid`. `at` is where the previous lookup ended: FTS5 visits rows in
    /// rowid order, so the search gallops forward from there.
    fn get(&self, rowid: i64, at: &mut usize) -> Option<u32> {
        let ids = &self.rowids;
        let from = if ids.get(at.wrapping_sub(1)).is_some_and(|&r| r < rowid) {
            *at
        } else {
            0
        };
        let mut step = 1;
        let mut to = from;
        while to < ids.len() && ids[to] < rowid {
            to = from + step;
            step *= 2;
        }
        let to = to.min(ids.len());
        let i = from + ids[from..to].partition_point(|&r| r < rowid);
        *at = i;
        (ids.get(i) == Some(&rowid)).then(|| self.lengths[i])
    }
}

/// The sum of a docsize record's column sizes (SQLite varints, one per column: big-endian
/// 7-bit groups, the high bit set on all but the last byte; a ninth byte carries 8 bits).
fn row_length(mut sz: &[u8]) -> u32 {
    let mut total = 0u64;
    while !sz.is_empty() {
        let mut value = 0u64;
        let mut used = 0;
        for &byte in sz.iter().take(9) {
            used += 1;
            if used == 9 {
                value = (value << 8) | u64::from(byte);
                break;
            }
            value = (value << 7) | u64::from(byte & 0x7f);
            if byte & 0x80 == 0 {
                break;
            }
        }
        total = total.saturating_add(value);
        sz = &sz[used..];
    }
    u32::try_from(total).unwrap_or(u32::MAX)
}

/// What one query's rows share: per-phrase IDF, the mean row length, the phrase frequencies
/// of the current row, where the last length lookup ended.
struct Query {
    idf: Vec<f64>,
    /// Phrases that match no row (an inflection nobody wrote): skipped for every row.
    dead: Vec<bool>,
    avg_len: f64,
    freq: Vec<f64>,
    /// Where the last length lookup ended.
    at: usize,
}

impl Query {
    /// bm25 of a row with weighted phrase frequencies `self.freq` and `len` tokens.
    fn score(&self, len: f64) -> f64 {
        let norm = K1 * (1.0 - B + B * len / self.avg_len);
        self.idf
            .iter()
            .zip(&self.freq)
            .map(|(idf, f)| idf * f * (K1 + 1.0) / (f + norm))
            .sum()
    }
}

/// An SQLite error code, to return from the function.
struct Code(c_int);

fn ok(code: c_int) -> Result<(), Code> {
    if code == ffi::SQLITE_OK {
        Ok(())
    } else {
        Err(Code(code))
    }
}

unsafe extern "C" fn rank(
    api: *const ffi::Fts5ExtensionApi,
    fts: *mut ffi::Fts5Context,
    ctx: *mut ffi::sqlite3_context,
    _n_val: c_int,
    _values: *mut *mut ffi::sqlite3_value,
) {
    // SAFETY: FTS5 calls this with its API and the row's context, on the connection of `ctx`.
    let result = catch_unwind(AssertUnwindSafe(|| unsafe {
        row_rank(&*api, fts, ffi::sqlite3_context_db_handle(ctx))
    }));
    // SAFETY: `ctx` is this call's result context.
    unsafe {
        match result {
            Ok(Ok(rank)) => ffi::sqlite3_result_double(ctx, rank),
            Ok(Err(Code(code))) => ffi::sqlite3_result_error_code(ctx, code),
            Err(_) => ffi::sqlite3_result_error(ctx, c"article_rank panicked".as_ptr(), -1),
        }
    }
}

/// The rank of the current row.
///
/// # Safety
/// `api` and `fts` are those FTS5 passed to the auxiliary function for this row, `db` its
/// connection.
unsafe fn row_rank(
    api: &ffi::Fts5ExtensionApi,
    fts: *mut ffi::Fts5Context,
    db: *mut ffi::sqlite3,
) -> Result<f64, Code> {
    let (
        Some(user_data),
        Some(get_aux),
        Some(phrase_first),
        Some(phrase_next),
        Some(rowid),
        Some(size),
    ) = (
        api.xUserData,
        api.xGetAuxdata,
        api.xPhraseFirst,
        api.xPhraseNext,
        api.xRowid,
        api.xColumnSize,
    )
    else {
        return Err(Code(ffi::SQLITE_ERROR));
    };
    // SAFETY: the user data is the `Mutex<Lengths>` of `register`, alive while the connection
    // is; auxiliary data is only ever set by `query_of`, to a `Box<Query>`.
    let (lengths, query) = unsafe {
        let lengths = &*user_data(fts).cast::<Mutex<Lengths>>();
        let mut aux = get_aux(fts, 0).cast::<Query>();
        if aux.is_null() {
            aux = query_of(api, fts, db, lengths)?;
        }
        (lengths, &mut *aux)
    };
    // Each phrase's instances in this row, walked phrase by phrase (cheaper than xInst, which
    // first sorts every phrase's instances into one array).
    for (phrase, f) in query.freq.iter_mut().enumerate() {
        *f = 0.0;
        if query.dead[phrase] {
            continue;
        }
        let mut iter = ffi::Fts5PhraseIter {
            a: ptr::null(),
            b: ptr::null(),
        };
        let (mut column, mut offset) = (0, 0);
        // SAFETY: FTS5 API calls on the current row; `phrase` < the query's phrase count.
        unsafe {
            ok(phrase_first(
                fts,
                phrase as c_int,
                &mut iter,
                &mut column,
                &mut offset,
            ))?;
            while column >= 0 {
                *f += usize::try_from(column)
                    .ok()
                    .and_then(|c| WEIGHTS.get(c))
                    .unwrap_or(&1.0);
                phrase_next(fts, &mut iter, &mut column, &mut offset);
            }
        }
    }
    // SAFETY: as above.
    let id = unsafe { rowid(fts) };
    let known = lengths
        .try_lock()
        .ok()
        .and_then(|l| l.get(id, &mut query.at));
    let len = match known {
        Some(len) => len,
        None => {
            let mut len = 0;
            // SAFETY: column -1: the row's length over every column.
            unsafe { ok(size(fts, -1, &mut len))? };
            u32::try_from(len).unwrap_or(0)
        }
    };
    Ok(-query.score(f64::from(len)))
}

/// Computes the query's shared data, stores it as the function's auxiliary data, and brings
/// the connection's lengths up to date.
///
/// # Safety
/// As [`row_rank`].
unsafe fn query_of(
    api: &ffi::Fts5ExtensionApi,
    fts: *mut ffi::Fts5Context,
    db: *mut ffi::sqlite3,
    lengths: &Mutex<Lengths>,
) -> Result<*mut Query, Code> {
    let (Some(phrase_count), Some(row_count), Some(total_size), Some(query_phrase), Some(set_aux)) = (
        api.xPhraseCount,
        api.xRowCount,
        api.xColumnTotalSize,
        api.xQueryPhrase,
        api.xSetAuxdata,
    ) else {
        return Err(Code(ffi::SQLITE_ERROR));
    };
    // SAFETY: FTS5 API calls on the current query; `db` is open and outlives `conn`, which does
    // not close it.
    unsafe {
        if let Ok(mut lengths) = lengths.try_lock() {
            // A borrowed handle: dropping it leaves the connection open. (With rusqlite's
            // `hooks` feature, which this crate does not enable, it would also clear hooks.)
            let conn = Connection::from_handle(db).map_err(|_| Code(ffi::SQLITE_ERROR))?;
            // Unreadable lengths are left empty: every row's is then read by FTS5.
            if lengths.refresh(&conn).is_err() {
                *lengths = Lengths::default();
            }
        }
        let phrases = usize::try_from(phrase_count(fts)).unwrap_or(0);
        let (mut rows, mut tokens) = (0i64, 0i64);
        ok(row_count(fts, &mut rows))?;
        ok(total_size(fts, -1, &mut tokens))?;
        let mut idf = vec![1.0; phrases];
        let mut dead = vec![false; phrases];
        if phrases > 1 {
            for (i, idf) in idf.iter_mut().enumerate() {
                let mut hits: i64 = 0;
                ok(query_phrase(
                    fts,
                    i as c_int,
                    (&raw mut hits).cast(),
                    Some(count_row),
                ))?;
                dead[i] = hits == 0;
                let (n, h) = (rows as f64, hits as f64);
                *idf = ((n - h + 0.5) / (h + 0.5)).ln();
                if *idf <= 0.0 {
                    *idf = 1e-6;
                }
            }
        }
        let query = Box::into_raw(Box::new(Query {
            idf,
            dead,
            avg_len: (tokens.max(1) as f64) / (rows.max(1) as f64),
            freq: vec![0.0; phrases],
            at: 0,
        }));
        if let Err(e) = ok(set_aux(fts, query.cast(), Some(drop_query))) {
            drop(Box::from_raw(query));
            return Err(e);
        }
        Ok(query)
    }
}

unsafe extern "C" fn count_row(
    _api: *const ffi::Fts5ExtensionApi,
    _fts: *mut ffi::Fts5Context,
    hits: *mut c_void,
) -> c_int {
    // SAFETY: `hits` is the `i64` `query_of` passed to xQueryPhrase.
    unsafe { *hits.cast::<i64>() += 1 };
    ffi::SQLITE_OK
}

unsafe extern "C" fn drop_query(query: *mut c_void) {
    // SAFETY: set by `query_of` from `Box::into_raw`; FTS5 calls this once.
    drop(unsafe { Box::from_raw(query.cast::<Query>()) });
}

unsafe extern "C" fn drop_lengths(lengths: *mut c_void) {
    // SAFETY: set by `register` from `Box::into_raw`; SQLite calls this once.
    drop(unsafe { Box::from_raw(lengths.cast::<Mutex<Lengths>>()) });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An FTS table like the store's, with rows of varied lengths and hit counts (so length
    /// decides between some of them).
    fn table(conn: &Connection) {
        register(conn).unwrap();
        conn.execute_batch(
            "CREATE VIRTUAL TABLE search USING fts5 (title, summary, body, comments,
                content = '', contentless_delete = 1, tokenize = 'ascii');",
        )
        .unwrap();
        add_rows(conn, 1..=600);
    }

    fn add_rows(conn: &Connection, rows: std::ops::RangeInclusive<i64>) {
        let words = [
            "tehran", "news", "iran", "mirror", "censor", "reader", "sync",
        ];
        let mut insert = conn
            .prepare(
                "INSERT INTO search (rowid, title, summary, body, comments)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .unwrap();
        for row in rows {
            let pick = |salt: i64, n: i64| -> String {
                (0..n)
                    .map(|i| words[((row * 31 + i * salt + i * i * row) % 7) as usize])
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            insert
                .execute(rusqlite::params![
                    row,
                    pick(3, 1 + row % 4),
                    pick(5, 3 + row % 9),
                    pick(11, 5 + (row * 13) % 97),
                    pick(2, row % 5)
                ])
                .unwrap();
        }
    }

    /// Rewrites half the rows under the same rowids with other lengths (stale lengths would
    /// misrank them), deletes some and adds others.
    fn rewrite(conn: &Connection) {
        conn.execute_batch("BEGIN").unwrap();
        conn.execute("DELETE FROM search WHERE rowid > 300", [])
            .unwrap();
        for row in 301..=600 {
            conn.execute(
                "INSERT INTO search (rowid, title, summary, body, comments)
                 VALUES (?1, 'tehran', 'news', 'iran', '')",
                [row],
            )
            .unwrap();
        }
        conn.execute("DELETE FROM search WHERE rowid % 7 = 0", [])
            .unwrap();
        add_rows(conn, 601..=700);
        conn.execute_batch("COMMIT").unwrap();
    }

    fn ranked(conn: &Connection, function: &str, query: &str) -> Vec<(i64, f64)> {
        conn.prepare(&format!(
            "SELECT rowid, {function}(search) AS r FROM search WHERE search MATCH ?1
             ORDER BY r, rowid"
        ))
        .unwrap()
        .query_map([query], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
    }

    /// FTS5's own bm25 with the same weights.
    const BM25: &str = "bm25(search, 10.0, 4.0, 1.0, 1.0) + 0*";

    /// Asserts `article_rank` orders every match of each query as bm25 does, with bm25's
    /// values when the query has several phrases.
    fn assert_same_as_bm25(conn: &Connection) {
        for query in [
            "tehran",
            "cens*",
            "news iran",
            "mirror reader sync",
            "\"iran\" \"ne\"*",
        ] {
            let exact = ranked(conn, BM25, query);
            let fast = ranked(conn, FUNCTION, query);
            assert!(exact.len() > 50, "{query} matches many rows");
            let ids = |v: &[(i64, f64)]| v.iter().map(|r| r.0).collect::<Vec<_>>();
            assert_eq!(ids(&exact), ids(&fast), "{query}");
            if query.split_whitespace().count() > 1 {
                for (e, f) in exact.iter().zip(&fast) {
                    assert!((e.1 - f.1).abs() < 1e-9, "{query}: {e:?} vs {f:?}");
                }
            }
        }
    }

    #[test]
    fn ranks_as_bm25_does() {
        let conn = Connection::open_in_memory().unwrap();
        table(&conn);
        assert_same_as_bm25(&conn);
    }

    #[test]
    fn lengths_follow_the_connections_own_writes() {
        let conn = Connection::open_in_memory().unwrap();
        table(&conn);
        assert_same_as_bm25(&conn);
        rewrite(&conn);
        assert_same_as_bm25(&conn);
    }

    #[test]
    fn lengths_follow_other_connections_writes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("search.db");
        let writer = Connection::open(&path).unwrap();
        table(&writer);
        let reader = Connection::open(&path).unwrap();
        register(&reader).unwrap();
        assert_same_as_bm25(&reader);
        rewrite(&writer);
        assert_same_as_bm25(&reader);
    }

    #[test]
    fn lengths_are_found_in_any_order() {
        let lengths = Lengths {
            version: None,
            rowids: (1..=1000).map(|r| r * 3).collect(),
            lengths: (1..=1000).collect(),
        };
        let mut at = 0;
        for rowid in (0..=3005)
            .chain((0..=3005).rev())
            .chain([9, 2400, 30, 3000, 3])
        {
            let expected =
                (rowid % 3 == 0 && (3..=3000).contains(&rowid)).then_some(rowid as u32 / 3);
            assert_eq!(lengths.get(rowid, &mut at), expected, "{rowid}");
        }
    }

    #[test]
    fn docsize_records_sum_their_varints() {
        assert_eq!(row_length(&[]), 0);
        assert_eq!(row_length(&[3, 0x81, 0x00, 127]), 3 + 128 + 127);
        assert_eq!(
            row_length(&[0xff; 20]),
            u32::MAX,
            "hostile bytes saturate, never panic"
        );
    }
}
