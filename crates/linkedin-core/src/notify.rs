//! Report delivery: the optimizer's daily report, readable as an email.
//!
//! [`Notifier`] is the backend trait. [`StdoutNotifier`] is the embedded default (no `SNS_TOPIC_ARN`):
//! it prints the report. In production `linkedin_aws::sns::SnsNotifier` publishes it to an SNS topic
//! whose email subscribers receive it.
//!
//! SNS has limits an email-bound report must respect: the subject is ASCII printable text without line
//! breaks, at most 100 characters and not empty; the message is at most 256 KiB of UTF-8 and not empty.
//! They are applied in one place, [`Report::for_delivery`], which every notifier uses, so what a local
//! run prints is exactly what the email would say.

use std::io::Write;
use std::sync::Mutex;

use async_trait::async_trait;

use crate::config::{ConfigError, Reader};

/// SNS's subject limit, in characters (the subject is ASCII, so also in bytes).
pub const MAX_SUBJECT_CHARS: usize = 100;
/// SNS's message limit: 256 KiB of UTF-8.
pub const MAX_MESSAGE_BYTES: usize = 256 * 1024;
/// The subject used when nothing printable is left of the given one.
pub const DEFAULT_SUBJECT: &str = "LinkedIn Ads report";
/// The message used for an empty body (SNS refuses an empty message).
pub const EMPTY_BODY: &str = "(the report is empty)";

/// A report to deliver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub subject: String,
    pub body: String,
    /// Where the complete report is stored (e.g. `s3://bucket/reports/...`), named in the message when
    /// the body has to be truncated.
    pub full_report_location: Option<String>,
}

/// A report as it is delivered: the subject and message after the SNS limits are applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// ASCII printable, no line breaks, 1 to [`MAX_SUBJECT_CHARS`] characters.
    pub subject: String,
    /// 1 to [`MAX_MESSAGE_BYTES`] bytes of UTF-8.
    pub message: String,
    /// The body was cut (the message ends with a note saying so and where the full report is).
    pub truncated: bool,
}

impl Report {
    pub fn new(subject: impl Into<String>, body: impl Into<String>) -> Self {
        Self { subject: subject.into(), body: body.into(), full_report_location: None }
    }

    pub fn with_full_report_location(mut self, location: impl Into<String>) -> Self {
        self.full_report_location = Some(location.into());
        self
    }

    /// The subject and message that respect SNS's (and email's) limits.
    ///
    /// Subject: line breaks, tabs and other control or space characters become one space; common
    /// typographic punctuation and accented Latin-1 letters become their ASCII look-alikes (`—` to
    /// `-`, `é` to `e`); any other non-ASCII character (emoji, other scripts) is dropped; runs of
    /// spaces collapse and the ends are trimmed; an empty result becomes [`DEFAULT_SUBJECT`]; more
    /// than 100 characters are cut to at most 97 (between words when a space is within the last 20)
    /// and end with `...`.
    ///
    /// Message: an empty body becomes [`EMPTY_BODY`]; a body over 256 KiB is cut on a character
    /// boundary (at a line break when one is within the last KiB) and ends with a note giving the
    /// full size and [`Report::full_report_location`].
    pub fn for_delivery(&self) -> Delivery {
        let (message, truncated) = fit_message(&self.body, self.full_report_location.as_deref());
        Delivery { subject: clean_subject(&self.subject), message, truncated }
    }
}

fn clean_subject(raw: &str) -> String {
    let mut ascii = String::with_capacity(raw.len());
    for c in raw.chars() {
        match c {
            ' '..='~' => ascii.push(c),
            c if c.is_whitespace() || c.is_control() => ascii.push(' '),
            c => ascii.push_str(ascii_fold(c)),
        }
    }
    let mut subject = ascii.split_whitespace().collect::<Vec<_>>().join(" ");
    if subject.is_empty() {
        return DEFAULT_SUBJECT.to_string();
    }
    if subject.len() > MAX_SUBJECT_CHARS {
        // ASCII only from here: byte offsets are character offsets. Cut between words when a word
        // boundary is near, so the subject does not end in half a campaign name.
        let keep = MAX_SUBJECT_CHARS - 3;
        let cut = if subject.as_bytes()[keep] == b' ' {
            keep
        } else {
            subject[..keep].rfind(' ').filter(|&space| keep - space <= 20).unwrap_or(keep)
        };
        subject.truncate(cut);
        subject.truncate(subject.trim_end().len());
        subject.push_str("...");
    }
    subject
}

