//! Ad-copy features: the numbers that describe a creative's copy, computed here and nowhere else.
//!
//! The data processor writes them into the ML training sets (one `float64` column per feature, in
//! [`FEATURES`] order, with a `features.json` [`FeatureManifest`] next to every set); the Python training
//! scripts read the columns by name; the optimizer, the copy generator and the local LinkedIn sandbox's
//! hidden CTR function call [`CopyFeatures::extract`]. Nobody re-implements a feature elsewhere.
//!
//! # Contract
//!
//! * [`FEATURES`] is the column order; [`CopyFeatures`] has one `f64` field per feature, in the same order,
//!   with the same names (both come from one list, so they cannot drift apart).
//! * Every value is finite for any input. Flags are `0.0`/`1.0`, categories small integer codes, counts
//!   whole numbers, ratios are `0.0` when the denominator is zero.
//! * [`FEATURE_SET_VERSION`] is bumped whenever a feature is added, removed, renamed, reordered or its
//!   definition changes. A test pins the list to the version, so a change without a bump fails.
//!
//! # Text rules
//!
//! * **Combined text**: the intro text, the headline and the description that are present and non-empty,
//!   joined by one space. Most features are computed over it; the others say which field they read.
//! * **Characters** are Unicode scalar values (`char`s), not bytes: `"数据"` is 2 characters.
//! * **Words** (for counts): whitespace-separated tokens containing at least one letter or digit;
//!   `"—"` and `"👍"` are not words. Scripts written without spaces (CJK) count one word per run.
//! * **Whole words** (for matching): maximal runs of letters, digits and apostrophes (`'`, `’`), compared
//!   case-insensitively, so `"FREE!"`, `"(new)"`, `"Now,"` and `"free-trial"` match while `"freedom"`,
//!   `"news"`, `"renew"`, `"nowhere"` and `"database"` do not. For the mention flags a possessive or
//!   contraction counts as the word (`"today's"` mentions today).
//!
//! The seed design matched mentions as substrings (`"news"` counted as `"new"`), divided uppercase
//! letters by all characters and counted punctuation-only tokens as words; those are fixed here.

use serde::{Deserialize, Serialize};

use crate::linkedin::posts::AdCopy;

/// Version of the feature set, written into every `features.json`.
///
/// Bumped whenever a feature is added, removed, renamed, reordered or its definition changes.
pub const FEATURE_SET_VERSION: u32 = 1;

/// Storage type of every feature column (`float64` in pandas/Arrow terms).
pub const FEATURE_DTYPE: &str = "float64";

/// Intro texts longer than this many characters are cut off with "…see more" in LinkedIn's desktop feed.
pub const INTRO_VISIBLE_CHARS: usize = 150;

/// What kind of number a feature is; tells a data scientist how to treat the column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FeatureKind {
    /// A non-negative whole number (stored as a float).
    Count,
    /// A quotient of two counts; `0.0` when the denominator is zero. Not bounded by 1 unless described so.
    Ratio,
    /// `0.0` (no) or `1.0` (yes).
    Flag,
    /// A small integer code listed in the feature's description; categorical, not ordinal.
    Category,
}

impl FeatureKind {
    /// The name written into `features.json` (`count`, `ratio`, `flag`, `category`).
    pub fn as_str(self) -> &'static str {
        match self {
            FeatureKind::Count => "count",
            FeatureKind::Ratio => "ratio",
            FeatureKind::Flag => "flag",
            FeatureKind::Category => "category",
        }
    }
}

/// One feature column: its name, kind and meaning (the description goes into `features.json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeatureSpec {
    /// Column name, snake_case; also the [`CopyFeatures`] field name.
    pub name: &'static str,
    pub kind: FeatureKind,
    /// What the value means, precisely enough to use it without reading this code.
    pub description: &'static str,
}

/// Defines [`FEATURE_COUNT`], [`FEATURES`], [`CopyFeatures`] and [`CopyFeatures::values`] from one list, so
/// the column order and the struct's field order are the same by construction.
macro_rules! feature_set {
    ($($name:ident: $kind:ident = $description:literal;)+) => {
        /// Number of features, i.e. of columns in a training set's feature block.
        pub const FEATURE_COUNT: usize = [$(stringify!($name)),+].len();

        /// The feature columns, in order. Index `i` of [`CopyFeatures::values`] is `FEATURES[i]`.
        pub const FEATURES: [FeatureSpec; FEATURE_COUNT] = [
            $(FeatureSpec { name: stringify!($name), kind: FeatureKind::$kind, description: $description },)+
        ];

        /// The features of one ad copy: one field per entry of [`FEATURES`], same names, same order.
        ///
        /// Serializes to a JSON object whose keys are in [`FEATURES`] order.
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct CopyFeatures {
            $(
                #[doc = $description]
                pub $name: f64,
            )+
        }

        impl CopyFeatures {
            /// The feature vector, in [`FEATURES`] order.
            pub fn values(&self) -> [f64; FEATURE_COUNT] {
                [$(self.$name),+]
            }
        }
    };
}

