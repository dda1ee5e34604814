//! The command line, declared with clap's derive API.

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "cli-tool",
    about = "Summarize and filter a JSON array of records"
)]
#[command(arg_required_else_help = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print statistics about the records as JSON
    Summarize(SummarizeArgs),
    /// Print the records that match every given criterion, as a JSON array
    Filter(FilterArgs),
    /// Print the version
    Version,
}

#[derive(Debug, Args)]
pub struct SummarizeArgs {
    /// JSON file to read (- for stdin)
    #[arg(short, long, value_name = "FILE", default_value = "-")]
    pub input: String,
    /// How many of the most frequent tags to list (0 for all)
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub top: usize,
    /// Indent the JSON output
    #[arg(long)]
    pub pretty: bool,
}

#[derive(Debug, Args)]
pub struct FilterArgs {
    /// JSON file to read (- for stdin)
    #[arg(short, long, value_name = "FILE", default_value = "-")]
    pub input: String,
    /// Keep records in this category
    #[arg(short, long)]
    pub category: Option<String>,
    /// Keep records with this tag
    #[arg(short, long)]
    pub tag: Option<String>,
    /// Keep records with value >= N
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub min: Option<i64>,
    /// Keep records with value <= N
    #[arg(long, value_name = "N", allow_negative_numbers = true)]
    pub max: Option<i64>,
    /// Indent the JSON output
    #[arg(long)]
    pub pretty: bool,
}
