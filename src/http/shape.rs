//! Issue 10: the JSON Schema of a request body or query string, read from the real type's
//! `Deserialize` impl, so the OpenAPI document (`http::openapi`) cannot drift from the code.
//!
//! The type is deserialized from a tracing `Deserializer` that answers each thing the impl
//! asks for (a struct with these fields, an integer, an optional value, a list) with a
//! harmless sample and writes down what was asked. Whether a field is required and whether
//! unknown fields are refused cannot be seen in what is asked, so it is found by trying: the
//! same trace without the field, and with one field too many.
//!
//! What a trace cannot see: a type that asks for "anything" (`serde_json::Value`, tagged
//! enums) shows as an unconstrained schema, a map as any object, and a type whose
//! `Deserialize` refuses the samples (an empty string, zero, a `flatten`ed part with required
//! fields) gives no schema at all (`None`); the caller then describes the body in words.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{
    self, DeserializeOwned, DeserializeSeed, EnumAccess, IntoDeserializer, MapAccess, SeqAccess,
    VariantAccess, Visitor,
};
use serde_json::{json, Map, Value};

/// The schema of `T` as JSON Schema (OpenAPI 3.1 dialect), or `None` when `T` cannot be
/// traced.
pub fn schema_of<T: DeserializeOwned>() -> Option<Value> {
    let mut shape = trace::<T>(&Probe::None).ok()?;
    settle_objects::<T>(&mut shape, &mut Vec::new());
    Some(shape.to_schema())
}

/// The fields of a query-string type: name, required, schema; `None` when `T` is not a
/// traceable struct.
pub fn query_fields_of<T: DeserializeOwned>() -> Option<Vec<(String, bool, Value)>> {
    let mut shape = trace::<T>(&Probe::None).ok()?;
    settle_objects::<T>(&mut shape, &mut Vec::new());
    match shape {
        Shape::Object { fields, .. } => Some(
            fields
                .into_iter()
                .map(|f| {
                    // An absent parameter is `None`; a query string cannot say `null`.
                    let shape = match f.shape {
                        Shape::Nullable(inner) => *inner,
                        shape => shape,
                    };
                    (f.name.to_owned(), f.required, shape.to_schema())
                })
                .collect(),
        ),
        _ => None,
    }
}

