//! The text of rule statements and source titles: written once, as rustdoc reads it
//! (Markdown, so a literal such as `<legacyImpersonationPolicy>` is written in backticks,
//! which rustdoc would otherwise take for an HTML tag), and shown everywhere else
//! (listings, narrations, traces, JSON) as plain text, the backticks removed at compile
//! time by `plain!`.

/// The length of `text` without its backticks.
#[must_use]
pub(crate) const fn plain_len(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut len = 0;
    while i < bytes.len() {
        if bytes[i] != b'`' {
            len += 1;
        }
        i += 1;
    }
    len
}

/// The bytes of `text` without its backticks; `N` must be [`plain_len`] of it (a shorter
/// `N` fails to compile where `plain!` evaluates it).
#[must_use]
pub(crate) const fn plain_bytes<const N: usize>(text: &str) -> [u8; N] {
    let bytes = text.as_bytes();
    let mut out = [0u8; N];
    let mut i = 0;
    let mut j = 0;
    while i < bytes.len() {
        if bytes[i] != b'`' {
            out[j] = bytes[i];
            j += 1;
        }
        i += 1;
    }
    out
}

/// A string literal without its backticks, as a `&'static str` computed at compile time.
macro_rules! plain {
    ($text:expr) => {{
        const BYTES: [u8; $crate::rules::text::plain_len($text)] =
            $crate::rules::text::plain_bytes($text);
        #[allow(
            clippy::panic,
            reason = "evaluated at compile time, where a panic is a build error; removing ASCII backticks from UTF-8 leaves it UTF-8, so it cannot happen"
        )]
        const TEXT: &str = match ::core::str::from_utf8(&BYTES) {
            Ok(text) => text,
            Err(_) => panic!("a text without its backticks is not UTF-8"),
        };
        TEXT
    }};
}
pub(crate) use plain;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_removes_every_backtick_and_nothing_else() {
        const TEXT: &str = plain!("With `<legacyImpersonationPolicy enabled=\"true\"/>` set, é`");
        assert_eq!(
            TEXT,
            "With <legacyImpersonationPolicy enabled=\"true\"/> set, é"
        );
        assert_eq!(plain!("no backticks"), "no backticks");
        assert_eq!(plain!("``"), "");
        assert_eq!(plain_len("a`b`c"), 3);
    }
}