feature_set! {
    word_count: Count = "Words in the combined text (intro text, headline and description, the present non-empty ones \
        joined by one space): whitespace-separated tokens containing at least one letter or digit.";
    char_count: Count = "Characters (Unicode scalar values, not bytes) in the combined text, including the single \
        spaces that join the fields.";
    has_numbers: Flag = "1 if the combined text contains a numeric character (0-9, another script's digits, numerals \
        such as ½ or ²), else 0.";
    has_percent: Flag = "1 if the combined text contains a percent sign (% or fullwidth ％), else 0.";
    has_dollar: Flag = "1 if the combined text contains a dollar sign ($ or fullwidth ＄), else 0.";
    has_question: Flag = "1 if the combined text contains a question mark (? or fullwidth ？), else 0.";
    has_exclamation: Flag = "1 if the combined text contains an exclamation mark (! or fullwidth ！), else 0.";
    mention_free: Flag = "1 if the combined text contains the whole word 'free', any case ('FREE!', 'free-trial' \
        yes; 'freedom' no).";
    mention_new: Flag = "1 if the combined text contains the whole word 'new', any case ('(new)', 'brand-new' yes; \
        'news', 'renew' no).";
    mention_now: Flag = "1 if the combined text contains the whole word 'now', any case ('Now,' yes; 'nowhere', \
        'known' no).";
    mention_today: Flag = "1 if the combined text contains the whole word 'today', any case ('today's' yes).";
    mention_data: Flag = "1 if the combined text contains the whole word 'data', any case ('data-driven' yes; \
        'database' no).";
    mention_exclusive: Flag = "1 if the combined text contains the whole word 'exclusive', any case ('exclusively' \
        no).";
    uppercase_ratio: Ratio = "Uppercase letters / all letters in the combined text, between 0 and 1; 0 when there \
        are no letters. Digits, punctuation and emoji are ignored; letters without case (e.g. CJK) count in the \
        denominator.";
    intro_chars: Count = "Characters in the intro text (the post commentary); 0 when absent.";
    headline_chars: Count = "Characters in the headline; 0 when absent.";
    description_chars: Count = "Characters in the description; 0 when absent.";
    headline_words: Count = "Words in the headline (same rule as word_count).";
    headline_intro_ratio: Ratio = "headline_chars / intro_chars; 0 when the intro text is absent or empty.";
    headline_has_number: Flag = "1 if the headline contains a numeric character (as in has_numbers), else 0.";
    intro_has_question: Flag = "1 if the intro text contains a question mark (? or ？), else 0.";
    second_person_count: Count = "Whole-word occurrences of you, your, you're, yours, yourself, yourselves, you'll, \
        you've, you'd in the combined text, any case, straight or curly apostrophe.";
    emoji_count: Count = "Emoji in the combined text, each counted once however it is composed: a pictograph or \
        symbol (U+1F000-1FAFF, U+2600-27BF and a few others such as U+2B50) with its variation selector, skin-tone \
        modifier and ZWJ-joined parts is 1 (a ZWJ sequence, a thumbs-up with skin tone, a red heart with U+FE0F \
        are 1 each); a flag (two regional indicators) is 1; any other character followed by U+FE0F or a keycap \
        U+20E3 is 1.";
    sentence_count: Count = "Sentences in the intro text: fragments containing a letter or digit, ended by . ! ? \
        (or 。！？) or by the end of the text. A run such as '?!' or '...' ends one sentence; . ! ? directly \
        followed by a letter or digit (2.5, acme.com) end none; line breaks alone end none.";
    exclamation_count: Count = "Exclamation marks (! or ！) in the combined text; '!!!' is 3.";
    cta_type: Category = "Call-to-action code: 0 none, 1 learn (LEARN_MORE), 2 sign-up (SIGN_UP, SUBSCRIBE, JOIN), \
        3 download (DOWNLOAD), 4 demo (REQUEST_DEMO), 5 register (REGISTER, ATTEND), 6 other (APPLY, GET_QUOTE, \
        VIEW_QUOTE and any other label).";
    has_landing_page_utm: Flag = "1 if the landing page URL's query or fragment (after the first ? or #) contains \
        'utm_' (any case), i.e. clicks are UTM-tagged; 0 otherwise or without a landing page.";
    intro_truncated: Flag = "1 if the intro text is longer than 150 characters, where LinkedIn's desktop feed cuts it \
        off with '...see more', else 0.";
    avg_word_length: Ratio = "Mean characters per word in the combined text (words as in word_count, without their \
        leading/trailing punctuation); 0 when there are no words. A jargon/readability signal.";
    hashtag_count: Count = "Hashtags in the combined text: '#' not preceded by a letter or digit, followed by \
        letters, digits or '_' including at least one letter (#AI, #2024Goals; not #1 or C#). Each is a link \
        away from the ad.";
}

impl CopyFeatures {
    /// Computes every feature of `copy`. Never fails; missing fields count as empty text.
    pub fn extract(copy: &AdCopy) -> Self {
        let intro = copy.intro_text.as_deref().unwrap_or("");
        let headline = copy.headline.as_deref().unwrap_or("");
        let description = copy.description.as_deref().unwrap_or("");
        let combined = combined_text(copy);
        let text = TextStats::of(&combined);

        let intro_chars = intro.chars().count();
        let headline_chars = headline.chars().count();
        let (headline_words, _) = word_stats(headline);

        Self {
            word_count: count(text.words),
            char_count: count(text.chars),
            has_numbers: flag(text.has_numbers),
            has_percent: flag(text.has_percent),
            has_dollar: flag(text.has_dollar),
            has_question: flag(text.has_question),
            has_exclamation: flag(text.exclamations > 0),
            mention_free: flag(text.mentions("free")),
            mention_new: flag(text.mentions("new")),
            mention_now: flag(text.mentions("now")),
            mention_today: flag(text.mentions("today")),
            mention_data: flag(text.mentions("data")),
            mention_exclusive: flag(text.mentions("exclusive")),
            uppercase_ratio: ratio(text.uppercase, text.letters),
            intro_chars: count(intro_chars),
            headline_chars: count(headline_chars),
            description_chars: count(description.chars().count()),
            headline_words: count(headline_words),
            headline_intro_ratio: ratio(headline_chars, intro_chars),
            headline_has_number: flag(headline.chars().any(char::is_numeric)),
            intro_has_question: flag(intro.contains(['?', '？'])),
            second_person_count: count(text.second_person),
            emoji_count: count(emoji_count(&combined)),
            sentence_count: count(sentence_count(intro)),
            exclamation_count: count(text.exclamations),
            cta_type: f64::from(cta_type(copy.call_to_action.as_deref()).code()),
            has_landing_page_utm: flag(copy.landing_page.as_deref().is_some_and(has_utm)),
            intro_truncated: flag(intro_chars > INTRO_VISIBLE_CHARS),
            avg_word_length: ratio(text.word_chars, text.words),
            hashtag_count: count(hashtag_count(&combined)),
        }
    }

    /// The value of the feature called `name`, or `None` if there is no such feature.
    pub fn get(&self, name: &str) -> Option<f64> {
        FEATURES.iter().position(|f| f.name == name).map(|i| self.values()[i])
    }
}

