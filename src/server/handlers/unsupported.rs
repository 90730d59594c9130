//! Contract operations that need an agent runtime: refused with 501, after the usual auth
//! checks and, where there is a body, after refusing keys its schema does not declare.

use super::refuse_undeclared;
use crate::api::model::{CONFIRMATION_REQUEST, DETECT_INTENT_REQUEST, SEND_MESSAGE_REQUEST};
use crate::server::auth::Tenant;
use crate::server::error::ApiFailure;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;

pub(crate) async fn send_message(
    _tenant: Tenant,
    body: Result<Bytes, BytesRejection>,
) -> ApiFailure {
    match refuse_undeclared(body, &SEND_MESSAGE_REQUEST) {
        Err(refused) => refused,
        Ok(()) => ApiFailure::not_implemented("Sending messages to an agent"),
    }
}

pub(crate) async fn respond_to_confirmation(
    _tenant: Tenant,
    body: Result<Bytes, BytesRejection>,
) -> ApiFailure {
    match refuse_undeclared(body, &CONFIRMATION_REQUEST) {
        Err(refused) => refused,
        Ok(()) => ApiFailure::not_implemented("Answering tool confirmations"),
    }
}

pub(crate) async fn list_tools(_tenant: Tenant) -> ApiFailure {
    ApiFailure::not_implemented("Listing agent tools")
}

pub(crate) async fn detect_intent(
    _tenant: Tenant,
    body: Result<Bytes, BytesRejection>,
) -> ApiFailure {
    match refuse_undeclared(body, &DETECT_INTENT_REQUEST) {
        Err(refused) => refused,
        Ok(()) => ApiFailure::not_implemented("Intent detection"),
    }
}
