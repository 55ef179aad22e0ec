//! Property tests of the login throttle: however failures come, a lock never shortens, never
//! exceeds the longest lock, and starts only after the allowed number of failures.
#![allow(clippy::unwrap_used)]

use petmily_user::domain::{LoginThrottle, ThrottlePolicy};
use proptest::{collection::vec, prelude::*};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn a_lock_starts_after_the_allowed_failures_and_only_grows(
        max_failures in 1u32..10,
        lock_ms in 1i64..60_000,
        gaps in vec(0i64..120_000, 1..40),
    ) {
        let policy = ThrottlePolicy { max_failures, lock_ms };
        let mut t = LoginThrottle::default();
        let mut now = 1_000_000i64;
        let mut last_lock = 0i64;
        for (n, gap) in gaps.into_iter().enumerate() {
            now += gap;
            t = t.failed("kim", now, policy);
            let failures = n as u32 + 1;
            prop_assert_eq!(t.failures, failures);
            match t.wait_ms(now) {
                None => prop_assert!(failures < max_failures),
                Some(wait) => {
                    prop_assert!(failures >= max_failures);
                    prop_assert!(wait >= lock_ms && wait <= lock_ms * 64, "waits {wait}");
                    prop_assert!(wait >= last_lock, "the lock shortened: {last_lock} → {wait}");
                    last_lock = wait;
                }
            }
        }
    }
}