/// Call-to-action categories: the value of the `cta_type` feature is the code ([`CtaType::code`]).
///
/// LinkedIn labels map as follows (case-insensitive; spaces and hyphens read as `_`):
/// `LEARN_MORE` → Learn; `SIGN_UP`, `SUBSCRIBE`, `JOIN` → SignUp; `DOWNLOAD` → Download;
/// `REQUEST_DEMO` → Demo; `REGISTER`, `ATTEND` → Register; anything else (`APPLY`, `GET_QUOTE`,
/// `VIEW_QUOTE`, new labels) → Other; no label or a blank one → None.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum CtaType {
    /// No call-to-action button.
    None = 0,
    /// Read more about it (`LEARN_MORE`).
    Learn = 1,
    /// Create an account or an ongoing relationship (`SIGN_UP`, `SUBSCRIBE`, `JOIN`).
    SignUp = 2,
    /// Get a file, typically gated content (`DOWNLOAD`).
    Download = 3,
    /// Ask for a sales demo (`REQUEST_DEMO`).
    Demo = 4,
    /// Sign up for an event (`REGISTER`, `ATTEND`).
    Register = 5,
    /// Any other label (`APPLY`, `GET_QUOTE`, `VIEW_QUOTE`, ...).
    Other = 6,
}

impl CtaType {
    /// Every category, in code order.
    pub const ALL: [CtaType; 7] = [
        CtaType::None,
        CtaType::Learn,
        CtaType::SignUp,
        CtaType::Download,
        CtaType::Demo,
        CtaType::Register,
        CtaType::Other,
    ];

    /// The integer code stored in the `cta_type` feature.
    pub fn code(self) -> u8 {
        self as u8
    }

    /// The category of a stored `cta_type` value; an unknown code reads as `Other`.
    pub fn from_code(code: f64) -> CtaType {
        Self::ALL.into_iter().find(|c| f64::from(c.code()) == code).unwrap_or(CtaType::Other)
    }
}

/// The category of a LinkedIn call-to-action label (see [`CtaType`] for the mapping).
pub fn cta_type(label: Option<&str>) -> CtaType {
    let Some(label) = label.map(str::trim).filter(|l| !l.is_empty()) else {
        return CtaType::None;
    };
    let label: String =
        label.chars().map(|c| if c == ' ' || c == '-' { '_' } else { c.to_ascii_uppercase() }).collect();
    match label.as_str() {
        "LEARN_MORE" => CtaType::Learn,
        "SIGN_UP" | "SUBSCRIBE" | "JOIN" => CtaType::SignUp,
        "DOWNLOAD" => CtaType::Download,
        "REQUEST_DEMO" => CtaType::Demo,
        "REGISTER" | "ATTEND" => CtaType::Register,
        _ => CtaType::Other,
    }
}

/// One column of `features.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestEntry {
    /// Column name (a [`FeatureSpec::name`]).
    pub name: String,
    /// [`FeatureKind::as_str`]: `count`, `ratio`, `flag` or `category`.
    pub kind: String,
    /// Storage type, always [`FEATURE_DTYPE`] (`float64`).
    pub dtype: String,
    /// [`FeatureSpec::description`].
    pub description: String,
}

/// The manifest written as `features.json` next to every training set: the feature set's version and its
/// columns in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeatureManifest {
    /// The [`FEATURE_SET_VERSION`] the set was computed with.
    pub version: u32,
    /// The feature columns, in column order.
    pub features: Vec<ManifestEntry>,
}

impl FeatureManifest {
    /// The manifest of the feature set this build computes.
    pub fn current() -> Self {
        let features = FEATURES.iter().map(|f| ManifestEntry::new(f.name, f.kind, f.description)).collect();
        Self { version: FEATURE_SET_VERSION, features }
    }

    /// Checks a training set's feature columns (in order, id and target columns excluded) against the
    /// current feature set. A missing, unexpected, duplicated or misplaced column is an error naming the
    /// column and its (0-based) index.
    pub fn check_columns(columns: &[&str]) -> Result<(), FeatureError> {
        let known = |name: &str| FEATURES.iter().position(|f| f.name == name);
        for (index, &name) in columns.iter().enumerate() {
            if known(name).is_none() {
                return Err(FeatureError::UnexpectedColumn { name: name.to_string(), index });
            }
            if let Some(first) = columns[..index].iter().position(|c| *c == name) {
                return Err(FeatureError::DuplicateColumn { name: name.to_string(), first, index });
            }
        }
        for (index, feature) in FEATURES.iter().enumerate() {
            if !columns.contains(&feature.name) {
                return Err(FeatureError::MissingColumn { name: feature.name.to_string(), index });
            }
        }
        // Now `columns` is a permutation of the feature names.
        for (index, (&name, feature)) in columns.iter().zip(FEATURES.iter()).enumerate() {
            if name != feature.name {
                return Err(FeatureError::MisplacedColumn {
                    name: name.to_string(),
                    index,
                    expected_index: known(name).unwrap_or(index),
                    expected: feature.name.to_string(),
                });
            }
        }
        Ok(())
    }

    /// Checks a manifest read from `features.json`: same version as this build and the same columns in the
    /// same order. Kinds, dtypes and descriptions are informational and not compared.
    pub fn check(&self) -> Result<(), FeatureError> {
        if self.version != FEATURE_SET_VERSION {
            return Err(FeatureError::VersionMismatch { found: self.version, expected: FEATURE_SET_VERSION });
        }
        let columns: Vec<&str> = self.features.iter().map(|f| f.name.as_str()).collect();
        Self::check_columns(&columns)
    }
}

impl ManifestEntry {
    /// A `float64` feature column.
    pub fn new(name: &str, kind: FeatureKind, description: &str) -> Self {
        Self {
            name: name.to_string(),
            kind: kind.as_str().to_string(),
            dtype: FEATURE_DTYPE.to_string(),
            description: description.to_string(),
        }
    }
}

/// Why a training set's columns or manifest do not match the current feature set. Indexes are 0-based.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FeatureError {
    /// A feature column is absent.
    #[error("feature column `{name}` (index {index}) is missing")]
    MissingColumn { name: String, index: usize },
    /// A column that is not a feature.
    #[error("unexpected column `{name}` at index {index}: not a feature of feature set v{FEATURE_SET_VERSION}")]
    UnexpectedColumn { name: String, index: usize },
    /// A feature column given twice.
    #[error("column `{name}` appears twice, at index {first} and at index {index}")]
    DuplicateColumn { name: String, first: usize, index: usize },
    /// A feature column in the wrong place (columns swapped or reordered).
    #[error(
        "column `{name}` is at index {index} but belongs at index {expected_index} (index {index} is `{expected}`)"
    )]
    MisplacedColumn { name: String, index: usize, expected_index: usize, expected: String },
    /// The manifest was written by another version of the feature set.
    #[error("feature set version {found} does not match this build's version {expected}: recompute the features")]
    VersionMismatch { found: u32, expected: u32 },
}

