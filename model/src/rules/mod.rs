//! The rule registry: every behaviour of the model sits behind a [`RuleId`], with a
//! one-line statement, a status and the documents that state it.
//!
//! Rule ids are an enum, so code cannot name a rule that is not registered; the statement
//! and citations of each rule live in [`catalogue`], the documents in [`sources`], and the
//! selectable readings of ambiguous rules in [`readings`]; `text` makes the plain text
//! of statements and titles written in Markdown.

pub mod catalogue;
pub mod readings;
pub mod sources;
mod text;

use std::fmt;

pub use catalogue::RuleId;
pub use sources::Source;

/// How well a rule is established.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    /// A Microsoft document or protocol specification states it.
    Documented,
    /// Established from implementation evidence (a book that reverse-engineered it, an
    /// implementation such as ReactOS, or an observation on a real machine).
    Observed,
    /// The sources disagree or are silent: the model offers each reading, selectable.
    Ambiguous,
}

impl Status {
    /// The lowercase word used in listings and JSON.
    #[must_use]
    pub fn word(self) -> &'static str {
        match self {
            Status::Documented => "documented",
            Status::Observed => "observed",
            Status::Ambiguous => "ambiguous",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

/// A pointer into a document: the source and where in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Citation {
    /// The document.
    pub source: Source,
    /// The section, paragraph or listing (may be empty when the whole page states it).
    pub locator: &'static str,
}

impl fmt::Display for Citation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.locator.is_empty() {
            write!(f, "{} <{}>", self.source.title, self.source.url)
        } else {
            write!(
                f,
                "{}, {} <{}>",
                self.source.title, self.locator, self.source.url
            )
        }
    }
}

/// One registered rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    /// Its id.
    pub id: RuleId,
    /// The id as written in documents (`IMP-4`).
    pub code: &'static str,
    /// The rule in one sentence.
    pub statement: &'static str,
    /// How well it is established.
    pub status: Status,
    /// The documents that state it.
    pub citations: &'static [Citation],
}

impl RuleId {
    /// Looks a rule up by its written id (`IMP-4`).
    #[must_use]
    pub fn from_code(code: &str) -> Option<RuleId> {
        RuleId::ALL.iter().copied().find(|r| r.code() == code)
    }

    /// The id as written in documents.
    #[must_use]
    pub fn code(self) -> &'static str {
        self.info().code
    }

    /// The rule's prefix (`IMP` for `IMP-4`).
    #[must_use]
    pub fn prefix(self) -> &'static str {
        let code = self.code();
        code.split('-').next().unwrap_or(code)
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl serde::Serialize for RuleId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

/// Every registered rule, in registry order.
pub fn all() -> impl Iterator<Item = Rule> {
    RuleId::ALL.iter().map(|r| r.info())
}
