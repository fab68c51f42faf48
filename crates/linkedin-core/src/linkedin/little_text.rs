//! LinkedIn's "little text" format, which a post's `commentary` is written in.
//!
//! The characters in [`RESERVED`] are markup (mentions `@[Name](urn)`, hashtags, templates `{…|…}`).
//! To be plain text each must be preceded by a backslash. An unescaped one that does not start a valid
//! element makes LinkedIn cut the published text at that character, and the call still succeeds
//! ([DOC] Learn, "Little Text Format"; docs/linkedin-api-behaviour.md). So every write escapes, and
//! every read turns the markup back into the text a member sees.

/// The reserved characters: `| { } @ [ ] ( ) < > # \ * _ ~`.
pub const RESERVED: [char; 15] = ['|', '{', '}', '@', '[', ']', '(', ')', '<', '>', '#', '\\', '*', '_', '~'];

fn is_reserved(c: char) -> bool {
    RESERVED.contains(&c)
}

/// Plain text as little text: each reserved character backslash-escaped. What `commentary` must
/// carry on every write.
pub fn escape(plain: &str) -> String {
    let mut out = String::with_capacity(plain.len() + plain.len() / 8);
    for c in plain.chars() {
        if is_reserved(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Little text as the text a member reads: escapes removed, a mention `@[Name](urn:…)` shown as
/// `Name`, a hashtag template `{hashtag|\#|tag}` as `#tag`. Anything else unescaped is kept as it
/// stands (a reader is lenient: the post is already published).
pub fn to_plain(little: &str) -> String {
    let chars: Vec<char> = little.chars().collect();
    let mut out = String::with_capacity(little.len());
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' if i + 1 < chars.len() => {
                out.push(chars[i + 1]);
                i += 2;
            }
            '@' => match mention(&chars, i) {
                Some((name, next)) => {
                    out.push_str(&name);
                    i = next;
                }
                None => {
                    out.push('@');
                    i += 1;
                }
            },
            '{' => match hashtag_template(&chars, i) {
                Some((tag, next)) => {
                    out.push('#');
                    out.push_str(&tag);
                    i = next;
                }
                None => {
                    out.push('{');
                    i += 1;
                }
            },
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    out
}

/// The plain text LinkedIn publishes from `little`: [`to_plain`] of the part before the first
/// unescaped reserved character that starts no element (a mention, a hashtag `#word` or a hashtag
/// template). The sandbox applies it to every post it is sent, as LinkedIn does.
pub fn as_published(little: &str) -> String {
    let chars: Vec<char> = little.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += match c {
            '\\' if i + 1 < chars.len() => 2,
            '@' => match mention(&chars, i) {
                Some((_, next)) => next - i,
                None => break,
            },
            '{' => match hashtag_template(&chars, i) {
                Some((_, next)) => next - i,
                None => break,
            },
            '#' if chars.get(i + 1).is_some_and(|c| c.is_alphanumeric()) => {
                1 + chars[i + 1..].iter().take_while(|c| c.is_alphanumeric()).count()
            }
            c if is_reserved(c) => break,
            _ => 1,
        };
    }
    to_plain(&chars[..i.min(chars.len())].iter().collect::<String>())
}

/// `@[Name](urn:li:…)` at `at`: the name (unescaped) and the index after the `)`.
fn mention(chars: &[char], at: usize) -> Option<(String, usize)> {
    if chars.get(at + 1) != Some(&'[') {
        return None;
    }
    let (name, after_name) = until(chars, at + 2, ']')?;
    if chars.get(after_name) != Some(&'(') {
        return None;
    }
    let (urn, after_urn) = until(chars, after_name + 1, ')')?;
    urn.starts_with("urn:li:").then_some((name, after_urn))
}

/// `{hashtag|\#|tag}` at `at`: the tag and the index after the `}`.
fn hashtag_template(chars: &[char], at: usize) -> Option<(String, usize)> {
    let (inner, next) = until(chars, at + 1, '}')?;
    let tag = inner.strip_prefix("hashtag|#|")?;
    (!tag.is_empty()).then(|| (tag.to_string(), next))
}

/// The unescaped text from `from` up to the first unescaped `end`, and the index after it.
fn until(chars: &[char], from: usize, end: char) -> Option<(String, usize)> {
    let mut out = String::new();
    let mut i = from;
    while i < chars.len() {
        match chars[i] {
            '\\' if i + 1 < chars.len() => {
                out.push(chars[i + 1]);
                i += 2;
            }
            c if c == end => return Some((out, i + 1)),
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVERY_RESERVED: &str = r"Costs (really) down 30% | {new} @team [beta] <now> #1 \o/ *bold* snake_case ~ok";

    #[test]
    fn escape_puts_a_backslash_before_each_reserved_character_only() {
        assert_eq!(escape("a(b)#c"), r"a\(b\)\#c");
        assert_eq!(escape(r"x\y"), r"x\\y");
        assert_eq!(escape("Grow 30% faster. 📈 Éclair"), "Grow 30% faster. 📈 Éclair");
        let escaped = escape(EVERY_RESERVED);
        let reserved = EVERY_RESERVED.chars().filter(|c| is_reserved(*c)).count();
        assert_eq!(escaped.chars().count(), EVERY_RESERVED.chars().count() + reserved);
        assert!(RESERVED.iter().all(|c| EVERY_RESERVED.contains(*c)), "the sample holds every reserved character");
    }

    #[test]
    fn escaped_text_is_published_whole_and_read_back_as_written() {
        let little = escape(EVERY_RESERVED);
        assert_eq!(as_published(&little), EVERY_RESERVED);
        assert_eq!(to_plain(&little), EVERY_RESERVED);
    }

    #[test]
    fn raw_text_is_cut_at_the_first_reserved_character_as_linkedin_does() {
        assert_eq!(as_published("Costs down (really) today"), "Costs down ");
        assert_eq!(as_published("50% off | today"), "50% off ");
        assert_eq!(as_published("snake_case"), "snake");
        assert_eq!(as_published("trailing backslash \\"), "trailing backslash ");
    }

    #[test]
    fn mentions_and_hashtags_are_elements_not_truncation() {
        let little = r"Thanks @[Acme Corp](urn:li:organization:42) for #B2B and {hashtag|\#|growth}!";
        assert_eq!(as_published(little), "Thanks Acme Corp for #B2B and #growth!");
        assert_eq!(to_plain(little), "Thanks Acme Corp for #B2B and #growth!");
        assert_eq!(as_published("Call @me now"), "Call ");
        assert_eq!(to_plain("Call @me now"), "Call @me now");
    }
}