/// What a `Deserialize` impl asked for.
#[derive(Debug, Clone, PartialEq)]
enum Shape {
    Any,
    Bool,
    Integer {
        unsigned: bool,
    },
    Number,
    String,
    Nullable(Box<Shape>),
    Array(Box<Shape>),
    /// A map with string keys (`HashMap<String, T>`), its values unknown: a map is traced
    /// empty, since a `flatten`ed struct asks for a map too and a sample entry would pass for
    /// one of its fields.
    Map,
    /// Unit variants of an enum: their names as sent.
    Choice(Vec<&'static str>),
    Object {
        fields: Vec<Field>,
        /// `deny_unknown_fields`: a field too many is an error.
        closed: bool,
    },
}

#[derive(Debug, Clone, PartialEq)]
struct Field {
    name: &'static str,
    shape: Shape,
    required: bool,
}

impl Shape {
    fn to_schema(&self) -> Value {
        match self {
            Shape::Any => json!({}),
            Shape::Bool => json!({ "type": "boolean" }),
            Shape::Integer { unsigned: false } => json!({ "type": "integer" }),
            Shape::Integer { unsigned: true } => json!({ "type": "integer", "minimum": 0 }),
            Shape::Number => json!({ "type": "number" }),
            Shape::String => json!({ "type": "string" }),
            Shape::Nullable(inner) => nullable(inner.to_schema()),
            Shape::Array(items) => json!({ "type": "array", "items": items.to_schema() }),
            Shape::Map => json!({ "type": "object" }),
            Shape::Choice(names) => json!({ "type": "string", "enum": names }),
            Shape::Object { fields, closed } => {
                let mut properties = Map::new();
                let mut required = Vec::new();
                for field in fields {
                    properties.insert(field.name.to_owned(), field.shape.to_schema());
                    if field.required {
                        required.push(field.name);
                    }
                }
                let mut schema = json!({ "type": "object", "properties": properties });
                if !required.is_empty() {
                    schema["required"] = json!(required);
                }
                if *closed {
                    schema["additionalProperties"] = json!(false);
                }
                schema
            }
        }
    }
}

/// `null` allowed as well: added to the type list, or as an alternative.
fn nullable(mut schema: Value) -> Value {
    match schema
        .get("type")
        .and_then(Value::as_str)
        .map(str::to_owned)
    {
        Some(kind) => {
            schema["type"] = json!([kind, "null"]);
            if let Some(Value::Array(names)) = schema.get_mut("enum") {
                names.push(Value::Null);
            }
            schema
        }
        None if schema == json!({}) => schema,
        None => json!({ "anyOf": [schema, { "type": "null" }] }),
    }
}

/// Where a value sits in the traced type: field names, and `[]` for a list's item.
type Path = Vec<&'static str>;

/// A variation of the trace, applied to the struct at `path` only.
#[derive(Debug, Clone)]
enum Probe {
    None,
    Omit { path: Path, field: &'static str },
    ExtraField { path: Path },
}

/// The key of the field too many.
const EXTRA_FIELD: &str = "__not_a_field_of_this_type";

fn trace<T: DeserializeOwned>(probe: &Probe) -> Result<Shape, TraceError> {
    let mut shape = Shape::Any;
    T::deserialize(Tracer {
        probe,
        path: Vec::new(),
        out: &mut shape,
    })?;
    Ok(shape)
}

/// Decides `required` and `closed` of every object in `shape` by tracing again.
fn settle_objects<T: DeserializeOwned>(shape: &mut Shape, path: &mut Path) {
    match shape {
        Shape::Nullable(inner) => settle_objects::<T>(inner, path),
        Shape::Array(inner) => {
            path.push("[]");
            settle_objects::<T>(inner, path);
            path.pop();
        }
        Shape::Object { fields, closed } => {
            *closed = trace::<T>(&Probe::ExtraField { path: path.clone() }).is_err();
            for field in fields.iter_mut() {
                let omitted = Probe::Omit {
                    path: path.clone(),
                    field: field.name,
                };
                field.required = trace::<T>(&omitted).is_err();
                path.push(field.name);
                settle_objects::<T>(&mut field.shape, path);
                path.pop();
            }
        }
        _ => {}
    }
}

#[derive(Debug)]
struct TraceError(String);

impl fmt::Display for TraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TraceError {}

impl de::Error for TraceError {
    fn custom<M: fmt::Display>(msg: M) -> Self {
        TraceError(msg.to_string())
    }
}

/// Deepest nesting traced; a type that contains itself would otherwise never end.
const MAX_DEPTH: usize = 24;

struct Tracer<'a> {
    probe: &'a Probe,
    path: Path,
    out: &'a mut Shape,
}

impl<'a> Tracer<'a> {
    fn nested<'b>(&'b self, segment: &'static str, out: &'b mut Shape) -> Tracer<'b> {
        let mut path = self.path.clone();
        path.push(segment);
        Tracer {
            probe: self.probe,
            path,
            out,
        }
    }

    fn record(self, shape: Shape) {
        *self.out = shape;
    }
}

macro_rules! sample {
    ($($method:ident => $shape:expr, $visit:ident($($value:expr)?);)*) => {
        $(fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TraceError> {
            self.record($shape);
            visitor.$visit($($value)?)
        })*
    };
}

