//! Serde types named after the OpenAPI schemas; the one place HTTP bodies are defined.
//!
//! Client and server share these. Unknown fields are ignored, optional fields are
//! `Option`, and timestamps stay RFC 3339 strings so a format the hosted API
//! chooses never fails a whole response.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;

/// `SessionStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SessionStatus {
    Active,
    Idle,
    Archived,
    Terminated,
}

impl SessionStatus {
    pub const ALL: [SessionStatus; 4] = [
        SessionStatus::Active,
        SessionStatus::Idle,
        SessionStatus::Archived,
        SessionStatus::Terminated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SessionStatus::Active => "active",
            SessionStatus::Idle => "idle",
            SessionStatus::Archived => "archived",
            SessionStatus::Terminated => "terminated",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

impl fmt::Display for SessionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A feedback rating. The contract types it as a string; only these two values are valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Rating {
    Positive,
    Negative,
}

impl Rating {
    pub fn as_str(self) -> &'static str {
        match self {
            Rating::Positive => "positive",
            Rating::Negative => "negative",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "positive" => Some(Rating::Positive),
            "negative" => Some(Rating::Negative),
            _ => None,
        }
    }
}

impl fmt::Display for Rating {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

fn default_model() -> String {
    "gemini-2.0-flash".to_string()
}
fn default_temperature() -> f64 {
    0.7
}
fn default_max_tokens() -> u32 {
    4096
}
fn default_system_prompt() -> String {
    "You are a helpful AI assistant with access to Mixpeek's data infrastructure.".to_string()
}
fn default_true() -> bool {
    true
}

/// `AgentConfig`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentConfig {
    #[serde(default = "default_model")]
    pub model: String,
    #[serde(default = "default_temperature")]
    pub temperature: f64,
    #[serde(default = "default_max_tokens")]
    pub max_tokens: u32,
    #[serde(default = "default_system_prompt")]
    pub system_prompt: String,
    #[serde(default)]
    pub available_tools: Vec<String>,
}

impl Default for AgentConfig {
    fn default() -> Self {
        AgentConfig {
            model: default_model(),
            temperature: default_temperature(),
            max_tokens: default_max_tokens(),
            system_prompt: default_system_prompt(),
            available_tools: Vec::new(),
        }
    }
}

/// `SessionStats`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SessionStats {
    #[serde(default)]
    pub total_messages: u64,
    #[serde(default)]
    pub total_tokens: u64,
    #[serde(default)]
    pub total_tool_calls: u64,
    #[serde(default)]
    pub avg_latency_ms: f64,
}

/// `SessionQuotas`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SessionQuotas {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_messages: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tokens_total: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_tool_calls: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_session_duration_minutes: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit_messages_per_minute: Option<u64>,
}

/// `GetSessionResponse`; also each item of `ListSessionsResponse.results`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GetSessionResponse {
    pub session_id: String,
    pub namespace_id: String,
    pub internal_id: String,
    #[serde(default)]
    pub user_id: Option<String>,
    #[serde(default)]
    pub session_name: Option<String>,
    #[serde(default)]
    pub agent_config: AgentConfig,
    #[serde(default)]
    pub user_memory: Map<String, Value>,
    pub status: SessionStatus,
    #[serde(default)]
    pub message_count: u64,
    #[serde(default)]
    pub stats: SessionStats,
    pub created_at: String,
    pub updated_at: String,
    pub last_activity_at: String,
    pub expires_at: String,
    /// Local extension, absent from the hosted API: what a reviewer needs in the list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<ReviewStats>,
}

/// Local extension carried on sessions by verdict's server: how much of a session is rated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewStats {
    /// Assistant messages in the session.
    pub assistant_messages: u64,
    /// Assistant messages with at least one recorded rating.
    pub rated_messages: u64,
}

/// `ListSessionsRequest` (the body of `POST /v1/agents/sessions/list`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ListSessionsRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<SessionStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filters: Option<Map<String, Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort: Option<Map<String, Value>>,
}

/// `ListSessionsResponse`. `pagination` is free-form: clients never read its keys.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListSessionsResponse {
    pub results: Vec<GetSessionResponse>,
    #[serde(default)]
    pub total: u64,
    #[serde(default)]
    pub pagination: Map<String, Value>,
}

/// `MessageHistoryItem`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessageHistoryItem {
    pub message_id: String,
    pub role: String,
    pub content: String,
    #[serde(default = "default_content_type")]
    pub content_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_inputs: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_outputs: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_status: Option<String>,
    pub timestamp: String,
}

fn default_content_type() -> String {
    "text".to_string()
}

impl MessageHistoryItem {
    pub fn is_assistant(&self) -> bool {
        self.role == "assistant"
    }
    pub fn is_user(&self) -> bool {
        self.role == "user"
    }
    pub fn is_tool(&self) -> bool {
        self.role == "tool" || self.tool_name.is_some()
    }
}

