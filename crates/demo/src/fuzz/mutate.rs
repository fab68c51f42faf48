//! Inputs for the fuzz targets: seeds mutated at byte, JSON, line or variable level, inputs built by
//! a target's generator, and pure random bytes. Deterministic for a given seed.

use serde_json::Value;

use super::{Shape, Target};

/// Inputs are cut to this: large enough for a page of LinkedIn rows, small enough to stay fast.
pub const MAX_INPUT: usize = 64 * 1024;
/// Accepted inputs kept to mutate further.
const POOL: usize = 512;
/// Stands in for a raw token while a JSON value is serialised (see [`Mutator::json`]).
const MARKER: &str = "@@fuzz-raw@@";

/// Numbers as text: the limits of every integer type, of `f64` and of `Decimal`, notations serde or
/// `str::parse` may or may not take, and times at the edges of chrono's and RFC 3339's ranges.
pub const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "-0.0",
    "1",
    "-1",
    "0.5",
    "1e308",
    "-1e308",
    "1e309",
    "1.7976931348623157e308",
    "5e-324",
    "1e-400",
    "1e20",
    "127",
    "255",
    "256",
    "65536",
    "2147483647",
    "2147483648",
    "-2147483649",
    "4294967295",
    "4294967296",
    "9007199254740993",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "-9223372036854775809",
    "18446744073709551615",
    "18446744073709551616",
    "79228162514264337593543950335",
    "79228162514264337593543950336",
    "-79228162514264337593543950336",
    "0.0000000000000000000000000001",
    "0.00000000000000000000000000001",
    "123456789012345678901234567890.123456789",
    "1E+2147483647",
    "1e-2147483648",
    "1e4294967296",
    "100000000000",
    "100000000001",
    "8640000000000000",
    "253402300800",
    "253402300799999",
    "-62135596800",
    "8210266876799",
    "-8334601228800",
    "99999999999999999999",
    "NaN",
    "Infinity",
    "-Infinity",
    "inf",
    "1_000",
    "0x10",
    "+5",
    ".5",
    "5.",
    "1e",
    "--1",
];

/// JSON string tokens: empty and blank, numbers and dates in strings, escapes serde rejects (lone
/// surrogates), control characters, multi-byte text, and what some parsers look for (fences, URNs).
pub const STRINGS: &[&str] = &[
    r#""""#,
    r#"" ""#,
    r#""NaN""#,
    r#""1e20""#,
    r#""-1""#,
    r#""18446744073709551616""#,
    r#""1e400""#,
    r#""-2E-18""#,
    r#""\u0000""#,
    r#""\ud800""#,
    r#""\udfff\ud800""#,
    r#""😀""#,
    r#""é\u0301""#,
    r#""\n\r\t""#,
    r#""\"""#,
    r#""urn:li:sponsoredCreative:""#,
    r#""urn:li:sponsoredCreative:18446744073709551616""#,
    r#""urn:li:sponsoredCampaign:-1""#,
    r#""+262142-12-31T23:59:59Z""#,
    r#""-262143-01-01T00:00:00Z""#,
    r#""+262143-01-01T00:00:00Z""#,
    r#""9999-12-31T23:59:59Z""#,
    r#""0000-01-01T00:00:00Z""#,
    r#""2026-02-30""#,
    r#""+262142-12-31""#,
    r#""1969-12-31""#,
    r#""2026-11-23T06:00:00+14:00""#,
    r#""```json\n{""#,
    r#""```""#,
    r#""{\"variations\":[]}""#,
    r#""$1e9""#,
    r#""99.99999999999996""#,
    r#""ACTIVE""#,
    r#""PAUSED""#,
];

