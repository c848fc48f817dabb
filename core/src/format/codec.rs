//! Hashes, the hash chain, bounded JSON and bounded decompression (gzip; zstd from format 2 on;
//! packed text in zstd from format 3 on): the primitives every file of the tree is read and
//! written with.

use std::io::{BufRead, BufReader, Read, Write};

use flate2::{Compression, read::MultiGzDecoder, write::GzEncoder};
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use super::FormatError;
use super::limits::{JSON_DEPTH_MAX, LINE_MAX};
use super::pack::{Unpack, pack};

/// A SHA-256 digest.
pub type Hash = [u8; 32];

/// The chain tip of an empty log.
pub const GENESIS_TIP: Hash = [0; 32];

pub fn sha256(bytes: &[u8]) -> Hash {
    Sha256::digest(bytes).into()
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(sha256(bytes))
}

/// Streaming SHA-256, for files read in pieces.
#[derive(Default, Clone)]
pub struct Hasher(Sha256);

impl Hasher {
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
    pub fn finish_hex(self) -> String {
        hex::encode(self.0.finalize())
    }
}

/// Whether `s` is shaped like a hex SHA-256 (64 lowercase hex digits).
pub fn is_hash_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Decodes a hex SHA-256.
pub fn parse_hash(what: &str, s: &str) -> Result<Hash, FormatError> {
    if !is_hash_hex(s) {
        return Err(FormatError::malformed(what, "not a hex SHA-256"));
    }
    let mut out = [0u8; 32];
    hex::decode_to_slice(s, &mut out).map_err(|e| FormatError::malformed(what, e))?;
    Ok(out)
}

/// One step of the hash chain: the tip after appending the entry whose exact line is `line`.
pub fn chain_step(tip: &Hash, line: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update(tip);
    h.update(line);
    h.finalize().into()
}

/// Checks that JSON text nests at most `max` levels, without parsing it.
pub fn check_depth(what: &str, bytes: &[u8], max: usize) -> Result<(), FormatError> {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for &b in bytes {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > max {
                    return Err(FormatError::TooDeep {
                        what: what.into(),
                        max,
                    });
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// Parses one JSON document from untrusted bytes, with the depth cap. The bytes are checked
/// as UTF-8 once, vectorised, and parsed as text: serde_json then skips its own check of each
/// string, which was a third of parsing Persian articles.
pub fn parse_json<T: DeserializeOwned>(what: &str, bytes: &[u8]) -> Result<T, FormatError> {
    check_depth(what, bytes, JSON_DEPTH_MAX)?;
    let text = simdutf8::compat::from_utf8(bytes).map_err(|e| FormatError::malformed(what, e))?;
    serde_json::from_str(text).map_err(|e| FormatError::malformed(what, e))
}

/// How a tree's log files and snapshot parts are compressed. Readers tell them apart by their
/// first bytes, so a client reads the files of any format it knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    /// Format 1.
    Gzip,
    /// Format 2: about a third fewer bytes than gzip on article HTML, and faster to decode.
    Zstd,
    /// Format 3: the text packed (Persian letters one byte each, [`super::pack`]), then zstd:
    /// about 7 % fewer bytes than format 2 on Persian articles. The file starts with
    /// [`PACKED_MARK`], a zstd skippable frame, so it is still a zstd file.
    ZstdPacked,
}

/// What a file of the tree is, for how hard the publisher compresses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileUse {
    /// A log file: written by every run and again when compacted; small ones are what a
    /// reader that follows downloads.
    Log,
    /// A snapshot part: written when a snapshot is due, downloaded by every new reader.
    Snapshot,
}

impl FileUse {
    /// The zstd level, chosen by measurement (README, "Format 2"): level 12 costs about what
    /// gzip does; from level 16 on zstd searches matches in a binary tree, which on article
    /// text saves a fifth more bytes at about ten times gzip's time.
    fn zstd_level(self) -> i32 {
        match self {
            FileUse::Log => ZSTD_LOG_LEVEL,
            FileUse::Snapshot => ZSTD_SNAPSHOT_LEVEL,
        }
    }
}

const ZSTD_LOG_LEVEL: i32 = 12;
const ZSTD_SNAPSHOT_LEVEL: i32 = 19;
/// The zstd window (2 MiB) of the files the publisher writes, and the largest a reader accepts,
/// so no file (a hostile one included) makes a decoder allocate more: a reader decodes two
/// snapshot parts at once, and a window as large as a part (8 MiB) saves under 1 % of bytes.
const ZSTD_WINDOW_LOG: u32 = 21;
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];
/// The start of a format 3 file: a zstd skippable frame (magic `0x184D2A50`, 8 bytes long)
/// whose content names the packing and its table; zstd decoders skip it.
pub const PACKED_MARK: [u8; 16] = [
    0x50, 0x2a, 0x4d, 0x18, 8, 0, 0, 0, b'f', b'a', b'-', b'p', b'a', b'c', b'k', b'1',
];