// ---------------------------------------------------------------------------------------------------------
// Text measurements.

/// Words matched by the `mention_*` flags (index = bit in `TextStats::mention_bits`).
const MENTION_WORDS: [&str; 6] = ["free", "new", "now", "today", "data", "exclusive"];

/// Whole words counted by `second_person_count` (apostrophes normalised to `'`).
const SECOND_PERSON: [&str; 9] =
    ["you", "your", "you're", "yours", "yourself", "yourselves", "you'll", "you've", "you'd"];

fn count(n: usize) -> f64 {
    n as f64
}

fn flag(b: bool) -> f64 {
    if b { 1.0 } else { 0.0 }
}

fn ratio(numerator: usize, denominator: usize) -> f64 {
    if denominator == 0 { 0.0 } else { numerator as f64 / denominator as f64 }
}

/// Intro text, headline and description, the present non-empty ones, joined by one space.
fn combined_text(copy: &AdCopy) -> String {
    let parts = [&copy.intro_text, &copy.headline, &copy.description];
    let parts: Vec<&str> = parts.into_iter().filter_map(|p| p.as_deref()).filter(|p| !p.is_empty()).collect();
    parts.join(" ")
}

/// `(words, characters in the words)`: whitespace-separated tokens with a letter or digit, measured
/// without their leading/trailing non-alphanumeric characters.
fn word_stats(text: &str) -> (usize, usize) {
    text.split_whitespace()
        .map(|token| token.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|core| !core.is_empty())
        .fold((0, 0), |(words, chars), core| (words + 1, chars + core.chars().count()))
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{02BC}')
}

/// Whole words for matching: maximal runs of letters, digits and apostrophes, without apostrophes at
/// either end.
fn match_words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || is_apostrophe(c)))
        .map(|w| w.trim_matches(is_apostrophe))
        .filter(|w| !w.is_empty())
}

/// The combined-text measurements that take a pass over the characters or the words.
#[derive(Debug, Default)]
struct TextStats {
    chars: usize,
    letters: usize,
    uppercase: usize,
    exclamations: usize,
    has_numbers: bool,
    has_percent: bool,
    has_dollar: bool,
    has_question: bool,
    words: usize,
    word_chars: usize,
    mention_bits: u8,
    second_person: usize,
}

impl TextStats {
    fn of(text: &str) -> Self {
        let mut s = TextStats::default();
        for c in text.chars() {
            s.chars += 1;
            if c.is_alphabetic() {
                s.letters += 1;
                if c.is_uppercase() {
                    s.uppercase += 1;
                }
            }
            s.has_numbers |= c.is_numeric();
            match c {
                '!' | '！' => s.exclamations += 1,
                '%' | '％' => s.has_percent = true,
                '$' | '＄' => s.has_dollar = true,
                '?' | '？' => s.has_question = true,
                _ => {}
            }
        }
        (s.words, s.word_chars) = word_stats(text);

        let mut word = String::new();
        for w in match_words(text) {
            word.clear();
            for c in w.chars() {
                if is_apostrophe(c) {
                    word.push('\'');
                } else {
                    word.extend(c.to_lowercase());
                }
            }
            // A possessive or contraction mentions its stem: "today's", "now's".
            let stem = word.split('\'').next().unwrap_or("");
            if let Some(i) = MENTION_WORDS.iter().position(|m| *m == stem) {
                s.mention_bits |= 1 << i;
            }
            if SECOND_PERSON.contains(&word.as_str()) {
                s.second_person += 1;
            }
        }
        s
    }

    fn mentions(&self, word: &str) -> bool {
        let i = MENTION_WORDS.iter().position(|m| *m == word).expect("a MENTION_WORDS entry");
        self.mention_bits & (1 << i) != 0
    }
}

/// Characters that start an emoji: pictographs and symbols (U+1F000–1FAFF: mahjong/cards, enclosed
/// alphanumerics, regional indicators, pictographs, emoticons, transport, supplemental symbols; U+2600–27BF:
/// miscellaneous symbols and dingbats) and the emoji scattered elsewhere (⌚, ⏰, ⭐, ⬆, 〰, ㊗, ...).
fn is_emoji_base(c: char) -> bool {
    matches!(
        c as u32,
        0x1F000..=0x1FAFF
            | 0x2600..=0x27BF
            | 0x231A..=0x231B
            | 0x2328
            | 0x23CF
            | 0x23E9..=0x23F3
            | 0x23F8..=0x23FA
            | 0x2934..=0x2935
            | 0x2B05..=0x2B07
            | 0x2B1B..=0x2B1C
            | 0x2B50
            | 0x2B55
            | 0x3030
            | 0x303D
            | 0x3297
            | 0x3299
    )
}

fn is_regional_indicator(c: char) -> bool {
    matches!(c as u32, 0x1F1E6..=0x1F1FF)
}

fn is_skin_tone(c: char) -> bool {
    matches!(c as u32, 0x1F3FB..=0x1F3FF)
}

/// Tag characters (subdivision flags such as England's) and the text-presentation selector: part of the
/// emoji before them, never one by themselves.
fn is_silent_emoji_part(c: char) -> bool {
    matches!(c as u32, 0xE0020..=0xE007F | 0xFE0E)
}

const ZWJ: char = '\u{200D}';
const EMOJI_PRESENTATION: char = '\u{FE0F}';
const KEYCAP: char = '\u{20E3}';

