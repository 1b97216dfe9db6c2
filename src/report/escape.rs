//! Text escaping for the renderers: XML/HTML entities and Markdown table cells.

/// Escapes `&`, `<`, `>`, `"` and `'` for XML text and attribute values, and drops
/// control characters XML 1.0 cannot carry.
pub fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(ch),
            c if (c as u32) < 0x20 => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Makes text safe inside a Markdown table cell: pipes escaped, newlines flattened, and
/// `<`/`>`/`&` as entities so a value never renders as HTML.
pub fn markdown_cell(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

/// Milliseconds with one decimal, the unit every timing is shown in.
pub fn ms(duration: std::time::Duration) -> String {
    format!("{:.1}", duration.as_secs_f64() * 1000.0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes_markup_and_cells() {
        assert_eq!(
            super::xml("<a href=\"x\">&'</a>\u{1}"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;\u{FFFD}"
        );
        assert_eq!(super::markdown_cell("a|b\n<c>"), "a\\|b &lt;c&gt;");
    }
}