/// Structural JSON tokens.
pub const STRUCTURES: &[&str] = &["null", "true", "false", "[]", "{}", "[[]]", "[null]", r#"{"":null}"#, "[1,2,3]"];

/// Byte sequences that are not UTF-8, or are surprising in text.
const BYTES: &[&[u8]] = &[
    b"\xff",
    b"\xc0\x80",
    b"\xed\xa0\x80",
    b"\xf4\x90\x80\x80",
    b"\xe2\x82",
    b"\x00",
    b"\r\n",
    b"\r",
    b"\xef\xbb\xbf",
    b"\\",
    b"\"",
    b"\n\n",
];

/// Bytes worth setting one at a time: JSON's structure characters, digits, signs, controls.
const INTERESTING_BYTES: &[u8] = b"\x00\x01\x7f\x80\xff{}[]\":,\\ \n\t-+.eE0123456789aZ=/%";

/// Integers worth writing into binary data (lengths, counts, offsets in a Parquet footer).
const INTEGERS: &[i64] =
    &[0, 1, -1, 127, 128, 255, 256, 65535, 65536, i32::MAX as i64, i32::MIN as i64, i64::MAX, i64::MIN];

pub struct Mutator {
    rng: fastrand::Rng,
    shape: Shape,
    seeds: Vec<Vec<u8>>,
    pool: Vec<Vec<u8>>,
    /// Object keys and short strings of the seeds (or variable names), for adding and renaming.
    words: Vec<String>,
    generate: Option<fn(&mut fastrand::Rng) -> Vec<u8>>,
}

/// FNV-1a, so each target draws its own inputs from the same seed.
fn hash(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3))
}

impl Mutator {
    pub fn new(target: &Target, seed: u64) -> Self {
        let seeds = (target.seeds)();
        assert!(!seeds.is_empty(), "{}: no seeds", target.name);
        let mut words = Vec::new();
        for s in &seeds {
            collect_words(s, target.shape, &mut words);
        }
        words.sort();
        words.dedup();
        Self {
            rng: fastrand::Rng::with_seed(seed ^ hash(target.name)),
            shape: target.shape,
            seeds,
            pool: Vec::new(),
            words,
            generate: target.generate,
        }
    }

    /// Remembers an accepted input to mutate later (a bounded pool, random replacement).
    pub fn keep(&mut self, input: Vec<u8>) {
        if self.pool.len() < POOL {
            self.pool.push(input);
        } else {
            let i = self.rng.usize(..POOL);
            self.pool[i] = input;
        }
    }

    pub fn next_input(&mut self) -> Vec<u8> {
        let roll = self.rng.u32(..100);
        let mut input = match (roll, self.generate) {
            (0..4, _) => self.random_bytes(),
            (4..7, _) => self.random_text(),
            (7..22, Some(generate)) => generate(&mut self.rng),
            _ => {
                let mut input = self.base().to_vec();
                for _ in 0..self.rng.usize(1..=4) {
                    self.mutate(&mut input);
                }
                input
            }
        };
        input.truncate(MAX_INPUT);
        input
    }

    /// A seed, or (half the time, once there are some) an accepted input.
    fn base(&mut self) -> &[u8] {
        if !self.pool.is_empty() && self.rng.bool() {
            &self.pool[self.rng.usize(..self.pool.len())]
        } else {
            &self.seeds[self.rng.usize(..self.seeds.len())]
        }
    }

    fn other(&mut self) -> Vec<u8> {
        self.base().to_vec()
    }

    fn mutate(&mut self, input: &mut Vec<u8>) {
        let structured = self.rng.u32(..100) < 60;
        let done = structured
            && match self.shape {
                Shape::Json => self.json(input),
                Shape::Ndjson => self.ndjson(input),
                Shape::Env => self.env(input),
                Shape::Text => self.text(input),
                Shape::Binary => self.binary(input),
            };
        if !done {
            self.bytes(input);
        }
    }

