//! Receipt text as a raster image, for text the printer's code page cannot show (e.g. Devanagari).
//!
//! Text is shaped with `parley` (the layout engine Slint uses, so receipts look like the UI),
//! rasterised with `swash` and thresholded to 1 bit per pixel; `escpos::Job::image` sends it as
//! `GS v 0` bands.

use std::borrow::Cow;

use parley::fontique::{Blob, Collection, CollectionOptions, SourceCache};
use parley::{
    FontContext, FontFamily, FontFamilyName, GlyphRun, Layout, LayoutContext, PositionedLayoutItem, StyleProperty,
};
use swash::scale::{Render, ScaleContext, Source};
use swash::zeno::{Format, Vector};
use swash::FontRef;

/// Anti-aliased coverage at or above this value (out of 255) becomes a black dot.
const THRESHOLD: u8 = 128;

/// Pixel size used when the caller passes a size that is not a finite number.
const FALLBACK_PX: f32 = 24.0;

/// A 1-bit image, rows of `width_bytes` bytes, MSB = leftmost pixel, 1 = black.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bitmap {
    pub width: u32,
    pub height: u32,
    pub bits: Vec<u8>,
}

impl Bitmap {
    /// A white image of the given size.
    pub fn new(width: u32, height: u32) -> Self {
        let bits = vec![0; width.div_ceil(8) as usize * height as usize];
        Bitmap { width, height, bits }
    }

    /// Bytes per row (the last byte is padded with white pixels).
    pub fn width_bytes(&self) -> usize {
        self.width.div_ceil(8) as usize
    }

    /// Whether the pixel is black; pixels outside the image are white.
    pub fn get(&self, x: u32, y: u32) -> bool {
        if x >= self.width || y >= self.height {
            return false;
        }
        let i = y as usize * self.width_bytes() + x as usize / 8;
        self.bits.get(i).is_some_and(|b| b & (0x80 >> (x % 8)) != 0)
    }

    /// The image cut to the right edge of its ink (whole bytes), so that a printer can centre it.
    pub fn cropped(&self) -> Bitmap {
        let wb = self.width_bytes();
        let used = (0..self.height as usize)
            .filter_map(|y| {
                let row = self.bits.get(y * wb..(y + 1) * wb)?;
                row.iter().rposition(|b| *b != 0).map(|i| i + 1)
            })
            .max()
            .unwrap_or(1);
        let mut out = Bitmap::new((used * 8) as u32, self.height);
        for y in 0..self.height as usize {
            if let (Some(src), Some(dst)) =
                (self.bits.get(y * wb..y * wb + used), out.bits.get_mut(y * used..(y + 1) * used))
            {
                dst.copy_from_slice(src);
            }
        }
        out
    }

    /// Blackens a pixel; coordinates outside the image are ignored (clipping).
    fn set(&mut self, x: i64, y: i64) {
        let (Ok(x), Ok(y)) = (u32::try_from(x), u32::try_from(y)) else { return };
        if x >= self.width || y >= self.height {
            return;
        }
        let i = y as usize * self.width_bytes() + x as usize / 8;
        if let Some(b) = self.bits.get_mut(i) {
            *b |= 0x80 >> (x % 8);
        }
    }
}

/// Lays out and rasterises text with a fixed set of embedded fonts (system fonts are never used).
pub struct TextRenderer {
    font_cx: FontContext,
    layout_cx: LayoutContext<()>,
    scale_cx: ScaleContext,
    /// One reusable layout per line of the last render.
    layouts: Vec<Layout<()>>,
    /// Family names of the registered fonts, in registration order, for fallback.
    families: Vec<String>,
}

