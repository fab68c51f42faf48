//! Feature rows from a CSV file with a header, for `linkedin-ads predict`: the model's features are
//! picked by column name (other columns, such as ids and targets, are ignored), so a training set or
//! a user's own export can be scored as is.

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CsvError {
    #[error("the CSV has no header row")]
    Empty,
    #[error("the CSV has no column {missing:?} that the model needs (it has {found:?})")]
    MissingColumns { missing: Vec<String>, found: Vec<String> },
    #[error("line {line}: {message}")]
    Line { line: usize, message: String },
}

/// Splits one CSV record (RFC 4180: quoted fields, doubled quotes inside them).
fn fields(line: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', false) if field.is_empty() => quoted = true,
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            ('"', true) => quoted = false,
            (',', false) => out.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    if quoted {
        return Err("unterminated quoted field (a field with a line break inside is not supported)".into());
    }
    out.push(field);
    Ok(out)
}

/// The rows of `text`, each holding `features` in order.
pub fn feature_rows(text: &str, features: &[String]) -> Result<Vec<Vec<f64>>, CsvError> {
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    let (_, header) = lines.next().ok_or(CsvError::Empty)?;
    let header =
        fields(header.trim_start_matches('\u{feff}')).map_err(|message| CsvError::Line { line: 1, message })?;
    let header: Vec<String> = header.iter().map(|h| h.trim().to_string()).collect();
    let missing: Vec<String> = features.iter().filter(|f| !header.contains(f)).cloned().collect();
    if !missing.is_empty() {
        return Err(CsvError::MissingColumns { missing, found: header });
    }
    let index: Vec<usize> = features.iter().map(|f| header.iter().position(|h| h == f).expect("checked")).collect();
    lines
        .map(|(i, line)| {
            let err = |message: String| CsvError::Line { line: i + 1, message };
            let cells = fields(line).map_err(err)?;
            if cells.len() != header.len() {
                return Err(err(format!("{} fields, the header has {}", cells.len(), header.len())));
            }
            index
                .iter()
                .map(|&c| {
                    let cell = cells[c].trim();
                    // scikit-learn's gradient boosting refuses NaN too: a missing value is an error, never a guess.
                    cell.parse::<f64>()
                        .ok()
                        .filter(|v| v.is_finite())
                        .ok_or_else(|| err(format!("column {} is '{cell}', not a finite number", header[c])))
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn columns_are_picked_by_name_and_bad_cells_are_named() {
        let csv = "id,b,\"a\",target\n1,0.5,2,9\n\"x,y\",1e-3,-4,0\n";
        assert_eq!(feature_rows(csv, &names(&["a", "b"])).unwrap(), vec![vec![2.0, 0.5], vec![-4.0, 0.001]]);
        assert_eq!(
            feature_rows(csv, &names(&["a", "c"])).unwrap_err(),
            CsvError::MissingColumns { missing: names(&["c"]), found: names(&["id", "b", "a", "target"]) }
        );
        let err = feature_rows("a,b\n1,2\n3,oops\n", &names(&["a", "b"])).unwrap_err().to_string();
        assert_eq!(err, "line 3: column b is 'oops', not a finite number");
        assert!(feature_rows("a\nNaN\n", &names(&["a"])).unwrap_err().to_string().contains("'NaN'"));
        assert!(
            feature_rows("a,b\n1\n", &names(&["a"])).unwrap_err().to_string().contains("1 fields, the header has 2")
        );
        assert_eq!(feature_rows("", &names(&["a"])).unwrap_err(), CsvError::Empty);
    }
}
