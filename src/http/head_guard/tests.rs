//! The head guard's judgement of heads and hyper's automatic answers, proved on both sides.
use super::*;

/// The verdict with the request line read, as the guard reads it when asked.
fn read(verdict: Verdict<'_>) -> Verdict<'_> {
    match verdict {
        Verdict::PassLine(first_line) => Verdict::Pass(request_line(first_line)),
        v => v,
    }
}

/// The verdict of a parser that reads every whole head.
fn parsed(head: &[u8]) -> Verdict<'_> {
    if may_end_head(head) {
        full_judge(head)
    } else {
        Verdict::Partial
    }
}

#[test]
fn hypers_automatic_answers_are_recognised_and_the_services_are_not() {
    let date = "Date: Thu, 03 Dec 2026 10:11:39 GMT\r\n\r\n";
    for (status, want) in [
        ("400 Bad Request", Some(HeadRefusal::Malformed)),
        (
            "431 Request Header Fields Too Large",
            Some(HeadRefusal::TooLarge),
        ),
        ("414 URI Too Long", Some(HeadRefusal::UriTooLong)),
        ("404 Not Found", None),
        ("200 OK", None),
    ] {
        let head = format!("HTTP/1.1 {status}\r\nConnection: close\r\nContent-Length: 0\r\n{date}");
        assert_eq!(automatic_refusal(head.as_bytes()), want, "{status}");
    }
    let service =
        format!("HTTP/1.1 400 Bad Request\r\nX-Tt-Logid: 1\r\nContent-Length: 0\r\n{date}");
    assert_eq!(automatic_refusal(service.as_bytes()), None);
    let with_body = format!("HTTP/1.1 400 Bad Request\r\nContent-Length: 10\r\n{date}");
    assert_eq!(automatic_refusal(with_body.as_bytes()), None);
}

#[test]
fn a_request_line_is_read_from_a_head_however_broken_its_headers() {
    assert_eq!(
        request_line(b"POST /open-apis/x?a=1 HTTP/1.1\r\nX: a\0b\r\n"),
        Some(("POST", "/open-apis/x?a=1"))
    );
    assert_eq!(request_line(b"POST /open-apis/x HTT"), None);
    assert_eq!(request_line(b"\0 / HTTP/1.1\r\n\r\n"), None);
}

#[test]
fn a_head_is_refused_only_whole_and_with_both_lengths() {
    let line = Some(("POST", "/x"));
    let head = |h: &str| format!("POST /x HTTP/1.1\r\nHost: a\r\n{h}\r\n");
    for both in [
        "Content-Length: 1\r\nTransfer-Encoding: chunked\r\n",
        "transfer-encoding: chunked\r\ncontent-length: 1\r\n",
    ] {
        assert_eq!(judge(head(both).as_bytes(), 0), Verdict::Refuse(line));
        let unfinished = head(both);
        let unfinished = &unfinished.as_bytes()[..unfinished.len() - 2];
        assert_eq!(judge(unfinished, 0), Verdict::Partial);
    }
    for one in ["Content-Length: 1\r\n", "Transfer-Encoding: chunked\r\n"] {
        assert_eq!(read(judge(head(one).as_bytes(), 0)), Verdict::Pass(line));
    }
    assert_eq!(
        read(judge(head("X: a\0b\r\n").as_bytes(), 0)),
        Verdict::Pass(line)
    );
}

#[test]
fn a_head_ends_only_at_an_empty_line() {
    assert!(may_end_head(b"a\r\n\r\n"));
    assert!(may_end_head(b"a\n\n"));
    assert!(!may_end_head(b"a\r\nb: c\r\n"));
}

#[test]
fn a_head_judged_without_parsing_its_headers_gets_the_parsers_verdict() {
    let heads: [&[u8]; 16] = [
        b"POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}",
        b"POST /x HTTP/1.1\nHost: a\n\n",
        b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n",
        b"POST /x HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n",
        b"POST /x HTTP/1.1\r\nContent-Length: 1\r\n\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"\r\n\r\nPOST /x HTTP/1.1\r\nHost: a\r\n\r\n",
        b"\r\n\r\nPOST /x HTTP/1.1\r\nHost: a\r\n",
        b"\nPOST /x HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: x\r\n\r\n",
        b"POST /x HTTP/1.1\r\nX: a\0b\r\n\r\n",
        b"POST /x\n\n",
        b"POST\r\n\r\n",
        b" POST /x HTTP/1.1\r\n\r\n",
        b"POST /x HTTP/1.1\r\n Transfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n",
        b"POST /x HTTP/1.1\r\nTransfer-Encodingx: chunked\r\nContent-Length: 1\r\n\r\n",
        b"POST /x HTTP/1.1\r\nHost: a\r\n\rX\r\n\r\n",
        b"POST /x HTTP/1.1\r\nHost: a\r\n\r\r\n\r\n",
    ];
    for head in heads {
        assert_eq!(read(judge(head, 0)), parsed(head), "{head:?}");
        for split in 1..head.len() {
            // Arriving in two reads, the first of which left the head unfinished.
            if judge(&head[..split], 0) == Verdict::Partial {
                assert_eq!(
                    read(judge(head, split)),
                    parsed(head),
                    "{head:?} at {split}"
                );
            }
        }
    }
    // Heads with a Transfer-Encoding line are always parsed; plain ones never are.
    assert_eq!(scan_head(heads[2]), Scan::Parse);
    assert_eq!(scan_head(heads[3]), Scan::Parse);
    assert_eq!(scan_head(heads[0]), Scan::Plain(b"POST /x HTTP/1.1\r\n"));
    assert_eq!(scan_head(heads[5]), Scan::Parse);
    assert_eq!(
        scan_head(b"POST /x HTTP/1.1\r\nHost: a\r\n"),
        Scan::Unfinished
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
    #[test]
    fn any_head_judged_without_parsing_gets_the_parsers_verdict(
        start in proptest::sample::select(vec![
            "POST /x HTTP/1.1", "GET / HTTP/1.0", "", "POST /x", " GET / HTTP/1.1", "\r",
        ]),
        lines in proptest::collection::vec(proptest::sample::select(vec![
            "Host: a", "Content-Length: 1", "content-length: 2", "Transfer-Encoding: chunked",
            "TRANSFER-ENCODING: gzip", " Transfer-Encoding: chunked", "transfer-encoding",
            "X: a\0b", "\r", "", "x", "Transfer-Encoding:", "\tTransfer-Encoding: chunked",
        ]), 0..6),
        ends in proptest::sample::select(vec!["\r\n", "\n"]),
        end in proptest::sample::select(vec!["\r\n\r\n", "\n\n", "\r\n", "", "\n\r\n{}"]),
    ) {
        let head = format!("{start}{ends}{}{end}", lines.join(ends));
        let head = head.as_bytes();
        proptest::prop_assert_eq!(read(judge(head, 0)), parsed(head));
    }
}
