//! The smallest scanner that finds every token of a JSON body: a lower bound of what reading the
//! B2 body costs, not a parser. It matches brackets, finds each string's closing quote eight
//! bytes at a time, steps over an escape without decoding it, and takes a number as a run of
//! number characters without checking its grammar. What a real reader adds on top (escapes,
//! number grammar, rules, the answer) is what the figures of the other parsers show.

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Where the string whose text starts at `j` ends (after its closing quote).
#[inline(always)]
fn string_end(b: &[u8], mut j: usize) -> Option<usize> {
    loop {
        while let Some(chunk) = b.get(j..j + 8) {
            let w = u64::from_le_bytes(chunk.try_into().ok()?);
            let quote = w ^ (ONES * u64::from(b'"'));
            let backslash = w ^ (ONES * u64::from(b'\\'));
            let hits = ((quote.wrapping_sub(ONES) & !quote)
                | (backslash.wrapping_sub(ONES) & !backslash)
                | (w.wrapping_sub(ONES * 0x20) & !w))
                & HIGHS;
            if hits != 0 {
                j += (hits.trailing_zeros() / 8) as usize;
                break;
            }
            j += 8;
        }
        match *b.get(j)? {
            b'"' => return Some(j + 1),
            b'\\' => j += 2,
            c if c < 0x20 => return None,
            _ => j += 1,
        }
    }
}

/// `i` past any JSON whitespace.
#[inline(always)]
fn ws(b: &[u8], mut i: usize) -> usize {
    while matches!(b.get(i), Some(b' ' | b'\n' | b'\t' | b'\r')) {
        i += 1;
    }
    i
}

/// `i` past a member key and its colon (the key's quote at `i`).
#[inline(always)]
fn key(b: &[u8], i: usize) -> Option<usize> {
    let i = ws(b, i);
    if *b.get(i)? != b'"' {
        return None;
    }
    let i = ws(b, string_end(b, i + 1)?);
    (*b.get(i)? == b':').then_some(i + 1)
}

/// The number of values in `b` when it is one JSON value as far as this scanner looks.
pub fn scan(b: &[u8]) -> Option<usize> {
    let mut i = 0;
    // One bit a level: 1 for an object, 0 for an array.
    let mut stack: u128 = 0;
    let mut depth = 0u32;
    let mut values = 0;
    'value: loop {
        i = ws(b, i);
        values += 1;
        match *b.get(i)? {
            b'"' => i = string_end(b, i + 1)?,
            b'{' => {
                i = ws(b, i + 1);
                if *b.get(i)? == b'}' {
                    i += 1;
                } else {
                    stack = stack << 1 | 1;
                    depth += 1;
                    i = key(b, i)?;
                    continue 'value;
                }
            }
            b'[' => {
                i = ws(b, i + 1);
                if *b.get(i)? == b']' {
                    i += 1;
                } else {
                    stack <<= 1;
                    depth += 1;
                    continue 'value;
                }
            }
            b't' | b'n' => i += 4,
            b'f' => i += 5,
            b'-' | b'0'..=b'9' => {
                i += 1;
                while matches!(
                    b.get(i),
                    Some(b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-')
                ) {
                    i += 1;
                }
            }
            _ => return None,
        }
        // After a value: a comma, or the end of its container.
        loop {
            if depth == 0 {
                return (ws(b, i) == b.len()).then_some(values);
            }
            i = ws(b, i);
            let object = stack & 1 == 1;
            match (*b.get(i)?, object) {
                (b',', true) => {
                    i = key(b, i + 1)?;
                    continue 'value;
                }
                (b',', false) => {
                    i += 1;
                    continue 'value;
                }
                (b'}', true) | (b']', false) => {
                    i += 1;
                    stack >>= 1;
                    depth -= 1;
                }
                _ => return None,
            }
        }
    }
}
