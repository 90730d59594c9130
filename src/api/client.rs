//! reqwest client for the agents-sessions API; every failure becomes a typed [`ApiError`].

use super::ApiKey;
use super::error::{ApiError, ErrorInfo, error_from_body, safe};
use super::listing::every_page;
use super::model::*;
use reqwest::{Method, header};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::HashSet;
use std::time::Duration;

use super::limits::{
    ANSWER_BYTES_MAX, ERROR_BYTES_MAX, HISTORY_LIMIT_MAX as HISTORY_PAGE_MAX,
    LIST_LIMIT_MAX as LIST_PAGE_MAX, LIST_OFFSET_MAX,
};

/// How the error for an answer over [`ANSWER_BYTES_MAX`] begins.
const TOO_LARGE: &str = "the answer was larger than";

/// Whether `e` is an answer the client stopped reading at its size cap.
pub fn is_too_large(e: &ApiError) -> bool {
    matches!(e, ApiError::Decode(d) if d.starts_with(TOO_LARGE))
}

/// Where and as whom the client talks.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    pub base_url: String,
    pub api_key: ApiKey,
    pub namespace: String,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    /// Allow plain `http://` to a host that is not loopback.
    pub allow_insecure_http: bool,
}

impl ClientOptions {
    pub fn new(base_url: impl Into<String>, api_key: ApiKey, namespace: impl Into<String>) -> Self {
        ClientOptions {
            base_url: base_url.into(),
            api_key,
            namespace: namespace.into(),
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(20),
            allow_insecure_http: false,
        }
    }
}

/// Where a page of the session list starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageStart {
    /// The contract's `offset` (0..=10,000).
    Offset(u64),
    /// A server's `pagination.next_cursor`, passed back as it came.
    Cursor(String),
}

impl PageStart {
    pub fn is_first(&self) -> bool {
        *self == PageStart::Offset(0)
    }
}

/// A page of the session list and where the next one starts (`None`: this was the last,
/// or offset paging reached the contract's cap).
#[derive(Debug, Clone)]
pub struct SessionsPage {
    /// The sessions that could be read, trimmed for a list (see
    /// [`GetSessionResponse::trimmed_for_list`]).
    pub response: ListSessionsResponse,
    pub next: Option<PageStart>,
    /// Items of the page that are not sessions as the contract says, in page order.
    pub unreadable: Vec<UnreadableSession>,
}

/// Where the page after `response` starts. `pagination` is free-form, so only a
/// non-empty string `next_cursor` is trusted; anything else falls back to offsets.
pub fn next_page(
    start: &PageStart,
    limit: u32,
    response: &ListSessionsResponse,
) -> Option<PageStart> {
    next_page_after(start, limit, response.results.len() as u64, response)
}

/// [`next_page`] for a page of `got` items, readable or not.
fn next_page_after(
    start: &PageStart,
    limit: u32,
    got: u64,
    response: &ListSessionsResponse,
) -> Option<PageStart> {
    if got == 0 {
        return None;
    }
    if let Some(cursor) = response
        .pagination
        .get("next_cursor")
        .and_then(|c| c.as_str())
        .filter(|c| !c.is_empty())
    {
        return Some(PageStart::Cursor(cursor.to_string()));
    }
    match start {
        // A server that pages by cursor and names no next page has no next page.
        PageStart::Cursor(_) => None,
        PageStart::Offset(offset) => {
            let next = offset + got;
            let short = got < u64::from(limit.clamp(1, LIST_PAGE_MAX));
            let all_seen = response.total > 0 && next >= response.total;
            (!short && !all_seen && next <= LIST_OFFSET_MAX).then_some(PageStart::Offset(next))
        }
    }
}

/// Typed access to the agents-sessions API of one namespace.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    base_url: String,
    namespace: String,
    api_key: ApiKey,
}

/// A URL as it may be shown: anything between `scheme://` and an `@` (a user name or
/// password) is hidden. Works on text that does not parse as a URL.
pub fn redact_url(url: &str) -> String {
    let start = url.find("://").map_or(0, |i| i + 3);
    let authority_end = url[start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| start + i);
    match url[start..authority_end].rfind('@') {
        Some(at) => format!("{}…@{}", &url[..start], &url[start + at + 1..]),
        None => url.to_string(),
    }
}

