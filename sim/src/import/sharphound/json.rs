//! The JSON reading machinery of a collection file: objects read field by field with serde
//! (strings borrowed from the file where they have no escapes, nothing kept as a generic
//! value tree), the path to a value that failed built on the way out of the parse, and the
//! fields the format does not have counted, not kept.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// One step of a path into a file.
enum Step {
    Key(String),
    Index(usize),
}

/// What reading one file learns besides its objects: where a failed parse was, and the
/// fields read that the format does not have, by the object they were in.
#[derive(Default)]
pub struct Ctx {
    /// The path of a failure, innermost step first (pushed on the way out).
    trail: RefCell<Vec<Step>>,
    /// Unknown fields: object name, then field name, then count.
    unknown: RefCell<HashMap<&'static str, HashMap<String, u64>>>,
}

impl Ctx {
    /// Notes that the failure was in field `key` (called on the way out).
    pub fn key(&self, key: &str) {
        if key.is_empty() {
            return;
        }
        self.trail.borrow_mut().push(Step::Key(key.to_owned()));
    }

    /// Notes that the failure was in element `i` (called on the way out).
    pub fn index(&self, i: usize) {
        self.trail.borrow_mut().push(Step::Index(i));
    }

    /// The path of the failure: `data[17].Properties.allowedtodelegate[2]`.
    pub fn path(&self) -> String {
        let mut out = String::new();
        for step in self.trail.borrow().iter().rev() {
            match step {
                Step::Key(k) if out.is_empty() => out.push_str(k),
                Step::Key(k) => {
                    out.push('.');
                    out.push_str(k);
                }
                Step::Index(i) => {
                    out.push('[');
                    out.push_str(&i.to_string());
                    out.push(']');
                }
            }
        }
        out
    }

    /// Counts field `key` of an object `what`, which the format does not have.
    fn unknown(&self, what: &'static str, key: &str) {
        let mut unknown = self.unknown.borrow_mut();
        let fields = unknown.entry(what).or_default();
        if let Some(n) = fields.get_mut(key) {
            *n += 1;
        } else {
            fields.insert(key.to_owned(), 1);
        }
    }

    /// The unknown fields counted, as `Object.field` with their counts, by name.
    pub fn unknown_fields(&self) -> Vec<(String, u64)> {
        let mut out: Vec<(String, u64)> = self
            .unknown
            .borrow()
            .iter()
            .flat_map(|(what, fields)| {
                fields
                    .iter()
                    .map(move |(field, n)| (format!("{what}.{field}"), *n))
            })
            .collect();
        out.sort();
        out
    }
}

/// A string of the file, borrowed when it has no escapes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Str<'de>(pub Cow<'de, str>);

impl std::ops::Deref for Str<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl<'de> de::Deserialize<'de> for Str<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Str<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Str<'de>, E> {
                Ok(Str(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}

/// A value written as a number by one collector and as a string by another (SharpHound v6
/// writes trust attributes as a string of digits, directions and types as names).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NumOrStr<'de> {
    /// A whole number.
    Num(i64),
    /// A string.
    Str(Str<'de>),
}

impl<'de> de::Deserialize<'de> for NumOrStr<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = NumOrStr<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a whole number or a string")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<NumOrStr<'de>, E> {
                Ok(NumOrStr::Num(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<NumOrStr<'de>, E> {
                i64::try_from(v)
                    .map(NumOrStr::Num)
                    .map_err(|_| E::custom(format!("{v} is too large a number here")))
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<NumOrStr<'de>, E> {
                Ok(NumOrStr::Str(Str(Cow::Borrowed(v))))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<NumOrStr<'de>, E> {
                Ok(NumOrStr::Str(Str(Cow::Owned(v.to_owned()))))
            }
        }
        d.deserialize_any(V)
    }
}

/// An object of the format read field by field.
pub trait Fields<'de>: Default {
    /// Its name in unknown-field counts (`User`, `ACE`, `Trust`).
    const NAME: &'static str;
    /// Its fields, as the format spells them; a key equal to one without regard to case is
    /// that field (BloodHound's own reader matches keys so).
    const FIELDS: &'static [&'static str];
    /// Whether other keys are expected (an open property bag): then they are not counted.
    const OPEN: bool = false;
    /// Reads the value of `field`, one of [`Fields::FIELDS`].
    ///
    /// # Errors
    ///
    /// When the value is not what the field holds.
    fn read<A: MapAccess<'de>>(
        &mut self,
        field: &'static str,
        map: &mut A,
        ctx: &Ctx,
    ) -> Result<(), A::Error>;
}

