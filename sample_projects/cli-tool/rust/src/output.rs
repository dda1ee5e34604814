//! Printing command results as JSON.

use std::io::{self, Write};

use serde::Serialize;

/// Write `value` as JSON and a newline: compact, or indented by two spaces
/// when `pretty`.
pub fn print<T: Serialize>(value: &T, pretty: bool) -> io::Result<()> {
    let text = if pretty {
        serde_json::to_string_pretty(value)
    } else {
        serde_json::to_string(value)
    }
    .map_err(io::Error::other)?;
    let mut out = io::stdout().lock();
    writeln!(out, "{text}")?;
    out.flush()
}
