//! The server side of LinkedIn's Rest.li 2.0 query syntax: a strict parser for the query strings the
//! client in `linkedin_core::restli` encodes.
//!
//! Rest.li 2.0 keeps the structure characters `(`, `)`, `:` and `,` literal and percent-encodes every
//! leaf, so `dateRange=(start:(year:2024,month:1,day:1),end:(...))` and
//! `campaigns=List(urn%3Ali%3AsponsoredCampaign%3A1)` are read back into [`RValue`]s. The parser is
//! strict on purpose: the sandbox stands in for LinkedIn in tests, and a query LinkedIn would answer
//! with a 400 must fail here too, with an error precise enough to quote in that 400 (which parameter,
//! at which byte, and what is wrong).
//!
//! The rules, as LinkedIn applies them:
//! - parameters are `name=value` separated by `&`; each name at most once (lists are `List(...)`,
//!   never a repeated name); names are case-sensitive;
//! - a value starting with `List(` is a list, one starting with `(` a record `(k:v,...)`; anything
//!   else at top level is a single leaf, percent-decoded as a whole (so LinkedIn's plain comma list
//!   `fields=a,b,c` reads as the leaf `"a,b,c"`, also available verbatim through [`Query::raw`]);
//! - inside a list or record an unencoded `:` or `(` in a leaf is an error, as are unbalanced
//!   parentheses, text after a closing parenthesis, empty field names and empty items;
//! - `+` is a plus sign, not a space (Rest.li writes a space as `%20`); `''` is the empty string.

use std::fmt::Write as _;

/// A decoded Rest.li 2.0 value.
///
/// Numbers and enum symbols are leaves like any other: the wire does not type them, so `2024`,
/// `CREATIVE` and `urn:li:sponsoredCampaign:1` all arrive as [`RValue::Str`].
#[derive(Debug, Clone, PartialEq)]
pub enum RValue {
    /// A leaf, percent-decoded.
    Str(String),
    /// `List(a,b,c)`; `List()` is the empty list.
    List(Vec<RValue>),
    /// `(k1:v1,k2:v2)`, fields in wire order, names decoded; `()` is the empty record.
    Record(Vec<(String, RValue)>),
}

impl RValue {
    /// The leaf's text, if this is a leaf.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            RValue::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The items, if this is a list.
    pub fn as_list(&self) -> Option<&[RValue]> {
        match self {
            RValue::List(items) => Some(items),
            _ => None,
        }
    }

    /// The fields in wire order, if this is a record.
    pub fn as_record(&self) -> Option<&[(String, RValue)]> {
        match self {
            RValue::Record(fields) => Some(fields),
            _ => None,
        }
    }

    /// The value of the record field `name`; `None` if this is not a record or has no such field.
    pub fn field(&self, name: &str) -> Option<&RValue> {
        self.as_record()?.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }
}

/// Why a query string is not valid Rest.li 2.0. Every message names the parameter and what is wrong,
/// ready to be quoted in a 400 response. Positions are byte offsets, 0-based.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QueryError {
    /// An empty `&`-separated segment: a doubled, leading or trailing `&`.
    #[error("empty query parameter at byte {position} of the query string (a stray '&')")]
    EmptyParam {
        /// Offset in the whole query string.
        position: usize,
    },
    /// A segment with no `=`.
    #[error("query parameter `{param}` has no '=': Rest.li 2.0 parameters are name=value")]
    MissingEquals {
        /// The segment as written.
        param: String,
    },
    /// A segment starting with `=`.
    #[error("query parameter at byte {position} of the query string has an empty name")]
    EmptyName {
        /// Offset in the whole query string.
        position: usize,
    },
    /// A name that does not percent-decode to UTF-8.
    #[error("query parameter name `{name}` is not valid percent-encoding: {detail}")]
    BadName {
        /// The name as written.
        name: String,
        /// What is wrong.
        detail: String,
    },
    /// The same (decoded) name twice.
    #[error(
        "query parameter `{0}` is given more than once; Rest.li 2.0 takes one value per name (send a List(...) instead)"
    )]
    Duplicate(String),
    /// A leaf that does not percent-decode to UTF-8.
    #[error("query parameter `{param}`: bad percent-encoding at byte {position} of its value: {detail}")]
    BadEncoding {
        /// The decoded parameter name.
        param: String,
        /// Offset in the parameter's raw value.
        position: usize,
        /// What is wrong.
        detail: String,
    },
    /// A value that is not well-formed Rest.li 2.0.
    #[error("query parameter `{param}`: syntax error at byte {position} of its value: {detail}")]
    Syntax {
        /// The decoded parameter name.
        param: String,
        /// Offset in the parameter's raw value.
        position: usize,
        /// What is wrong.
        detail: String,
    },
}

