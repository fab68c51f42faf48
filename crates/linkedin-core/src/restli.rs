//! Rest.li 2.0 query-string encoding, by hand.
//!
//! Rest.li's structure characters `(`, `)`, `:` and `,` stay literal; every leaf string is
//! percent-encoded with nothing kept but `A-Z a-z 0-9 - . _ ~` (LinkedIn's python client uses
//! `quote(value, safe="")`). Standard form encoders (reqwest's `.query()`) encode the structure too,
//! which LinkedIn rejects, so queries are built here and appended to the URL verbatim.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Everything but the RFC 3986 unreserved characters.
const LEAF: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Percent-encodes one leaf string (a URN, a token, a name).
pub fn encode_leaf(s: &str) -> String {
    utf8_percent_encode(s, LEAF).to_string()
}

/// A Rest.li 2.0 value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A string leaf; encoded.
    Str(String),
    /// A number leaf.
    Int(i64),
    /// An enum symbol such as `CREATIVE` or `ACTIVE`; written as is (they are `[A-Z_]+`).
    Symbol(&'static str),
    /// `List(a,b,c)`.
    List(Vec<Value>),
    /// `(k1:v1,k2:v2)`, fields in the given order.
    Record(Vec<(&'static str, Value)>),
}

impl Value {
    pub fn str(s: impl Into<String>) -> Self {
        Self::Str(s.into())
    }

    /// Encodes the value for a query string.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        self.encode_into(&mut out);
        out
    }

    fn encode_into(&self, out: &mut String) {
        match self {
            Value::Str(s) => out.push_str(&encode_leaf(s)),
            Value::Int(n) => out.push_str(&n.to_string()),
            Value::Symbol(s) => out.push_str(s),
            Value::List(items) => {
                out.push_str("List(");
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.encode_into(out);
                }
                out.push(')');
            }
            Value::Record(fields) => {
                out.push('(');
                for (i, (k, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&encode_leaf(k));
                    out.push(':');
                    v.encode_into(out);
                }
                out.push(')');
            }
        }
    }
}

/// Builds a query string parameter by parameter, in order.
#[derive(Debug, Default, Clone)]
pub struct Query {
    parts: Vec<String>,
}

impl Query {
    pub fn new() -> Self {
        Self::default()
    }

    /// `name=<encoded value>`.
    pub fn param(mut self, name: &str, value: Value) -> Self {
        self.parts.push(format!("{name}={}", value.encode()));
        self
    }

    /// `name=<text>` with the text percent-encoded as a leaf (tokens, free text).
    pub fn text(self, name: &str, text: &str) -> Self {
        self.param(name, Value::str(text))
    }

    /// `name=<raw>` written verbatim. Only for values that are already valid, such as LinkedIn's
    /// `fields=a,b,c` (a plain comma list that must not be encoded) or a number.
    pub fn raw(mut self, name: &str, raw: &str) -> Self {
        self.parts.push(format!("{name}={raw}"));
        self
    }

    pub fn build(&self) -> String {
        self.parts.join("&")
    }
}

/// `(year:Y,month:M,day:D)`, unpadded, as LinkedIn's `dateRange` wants.
pub fn date(d: chrono::NaiveDate) -> Value {
    use chrono::Datelike;
    Value::Record(vec![
        ("year", Value::Int(d.year() as i64)),
        ("month", Value::Int(d.month() as i64)),
        ("day", Value::Int(d.day() as i64)),
    ])
}

/// `(start:(...),end:(...))`; both ends inclusive.
pub fn date_range(start: chrono::NaiveDate, end: chrono::NaiveDate) -> Value {
    Value::Record(vec![("start", date(start)), ("end", date(end))])
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn matches_linkedins_python_client_encoder() {
        // encoder_test.py: {"k2":"urn:li:app:123"} -> (k2:urn%3Ali%3Aapp%3A123)
        let v = Value::Record(vec![("k2", Value::str("urn:li:app:123"))]);
        assert_eq!(v.encode(), "(k2:urn%3Ali%3Aapp%3A123)");
        // [1,2,"foobar"] -> List(1,2,foobar)
        let v = Value::List(vec![Value::Int(1), Value::Int(2), Value::str("foobar")]);
        assert_eq!(v.encode(), "List(1,2,foobar)");
    }

    #[test]
    fn encodes_structure_characters_inside_leaves() {
        assert_eq!(encode_leaf("a b,c(d):e%f~g_h.i-j"), "a%20b%2Cc%28d%29%3Ae%25f~g_h.i-j");
        assert_eq!(encode_leaf("é"), "%C3%A9");
    }

    #[test]
    fn builds_the_analytics_date_range_unpadded() {
        let v = date_range(NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(), NaiveDate::from_ymd_opt(2024, 1, 31).unwrap());
        assert_eq!(v.encode(), "(start:(year:2024,month:1,day:1),end:(year:2024,month:1,day:31))");
    }

    #[test]
    fn builds_a_whole_query_in_order() {
        let q = Query::new()
            .raw("q", "search")
            .param(
                "search",
                Value::Record(vec![(
                    "status",
                    Value::Record(vec![(
                        "values",
                        Value::List(vec![Value::Symbol("ACTIVE"), Value::Symbol("PAUSED")]),
                    )]),
                )]),
            )
            .text("pageToken", "abc/+=")
            .build();
        assert_eq!(q, "q=search&search=(status:(values:List(ACTIVE,PAUSED)))&pageToken=abc%2F%2B%3D");
    }
}
