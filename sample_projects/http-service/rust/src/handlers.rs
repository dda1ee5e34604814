//! Routes and request handlers.

use actix_web::{http::StatusCode, web, HttpRequest, HttpResponse};

use crate::errors::ApiError;
use crate::models::{self, CreateUserRequest, Health, UserList};
use crate::stats;
use crate::store::{Store, StoreError};

/// Largest accepted request body.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
const DEFAULT_LIMIT: u64 = 10;
const MAX_LIMIT: u64 = 100;
const DEFAULT_STATS_N: u64 = 100;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/health")
            .route(web::get().to(health))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/users")
            .route(web::get().to(list_users))
            .route(web::post().to(create_user))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/users/{id}")
            .route(web::get().to(get_user))
            .default_service(web::to(method_not_allowed)),
    )
    .service(
        web::resource("/stats")
            .route(web::get().to(get_stats))
            .default_service(web::to(method_not_allowed)),
    );
}

pub async fn not_found() -> Result<HttpResponse, ApiError> {
    Err(ApiError::not_found("not found"))
}

async fn method_not_allowed() -> Result<HttpResponse, ApiError> {
    Err(ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method not allowed",
    ))
}

async fn health() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok" })
}

async fn get_user(
    store: web::Data<Store>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_uint(&id).ok_or_else(|| ApiError::bad_request("invalid user id"))?;
    match store.get(id) {
        Some(user) => Ok(HttpResponse::Ok().json(user)),
        None => Err(ApiError::not_found("user not found")),
    }
}

async fn list_users(store: web::Data<Store>, req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let query = Query::parse(req.query_string());
    let limit = match query.get("limit") {
        None => DEFAULT_LIMIT,
        Some(s) => parse_uint(s)
            .filter(|v| (1..=MAX_LIMIT).contains(v))
            .ok_or_else(|| ApiError::bad_request("limit must be an integer between 1 and 100"))?,
    };
    let offset = match query.get("offset") {
        None => 0,
        Some(s) => parse_uint(s)
            .ok_or_else(|| ApiError::bad_request("offset must be a non-negative integer"))?,
    };
    let (users, total) = store.list(offset, limit);
    Ok(HttpResponse::Ok().json(UserList {
        users,
        total,
        limit,
        offset,
    }))
}

async fn create_user(
    store: web::Data<Store>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    // The outer result is the size check, the inner one the stream itself.
    let body = match payload.to_bytes_limited(MAX_BODY_BYTES).await {
        Ok(Ok(body)) => body,
        Ok(Err(_)) => return Err(ApiError::bad_request("could not read request body")),
        Err(_) => {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "request body too large",
            ))
        }
    };
    // Decode in two steps so that only a JSON object is accepted (serde would
    // also take a JSON array for a struct) and a repeated key keeps its last value.
    let value: serde_json::Value =
        serde_json::from_slice(&body).map_err(|_| ApiError::bad_request("invalid JSON body"))?;
    if !value.is_object() {
        return Err(ApiError::bad_request("invalid JSON body"));
    }
    let req: CreateUserRequest =
        serde_json::from_value(value).map_err(|_| ApiError::bad_request("invalid JSON body"))?;
    let new = models::validate(req).map_err(ApiError::unprocessable)?;
    match store.create(new) {
        Ok(user) => Ok(HttpResponse::Created().json(user)),
        Err(StoreError::EmailTaken) => {
            Err(ApiError::new(StatusCode::CONFLICT, "email already exists"))
        }
    }
}

async fn get_stats(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    let query = Query::parse(req.query_string());
    let n = match query.get("n") {
        None => DEFAULT_STATS_N,
        Some(s) => parse_uint(s)
            .filter(|v| (1..=stats::MAX_N).contains(v))
            .ok_or_else(|| {
                ApiError::bad_request(format!(
                    "n must be an integer between 1 and {}",
                    stats::MAX_N
                ))
            })?,
    };
    let report = web::block(move || stats::compute(n))
        .await
        .map_err(|_| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error"))?;
    Ok(HttpResponse::Ok().json(report))
}

/// A decimal of 1 to 18 ASCII digits: no sign, no spaces, cannot overflow.
fn parse_uint(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 18 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Decoded query pairs, in order.
struct Query(Vec<(String, String)>);

impl Query {
    fn parse(raw: &str) -> Query {
        Query(
            web::Query::<Vec<(String, String)>>::from_query(raw)
                .map(|q| q.into_inner())
                .unwrap_or_default(),
        )
    }

    /// The first value for `key`; an empty value counts as absent.
    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_uint_is_strict() {
        assert_eq!(parse_uint("42"), Some(42));
        assert_eq!(parse_uint("+42"), None);
        assert_eq!(parse_uint(""), None);
        assert_eq!(parse_uint("1234567890123456789"), None);
    }

    #[actix_web::test]
    async fn oversized_bodies_are_refused() {
        use actix_web::{test, App};
        let store = web::Data::new(Store::seeded(2));
        let app = test::init_service(App::new().app_data(store).configure(routes)).await;
        let req = test::TestRequest::post()
            .uri("/users")
            .set_payload(vec![b' '; MAX_BODY_BYTES + 1])
            .to_request();
        let resp = test::call_service(&app, req).await;
        assert_eq!(resp.status(), StatusCode::PAYLOAD_TOO_LARGE);
        let body = test::read_body(resp).await;
        assert_eq!(&body[..], br#"{"error":"request body too large"}"#);
    }
}
