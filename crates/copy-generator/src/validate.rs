//! Whether a set of variations can go to review: pure checks, no I/O.
//!
//! The rules: exactly one variation per angle; every field filled and within LinkedIn's Sponsored
//! Content limits; a call-to-action LinkedIn knows; no repeat of a creative already in the account or of
//! another variation; and no invented statistics: every number in the copy must come from the brief
//! (the winners' copy or the patterns). Each [`Problem`] prints as one line naming the angle, the field
//! and the fix, so the same text works in the LLM repair prompt and in a human's report.

use std::collections::{BTreeMap, HashSet};
use std::fmt;

use crate::variation::{Angle, Brief, Variation};

/// LinkedIn's limits, in characters, and its call-to-action labels (one list for the API client's
/// users, the sandbox and this check).
pub use linkedin_core::linkedin::posts::{
    CTA_LABELS as CALL_TO_ACTIONS, DESCRIPTION_MAX_CHARS as DESCRIPTION_MAX, HEADLINE_MAX_CHARS as HEADLINE_MAX,
    INTRO_MAX_CHARS as INTRO_MAX,
};

/// A variation's field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    IntroText,
    Headline,
    Description,
    CallToAction,
}

impl Field {
    pub const ALL: [Field; 4] = [Field::IntroText, Field::Headline, Field::Description, Field::CallToAction];

