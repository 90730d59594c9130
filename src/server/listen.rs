//! The accept loop: a cap on connections, header, body and idle timeouts, and a shutdown with a bound.

use super::error::ApiFailure;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tokio::time::{Instant, Sleep};

/// How long `verdict serve` lets clients hold it; see docs/reliability.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServeLimits {
    /// From the moment the server waits for a request until its headers are complete. This
    /// also closes a kept-alive connection that sends no next request.
    pub header_timeout: Duration,
    /// From the headers to the last byte of the request body.
    pub body_timeout: Duration,
    /// No byte moved either way (a client that stops reading its answer, say).
    pub idle_timeout: Duration,
    /// Connections served at once; past it new ones get a 503 and are closed, not queued.
    pub max_connections: usize,
    /// After a stop is asked, how long requests in flight may take before their
    /// connections are cut. The writer still commits what reached it.
    pub shutdown_grace: Duration,
}

impl Default for ServeLimits {
    fn default() -> Self {
        ServeLimits {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            max_connections: 512,
            shutdown_grace: Duration::from_secs(5),
        }
    }
}

/// Refusals being written at once; past this a refused connection is closed without a word,
/// so a flood costs no more than this many small tasks.
const REFUSALS_IN_FLIGHT: usize = 256;

/// How long a refusal waits for the request head before answering anyway.
const REFUSAL_HEAD_WAIT: Duration = Duration::from_millis(250);

/// How long a refusal may take in all, lingering so the client reads the 503 instead of a reset.
const REFUSAL_LINGER: Duration = Duration::from_secs(1);

/// Accept failures (out of descriptors, say) are logged at most this often.
const ACCEPT_WARNING_EVERY: Duration = Duration::from_secs(10);

/// Serves `app` on `listener` until `stop` resolves, then closes idle connections, gives
/// requests in flight `limits.shutdown_grace`, and cuts whatever is left.
pub(crate) async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ServeLimits,
    stop: impl Future<Output = ()>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let refusals = Arc::new(Semaphore::new(REFUSALS_IN_FLIGHT));
    let (close_tx, close_rx) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut refused = JoinSet::new();
    let mut last_warning: Option<Instant> = None;
    tokio::pin!(stop);
    loop {
        tokio::select! {
            _ = &mut stop => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            Some(_) = refused.join_next(), if !refused.is_empty() => {}
            accepted = listener.accept() => match accepted {
                Ok((tcp, _)) => {
                    // Small JSON answers go out at once instead of waiting on Nagle's algorithm.
                    let _ = tcp.set_nodelay(true);
                    match slots.clone().try_acquire_owned() {
                        Ok(slot) => {
                            let app = app.clone();
                            let close = close_rx.clone();
                            connections.spawn(async move {
                                serve_connection(tcp, app, limits, close).await;
                                drop(slot);
                            });
                        }
                        Err(_) => {
                            if let Ok(permit) = refusals.clone().try_acquire_owned() {
                                refused.spawn(async move {
                                    refuse(tcp, limits.max_connections).await;
                                    drop(permit);
                                });
                            }
                        }
                    }
                }
                Err(e) => {
                    if last_warning.is_none_or(|t| t.elapsed() >= ACCEPT_WARNING_EVERY) {
                        tracing::warn!("cannot accept a connection: {e}");
                        last_warning = Some(Instant::now());
                    }
                    // Out of descriptors the same error comes back at once: wait a little
                    // rather than spin, while open connections finish or time out.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    }
    drop(listener);
    refused.abort_all();
    let _ = close_tx.send(true);
    let open = connections.len();
    let drained = tokio::time::timeout(limits.shutdown_grace, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!(
            "{} of {open} connections were still open after {:?}; closing them",
            connections.len(),
            limits.shutdown_grace
        );
        connections.abort_all();
        while connections.join_next().await.is_some() {}
    }
}

async fn serve_connection(
    tcp: TcpStream,
    app: Router,
    limits: ServeLimits,
    mut close: watch::Receiver<bool>,
) {
    let io = TokioIo::new(IdleIo::new(tcp, limits.idle_timeout));
    let service = TowerToHyperService::new(app);
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let connection = builder.serve_connection(io, service);
    tokio::pin!(connection);
    tokio::select! {
        result = connection.as_mut() => {
            if let Err(e) = result {
                tracing::debug!("connection ended: {e}");
            }
            return;
        }
        _ = close.wait_for(|closing| *closing) => connection.as_mut().graceful_shutdown(),
    }
    if let Err(e) = connection.await {
        tracing::debug!("connection ended while stopping: {e}");
    }
}

/// The 503 a connection past the cap gets, written once, then the socket is closed.
async fn refuse(mut tcp: TcpStream, cap: usize) {
    let failure = ApiFailure::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "ServiceUnavailableError",
        format!("The server is serving its limit of {cap} connections; try again in a moment."),
    );
    let body = failure.to_json();
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: {}\r\nretry-after: 1\r\nconnection: close\r\n\r\n",
        body.len()
    );
    let _ = tokio::time::timeout(REFUSAL_LINGER, async {
        // An answer before the request confuses HTTP clients ("unexpected message"), so
        // the head is read first, up to a few KiB; a client that closes gets nothing.
        // A client slow to send it is answered anyway, so refusals do not pile up.
        let mut chunk = [0u8; 4096];
        let read_head = async {
            let mut head = Vec::new();
            while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
                let n = tokio::io::AsyncReadExt::read(&mut tcp, &mut chunk).await?;
                if n == 0 {
                    return Ok::<_, io::Error>(false);
                }
                head.extend_from_slice(&chunk[..n]);
            }
            Ok(true)
        };
        if let Ok(result) = tokio::time::timeout(REFUSAL_HEAD_WAIT, read_head).await
            && !result?
        {
            return Ok(());
        }
        tcp.write_all(answer.as_bytes()).await?;
        tcp.write_all(&body).await?;
        tcp.shutdown().await?;
        // Reading what the client still sends until it closes keeps the kernel from
        // answering it with a reset that would discard the 503 before it is read.
        while tokio::io::AsyncReadExt::read(&mut tcp, &mut chunk).await? > 0 {}
        Ok::<_, io::Error>(())
    })
    .await;
}

