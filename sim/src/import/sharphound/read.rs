//! Reading one collection file: its `meta` says what `data` holds (users, computers, groups
//! or domains, in format version 5 or 6), then `data` is read object by object into
//! records. Files of other kinds (GPOs, OUs, containers, certificate templates) are noted
//! and skipped.

use std::sync::Arc;

use serde::de::DeserializeSeed;

use super::error::ImportError;
use super::json::{Bad, Ctx, Data, Fields, NumOrStr, Object};
use super::objects::{ComputerKind, DomainKind, FileTop, GroupKind, Obj, UserKind};
use super::records::{self, DomainRec, Origin, Principal};
use super::report::FileReport;
use super::source::File;

/// The data format versions read: 5 (BloodHound 4.2 and 4.3, SharpHound 1.1, bloodhound.py
/// 1.x) and 6 (BloodHound CE, SharpHound 2, bloodhound-ce-python).
pub const VERSIONS: &[i64] = &[5, 6];

/// The kinds of file read; others are skipped.
pub const KINDS: &[&str] = &["users", "computers", "groups", "domains"];

/// Everything read from a collection's files.
#[derive(Default)]
pub struct Collection {
    /// Users, computers and groups, in the order read.
    pub principals: Vec<Principal>,
    /// Domains, in the order read.
    pub domains: Vec<DomainRec>,
    /// What each file held.
    pub files: Vec<FileReport>,
}

/// A serde_json error's message without the position it appends.
fn message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    text.strip_suffix(&suffix).unwrap_or(&text).to_owned()
}

/// An error of reading `file`'s JSON: malformed text located by line and column, a value
/// of the wrong shape by its path.
fn json_error(file: &str, e: &serde_json::Error, ctx: &Ctx) -> ImportError {
    if e.is_syntax() || e.is_eof() {
        ImportError::Malformed {
            file: file.to_owned(),
            line: e.line(),
            column: e.column(),
            message: message(e),
        }
    } else {
        ImportError::invalid(file, ctx.path(), message(e))
    }
}

/// Reads `file` into `into`.
///
/// # Errors
///
/// When the file is not JSON, has no `meta` or `data`, is of a format version not read, or
/// an object in it is malformed.
pub fn read(file: File, into: &mut Collection) -> Result<(), ImportError> {
    let name: Arc<str> = Arc::from(file.name.as_str());
    let ctx = Ctx::default();
    let mut de = serde_json::Deserializer::from_slice(&file.bytes);
    let top: FileTop<'_> = Object::new(&ctx)
        .deserialize(&mut de)
        .and_then(|top| de.end().map(|()| top))
        .map_err(|e| json_error(&name, &e, &ctx))?;
    let meta = top.meta.ok_or_else(|| {
        ImportError::invalid(
            &name,
            "meta",
            "missing: a collection file says what it holds in `meta.type`",
        )
    })?;
    let kind = meta
        .kind
        .as_deref()
        .ok_or_else(|| ImportError::invalid(&name, "meta.type", "missing"))?
        .to_ascii_lowercase();
    let version = match &meta.version {
        Some(NumOrStr::Num(n)) => Some(*n),
        Some(NumOrStr::Str(s)) => s.trim().parse::<i64>().ok(),
        None => None,
    };
    let mut report = FileReport {
        name: file.name.clone(),
        kind: kind.clone(),
        version,
        read: KINDS.contains(&kind.as_str()),
        objects: 0,
        deleted: 0,
        unknown_fields: Vec::new(),
    };
    if report.read {
        if !version.is_some_and(|v| VERSIONS.contains(&v)) {
            let shown = version.map_or_else(|| "missing".to_owned(), |v| v.to_string());
            return Err(ImportError::invalid(
                &name,
                "meta.version",
                format!(
                    "{shown}: the data format versions read are 5 (BloodHound 4.2, 4.3) and 6 (BloodHound CE)"
                ),
            ));
        }
        let data = top.data.ok_or_else(|| {
            ImportError::invalid(&name, "data", "missing: the objects of the file")
        })?;
        objects(&name, data.get(), &kind, &mut report, into)?;
    }
    report.unknown_fields.extend(ctx.unknown_fields());
    report.unknown_fields.sort();
    into.files.push(report);
    Ok(())
}

/// Reads `data` (the text of the list) as objects of `kind` into `into`.
fn objects(
    name: &Arc<str>,
    data: &str,
    kind: &str,
    report: &mut FileReport,
    into: &mut Collection,
) -> Result<(), ImportError> {
    let ctx = Ctx::default();
    let origin = |index| Origin {
        file: Arc::clone(name),
        index,
    };
    let mut deleted = 0;
    let mut de = serde_json::Deserializer::from_str(data);
    let read = match kind {
        "users" => each::<Obj<'_, UserKind>>(&ctx, &mut de, &mut |i, o| {
            keep(
                records::user(&o, origin(i))?,
                &mut into.principals,
                &mut deleted,
            );
            Ok(())
        }),
        "computers" => each::<Obj<'_, ComputerKind>>(&ctx, &mut de, &mut |i, o| {
            keep(
                records::computer(&o, origin(i))?,
                &mut into.principals,
                &mut deleted,
            );
            Ok(())
        }),
        "groups" => each::<Obj<'_, GroupKind>>(&ctx, &mut de, &mut |i, o| {
            keep(
                records::group(&o, origin(i))?,
                &mut into.principals,
                &mut deleted,
            );
            Ok(())
        }),
        _ => each::<Obj<'_, DomainKind>>(&ctx, &mut de, &mut |i, o| {
            keep(
                records::domain(&o, origin(i))?,
                &mut into.domains,
                &mut deleted,
            );
            Ok(())
        }),
    };
    match read {
        Ok(n) => {
            report.objects = n;
            report.deleted = deleted;
            for (field, n) in ctx.unknown_fields() {
                report.unknown_fields.push((field, n));
            }
            Ok(())
        }
        Err(e) => {
            ctx.key("data");
            Err(json_error(name, &e, &ctx))
        }
    }
}

/// Pushes `record` onto `into`, or counts a deleted object.
fn keep<T>(record: Option<T>, into: &mut Vec<T>, deleted: &mut usize) {
    match record {
        Some(r) => into.push(r),
        None => *deleted += 1,
    }
}

/// Reads the list `de` holds, handing each object `T` to `each`; the number of objects.
fn each<'de, T: Fields<'de>>(
    ctx: &Ctx,
    de: &mut serde_json::Deserializer<serde_json::de::StrRead<'de>>,
    each: &mut dyn FnMut(usize, T) -> Result<(), Bad>,
) -> Result<usize, serde_json::Error> {
    let n = Data { ctx, each }.deserialize(&mut *de)?;
    de.end()?;
    Ok(n)
}