/// Nesting deeper than this is refused: real queries nest three levels, and a recursive parser
/// must not let a hostile query overflow the stack.
const MAX_DEPTH: usize = 32;

/// One parsed parameter.
#[derive(Debug, Clone, PartialEq)]
struct Param {
    name: String,
    raw: String,
    value: RValue,
}

/// A parsed query: parameters in order, each name once (a repeated name is an error, as in
/// Rest.li 2.0).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Query {
    params: Vec<Param>,
}

impl Query {
    /// Parses a query string, without the leading `?`; `""` is the empty query.
    pub fn parse(raw: &str) -> Result<Self, QueryError> {
        let mut params: Vec<Param> = Vec::new();
        if raw.is_empty() {
            return Ok(Self { params });
        }
        let mut offset = 0;
        for segment in raw.split('&') {
            let start = offset;
            offset += segment.len() + 1;
            if segment.is_empty() {
                return Err(QueryError::EmptyParam { position: start });
            }
            let Some((raw_name, raw_value)) = segment.split_once('=') else {
                return Err(QueryError::MissingEquals { param: segment.to_owned() });
            };
            if raw_name.is_empty() {
                return Err(QueryError::EmptyName { position: start });
            }
            let name = percent_decode(raw_name)
                .map_err(|(_, detail)| QueryError::BadName { name: raw_name.to_owned(), detail })?;
            if params.iter().any(|p| p.name == name) {
                return Err(QueryError::Duplicate(name));
            }
            let value = parse_value(&name, raw_value)?;
            params.push(Param { name, raw: raw_value.to_owned(), value });
        }
        Ok(Self { params })
    }

    /// The decoded value of parameter `name`.
    pub fn get(&self, name: &str) -> Option<&RValue> {
        self.param(name).map(|p| &p.value)
    }

    /// The parameter names, decoded, in query order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.params.iter().map(|p| p.name.as_str())
    }

    /// The raw (undecoded) value text of a parameter, e.g. for `fields`, which LinkedIn takes as a
    /// plain comma list.
    pub fn raw(&self, name: &str) -> Option<&str> {
        self.param(name).map(|p| p.raw.as_str())
    }

    /// `(name, value)` pairs in query order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &RValue)> {
        self.params.iter().map(|p| (p.name.as_str(), &p.value))
    }

    fn param(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|p| p.name == name)
    }
}

/// Looks for Rest.li 1.0 query shapes, which LinkedIn no longer accepts under protocol 2.0: dotted
/// record paths (`dateRange.start.day=1`) and indexed lists (`campaigns[0]=urn:...`, also when the
/// brackets are percent-encoded). Returns a description of the first one found, with the 2.0 form
/// to use instead, for the 400 message. Does not otherwise validate the query.
pub fn restli1_syntax(raw: &str) -> Option<String> {
    for segment in raw.split('&').filter(|s| !s.is_empty()) {
        let raw_name = segment.split_once('=').map_or(segment, |(name, _)| name);
        let name = percent_decode(raw_name).unwrap_or_else(|_| raw_name.to_owned());
        let kind = if name.contains('.') {
            "dotted-path"
        } else if name.contains('[') {
            "indexed-list"
        } else {
            continue;
        };
        return Some(format!(
            "query parameter `{name}` uses Rest.li 1.0 {kind} syntax, which is not accepted under Rest.li protocol \
             2.0; send the whole value as one parameter: {}",
            restli2_form(&name)
        ));
    }
    None
}