impl<'de> de::Deserializer<'de> for Tracer<'_> {
    type Error = TraceError;

    sample! {
        deserialize_any => Shape::Any, visit_unit();
        deserialize_ignored_any => Shape::Any, visit_unit();
        deserialize_unit => Shape::Any, visit_unit();
        deserialize_bool => Shape::Bool, visit_bool(false);
        deserialize_i8 => Shape::Integer { unsigned: false }, visit_i64(0);
        deserialize_i16 => Shape::Integer { unsigned: false }, visit_i64(0);
        deserialize_i32 => Shape::Integer { unsigned: false }, visit_i64(0);
        deserialize_i64 => Shape::Integer { unsigned: false }, visit_i64(0);
        deserialize_i128 => Shape::Integer { unsigned: false }, visit_i64(0);
        deserialize_u8 => Shape::Integer { unsigned: true }, visit_u64(0);
        deserialize_u16 => Shape::Integer { unsigned: true }, visit_u64(0);
        deserialize_u32 => Shape::Integer { unsigned: true }, visit_u64(0);
        deserialize_u64 => Shape::Integer { unsigned: true }, visit_u64(0);
        deserialize_u128 => Shape::Integer { unsigned: true }, visit_u64(0);
        deserialize_f32 => Shape::Number, visit_f64(0.0);
        deserialize_f64 => Shape::Number, visit_f64(0.0);
        deserialize_char => Shape::String, visit_char('x');
        deserialize_str => Shape::String, visit_str("");
        deserialize_string => Shape::String, visit_str("");
        deserialize_bytes => Shape::String, visit_bytes(&[]);
        deserialize_byte_buf => Shape::String, visit_bytes(&[]);
        deserialize_identifier => Shape::String, visit_str("");
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TraceError> {
        let mut inner = Shape::Any;
        let value = visitor.visit_some(Tracer {
            probe: self.probe,
            path: self.path.clone(),
            out: &mut inner,
        })?;
        self.record(Shape::Nullable(Box::new(inner)));
        Ok(value)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TraceError> {
        if self.path.len() >= MAX_DEPTH {
            return Err(TraceError("nested too deeply".to_owned()));
        }
        let mut item = Shape::Any;
        let value = visitor.visit_seq(OneItem {
            tracer: Some(self.nested("[]", &mut item)),
        })?;
        self.record(Shape::Array(Box::new(item)));
        Ok(value)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, TraceError> {
        self.record(Shape::Map);
        visitor.visit_map(de::value::MapDeserializer::new(std::iter::empty::<(
            &str,
            &str,
        )>()))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        if self.path.len() >= MAX_DEPTH {
            return Err(TraceError("nested too deeply".to_owned()));
        }
        let (omit, extra) = match self.probe {
            Probe::Omit { path, field } if *path == self.path => (Some(*field), false),
            Probe::ExtraField { path } if *path == self.path => (None, true),
            _ => (None, false),
        };
        let mut keys: Vec<&'static str> = fields
            .iter()
            .copied()
            .filter(|f| Some(*f) != omit)
            .collect();
        if extra {
            keys.push(EXTRA_FIELD);
        }
        let mut access = Fields {
            probe: self.probe,
            path: self.path.clone(),
            keys: keys.into_iter(),
            current: None,
            shapes: BTreeMap::new(),
        };
        let value = visitor.visit_map(&mut access)?;
        let shapes = access.shapes;
        let fields = fields
            .iter()
            .map(|name| Field {
                name,
                shape: shapes.get(name).cloned().unwrap_or(Shape::Any),
                required: false,
            })
            .collect();
        self.record(Shape::Object {
            fields,
            closed: false,
        });
        Ok(value)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, TraceError> {
        let first = variants
            .first()
            .copied()
            .ok_or_else(|| TraceError("an enum without variants".to_owned()))?;
        let value = visitor.visit_enum(FirstVariant { name: first })?;
        self.record(Shape::Choice(variants.to_vec()));
        Ok(value)
    }
}

/// A list of one traced item.
struct OneItem<'a> {
    tracer: Option<Tracer<'a>>,
}

impl<'de> SeqAccess<'de> for OneItem<'_> {
    type Error = TraceError;

    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, TraceError> {
        match self.tracer.take() {
            Some(tracer) => seed.deserialize(tracer).map(Some),
            None => Ok(None),
        }
    }
}

/// A struct's fields, each with a traced value.
struct Fields<'a> {
    probe: &'a Probe,
    path: Path,
    keys: std::vec::IntoIter<&'static str>,
    current: Option<&'static str>,
    shapes: BTreeMap<&'static str, Shape>,
}

