//! The measuring side of `bench/run.sh` (std only, plus adler2 for the Drive checksum).
//!
//! ```text
//! benchkit startup RUNS -- CMD [ARGS…]   B1: spawn CMD (which prints "… listening on http://ADDR"
//!                                        first), poll GET /__mock/health until 200; one line
//!                                        of milliseconds per run
//! benchkit drive-body SIZE OUT           writes a valid Drive upload_all multipart body with a
//!                                        SIZE-byte file and its Adler-32 checksum to OUT; prints
//!                                        the Content-Type
//! benchkit abuse URL PID CLIENTS BYTES   B5a: CLIENTS connections at once each stream a BYTES-byte
//!                                        file to upload_all (over the 20 MiB limit); prints the
//!                                        server's idle and peak RSS and each answer's code
//! benchkit fill URL PID MIB FILE_MIB     B5b: stores MIB MiB as FILE_MIB-MiB Drive files, one
//!                                        request at a time; prints RSS before and after
//! benchkit chunked URL MIB ROUNDS        B7: ROUNDS chunked uploads of a MIB-MiB file
//!                                        (upload_prepare, MIB/4 upload_part of 4 MiB with their
//!                                        Adler-32, upload_finish), one request at a time; one
//!                                        line per round: seconds, MiB/s, answers with code 0
//! ```
//!
//! Every request goes to loopback only, and every loop is bounded in count and time.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The default world's tenant token and Drive node.
const TOKEN: &str = "t-43b270c035ddffdcf79c9eb548d06318ca4abcef";
const NODE: &str = "doccnFivLCfJfblZjGZtxgabcef";
const BOUNDARY: &str = "feishu-mock-bench-boundary-7f3a9c";
const UPLOAD_PATH: &str = "/open-apis/drive/v1/medias/upload_all";
const MIB: u64 = 1024 * 1024;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    match a.as_slice() {
        ["startup", runs, "--", cmd @ ..] if !cmd.is_empty() => startup(parse(runs), cmd),
        ["drive-body", size, out] => drive_body(parse(size), out),
        ["abuse", url, pid, clients, bytes] => abuse(url, parse(pid), parse(clients), parse(bytes)),
        ["fill", url, pid, mib, file_mib] => fill(url, parse(pid), parse(mib), parse(file_mib)),
        ["chunked", url, mib, rounds] => chunked(url, parse(mib), parse(rounds)),
        _ => {
            eprintln!("usage: see the module doc of bench/src/bin/benchkit.rs");
            std::process::exit(2);
        }
    }
}

fn parse<T: std::str::FromStr>(s: &str) -> T {
    s.parse().unwrap_or_else(|_| {
        eprintln!("benchkit: not a number: {s}");
        std::process::exit(2)
    })
}

/// `host:port` of an `http://host:port` URL.
fn authority(url: &str) -> &str {
    url.trim_start_matches("http://").trim_end_matches('/')
}

// ------------------------------------------------------------------------------------------
// B1 start-up
// ------------------------------------------------------------------------------------------

fn startup(runs: usize, cmd: &[&str]) {
    for _ in 0..runs {
        let started = Instant::now();
        let mut child = Command::new(cmd[0])
            .args(&cmd[1..])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn the server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the listening line");
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .expect("an http:// address on the first line")
            .to_string();
        let deadline = started + Duration::from_secs(10);
        loop {
            if health_ok(authority(&url)) {
                break;
            }
            if Instant::now() > deadline {
                eprintln!("benchkit: no healthy answer within 10 s");
                std::process::exit(1);
            }
            std::thread::sleep(Duration::from_micros(200));
        }
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        let _ = child.kill();
        let _ = child.wait();
        println!("{ms:.2}");
    }
}

/// `GET /__mock/health` answered 200.
fn health_ok(addr: &str) -> bool {
    let Ok(mut s) = TcpStream::connect(addr) else {
        return false;
    };
    let req = format!("GET /__mock/health HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    if s.write_all(req.as_bytes()).is_err() {
        return false;
    }
    let mut resp = String::new();
    let _ = s.read_to_string(&mut resp);
    resp.starts_with("HTTP/1.1 200")
}

// ------------------------------------------------------------------------------------------
// Drive bodies
// ------------------------------------------------------------------------------------------

/// Deterministic pseudo-random bytes (xorshift64), so the checksum is not that of zeros.
struct Filler(u64);

impl Filler {
    fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            let b = self.0.to_le_bytes();
            chunk.copy_from_slice(&b[..chunk.len()]);
        }
    }
}