impl TextRenderer {
    /// Fonts as raw TTF/OTF bytes. Bytes that do not parse as a font are skipped. Every registered
    /// family is a fallback for the others (in the order given), so e.g. Devanagari in a
    /// "DejaVu Sans Mono" line is drawn with Noto Sans Devanagari.
    pub fn new(fonts: &[&[u8]]) -> Self {
        let mut collection = Collection::new(CollectionOptions { shared: false, system_fonts: false });
        let mut families = Vec::new();
        for font in fonts {
            for (id, _) in collection.register_fonts(Blob::from(font.to_vec()), None) {
                if let Some(name) = collection.family_name(id) {
                    if !families.iter().any(|f: &String| f == name) {
                        families.push(name.to_owned());
                    }
                }
            }
        }
        TextRenderer {
            font_cx: FontContext { collection, source_cache: SourceCache::default() },
            layout_cx: LayoutContext::new(),
            scale_cx: ScaleContext::new(),
            layouts: Vec::new(),
            families,
        }
    }

    /// Renders `lines` (one row of text each, never wrapped; what does not fit is clipped) at `px`
    /// pixels per em into an image `width` dots wide (576 for 80 mm paper, 384 for 58 mm). `family`
    /// is the primary font family, e.g. "DejaVu Sans Mono" so receipt columns stay aligned; glyphs it
    /// lacks come from the other registered fonts. Each line is as tall as its fonts' line height.
    pub fn render(&mut self, lines: &[&str], width: u32, px: f32, family: &str) -> Bitmap {
        let px = if px.is_finite() { px.clamp(1.0, 1000.0) } else { FALLBACK_PX };
        let mut stack = vec![FontFamilyName::Named(Cow::Borrowed(family))];
        stack.extend(self.families.iter().filter(|f| *f != family).map(|f| FontFamilyName::Named(Cow::Borrowed(f))));
        let stack = FontFamily::List(Cow::Owned(stack));

        // Each line is one or two layouts: a left part, and a right column (what follows the
        // last run of two or more spaces) set flush right, so that amounts line up at the paper's
        // edge even when the text before them is not monospaced.
        let mut placed: Vec<(u32, f32)> = Vec::new();
        let mut height = 0u32;
        for line in lines {
            let text = single_row(line);
            let (left, right) = split_columns(&text);
            let mut line_height = 0u32;
            for (part, flush_right) in std::iter::once((left, false)).chain(right.map(|r| (r, true))) {
                let i = placed.len();
                if self.layouts.len() <= i {
                    self.layouts.resize_with(i + 1, Layout::new);
                }
                let layout = &mut self.layouts[i];
                let mut builder = self.layout_cx.ranged_builder(&mut self.font_cx, part, 1.0, true);
                builder.push_default(StyleProperty::FontFamily(stack.clone()));
                builder.push_default(StyleProperty::FontSize(px));
                builder.build_into(layout, part);
                layout.break_all_lines(None);
                let x = if flush_right { (width as f32 - layout.width()).max(0.0) } else { 0.0 };
                placed.push((height, x));
                line_height = line_height.max(layout.height().ceil().max(1.0) as u32);
            }
            height = height.saturating_add(line_height);
        }

        let mut bitmap = Bitmap::new(width, height);
        for (layout, &(top, x)) in self.layouts.iter().zip(&placed) {
            for line in layout.lines() {
                for item in line.items() {
                    if let PositionedLayoutItem::GlyphRun(run) = item {
                        draw_run(&mut self.scale_cx, &mut bitmap, i64::from(top), x.round() as i64, &run);
                    }
                }
            }
        }
        bitmap
    }
}

/// The text of one printed row: control characters (newlines, tabs) become spaces so a line never
/// turns into several, and an empty line becomes a space so it still gets the font's line height.
fn single_row(line: &str) -> Cow<'_, str> {
    if line.is_empty() {
        Cow::Borrowed(" ")
    } else if line.chars().any(char::is_control) {
        Cow::Owned(line.chars().map(|c| if c.is_control() { ' ' } else { c }).collect())
    } else {
        Cow::Borrowed(line)
    }
}

/// A line's left part and, when two or more spaces separate it from more text, its right column.
fn split_columns(text: &str) -> (&str, Option<&str>) {
    let body = text.trim_end();
    match body.rfind("  ") {
        Some(i) if !body[..i].trim().is_empty() => (body[..i].trim_end(), Some(body[i..].trim_start())),
        _ => (text, None),
    }
}