/// The 2.0 shape of a 1.0 parameter name: `dateRange.start.day` → `dateRange=(start:(day:…))`,
/// `campaigns[0]` → `campaigns=List(…)`.
fn restli2_form(name: &str) -> String {
    // Splits off an index suffix: `values[0]` → (`values`, true).
    let split = |part: &str| match part.find('[') {
        Some(i) => (part[..i].to_owned(), true),
        None => (part.to_owned(), false),
    };
    let wrap = |inner: String, indexed: bool| if indexed { format!("List({inner})") } else { inner };
    let mut parts = name.split('.');
    let (base, base_indexed) = split(parts.next().unwrap_or_default());
    let mut inner = "…".to_owned();
    for part in parts.rev() {
        let (key, indexed) = split(part);
        inner = format!("({key}:{})", wrap(inner, indexed));
    }
    format!("{base}={}", wrap(inner, base_indexed))
}

/// Parses one top-level value.
fn parse_value(param: &str, text: &str) -> Result<RValue, QueryError> {
    if !(text.starts_with("List(") || text.starts_with('(')) {
        // A plain leaf: structure characters are text here (`fields=a,b,c`, `q=analytics`).
        return decode_leaf(param, text, 0).map(RValue::Str);
    }
    let mut parser = Parser { param, text, pos: 0 };
    let value = parser.value(0)?;
    if let Some(c) = parser.peek_char() {
        let detail = if c == ')' {
            "unbalanced ')': nothing is open here".to_owned()
        } else {
            format!("unexpected {c:?} after the value's closing ')'")
        };
        return Err(parser.syntax(parser.pos, detail));
    }
    Ok(value)
}

/// Percent-decodes a leaf, reading `''` as the empty string. `base` is the leaf's offset in the
/// parameter's value, for error positions.
fn decode_leaf(param: &str, text: &str, base: usize) -> Result<String, QueryError> {
    if text == "''" {
        return Ok(String::new());
    }
    percent_decode(text).map_err(|(at, detail)| QueryError::BadEncoding {
        param: param.to_owned(),
        position: base + at,
        detail,
    })
}

/// Decodes `%XX` escapes (and nothing else: `+` stays `+`). The error carries the offset of the bad
/// escape, or of the start of the text when the bytes are not UTF-8.
fn percent_decode(text: &str) -> Result<String, (usize, String)> {
    if !text.contains('%') {
        return Ok(text.to_owned());
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'%' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        let hex = |j: usize| bytes.get(j).and_then(|&b| (b as char).to_digit(16));
        match (hex(i + 1), hex(i + 2)) {
            (Some(hi), Some(lo)) => {
                out.push((hi * 16 + lo) as u8);
                i += 3;
            }
            _ => {
                let after: String = text[i + 1..].chars().take(2).collect();
                return Err((i, format!("'%' must be followed by two hex digits, found {after:?}")));
            }
        }
    }
    String::from_utf8(out).map_err(|e| {
        let mut detail = String::from("the escapes decode to bytes that are not UTF-8");
        let bad = e.as_bytes()[e.utf8_error().valid_up_to()..].iter().take(4);
        let _ = write!(detail, " (at {})", bad.map(|b| format!("%{b:02X}")).collect::<String>());
        (0, detail)
    })
}