/// Reads the whole request body within the body timeout and the size cap, so a client
/// that trickles a body, or stops half-way, is answered 408 instead of holding a request.
pub(crate) async fn read_body_in_time(
    State(limit): State<Duration>,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > super::MAX_BODY_BYTES as u64) {
        return closing(ApiFailure::too_large().into_response());
    }
    let collect = async {
        let mut stream = body.into_data_stream();
        let mut bytes = Vec::new();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| {
                ApiFailure::bad_request(format!("The request body could not be read: {e}"))
            })?;
            if bytes.len() + chunk.len() > super::MAX_BODY_BYTES {
                return Err(ApiFailure::too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Bytes::from(bytes))
    };
    let bytes = match tokio::time::timeout(limit, collect).await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(failure)) => return closing(failure.into_response()),
        Err(_) => {
            return closing(
                ApiFailure::new(
                    StatusCode::REQUEST_TIMEOUT,
                    "RequestTimeoutError",
                    format!(
                        "The request body did not arrive within {} s; send it whole and at once.",
                        limit.as_secs_f64()
                    ),
                )
                .into_response(),
            );
        }
    };
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// A refusal after which the rest of the request is not read, so the connection ends.
fn closing(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// The JSON answer for a bodiless error hyper writes itself when it cannot parse a
/// request (400, 414, 431): `buf` is exactly such a head, else `None`.
fn json_for_parse_error(buf: &[u8]) -> Option<Vec<u8>> {
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    if end + 4 != buf.len() || end > 1024 {
        return None;
    }
    let head = std::str::from_utf8(&buf[..end]).ok()?.to_ascii_lowercase();
    let bodiless = head.contains("\r\ncontent-length: 0") && head.contains("\r\nconnection: close");
    if !head.starts_with("http/1.1 4") || !bodiless {
        return None;
    }
    let status = StatusCode::from_bytes(head.get(9..12)?.as_bytes()).ok()?;
    let (kind, message) = match status {
        StatusCode::URI_TOO_LONG => (
            "URITooLongError",
            "The request's path and query are longer than the server reads; shorten them.",
        ),
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => (
            "RequestHeaderFieldsTooLargeError",
            "The request's headers are larger than the server reads; send fewer or shorter ones.",
        ),
        _ => (
            "BadRequestError",
            "The request could not be read as HTTP/1.1; check its request line and headers.",
        ),
    };
    let body = ApiFailure::new(status, kind, message).to_json();
    let mut answer = format!(
        "HTTP/1.1 {} {}\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        status.as_str(),
        status.canonical_reason().unwrap_or("Bad Request"),
        body.len()
    )
    .into_bytes();
    answer.extend_from_slice(&body);
    Some(answer)
}

/// A socket that fails with `TimedOut` once no byte has moved either way for `timeout`,
/// and gives hyper's own bodiless parse errors a JSON body.
struct IdleIo {
    inner: TcpStream,
    timeout: Duration,
    deadline: Pin<Box<Sleep>>,
    /// A replacement answer still being written, and how much of it is out.
    replacing: Option<(Vec<u8>, usize)>,
}

impl IdleIo {
    fn new(inner: TcpStream, timeout: Duration) -> Self {
        IdleIo {
            inner,
            timeout,
            deadline: Box::pin(tokio::time::sleep(timeout)),
            replacing: None,
        }
    }

    /// Writes what is left of a replacement answer; ready once it is all out.
    fn drive(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let Some((answer, sent)) = &mut self.replacing {
            if *sent >= answer.len() {
                self.replacing = None;
                break;
            }
            match Pin::new(&mut self.inner).poll_write(cx, &answer[*sent..]) {
                Poll::Ready(Ok(0)) => {
                    return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
                }
                Poll::Ready(Ok(n)) => *sent += n,
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        Poll::Ready(Ok(()))
    }

    /// Takes `buf` as written when it is one of hyper's bodiless parse errors, and queues
    /// the JSON answer in its place.
    fn replace(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Option<Poll<io::Result<usize>>> {
        let answer = json_for_parse_error(buf)?;
        self.replacing = Some((answer, 0));
        Some(match self.drive(cx) {
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            // What is left goes out on flush or shutdown.
            _ => Poll::Ready(Ok(buf.len())),
        })
    }

    fn moved(&mut self) {
        let next = Instant::now() + self.timeout;
        self.deadline.as_mut().reset(next);
    }

    /// Turns a wait into an error once the deadline has passed.
    fn check<T>(&mut self, cx: &mut Context<'_>, poll: Poll<io::Result<T>>) -> Poll<io::Result<T>> {
        match poll {
            Poll::Pending if self.deadline.as_mut().poll(cx).is_ready() => Poll::Ready(Err(
                io::Error::new(io::ErrorKind::TimedOut, "the connection was idle too long"),
            )),
            other => other,
        }
    }
}

impl AsyncRead for IdleIo {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let poll = Pin::new(&mut this.inner).poll_read(cx, buf);
        if matches!(poll, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.moved();
        }
        this.check(cx, poll)
    }
}

impl AsyncWrite for IdleIo {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match this.drive(cx) {
            Poll::Ready(Ok(())) => {}
            other => return this.check(cx, other.map_ok(|()| 0)),
        }
        if let Some(done) = this.replace(cx, buf) {
            return done;
        }
        let poll = Pin::new(&mut this.inner).poll_write(cx, buf);
        if matches!(poll, Poll::Ready(Ok(n)) if n > 0) {
            this.moved();
        }
        this.check(cx, poll)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match this.drive(cx) {
            Poll::Ready(Ok(())) => {}
            other => return this.check(cx, other.map_ok(|()| 0)),
        }
        if let [only] = bufs
            && let Some(done) = this.replace(cx, only)
        {
            return done;
        }
        let poll = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        if matches!(poll, Poll::Ready(Ok(n)) if n > 0) {
            this.moved();
        }
        this.check(cx, poll)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let poll = match this.drive(cx) {
            Poll::Ready(Ok(())) => Pin::new(&mut this.inner).poll_flush(cx),
            other => other,
        };
        this.check(cx, poll)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let poll = match this.drive(cx) {
            Poll::Ready(Ok(())) => Pin::new(&mut this.inner).poll_shutdown(cx),
            other => other,
        };
        this.check(cx, poll)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hyper_bodiless_errors_are_replaced() {
        let hyper = b"HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        let answer = json_for_parse_error(hyper).unwrap();
        let text = String::from_utf8(answer).unwrap();
        assert!(text.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{text}");
        assert!(text.ends_with("\"type\":\"BadRequestError\"}}"), "{text}");
        // Our own answers carry their body, and a success is never touched.
        let ours =
            b"HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 120\r\n\r\n";
        assert!(json_for_parse_error(ours).is_none());
        let ok = b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 0\r\n\r\n";
        assert!(json_for_parse_error(ok).is_none());
        let with_body =
            b"HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\nx";
        assert!(json_for_parse_error(with_body).is_none());
    }
}
