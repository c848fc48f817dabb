//! Photo-like images for the demo and the benchmark, made with the `image` crate: smooth light
//! (gradients across the frame), textured surfaces (value noise at two scales) and fine grain,
//! so JPEG compresses them about as it does real photos (a few bits per pixel), unlike flat
//! colours (far smaller) or pure noise (far larger). The same seed gives the same bytes.

use std::io::Cursor;

use image::codecs::jpeg::JpegEncoder;
use image::{ImageFormat, RgbImage};

/// A small, fast hash of integers to one byte of noise.
fn hash(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
}

/// Value noise in 0.0–1.0 on a grid of `cell` pixels, bilinear between its corners.
fn value_noise(x: u32, y: u32, cell: u32, seed: u64) -> f32 {
    let (gx, gy) = (x / cell, y / cell);
    let (fx, fy) = (
        (x % cell) as f32 / cell as f32,
        (y % cell) as f32 / cell as f32,
    );
    let corner = |i: u32, j: u32| {
        (hash(seed ^ (u64::from(gx + i) << 32 | u64::from(gy + j))) & 0xff) as f32 / 255.0
    };
    let top = corner(0, 0) * (1.0 - fx) + corner(1, 0) * fx;
    let bottom = corner(0, 1) * (1.0 - fx) + corner(1, 1) * fx;
    top * (1.0 - fy) + bottom * fy
}

/// The pixels of a `w`×`h` photo-like picture drawn from `seed`.
pub fn picture(w: u32, h: u32, seed: u64) -> RgbImage {
    let tint = [
        (hash(seed) % 96) as f32,
        (hash(seed + 1) % 96) as f32,
        (hash(seed + 2) % 96) as f32,
    ];
    RgbImage::from_fn(w, h, |x, y| {
        let light = 0.35 + 0.45 * (x as f32 / w as f32) * (1.0 - y as f32 / h as f32);
        let surface = 0.6 * value_noise(x, y, 97, seed) + 0.4 * value_noise(x, y, 13, seed + 7);
        let grain = (hash(seed ^ (u64::from(x) << 20 | u64::from(y))) & 0x1f) as f32 - 16.0;
        let pixel = |c: usize| {
            (tint[c] + 160.0 * light * surface + grain * 0.6 + 40.0 * surface).clamp(0.0, 255.0)
                as u8
        };
        image::Rgb([pixel(0), pixel(1), pixel(2)])
    })
}

/// [`picture`] as a JPEG of `quality` (1–100).
pub fn jpeg(w: u32, h: u32, seed: u64, quality: u8) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    // Encoding an in-memory RGB image into a Vec cannot fail.
    let _ = JpegEncoder::new_with_quality(&mut out, quality).encode_image(&picture(w, h, seed));
    out.into_inner()
}

/// [`picture`] as a PNG (lossless: several times the JPEG's size).
pub fn png(w: u32, h: u32, seed: u64) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    let _ = picture(w, h, seed).write_to(&mut out, ImageFormat::Png);
    out.into_inner()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn photos_compress_like_photos_and_decode() {
        let bytes = jpeg(1600, 1000, 1, 85);
        let per_pixel = bytes.len() as f64 * 8.0 / (1600.0 * 1000.0);
        assert!(
            (0.4..4.0).contains(&per_pixel),
            "{per_pixel} bits per pixel"
        );
        let decoded = image::load_from_memory(&bytes).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (1600, 1000));
        assert_ne!(
            bytes,
            jpeg(1600, 1000, 2, 85),
            "the seed changes the picture"
        );
        assert!(png(200, 100, 1).starts_with(b"\x89PNG"));
    }
}