/// Checks a base URL: http(s), and plain http only to loopback unless allowed.
pub fn check_base_url(base_url: &str, allow_insecure_http: bool) -> Result<reqwest::Url, ApiError> {
    let url = reqwest::Url::parse(base_url).map_err(|e| {
        ApiError::Config(format!(
            "The base URL {:?} is not a valid URL ({e}): use a URL like https://api.mixpeek.com or http://127.0.0.1:8000.",
            redact_url(base_url)
        ))
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ApiError::Config(
            "The base URL holds a user name or password: remove it (verdict sends the API key in a header) and use a URL like https://api.mixpeek.com.".to_string(),
        ));
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" => {
            let loopback = match url.host() {
                Some(url::Host::Domain(d)) => d == "localhost",
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                None => false,
            };
            if loopback || allow_insecure_http {
                Ok(url)
            } else {
                Err(ApiError::Config(format!(
                    "Refusing to send the API key over plain http to {}: use https, or pass --allow-insecure-http.",
                    url.host_str().unwrap_or("?")
                )))
            }
        }
        other => Err(ApiError::Config(format!(
            "The base URL must start with https:// (or http:// for a local server), not {other}://: use a URL like https://api.mixpeek.com or http://127.0.0.1:8000."
        ))),
    }
}

impl Client {
    pub fn new(options: ClientOptions) -> Result<Self, ApiError> {
        check_base_url(&options.base_url, options.allow_insecure_http)?;
        if options.namespace.trim().is_empty() {
            return Err(ApiError::Config(
                "No namespace is set: pass --namespace or set MIXPEEK_NAMESPACE.".to_string(),
            ));
        }
        if header::HeaderValue::from_str(&format!("Bearer {}", options.api_key.expose())).is_err() {
            return Err(ApiError::Config(
                "The API key contains characters that cannot be sent in a header; check MIXPEEK_API_KEY.".to_string(),
            ));
        }
        if header::HeaderValue::from_str(&options.namespace).is_err() {
            return Err(ApiError::Config(
                "The namespace contains characters that cannot be sent in a header.".to_string(),
            ));
        }
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(options.connect_timeout)
            .timeout(options.request_timeout)
            .user_agent(concat!("verdict/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ApiError::Config(format!("Could not set up the HTTP client: {e}")))?;
        Ok(Client {
            http,
            base_url: options.base_url.trim_end_matches('/').to_string(),
            namespace: options.namespace,
            api_key: options.api_key,
        })
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path)
    }

    async fn call<T: DeserializeOwned, B: Serialize + ?Sized>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&B>,
    ) -> Result<T, ApiError> {
        let mut req = self
            .http
            .request(method, self.url(path))
            .bearer_auth(self.api_key.expose())
            .header("X-Namespace", &self.namespace)
            .header(header::ACCEPT, "application/json");
        if !query.is_empty() {
            req = req.query(query);
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        let resp = req.send().await.map_err(transport_error)?;
        let status = resp.status();
        let retry_after = resp
            .headers()
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        if status.is_redirection() {
            let location = resp
                .headers()
                .get(header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .map_or_else(
                    || "an address it did not give".to_string(),
                    |l| safe(&redact_url(l)),
                );
            return Err(ApiError::Redirect(ErrorInfo {
                status: status.as_u16(),
                kind: "Redirect".to_string(),
                message: location,
                retry_after,
            }));
        }
        if status.is_success() {
            let bytes = read_capped(resp, ANSWER_BYTES_MAX).await?.ok_or_else(|| {
                ApiError::Decode(format!(
                    "{TOO_LARGE} {} MB, the most verdict reads",
                    ANSWER_BYTES_MAX / (1024 * 1024)
                ))
            })?;
            return serde_json::from_slice(&bytes)
                .map_err(|e| ApiError::Decode(safe(&e.to_string())));
        }
        // An error's first bytes say what it is; the rest of a huge one is not read.
        let bytes = match read_capped(resp, ERROR_BYTES_MAX).await {
            Ok(Some(bytes)) => bytes,
            Ok(None) | Err(_) => Vec::new(),
        };
        Err(error_from_body(status, &bytes, retry_after))
    }

    /// One page of `POST /v1/agents/sessions/list`.
    pub async fn list_sessions_page(
        &self,
        request: &ListSessionsRequest,
        limit: u32,
        offset: u64,
    ) -> Result<ListSessionsResponse, ApiError> {
        let start = ("offset", offset.min(LIST_OFFSET_MAX).to_string());
        let (response, unreadable) = self.list_call::<false>(request, limit, start).await?;
        all_readable(response, unreadable)
    }

    /// `POST /v1/agents/sessions/list` from `start`: an offset or a cursor. Each item is
    /// read on its own: the sessions, and the items that are not. `TRIM`: each session as
    /// a list shows it (see [`read_listed_session`]).
    async fn list_call<const TRIM: bool>(
        &self,
        request: &ListSessionsRequest,
        limit: u32,
        start: (&str, String),
    ) -> Result<(ListSessionsResponse, Vec<UnreadableSession>), ApiError> {
        let query = [
            ("limit", limit.clamp(1, LIST_PAGE_MAX).to_string()),
            start,
            ("include_total", "true".to_string()),
        ];
        let raw: RawListSessionsResponse<TRIM> = self
            .call(
                Method::POST,
                "/v1/agents/sessions/list",
                &query,
                Some(request),
            )
            .await?;
        if raw.results.skipped > 0 {
            tracing::warn!(
                skipped = raw.results.skipped,
                "a list page held more than {LIST_ITEMS_MAX} items; the rest were not read"
            );
        }
        let unreadable = raw.results.unreadable;
        let response = ListSessionsResponse {
            results: raw.results.sessions,
            total: raw.total,
            pagination: raw.pagination,
        };
        Ok((response, unreadable))
    }

    /// One page of the session list from `start`, and where the next page starts. Uses
    /// the server's `pagination.next_cursor` when it offers one, which reaches past the
    /// contract's offset cap; without it, pages by offset and stops at the cap.
    pub async fn list_sessions_from(
        &self,
        request: &ListSessionsRequest,
        limit: u32,
        start: &PageStart,
    ) -> Result<SessionsPage, ApiError> {
        self.sessions_page::<false>(request, limit, start).await
    }

    /// [`Client::list_sessions_from`] for a reviewer's list: names and labels cut to
    /// [`NAME_CHARS_MAX`], and user memory and agent configuration skipped unread, so a
    /// page costs little more than its rows whatever a server puts in it.
    pub async fn list_sessions_for_list(
        &self,
        request: &ListSessionsRequest,
        limit: u32,
        start: &PageStart,
    ) -> Result<SessionsPage, ApiError> {
        self.sessions_page::<true>(request, limit, start).await
    }

    async fn sessions_page<const TRIM: bool>(
        &self,
        request: &ListSessionsRequest,
        limit: u32,
        start: &PageStart,
    ) -> Result<SessionsPage, ApiError> {
        let limit = limit.clamp(1, LIST_PAGE_MAX);
        let (response, unreadable) = match start {
            PageStart::Offset(offset) => {
                let at = ("offset", offset.min(&LIST_OFFSET_MAX).to_string());
                self.list_call::<TRIM>(request, limit, at).await?
            }
            PageStart::Cursor(cursor) => {
                self.list_call::<TRIM>(request, limit, ("cursor", cursor.clone()))
                    .await?
            }
        };
        let got = (response.results.len() + unreadable.len()) as u64;
        let next = next_page_after(start, limit, got, &response);
        Ok(SessionsPage {
            response,
            next,
            unreadable,
        })
    }

    /// Every session, page after page (by cursor where the server offers one).
    pub async fn list_sessions(
        &self,
        request: &ListSessionsRequest,
        page_size: u32,
    ) -> Result<Vec<GetSessionResponse>, ApiError> {
        let mut all = Vec::new();
        let mut start = PageStart::Offset(0);
        loop {
            let page = self.list_sessions_from(request, page_size, &start).await?;
            all.extend(all_readable(page.response, page.unreadable)?.results);
            match page.next {
                Some(next) => start = next,
                None => return Ok(all),
            }
        }
    }

    /// `GET /v1/agents/sessions/{id}`.
    pub async fn get_session(&self, session_id: &str) -> Result<GetSessionResponse, ApiError> {
        let path = format!("/v1/agents/sessions/{}", path_segment(session_id));
        self.call::<_, ()>(Method::GET, &path, &[], None).await
    }

    /// One page of `GET /v1/agents/sessions/{id}/history` (limit is clamped to 1..200).
    pub async fn history_page(
        &self,
        session_id: &str,
        limit: u32,
        offset: u64,
    ) -> Result<GetHistoryResponse, ApiError> {
        let path = format!("/v1/agents/sessions/{}/history", path_segment(session_id));
        let query = [
            ("limit", limit.clamp(1, HISTORY_PAGE_MAX).to_string()),
            ("offset", offset.to_string()),
        ];
        self.call::<_, ()>(Method::GET, &path, &query, None).await
    }

    /// The whole history, oldest first, in pages of 200, each message trimmed (see
    /// [`MessageHistoryItem::trim`]). Fails rather than hold more than one session's
    /// bounds or fetch forever from a server that makes no progress.
    pub async fn history(&self, session_id: &str) -> Result<Vec<MessageHistoryItem>, ApiError> {
        let mut all: Vec<MessageHistoryItem> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        let mut bytes = 0;
        loop {
            let mut page = self
                .history_page(session_id, HISTORY_PAGE_MAX, all.len() as u64)
                .await?;
            let stop = take_history_page(all.len(), &mut bytes, &mut page, |id| seen.contains(id));
            let n = page.messages.len();
            seen.extend(page.messages.iter().map(|m| m.message_id.clone()));
            all.extend(page.messages);
            match stop {
                Some(HistoryStop::Empty) => return Ok(all),
                Some(stop) => {
                    return Err(ApiError::Decode(format!(
                        "loading the history of {} stopped after {} messages: {}",
                        crate::sanitize::message(session_id, 80),
                        all.len(),
                        stop.why()
                    )));
                }
                None if !page.has_more || n == 0 || all.len() as u64 >= page.total_messages => {
                    return Ok(all);
                }
                None => {}
            }
        }
    }

    /// `POST /v1/agents/sessions/{id}/feedback`.
    pub async fn submit_feedback(
        &self,
        session_id: &str,
        request: &SubmitFeedbackRequest,
    ) -> Result<SubmitFeedbackResponse, ApiError> {
        let path = format!("/v1/agents/sessions/{}/feedback", path_segment(session_id));
        self.call(Method::POST, &path, &[], Some(request)).await
    }

    /// `POST /v1/agents/sessions`.
    pub async fn create_session(
        &self,
        request: &CreateSessionRequest,
    ) -> Result<CreateSessionResponse, ApiError> {
        self.call(Method::POST, "/v1/agents/sessions", &[], Some(request))
            .await
    }

    /// `DELETE /v1/agents/sessions/{id}`.
    pub async fn terminate_session(
        &self,
        session_id: &str,
    ) -> Result<TerminateSessionResponse, ApiError> {
        let path = format!("/v1/agents/sessions/{}", path_segment(session_id));
        self.call::<_, ()>(Method::DELETE, &path, &[], None).await
    }

    /// One page of the local extension `GET .../sessions/{id}/feedback` (latest first;
    /// `limit` is clamped to 1..=1000). `Ok(None)` when the server does not offer it
    /// (404/405), as the hosted API does not.
    pub async fn feedback_page(
        &self,
        session_id: &str,
        limit: u32,
        offset: u64,
    ) -> Result<Option<FeedbackPage>, ApiError> {
        let path = format!("/v1/agents/sessions/{}/feedback", path_segment(session_id));
        let query = [
            ("limit", limit.clamp(1, FeedbackPage::LIMIT_MAX).to_string()),
            ("offset", offset.to_string()),
        ];
        not_offered_is_none(self.call::<_, ()>(Method::GET, &path, &query, None).await)
    }

    /// Every rating of the local feedback listing, latest first, page after page.
    /// `Ok(None)` when the server does not offer it.
    pub async fn feedback_listing(
        &self,
        session_id: &str,
    ) -> Result<Option<ListFeedbackResponse>, ApiError> {
        let pages = every_page(session_id, "feedback", |offset| {
            self.feedback_page(session_id, FeedbackPage::LIMIT_MAX, offset)
        })
        .await?;
        Ok(pages.map(|(session_id, feedback)| ListFeedbackResponse {
            session_id,
            feedback,
        }))
    }

    /// One page of the local extension `GET .../sessions/{id}/memory` (conversation order;
    /// `limit` is clamped to 1..=200). `Ok(None)` when not offered.
    pub async fn memory_page(
        &self,
        session_id: &str,
        limit: u32,
        offset: u64,
    ) -> Result<Option<MemoryPage>, ApiError> {
        let path = format!("/v1/agents/sessions/{}/memory", path_segment(session_id));
        let query = [
            ("limit", limit.clamp(1, MemoryPage::LIMIT_MAX).to_string()),
            ("offset", offset.to_string()),
        ];
        not_offered_is_none(self.call::<_, ()>(Method::GET, &path, &query, None).await)
    }

    /// One page of the local extension `GET /v1/agents/sessions/search` (best first;
    /// `limit` is clamped to 1..=100). `Ok(None)` when the server does not offer it, as
    /// the hosted API does not; what comes back is kept as [`SearchPage::received`] says.
    pub async fn search_page(
        &self,
        query: &str,
        limit: u32,
        offset: u64,
    ) -> Result<Option<SearchPage>, ApiError> {
        let query = [
            ("q", query.to_string()),
            ("limit", limit.clamp(1, SearchPage::LIMIT_MAX).to_string()),
            ("offset", offset.min(SearchPage::OFFSET_MAX).to_string()),
        ];
        let page = not_offered_is_none(
            self.call::<SearchPage, ()>(Method::GET, "/v1/agents/sessions/search", &query, None)
                .await,
        )?;
        Ok(page.map(SearchPage::received))
    }

    /// Every exchange stored to memory, page after page; `Ok(None)` when not offered.
    pub async fn memory_listing(
        &self,
        session_id: &str,
    ) -> Result<Option<ListMemoryResponse>, ApiError> {
        let pages = every_page(session_id, "memory", |offset| {
            self.memory_page(session_id, MemoryPage::LIMIT_MAX, offset)
        })
        .await?;
        Ok(pages.map(|(session_id, memories)| ListMemoryResponse {
            session_id,
            memories,
        }))
    }
}

fn not_offered_is_none<T>(r: Result<T, ApiError>) -> Result<Option<T>, ApiError> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(ApiError::NotFound(_)) => Ok(None),
        Err(ApiError::BadRequest(i)) if i.status == 405 => Ok(None),
        Err(e) => Err(e),
    }
}