/// The ASCII look-alike of a non-ASCII character, or `""` (dropped).
fn ascii_fold(c: char) -> &'static str {
    // U+00C0..=U+00FF: the accented Latin-1 letters (and × ÷).
    const LATIN1: [&str; 64] = [
        "A", "A", "A", "A", "A", "A", "AE", "C", "E", "E", "E", "E", "I", "I", "I", "I", // C0-CF
        "D", "N", "O", "O", "O", "O", "O", "x", "O", "U", "U", "U", "U", "Y", "Th", "ss", // D0-DF
        "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i", // E0-EF
        "d", "n", "o", "o", "o", "o", "o", "/", "o", "u", "u", "u", "u", "y", "th", "y", // F0-FF
    ];
    match c {
        '\u{C0}'..='\u{FF}' => LATIN1[c as usize - 0xC0],
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '\u{B4}' => "'",
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{AB}' | '\u{BB}' => "\"",
        '\u{2010}'..='\u{2015}' | '\u{2212}' => "-",
        '\u{2022}' | '\u{B7}' => "-",
        '\u{2026}' => "...",
        '\u{20AC}' => "EUR",
        '\u{A3}' => "GBP",
        '\u{A9}' => "(c)",
        '\u{AE}' => "(R)",
        '\u{2122}' => "(TM)",
        '\u{2192}' => "->",
        '\u{2190}' => "<-",
        '\u{2264}' => "<=",
        '\u{2265}' => ">=",
        _ => "",
    }
}

/// The note that ends a truncated message.
fn truncation_note(full_bytes: usize, location: Option<&str>) -> String {
    let size = format!("{full_bytes} bytes");
    match location {
        Some(loc) => format!(
            "\n\n[Report truncated: the full report ({size}) is over SNS's 256 KiB limit. Full report: {loc}]\n"
        ),
        None => format!(
            "\n\n[Report truncated: the full report ({size}) is over SNS's 256 KiB limit; no location of the full report was given.]\n"
        ),
    }
}

fn fit_message(body: &str, location: Option<&str>) -> (String, bool) {
    if body.is_empty() {
        return (EMPTY_BODY.to_string(), false);
    }
    if body.len() <= MAX_MESSAGE_BYTES {
        return (body.to_string(), false);
    }
    let note = truncation_note(body.len(), location);
    let budget = MAX_MESSAGE_BYTES.saturating_sub(note.len());
    let mut cut = budget;
    while !body.is_char_boundary(cut) {
        cut -= 1;
    }
    // End on a whole line when one ends close to the limit, so the email does not stop mid-line.
    if let Some(nl) = body[..cut].rfind('\n').filter(|&nl| cut - nl <= 1024) {
        cut = nl;
    }
    let mut message = String::with_capacity(cut + note.len());
    message.push_str(&body[..cut]);
    message.push_str(&note);
    (message, true)
}

/// Why a report was not delivered. Each message names the fix.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error(
        "SNS topic {topic_arn} does not exist: check SNS_TOPIC_ARN (the topic's full ARN, in the account the job runs in) ({message})"
    )]
    TopicNotFound { topic_arn: String, message: String },
    #[error(
        "not allowed to publish to SNS topic {topic_arn}: the Lambda role needs sns:Publish on the topic ({message})"
    )]
    AccessDenied { topic_arn: String, message: String },
    #[error(
        "SNS topic {topic_arn} is encrypted and its KMS key could not be used: the key must be enabled and the Lambda role needs kms:GenerateDataKey and kms:Decrypt on it ({message})"
    )]
    Kms { topic_arn: String, message: String },
    #[error("SNS rejected the report for topic {topic_arn}: {message}")]
    Rejected { topic_arn: String, message: String },
    #[error(
        "could not reach SNS to publish to {topic_arn}: a Lambda in a VPC needs a NAT gateway or an SNS interface endpoint ({message})"
    )]
    Unreachable { topic_arn: String, message: String },
    #[error("publishing the report to SNS topic {topic_arn} failed: {message}")]
    Sns { topic_arn: String, message: String },
    #[error("could not write the report to {target}: {source}")]
    Write {
        target: String,
        #[source]
        source: std::io::Error,
    },
}

