//! cli-tool: summarize and filter a JSON array of records.

mod cli;
mod output;
mod records;

use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command};

const VERSION: &str = env!("CARGO_PKG_VERSION");

fn run(cli: Cli) -> Result<(), Box<dyn std::error::Error>> {
    match cli.command {
        Command::Summarize(args) => {
            let recs = records::load(&args.input)?;
            let summary = records::summarize(&recs, args.top)?;
            output::print(&summary, args.pretty)?;
        }
        Command::Filter(args) => {
            let recs = records::load(&args.input)?;
            let criteria = records::Criteria {
                category: args.category,
                tag: args.tag,
                min: args.min,
                max: args.max,
            };
            output::print(&records::filter(recs, &criteria), args.pretty)?;
        }
        Command::Version => println!("cli-tool {VERSION}"),
    }
    Ok(())
}

fn main() -> ExitCode {
    // clap exits with status 2 on a usage mistake, 0 for --help.
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("cli-tool: {err}");
            ExitCode::FAILURE
        }
    }
}