fn text_part(name: &str, value: &str) -> String {
    format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
}

/// The multipart head (text parts, then the file part's header) and tail.
fn drive_frame(size: u64, checksum: Option<u32>) -> (Vec<u8>, Vec<u8>) {
    let mut head = String::new();
    head += &text_part("file_name", "bench.bin");
    head += &text_part("parent_type", "doc_file");
    head += &text_part("parent_node", NODE);
    head += &text_part("size", &size.to_string());
    if let Some(sum) = checksum {
        head += &text_part("checksum", &sum.to_string());
    }
    head += &format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"bench.bin\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    );
    (
        head.into_bytes(),
        format!("\r\n--{BOUNDARY}--\r\n").into_bytes(),
    )
}

fn content_type() -> String {
    format!("multipart/form-data; boundary={BOUNDARY}")
}

fn drive_body(size: u64, out: &str) {
    let mut data = vec![0u8; size as usize];
    Filler(0x9E37_79B9_7F4A_7C15).fill(&mut data);
    let sum = adler2::adler32_slice(&data);
    let (head, tail) = drive_frame(size, Some(sum));
    let mut f = std::fs::File::create(out).expect("create the body file");
    f.write_all(&head)
        .and_then(|_| f.write_all(&data))
        .and_then(|_| f.write_all(&tail))
        .expect("write the body file");
    println!("{}", content_type());
}

/// Streams one upload of a `size`-byte file on a fresh connection (`Connection: close`) and
/// returns the answer's Feishu `code` (or -1).
fn upload(addr: &str, size: u64, seed: u64) -> i64 {
    let (head, tail) = drive_frame(size, None);
    let length = head.len() as u64 + size + tail.len() as u64;
    let Ok(mut s) = TcpStream::connect(addr) else {
        return -1;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(120)));
    let req = format!(
        "POST {UPLOAD_PATH} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Type: {}\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n",
        content_type()
    );
    let mut filler = Filler(seed | 1);
    let mut buf = vec![0u8; 256 * 1024];
    let mut sent = || -> std::io::Result<()> {
        s.write_all(req.as_bytes())?;
        s.write_all(&head)?;
        let mut left = size;
        while left > 0 {
            let n = left.min(buf.len() as u64) as usize;
            filler.fill(&mut buf[..n]);
            s.write_all(&buf[..n])?;
            left -= n as u64;
        }
        s.write_all(&tail)
    };
    // A server that answers early may close before the end; its answer is still readable.
    let _ = sent();
    let mut resp = Vec::new();
    let _ = s.read_to_end(&mut resp);
    code_of(&String::from_utf8_lossy(&resp))
}

/// The `"code":N` of a JSON answer.
fn code_of(resp: &str) -> i64 {
    resp.split("\"code\":")
        .nth(1)
        .and_then(|t| {
            let n: String = t
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '-')
                .collect();
            n.parse().ok()
        })
        .unwrap_or(-1)
}

// ------------------------------------------------------------------------------------------
// B5 memory
// ------------------------------------------------------------------------------------------

/// `VmRSS` and `VmHWM` of `pid`, in bytes.
fn rss(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<u64>().ok())
            .map(|kb| kb * 1024)
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / MIB as f64
}

fn abuse(url: &str, pid: u32, clients: usize, bytes: u64) {
    let addr = authority(url).to_string();
    let (idle, _) = rss(pid);
    let peak = Arc::new(AtomicU64::new(idle));
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, stop) = (peak.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                peak.fetch_max(rss(pid).0, Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis(2));
            }
        })
    };
    let started = Instant::now();
    let handles: Vec<_> = (0..clients)
        .map(|i| {
            let addr = addr.clone();
            std::thread::spawn(move || upload(&addr, bytes, i as u64 + 1))
        })
        .collect();
    let codes: Vec<String> = handles
        .into_iter()
        .map(|h| h.join().unwrap_or(-1).to_string())
        .collect();
    let codes = codes.join(",");
    let secs = started.elapsed().as_secs_f64();
    std::thread::sleep(Duration::from_millis(200));
    stop.store(true, Ordering::Relaxed);
    let _ = sampler.join();
    let (after, hwm) = rss(pid);
    let peak = peak.load(Ordering::Relaxed).max(after);
    println!(
        "idle_mib={:.1} peak_mib={:.1} hwm_mib={:.1} after_mib={:.1} growth_mib={:.1} secs={secs:.1} codes={codes}",
        mib(idle),
        mib(peak),
        mib(hwm),
        mib(after),
        mib(hwm.max(peak).saturating_sub(idle))
    );
}