/// Where reports go.
#[async_trait]
pub trait Notifier: Send + Sync {
    /// Delivers a report; returns where it went (SNS message id, or "stdout").
    async fn send(&self, report: &Report) -> Result<String, NotifyError>;
    /// The destination, for messages and logs.
    fn describe(&self) -> String;
}

/// The embedded default: prints the delivered form of the report (`Subject: ...`, a blank line,
/// the message), so a local run shows exactly what the email would say.
pub struct StdoutNotifier {
    out: Mutex<Box<dyn Write + Send>>,
}

impl StdoutNotifier {
    /// Prints to the process's stdout.
    pub fn new() -> Self {
        Self::to_writer(std::io::stdout())
    }

    /// Prints to any writer (tests pass a [`crate::metrics::SharedBuffer`]).
    pub fn to_writer(out: impl Write + Send + 'static) -> Self {
        Self { out: Mutex::new(Box::new(out)) }
    }
}

impl Default for StdoutNotifier {
    fn default() -> Self {
        Self::new()
    }
}

#[async_trait]
impl Notifier for StdoutNotifier {
    async fn send(&self, report: &Report) -> Result<String, NotifyError> {
        let d = report.for_delivery();
        let newline = if d.message.ends_with('\n') { "" } else { "\n" };
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        write!(out, "Subject: {}\n\n{}{newline}", d.subject, d.message)
            .and_then(|_| out.flush())
            .map_err(|source| NotifyError::Write { target: self.describe(), source })?;
        Ok("stdout".to_string())
    }

    fn describe(&self) -> String {
        "stdout".into()
    }
}

/// Where the reports go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotifyConfig {
    /// The embedded default: print the report.
    Stdout,
    /// `SNS_TOPIC_ARN`: publish to this standard topic (its email subscribers receive the report).
    Sns { topic_arn: String },
}

const TOPIC_ARN_FORM: &str = "expected an SNS topic ARN, arn:aws:sns:<region>:<12-digit account id>:<topic name> (e.g. arn:aws:sns:us-east-1:123456789012:linkedin-ads-reports)";

impl NotifyConfig {
    /// `Sns` when `SNS_TOPIC_ARN` is set and valid, `Stdout` when it is unset. An invalid value is
    /// recorded in `r` (so [`Reader::finish`] fails) and `Stdout` is returned in its place.
    pub fn read(r: &mut Reader<'_>) -> Self {
        let Some(arn) = r.text("SNS_TOPIC_ARN") else { return Self::Stdout };
        match check_topic_arn(&arn) {
            Ok(()) => Self::Sns { topic_arn: arn },
            Err(reason) => {
                r.push(ConfigError::Invalid {
                    var: "SNS_TOPIC_ARN",
                    value: format!("'{arn}'"),
                    expected: format!("{reason}; {TOPIC_ARN_FORM}"),
                });
                Self::Stdout
            }
        }
    }

    /// `stdout` or the topic ARN, for messages.
    pub fn describe(&self) -> String {
        match self {
            Self::Stdout => "stdout".into(),
            Self::Sns { topic_arn } => topic_arn.clone(),
        }
    }
}

/// The region of a topic ARN (`arn:aws:sns:<region>:...`); SNS must be called in that region.
pub fn topic_region(topic_arn: &str) -> Option<&str> {
    topic_arn.split(':').nth(3).filter(|r| !r.is_empty())
}

