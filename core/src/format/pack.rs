//! Format 3's packing of text before zstd: the Persian (and Arabic) characters of a table are
//! written as one byte each instead of UTF-8's two or three, which zstd's literal coder does
//! not fully make up for (about 7 % fewer compressed bytes on Persian articles).
//!
//! The packed text is UTF-8 but for the table's characters. Each of them is written as one of
//! the 77 bytes that never start a UTF-8 character: the continuation bytes `0x80..=0xBF`
//! (table entries 0–63) and the never-valid bytes `0xC0`, `0xC1` (64, 65) and `0xF5..=0xFF`
//! (66–76). Every other character stays as its UTF-8 sequence, whose lead byte says how many
//! continuation bytes follow; only there do bytes `0x80..=0xBF` mean continuation bytes. So a
//! reader undoes the packing in one pass, byte by byte, without look-ahead.
//!
//! The table is part of the format: changing it is a new format.

use std::io::{self, Read};
use std::sync::LazyLock;

/// The characters written as one byte, in the order of their bytes (see [`packed_byte`]).
pub const TABLE: [char; 77] = [
    // Arabic letters U+0621–U+063A: ء آ أ ؤ إ ئ ا ب ة ت ث ج ح خ د ذ ر ز س ش ص ض ط ظ ع غ
    '\u{621}', '\u{622}', '\u{623}', '\u{624}', '\u{625}', '\u{626}', '\u{627}', '\u{628}',
    '\u{629}', '\u{62A}', '\u{62B}', '\u{62C}', '\u{62D}', '\u{62E}', '\u{62F}', '\u{630}',
    '\u{631}', '\u{632}', '\u{633}', '\u{634}', '\u{635}', '\u{636}', '\u{637}', '\u{638}',
    '\u{639}', '\u{63A}',
    // Kashida and U+0641–U+064A: ـ ف ق ك ل م ن ه و ى ي
    '\u{640}', '\u{641}', '\u{642}', '\u{643}', '\u{644}', '\u{645}', '\u{646}', '\u{647}',
    '\u{648}', '\u{649}', '\u{64A}',
    // Diacritics U+064B–U+0652 (tanwin, fatha, damma, kasra, shadda, sukun).
    '\u{64B}', '\u{64C}', '\u{64D}', '\u{64E}', '\u{64F}', '\u{650}', '\u{651}', '\u{652}',
    // Persian letters: پ چ ژ ک گ ی ۀ
    '\u{67E}', '\u{686}', '\u{698}', '\u{6A9}', '\u{6AF}', '\u{6CC}', '\u{6C0}',
    // Persian digits ۰–۹
    '\u{6F0}', '\u{6F1}', '\u{6F2}', '\u{6F3}', '\u{6F4}', '\u{6F5}', '\u{6F6}', '\u{6F7}',
    '\u{6F8}', '\u{6F9}',
    // ZWNJ, « » ، ؛ ؟ ٪ ٫ ٬, hamza above, superscript alef
    '\u{200C}', '\u{AB}', '\u{BB}', '\u{60C}', '\u{61B}', '\u{61F}', '\u{66A}', '\u{66B}',
    '\u{66C}', '\u{654}', '\u{670}', // No-break space, en and em dashes, ellipsis.
    '\u{A0}', '\u{2013}', '\u{2014}', '\u{2026}',
];

/// The byte that stands for table entry `i`.
const fn packed_byte(i: usize) -> u8 {
    match i {
        0..=63 => 0x80 + i as u8,
        64 | 65 => 0xC0 + (i - 64) as u8,
        _ => 0xF5 + (i - 66) as u8,
    }
}

/// What a byte of packed text that starts a character is, for the reader.
#[derive(Clone, Copy)]
enum Class {
    /// ASCII or a table character: its UTF-8 bytes (the first `len`; the rest are zero and
    /// written too, so that every character is one four-byte store).
    Plain { utf8: [u8; 4], len: u8 },
    /// The lead byte of a UTF-8 sequence with `more` continuation bytes, the first of which
    /// must lie in `lo..=hi` (which refuses overlong forms, surrogates and code points past
    /// U+10FFFF, as UTF-8 does).
    Lead { more: u8, lo: u8, hi: u8 },
    /// Neither: not valid here.
    Invalid,
}

