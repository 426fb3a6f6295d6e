//! The comparison key of a chat alias (REQ: ALIAS-2, CHAT-1) and the rules for a well-formed
//! one. The exact normalization is documented on [`NormalizedAlias`].

use unicode_normalization::UnicodeNormalization;

/// A chat alias reduced to its comparison key: two aliases clash exactly when their keys are
/// equal.
///
/// # The normalization, exactly
///
/// `key(s) = NFC(to_lowercase(NFC(s)))`, where NFC is Unicode canonical composition
/// (`unicode-normalization`) and `to_lowercase` is Rust's [`str::to_lowercase`] (the Unicode
/// `Lowercase_Mapping`, context-sensitive for the final sigma). The outer NFC makes the key
/// stable: lowercasing a composed string can leave it decomposed.
///
/// What this unifies: case (`Bob`, `BOB`, `bob`), composed and decomposed accents
/// (`é` U+00E9 and `e` + U+0301), and canonical singletons (the Kelvin sign U+212A is `k`, the
/// Angstrom sign U+212B is `å`).
///
/// What it does **not** unify (a deliberate, documented gap against RFC 8266's PRECIS nickname
/// profile, which uses NFKC and full case folding):
/// - compatibility forms: fullwidth `ｂｏｂ` is not `bob`, the ligature `ﬁ` is not `fi`;
/// - full case folding: `ß` is not `ss`, and `ΣΑΣ` (lowercased `σας`) is not `σασ`;
/// - look-alikes across scripts: Cyrillic `ВОВ` is not `bob`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NormalizedAlias(String);

impl NormalizedAlias {
    /// The key of `alias`: `NFC(to_lowercase(NFC(alias)))`.
    #[must_use]
    pub fn new(alias: &str) -> Self {
        let composed: String = alias.nfc().collect();
        Self(composed.to_lowercase().nfc().collect())
    }

    /// The key as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Why a nickname is malformed (RFC 7701 424).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Malformation {
    /// Empty, or only white space.
    Empty,
    /// Longer than the configured limit, in Unicode scalar values after NFC.
    TooLong,
    /// Holds a control character (general category Cc: C0, DEL, C1).
    Control,
    /// Holds an invisible formatting character that lets one name pass for another: zero-width
    /// spaces and joiners, bidirectional embeddings, overrides and isolates, the BOM.
    Invisible,
    /// Starts or ends with white space, so that `bob ` would pass for `bob`.
    OuterSpace,
}

/// The invisible characters refused by [`check_well_formed`]: U+200B–U+200F, U+202A–U+202E,
/// U+2060–U+2064, U+2066–U+2069 and U+FEFF.
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{2069}'
        | '\u{FEFF}')
}

/// Checks that `alias` is a well-formed nickname at most `max_chars` long (counted after NFC).
///
/// # Errors
/// The first [`Malformation`] found, checked in the order: empty, outer space, control,
/// invisible, too long.
pub fn check_well_formed(alias: &str, max_chars: usize) -> Result<(), Malformation> {
    if alias.trim().is_empty() {
        return Err(Malformation::Empty);
    }
    if alias.starts_with(char::is_whitespace) || alias.ends_with(char::is_whitespace) {
        return Err(Malformation::OuterSpace);
    }
    if alias.chars().any(char::is_control) {
        return Err(Malformation::Control);
    }
    if alias.chars().any(is_invisible) {
        return Err(Malformation::Invisible);
    }
    if alias.nfc().count() > max_chars {
        return Err(Malformation::TooLong);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_unifies_case_and_canonical_forms() {
        // REQ: ALIAS-2, CHAT-1
        assert_eq!(NormalizedAlias::new("Bob"), NormalizedAlias::new("bOB"));
        assert_eq!(
            NormalizedAlias::new("Ren\u{e9}"),
            NormalizedAlias::new("RENE\u{301}")
        );
        assert_eq!(NormalizedAlias::new("\u{212A}im").as_str(), "kim");
        assert_ne!(NormalizedAlias::new("ｂｏｂ"), NormalizedAlias::new("bob"));
    }

    #[test]
    fn malformed() {
        assert_eq!(check_well_formed("", 8), Err(Malformation::Empty));
        assert_eq!(check_well_formed("  ", 8), Err(Malformation::Empty));
        assert_eq!(check_well_formed(" bob", 8), Err(Malformation::OuterSpace));
        assert_eq!(check_well_formed("b\u{7}ob", 8), Err(Malformation::Control));
        assert_eq!(
            check_well_formed("b\u{85}ob", 8),
            Err(Malformation::Control)
        );
        assert_eq!(
            check_well_formed("b\u{202E}ob", 8),
            Err(Malformation::Invisible)
        );
        assert_eq!(
            check_well_formed("bobbobbob", 8),
            Err(Malformation::TooLong)
        );
        // Eight scalar values once composed, although nine as written.
        assert_eq!(check_well_formed("bobbobbe\u{301}", 8), Ok(()));
        assert_eq!(check_well_formed("Bob Smith", 9), Ok(()));
    }
}