/// `GetHistoryResponse`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GetHistoryResponse {
    pub session_id: String,
    pub messages: Vec<MessageHistoryItem>,
    pub total_messages: u64,
    pub returned_messages: u64,
    pub has_more: bool,
}

/// `SubmitFeedbackRequest`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubmitFeedbackRequest {
    pub message_id: String,
    pub rating: Rating,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feedback_text: Option<String>,
}

/// `SubmitFeedbackResponse`: the receipt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubmitFeedbackResponse {
    pub session_id: String,
    pub message_id: String,
    pub rating: Rating,
    pub stored: bool,
    pub recorded_at: String,
}

/// `CreateSessionRequest`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CreateSessionRequest {
    pub agent_config: AgentConfig,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quotas: Option<SessionQuotas>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(default)]
    pub user_memory: Map<String, Value>,
    #[serde(default)]
    pub metadata: Map<String, Value>,
    #[serde(default = "default_true")]
    pub enable_memory: bool,
}

/// `PatchSessionRequest`: the session's new user memory, which replaces the old.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PatchSessionRequest {
    pub user_memory: Map<String, Value>,
}

/// `PatchSessionResponse`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatchSessionResponse {
    pub session_id: String,
    pub updated_at: String,
}

/// `CreateSessionResponse`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreateSessionResponse {
    pub session_id: String,
    pub namespace_id: String,
    pub internal_id: String,
    #[serde(default)]
    pub session_name: Option<String>,
    pub status: SessionStatus,
    pub created_at: String,
    pub expires_at: String,
}

/// `TerminateSessionResponse`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TerminateSessionResponse {
    pub session_id: String,
    pub status: SessionStatus,
    pub terminated_at: String,
}

/// `ErrorDetail`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorDetail {
    pub message: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<Value>,
}

/// `ErrorResponse`: every error except request validation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorResponse {
    #[serde(default)]
    pub success: bool,
    pub status: u16,
    pub error: ErrorDetail,
}

/// `ValidationError`, with pydantic v2's `input` (what was refused) and `ctx` (the
/// rule's parameters, e.g. the keys a body accepts) when there are any.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidationError {
    pub loc: Vec<Value>,
    pub msg: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ctx: Option<Value>,
}

/// `HTTPValidationError`: the 422 body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HttpValidationError {
    #[serde(default)]
    pub detail: Vec<ValidationError>,
}

/// A request body schema of the contract and the keys it declares, in the contract's
/// order. Since 2026-11-02 the hosted API refuses any other key with 422
/// `extra_forbidden` naming these (docs/hosted-api.md); the local server does the same,
/// and a test holds these lists to the vendored contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeclaredKeys {
    /// The schema's name in the contract.
    pub schema: &'static str,
    pub keys: &'static [&'static str],
}

impl DeclaredKeys {
    pub fn declares(&self, key: &str) -> bool {
        self.keys.contains(&key)
    }
}

pub const LIST_SESSIONS_REQUEST: DeclaredKeys = DeclaredKeys {
    schema: "ListSessionsRequest",
    keys: &["status", "filters", "sort"],
};
pub const SUBMIT_FEEDBACK_REQUEST: DeclaredKeys = DeclaredKeys {
    schema: "SubmitFeedbackRequest",
    keys: &["message_id", "rating", "feedback_text"],
};
pub const CREATE_SESSION_REQUEST: DeclaredKeys = DeclaredKeys {
    schema: "CreateSessionRequest",
    keys: &[
        "agent_config",
        "quotas",
        "user_id",
        "user_memory",
        "metadata",
        "enable_memory",
    ],
};
pub const AGENT_CONFIG: DeclaredKeys = DeclaredKeys {
    schema: "AgentConfig",
    keys: &[
        "model",
        "temperature",
        "max_tokens",
        "system_prompt",
        "available_tools",
    ],
};
pub const SESSION_QUOTAS: DeclaredKeys = DeclaredKeys {
    schema: "SessionQuotas",
    keys: &[
        "max_messages",
        "max_tokens_total",
        "max_tool_calls",
        "max_session_duration_minutes",
        "rate_limit_messages_per_minute",
    ],
};
pub const PATCH_SESSION_REQUEST: DeclaredKeys = DeclaredKeys {
    schema: "PatchSessionRequest",
    keys: &["user_memory"],
};
pub const SEND_MESSAGE_REQUEST: DeclaredKeys = DeclaredKeys {
    schema: "SendMessageRequest",
    keys: &["content", "metadata", "stream"],
};
pub const CONFIRMATION_REQUEST: DeclaredKeys = DeclaredKeys {
    schema: "ConfirmationRequest",
    keys: &["approved"],
};
pub const DETECT_INTENT_REQUEST: DeclaredKeys = DeclaredKeys {
    schema: "DetectIntentRequest",
    keys: &["user_request", "include_collection_analysis"],
};