impl<'de> MapAccess<'de> for Fields<'_> {
    type Error = TraceError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, TraceError> {
        match self.keys.next() {
            Some(key) => {
                self.current = Some(key);
                seed.deserialize(key.into_deserializer()).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<S::Value, TraceError> {
        let name = self
            .current
            .take()
            .ok_or_else(|| TraceError("a value without its key".to_owned()))?;
        let mut shape = Shape::Any;
        let mut path = self.path.clone();
        path.push(name);
        let value = seed.deserialize(Tracer {
            probe: self.probe,
            path,
            out: &mut shape,
        })?;
        self.shapes.insert(name, shape);
        Ok(value)
    }
}

/// The first variant of an enum, taken as a unit variant.
struct FirstVariant {
    name: &'static str,
}

impl<'de> EnumAccess<'de> for FirstVariant {
    type Error = TraceError;
    type Variant = UnitOnly;

    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, UnitOnly), TraceError> {
        let variant = seed.deserialize(self.name.into_deserializer())?;
        Ok((variant, UnitOnly))
    }
}

/// Only unit variants are traced; an enum with data shows as "not traceable".
struct UnitOnly;

impl<'de> VariantAccess<'de> for UnitOnly {
    type Error = TraceError;

    fn unit_variant(self) -> Result<(), TraceError> {
        Ok(())
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, _: S) -> Result<S::Value, TraceError> {
        Err(TraceError("an enum variant with data".to_owned()))
    }

    fn tuple_variant<V: Visitor<'de>>(self, _: usize, _: V) -> Result<V::Value, TraceError> {
        Err(TraceError("an enum variant with data".to_owned()))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, TraceError> {
        Err(TraceError("an enum variant with data".to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use std::collections::HashMap;

    #[derive(Deserialize)]
    #[allow(dead_code)]
    #[serde(rename_all = "snake_case")]
    enum Colour {
        DarkRed,
        Blue,
    }

    #[derive(Deserialize)]
    #[allow(dead_code)]
    #[serde(deny_unknown_fields)]
    struct Inner {
        label: String,
        #[serde(default)]
        weight: u32,
        size: Option<u8>,
    }

    #[derive(Deserialize)]
    #[allow(dead_code)]
    #[serde(deny_unknown_fields)]
    struct Body {
        name: String,
        #[serde(rename = "at_ms")]
        at: i64,
        note: Option<String>,
        colour: Colour,
        tags: Vec<Inner>,
        extra: HashMap<String, bool>,
        anything: Value,
    }

    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Lenient {
        a: bool,
    }

    #[test]
    fn a_struct_shows_its_fields_types_and_which_are_required() {
        let schema = schema_of::<Body>().expect("traceable");
        assert_eq!(
            schema,
            json!({
                "type": "object",
                "properties": {
                    "name": { "type": "string" },
                    "at_ms": { "type": "integer" },
                    "note": { "type": ["string", "null"] },
                    "colour": { "type": "string", "enum": ["dark_red", "blue"] },
                    "tags": { "type": "array", "items": {
                        "type": "object",
                        "properties": {
                            "label": { "type": "string" },
                            "weight": { "type": "integer", "minimum": 0 },
                            "size": { "type": ["integer", "null"], "minimum": 0 }
                        },
                        "required": ["label"],
                        "additionalProperties": false
                    } },
                    "extra": { "type": "object" },
                    "anything": {}
                },
                "required": ["name", "at_ms", "colour", "tags", "extra", "anything"],
                "additionalProperties": false
            })
        );
    }

    #[test]
    fn unknown_fields_are_allowed_unless_the_type_refuses_them() {
        let schema = schema_of::<Lenient>().expect("traceable");
        assert_eq!(schema.get("additionalProperties"), None);
        assert_eq!(schema["required"], json!(["a"]));
    }

    #[test]
    fn query_fields_are_listed_with_their_schema() {
        let fields = query_fields_of::<Inner>().expect("a struct");
        assert_eq!(
            fields,
            vec![
                ("label".to_owned(), true, json!({ "type": "string" })),
                (
                    "weight".to_owned(),
                    false,
                    json!({ "type": "integer", "minimum": 0 })
                ),
                (
                    "size".to_owned(),
                    false,
                    json!({ "type": "integer", "minimum": 0 })
                ),
            ]
        );
        assert_eq!(query_fields_of::<Vec<bool>>(), None);
    }

    #[test]
    fn a_flattened_part_is_not_mistaken_for_fields() {
        #[derive(Deserialize)]
        #[allow(dead_code)]
        struct Profile {
            name: String,
        }
        #[derive(Deserialize)]
        #[allow(dead_code)]
        struct WithKey {
            key: String,
            #[serde(flatten)]
            profile: Profile,
        }
        assert_eq!(schema_of::<WithKey>(), None);
    }

    #[test]
    fn a_type_that_refuses_the_samples_gives_no_schema() {
        #[derive(Deserialize)]
        #[allow(dead_code)]
        #[serde(try_from = "String")]
        struct NotEmpty(String);
        impl TryFrom<String> for NotEmpty {
            type Error = &'static str;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                if s.is_empty() {
                    Err("empty")
                } else {
                    Ok(NotEmpty(s))
                }
            }
        }
        assert_eq!(schema_of::<NotEmpty>(), None);
    }
}
