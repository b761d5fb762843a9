//! Reading a JSON request body into the services' [`Input`], with every failure a 4xx in
//! the error envelope.

use app::error::AppError;
use app::input::Input;
use app::listing::ListQuery;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};

/// A request body that must be a JSON object. An empty body reads as `{}`, so a client
/// that sends nothing learns which fields are required.
pub struct JsonInput(pub Input);

impl<S: Send + Sync> FromRequest<S> for JsonInput {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap_or("").to_owned());
        let bytes = Bytes::from_request(req, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                AppError::PayloadTooLarge
            } else {
                AppError::BadRequest("The request body could not be read.".into())
            }
        })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Input::from_json(serde_json::Value::Object(Default::default())).map(JsonInput);
        }
        match content_type.as_deref() {
            Some(ct) if is_json(ct) => {}
            Some(ct) => {
                return Err(AppError::BadRequest(format!(
                    "Unsupported media type \"{ct}\" in request. Send JSON with Content-Type: application/json."
                )));
            }
            None => {
                return Err(AppError::BadRequest(
                    "Missing Content-Type. Send JSON with Content-Type: application/json.".into(),
                ));
            }
        }
        let value: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| AppError::BadRequest(format!("JSON parse error - {e}")))?;
        Input::from_json(value).map(JsonInput)
    }
}

fn is_json(content_type: &str) -> bool {
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

/// A list request's typed query (`PatientQuery`, …), read from the query string by the
/// list's own parser. Undecodable text is a 400; so is a bad parameter.
pub struct Listed<Q>(pub Q);

impl<S: Send + Sync, Q: ListQuery> axum::extract::FromRequestParts<S> for Listed<Q> {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query)
            .map_err(|_| AppError::BadRequest("The query string could not be read.".into()))?;
        Q::parse(&pairs.into_iter().collect()).map(Listed)
    }
}

/// An object id from the path. Anything but a positive integer names no object: 404.
pub struct ObjectId(pub i64);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ObjectId {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(raw) =
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .map_err(|_| AppError::NotFound("Not found.".into()))?;
        raw.parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .map(ObjectId)
            .ok_or_else(|| AppError::NotFound("Not found.".into()))
    }
}
