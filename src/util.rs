//! Private plumbing: C strings, timeouts, a fast hasher. Imports nothing of the crate.

use std::borrow::Cow;
use std::ffi::CStr;
use std::time::Duration;

use libc::c_char;

/// A bound on how long a blocking call may wait. Python passes seconds as a float with
/// `-1` meaning "forever"; Rust passes a [`Duration`] or [`Timeout::Never`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timeout {
    /// Wait at most this long.
    After(Duration),
    /// Wait as long as it takes (Python's `-1` / `None`).
    Never,
}

impl Timeout {
    /// When the wait ends: `None` for never, and also for a duration so long that the instant
    /// cannot be represented (it would never arrive anyway).
    pub(crate) fn deadline(self) -> Option<std::time::Instant> {
        match self {
            Timeout::Never => None,
            Timeout::After(d) => std::time::Instant::now().checked_add(d),
        }
    }

    /// Milliseconds for librdkafka: `-1` for never; very long durations are clamped to the
    /// largest finite value (about 24.8 days) rather than wrapping into "forever" or negative.
    pub(crate) fn as_millis_i32(self) -> i32 {
        match self {
            Timeout::Never => -1,
            Timeout::After(d) => {
                let ms = d.as_millis();
                if ms > i32::MAX as u128 {
                    i32::MAX
                } else if ms == 0 && !d.is_zero() {
                    1
                } else {
                    ms as i32
                }
            }
        }
    }
}

impl From<Duration> for Timeout {
    fn from(d: Duration) -> Self {
        Timeout::After(d)
    }
}

impl From<Option<Duration>> for Timeout {
    fn from(d: Option<Duration>) -> Self {
        d.map_or(Timeout::Never, Timeout::After)
    }
}

/// Copies a C string lossily (invalid UTF-8 becomes U+FFFD); null gives "".
///
/// # Safety
/// `p` must be null or point to a NUL-terminated string valid for `'a`.
pub(crate) unsafe fn cstr_lossy<'a>(p: *const c_char) -> Cow<'a, str> {
    if p.is_null() {
        Cow::Borrowed("")
    } else {
        // SAFETY: non-null and NUL-terminated for 'a (caller contract).
        unsafe { CStr::from_ptr(p) }.to_string_lossy()
    }
}

/// Reads an `rd_kafka_resp_err_t` field as a plain int. Brokers may send codes newer than
/// the Rust enum rdkafka-sys generated; materialising such a value as that enum would be UB.
///
/// # Safety
/// `p` must point to a readable `rd_kafka_resp_err_t` (int-sized, asserted by wrapper.h).
pub(crate) unsafe fn read_err<T>(p: *const T) -> i32 {
    // SAFETY: caller contract; the field is int-sized.
    unsafe { std::ptr::read(p.cast::<i32>()) }
}

/// Reads a C error buffer written by librdkafka.
pub(crate) fn errbuf_str(buf: &[c_char]) -> String {
    let bytes: Vec<u8> = buf
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8)
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// `s` for an error message or `Debug` output: unchanged up to `max` characters, else its first
/// `max` characters and a note of how long it is (a 1 MB key must not make a 1 MB message).
pub(crate) fn shorten(s: &str, max: usize) -> Cow<'_, str> {
    match s.char_indices().nth(max) {
        None => Cow::Borrowed(s),
        Some((cut, _)) => Cow::Owned(format!("{}… ({} bytes, shortened)", &s[..cut], s.len())),
    }
}

/// The Levenshtein distance between `a` and `b` if it is at most `max`, else `None`; the work is
/// bounded by `len(a) × (2·max + 1)` (only the band of the table within `max` of the diagonal
/// is filled), so a huge input costs no more than its length.
pub(crate) fn edit_distance_within(a: &str, b: &str, max: usize) -> Option<usize> {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    // Cells outside the band count as "more than max".
    let over = max + 1;
    let mut prev: Vec<usize> = (0..=b.len()).map(|j| j.min(over)).collect();
    let mut cur = vec![over; b.len() + 1];
    for i in 1..=a.len() {
        let (lo, hi) = (i.saturating_sub(max).max(1), (i + max).min(b.len()));
        // The cells just left and right of the band bound it (the rest is never read).
        cur[lo - 1] = if lo == 1 { i.min(over) } else { over };
        for j in lo..=hi {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1)
                .min(cur[j - 1] + 1)
                .min(prev[j - 1] + cost)
                .min(over);
        }
        if let Some(right) = cur.get_mut(hi + 1) {
            *right = over;
        }
        if lo <= hi && cur[lo - 1..=hi].iter().all(|&d| d > max) {
            return None;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    (prev[b.len()] <= max).then_some(prev[b.len()])
}

/// A small, fast, non-cryptographic hasher (FxHash) for the producer's topic-handle cache:
/// SipHash would cost a noticeable share of the per-message budget.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher(u64);

impl std::hash::Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;
        let mut h = self.0;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let v = u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            h = (h.rotate_left(5) ^ v).wrapping_mul(K);
        }
        for &b in chunks.remainder() {
            h = (h.rotate_left(5) ^ b as u64).wrapping_mul(K);
        }
        self.0 = h;
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

pub(crate) type FxBuild = std::hash::BuildHasherDefault<FxHasher>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_timeouts_have_no_deadline_instead_of_overflowing() {
        assert!(Timeout::After(Duration::MAX).deadline().is_none());
        assert!(Timeout::Never.deadline().is_none());
        let d = Timeout::After(Duration::from_secs(1)).deadline().unwrap();
        assert!(d > std::time::Instant::now());
    }

    #[test]
    fn timeouts_clamp() {
        assert_eq!(Timeout::Never.as_millis_i32(), -1);
        assert_eq!(
            Timeout::from(Duration::from_secs(u64::MAX)).as_millis_i32(),
            i32::MAX
        );
        assert_eq!(Timeout::from(Duration::from_micros(10)).as_millis_i32(), 1);
        assert_eq!(Timeout::from(Duration::ZERO).as_millis_i32(), 0);
        assert_eq!(
            Timeout::from(Duration::from_millis(1500)).as_millis_i32(),
            1500
        );
    }

    #[test]
    fn long_strings_are_shortened_saying_so() {
        assert_eq!(shorten("abc", 3), "abc");
        let s = "é".repeat(10);
        assert_eq!(shorten(&s, 4), "éééé… (20 bytes, shortened)");
    }

    #[test]
    fn bounded_edit_distance() {
        assert_eq!(edit_distance_within("kitten", "sitting", 3), Some(3));
        assert_eq!(edit_distance_within("kitten", "sitting", 2), None);
        assert_eq!(edit_distance_within("", "ab", 2), Some(2));
        assert_eq!(
            edit_distance_within("sasl.pasword", "sasl.password", 1),
            Some(1)
        );
        assert_eq!(edit_distance_within("abc", "abc", 0), Some(0));
        assert_eq!(edit_distance_within("abcdef", "badcfe", 1), None);
        // A huge input against a short one is refused by length alone.
        let t = std::time::Instant::now();
        assert_eq!(edit_distance_within(&"x".repeat(1 << 20), "x", 2), None);
        let huge = "x".repeat(1 << 20);
        assert_eq!(edit_distance_within(&huge, &huge, 2), Some(0));
        assert!(t.elapsed() < std::time::Duration::from_secs(5));
    }
}