impl Codec {
    /// The codec of a compressed file, by its first bytes (what is neither format 3's mark
    /// nor zstd is read as gzip).
    pub fn of(compressed: &[u8]) -> Codec {
        if compressed.starts_with(&PACKED_MARK) {
            Codec::ZstdPacked
        } else if compressed.starts_with(&ZSTD_MAGIC) {
            Codec::Zstd
        } else {
            Codec::Gzip
        }
    }

    /// The file's media type (files are served as they are, never with `Content-Encoding`:
    /// clients hash the exact bytes).
    pub fn media_type(self) -> &'static str {
        match self {
            Codec::Gzip => "application/gzip",
            Codec::Zstd | Codec::ZstdPacked => "application/zstd",
        }
    }

    /// Compresses `bytes`, a file used as `usage` says (deterministically: no name, no time).
    /// Bytes that are not UTF-8 (never the case for JSON lines) cannot be packed: with
    /// [`Codec::ZstdPacked`] they are written as [`Codec::Zstd`], which readers read as well.
    pub fn compress(self, bytes: &[u8], usage: FileUse) -> Vec<u8> {
        match self {
            Codec::Gzip => gzip(bytes),
            Codec::ZstdPacked => match std::str::from_utf8(bytes) {
                Ok(text) => [&PACKED_MARK[..], &Codec::Zstd.compress(&pack(text), usage)].concat(),
                Err(_) => Codec::Zstd.compress(bytes, usage),
            },
            Codec::Zstd => {
                let compress = || {
                    let mut c = zstd::bulk::Compressor::new(usage.zstd_level())?;
                    c.set_parameter(zstd::stream::raw::CParameter::WindowLog(ZSTD_WINDOW_LOG))?;
                    c.compress(bytes)
                };
                compress().expect("compressing to memory cannot fail")
            }
        }
    }
}

/// Gzip-compresses `bytes` (deterministically: no name, no time).
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(bytes).expect("writing to a Vec cannot fail");
    enc.finish().expect("writing to a Vec cannot fail")
}

/// Decompresses gzip or zstd data, refusing more than `cap` bytes of output (a compression
/// bomb stops there, having cost at most `cap` bytes of memory).
pub fn decompress_capped(what: &str, compressed: &[u8], cap: u64) -> Result<Vec<u8>, FormatError> {
    let mut out = Vec::new();
    let fail = |e: std::io::Error| FormatError::Decompress {
        what: what.into(),
        reason: e.to_string(),
    };
    Decoder::new(compressed)
        .map_err(fail)?
        .take(cap.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(fail)?;
    if out.len() as u64 > cap {
        return Err(FormatError::TooLarge {
            what: format!("{what} (decompressed)"),
            cap,
        });
    }
    Ok(out)
}

type ZstdDecoder<'a> = zstd::stream::read::Decoder<'static, BufReader<&'a [u8]>>;

/// A decompressing reader of a file's bytes, by its [`Codec`]. Packed text is unpacked in the
/// same pass.
enum Decoder<'a> {
    Gzip(Box<MultiGzDecoder<&'a [u8]>>),
    Zstd(ZstdDecoder<'a>),
    Packed(Unpack<ZstdDecoder<'a>>),
}

impl<'a> Decoder<'a> {
    fn new(compressed: &'a [u8]) -> std::io::Result<Self> {
        let zstd = |compressed| -> std::io::Result<ZstdDecoder<'a>> {
            let mut d = zstd::stream::read::Decoder::new(compressed)?;
            d.window_log_max(ZSTD_WINDOW_LOG)?;
            Ok(d)
        };
        Ok(match Codec::of(compressed) {
            Codec::Gzip => Decoder::Gzip(Box::new(MultiGzDecoder::new(compressed))),
            Codec::Zstd => Decoder::Zstd(zstd(compressed)?),
            Codec::ZstdPacked => {
                Decoder::Packed(Unpack::new(zstd(&compressed[PACKED_MARK.len()..])?))
            }
        })
    }
}

impl Read for Decoder<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Decoder::Gzip(d) => d.read(buf),
            Decoder::Zstd(d) => d.read(buf),
            Decoder::Packed(d) => d.read(buf),
        }
    }
}