/// A recursive-descent parser over one structured value. `pos` only ever stops on ASCII bytes, so
/// slicing `text` at it is always on a char boundary.
struct Parser<'a> {
    param: &'a str,
    text: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn peek_char(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    fn syntax(&self, position: usize, detail: impl Into<String>) -> QueryError {
        QueryError::Syntax { param: self.param.to_owned(), position, detail: detail.into() }
    }

    fn value(&mut self, depth: usize) -> Result<RValue, QueryError> {
        if depth > MAX_DEPTH {
            return Err(self.syntax(self.pos, format!("values nested more than {MAX_DEPTH} deep")));
        }
        let rest = &self.text[self.pos..];
        if rest.starts_with("List(") {
            self.list(depth)
        } else if rest.starts_with('(') {
            self.record(depth)
        } else {
            self.leaf(false).map(RValue::Str)
        }
    }

    fn unclosed(&self, what: &str, open: usize) -> QueryError {
        self.syntax(self.pos, format!("'{what}' opened at byte {open} is never closed"))
    }

    /// After an item: `,` continues (returns false), `)` closes (returns true).
    fn separator(&mut self, what: &str, open: usize, after: &str) -> Result<bool, QueryError> {
        match self.peek() {
            Some(b',') => {
                self.pos += 1;
                Ok(false)
            }
            Some(b')') => {
                self.pos += 1;
                Ok(true)
            }
            None => Err(self.unclosed(what, open)),
            Some(_) => {
                let c = self.peek_char().unwrap_or_default();
                Err(self.syntax(self.pos, format!("expected ',' or ')' after {after}, found {c:?}")))
            }
        }
    }

    fn list(&mut self, depth: usize) -> Result<RValue, QueryError> {
        let open = self.pos;
        self.pos += "List(".len();
        let mut items = Vec::new();
        if self.peek() == Some(b')') {
            self.pos += 1;
            return Ok(RValue::List(items));
        }
        loop {
            items.push(self.value(depth + 1)?);
            if self.separator("List(", open, "a list item")? {
                return Ok(RValue::List(items));
            }
        }
    }

    fn record(&mut self, depth: usize) -> Result<RValue, QueryError> {
        let open = self.pos;
        self.pos += 1;
        let mut fields: Vec<(String, RValue)> = Vec::new();
        if self.peek() == Some(b')') {
            self.pos += 1;
            return Ok(RValue::Record(fields));
        }
        loop {
            let key_at = self.pos;
            let key = self.leaf(true)?;
            if key.is_empty() {
                return Err(self.syntax(key_at, "empty field name in a record"));
            }
            match self.peek() {
                Some(b':') => self.pos += 1,
                None => return Err(self.unclosed("(", open)),
                Some(_) => {
                    let c = self.peek_char().unwrap_or_default();
                    return Err(self.syntax(self.pos, format!("expected ':' after field name `{key}`, found {c:?}")));
                }
            }
            if fields.iter().any(|(k, _)| *k == key) {
                return Err(self.syntax(key_at, format!("field `{key}` appears twice in one record")));
            }
            let value = self.value(depth + 1)?;
            fields.push((key, value));
            if self.separator("(", open, "a field value")? {
                return Ok(RValue::Record(fields));
            }
        }
    }

    /// A leaf inside a list or record: runs to the next `,` or `)` (or `:` for a field name).
    fn leaf(&mut self, key: bool) -> Result<String, QueryError> {
        let start = self.pos;
        while let Some(c) = self.peek() {
            match c {
                b',' | b')' => break,
                b':' if key => break,
                b':' => {
                    return Err(self.syntax(self.pos, "unencoded ':' inside a value (a leaf must encode it as %3A)"));
                }
                b'(' => {
                    return Err(self.syntax(
                        self.pos,
                        "unencoded '(' inside a leaf (nested values start with '(' or 'List('; a leaf must encode it \
                         as %28)",
                    ));
                }
                _ => self.pos += 1,
            }
        }
        let text = &self.text[start..self.pos];
        if text.is_empty() && !key {
            let detail = if self.pos == self.text.len() {
                "the value ends where an item was expected, inside an unclosed '(' or 'List('"
            } else {
                "empty value (Rest.li 2.0 writes the empty string as '')"
            };
            return Err(self.syntax(start, detail));
        }
        decode_leaf(self.param, text, start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use linkedin_core::restli::{Query as ClientQuery, Value, date_range};

    /// What the server should read back for a client value: every leaf is text on the wire.
    fn expected(v: &Value) -> RValue {
        match v {
            Value::Str(s) => RValue::Str(s.clone()),
            Value::Int(n) => RValue::Str(n.to_string()),
            Value::Symbol(s) => RValue::Str((*s).to_owned()),
            Value::List(items) => RValue::List(items.iter().map(expected).collect()),
            Value::Record(fields) => {
                RValue::Record(fields.iter().map(|(k, v)| ((*k).to_owned(), expected(v))).collect())
            }
        }
    }

    fn s(text: &str) -> RValue {
        RValue::Str(text.to_owned())
    }

    fn syntax_at(raw: &str) -> (String, usize, String) {
        match Query::parse(raw) {
            Err(QueryError::Syntax { param, position, detail }) => (param, position, detail),
            other => panic!("{raw}: expected a syntax error, got {other:?}"),
        }
    }

    /// Leaves that break naive parsers: every structure character, the escape and separator
    /// characters, `+`, quotes, whitespace, non-ASCII and emoji.
    const NASTY: &[&str] = &[
        "urn:li:sponsoredCampaign:1",
        "a b",
        "a,b",
        "(x)",
        "List(1)",
        "List",
        ")(",
        "k:v",
        "100%",
        "%20",
        "%",
        "a&b=c",
        "=",
        "a+b",
        "''",
        "'",
        "é",
        "日本語",
        "🦀🚀",
        "tab\tnew\nline",
        "\u{0}",
        "-.~_",
        "?#[]/@!$*;",
    ];

    #[test]
    fn reads_linkedins_real_queries() {
        let q = Query::parse(
            "q=analytics&pivot=CREATIVE&timeGranularity=DAILY&dateRange=(start:(year:2024,month:1,day:1),\
             end:(year:2024,month:1,day:31))&campaigns=List(urn%3Ali%3AsponsoredCampaign%3A123456,\
             urn%3Ali%3AsponsoredCampaign%3A789)&fields=dateRange,pivotValues,impressions,clicks",
        )
        .unwrap();
        assert_eq!(
            q.names().collect::<Vec<_>>(),
            ["q", "pivot", "timeGranularity", "dateRange", "campaigns", "fields"]
        );
        assert_eq!(q.get("q").and_then(RValue::as_str), Some("analytics"));
        let range = q.get("dateRange").unwrap();
        assert_eq!(range.field("start").and_then(|d| d.field("year")), Some(&s("2024")));
        assert_eq!(range.field("end").and_then(|d| d.field("day")), Some(&s("31")));
        let campaigns = q.get("campaigns").and_then(RValue::as_list).unwrap();
        assert_eq!(campaigns, [s("urn:li:sponsoredCampaign:123456"), s("urn:li:sponsoredCampaign:789")]);
        assert_eq!(q.raw("fields"), Some("dateRange,pivotValues,impressions,clicks"));
        assert_eq!(q.get("fields"), Some(&s("dateRange,pivotValues,impressions,clicks")));
        assert_eq!(q.raw("campaigns").map(|r| r.starts_with("List(urn%3Ali")), Some(true));

        let q = Query::parse("q=analytics&pivot=(value:CREATIVE)&timeGranularity=(value:DAILY)").unwrap();
        assert_eq!(q.get("pivot").and_then(|p| p.field("value")), Some(&s("CREATIVE")));

        let q = Query::parse("q=search&search=(status:(values:List(ACTIVE,PAUSED)))&pageSize=500").unwrap();
        let statuses = q.get("search").and_then(|v| v.field("status")).and_then(|v| v.field("values"));
        assert_eq!(statuses.and_then(RValue::as_list), Some(&[s("ACTIVE"), s("PAUSED")][..]));
        assert_eq!(q.get("pageSize"), Some(&s("500")));

        let q = Query::parse("q=criteria&campaigns=List(urn%3Ali%3AsponsoredCampaign%3A1)&pageSize=100&pageToken=abc")
            .unwrap();
        assert_eq!(q.get("pageToken"), Some(&s("abc")));

        let q = Query::parse("q=statistics&pivots=List(CAMPAIGN,CREATIVE)").unwrap();
        assert_eq!(q.get("pivots"), Some(&RValue::List(vec![s("CAMPAIGN"), s("CREATIVE")])));
        assert_eq!(q.iter().map(|(n, _)| n).collect::<Vec<_>>(), ["q", "pivots"]);
    }

    #[test]
    fn round_trips_the_clients_date_range_and_builder() {
        let range =
            date_range(NaiveDate::from_ymd_opt(2024, 2, 1).unwrap(), NaiveDate::from_ymd_opt(2024, 2, 29).unwrap());
        let raw = ClientQuery::new()
            .raw("q", "analytics")
            .param("dateRange", range.clone())
            .text("pageToken", "abc/+= ")
            .raw("fields", "dateRange,pivotValues")
            .build();
        let q = Query::parse(&raw).unwrap();
        assert_eq!(q.get("dateRange"), Some(&expected(&range)));
        assert_eq!(q.get("pageToken"), Some(&s("abc/+= ")));
        assert_eq!(q.raw("fields"), Some("dateRange,pivotValues"));
    }

    #[test]
    fn round_trips_nasty_leaves_in_every_position() {
        for &leaf in NASTY {
            let values = [
                Value::str(leaf),
                Value::List(vec![Value::str(leaf)]),
                Value::List(vec![Value::str(leaf), Value::str(leaf), Value::Int(-3)]),
                Value::Record(vec![("k", Value::str(leaf))]),
                Value::Record(vec![(leaf, Value::str("v")), ("other", Value::List(vec![Value::str(leaf)]))]),
                Value::Record(vec![("outer", Value::Record(vec![(leaf, Value::List(vec![Value::str(leaf)]))]))]),
            ];
            for value in values {
                let raw = ClientQuery::new().raw("q", "x").param("v", value.clone()).text("t", leaf).build();
                let q = Query::parse(&raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
                assert_eq!(q.get("v"), Some(&expected(&value)), "{raw}");
                assert_eq!(q.get("t"), Some(&s(leaf)), "{raw}");
            }
        }
    }

    const NAMES: &[&str] = &["q", "pivot", "dateRange", "campaigns", "search", "pageToken", "accounts", "x_y"];
    const KEYS: &[&str] =
        &["start", "end", "year", "values", "a b", "k:1", "(x)", "a,b", "%", "List(", "é", "🦀", "''"];
    const SYMBOLS: &[&str] = &["ACTIVE", "PAUSED", "CREATIVE", "DAILY", "List", "ALL"];
    const CHARS: &[char] = &[
        'a', 'Z', '0', '9', '-', '.', '_', '~', ' ', ':', ',', '(', ')', '%', '&', '=', '+', '\'', '/', '?', '#', '[',
        ']', '"', '\\', '\n', '\u{0}', 'é', '中', '🦀', '😀',
    ];

    fn random_string(rng: &mut fastrand::Rng, min_len: usize) -> String {
        let len = rng.usize(min_len..=8);
        (0..len).map(|_| CHARS[rng.usize(..CHARS.len())]).collect()
    }

    /// A random value; containers only down to depth 3. Nested leaves are never empty: the client
    /// writes "" as nothing, which Rest.li 2.0 does not accept inside structures (it wants '').
    fn random_value(rng: &mut fastrand::Rng, depth: usize) -> Value {
        let kinds = if depth >= 3 { 3 } else { 5 };
        match rng.usize(..kinds) {
            0 => Value::Str(random_string(rng, 1)),
            1 => Value::Int(rng.i64(..)),
            2 => Value::Symbol(SYMBOLS[rng.usize(..SYMBOLS.len())]),
            3 => Value::List((0..rng.usize(0..4)).map(|_| random_value(rng, depth + 1)).collect()),
            _ => {
                let mut keys = KEYS.to_vec();
                rng.shuffle(&mut keys);
                keys.truncate(rng.usize(0..4));
                Value::Record(keys.into_iter().map(|k| (k, random_value(rng, depth + 1))).collect())
            }
        }
    }

    #[test]
    fn round_trips_random_values_through_the_client_encoder() {
        let mut rng = fastrand::Rng::with_seed(0x5EED_2024);
        for _ in 0..500 {
            let mut names = NAMES.to_vec();
            rng.shuffle(&mut names);
            names.truncate(rng.usize(1..=4));
            let mut client = ClientQuery::new();
            let mut want = Vec::new();
            for &name in &names {
                // Top-level leaves may be empty: `pageToken=` is a valid empty string.
                let value = if rng.bool() { random_value(&mut rng, 0) } else { Value::Str(random_string(&mut rng, 0)) };
                client = client.param(name, value.clone());
                want.push((name, value.encode(), expected(&value)));
            }
            let raw = client.build();
            let q = Query::parse(&raw).unwrap_or_else(|e| panic!("{raw}: {e}"));
            assert_eq!(q.names().collect::<Vec<_>>(), names, "{raw}");
            for (name, encoded, value) in want {
                assert_eq!(q.get(name), Some(&value), "{raw}");
                assert_eq!(q.raw(name), Some(encoded.as_str()), "{raw}");
            }
        }
    }

    #[test]
    fn empty_forms() {
        assert_eq!(Query::parse("").unwrap().names().count(), 0);
        let q = Query::parse("a=&b=''&c=List()&d=()&e=List('')&f=(k:'')&g=List(())").unwrap();
        assert_eq!(q.get("a"), Some(&s("")));
        assert_eq!(q.get("b"), Some(&s("")));
        assert_eq!(q.get("c"), Some(&RValue::List(vec![])));
        assert_eq!(q.get("d"), Some(&RValue::Record(vec![])));
        assert_eq!(q.get("e"), Some(&RValue::List(vec![s("")])));
        assert_eq!(q.get("f").and_then(|f| f.field("k")), Some(&s("")));
        assert_eq!(q.get("g"), Some(&RValue::List(vec![RValue::Record(vec![])])));
    }

    #[test]
    fn leaves_decode_strictly() {
        let q = Query::parse("a=x+y&b=x%20y&c=urn:li:x:1&d=%C3%A9%F0%9F%A6%80&Q=upper").unwrap();
        assert_eq!(q.get("a"), Some(&s("x+y")), "'+' is not a space");
        assert_eq!(q.get("b"), Some(&s("x y")));
        assert_eq!(q.get("c"), Some(&s("urn:li:x:1")), "top-level leaves may hold ':'");
        assert_eq!(q.get("d"), Some(&s("é🦀")));
        assert_eq!(q.get("q"), None, "names are case-sensitive");
        assert_eq!(q.get("Q"), Some(&s("upper")));
        // Percent-encoded names are decoded.
        assert_eq!(Query::parse("page%54oken=1").unwrap().get("pageToken"), Some(&s("1")));
    }

    #[test]
    fn rejects_unbalanced_parentheses() {
        let (param, position, detail) = syntax_at("q=x&dateRange=(start:(year:2024)");
        assert_eq!((param.as_str(), position), ("dateRange", 18));
        assert!(detail.contains("opened at byte 0 is never closed"), "{detail}");
        let (_, position, detail) = syntax_at("campaigns=List(a,b");
        assert_eq!(position, 8);
        assert!(detail.contains("'List(' opened at byte 0"), "{detail}");
        let (_, position, detail) = syntax_at("x=(a:b))");
        assert_eq!(position, 5);
        assert!(detail.contains("unbalanced ')'"), "{detail}");
        let (_, position, detail) = syntax_at("x=(a:");
        assert_eq!(position, 3);
        assert!(detail.contains("unclosed"), "{detail}");
        assert_eq!(syntax_at("x=(a").1, 2);
        assert_eq!(syntax_at("x=List(").1, 5);
    }

    #[test]
    fn rejects_trailing_garbage() {
        let (_, position, detail) = syntax_at("x=(a:b)c");
        assert_eq!(position, 5);
        assert!(detail.contains("after the value's closing ')'"), "{detail}");
        assert_eq!(syntax_at("x=List(a)b").1, 7);
        let (_, position, detail) = syntax_at("x=List((a:b)c)");
        assert_eq!(position, 10);
        assert!(detail.contains("expected ',' or ')' after a list item"), "{detail}");
        assert_eq!(syntax_at("x=(a:(b:c)d)").1, 8);
    }

    #[test]
    fn rejects_structure_characters_in_structured_leaves() {
        let (param, position, detail) = syntax_at("campaigns=List(urn:li:sponsoredCampaign:1)");
        assert_eq!((param.as_str(), position), ("campaigns", 8));
        assert!(detail.contains("unencoded ':'"), "{detail}");
        assert!(syntax_at("x=(a:b(c))").2.contains("unencoded '('"));
        assert!(syntax_at("x=(a(b):c)").2.contains("unencoded '('"));
        assert!(syntax_at("x=(a:b:c)").2.contains("unencoded ':'"));
        assert!(syntax_at("x=(a,b)").2.contains("expected ':' after field name `a`"));
    }

    #[test]
    fn rejects_empty_keys_and_items() {
        for raw in ["x=(:b)", "x=(a:b,)", "x=(a:b,:c)", "x=(,)", "x=('':b)"] {
            assert!(syntax_at(raw).2.contains("empty field name"), "{raw}");
        }
        for raw in ["x=List(,)", "x=List(a,)", "x=List(,a)", "x=(a:)", "x=(a:,b:c)"] {
            assert!(syntax_at(raw).2.contains("empty value"), "{raw}");
        }
        assert!(syntax_at("x=(a:1,a:2)").2.contains("field `a` appears twice"));
    }

    #[test]
    fn rejects_bad_percent_escapes() {
        let bad = |raw: &str| match Query::parse(raw) {
            Err(QueryError::BadEncoding { param, position, detail }) => (param, position, detail),
            other => panic!("{raw}: expected BadEncoding, got {other:?}"),
        };
        assert_eq!(bad("x=%ZZ").1, 0);
        assert_eq!(bad("x=ab%4").1, 2);
        assert_eq!(bad("x=ab%").1, 2);
        let (param, position, _) = bad("q=1&campaigns=List(ok,urn%3Ali%G1)");
        assert_eq!((param.as_str(), position), ("campaigns", 16));
        let (_, position, detail) = bad("x=(k:ok%C3%28)");
        assert_eq!(position, 3);
        assert!(detail.contains("not UTF-8") && detail.contains("%C3%28"), "{detail}");
        assert!(bad("x=%FF").2.contains("not UTF-8"));
        assert!(matches!(Query::parse("a%ZZ=1"), Err(QueryError::BadName { .. })));
    }

    #[test]
    fn rejects_malformed_parameters() {
        assert_eq!(Query::parse("q=a&q=b"), Err(QueryError::Duplicate("q".into())));
        assert_eq!(Query::parse("q=a&%71=b"), Err(QueryError::Duplicate("q".into())));
        assert_eq!(Query::parse("q=a&pageSize"), Err(QueryError::MissingEquals { param: "pageSize".into() }));
        assert_eq!(Query::parse("q=a&"), Err(QueryError::EmptyParam { position: 4 }));
        assert_eq!(Query::parse("q=a&&b=1"), Err(QueryError::EmptyParam { position: 4 }));
        assert_eq!(Query::parse("&q=a"), Err(QueryError::EmptyParam { position: 0 }));
        assert_eq!(Query::parse("q=a&=1"), Err(QueryError::EmptyName { position: 4 }));
        // A second '=' belongs to a top-level leaf.
        assert_eq!(Query::parse("a=b=c").unwrap().get("a"), Some(&s("b=c")));
    }

    #[test]
    fn refuses_absurd_nesting_without_overflowing() {
        let deep = format!("x={}a{}", "List(".repeat(10_000), ")".repeat(10_000));
        assert!(syntax_at(&deep).2.contains("nested more than"));
        let ok = format!("x={}a{}", "(k:".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
        assert!(Query::parse(&ok).is_ok());
    }

    #[test]
    fn errors_name_the_parameter() {
        let e = Query::parse("q=analytics&dateRange=(start:(year:2024)").unwrap_err();
        assert_eq!(
            e.to_string(),
            "query parameter `dateRange`: syntax error at byte 18 of its value: '(' opened at byte 0 is never closed"
        );
        let e = Query::parse("q=a&q=b").unwrap_err();
        assert!(e.to_string().contains("`q` is given more than once"), "{e}");
    }

    #[test]
    fn detects_restli_1_syntax() {
        let d = restli1_syntax("q=analytics&dateRange.start.day=1&dateRange.start.month=1").unwrap();
        assert!(d.contains("`dateRange.start.day`") && d.contains("dotted-path"), "{d}");
        assert!(d.contains("dateRange=(start:(day:…))"), "{d}");
        let d = restli1_syntax("q=x&campaigns[0]=urn:li:sponsoredCampaign:1").unwrap();
        assert!(d.contains("`campaigns[0]`") && d.contains("indexed-list"), "{d}");
        assert!(d.contains("campaigns=List(…)"), "{d}");
        let d = restli1_syntax("campaigns%5B0%5D=urn%3Ali%3AsponsoredCampaign%3A1").unwrap();
        assert!(d.contains("campaigns=List(…)"), "{d}");
        let d = restli1_syntax("search.status.values[0]=ACTIVE").unwrap();
        assert!(d.contains("search=(status:(values:List(…)))"), "{d}");
        // 2.0 queries, including dots and brackets inside values, are not 1.0.
        assert_eq!(restli1_syntax("q=search&search=(status:(values:List(ACTIVE)))&fields=a.b,c[0]"), None);
        assert_eq!(restli1_syntax(""), None);
    }
}