fn fill(url: &str, pid: u32, total_mib: u64, file_mib: u64) {
    let addr = authority(url);
    let (before, _) = rss(pid);
    let files = total_mib / file_mib;
    let mut ok = 0;
    for i in 0..files {
        if upload(addr, file_mib * MIB, i + 1) == 0 {
            ok += 1;
        }
    }
    std::thread::sleep(Duration::from_millis(200));
    let (after, hwm) = rss(pid);
    let stored = ok * file_mib;
    let bound = 1.1 * stored as f64 + 64.0;
    println!(
        "stored_mib={stored} files_ok={ok}/{files} idle_mib={:.1} after_mib={:.1} hwm_mib={:.1} bound_mib={bound:.1}",
        mib(before),
        mib(after),
        mib(hwm)
    );
}

// ------------------------------------------------------------------------------------------
// B7 chunked upload
// ------------------------------------------------------------------------------------------

const BLOCK: usize = 4 * 1024 * 1024;

/// One POST of `parts` (concatenated) to `path` on a fresh connection; the answer's body.
fn post(addr: &str, path: &str, content_type: &str, parts: &[&[u8]]) -> String {
    let length: usize = parts.iter().map(|p| p.len()).sum();
    let Ok(mut s) = TcpStream::connect(addr) else {
        return String::new();
    };
    let _ = s.set_nodelay(true);
    let _ = s.set_read_timeout(Some(Duration::from_secs(120)));
    let req = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Type: {content_type}\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n"
    );
    let sent = || -> std::io::Result<()> {
        let mut s = &s;
        s.write_all(req.as_bytes())?;
        for p in parts {
            s.write_all(p)?;
        }
        Ok(())
    };
    let _ = sent();
    let mut resp = Vec::new();
    let _ = s.read_to_end(&mut resp);
    let text = String::from_utf8_lossy(&resp).to_string();
    text.split_once("\r\n\r\n")
        .map(|(_, body)| body.to_string())
        .unwrap_or_default()
}

/// The string value of `"key":"…"` in a JSON answer.
fn string_of(resp: &str, key: &str) -> Option<String> {
    let rest = resp.split(&format!("\"{key}\":\"")).nth(1)?;
    Some(rest.split('"').next()?.to_string())
}

fn chunked(url: &str, total_mib: u64, rounds: usize) {
    let addr = authority(url);
    let size = total_mib * MIB;
    let blocks = (size as usize).div_ceil(BLOCK);
    let mut data = vec![0u8; size as usize];
    Filler(0x5DEE_CE66_D1CE_4E5B).fill(&mut data);
    let sums: Vec<u32> = data.chunks(BLOCK).map(adler2::adler32_slice).collect();
    let json = "application/json; charset=utf-8";
    let ctype = content_type();
    for _ in 0..rounds {
        let started = Instant::now();
        let mut ok = 0;
        let prepare = format!(
            r#"{{"file_name":"bench.bin","parent_type":"doc_file","parent_node":"{NODE}","size":{size}}}"#
        );
        let resp = post(addr, "/open-apis/drive/v1/medias/upload_prepare", json, &[prepare.as_bytes()]);
        ok += (code_of(&resp) == 0) as usize;
        // The baseline answers no upload_id: any will do there.
        let id = string_of(&resp, "upload_id").unwrap_or_else(|| "7111211691345512356".into());
        for (seq, block) in data.chunks(BLOCK).enumerate() {
            let mut head = String::new();
            head += &text_part("upload_id", &id);
            head += &text_part("seq", &seq.to_string());
            head += &text_part("size", &block.len().to_string());
            head += &text_part("checksum", &sums[seq].to_string());
            head += &format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"\r\n\
                 Content-Type: application/octet-stream\r\n\r\n"
            );
            let tail = format!("\r\n--{BOUNDARY}--\r\n");
            let resp = post(
                addr,
                "/open-apis/drive/v1/medias/upload_part",
                &ctype,
                &[head.as_bytes(), block, tail.as_bytes()],
            );
            ok += (code_of(&resp) == 0) as usize;
        }
        let finish = format!(r#"{{"upload_id":"{id}","block_num":{blocks}}}"#);
        let resp = post(addr, "/open-apis/drive/v1/medias/upload_finish", json, &[finish.as_bytes()]);
        ok += (code_of(&resp) == 0) as usize;
        let secs = started.elapsed().as_secs_f64();
        println!(
            "secs={secs:.3} mibs={:.1} ok={ok}/{} blocks={blocks}",
            total_mib as f64 / secs,
            blocks + 2
        );
    }
}