fn draw_run(scale_cx: &mut ScaleContext, bitmap: &mut Bitmap, top: i64, dx: i64, glyph_run: &GlyphRun<'_, ()>) {
    let run = glyph_run.run();
    let font = run.font();
    let Some(font_ref) = FontRef::from_index(font.data.data(), font.index as usize) else { return };
    let mut scaler =
        scale_cx.builder(font_ref).size(run.font_size()).hint(true).normalized_coords(run.normalized_coords()).build();
    let mut render = Render::new(&[Source::Outline]);
    render.format(Format::Alpha);
    for glyph in glyph_run.positioned_glyphs() {
        let Ok(id) = u16::try_from(glyph.id) else { continue };
        let (x, y) = (glyph.x.floor(), glyph.y.floor());
        render.offset(Vector::new(glyph.x - x, glyph.y - y));
        let Some(image) = render.render(&mut scaler, id) else { continue };
        let p = image.placement;
        let left = dx + x as i64 + i64::from(p.left);
        let row0 = top + y as i64 - i64::from(p.top);
        let w = p.width as usize;
        if w == 0 {
            continue;
        }
        for (r, row) in image.data.chunks_exact(w).enumerate() {
            for (c, &coverage) in row.iter().enumerate() {
                if coverage >= THRESHOLD {
                    bitmap.set(left + c as i64, row0 + r as i64);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! font {
        ($name:literal) => {
            include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../assets/fonts/", $name)).as_slice()
        };
    }

    const MONO: &str = "DejaVu Sans Mono";

    fn renderer() -> TextRenderer {
        TextRenderer::new(&[
            font!("NotoSans-Regular.ttf"),
            font!("NotoSans-Bold.ttf"),
            font!("NotoSansDevanagari-Regular.ttf"),
            font!("NotoSansDevanagari-Bold.ttf"),
            font!("DejaVuSansMono.ttf"),
        ])
    }

    /// Debug aid: if `RASTER_DEBUG_DIR` is set, writes the bitmap there as `<name>.pbm`, a binary
    /// PBM (P4 has the same bit layout as `Bitmap`). View with e.g. `convert out.pbm out.png`.
    fn save_pbm(b: &Bitmap, name: &str) {
        let Some(dir) = std::env::var_os("RASTER_DEBUG_DIR") else { return };
        let path = std::path::Path::new(&dir).join(format!("{name}.pbm"));
        let mut data = format!("P4\n{} {}\n", b.width, b.height).into_bytes();
        data.extend_from_slice(&b.bits);
        std::fs::write(&path, data).expect("write debug PBM");
    }

    /// Rows containing at least one black pixel, grouped into runs of consecutive rows.
    fn ink_bands(b: &Bitmap) -> Vec<std::ops::Range<u32>> {
        let mut bands: Vec<std::ops::Range<u32>> = Vec::new();
        for y in 0..b.height {
            if (0..b.width).any(|x| b.get(x, y)) {
                match bands.last_mut() {
                    Some(band) if band.end == y => band.end = y + 1,
                    _ => bands.push(y..y + 1),
                }
            }
        }
        bands
    }

    fn black_pixels(b: &Bitmap) -> u32 {
        b.bits.iter().map(|byte| byte.count_ones()).sum()
    }

    #[test]
    fn devanagari_and_latin_lines_render_in_two_bands() {
        let mut r = renderer();
        let b = r.render(&["कुल योग ₹ 1,234.50", "Total 1,234.50"], 576, 24.0, MONO);
        save_pbm(&b, "out");
        assert_eq!(b.width, 576);
        assert_eq!(b.bits.len(), 72 * b.height as usize);
        assert!(black_pixels(&b) > 200, "too little ink: {}", black_pixels(&b));
        let bands = ink_bands(&b);
        assert_eq!(bands.len(), 2, "ink bands: {bands:?}");
        // No wrapping or stray ink: both lines end well before x = 300 at this size.
        assert!((300..576).all(|x| (0..b.height).all(|y| !b.get(x, y))));
    }

    #[test]
    fn a_right_column_is_set_flush_with_the_right_edge() {
        let mut r = renderer();
        let b = r.render(&["नकद          10.00"], 576, 20.0, MONO);
        let rightmost = (0..576).rev().find(|&x| (0..b.height).any(|y| b.get(x, y))).unwrap_or(0);
        assert!(rightmost > 560, "the amount ends at x = {rightmost}");
        // Nothing in between: the gap of the spaces stays white.
        assert!((200..400).all(|x| (0..b.height).all(|y| !b.get(x, y))));
    }

    #[test]
    fn devanagari_is_shaped_with_the_devanagari_font() {
        let mut r = renderer();
        let deva_len = font!("NotoSansDevanagari-Regular.ttf").len();
        let _ = r.render(&["क्ष कि"], 576, 24.0, MONO);
        let layout = &r.layouts[0];
        let mut glyphs = Vec::new();
        for line in layout.lines() {
            for item in line.items() {
                if let PositionedLayoutItem::GlyphRun(run) = item {
                    let font_len = run.run().font().data.len();
                    for g in run.positioned_glyphs() {
                        glyphs.push((g.id, font_len, g.x));
                    }
                }
            }
        }
        assert!(glyphs.iter().all(|&(id, _, _)| id != 0), "missing glyphs: {glyphs:?}");
        let deva: Vec<_> = glyphs.iter().filter(|g| g.1 == deva_len).collect();
        // क्ष is one conjunct glyph; कि is two glyphs (the i-matra is drawn before ka). The space
        // between them comes from the primary (mono) font.
        assert_eq!(deva.len(), 3, "glyphs: {glyphs:?}");
    }

    #[test]
    fn complex_devanagari_sample() {
        let mut r = renderer();
        let lines =
            ["क्षत्रिय हिंदी श्री प्रति कृपया", "धन्यवाद, फिर पधारें।", "द्वार ट्रक स्त्री र्क", "मात्रा: कि की कु कू के कै को कौ कं कः"];
        let b = r.render(&lines, 576, 24.0, "Noto Sans");
        save_pbm(&b, "complex");
        assert_eq!(ink_bands(&b).len(), 4);
    }

    #[test]
    fn empty_line_is_blank_rows_of_line_height() {
        let mut r = renderer();
        let empty = r.render(&[""], 576, 24.0, MONO);
        let latin = r.render(&["Total"], 576, 24.0, MONO);
        assert!(empty.height > 0);
        assert_eq!(empty.height, latin.height);
        assert_eq!(black_pixels(&empty), 0);

        let three = r.render(&["A", "", "B"], 576, 24.0, MONO);
        assert_eq!(three.height, 3 * latin.height);
        assert_eq!(ink_bands(&three).len(), 2);
        assert!(r.render(&[], 576, 24.0, MONO).bits.is_empty());
    }

    #[test]
    fn too_wide_line_is_clipped() {
        let mut r = renderer();
        let long = "W".repeat(200) + "\tकुल\n";
        let b = r.render(&[&long], 384, 24.0, MONO);
        let one = r.render(&["W कुल"], 384, 24.0, MONO);
        assert_eq!(b.width, 384);
        assert_eq!(b.height, one.height, "line must not wrap");
        assert_eq!(b.bits.len(), 48 * b.height as usize);
        assert!((376..384).any(|x| (0..b.height).any(|y| b.get(x, y))), "ink up to the right edge");
        // Odd widths keep the padding bits white.
        let odd = r.render(&[&long], 381, 24.0, MONO);
        assert!(odd.bits.chunks(48).all(|row| row[47] & 0b111 == 0));
    }

    #[test]
    fn bad_font_bytes_and_sizes_do_not_panic() {
        let mut r = TextRenderer::new(&[b"not a font".as_slice(), &[]]);
        let b = r.render(&["कुल योग"], 576, f32::NAN, "Nope");
        assert_eq!(b.width, 576);
        let mut r = renderer();
        let _ = r.render(&["x"], 0, 0.0, MONO);
        let _ = r.render(&["x"], 8, -5.0, MONO);
    }
}
