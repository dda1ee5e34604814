//! http-service: a small JSON-over-HTTP API.
//!
//! Usage: http-service [--addr HOST:PORT]   (default 127.0.0.1:8080)

mod errors;
mod handlers;
mod models;
mod stats;
mod store;

use actix_web::{web, App, HttpServer};

const DEFAULT_ADDR: &str = "127.0.0.1:8080";
const USAGE: &str = "usage: http-service [--addr HOST:PORT]";

/// The listen address from `--addr HOST:PORT` or `--addr=HOST:PORT`.
fn parse_args(args: impl IntoIterator<Item = String>) -> Result<String, String> {
    let mut addr = DEFAULT_ADDR.to_string();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" | "-help" => return Err(USAGE.to_string()),
            "--addr" | "-addr" => {
                addr = args
                    .next()
                    .ok_or_else(|| format!("flag needs an argument: {arg}"))?;
            }
            other => match other
                .strip_prefix("--addr=")
                .or_else(|| other.strip_prefix("-addr="))
            {
                Some(value) => addr = value.to_string(),
                None => return Err(format!("unknown argument: {other}\n{USAGE}")),
            },
        }
    }
    Ok(addr)
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let addr = match parse_args(std::env::args().skip(1)) {
        Ok(addr) => addr,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    let store = web::Data::new(store::Store::seeded(models::SEED_USERS));
    let server = HttpServer::new(move || {
        App::new()
            .app_data(store.clone())
            .configure(handlers::routes)
            .default_service(web::to(handlers::not_found))
    })
    .workers(2)
    .shutdown_timeout(5)
    .bind(&addr)?;
    for bound in server.addrs() {
        println!("listening on http://{bound}");
    }
    server.run().await
}