/// Emoji in `text`, each composed emoji (ZWJ sequence, skin tone, variation selector, keycap, flag) once.
fn emoji_count(text: &str) -> usize {
    let mut count = 0;
    let mut in_emoji = false; // the previous character belongs to an emoji
    let mut after_zwj = false; // ... and was a ZWJ: the next pictograph joins it
    let mut open_flag = false; // ... and was a lone regional indicator: the next one completes the flag
    let mut prev: Option<char> = None;
    for c in text.chars() {
        if c == ZWJ {
            after_zwj = in_emoji;
        } else if c == EMOJI_PRESENTATION || c == KEYCAP {
            // Makes the preceding character an emoji: "©️", "1️⃣".
            let promotes = prev.is_some_and(|p| !p.is_whitespace() && p != ZWJ && !is_silent_emoji_part(p));
            if !in_emoji && promotes {
                count += 1;
                in_emoji = true;
            }
            after_zwj = false;
            open_flag = false;
        } else if is_silent_emoji_part(c) {
            after_zwj = false;
            open_flag = false;
        } else if is_skin_tone(c) {
            // Modifies the emoji before it; alone it is a colour swatch emoji.
            if !in_emoji {
                count += 1;
                in_emoji = true;
            }
            after_zwj = false;
            open_flag = false;
        } else if is_regional_indicator(c) {
            if in_emoji && (open_flag || after_zwj) {
                open_flag = false;
            } else {
                count += 1;
                in_emoji = true;
                open_flag = true;
            }
            after_zwj = false;
        } else if is_emoji_base(c) {
            if !(in_emoji && after_zwj) {
                count += 1;
            }
            in_emoji = true;
            after_zwj = false;
            open_flag = false;
        } else {
            in_emoji = false;
            after_zwj = false;
            open_flag = false;
        }
        prev = Some(c);
    }
    count
}

/// Sentences: fragments with a letter or digit, ended by a terminator or the end of the text. `.`, `!` and
/// `?` directly followed by a letter or digit ("2.5", "acme.com") do not end a sentence; the CJK full stop
/// and fullwidth marks always do (CJK text has no spaces).
fn sentence_count(text: &str) -> usize {
    let mut count = 0;
    let mut has_content = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let ends = match c {
            '.' | '!' | '?' => !chars.peek().is_some_and(|n| n.is_alphanumeric()),
            '。' | '！' | '？' => true,
            _ => {
                has_content |= c.is_alphanumeric();
                false
            }
        };
        if ends && has_content {
            count += 1;
            has_content = false;
        }
    }
    count + usize::from(has_content)
}

/// Hashtags: `#` not preceded by a letter or digit, followed by letters, digits or `_` with at least one
/// letter.
fn hashtag_count(text: &str) -> usize {
    let mut count = 0;
    let mut prev: Option<char> = None;
    for (i, c) in text.char_indices() {
        if c == '#' && !prev.is_some_and(char::is_alphanumeric) {
            let tag = text[i + 1..].split(|c: char| !(c.is_alphanumeric() || c == '_')).next().unwrap_or("");
            if tag.chars().any(char::is_alphabetic) {
                count += 1;
            }
        }
        prev = Some(c);
    }
    count
}