/// Reads the lines of compressed JSON lines (gzip or zstd) one at a time, with a cap on the
/// total decompressed size and on each line. Lines are yielded without their newline.
pub struct Lines<'a> {
    what: String,
    reader: Result<BufReader<std::io::Take<Decoder<'a>>>, String>,
    cap: u64,
    read: u64,
    buf: Vec<u8>,
}

impl<'a> Lines<'a> {
    pub fn new(what: impl Into<String>, compressed: &'a [u8], cap: u64) -> Self {
        Lines {
            what: what.into(),
            reader: Decoder::new(compressed)
                .map(|d| BufReader::new(d.take(cap.saturating_add(1))))
                .map_err(|e| e.to_string()),
            cap,
            read: 0,
            buf: Vec::new(),
        }
    }

    /// The next line, or `None` at the end. The slice is valid until the next call.
    pub fn next_line(&mut self) -> Result<Option<&[u8]>, FormatError> {
        self.buf.clear();
        let reader = self
            .reader
            .as_mut()
            .map_err(|reason| FormatError::Decompress {
                what: self.what.clone(),
                reason: reason.clone(),
            })?;
        let n = reader
            .take(LINE_MAX as u64 + 1)
            .read_until(b'\n', &mut self.buf)
            .map_err(|e| FormatError::Decompress {
                what: self.what.clone(),
                reason: e.to_string(),
            })?;
        self.read += n as u64;
        if self.read > self.cap {
            return Err(FormatError::TooLarge {
                what: format!("{} (decompressed)", self.what),
                cap: self.cap,
            });
        }
        if n == 0 {
            return Ok(None);
        }
        if self.buf.last() == Some(&b'\n') {
            self.buf.pop();
        } else if self.buf.len() > LINE_MAX {
            return Err(FormatError::TooLarge {
                what: format!("a line of {}", self.what),
                cap: LINE_MAX as u64,
            });
        }
        Ok(Some(&self.buf))
    }

