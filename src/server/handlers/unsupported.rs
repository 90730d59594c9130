//! Contract operations that need an agent runtime: refused with 501, after the usual auth checks.

use crate::server::auth::Tenant;
use crate::server::error::ApiFailure;

pub(crate) async fn send_message(_tenant: Tenant) -> ApiFailure {
    ApiFailure::not_implemented("Sending messages to an agent")
}

pub(crate) async fn respond_to_confirmation(_tenant: Tenant) -> ApiFailure {
    ApiFailure::not_implemented("Answering tool confirmations")
}

pub(crate) async fn patch_session(_tenant: Tenant) -> ApiFailure {
    ApiFailure::not_implemented("Updating a session's user memory")
}

pub(crate) async fn list_tools(_tenant: Tenant) -> ApiFailure {
    ApiFailure::not_implemented("Listing agent tools")
}

pub(crate) async fn detect_intent(_tenant: Tenant) -> ApiFailure {
    ApiFailure::not_implemented("Intent detection")
}