    /// The field's name in the JSON answer and in `Variation`.
    pub fn as_str(self) -> &'static str {
        match self {
            Field::IntroText => "intro_text",
            Field::Headline => "headline",
            Field::Description => "description",
            Field::CallToAction => "call_to_action",
        }
    }

    /// The field's character limit, if it has one.
    pub fn max_chars(self) -> Option<usize> {
        match self {
            Field::IntroText => Some(INTRO_MAX),
            Field::Headline => Some(HEADLINE_MAX),
            Field::Description => Some(DESCRIPTION_MAX),
            Field::CallToAction => None,
        }
    }

    pub fn of(self, v: &Variation) -> &str {
        match self {
            Field::IntroText => &v.intro_text,
            Field::Headline => &v.headline,
            Field::Description => &v.description,
            Field::CallToAction => &v.call_to_action,
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProblemKind {
    /// No variation has this angle.
    MissingAngle,
    /// `count` variations have this angle.
    DuplicateAngle { count: usize },
    /// The field is empty or only whitespace.
    Empty { field: Field },
    /// The field has `chars` characters (Unicode scalar values), over `max`.
    TooLong { field: Field, chars: usize, max: usize },
    /// The call-to-action is not one of [`CALL_TO_ACTIONS`].
    UnknownCallToAction { value: String },
    /// The intro text or headline repeats a creative already in the account (`brief.existing`).
    RepeatsExisting { field: Field },
    /// The intro text or headline repeats the variation with angle `other`.
    RepeatsVariation { field: Field, other: Angle },
    /// A number that does not appear in the brief, as written in the copy.
    InventedNumber { field: Field, number: String },
}

/// One problem with one variation (or with a missing one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub angle: Angle,
    pub kind: ProblemKind,
}

impl Problem {
    /// The field concerned, when the problem is about one.
    pub fn field(&self) -> Option<Field> {
        match &self.kind {
            ProblemKind::MissingAngle | ProblemKind::DuplicateAngle { .. } => None,
            ProblemKind::UnknownCallToAction { .. } => Some(Field::CallToAction),
            ProblemKind::Empty { field }
            | ProblemKind::TooLong { field, .. }
            | ProblemKind::RepeatsExisting { field }
            | ProblemKind::RepeatsVariation { field, .. }
            | ProblemKind::InventedNumber { field, .. } => Some(*field),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let angle = self.angle.as_str();
        match &self.kind {
            ProblemKind::MissingAngle => {
                write!(f, "{angle}: no variation has this angle; add one ({})", self.angle.meaning())
            }
            ProblemKind::DuplicateAngle { count } => {
                write!(f, "{angle}: {count} variations have this angle; keep exactly one per angle")
            }
            ProblemKind::Empty { field } => write!(f, "{angle}.{field}: is empty; write the {field}"),
            ProblemKind::TooLong { field, chars, max } => write!(
                f,
                "{angle}.{field}: {chars} characters, over LinkedIn's limit of {max}; shorten it by at least {}",
                chars - max
            ),
            ProblemKind::UnknownCallToAction { value } => {
                write!(f, "{angle}.call_to_action: {value:?} is not a LinkedIn call-to-action label; ")?;
                match suggest_cta(value) {
                    Some(label) => write!(f, "write it exactly as {label}"),
                    None => write!(f, "use exactly one of {}", CALL_TO_ACTIONS.join(", ")),
                }
            }
            ProblemKind::RepeatsExisting { field } => {
                write!(f, "{angle}.{field}: repeats the {field} of a creative already in the account; write a new one")
            }
            ProblemKind::RepeatsVariation { field, other } => write!(
                f,
                "{angle}.{field}: same as the {field} of the {} variation; make every variation's {field} different",
                other.as_str()
            ),
            ProblemKind::InventedNumber { field, number } => write!(
                f,
                "{angle}.{field}: {number:?} is an invented statistic (it is not in the brief); remove it or use a number that appears in the winning ads or the patterns"
            ),
        }
    }
}

/// The label a near miss ("Learn more", "learn_more ") was meant to be.
fn suggest_cta(value: &str) -> Option<&'static str> {
    let v: String =
        value.trim().chars().map(|c| if c == ' ' || c == '-' { '_' } else { c.to_ascii_uppercase() }).collect();
    CALL_TO_ACTIONS.iter().copied().find(|l| *l == v)
}

/// The checks. An empty list means the variations can go to review.
pub fn validate(variations: &[Variation], brief: &Brief) -> Vec<Problem> {
    let mut problems = Vec::new();

    // Exactly the five angles, one each.
    let mut counts: BTreeMap<Angle, usize> = BTreeMap::new();
    for v in variations {
        *counts.entry(v.angle).or_default() += 1;
    }
    for angle in Angle::ALL {
        match counts.get(&angle).copied().unwrap_or(0) {
            0 => problems.push(Problem { angle, kind: ProblemKind::MissingAngle }),
            1 => {}
            count => problems.push(Problem { angle, kind: ProblemKind::DuplicateAngle { count } }),
        }
    }

    let existing_intros: HashSet<String> = brief.existing.iter().map(|e| normalize_copy(&e.intro_text)).collect();
    let existing_headlines: HashSet<String> = brief.existing.iter().map(|e| normalize_copy(&e.headline)).collect();
    let facts = BriefNumbers::of(brief);

    for (i, v) in variations.iter().enumerate() {
        let angle = v.angle;
        let mut push = |kind| problems.push(Problem { angle, kind });

        for field in Field::ALL {
            let text = field.of(v);
            if text.trim().is_empty() {
                push(ProblemKind::Empty { field });
                continue;
            }
            if let Some(max) = field.max_chars() {
                let chars = text.chars().count();
                if chars > max {
                    push(ProblemKind::TooLong { field, chars, max });
                }
            }
            if field == Field::CallToAction {
                if !CALL_TO_ACTIONS.contains(&text) {
                    push(ProblemKind::UnknownCallToAction { value: text.to_string() });
                }
                continue;
            }
            let mut seen = HashSet::new();
            for number in facts.invented_in(text) {
                if seen.insert(number.clone()) {
                    push(ProblemKind::InventedNumber { field, number });
                }
            }
        }

        for (field, existing) in [(Field::IntroText, &existing_intros), (Field::Headline, &existing_headlines)] {
            let text = normalize_copy(field.of(v));
            if text.is_empty() {
                continue;
            }
            if existing.contains(&text) {
                push(ProblemKind::RepeatsExisting { field });
            }
            // Against the earlier variations: the later one of a pair is reported.
            if let Some(other) = variations[..i].iter().find(|o| normalize_copy(field.of(o)) == text) {
                push(ProblemKind::RepeatsVariation { field, other: other.angle });
            }
        }
    }
    problems
}

/// Copy as compared for repeats: lower case, whitespace collapsed to single spaces, trimmed.
pub fn normalize_copy(s: &str) -> String {
    s.split_whitespace().map(str::to_lowercase).collect::<Vec<_>>().join(" ")
}

/// The numbers in `text` that do not appear in the brief, as written in `text`.
pub fn invented_numbers(text: &str, brief: &Brief) -> Vec<String> {
    BriefNumbers::of(brief).invented_in(text)
}

// ---------------------------------------------------------------------------------------------------
// Numbers
//
// A number-like token is a run of digits with optional thousands groups ("10,000") and decimals ("4.8"),
// read with what is attached to it:
//   * a currency sign before it ("$49", "€1.2M"), a percent after it ("40%", "40 %", "40 percent"), a
//     multiplier ("3x", "3X", "3×"): the unit;
//   * a scale ("10k", "10K", "2M", "1B", "10 thousand", "2 million"): folded into the value, so "10k" and
//     "10,000" are the same number;
//   * "/" or ":" and more digits ("24/7", "1:1", "12/31/2025", "9:30"): one compound token;
//   * other letters glued after it ("24h", "1st", "2020s", "9am"): ignored, the number is bare.
// Digits glued after a letter ("B2B", "G2", "Web3", "Microsoft365") are part of a name, not numbers, except
// quarters and halves ("Q4", "H1"), which are dates and must come from the brief like numbers.
//
// A token is in the brief when the brief has the same token: same value and unit ("40%" does not back
// "40x" or "$40"), same compound. A bare number (no unit) is backed by the same value in any form in the
// brief ("49" by "$49", "24" by "24/7"): bare numbers are mostly counts and durations, and the risk worth
// catching is an invented percentage, multiple, price or date. Numbers spelt in words ("three") are not
// read.
// ---------------------------------------------------------------------------------------------------

/// An exact decimal: `mantissa` × 10^`exp`, normalised (no leading or trailing zeros in `mantissa`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Decimal {
    mantissa: String,
    exp: i32,
}