/// The output room [`Unpack`] needs to write one character: up to three bytes, written as
/// four.
const CHAR_ROOM: usize = 4;

static CLASSES: LazyLock<[Class; 256]> = LazyLock::new(|| {
    let mut classes = [Class::Invalid; 256];
    for (b, class) in classes.iter_mut().enumerate() {
        let (more, lo, hi) = match b {
            0..0x80 => {
                *class = Class::Plain {
                    utf8: [b as u8, 0, 0, 0],
                    len: 1,
                };
                continue;
            }
            0xC2..=0xDF => (1, 0x80, 0xBF),
            0xE0 => (2, 0xA0, 0xBF),
            0xED => (2, 0x80, 0x9F),
            0xE1..=0xEF => (2, 0x80, 0xBF),
            0xF0 => (3, 0x90, 0xBF),
            0xF1..=0xF3 => (3, 0x80, 0xBF),
            0xF4 => (3, 0x80, 0x8F),
            _ => continue,
        };
        *class = Class::Lead { more, lo, hi };
    }
    for (i, c) in TABLE.iter().enumerate() {
        let mut utf8 = [0; 4];
        let len = c.encode_utf8(&mut utf8).len() as u8;
        classes[usize::from(packed_byte(i))] = Class::Plain { utf8, len };
    }
    classes
});

/// The table entry of a character, if it has one.
fn entry_of(c: char) -> Option<u8> {
    /// The bytes of the table's two-byte characters, by code point (0: none).
    static TWO_BYTE: LazyLock<[u8; 0x800]> = LazyLock::new(|| {
        let mut bytes = [0; 0x800];
        for (i, &c) in TABLE.iter().enumerate() {
            if let Some(b) = bytes.get_mut(c as usize) {
                *b = packed_byte(i);
            }
        }
        bytes
    });
    match TWO_BYTE.get(c as usize) {
        Some(0) => None,
        Some(&b) => Some(b),
        None => TABLE.iter().position(|&t| t == c).map(packed_byte),
    }
}

/// Packs UTF-8 text: each table character becomes its byte, everything else stays as it is.
pub fn pack(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        match entry_of(c) {
            Some(b) => out.push(b),
            None => out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
        }
    }
    out
}

/// Reads packed text from `inner` and yields its UTF-8 text, in one pass. A byte that is
/// neither ASCII, a table byte nor a valid UTF-8 sequence, or a sequence cut short by the end,
/// is an [`io::ErrorKind::InvalidData`] error.
pub struct Unpack<R> {
    inner: R,
    input: Box<[u8]>,
    pos: usize,
    end: usize,
    /// Continuation bytes still due in the current UTF-8 sequence, and the range of the next.
    more: u8,
    next: (u8, u8),
    /// Output that did not fit the caller's buffer.
    carry: [u8; CHAR_ROOM],
    carry_at: usize,
    carry_len: usize,
}

impl<R: Read> Unpack<R> {
    pub fn new(inner: R) -> Self {
        Unpack {
            inner,
            input: vec![0; 32 * 1024].into_boxed_slice(),
            pos: 0,
            end: 0,
            more: 0,
            next: (0x80, 0xBF),
            carry: [0; CHAR_ROOM],
            carry_at: 0,
            carry_len: 0,
        }
    }

    /// Unpacks input bytes into `out` while a whole character fits (with [`CHAR_ROOM`]);
    /// returns the bytes written.
    fn unpack_into(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let classes = &*CLASSES;
        let mut w = 0;
        while self.pos < self.end && w + CHAR_ROOM <= out.len() {
            let b = self.input[self.pos];
            self.pos += 1;
            if self.more > 0 {
                if !(self.next.0..=self.next.1).contains(&b) {
                    return Err(invalid("a UTF-8 sequence is cut short"));
                }
                out[w] = b;
                w += 1;
                self.more -= 1;
                self.next = (0x80, 0xBF);
                continue;
            }
            match classes[usize::from(b)] {
                Class::Plain { utf8, len } => {
                    out[w..w + CHAR_ROOM].copy_from_slice(&utf8);
                    w += usize::from(len);
                }
                Class::Lead { more, lo, hi } => {
                    out[w] = b;
                    w += 1;
                    self.more = more;
                    self.next = (lo, hi);
                }
                Class::Invalid => {
                    return Err(invalid("a byte that is neither text nor a table entry"));
                }
            }
        }
        Ok(w)
    }
}