/// `arn:aws[-a-z]*:sns:<region>:<12 digits>:<name>`; the error says which part is wrong.
fn check_topic_arn(arn: &str) -> Result<(), String> {
    let parts: Vec<&str> = arn.split(':').collect();
    if parts.len() != 6 || parts[0] != "arn" {
        return Err("not an ARN of the form arn:<partition>:sns:<region>:<account>:<name>".into());
    }
    let (partition, service, region, account, name) = (parts[1], parts[2], parts[3], parts[4], parts[5]);
    let partition_ok = partition
        .strip_prefix("aws")
        .is_some_and(|rest| rest.chars().all(|c| c.is_ascii_lowercase() || c == '-') && !rest.ends_with('-'));
    if !partition_ok {
        return Err(format!("'{partition}' is not an AWS partition (aws, aws-cn, aws-us-gov)"));
    }
    if service != "sns" {
        return Err(format!("this is an ARN of service '{service}', not of an SNS topic"));
    }
    let words: Vec<&str> = region.split('-').collect();
    let region_ok = words.len() >= 3
        && words[0].len() == 2
        && words[..words.len() - 1].iter().all(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase()))
        && words[words.len() - 1].chars().all(|c| c.is_ascii_digit())
        && !words[words.len() - 1].is_empty();
    if !region_ok {
        return Err(format!("'{region}' is not an AWS region such as us-east-1"));
    }
    if account.len() != 12 || !account.chars().all(|c| c.is_ascii_digit()) {
        return Err(format!("the account id '{account}' is not 12 digits"));
    }
    if name.ends_with(".fifo") {
        return Err(format!("'{name}' is a FIFO topic, which cannot deliver email; use a standard topic"));
    }
    if name.is_empty() || name.len() > 256 || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(format!("the topic name '{name}' is not 1-256 letters, digits, '-' or '_'"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Env;
    use crate::metrics::SharedBuffer;

    fn subject(s: &str) -> String {
        Report::new(s, "body").for_delivery().subject
    }

    fn assert_valid_subject(s: &str) {
        assert!(!s.is_empty() && s.len() <= MAX_SUBJECT_CHARS, "{s:?}");
        assert!(s.chars().all(|c| (' '..='~').contains(&c)), "{s:?}");
        assert!(!s.starts_with(' ') && !s.ends_with(' '), "{s:?}");
    }

    #[test]
    fn ascii_subjects_pass_unchanged() {
        let s = "LinkedIn Ads daily report 2026-11-23: 3 bid changes, CTR 0.42% (+0.05 pp) <ok> & done!";
        assert_eq!(subject(s), s);
    }

    #[test]
    fn unicode_subjects_become_ascii() {
        let s =
            subject("Rapport quotidien \u{2014} caf\u{e9} \u{2615} \u{1F4C8} \u{201C}Gr\u{fc}\u{df}e\u{201D}\u{2026}");
        assert_eq!(s, "Rapport quotidien - cafe \"Grusse\"...");
        assert_valid_subject(&s);
        assert_eq!(subject("\u{6bce}\u{65e5}\u{62a5}\u{544a} 2026-11-23"), "2026-11-23");
        assert_eq!(subject("Spend \u{20ac}12\u{a0}000 \u{2192} \u{2264}\u{a0}\u{a3}5"), "Spend EUR12 000 -> <= GBP5");
    }

    #[test]
    fn line_breaks_and_control_characters_become_single_spaces() {
        assert_eq!(subject("Daily report\r\n2026-11-23\n\n\tbids"), "Daily report 2026-11-23 bids");
        assert_eq!(subject("a\u{0}b\u{7f}c\u{2028}d"), "a b c d");
        assert_eq!(subject("   padded   "), "padded");
    }

    #[test]
    fn empty_subjects_get_the_default() {
        for s in ["", "   ", "\n\r\t", "\u{1F4C8}\u{1F4C9}", "\u{200B}"] {
            assert_eq!(subject(s), DEFAULT_SUBJECT, "{s:?}");
        }
    }

    #[test]
    fn long_subjects_are_cut_to_100_with_an_ellipsis() {
        assert_eq!(subject(&"x".repeat(100)), "x".repeat(100));
        let s = subject(&"y".repeat(101));
        assert_eq!((s.len(), &s[97..]), (100, "..."));
        assert_eq!(s[..97], "y".repeat(97));
        // Between words when a space is near the cut.
        let s = subject(&format!("Daily report: {}", "campaign Northwind Q4 retargeting, ".repeat(5)));
        assert_eq!(s, format!("Daily report: {}campaign...", "campaign Northwind Q4 retargeting, ".repeat(2)));
        // No space before the ellipsis, and multi-byte characters count once they are ASCII.
        let s = subject(&format!("{} {}", "a".repeat(95), "\u{e9}".repeat(50)));
        assert_eq!(s, format!("{}...", "a".repeat(95)));
        assert_valid_subject(&s);
        let s = subject(&"\u{e9}t\u{e9} ".repeat(60));
        assert_valid_subject(&s);
        assert!(s.ends_with("...") && s.starts_with("ete ete"), "{s}");
    }

    #[test]
    fn bodies_within_the_limit_are_unchanged() {
        let d = Report::new("s", "line 1\nline 2 \u{e9}\u{1F4C8}\n").for_delivery();
        assert_eq!((d.message.as_str(), d.truncated), ("line 1\nline 2 \u{e9}\u{1F4C8}\n", false));
        // Exactly at the limit, ending in a multi-byte character.
        let body = format!("{}\u{20ac}", "a".repeat(MAX_MESSAGE_BYTES - 3));
        assert_eq!(body.len(), MAX_MESSAGE_BYTES);
        let d = Report::new("s", body.clone()).with_full_report_location("s3://b/r.md").for_delivery();
        assert_eq!((d.message, d.truncated), (body, false));
    }

    #[test]
    fn empty_bodies_get_a_placeholder() {
        let d = Report::new("s", "").for_delivery();
        assert_eq!((d.message.as_str(), d.truncated), (EMPTY_BODY, false));
    }

    #[test]
    fn one_byte_over_is_cut_on_a_char_boundary_with_a_note() {
        let loc = "s3://ads-data/reports/dt=2026-11-23/optimizer.md";
        let total = MAX_MESSAGE_BYTES + 1;
        let note = truncation_note(total, Some(loc));
        let budget = MAX_MESSAGE_BYTES - note.len();
        // A 4-byte character straddles the cut: it must go whole, not be split.
        let head = "a".repeat(budget - 2);
        let body = format!("{head}\u{1F4C8}{}", "b".repeat(total - head.len() - 4));
        assert_eq!(body.len(), total);
        assert!(!body.is_char_boundary(budget));
        let d = Report::new("s", body).with_full_report_location(loc).for_delivery();
        assert!(d.truncated);
        assert!(d.message.len() <= MAX_MESSAGE_BYTES, "{}", d.message.len());
        assert_eq!(d.message, format!("{head}{note}"));
        assert!(d.message.ends_with(&format!("Full report: {loc}]\n")), "{}", &d.message[budget - 10..]);
        assert!(d.message.contains(&format!("({total} bytes)")));
    }

    #[test]
    fn oversize_bodies_end_on_a_line_and_say_when_there_is_no_location() {
        let line = format!("{}\n", "campaign 123: bid 5.00 -> 5.50 \u{e9}".repeat(3));
        let body = line.repeat(MAX_MESSAGE_BYTES / line.len() * 2);
        let d = Report::new("s", body.clone()).for_delivery();
        assert!(d.truncated && d.message.len() <= MAX_MESSAGE_BYTES);
        let (kept, note) = d.message.split_once("\n\n[Report truncated").unwrap();
        assert!(body.starts_with(kept) && body[kept.len()..].starts_with('\n'), "cut at a line break");
        assert!(MAX_MESSAGE_BYTES - d.message.len() < line.len());
        assert!(note.contains("no location of the full report was given"), "{note}");
    }

    #[tokio::test]
    async fn stdout_notifier_prints_the_delivered_report() {
        let buf = SharedBuffer::default();
        let n = StdoutNotifier::to_writer(buf.clone());
        let report = Report::new("Daily report\n2026-11-23 \u{2014} 3 changes", "Bids:\n- 123: 5.00 -> 5.50");
        assert_eq!(n.send(&report).await.unwrap(), "stdout");
        assert_eq!(buf.text(), "Subject: Daily report 2026-11-23 - 3 changes\n\nBids:\n- 123: 5.00 -> 5.50\n");
        n.send(&Report::new("Second", "ends with a newline\n")).await.unwrap();
        assert!(buf.text().ends_with("\nSubject: Second\n\nends with a newline\n"), "{}", buf.text());
        assert_eq!(n.describe(), "stdout");
    }

    #[tokio::test]
    async fn stdout_notifier_reports_a_failed_write() {
        struct Broken;
        impl Write for Broken {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::Error::new(std::io::ErrorKind::BrokenPipe, "pipe closed"))
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let err = StdoutNotifier::to_writer(Broken).send(&Report::new("s", "b")).await.unwrap_err();
        assert_eq!(err.to_string(), "could not write the report to stdout: pipe closed");
    }

    fn read(pairs: &[(&str, &str)]) -> (NotifyConfig, Result<(), String>) {
        let env = Env::from_pairs(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let mut r = Reader::new(&env);
        let cfg = NotifyConfig::read(&mut r);
        (cfg, r.finish(|| ()).map_err(|e| e.to_string()))
    }

    #[test]
    fn unset_or_blank_topic_means_stdout() {
        assert_eq!(read(&[]), (NotifyConfig::Stdout, Ok(())));
        assert_eq!(read(&[("SNS_TOPIC_ARN", "  ")]), (NotifyConfig::Stdout, Ok(())));
        assert_eq!(NotifyConfig::Stdout.describe(), "stdout");
    }

    #[test]
    fn valid_topic_arns_are_accepted() {
        for arn in [
            "arn:aws:sns:us-east-1:123456789012:linkedin-ads-reports",
            "arn:aws-us-gov:sns:us-gov-west-1:123456789012:reports_2026",
            "arn:aws-cn:sns:cn-north-1:000000000000:R",
        ] {
            let (cfg, res) = read(&[("SNS_TOPIC_ARN", arn)]);
            assert_eq!((cfg.clone(), res), (NotifyConfig::Sns { topic_arn: arn.into() }, Ok(())), "{arn}");
            assert_eq!(cfg.describe(), arn);
        }
        // Surrounding spaces are trimmed, as for every variable.
        let (cfg, _) = read(&[("SNS_TOPIC_ARN", " arn:aws:sns:eu-west-1:123456789012:t ")]);
        assert_eq!(cfg, NotifyConfig::Sns { topic_arn: "arn:aws:sns:eu-west-1:123456789012:t".into() });
        assert_eq!(topic_region("arn:aws:sns:eu-west-1:123456789012:t"), Some("eu-west-1"));
    }

    #[test]
    fn invalid_topic_arns_name_the_variable_the_problem_and_the_form() {
        let cases = [
            ("linkedin-ads-reports", "not an ARN"),
            ("https://sns.us-east-1.amazonaws.com/123456789012/t", "not an ARN"),
            ("arn:aws:sqs:us-east-1:123456789012:reports", "service 'sqs'"),
            ("arn:gcp:sns:us-east-1:123456789012:reports", "'gcp' is not an AWS partition"),
            ("arn:aws:sns:useast1:123456789012:reports", "'useast1' is not an AWS region"),
            ("arn:aws:sns:us-east-1:1234:reports", "account id '1234' is not 12 digits"),
            ("arn:aws:sns:us-east-1:123456789012:", "topic name ''"),
            ("arn:aws:sns:us-east-1:123456789012:my reports", "topic name 'my reports'"),
            ("arn:aws:sns:us-east-1:123456789012:reports.fifo", "FIFO topic"),
            ("arn:aws:sns:us-east-1:123456789012:reports:sub-id", "not an ARN"),
        ];
        for (arn, reason) in cases {
            let (cfg, res) = read(&[("SNS_TOPIC_ARN", arn)]);
            assert_eq!(cfg, NotifyConfig::Stdout);
            let err = res.unwrap_err();
            assert!(err.contains(&format!("SNS_TOPIC_ARN='{arn}' is not valid: ")), "{err}");
            assert!(err.contains(reason), "{reason} in {err}");
            assert!(err.contains("arn:aws:sns:<region>:<12-digit account id>:<topic name>"), "{err}");
        }
    }

    #[test]
    fn errors_name_the_fix() {
        let arn = "arn:aws:sns:us-east-1:123456789012:t".to_string();
        let e = NotifyError::TopicNotFound { topic_arn: arn.clone(), message: "Topic does not exist".into() };
        assert!(e.to_string().contains("check SNS_TOPIC_ARN"), "{e}");
        let e = NotifyError::AccessDenied { topic_arn: arn, message: "User is not authorized".into() };
        assert!(e.to_string().contains("needs sns:Publish on the topic"), "{e}");
    }
}