impl Decimal {
    fn new(int: &str, frac: &str, scale: i32) -> Self {
        let digits = format!("{int}{frac}");
        let mut mantissa = digits.trim_start_matches('0').to_string();
        let mut exp = scale - frac.len() as i32;
        while mantissa.ends_with('0') {
            mantissa.pop();
            exp += 1;
        }
        if mantissa.is_empty() {
            return Decimal { mantissa: "0".into(), exp: 0 };
        }
        Decimal { mantissa, exp }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Unit {
    Bare,
    Percent,
    Multiplier,
    Currency(char),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Number(Decimal, Unit),
    /// Parts' values joined by their separators: "24/7", "9:3" (from "9:30").
    Compound(Vec<Decimal>, Vec<char>),
    /// "q4", "h1".
    Period(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Token {
    /// As written in the text.
    text: String,
    key: Key,
}

const CURRENCIES: [char; 4] = ['$', '€', '£', '¥'];

/// Reads `int[.frac]` at `i` (digits with optional ",ddd" groups); returns (int, frac, end).
fn read_decimal(c: &[char], mut i: usize) -> (String, String, usize) {
    let mut int = String::new();
    let mut frac = String::new();
    while i < c.len() {
        if c[i].is_ascii_digit() {
            int.push(c[i]);
            i += 1;
        } else if c[i] == ','
            && !int.is_empty()
            && c.get(i + 1..i + 4).is_some_and(|g| g.iter().all(char::is_ascii_digit))
            && !c.get(i + 4).is_some_and(char::is_ascii_digit)
        {
            // A thousands group: exactly three digits after the comma.
            int.extend(&c[i + 1..i + 4]);
            i += 4;
        } else {
            break;
        }
    }
    if c.get(i) == Some(&'.') && c.get(i + 1).is_some_and(char::is_ascii_digit) {
        i += 1;
        while i < c.len() && c[i].is_ascii_digit() {
            frac.push(c[i]);
            i += 1;
        }
    }
    (int, frac, i)
}

fn is_word_char(c: Option<&char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric())
}

/// The word (letters) starting at `i`, lower-cased, and where it ends.
fn word_at(c: &[char], i: usize) -> (String, usize) {
    let mut j = i;
    while j < c.len() && c[j].is_alphabetic() {
        j += 1;
    }
    (c[i..j].iter().collect::<String>().to_lowercase(), j)
}

fn tokens(text: &str) -> Vec<Token> {
    let c: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < c.len() {
        if !c[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        if i > 0 && c[i - 1].is_alphabetic() {
            // Part of a name ("B2B", "G2") or a period ("Q4").
            let mut start = i - 1;
            while start > 0 && c[start - 1].is_alphanumeric() {
                start -= 1;
            }
            let mut end = i;
            while end < c.len() && c[end].is_alphanumeric() {
                end += 1;
            }
            let word: String = c[start..end].iter().collect();
            let lower = word.to_lowercase();
            let b = lower.as_bytes();
            if b.len() == 2
                && ((b[0] == b'q' && (b'1'..=b'4').contains(&b[1])) || (b[0] == b'h' && (b[1] == b'1' || b[1] == b'2')))
            {
                out.push(Token { text: word, key: Key::Period(lower) });
            }
            i = end;
            continue;
        }

        let start = if i > 0 && CURRENCIES.contains(&c[i - 1]) { i - 1 } else { i };
        let currency = (start < i).then(|| c[start]);
        let (int, frac, mut end) = read_decimal(&c, i);

        // Compound: "24/7", "1:1", "12/31/2025", "9:30".
        let mut parts = vec![Decimal::new(&int, &frac, 0)];
        let mut seps = Vec::new();
        while end + 1 < c.len() && (c[end] == '/' || c[end] == ':') && c[end + 1].is_ascii_digit() {
            let (pi, pf, pe) = read_decimal(&c, end + 1);
            seps.push(c[end]);
            parts.push(Decimal::new(&pi, &pf, 0));
            end = pe;
        }
        if !seps.is_empty() {
            out.push(Token { text: c[start..end].iter().collect(), key: Key::Compound(parts, seps) });
            // Letters glued on ("24/7s") are not part of it.
            while end < c.len() && c[end].is_alphabetic() {
                end += 1;
            }
            i = end;
            continue;
        }

        let mut unit = currency.map(Unit::Currency).unwrap_or(Unit::Bare);
        let mut scale = 0;
        let mut text_end = end;
        let mut skip_to = end;
        match c.get(end) {
            Some('%') => {
                unit = Unit::Percent;
                text_end = end + 1;
                skip_to = text_end;
            }
            Some(' ') if c.get(end + 1) == Some(&'%') => {
                unit = Unit::Percent;
                text_end = end + 2;
                skip_to = text_end;
            }
            Some('x' | 'X' | '×') if !is_word_char(c.get(end + 1)) => {
                unit = Unit::Multiplier;
                text_end = end + 1;
                skip_to = text_end;
            }
            Some(&s) if matches!(s, 'k' | 'K' | 'M' | 'B') && !is_word_char(c.get(end + 1)) => {
                scale = match s {
                    'k' | 'K' => 3,
                    'M' => 6,
                    _ => 9,
                };
                text_end = end + 1;
                skip_to = text_end;
            }
            Some(l) if l.is_alphabetic() => {
                // "24h", "1st", "2020s": letters glued on; the number stays bare.
                let (_, e) = word_at(&c, end);
                skip_to = e;
            }
            Some(' ') => {
                let (word, e) = word_at(&c, end + 1);
                match word.as_str() {
                    "percent" => {
                        unit = Unit::Percent;
                        text_end = e;
                    }
                    "per" if c.get(e) == Some(&' ') && word_at(&c, e + 1).0 == "cent" => {
                        unit = Unit::Percent;
                        text_end = word_at(&c, e + 1).1;
                    }
                    "thousand" => (scale, text_end) = (3, e),
                    "million" => (scale, text_end) = (6, e),
                    "billion" => (scale, text_end) = (9, e),
                    _ => {}
                }
                skip_to = text_end;
            }
            _ => {}
        }
        out.push(Token {
            text: c[start..text_end].iter().collect(),
            key: Key::Number(Decimal::new(&int, &frac, scale), unit),
        });
        i = skip_to.max(end);
    }
    out
}

/// Every number the brief states, for looking tokens up.
struct BriefNumbers {
    keys: HashSet<Key>,
    /// Every value in any form (including the parts of compounds), for bare numbers.
    values: HashSet<Decimal>,
}

impl BriefNumbers {
    fn of(brief: &Brief) -> Self {
        let texts = brief
            .winners
            .iter()
            .flat_map(|w| [&w.intro_text, &w.headline, &w.description])
            .chain(brief.patterns.iter());
        let mut keys = HashSet::new();
        let mut values = HashSet::new();
        for t in texts {
            for tok in tokens(t) {
                match &tok.key {
                    Key::Number(d, _) => {
                        values.insert(d.clone());
                    }
                    Key::Compound(parts, _) => values.extend(parts.iter().cloned()),
                    Key::Period(_) => {}
                }
                keys.insert(tok.key);
            }
        }
        Self { keys, values }
    }

    fn backs(&self, key: &Key) -> bool {
        match key {
            Key::Number(d, Unit::Bare) => self.values.contains(d),
            k => self.keys.contains(k),
        }
    }

    fn invented_in(&self, text: &str) -> Vec<String> {
        tokens(text).into_iter().filter(|t| !self.backs(&t.key)).map(|t| t.text).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::variation::{ExistingCopy, Winner};

    fn winner(intro: &str, headline: &str, description: &str) -> Winner {
        Winner {
            creative_id: 1,
            campaign_id: 7,
            impressions: 10_000,
            clicks: 120,
            ctr: 0.012,
            intro_text: intro.into(),
            headline: headline.into(),
            description: description.into(),
            call_to_action: "LEARN_MORE".into(),
            landing_page: Some("https://example.com/?utm_id=777".into()),
        }
    }

    fn brief() -> Brief {
        Brief {
            winners: vec![
                winner(
                    "Cut reporting time by 40%. Join 10,000 teams on our 24/7 platform.",
                    "Reporting that runs itself",
                    "Plans from $49 a month",
                ),
                winner("Is your pipeline leaking leads?", "3x faster pipeline reviews", "Rated 4.8/5 since 2019"),
            ],
            patterns: vec!["Headlines under 60 characters win".into(), "Numbers appear in 2 of 2 winners".into()],
            existing: vec![ExistingCopy {
                intro_text: "Cut reporting time by 40%.  Join 10,000 teams on our 24/7 platform.".into(),
                headline: "Reporting that runs itself".into(),
            }],
        }
    }

    fn v(angle: Angle, intro: &str, headline: &str) -> Variation {
        Variation {
            angle,
            intro_text: intro.into(),
            headline: headline.into(),
            description: "Set up in an afternoon".into(),
            call_to_action: "LEARN_MORE".into(),
        }
    }

    fn good() -> Vec<Variation> {
        vec![
            v(Angle::ProblemSolution, "Reporting eats your week? Let it run itself.", "Stop building reports by hand"),
            v(Angle::BenefitFocused, "Cut reporting time by 40% from day one.", "Get your Mondays back"),
            v(Angle::SocialProof, "10,000 teams already run on it, rated 4.8/5.", "Why 10,000 teams switched"),
            v(Angle::Urgency, "Plans from $49 a month. Start this week.", "Start your reporting now"),
            v(Angle::QuestionBased, "Is your pipeline leaking leads?", "What would 3x faster reviews change?"),
        ]
    }

    fn kinds(problems: &[Problem]) -> Vec<(Angle, ProblemKind)> {
        problems.iter().map(|p| (p.angle, p.kind.clone())).collect()
    }

    #[test]
    fn a_good_set_passes() {
        let problems = validate(&good(), &brief());
        assert!(problems.is_empty(), "{problems:#?}");
    }

    #[test]
    fn missing_and_duplicate_angles() {
        let mut vs = good();
        vs[4].angle = Angle::Urgency;
        vs[4].headline = "Another headline".into();
        vs[4].intro_text = "Another intro".into();
        let problems = validate(&vs, &brief());
        assert_eq!(
            kinds(&problems),
            vec![
                (Angle::Urgency, ProblemKind::DuplicateAngle { count: 2 }),
                (Angle::QuestionBased, ProblemKind::MissingAngle),
            ]
        );
        assert!(problems[1].to_string().starts_with("question_based: no variation has this angle; add one (open with"));
        assert!(validate(&[], &brief()).len() == 5);
    }

    #[test]
    fn empty_fields_after_trim() {
        let mut vs = good();
        vs[0].headline = "  \n ".into();
        vs[1].call_to_action = String::new();
        let problems = validate(&vs, &brief());
        assert_eq!(
            kinds(&problems),
            vec![
                (Angle::ProblemSolution, ProblemKind::Empty { field: Field::Headline }),
                (Angle::BenefitFocused, ProblemKind::Empty { field: Field::CallToAction }),
            ]
        );
        assert_eq!(problems[0].to_string(), "problem_solution.headline: is empty; write the headline");
        assert_eq!(problems[0].field(), Some(Field::Headline));
    }

    #[test]
    fn limits_count_unicode_scalar_values() {
        let mut vs = good();
        // 200 × "é" is 400 bytes but 200 characters: within the limit.
        vs[0].headline = "é".repeat(HEADLINE_MAX);
        vs[1].headline = "é".repeat(HEADLINE_MAX + 1);
        vs[2].intro_text = "a".repeat(INTRO_MAX + 5);
        vs[3].description = "d".repeat(DESCRIPTION_MAX + 1);
        vs[4].description = "d".repeat(DESCRIPTION_MAX);
        let problems = validate(&vs, &brief());
        assert_eq!(
            kinds(&problems),
            vec![
                (Angle::BenefitFocused, ProblemKind::TooLong { field: Field::Headline, chars: 201, max: 200 }),
                (Angle::SocialProof, ProblemKind::TooLong { field: Field::IntroText, chars: 605, max: 600 }),
                (Angle::Urgency, ProblemKind::TooLong { field: Field::Description, chars: 301, max: 300 }),
            ]
        );
        assert_eq!(
            problems[0].to_string(),
            "benefit_focused.headline: 201 characters, over LinkedIn's limit of 200; shorten it by at least 1"
        );
    }

    #[test]
    fn call_to_action_must_be_a_linkedin_label() {
        let mut vs = good();
        vs[0].call_to_action = "Learn more".into();
        vs[1].call_to_action = "CLICK_HERE".into();
        vs[2].call_to_action = "REQUEST_DEMO".into();
        let problems = validate(&vs, &brief());
        assert_eq!(problems.len(), 2, "{problems:#?}");
        assert_eq!(
            problems[0].to_string(),
            "problem_solution.call_to_action: \"Learn more\" is not a LinkedIn call-to-action label; write it exactly as LEARN_MORE"
        );
        assert!(problems[1].to_string().contains("use exactly one of APPLY, DOWNLOAD, VIEW_QUOTE, LEARN_MORE,"));
        for label in CALL_TO_ACTIONS {
            let mut vs = good();
            vs[0].call_to_action = label.to_string();
            assert!(validate(&vs, &brief()).is_empty(), "{label}");
        }
    }

    #[test]
    fn no_repeat_of_existing_copy_case_and_whitespace_insensitive() {
        let mut vs = good();
        vs[0].headline = "  reporting THAT runs\titself ".into();
        vs[1].intro_text = "cut reporting time by 40%. join 10,000 teams on our 24/7 platform.".into();
        let problems = validate(&vs, &brief());
        assert_eq!(
            kinds(&problems),
            vec![
                (Angle::ProblemSolution, ProblemKind::RepeatsExisting { field: Field::Headline }),
                (Angle::BenefitFocused, ProblemKind::RepeatsExisting { field: Field::IntroText }),
            ]
        );
        assert!(problems[0].to_string().contains("already in the account"));
    }

    #[test]
    fn no_repeat_between_variations() {
        let mut vs = good();
        vs[3].headline = "GET your  Mondays back".into();
        vs[4].intro_text = vs[0].intro_text.to_uppercase();
        let problems = validate(&vs, &brief());
        assert_eq!(
            kinds(&problems),
            vec![
                (
                    Angle::Urgency,
                    ProblemKind::RepeatsVariation { field: Field::Headline, other: Angle::BenefitFocused }
                ),
                (
                    Angle::QuestionBased,
                    ProblemKind::RepeatsVariation { field: Field::IntroText, other: Angle::ProblemSolution }
                ),
            ]
        );
        assert_eq!(
            problems[0].to_string(),
            "urgency.headline: same as the headline of the benefit_focused variation; make every variation's headline different"
        );
    }

    #[test]
    fn invented_numbers_are_named_with_their_field() {
        let mut vs = good();
        vs[2].intro_text = "Join 12,000 teams: 87% see results in 2 weeks.".into();
        vs[3].headline = "Only $59 this month".into();
        vs[4].description = "Rated 4.9/5".into();
        let problems = validate(&vs, &brief());
        assert_eq!(
            kinds(&problems),
            vec![
                (Angle::SocialProof, ProblemKind::InventedNumber { field: Field::IntroText, number: "12,000".into() }),
                (Angle::SocialProof, ProblemKind::InventedNumber { field: Field::IntroText, number: "87%".into() }),
                (Angle::Urgency, ProblemKind::InventedNumber { field: Field::Headline, number: "$59".into() }),
                (
                    Angle::QuestionBased,
                    ProblemKind::InventedNumber { field: Field::Description, number: "4.9/5".into() }
                ),
            ]
        );
        assert_eq!(
            problems[1].to_string(),
            "social_proof.intro_text: \"87%\" is an invented statistic (it is not in the brief); remove it or use a number that appears in the winning ads or the patterns"
        );
    }

    fn tok(text: &str) -> Vec<String> {
        tokens(text).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn extraction_reads_numbers_with_what_is_attached() {
        assert_eq!(tok("Join 10,000 teams, 40% faster, 3x ROI"), ["10,000", "40%", "3x"]);
        assert_eq!(tok("From $49/month or €1.2M a year"), ["$49", "€1.2M"]);
        assert_eq!(tok("Support 24/7, onboarding 1:1, since 12/31/2019."), ["24/7", "1:1", "12/31/2019"]);
        assert_eq!(tok("Ends 2025. Rated 4.8 by 2,500+ users"), ["2025", "4.8", "2,500"]);
        assert_eq!(tok("B2B teams on G2 and Web3, before Q4 or in H1"), ["Q4", "H1"]);
        assert_eq!(tok("24h setup, the 1st tool of the 2020s, at 9am"), ["24", "1", "2020", "9"]);
        assert_eq!(
            tok("40 percent, 40 per cent, 40 %, 10 thousand, 2 million"),
            ["40 percent", "40 per cent", "40 %", "10 thousand", "2 million"]
        );
        assert_eq!(tok("1,00 and 3,4 and 1,000,000"), ["1", "00", "3", "4", "1,000,000"]);
        assert_eq!(tok("3.5× faster, 10k users, 3xl shirt"), ["3.5×", "10k", "3"]);
        assert_eq!(tok("no numbers here"), Vec::<String>::new());
    }

    fn invented(text: &str, brief_text: &str) -> Vec<String> {
        let b = Brief { winners: vec![], patterns: vec![brief_text.into()], existing: vec![] };
        invented_numbers(text, &b)
    }

    #[test]
    fn a_number_is_backed_by_the_same_number_in_the_brief() {
        // Same number, different writing.
        assert!(invented("10000 teams", "10,000 teams").is_empty());
        assert!(invented("10k teams", "10,000 teams").is_empty());
        assert!(invented("10K+ teams", "10 thousand teams").is_empty());
        assert!(invented("40 percent", "40%").is_empty());
        assert!(invented("3X faster", "3x faster").is_empty());
        assert!(invented("1.50 a seat", "$1.5 a seat").is_empty());
        assert!(invented("$1,200,000 saved", "$1.2M saved").is_empty());
        // Compounds and years count when the brief has them.
        assert!(invented("Support 24/7", "24/7 support").is_empty());
        assert!(invented("Since 2019", "Trusted since 2019").is_empty());
        assert!(invented("Book before Q4", "Offer ends in q4").is_empty());
        // A bare number is backed by the same value in any form.
        assert!(invented("49 a month", "$49 a month").is_empty());
        assert!(invented("24 hours a day", "24/7").is_empty());
    }

    #[test]
    fn a_number_with_a_unit_needs_the_same_unit() {
        assert_eq!(invented("40x faster", "40% faster"), ["40x"]);
        assert_eq!(invented("$40 off", "40% off"), ["$40"]);
        assert_eq!(invented("€49", "$49"), ["€49"]);
        assert_eq!(invented("24/7", "24 hours"), ["24/7"]);
        assert_eq!(invented("7/24", "24/7"), ["7/24"]);
        assert_eq!(invented("Since 2018", "Since 2019"), ["2018"]);
        assert_eq!(invented("Before Q3", "Offer ends in Q4"), ["Q3"]);
        assert_eq!(invented("10,001 teams", "10,000 teams"), ["10,001"]);
        assert_eq!(invented("4.80 stars, 4.9 stars", "4.8 stars"), ["4.9"]);
        // Names with digits are not statistics.
        assert!(invented("Top B2B tool on G2", "nothing").is_empty());
    }

    #[test]
    fn the_brief_numbers_come_from_the_winners_copy_and_the_patterns_only() {
        let b = brief();
        // In the winners' copy and in the patterns.
        assert!(invented_numbers("40% · $49 · 3x · 60 · 2 · 4.8/5 · 2019 · 24/7", &b).is_empty());
        // Not from the metrics (120 clicks) or the landing page (utm_id=777).
        assert_eq!(invented_numbers("120 clicks, 777", &b), ["120", "777"]);
    }
}