/// The page when every item was a session; else the first that was not, as an error.
fn all_readable(
    response: ListSessionsResponse,
    unreadable: Vec<UnreadableSession>,
) -> Result<ListSessionsResponse, ApiError> {
    match unreadable.first() {
        None => Ok(response),
        Some(u) => Err(ApiError::Decode(format!(
            "item {} of the session list ({}) could not be read: {}",
            u.index + 1,
            u.id.as_deref().unwrap_or("no id"),
            u.reason
        ))),
    }
}

/// Percent-encodes an id for use as one path segment.
fn path_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn transport_error(e: reqwest::Error) -> ApiError {
    if e.is_timeout() {
        ApiError::Timeout
    } else if e.is_decode() {
        ApiError::Decode(e.to_string())
    } else {
        // The source chain holds the useful part ("Connection refused").
        let mut msg = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            msg = s.to_string();
            source = s.source();
        }
        ApiError::Network(msg)
    }
}

/// The body, or `None` when it is longer than `cap` bytes (then reading stops there, so
/// an endless answer costs `cap` bytes of memory, not all of it).
async fn read_capped(mut resp: reqwest::Response, cap: usize) -> Result<Option<Vec<u8>>, ApiError> {
    if resp.content_length().is_some_and(|n| n > cap as u64) {
        return Ok(None);
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(transport_error)? {
        if body.len() + chunk.len() > cap {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_in_a_base_url_are_refused_and_never_echoed() {
        for url in [
            "https://ann:s3cret@api.example.com",
            "https://s3cret@api.example.com/v1",
        ] {
            let e = check_base_url(url, false).expect_err(url).to_string();
            assert!(e.contains("user name or password"), "{e}");
            assert!(!e.contains("s3cret"), "{e}");
        }
        // Not even when the rest of the URL does not parse.
        let e = check_base_url("https://ann:s3cret@exa mple.com", false)
            .expect_err("invalid")
            .to_string();
        assert!(!e.contains("s3cret"), "{e}");
        assert_eq!(
            redact_url("https://ann:s3cret@host/path?q=a@b"),
            "https://…@host/path?q=a@b"
        );
        assert_eq!(redact_url("http://127.0.0.1:8000"), "http://127.0.0.1:8000");
    }

    #[test]
    fn plain_http_only_to_loopback() {
        assert!(check_base_url("http://127.0.0.1:8000", false).is_ok());
        assert!(check_base_url("http://localhost:8000", false).is_ok());
        assert!(check_base_url("http://[::1]:8000", false).is_ok());
        assert!(check_base_url("http://example.com", false).is_err());
        assert!(check_base_url("http://example.com", true).is_ok());
        assert!(check_base_url("ftp://example.com", true).is_err());
        assert!(check_base_url("not a url", false).is_err());
    }

    #[test]
    fn ids_are_escaped_in_paths() {
        assert_eq!(path_segment("ses_ab-1"), "ses_ab-1");
        assert_eq!(path_segment("a/b c"), "a%2Fb%20c");
    }

    fn listing(n: usize, total: u64, pagination: serde_json::Value) -> ListSessionsResponse {
        let session: GetSessionResponse = serde_json::from_value(serde_json::json!({
            "session_id": "ses_1", "namespace_id": "ns_1", "internal_id": "int_1",
            "agent_config": {}, "status": "active", "message_count": 0,
            "created_at": "2026-11-20T09:00:00Z", "updated_at": "2026-11-20T09:00:00Z",
            "last_activity_at": "2026-11-20T09:00:00Z", "expires_at": "2026-11-27T09:00:00Z"
        }))
        .unwrap();
        ListSessionsResponse {
            results: vec![session; n],
            total,
            pagination: pagination.as_object().cloned().unwrap_or_default(),
        }
    }

    #[test]
    fn next_page_prefers_a_cursor_and_falls_back_to_offsets() {
        use serde_json::json;
        let first = PageStart::Offset(0);
        let with_cursor = listing(10, 50, json!({"next_cursor": "abc"}));
        assert_eq!(
            next_page(&first, 10, &with_cursor),
            Some(PageStart::Cursor("abc".into()))
        );
        // No cursor offered (the hosted API may leave it out, or send null): offsets.
        for p in [
            json!({}),
            json!({"next_cursor": null}),
            json!({"next_cursor": ""}),
        ] {
            assert_eq!(
                next_page(&first, 10, &listing(10, 50, p)),
                Some(PageStart::Offset(10))
            );
        }
        // Short page, every session seen, or past the contract's cap: the end.
        assert_eq!(next_page(&first, 10, &listing(7, 50, json!({}))), None);
        assert_eq!(
            next_page(&PageStart::Offset(40), 10, &listing(10, 50, json!({}))),
            None
        );
        assert_eq!(
            next_page(
                &PageStart::Offset(9_500),
                1000,
                &listing(1000, 0, json!({}))
            ),
            None
        );
        assert_eq!(
            next_page(
                &PageStart::Offset(9_000),
                1000,
                &listing(1000, 0, json!({}))
            ),
            Some(PageStart::Offset(10_000))
        );
        // Paging by cursor, a page that names no next cursor is the last.
        let c = PageStart::Cursor("abc".into());
        assert_eq!(next_page(&c, 10, &listing(10, 50, json!({}))), None);
        assert_eq!(next_page(&first, 10, &listing(0, 0, json!({}))), None);
    }

    #[test]
    fn key_never_formats() {
        let k = ApiKey::new("sk_secret");
        assert!(!format!("{k:?} {k}").contains("sk_secret"));
    }
}