fn invalid(reason: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("packed text: {reason}"))
}

impl<R: Read> Read for Unpack<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        loop {
            if self.carry_at < self.carry_len {
                let n = (self.carry_len - self.carry_at).min(out.len());
                out[..n].copy_from_slice(&self.carry[self.carry_at..self.carry_at + n]);
                self.carry_at += n;
                return Ok(n);
            }
            if self.pos == self.end {
                self.pos = 0;
                self.end = self.inner.read(&mut self.input)?;
                if self.end == 0 {
                    return match self.more {
                        0 => Ok(0),
                        _ => Err(invalid("the text ends inside a UTF-8 sequence")),
                    };
                }
            }
            if out.len() < CHAR_ROOM {
                // Too small for every character: unpack one into the carry, then copy.
                let mut carry = [0; CHAR_ROOM];
                let saved = (self.end, self.pos);
                self.end = self.pos + 1;
                let n = self.unpack_into(&mut carry);
                self.end = saved.0;
                let n = n?;
                (self.carry, self.carry_at, self.carry_len) = (carry, 0, n);
                continue;
            }
            let n = self.unpack_into(out)?;
            if n > 0 {
                return Ok(n);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unpack(packed: &[u8]) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        Unpack::new(packed).read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn the_table_has_77_distinct_characters_none_of_them_ascii() {
        let mut chars = TABLE.to_vec();
        chars.sort();
        chars.dedup();
        assert_eq!(chars.len(), 77);
        assert!(TABLE.iter().all(|c| !c.is_ascii()));
        let bytes: Vec<u8> = (0..77).map(packed_byte).collect();
        assert!(bytes.iter().all(|&b| std::str::from_utf8(&[b]).is_err()));
        assert!(bytes.iter().all(|&b| !matches!(b, 0xC2..=0xF4)));
    }

    #[test]
    fn persian_text_packs_to_a_byte_a_letter_and_reads_back() {
        let text = "{\"title\":\"سه‌شنبه ۲۶ تیر ۱۳۹۷ – «پوتین» گفت: کتاب‌ها؛ ایران؟ ٪۵۰ …\"}\n";
        let packed = pack(text);
        let letters = text.chars().filter(|c| !c.is_ascii()).count();
        assert_eq!(packed.len(), text.chars().count(), "{letters} letters");
        assert_eq!(unpack(&packed).unwrap(), text.as_bytes());
    }

    #[test]
    fn other_characters_stay_utf8_and_read_back() {
        // Arabic-Indic digits, Latin, Cyrillic, CJK and emoji (2, 3 and 4 bytes), beside packed
        // letters, and U+10FFFF.
        let text = "٠١٢ café Привет 漢字 😀 سلام \u{10FFFF}\u{0}";
        let packed = pack(text);
        assert!(packed.len() < text.len());
        assert_eq!(unpack(&packed).unwrap(), text.as_bytes());
        // Every buffer size, one byte at a time included.
        for size in 1..8 {
            let mut reader = Unpack::new(&packed[..]);
            let (mut out, mut buf) = (Vec::new(), vec![0; size]);
            loop {
                let n = reader.read(&mut buf).unwrap();
                if n == 0 {
                    break;
                }
                out.extend_from_slice(&buf[..n]);
            }
            assert_eq!(out, text.as_bytes(), "buffer of {size}");
        }
    }

    #[test]
    fn bad_bytes_and_cut_sequences_are_invalid_data() {
        let cases: &[&[u8]] = &[
            b"ab\xF6",           // a never-valid UTF-8 byte: table entry 67
            b"\xC3",             // a lead byte at the end
            b"\xE2\x80",         // three-byte sequence cut short
            b"\xC3A",            // lead byte followed by ASCII
            b"\xE0\x80\x80",     // overlong
            b"\xED\xA0\x80",     // surrogate
            b"\xF4\x90\x80\x80", // past U+10FFFF
        ];
        for case in &cases[1..] {
            let err = unpack(case).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidData, "{case:?}");
        }
        // Every byte past ASCII is a table byte or a lead byte: none is refused on its own.
        assert_eq!(unpack(cases[0]).unwrap(), "ab\u{61F}".as_bytes());
    }
}
