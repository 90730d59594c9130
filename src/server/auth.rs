//! `Authorization: Bearer <key>` and `X-Namespace` -> the tenant a request acts for, as an extractor.

use super::AppState;
use super::error::ApiFailure;
use super::store::{self, NamespaceRow};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

pub(crate) type KeyHash = [u8; 32];

/// Keys are stored and looked up only by this digest.
pub(crate) fn hash_key(key: &str) -> KeyHash {
    Sha256::digest(key.as_bytes()).into()
}

/// Lookups that succeeded, so a busy client does not hit the database for its key and
/// namespace on every request. Only hits are kept: keys and namespaces are never deleted,
/// and a key or namespace created later (by `keys create`) is found on its first use.
#[derive(Default)]
pub(crate) struct AuthCache {
    keys: RwLock<HashMap<KeyHash, i64>>,
    namespaces: RwLock<HashMap<(i64, String), Arc<NamespaceRow>>>,
}

/// The namespace a request acts in, after its key and namespace were checked.
#[derive(Debug, Clone)]
pub(crate) struct Tenant {
    pub ns: Arc<NamespaceRow>,
}

/// The one value of `name`; a header given twice is refused, since which one the client
/// meant cannot be known and taking either could act on the wrong key or namespace.
fn single<'h>(headers: &'h HeaderMap, name: &str) -> Result<Option<&'h HeaderValue>, ApiFailure> {
    let mut values = headers.get_all(name).iter();
    let first = values.next();
    if values.next().is_some() {
        return Err(ApiFailure::bad_request(format!(
            "The {name} header was sent more than once; send it exactly once."
        ))
        .with_details(json!({ "header": name })));
    }
    Ok(first)
}

fn bearer(headers: &HeaderMap) -> Result<&str, ApiFailure> {
    let value = single(headers, "authorization")?.ok_or_else(|| {
        ApiFailure::unauthorized("Missing API key: send the header Authorization: Bearer <api key>")
    })?;
    let text = value
        .to_str()
        .map_err(|_| ApiFailure::unauthorized("Invalid API key"))?;
    let (scheme, key) = text.trim().split_once(' ').unwrap_or((text, ""));
    let key = key.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || key.is_empty() {
        return Err(ApiFailure::unauthorized(
            "Malformed Authorization header: send Authorization: Bearer <api key>",
        ));
    }
    Ok(key)
}

/// The namespace asked for: missing, unreadable (bytes outside visible ASCII) and empty
/// each get their own sentence.
fn namespace(headers: &HeaderMap) -> Result<String, ApiFailure> {
    let missing = || {
        ApiFailure::bad_request("Missing X-Namespace header: send the namespace name or its ns_ id")
    };
    let value = single(headers, "x-namespace")?.ok_or_else(missing)?;
    let text = value.to_str().map_err(|_| {
        ApiFailure::bad_request(
            "The X-Namespace header is not readable: it holds characters outside visible ASCII. Namespace names use letters, digits, '-', '_' and '.'; send the name or its ns_ id.",
        )
    })?;
    let text = text.trim();
    if text.is_empty() {
        return Err(missing());
    }
    Ok(text.to_string())
}

impl FromRequestParts<AppState> for Tenant {
    type Rejection = ApiFailure;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, ApiFailure> {
        // The order is the contract's: a bad key is 401 before a missing namespace is 400.
        // A repeated X-Namespace is refused first, like a repeated Authorization: the
        // request is ambiguous, whatever its key.
        single(&parts.headers, "x-namespace")?;
        let hash = hash_key(bearer(&parts.headers)?);
        let cached_org = app
            .auth
            .keys
            .read()
            .ok()
            .and_then(|m| m.get(&hash).copied());
        let org = match cached_org {
            Some(org) => org,
            None => {
                let org = app
                    .db
                    .read(move |conn| store::find_key_org(conn, &hash))
                    .await?
                    .ok_or_else(|| ApiFailure::unauthorized("Invalid API key"))?;
                if let Ok(mut m) = app.auth.keys.write() {
                    m.insert(hash, org);
                }
                org
            }
        };

        let namespace = namespace(&parts.headers)?;
        let cache_key = (org, namespace);
        let cached_ns = app
            .auth
            .namespaces
            .read()
            .ok()
            .and_then(|m| m.get(&cache_key).cloned());
        if let Some(ns) = cached_ns {
            return Ok(Tenant { ns });
        }
        let wanted = cache_key.1.clone();
        let found = app
            .db
            .read(move |conn| store::find_namespace(conn, org, &wanted))
            .await?;
        // Another organisation's namespace gets the same answer as a missing one.
        let ns = Arc::new(found.ok_or_else(|| {
            ApiFailure::new(
                axum::http::StatusCode::NOT_FOUND,
                "NotFoundError",
                "Namespace not found",
            )
            .with_details(json!({ "resource": "namespace", "id": cache_key.1 }))
        })?);
        if let Ok(mut m) = app.auth.namespaces.write() {
            m.insert(cache_key, ns.clone());
        }
        Ok(Tenant { ns })
    }
}
