//! Reading, summarizing and filtering JSON records. Every command of the
//! tool depends on this module.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::Read;

use serde::{Deserialize, Serialize};

/// One element of the input array.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Record {
    pub name: String,
    pub category: String,
    pub value: i64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
}

/// The input form of a record: missing and `null` fields read as empty.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RawRecord {
    name: Option<String>,
    category: Option<String>,
    value: Option<i64>,
    tags: Option<Vec<String>>,
}

#[derive(Debug)]
pub enum Error {
    Read(String, std::io::Error),
    Parse(String, String),
    Overflow,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Read(path, err) => write!(f, "read {path}: {err}"),
            Error::Parse(path, msg) => write!(f, "parse {path}: {msg}"),
            Error::Overflow => write!(f, "sum of values overflows a 64-bit integer"),
        }
    }
}

impl std::error::Error for Error {}

const NOT_ARRAY: &str = "input must be a JSON array of objects";

/// Read records from `path`, or from stdin when `path` is "-".
pub fn load(path: &str) -> Result<Vec<Record>, Error> {
    let mut data = Vec::new();
    let read = if path == "-" {
        std::io::stdin().read_to_end(&mut data).map(|_| ())
    } else {
        std::fs::read(path).map(|bytes| data = bytes)
    };
    read.map_err(|err| Error::Read(path.to_string(), err))?;
    parse(&data).map_err(|msg| Error::Parse(path.to_string(), msg))
}

/// Decode a JSON array of record objects.
pub fn parse(data: &[u8]) -> Result<Vec<Record>, String> {
    // Decode in two steps: serde would also accept a JSON array for a struct.
    let items: Vec<serde_json::Value> = serde_json::from_slice(data).map_err(|e| e.to_string())?;
    let mut records = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        if !item.is_object() {
            return Err(format!("record {i}: {NOT_ARRAY}"));
        }
        let raw: RawRecord =
            serde_json::from_value(item).map_err(|e| format!("record {i}: {e}"))?;
        records.push(Record {
            name: raw.name.unwrap_or_default(),
            category: raw.category.unwrap_or_default(),
            value: raw.value.unwrap_or_default(),
            tags: raw.tags.unwrap_or_default(),
        });
    }
    Ok(records)
}

/// How often one tag occurs.
#[derive(Debug, PartialEq, Eq, Serialize)]
pub struct TagCount {
    pub tag: String,
    pub count: u64,
}

/// The output of `summarize`. `min`, `max` and `median` are null for no records.
#[derive(Debug, Serialize)]
pub struct Summary {
    pub count: u64,
    pub sum: i64,
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub median: Option<i64>,
    pub categories: BTreeMap<String, u64>,
    pub top_tags: Vec<TagCount>,
}

/// Statistics over `records`; `top` limits `top_tags` (0 keeps all).
pub fn summarize(records: &[Record], top: usize) -> Result<Summary, Error> {
    let mut sum: i64 = 0;
    let mut values = Vec::with_capacity(records.len());
    let mut categories = BTreeMap::new();
    let mut tags: HashMap<&str, u64> = HashMap::new();
    for r in records {
        sum = sum.checked_add(r.value).ok_or(Error::Overflow)?;
        values.push(r.value);
        *categories.entry(r.category.clone()).or_insert(0) += 1;
        for t in &r.tags {
            *tags.entry(t.as_str()).or_insert(0) += 1;
        }
    }
    values.sort_unstable();
    let mut top_tags: Vec<TagCount> = tags
        .into_iter()
        .map(|(tag, count)| TagCount {
            tag: tag.to_string(),
            count,
        })
        .collect();
    top_tags.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.tag.cmp(&b.tag)));
    if top > 0 {
        top_tags.truncate(top);
    }
    Ok(Summary {
        count: records.len() as u64,
        sum,
        min: values.first().copied(),
        max: values.last().copied(),
        median: values.get(values.len().wrapping_sub(1) / 2).copied(),
        categories,
        top_tags,
    })
}

/// Selects records; `None` fields match everything.
#[derive(Debug, Default)]
pub struct Criteria {
    pub category: Option<String>,
    pub tag: Option<String>,
    pub min: Option<i64>,
    pub max: Option<i64>,
}

impl Criteria {
    /// Whether `r` meets every criterion; an empty category or tag matches all.
    pub fn matches(&self, r: &Record) -> bool {
        if let Some(category) = self.category.as_deref() {
            if !category.is_empty() && r.category != category {
                return false;
            }
        }
        if let Some(min) = self.min {
            if r.value < min {
                return false;
            }
        }
        if let Some(max) = self.max {
            if r.value > max {
                return false;
            }
        }
        if let Some(tag) = self.tag.as_deref() {
            if !tag.is_empty() && !r.tags.iter().any(|t| t == tag) {
                return false;
            }
        }
        true
    }
}

/// The records that match `criteria`, in input order.
pub fn filter(records: Vec<Record>, criteria: &Criteria) -> Vec<Record> {
    records
        .into_iter()
        .filter(|r| criteria.matches(r))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summarize_small_input() {
        let recs = parse(
            br#"[{"name":"a","category":"x","value":3,"tags":["t"]},
                {"name":"b","category":"y","value":-1},
                {"name":"c","category":"x","value":10,"tags":["t","u"]}]"#,
        )
        .unwrap();
        let s = summarize(&recs, 1).unwrap();
        assert_eq!(
            (s.count, s.sum, s.min, s.max, s.median),
            (3, 12, Some(-1), Some(10), Some(3))
        );
        assert_eq!(
            s.top_tags,
            vec![TagCount {
                tag: "t".into(),
                count: 2
            }]
        );
    }

    #[test]
    fn parse_rejects_non_arrays() {
        for input in ["null", "{}", "[[1]]", "[1]"] {
            assert!(parse(input.as_bytes()).is_err(), "{input}");
        }
    }
}
