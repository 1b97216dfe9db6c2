//! Long values shortened in the middle, with the part that differs from the other side
//! marked: `…7-48ef-b79b-` **E973f2517476** `'` rather than two 300-character strings to
//! compare by eye. Each renderer decides how a mark and an elision look.

/// Values up to this many characters are shown whole (apart from the marks).
pub const WHOLE: usize = 40;
/// Characters of unchanged text kept on each side of the difference.
const CONTEXT: usize = 12;
/// A differing part longer than this keeps its start and end.
const DIFFERING: usize = 40;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Same(String),
    Differs(String),
    /// Text left out.
    Elided,
}

/// `before` and `after` as segments, the part where they differ marked on each side.
pub fn pair(before: &str, after: &str) -> (Vec<Segment>, Vec<Segment>) {
    let (b, a): (Vec<char>, Vec<char>) = (before.chars().collect(), after.chars().collect());
    let prefix = b.iter().zip(&a).take_while(|(x, y)| x == y).count();
    let max_suffix = b.len().min(a.len()) - prefix;
    let suffix = b.iter().rev().zip(a.iter().rev()).take(max_suffix).take_while(|(x, y)| x == y).count();
    let long = b.len().max(a.len()) > WHOLE;
    let side = |chars: &[char]| {
        let mut out = Vec::new();
        let head = &chars[..prefix];
        if long && head.len() > CONTEXT {
            out.push(Segment::Elided);
            out.push(Segment::Same(head[head.len() - CONTEXT..].iter().collect()));
        } else if !head.is_empty() {
            out.push(Segment::Same(head.iter().collect()));
        }
        let middle = &chars[prefix..chars.len() - suffix];
        if middle.len() > DIFFERING {
            out.push(Segment::Differs(middle[..DIFFERING / 2].iter().collect()));
            out.push(Segment::Elided);
            out.push(Segment::Differs(middle[middle.len() - DIFFERING / 2..].iter().collect()));
        } else if !middle.is_empty() {
            out.push(Segment::Differs(middle.iter().collect()));
        }
        let tail = &chars[chars.len() - suffix..];
        if long && tail.len() > CONTEXT {
            out.push(Segment::Same(tail[..CONTEXT].iter().collect()));
            out.push(Segment::Elided);
        } else if !tail.is_empty() {
            out.push(Segment::Same(tail.iter().collect()));
        }
        out
    };
    (side(&b[..]), side(&a[..]))
}

/// A value with nothing to compare against, shortened in the middle when long.
pub fn single(value: &str) -> Vec<Segment> {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() <= 2 * WHOLE {
        return vec![Segment::Same(value.to_string())];
    }
    vec![Segment::Same(chars[..WHOLE].iter().collect()), Segment::Elided, Segment::Same(chars[chars.len() - WHOLE..].iter().collect())]
}

/// Writes segments with the renderer's escaping and marks.
pub fn render(segments: &[Segment], same: impl Fn(&str) -> String, differs: impl Fn(&str) -> String) -> String {
    segments
        .iter()
        .map(|s| match s {
            Segment::Same(text) => same(text),
            Segment::Differs(text) => differs(text),
            Segment::Elided => "…".to_string(),
        })
        .collect()
}

/// An example's two values as segments: marked against each other when both exist.
pub fn example(before: Option<&str>, after: Option<&str>) -> (Option<Vec<Segment>>, Option<Vec<Segment>>) {
    match (before, after) {
        (Some(b), Some(a)) => {
            let (b, a) = pair(b, a);
            (Some(b), Some(a))
        }
        (b, a) => (b.map(single), a.map(single)),
    }
}

/// `before → after`, each shortened and the difference marked; `(none)` for a side that
/// has no value.
pub fn before_after(before: Option<&str>, after: Option<&str>, same: impl Fn(&str) -> String + Copy, differs: impl Fn(&str) -> String + Copy) -> String {
    let (b, a) = example(before, after);
    let side = |segments: Option<Vec<Segment>>| segments.map(|s| render(&s, same, differs)).unwrap_or_else(|| "(none)".to_string());
    format!("{} → {}", side(b), side(a))
}

/// An example as one line: `column: before → after`, or `before → after` for a whole row.
pub fn example_line(e: &crate::verify::Example, same: impl Fn(&str) -> String + Copy, differs: impl Fn(&str) -> String + Copy) -> String {
    let change = before_after(e.before.as_deref(), e.after.as_deref(), same, differs);
    match &e.column {
        Some(column) => format!("{}: {change}", same(column.as_str())),
        None => change,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(segments: &[Segment]) -> String {
        render(segments, str::to_string, |d| format!("[{d}]"))
    }

    #[test]
    fn marks_the_difference_and_shortens_the_rest() {
        let (b, a) = pair("'16D13688-d7Ef-48Ef-B79b-E973f2517476'", "'16d13688-d7ef-48ef-b79b-e973f2517476'");
        assert_eq!(plain(&b), "'16[D13688-d7Ef-48Ef-B79b-E]973f2517476'");
        assert_eq!(plain(&a), "'16[d13688-d7ef-48ef-b79b-e]973f2517476'");
        let long_before = format!("'{}x{}'", "a".repeat(100), "b".repeat(100));
        let long_after = format!("'{}y{}'", "a".repeat(100), "b".repeat(100));
        let (b, a) = pair(&long_before, &long_after);
        assert_eq!(plain(&b), format!("…{}[x]{}…", "a".repeat(12), "b".repeat(12)));
        assert_eq!(plain(&a), format!("…{}[y]{}…", "a".repeat(12), "b".repeat(12)));
        let (b, a) = pair("'abc'", "'abcdef'");
        assert_eq!((plain(&b), plain(&a)), ("'abc'".to_string(), "'abc[def]'".to_string()));
        assert_eq!(plain(&single(&"z".repeat(200))), format!("{}…{}", "z".repeat(40), "z".repeat(40)));
    }
}