/// Every schema a request body of the agents paths is made of, free-form parts aside.
pub const REQUEST_BODY_SCHEMAS: [DeclaredKeys; 9] = [
    LIST_SESSIONS_REQUEST,
    SUBMIT_FEEDBACK_REQUEST,
    CREATE_SESSION_REQUEST,
    AGENT_CONFIG,
    SESSION_QUOTAS,
    PATCH_SESSION_REQUEST,
    SEND_MESSAGE_REQUEST,
    CONFIRMATION_REQUEST,
    DETECT_INTENT_REQUEST,
];

// ---- Local extensions (not in Mixpeek's public API) ----

/// One recorded feedback submission, as `GET .../sessions/{id}/feedback` lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedbackRecord {
    pub feedback_id: String,
    pub session_id: String,
    pub message_id: String,
    pub rating: Rating,
    #[serde(default)]
    pub feedback_text: Option<String>,
    pub stored: bool,
    pub recorded_at: String,
}

/// `GET .../sessions/{id}/feedback`: every rating recorded, latest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListFeedbackResponse {
    pub session_id: String,
    pub feedback: Vec<FeedbackRecord>,
}

/// One page of `GET .../sessions/{id}/feedback?limit=&offset=`: ratings latest first,
/// paged like history. A server without paging sends every rating and no `has_more`,
/// which reads as the last page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedbackPage {
    pub session_id: String,
    pub feedback: Vec<FeedbackRecord>,
    /// Ratings recorded on the session in all.
    #[serde(default)]
    pub total: u64,
    #[serde(default)]
    pub limit: u64,
    #[serde(default)]
    pub offset: u64,
    #[serde(default)]
    pub has_more: bool,
}

impl FeedbackPage {
    /// Ratings on a page when `limit` is not given.
    pub const LIMIT_DEFAULT: u32 = 100;
    /// The most ratings one page holds; a larger `limit` is refused with 422.
    pub const LIMIT_MAX: u32 = 1000;
}

/// One exchange stored to memory: the rated assistant message and the user prompt before it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemoryEntry {
    pub memory_id: String,
    pub session_id: String,
    pub message_id: String,
    #[serde(default)]
    pub user_message_id: Option<String>,
    #[serde(default)]
    pub user_content: Option<String>,
    pub assistant_content: String,
    /// Tool calls and results between the prompt and the reply, kept as context.
    #[serde(default)]
    pub context: Vec<MessageHistoryItem>,
    pub stored_at: String,
}

/// `GET .../sessions/{id}/memory`: the exchanges currently stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListMemoryResponse {
    pub session_id: String,
    pub memories: Vec<MemoryEntry>,
}

/// One page of `GET .../sessions/{id}/memory?limit=&offset=`: exchanges in conversation
/// order, paged like history; without `has_more` it is the last page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemoryPage {
    pub session_id: String,
    pub memories: Vec<MemoryEntry>,
    /// Exchanges stored from the session in all.
    #[serde(default)]
    pub total: u64,
    #[serde(default)]
    pub limit: u64,
    #[serde(default)]
    pub offset: u64,
    #[serde(default)]
    pub has_more: bool,
}

impl MemoryPage {
    /// Exchanges on a page when `limit` is not given.
    pub const LIMIT_DEFAULT: u32 = 50;
    /// The most exchanges one page holds (each carries its context); more is refused with 422.
    pub const LIMIT_MAX: u32 = 200;
}

/// Local extension `GET /v1/agents/sessions/search?q=&limit=&offset=`: full-text search
/// over the namespace's message contents, tool names and session names, best first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchPage {
    pub query: String,
    pub results: Vec<SearchHit>,
    #[serde(default)]
    pub limit: u64,
    #[serde(default)]
    pub offset: u64,
    #[serde(default)]
    pub has_more: bool,
}

impl SearchPage {
    /// Hits on a page when `limit` is not given.
    pub const LIMIT_DEFAULT: u32 = 20;
    /// The most hits one page holds; more is refused with 422.
    pub const LIMIT_MAX: u32 = 100;
    /// The deepest offset served: a search is for finding, not for paging a namespace.
    pub const OFFSET_MAX: u64 = 10_000;
    /// The longest query, in characters.
    pub const QUERY_MAX_CHARS: usize = 500;
}

/// One search hit: a message (with its id and role) or a session's name (neither).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchHit {
    pub session_id: String,
    #[serde(default)]
    pub session_name: Option<String>,
    #[serde(default)]
    pub message_id: Option<String>,
    #[serde(default)]
    pub role: Option<String>,
    /// Where the query matched, on one line, cut around the match with `…`.
    pub snippet: String,
    /// The matched words in `snippet`, as `[start, end)` character offsets.
    #[serde(default)]
    pub highlights: Vec<[u32; 2]>,
    #[serde(default)]
    pub timestamp: Option<String>,
}

// What the client keeps of a server's answers lives beside the bodies, in `received`.
pub use super::received::*;