    /// Decompressed bytes read so far.
    pub fn bytes_read(&self) -> u64 {
        self.read
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_check_ignores_brackets_inside_strings() {
        assert!(check_depth("t", br#"{"a":"[[[[[[[["}"#, 2).is_ok());
        assert!(check_depth("t", br#"{"a":"\"[[[["}"#, 2).is_ok());
        assert!(matches!(
            check_depth("t", b"[[[1]]]", 2),
            Err(FormatError::TooDeep { .. })
        ));
    }

    #[test]
    fn json_is_parsed_as_utf8_text_and_other_bytes_are_malformed() {
        let persian: String = parse_json("t", "\"سه‌شنبه\"".as_bytes()).unwrap();
        assert_eq!(persian, "سه‌شنبه");
        // A lone continuation byte inside a string, and a truncated sequence at the end.
        for bad in [&b"\"a\x80b\""[..], &b"\"\xd8"[..]] {
            let err = parse_json::<String>("t", bad).unwrap_err();
            assert!(
                matches!(&err, FormatError::Malformed { reason, .. } if reason.contains("utf-8")),
                "{err}"
            );
        }
    }

    #[test]
    fn a_compression_bomb_stops_at_the_cap() {
        let bomb = gzip(&vec![0u8; 10 * 1024 * 1024]);
        assert!(bomb.len() < 64 * 1024);
        let err = decompress_capped("bomb", &bomb, 1024 * 1024).unwrap_err();
        assert!(matches!(err, FormatError::TooLarge { .. }), "{err}");
        let mut lines = Lines::new("bomb", &bomb[..], 1024 * 1024);
        assert!(matches!(
            lines.next_line(),
            Err(FormatError::TooLarge { .. })
        ));
    }

    #[test]
    fn zstd_lines_are_read_and_a_larger_window_is_refused() {
        let raw: Vec<u8> = (0..200_000u32)
            .flat_map(|i| format!("{{\"n\":{}}}\n", i * 7919 % 100_003).into_bytes())
            .collect();
        let data = Codec::Zstd.compress(&raw, FileUse::Snapshot);
        assert!(data.starts_with(&ZSTD_MAGIC) && data.len() < raw.len() / 3);
        let mut lines = Lines::new("t", &data[..], raw.len() as u64);
        let mut read = 0;
        while let Some(line) = lines.next_line().unwrap() {
            read += line.len() + 1;
        }
        assert_eq!(read, raw.len());
        // A frame whose window is larger than readers accept (as a hostile file could declare).
        let wide = {
            let mut c = zstd::bulk::Compressor::new(3).unwrap();
            c.set_parameter(zstd::stream::raw::CParameter::WindowLog(
                ZSTD_WINDOW_LOG + 2,
            ))
            .unwrap();
            c.set_parameter(zstd::stream::raw::CParameter::ContentSizeFlag(false))
                .unwrap();
            c.compress(&raw).unwrap()
        };
        let mut lines = Lines::new("t", &wide[..], raw.len() as u64);
        assert!(matches!(
            lines.next_line(),
            Err(FormatError::Decompress { .. })
        ));
    }

    /// Snapshot parts (downloaded by every new reader) are compressed harder than log files
    /// (written by every run); both read back the same.
    #[test]
    fn snapshot_parts_are_smaller_than_log_files_of_the_same_text() {
        // Words of Persian letters, as article text is.
        let letters: Vec<char> = "ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهی".chars().collect();
        let words: Vec<String> = (0..300usize)
            .map(|i| {
                (0..3 + i % 6)
                    .map(|j| letters[(i * 7 + j * 13) % letters.len()])
                    .collect()
            })
            .collect();
        let mut seed = 1u64;
        let text: Vec<u8> = (0..60_000)
            .map(|_| {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                words[(seed >> 33) as usize % words.len()].clone() + " "
            })
            .collect::<String>()
            .into_bytes();
        let (log, part) = (
            Codec::Zstd.compress(&text, FileUse::Log),
            Codec::Zstd.compress(&text, FileUse::Snapshot),
        );
        assert!(
            part.len() * 10 < log.len() * 9,
            "{} {}",
            part.len(),
            log.len()
        );
        for data in [log, part] {
            assert_eq!(
                decompress_capped("t", &data, text.len() as u64).unwrap(),
                text
            );
        }
    }

    /// Format 3's files: packed text in zstd, marked so readers tell them from format 2's,
    /// read back whole, smaller than format 2's on Persian text, and still zstd files.
    #[test]
    fn packed_files_read_back_and_are_smaller_on_persian_text() {
        let text: Vec<u8> = (0..3000)
            .flat_map(|i| {
                format!("{{\"id\":\"a{i}\",\"title\":\"سه‌شنبه {i} «پوتین» و ترامپ در هلسینکی؛ café 漢字\"}}\n")
                    .into_bytes()
            })
            .collect();
        let (plain, packed) = (
            Codec::Zstd.compress(&text, FileUse::Snapshot),
            Codec::ZstdPacked.compress(&text, FileUse::Snapshot),
        );
        assert_eq!(Codec::of(&plain), Codec::Zstd);
        assert_eq!(Codec::of(&packed), Codec::ZstdPacked);
        assert!(
            packed.len() < plain.len(),
            "{} {}",
            packed.len(),
            plain.len()
        );
        assert_eq!(
            decompress_capped("t", &packed, text.len() as u64).unwrap(),
            text
        );
        let mut lines = Lines::new("t", &packed[..], text.len() as u64);
        assert!(
            lines
                .next_line()
                .unwrap()
                .unwrap()
                .starts_with(b"{\"id\":\"a0\"")
        );
        // A zstd decoder skips the mark and yields the packed text.
        let inner = zstd::stream::decode_all(&packed[..]).unwrap();
        assert_eq!(inner, pack(std::str::from_utf8(&text).unwrap()));
        // Bytes that are not UTF-8 are written unpacked.
        assert_eq!(
            Codec::of(&Codec::ZstdPacked.compress(b"\xff", FileUse::Log)),
            Codec::Zstd
        );
    }

    /// A packed file with a bad sequence or one cut short is a decompression error; the cap
    /// holds on the unpacked text (each packed byte may become three).
    #[test]
    fn hostile_packed_files_are_refused() {
        let packed_file =
            |inner: &[u8]| [&PACKED_MARK[..], &Codec::Zstd.compress(inner, FileUse::Log)].concat();
        for bad in [
            &b"{\"a\":\"\xC3A\"}\n"[..],
            b"ok\n\xE2\x80",
            b"\xED\xA0\x80\n",
        ] {
            let file = packed_file(bad);
            let err = decompress_capped("t", &file, 1 << 20).unwrap_err();
            assert!(matches!(err, FormatError::Decompress { .. }), "{err}");
            let mut lines = Lines::new("t", &file[..], 1 << 20);
            let mut result = lines.next_line().map(|_| ());
            while let Ok(()) = result {
                result = match lines.next_line() {
                    Ok(Some(_)) => Ok(()),
                    Ok(None) => break,
                    Err(e) => Err(e),
                };
            }
            assert!(
                matches!(result, Err(FormatError::Decompress { .. })),
                "{bad:?}"
            );
        }
        // 1 MiB of ZWNJ, the table's widest character, unpacks to 3 MiB: refused at 2 MiB.
        let bomb = packed_file(&vec![packed_byte_of('\u{200C}'); 1 << 20]);
        let err = decompress_capped("t", &bomb, 2 << 20).unwrap_err();
        assert!(matches!(err, FormatError::TooLarge { .. }), "{err}");
        // The mark followed by what is not zstd.
        let not_zstd = [&PACKED_MARK[..], b"gzip?"].concat();
        assert!(matches!(
            decompress_capped("t", &not_zstd, 1 << 20),
            Err(FormatError::Decompress { .. })
        ));
    }

    fn packed_byte_of(c: char) -> u8 {
        pack(c.encode_utf8(&mut [0; 4]))[0]
    }

    /// Found by fuzzing (fuzz/ target `codec`): the largest cap, as a signed head's `raw_len`
    /// may give, overflowed `cap + 1`.
    #[test]
    fn the_largest_cap_does_not_overflow() {
        let data = gzip(b"one\ntwo\n");
        assert_eq!(
            decompress_capped("t", &data, u64::MAX).unwrap(),
            b"one\ntwo\n"
        );
        let mut lines = Lines::new("t", &data[..], u64::MAX);
        assert_eq!(lines.next_line().unwrap(), Some(&b"one"[..]));
    }

    #[test]
    fn gz_lines_yields_each_line_without_newline() {
        let data = gzip(b"one\ntwo\n");
        let mut lines = Lines::new("t", &data[..], 100);
        assert_eq!(lines.next_line().unwrap(), Some(&b"one"[..]));
        assert_eq!(lines.next_line().unwrap(), Some(&b"two"[..]));
        assert_eq!(lines.next_line().unwrap(), None);
    }

    #[test]
    fn chain_depends_on_every_byte_and_on_order() {
        let a = chain_step(&chain_step(&GENESIS_TIP, b"a"), b"b");
        let b = chain_step(&chain_step(&GENESIS_TIP, b"b"), b"a");
        assert_ne!(a, b);
    }
}