    fn pick<'a, T: ?Sized>(&mut self, items: &'a [&'a T]) -> &'a T {
        items[self.rng.usize(..items.len())]
    }

    fn word(&mut self) -> String {
        if self.words.is_empty() || self.rng.u32(..8) == 0 {
            let n = self.rng.usize(0..12);
            return (0..n).map(|_| self.rng.alphanumeric()).collect();
        }
        self.words[self.rng.usize(..self.words.len())].clone()
    }

    /// An interesting raw JSON value: a number, a string, a structure, or something deep or long.
    fn raw_token(&mut self) -> String {
        match self.rng.u32(..20) {
            0..8 => self.pick(NUMBERS).to_string(),
            8..14 => self.pick(STRINGS).to_string(),
            14..16 => self.pick(STRUCTURES).to_string(),
            16 => {
                let depth = self.rng.usize(1..300);
                "[".repeat(depth) + &"]".repeat(depth)
            }
            17 => {
                let depth = self.rng.usize(1..200);
                r#"{"a":"#.repeat(depth) + "1" + &"}".repeat(depth)
            }
            18 => format!(
                "\"{}\"",
                ["a", "é", "😀", "%", "\\\\", " "][self.rng.usize(..6)].repeat(self.rng.usize(100..5000))
            ),
            _ => serde_json::to_string(&self.word()).expect("a string serialises"),
        }
    }

    fn random_bytes(&mut self) -> Vec<u8> {
        let n = self.rng.usize(0..512);
        (0..n).map(|_| self.rng.u8(..)).collect()
    }

    fn random_text(&mut self) -> Vec<u8> {
        const ALPHABET: &[u8] = b"{}[]\":,0123456789.eE+- \ntruefalsnl=abcxyzT:Z";
        let n = self.rng.usize(0..256);
        (0..n).map(|_| ALPHABET[self.rng.usize(..ALPHABET.len())]).collect()
    }

    // -----------------------------------------------------------------------------------------
    // Byte level: every shape.
    // -----------------------------------------------------------------------------------------

    fn bytes(&mut self, input: &mut Vec<u8>) {
        let len = input.len();
        let at = |rng: &mut fastrand::Rng| rng.usize(0..=len);
        match self.rng.u32(..11) {
            0 if len > 0 => {
                let i = self.rng.usize(..len);
                input[i] ^= 1 << self.rng.u32(..8);
            }
            1 if len > 0 => {
                let i = self.rng.usize(..len);
                input[i] = INTERESTING_BYTES[self.rng.usize(..INTERESTING_BYTES.len())];
            }
            2 => {
                let i = at(&mut self.rng);
                let n = self.rng.usize(1..9);
                let noise: Vec<u8> = (0..n).map(|_| self.rng.u8(..)).collect();
                input.splice(i..i, noise);
            }
            3 if len > 0 => {
                let a = self.rng.usize(..len);
                let b = self.rng.usize(a..=len.min(a + 64));
                input.drain(a..b);
            }
            4 if len > 0 => {
                let a = self.rng.usize(..len);
                let b = self.rng.usize(a..=len.min(a + 256));
                let copy = input[a..b].to_vec();
                let i = at(&mut self.rng);
                input.splice(i..i, copy);
            }
            5 => input.truncate(at(&mut self.rng)),
            6 => {
                let other = self.other();
                let i = at(&mut self.rng);
                let j = self.rng.usize(0..=other.len());
                input.truncate(i);
                input.extend_from_slice(&other[j..]);
            }
            7 => {
                let token: Vec<u8> = match self.rng.u32(..3) {
                    0 => self.raw_token().into_bytes(),
                    1 => self.pick(BYTES).to_vec(),
                    _ => self.pick(NUMBERS).as_bytes().to_vec(),
                };
                let i = at(&mut self.rng);
                input.splice(i..i, token);
            }
            8 => {
                let number = self.pick(NUMBERS).as_bytes().to_vec();
                replace_digit_run(&mut self.rng, input, &number);
            }
            9 if len > 0 => {
                let i = self.rng.usize(..len);
                input[i] = input[i].wrapping_add(self.rng.u8(..16)).wrapping_sub(8);
            }
            _ => {
                let v = INTEGERS[self.rng.usize(..INTEGERS.len())];
                let width = [1, 2, 4, 8][self.rng.usize(..4)];
                let bytes = if self.rng.bool() { v.to_le_bytes() } else { v.to_be_bytes() };
                if len >= width {
                    let i = self.rng.usize(..=len - width);
                    input[i..i + width].copy_from_slice(&bytes[..width]);
                }
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Shape level.
    // -----------------------------------------------------------------------------------------

    /// One JSON-level change; `false` when the input is not JSON (the caller falls back to bytes).
    fn json(&mut self, input: &mut Vec<u8>) -> bool {
        let Ok(mut doc) = serde_json::from_slice::<Value>(input) else { return false };
        let mut pointers = Vec::new();
        collect_pointers(&doc, String::new(), &mut pointers);
        let pointer = pointers[self.rng.usize(..pointers.len())].clone();
        let mut raw = None;
        let donor = self.donor_node();
        let node = doc.pointer_mut(&pointer).expect("collected from this document");
        match self.rng.u32(..10) {
            0..3 => {
                raw = Some(self.raw_token());
                *node = Value::String(MARKER.into());
            }
            3 => swap_type(&mut self.rng, node),
            4 => {
                if let Some(d) = donor {
                    *node = d;
                }
            }
            5 => match node {
                Value::Object(m) if !m.is_empty() => {
                    let key = m.keys().nth(self.rng.usize(..m.len())).expect("in range").clone();
                    m.remove(&key);
                }
                Value::Array(a) if !a.is_empty() => {
                    a.remove(self.rng.usize(..a.len()));
                }
                other => *other = Value::Null,
            },
            6 => match node {
                Value::Object(m) => {
                    let key = self.word();
                    m.insert(key, Value::String(MARKER.into()));
                    raw = Some(self.raw_token());
                }
                Value::Array(a) if !a.is_empty() => {
                    let item = a[self.rng.usize(..a.len())].clone();
                    for _ in 0..self.rng.usize(1..40) {
                        a.insert(self.rng.usize(0..=a.len()), item.clone());
                    }
                }
                other => *other = Value::Array(vec![other.clone()]),
            },
            7 => match node {
                Value::Object(m) if !m.is_empty() => {
                    let old = m.keys().nth(self.rng.usize(..m.len())).expect("in range").clone();
                    let v = m.remove(&old).expect("present");
                    m.insert(self.word(), v);
                }
                Value::String(s) => *s = self.word(),
                other => *other = Value::String(self.word()),
            },
            8 => perturb_number(&mut self.rng, node),
            _ => match node {
                Value::String(s) => match self.rng.u32(..4) {
                    0 => *s = s.repeat(self.rng.usize(2..100)),
                    1 => {
                        let keep = self.rng.usize(0..=s.chars().count());
                        *s = s.chars().take(keep).collect();
                    }
                    2 => s.push_str(["\u{0}", "\u{301}", "😀", "\u{202e}", "\u{feff}", "```"][self.rng.usize(..6)]),
                    _ => *s = format!(" {s} "),
                },
                other => *other = Value::String(MARKER.into()),
            },
        }
        let pretty = self.shape == Shape::Json && self.rng.u32(..10) == 0;
        let text = if pretty { serde_json::to_string_pretty(&doc) } else { serde_json::to_string(&doc) }
            .expect("a JSON value serialises");
        let marker = format!("\"{MARKER}\"");
        let raw = raw.unwrap_or_else(|| serde_json::to_string(&self.word()).expect("a string serialises"));
        *input = text.replacen(&marker, &raw, 1).into_bytes();
        true
    }

    /// A node from a seed or pooled input, to graft elsewhere.
    fn donor_node(&mut self) -> Option<Value> {
        let other = self.other();
        let line = other.split(|b| *b == b'\n').filter(|l| !l.is_empty()).nth(0)?;
        let doc = serde_json::from_slice::<Value>(line).ok()?;
        let mut pointers = Vec::new();
        collect_pointers(&doc, String::new(), &mut pointers);
        let p = &pointers[self.rng.usize(..pointers.len())];
        doc.pointer(p).cloned()
    }

    fn ndjson(&mut self, input: &mut Vec<u8>) -> bool {
        let mut lines: Vec<Vec<u8>> = input.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect();
        let n = lines.len();
        match self.rng.u32(..10) {
            0..6 => {
                let i = self.rng.usize(..n);
                let mut line = std::mem::take(&mut lines[i]);
                if !self.json(&mut line) {
                    self.bytes(&mut line);
                }
                lines[i] = line;
            }
            6 => {
                let i = self.rng.usize(..n);
                let copy = lines[i].clone();
                lines.insert(self.rng.usize(0..=n), copy);
            }
            7 if n > 1 => {
                lines.remove(self.rng.usize(..n));
            }
            8 => {
                let other = self.other();
                let donor: Vec<&[u8]> = other.split(|b| *b == b'\n').collect();
                let line = donor[self.rng.usize(..donor.len())].to_vec();
                lines.insert(self.rng.usize(0..=n), line);
            }
            _ => {
                let filler: &[u8] = [&b""[..], b"   ", b"\r", b"\t", b"{}", b"null"][self.rng.usize(..6)];
                lines.insert(self.rng.usize(0..=n), filler.to_vec());
            }
        }
        *input = lines.join(&b'\n');
        true
    }

    fn env(&mut self, input: &mut Vec<u8>) -> bool {
        let text = String::from_utf8_lossy(input).into_owned();
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        if lines.is_empty() {
            lines.push(String::new());
        }
        let i = self.rng.usize(..lines.len());
        let name = lines[i].split('=').next().unwrap_or("").to_string();
        match self.rng.u32(..6) {
            0..3 => lines[i] = format!("{name}={}", self.env_value()),
            3 => {
                lines.remove(i);
            }
            4 => lines.push(format!("{}={}", self.word(), self.env_value())),
            _ => lines[i] = format!("{name}="),
        }
        *input = lines.join("\n").into_bytes();
        true
    }

    fn env_value(&mut self) -> String {
        match self.rng.u32(..6) {
            0..3 => self.pick(NUMBERS).to_string(),
            3 => self.pick(STRINGS).trim_matches('"').to_string(),
            4 => ["true", "false", "TRUE", "yes", "maybe", " ", "1,2,,3", "1=2,x=3", "http://", "https://h/"]
                [self.rng.usize(..10)]
            .to_string(),
            _ => self.word(),
        }
    }

    fn text(&mut self, input: &mut Vec<u8>) -> bool {
        match self.rng.u32(..4) {
            0 => *input = self.pick(NUMBERS).as_bytes().to_vec(),
            1 => *input = self.pick(STRINGS).trim_matches('"').as_bytes().to_vec(),
            2 => {
                let number = self.pick(NUMBERS).as_bytes().to_vec();
                replace_digit_run(&mut self.rng, input, &number);
            }
            _ => {
                let pad: &[u8] = [&b" "[..], b"\t", b"\n", b"+", b"-", b"0", b"\xc2\xa0"][self.rng.usize(..7)];
                if self.rng.bool() {
                    input.splice(0..0, pad.iter().copied());
                } else {
                    input.extend_from_slice(pad);
                }
            }
        }
        true
    }

    /// Binary inputs get several byte mutations at once: one flipped byte in a Parquet page is
    /// mostly caught by its checksum-free but length-checked structure, several go further.
    fn binary(&mut self, input: &mut Vec<u8>) -> bool {
        for _ in 0..self.rng.usize(1..6) {
            self.bytes(input);
        }
        true
    }
}

/// Replaces one run of ASCII digits (possibly signed, with a fraction or exponent) with `number`.
fn replace_digit_run(rng: &mut fastrand::Rng, input: &mut Vec<u8>, number: &[u8]) {
    let starts: Vec<usize> =
        (0..input.len()).filter(|&i| input[i].is_ascii_digit() && (i == 0 || !input[i - 1].is_ascii_digit())).collect();
    if starts.is_empty() {
        let i = rng.usize(0..=input.len());
        input.splice(i..i, number.iter().copied());
        return;
    }
    let start = starts[rng.usize(..starts.len())];
    let start = if start > 0 && input[start - 1] == b'-' { start - 1 } else { start };
    let mut end = start + 1;
    while end < input.len() && (input[end].is_ascii_digit() || b".eE+-".contains(&input[end])) {
        end += 1;
    }
    input.splice(start..end, number.iter().copied());
}

/// JSON pointers of every node of `v`.
fn collect_pointers(v: &Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                let key = k.replace('~', "~0").replace('/', "~1");
                collect_pointers(child, format!("{at}/{key}"), out);
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                collect_pointers(child, format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// A node of another type carrying the same information where it can (`5` → `"5"`, `"5"` → `5`).
fn swap_type(rng: &mut fastrand::Rng, node: &mut Value) {
    *node = match std::mem::take(node) {
        Value::Number(n) => Value::String(n.to_string()),
        Value::String(s) => match serde_json::from_str::<Value>(&s) {
            Ok(v @ Value::Number(_)) => v,
            _ if rng.bool() => Value::Bool(!s.is_empty()),
            _ => Value::from(s.len()),
        },
        Value::Bool(b) => Value::String(b.to_string()),
        Value::Null => Value::from(0),
        Value::Object(m) => Value::Array(m.into_values().collect()),
        Value::Array(a) => a.into_iter().next().unwrap_or(Value::Null),
    }
}

/// A number pushed to a neighbour or an extreme; other nodes become a number.
fn perturb_number(rng: &mut fastrand::Rng, node: &mut Value) {
    let f = node.as_f64().unwrap_or(0.0);
    let next = match rng.u32(..6) {
        0 => f + 1.0,
        1 => -f,
        2 => f * 1e300,
        3 => f / 1e300,
        4 => f.trunc() - 1.0,
        _ => f64::from_bits(rng.u64(..)),
    };
    *node = match (node.as_u64(), rng.u32(..3)) {
        (Some(u), 0) => Value::from(u.wrapping_add(rng.u64(..3)).wrapping_sub(1)),
        (Some(u), 1) => Value::from(u.wrapping_mul(1 << rng.u32(1..40))),
        _ => serde_json::Number::from_f64(next).map(Value::Number).unwrap_or(Value::from(u64::MAX)),
    };
}

/// The words a seed offers: object keys and short strings (JSON), variable names (environment).
fn collect_words(seed: &[u8], shape: Shape, out: &mut Vec<String>) {
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                for (k, child) in m {
                    out.push(k.clone());
                    walk(child, out);
                }
            }
            Value::Array(a) => a.iter().for_each(|c| walk(c, out)),
            Value::String(s) if s.len() <= 40 => out.push(s.clone()),
            _ => {}
        }
    }
    match shape {
        Shape::Json | Shape::Ndjson => {
            for line in seed.split(|b| *b == b'\n') {
                if let Ok(v) = serde_json::from_slice::<Value>(line) {
                    walk(&v, out);
                }
            }
        }
        Shape::Env => {
            for line in String::from_utf8_lossy(seed).lines() {
                let (name, value) = line.split_once('=').unwrap_or((line, ""));
                out.push(name.to_string());
                out.push(value.to_string());
            }
        }
        Shape::Text | Shape::Binary => {}
    }
}