/// The spelling of `key` in `fields`: equal, or else equal without regard to case.
fn canonical(key: &str, fields: &'static [&'static str]) -> Option<&'static str> {
    fields
        .iter()
        .copied()
        .find(|f| *f == key)
        .or_else(|| fields.iter().copied().find(|f| f.eq_ignore_ascii_case(key)))
}

/// Reads an object `T` (a JSON object; `null` reads as `T::default()`).
pub struct Object<'c, T>(pub &'c Ctx, PhantomData<T>);

impl<'c, T> Object<'c, T> {
    /// The seed reading a `T` in `ctx`.
    pub fn new(ctx: &'c Ctx) -> Self {
        Object(ctx, PhantomData)
    }
}

impl<'de, T: Fields<'de>> DeserializeSeed<'de> for Object<'_, T> {
    type Value = T;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, T: Fields<'de>> Visitor<'de> for Object<'_, T> {
    type Value = T;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an object ({})", T::NAME)
    }
    fn visit_unit<E: de::Error>(self) -> Result<T, E> {
        Ok(T::default())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut out = T::default();
        while let Some(key) = map.next_key::<Str<'de>>()? {
            match canonical(&key, T::FIELDS) {
                Some(field) => out
                    .read(field, &mut map, self.0)
                    .inspect_err(|_| self.0.key(field))?,
                None => {
                    map.next_value::<IgnoredAny>()?;
                    if !T::OPEN {
                        self.0.unknown(T::NAME, &key);
                    }
                }
            }
        }
        Ok(out)
    }
}

/// Reads a list of objects `T` (`null` reads as none).
pub struct Objects<'c, T>(pub &'c Ctx, PhantomData<T>);

impl<'c, T> Objects<'c, T> {
    /// The seed reading a list of `T` in `ctx`.
    pub fn new(ctx: &'c Ctx) -> Self {
        Objects(ctx, PhantomData)
    }
}

impl<'de, T: Fields<'de>> DeserializeSeed<'de> for Objects<'_, T> {
    type Value = Vec<T>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<T>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, T: Fields<'de>> Visitor<'de> for Objects<'_, T> {
    type Value = Vec<T>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a list of objects ({})", T::NAME)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Vec<T>, E> {
        Ok(Vec::new())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        let mut out = Vec::new();
        loop {
            match seq.next_element_seed(Object::<T>::new(self.0)) {
                Ok(Some(v)) => out.push(v),
                Ok(None) => return Ok(out),
                Err(e) => {
                    self.0.index(out.len());
                    return Err(e);
                }
            }
        }
    }
}

/// Reads a list of strings (`null` reads as none).
pub struct Strings<'c>(pub &'c Ctx);

impl<'de> DeserializeSeed<'de> for Strings<'_> {
    type Value = Vec<Str<'de>>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strings<'_> {
    type Value = Vec<Str<'de>>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of strings")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Vec::new())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        loop {
            match seq.next_element::<Str<'de>>() {
                Ok(Some(v)) => out.push(v),
                Ok(None) => return Ok(out),
                Err(e) => {
                    self.0.index(out.len());
                    return Err(e);
                }
            }
        }
    }
}

/// A fault an object's reader finds in a value it read: the field (relative to the object,
/// `Properties.domain`) and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bad {
    /// The field, relative to the object.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl Bad {
    /// A fault in `field`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Bad {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Reads the `data` list element by element, handing each object `T` and its index to
/// `each` before the next is read.
pub struct Data<'c, 'f, T> {
    /// The context.
    pub ctx: &'c Ctx,
    /// What becomes of each object.
    pub each: &'f mut dyn FnMut(usize, T) -> Result<(), Bad>,
}

impl<'de, T: Fields<'de>> DeserializeSeed<'de> for Data<'_, '_, T> {
    type Value = usize;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, T: Fields<'de>> Visitor<'de> for Data<'_, '_, T> {
    type Value = usize;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a list of objects ({})", T::NAME)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<usize, A::Error> {
        let mut i = 0;
        loop {
            match seq.next_element_seed(Object::<T>::new(self.ctx)) {
                Ok(Some(object)) => {
                    if let Err(bad) = (self.each)(i, object) {
                        self.ctx.key(&bad.field);
                        self.ctx.index(i);
                        return Err(de::Error::custom(bad.message));
                    }
                }
                Ok(None) => return Ok(i),
                Err(e) => {
                    self.ctx.index(i);
                    return Err(e);
                }
            }
            i += 1;
        }
    }
}
