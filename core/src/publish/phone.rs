//! Phone-sized variants of images: at most [`PHONE_WIDTH`] pixels wide, in a compact format
//! (JPEG, or PNG where the image has transparency). Readers download the variant by default;
//! the original stays in the tree beside it.

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, imageops::FilterType};

/// The widest a phone variant is, in pixels.
pub const PHONE_WIDTH: u32 = 1280;
/// JPEG quality of variants.
const JPEG_QUALITY: u8 = 80;

/// The phone variant of image `bytes` (of media type `mime`) and its media type, when it is
/// smaller than the original; `None` for an image already phone-sized and compact, an
/// animation, or one that does not decode.
pub fn variant(bytes: &[u8], mime: &str) -> Option<(Vec<u8>, &'static str)> {
    let format = match mime {
        "image/jpeg" => ImageFormat::Jpeg,
        "image/png" => ImageFormat::Png,
        "image/webp" => ImageFormat::WebP,
        // GIFs may be animations; AVIF is compact already (and not decoded here).
        _ => return None,
    };
    let image = image::load_from_memory_with_format(bytes, format).ok()?;
    let wide = image.width() > PHONE_WIDTH;
    if !wide && format != ImageFormat::Png {
        return None;
    }
    let image = if wide {
        let height = (u64::from(image.height()) * u64::from(PHONE_WIDTH) / u64::from(image.width()))
            .max(1) as u32;
        image.resize_exact(PHONE_WIDTH, height, FilterType::Triangle)
    } else {
        image
    };
    let (out, mime) = if image.color().has_alpha() {
        (encode(&image, ImageFormat::Png)?, "image/png")
    } else {
        let rgb = DynamicImage::ImageRgb8(image.to_rgb8());
        let mut out = Cursor::new(Vec::new());
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)
            .encode_image(&rgb)
            .ok()?;
        (out.into_inner(), "image/jpeg")
    };
    (out.len() < bytes.len()).then_some((out, mime))
}

fn encode(image: &DynamicImage, format: ImageFormat) -> Option<Vec<u8>> {
    let mut out = Cursor::new(Vec::new());
    image.write_to(&mut out, format).ok()?;
    Some(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A PNG of noise (which PNG cannot compress).
    fn png(w: u32, h: u32) -> Vec<u8> {
        let pixels = article_sync_test_support::noise::noise((w * h * 3) as usize, 7);
        let img = image::RgbImage::from_raw(w, h, pixels).unwrap();
        encode(&DynamicImage::ImageRgb8(img), ImageFormat::Png).unwrap()
    }

    #[test]
    fn a_wide_image_gets_a_smaller_phone_variant_and_a_small_jpeg_none() {
        let wide = png(1600, 100);
        let (bytes, mime) = variant(&wide, "image/png").expect("a variant");
        assert_eq!(mime, "image/jpeg");
        assert!(bytes.len() < wide.len());
        let decoded = image::load_from_memory(&bytes).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (1280, 80));

        let small = DynamicImage::ImageRgb8(image::RgbImage::new(64, 64));
        let jpeg = encode(&small, ImageFormat::Jpeg).unwrap();
        assert_eq!(variant(&jpeg, "image/jpeg"), None);
        assert_eq!(variant(b"not an image", "image/png"), None);
    }
}
