//! The request side of a recorded exchange: the client's body on its way upstream, teed into
//! what the recording keeps of it. A multipart body feeds the form reader ([`tee::read_form`])
//! in a task of its own, and is read to its end even when the upstream stops reading it early
//! ([`FormFeed`]); any other body is seen by an accumulator ([`tee::BodyAcc`]).

use super::{tee, BoxError, ProxyBody};
use crate::recording::Body;
use bytes::Bytes;
use http_body_util::{BodyExt, StreamBody};
use hyper::body::{Frame, Incoming};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Chunks of a multipart request body in flight between the stream and its form reader.
const FORM_CHANNEL: usize = 8;

/// The request side of an exchange as it is being recorded.
pub(super) enum RequestSide {
    /// A multipart body read by [`tee::read_form`] in a task of its own.
    Form(tokio::task::JoinHandle<Vec<crate::recording::Part>>),
    /// Any other body.
    Plain(Arc<Mutex<tee::BodyAcc>>),
}

impl RequestSide {
    pub(super) async fn finish(self) -> Body {
        match self {
            RequestSide::Form(task) => Body::Form {
                parts: task.await.unwrap_or_else(|e| {
                    eprintln!("feishu-mock record: the form reader failed: {e}");
                    Vec::new()
                }),
            },
            RequestSide::Plain(acc) => acc.lock().unwrap_or_else(|p| p.into_inner()).finish(),
        }
    }
}
/// Longest time the recording keeps reading a client's form after the upstream stopped reading
/// it (ms).
const FORM_DRAIN_MS: u64 = 10_000;

/// The client's multipart body on its way upstream, feeding the form reader as it passes.
/// When the upstream answers before it has read the whole body (a refusal sent early, such as a
/// frequency limit), hyper drops the body half read; the rest the client sends is then read
/// here, for at most [`FORM_DRAIN_MS`], so that the recording describes the form the client
/// sent, not the part the upstream happened to read.
struct FormFeed {
    body: Option<Incoming>,
    tx: Option<tokio::sync::mpsc::Sender<Bytes>>,
    ended: bool,
}

impl FormFeed {
    /// The client's body has ended (or failed): nothing is left to read when the feed is dropped.
    fn end(&mut self) {
        self.ended = true;
    }
}

impl Drop for FormFeed {
    fn drop(&mut self) {
        if self.ended {
            return;
        }
        let (Some(mut body), Some(tx)) = (self.body.take(), self.tx.take()) else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        runtime.spawn(async move {
            let deadline = tokio::time::Instant::now() + Duration::from_millis(FORM_DRAIN_MS);
            while let Ok(Some(Ok(frame))) = tokio::time::timeout_at(deadline, body.frame()).await {
                if let Ok(data) = frame.into_data() {
                    if tx.send(data).await.is_err() {
                        break;
                    }
                }
            }
        });
    }
}

/// The request body as sent upstream, with what it tells the recording.
pub(super) fn tee_request(
    body: Incoming,
    content_type: Option<&str>,
    keep_bytes: u64,
    file_fields: Vec<String>,
) -> (ProxyBody, RequestSide) {
    let boundary = content_type.and_then(|ct| multer::parse_boundary(ct).ok());
    match boundary {
        Some(boundary) => {
            let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(FORM_CHANNEL);
            let task = tokio::spawn(tee::read_form(rx, boundary, keep_bytes, file_fields));
            let feed = FormFeed {
                body: Some(body),
                tx: Some(tx),
                ended: false,
            };
            let stream = futures_util::stream::unfold(feed, |mut feed| async move {
                loop {
                    let frame = match feed.body.as_mut()?.frame().await {
                        Some(frame) => frame,
                        None => {
                            feed.end();
                            return None;
                        }
                    };
                    match frame {
                        Ok(frame) => match frame.into_data() {
                            Ok(data) => {
                                // A form reader that gave up (a malformed form) no longer
                                // listens; the bytes still go upstream.
                                if let Some(tx) = feed.tx.take() {
                                    if tx.send(data.clone()).await.is_ok() {
                                        feed.tx = Some(tx);
                                    }
                                }
                                return Some((Ok(Frame::data(data)), feed));
                            }
                            Err(_) => continue,
                        },
                        Err(e) => {
                            feed.end();
                            return Some((Err(Box::new(e) as BoxError), feed));
                        }
                    }
                }
            });
            (StreamBody::new(stream).boxed(), RequestSide::Form(task))
        }
        None => {
            let acc = Arc::new(Mutex::new(tee::BodyAcc::for_request(
                content_type,
                keep_bytes,
            )));
            let seen = acc.clone();
            let body = body
                .map_frame(move |frame| {
                    if let Some(data) = frame.data_ref() {
                        seen.lock().unwrap_or_else(|p| p.into_inner()).push(data);
                    }
                    frame
                })
                .map_err(|e| Box::new(e) as BoxError)
                .boxed();
            (body, RequestSide::Plain(acc))
        }
    }
}