/// The landing page's query or fragment (after the first `?` or `#`) contains `utm_`, any case.
fn has_utm(url: &str) -> bool {
    url.find(['?', '#']).is_some_and(|start| url[start..].to_ascii_lowercase().contains("utm_"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn copy(intro: &str, headline: &str, description: &str) -> AdCopy {
        AdCopy {
            intro_text: Some(intro.to_string()),
            headline: Some(headline.to_string()),
            description: Some(description.to_string()),
            call_to_action: None,
            landing_page: None,
        }
    }

    fn intro_only(intro: &str) -> CopyFeatures {
        CopyFeatures::extract(&AdCopy { intro_text: Some(intro.to_string()), ..AdCopy::default() })
    }

    fn assert_all_finite(f: &CopyFeatures) {
        for (spec, v) in FEATURES.iter().zip(f.values()) {
            assert!(v.is_finite(), "{} = {v}", spec.name);
            assert!(v >= 0.0, "{} = {v}", spec.name);
            if spec.kind == FeatureKind::Flag {
                assert!(v == 0.0 || v == 1.0, "{} = {v}", spec.name);
            }
        }
    }

    fn assert_close(actual: f64, expected: f64) {
        assert!((actual - expected).abs() < 1e-12, "{actual} != {expected}");
    }

    #[test]
    fn normal_ad() {
        let ad = AdCopy {
            intro_text: Some(
                "Struggling with messy data? Our platform cuts reporting time by 40%. Join 2,500 teams who \
                 switched this year!"
                    .to_string(),
            ),
            headline: Some("Free 14-day trial: see your data today".to_string()),
            description: Some("No credit card needed.".to_string()),
            call_to_action: Some("SIGN_UP".to_string()),
            landing_page: Some("https://example.com/trial?utm_source=linkedin&utm_medium=paid".to_string()),
        };
        let f = CopyFeatures::extract(&ad);
        assert_eq!(f.word_count, 29.0);
        assert_eq!(f.intro_chars, 109.0);
        assert_eq!(f.headline_chars, 38.0);
        assert_eq!(f.description_chars, 22.0);
        assert_eq!(f.char_count, 109.0 + 38.0 + 22.0 + 2.0);
        assert_eq!(f.has_numbers, 1.0);
        assert_eq!(f.has_percent, 1.0);
        assert_eq!(f.has_dollar, 0.0);
        assert_eq!(f.has_question, 1.0);
        assert_eq!(f.has_exclamation, 1.0);
        assert_eq!(f.mention_free, 1.0);
        assert_eq!(f.mention_new, 0.0, "'needed' is not 'new'");
        assert_eq!(f.mention_now, 0.0, "'No' is not 'now'");
        assert_eq!(f.mention_today, 1.0);
        assert_eq!(f.mention_data, 1.0);
        assert_eq!(f.mention_exclusive, 0.0);
        assert_close(f.uppercase_ratio, 5.0 / 127.0);
        assert_eq!(f.headline_words, 7.0);
        assert_close(f.headline_intro_ratio, 38.0 / 109.0);
        assert_eq!(f.headline_has_number, 1.0);
        assert_eq!(f.intro_has_question, 1.0);
        assert_eq!(f.second_person_count, 1.0);
        assert_eq!(f.emoji_count, 0.0);
        assert_eq!(f.sentence_count, 3.0);
        assert_eq!(f.exclamation_count, 1.0);
        assert_eq!(f.cta_type, 2.0);
        assert_eq!(f.has_landing_page_utm, 1.0);
        assert_eq!(f.intro_truncated, 0.0);
        assert_close(f.avg_word_length, 137.0 / 29.0);
        assert_eq!(f.hashtag_count, 0.0);
        assert_eq!(f.get("word_count"), Some(29.0));
        assert_eq!(f.get("cta_type"), Some(2.0));
        assert_eq!(f.get("no_such_feature"), None);
        assert_all_finite(&f);
    }

    #[test]
    fn social_ad_with_emoji_hashtags_and_second_person() {
        let ad = AdCopy {
            intro_text: Some(
                "🚀 You’re invited! Today's webinar shows how you'll cut churn 👩‍💻 #SaaS #B2B #1 \
                 Register now!!"
                    .to_string(),
            ),
            headline: Some("Your seat is waiting, yours truly".to_string()),
            description: None,
            call_to_action: Some("REGISTER".to_string()),
            landing_page: Some("https://example.com/webinar".to_string()),
        };
        let f = CopyFeatures::extract(&ad);
        assert_eq!(f.emoji_count, 2.0);
        assert_eq!(f.hashtag_count, 2.0, "#SaaS and #B2B, not #1");
        assert_eq!(f.second_person_count, 4.0, "You’re, you'll, Your, yours");
        assert_eq!(f.mention_today, 1.0, "Today's");
        assert_eq!(f.mention_now, 1.0);
        assert_eq!(f.exclamation_count, 3.0);
        assert_eq!(f.sentence_count, 2.0, "'invited!' and 'now!!'");
        assert_eq!(f.cta_type, 5.0);
        assert_eq!(f.has_landing_page_utm, 0.0);
        assert_eq!(f.description_chars, 0.0);
        assert_all_finite(&f);
    }

    #[test]
    fn empty_copy_is_all_zero() {
        let none = CopyFeatures::extract(&AdCopy::default());
        assert_eq!(none, CopyFeatures::default());
        assert!(none.values().iter().all(|v| *v == 0.0));

        let mut empty = copy("", "", "");
        empty.call_to_action = Some(String::new());
        empty.landing_page = Some(String::new());
        let f = CopyFeatures::extract(&empty);
        assert_eq!(f, CopyFeatures::default(), "empty strings are like absent fields");
        assert_all_finite(&f);
    }

    #[test]
    fn only_cta_is_not_zero() {
        let f = CopyFeatures::extract(&AdCopy { call_to_action: Some("LEARN_MORE".into()), ..AdCopy::default() });
        let non_zero: Vec<&str> =
            FEATURES.iter().zip(f.values()).filter(|(_, v)| *v != 0.0).map(|(s, _)| s.name).collect();
        assert_eq!(non_zero, ["cta_type"]);
        assert_eq!(f.cta_type, 1.0);
    }

    #[test]
    fn degenerate_text_stays_finite() {
        for text in ["   ", "\n\n", "!!!", "...", "???", "\u{200D}\u{FE0F}", "\u{1F1E6}", "\u{FE0F}", "#", "''", "—"]
        {
            let f = CopyFeatures::extract(&copy(text, text, text));
            assert_all_finite(&f);
            assert_eq!(f.word_count, 0.0, "{text:?}");
            assert_eq!(f.sentence_count, 0.0, "{text:?}");
            assert_eq!(f.uppercase_ratio, 0.0, "{text:?}");
            assert_eq!(f.avg_word_length, 0.0, "{text:?}");
        }
    }

    #[test]
    fn headline_without_intro_has_ratio_zero() {
        let f = CopyFeatures::extract(&AdCopy { headline: Some("Big headline".into()), ..AdCopy::default() });
        assert_eq!(f.headline_chars, 12.0);
        assert_eq!(f.headline_intro_ratio, 0.0);
        assert_eq!(f.char_count, 12.0, "no separator for absent fields");
    }

    #[test]
    fn unicode_accents_and_cjk() {
        let f = intro_only("Café Résumé NAÏVE");
        assert_eq!(f.char_count, 17.0);
        assert_eq!(f.word_count, 3.0);
        assert_close(f.uppercase_ratio, 7.0 / 15.0);
        assert_close(f.avg_word_length, 15.0 / 3.0);

        let cjk = "数据驱动的营销";
        assert_eq!(cjk.len(), 21);
        let f = CopyFeatures::extract(&AdCopy { headline: Some(cjk.into()), ..AdCopy::default() });
        assert_eq!(f.char_count, 7.0);
        assert_eq!(f.headline_chars, 7.0);
        assert_eq!(f.word_count, 1.0, "no spaces: one word");
        assert_eq!(f.uppercase_ratio, 0.0);
        assert_eq!(f.mention_data, 0.0);

        let f = intro_only("新品发布。立即注册！限时优惠？");
        assert_eq!(f.sentence_count, 3.0);
        assert_eq!(f.exclamation_count, 1.0);
        assert_eq!(f.has_question, 1.0);
        assert_eq!(f.intro_has_question, 1.0);
    }

    #[test]
    fn emoji_are_counted_once_per_composed_emoji() {
        assert_eq!(emoji_count("👩‍💻"), 1, "ZWJ sequence");
        assert_eq!(emoji_count("👨‍👩‍👧‍👦"), 1, "family");
        assert_eq!(emoji_count("🏳️‍🌈"), 1, "flag with FE0F and ZWJ");
        assert_eq!(emoji_count("👁️‍🗨️"), 1);
        assert_eq!(emoji_count("👍🏽"), 1, "skin tone");
        assert_eq!(emoji_count("🧑🏿‍💻"), 1, "skin tone inside a ZWJ sequence");
        assert_eq!(emoji_count("❤️"), 1, "heart with FE0F");
        assert_eq!(emoji_count("❤"), 1, "heart without FE0F");
        assert_eq!(emoji_count("❤️‍🔥"), 1);
        assert_eq!(emoji_count("🇩🇪"), 1, "flag");
        assert_eq!(emoji_count("🇩🇪🇫🇷🇺🇸"), 3, "three flags");
        assert_eq!(emoji_count("🏴\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}"), 1, "England");
        assert_eq!(emoji_count("1️⃣ ©️ ⭐"), 3, "keycap, FE0F-promoted symbol, star");
        assert_eq!(emoji_count("👍👍👍"), 3);
        assert_eq!(emoji_count("Go 🚀🚀 now ✅"), 3);
        assert_eq!(emoji_count("plain text © ™ 100%"), 0);
        assert_eq!(emoji_count(""), 0);
        assert_eq!(emoji_count("\u{FE0F}\u{200D}"), 0);

        let f = intro_only("Hi 👩‍💻 and 👍🏽 and ❤️ from 🇩🇪");
        assert_eq!(f.emoji_count, 4.0);
        assert_eq!(f.word_count, 4.0, "emoji are not words: Hi, and, and, from");
    }

    #[test]
    fn very_long_text() {
        let unit = "Free data now! ";
        let text = unit.repeat(100_000 / unit.len() + 1);
        assert!(text.chars().count() >= 100_000);
        let start = std::time::Instant::now();
        let f = CopyFeatures::extract(&copy(&text, &text, &text));
        let elapsed = start.elapsed();
        assert!(elapsed < std::time::Duration::from_secs(5), "took {elapsed:?}");
        let units = (100_000 / unit.len() + 1) as f64;
        assert_eq!(f.word_count, 3.0 * 3.0 * units);
        assert_eq!(f.exclamation_count, 3.0 * units);
        assert_eq!(f.sentence_count, units);
        assert_eq!(f.intro_truncated, 1.0);
        assert_eq!(f.mention_free, 1.0);
        assert_all_finite(&f);
    }

    #[test]
    fn mentions_are_whole_words() {
        let f = intro_only("news renew nowhere known freedom carefree database dataset newsletter exclusively todays");
        for name in ["mention_free", "mention_new", "mention_now", "mention_today", "mention_data", "mention_exclusive"]
        {
            assert_eq!(f.get(name), Some(0.0), "{name}");
        }
        let f = intro_only("FREE! (new) Now, today. DATA-driven \"Exclusive\"");
        for name in ["mention_free", "mention_new", "mention_now", "mention_today", "mention_data", "mention_exclusive"]
        {
            assert_eq!(f.get(name), Some(1.0), "{name}");
        }
        assert_eq!(intro_only("free-trial").mention_free, 1.0);
        assert_eq!(intro_only("Brand‑new").mention_new, 1.0, "non-breaking hyphen");
        assert_eq!(intro_only("Now’s the time").mention_now, 1.0, "curly apostrophe contraction");
    }

    #[test]
    fn second_person_words() {
        let f = intro_only("YOU your You're you’re yours Yourself yourselves you'll you've you'd");
        assert_eq!(f.second_person_count, 10.0);
        let f = intro_only("youth yourt Young bayou y'all");
        assert_eq!(f.second_person_count, 0.0);
        assert_eq!(intro_only("(you)").second_person_count, 1.0);
    }

    #[test]
    fn uppercase_ratio_is_over_letters() {
        assert_eq!(intro_only("ABC def").uppercase_ratio, 0.5);
        assert_eq!(intro_only("123").uppercase_ratio, 0.0);
        assert_eq!(intro_only("A1!!!").uppercase_ratio, 1.0, "digits and punctuation ignored");
    }

    #[test]
    fn word_and_sentence_rules() {
        assert_eq!(intro_only("Hello — world !").word_count, 2.0);
        assert_eq!(intro_only("  spaced\tout\nwords  ").word_count, 3.0);
        assert_eq!(sentence_count("Prices start at $2.5 per seat. Try it"), 2);
        assert_eq!(sentence_count("Wait... what?! Really."), 3);
        assert_eq!(sentence_count("Visit acme.com today"), 1);
        assert_eq!(sentence_count("v1.2 is out"), 1);
        assert_eq!(sentence_count("!!! ... ?"), 0);
        assert_eq!(sentence_count(""), 0);
        assert_eq!(sentence_count("No terminator"), 1);
        assert_eq!(sentence_count("Line one\nLine two."), 1);
        assert_eq!(sentence_count("One. 🚀"), 1, "an emoji alone is no sentence");
    }

    #[test]
    fn hashtags() {
        assert_eq!(hashtag_count("#AI and #2024Goals, not C# or #1 or # alone (#b2b_marketing)"), 3);
        assert_eq!(hashtag_count(""), 0);
    }

    #[test]
    fn numbers_punctuation_and_truncation() {
        let f = intro_only("Save $50 today");
        assert_eq!(f.has_dollar, 1.0);
        assert_eq!(f.has_numbers, 1.0);
        assert_eq!(f.has_percent, 0.0);
        assert_eq!(f.headline_has_number, 0.0);
        assert_eq!(intro_only(&"a".repeat(150)).intro_truncated, 0.0);
        assert_eq!(intro_only(&"é".repeat(151)).intro_truncated, 1.0);
        assert_eq!(intro_only(&"é".repeat(100)).intro_truncated, 0.0, "characters, not bytes");
    }

    #[test]
    fn landing_page_utm() {
        let f = |url: &str| {
            CopyFeatures::extract(&AdCopy { landing_page: Some(url.into()), ..AdCopy::default() }).has_landing_page_utm
        };
        assert_eq!(f("https://x.com/p?utm_source=linkedin"), 1.0);
        assert_eq!(f("https://x.com/p?ref=a&UTM_Campaign=q4"), 1.0);
        assert_eq!(f("https://x.com/p#utm_source=linkedin"), 1.0);
        assert_eq!(f("https://x.com/utm_guide"), 0.0, "path, not a parameter");
        assert_eq!(f("https://x.com/p?ref=linkedin"), 0.0);
    }

    #[test]
    fn cta_mapping() {
        let cases = [
            (None, CtaType::None),
            (Some(""), CtaType::None),
            (Some("  "), CtaType::None),
            (Some("LEARN_MORE"), CtaType::Learn),
            (Some("learn more"), CtaType::Learn),
            (Some("SIGN_UP"), CtaType::SignUp),
            (Some("SUBSCRIBE"), CtaType::SignUp),
            (Some("JOIN"), CtaType::SignUp),
            (Some("DOWNLOAD"), CtaType::Download),
            (Some("REQUEST_DEMO"), CtaType::Demo),
            (Some("REGISTER"), CtaType::Register),
            (Some("ATTEND"), CtaType::Register),
            (Some("APPLY"), CtaType::Other),
            (Some("GET_QUOTE"), CtaType::Other),
            (Some("VIEW_QUOTE"), CtaType::Other),
            (Some("SOMETHING_NEW"), CtaType::Other),
        ];
        for (label, expected) in cases {
            assert_eq!(cta_type(label), expected, "{label:?}");
        }
        let codes: Vec<u8> = CtaType::ALL.iter().map(|c| c.code()).collect();
        assert_eq!(codes, [0, 1, 2, 3, 4, 5, 6]);
        // The description written into features.json documents the mapping.
        let description = FEATURES.iter().find(|f| f.name == "cta_type").unwrap().description;
        for label in cases.iter().filter_map(|(l, _)| *l).filter(|l| l.contains('_') && *l != "SOMETHING_NEW") {
            assert!(description.contains(label), "{label} is not in the description");
        }
        for code in 0..=6 {
            assert!(description.contains(&format!("{code} ")), "code {code} is not in the description");
        }
    }

    /// Changing this list means changing the feature set: bump FEATURE_SET_VERSION and update both.
    #[test]
    fn feature_list_is_pinned_to_its_version() {
        let names: Vec<&str> = FEATURES.iter().map(|f| f.name).collect();
        assert_eq!(FEATURE_SET_VERSION, 1);
        assert_eq!(
            names,
            [
                "word_count",
                "char_count",
                "has_numbers",
                "has_percent",
                "has_dollar",
                "has_question",
                "has_exclamation",
                "mention_free",
                "mention_new",
                "mention_now",
                "mention_today",
                "mention_data",
                "mention_exclusive",
                "uppercase_ratio",
                "intro_chars",
                "headline_chars",
                "description_chars",
                "headline_words",
                "headline_intro_ratio",
                "headline_has_number",
                "intro_has_question",
                "second_person_count",
                "emoji_count",
                "sentence_count",
                "exclamation_count",
                "cta_type",
                "has_landing_page_utm",
                "intro_truncated",
                "avg_word_length",
                "hashtag_count",
            ]
        );
    }

    #[test]
    fn feature_names_are_unique_snake_case_and_documented() {
        const { assert!(FEATURE_COUNT >= 20) };
        for (i, f) in FEATURES.iter().enumerate() {
            let snake = f.name.starts_with(|c: char| c.is_ascii_lowercase())
                && f.name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
                && !f.name.contains("__")
                && !f.name.ends_with('_');
            assert!(snake, "{} is not snake_case", f.name);
            assert!(FEATURES[..i].iter().all(|g| g.name != f.name), "{} is duplicated", f.name);
            assert!(f.description.len() > 20, "{} needs a description", f.name);
        }
    }

    #[test]
    fn struct_fields_follow_feature_order() {
        // Give every feature a distinct value through its name, then read it back by position.
        let object: serde_json::Map<String, serde_json::Value> =
            FEATURES.iter().enumerate().map(|(i, f)| (f.name.to_string(), serde_json::json!(i as f64))).collect();
        let f: CopyFeatures = serde_json::from_value(serde_json::Value::Object(object)).unwrap();
        for (i, (spec, v)) in FEATURES.iter().zip(f.values()).enumerate() {
            assert_eq!(v, i as f64, "values()[{i}] is not {}", spec.name);
            assert_eq!(f.get(spec.name), Some(i as f64));
        }

        // Serialized keys come out in FEATURES order.
        let json = serde_json::to_string(&f).unwrap();
        let positions: Vec<usize> =
            FEATURES.iter().map(|s| json.find(&format!("\"{}\":", s.name)).expect(s.name)).collect();
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{json}");
        let back: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&json).unwrap();
        assert_eq!(back.len(), FEATURE_COUNT);
    }

    #[test]
    fn manifest_matches_features() {
        let m = FeatureManifest::current();
        assert_eq!(m.version, FEATURE_SET_VERSION);
        assert_eq!(m.features.len(), FEATURE_COUNT);
        for (entry, spec) in m.features.iter().zip(FEATURES.iter()) {
            assert_eq!(entry.name, spec.name);
            assert_eq!(entry.dtype, "float64");
            assert_eq!(entry.description, spec.description);
            assert_eq!(serde_json::to_value(spec.kind).unwrap(), serde_json::json!(entry.kind));
        }
        let json = serde_json::to_value(&m).unwrap();
        assert_eq!(json["version"], 1);
        assert_eq!(json["features"][0]["name"], "word_count");
        assert_eq!(json["features"][0]["kind"], "count");
        assert_eq!(json["features"][13]["kind"], "ratio");
        assert_eq!(json["features"][2]["kind"], "flag");
        assert_eq!(json["features"][25]["kind"], "category");
        let back: FeatureManifest = serde_json::from_value(json).unwrap();
        assert_eq!(back, m);
        assert_eq!(back.check(), Ok(()));

        let old = FeatureManifest { version: 0, ..m };
        assert_eq!(old.check(), Err(FeatureError::VersionMismatch { found: 0, expected: FEATURE_SET_VERSION }));
    }

    #[test]
    fn check_columns() {
        let names: Vec<&str> = FEATURES.iter().map(|f| f.name).collect();
        assert_eq!(FeatureManifest::check_columns(&names), Ok(()));

        let mut missing = names.clone();
        missing.remove(5);
        let err = FeatureManifest::check_columns(&missing).unwrap_err();
        assert_eq!(err, FeatureError::MissingColumn { name: "has_question".into(), index: 5 });
        assert!(err.to_string().contains("`has_question`") && err.to_string().contains("index 5"), "{err}");

        let mut extra = names.clone();
        extra.insert(3, "ctr");
        let err = FeatureManifest::check_columns(&extra).unwrap_err();
        assert_eq!(err, FeatureError::UnexpectedColumn { name: "ctr".into(), index: 3 });
        assert!(err.to_string().contains("`ctr`") && err.to_string().contains("index 3"), "{err}");

        let mut swapped = names.clone();
        swapped.swap(0, 1);
        let err = FeatureManifest::check_columns(&swapped).unwrap_err();
        assert_eq!(
            err,
            FeatureError::MisplacedColumn {
                name: "char_count".into(),
                index: 0,
                expected_index: 1,
                expected: "word_count".into()
            }
        );
        let message = err.to_string();
        assert!(message.contains("`char_count`") && message.contains("`word_count`"), "{message}");

        let mut duplicated = names.clone();
        duplicated[7] = "word_count";
        let err = FeatureManifest::check_columns(&duplicated).unwrap_err();
        assert_eq!(err, FeatureError::DuplicateColumn { name: "word_count".into(), first: 0, index: 7 });

        let err = FeatureManifest::check_columns(&[]).unwrap_err();
        assert_eq!(err, FeatureError::MissingColumn { name: "word_count".into(), index: 0 });
    }
}
