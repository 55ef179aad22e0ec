//! Property tests of the entry's decisions: the first cancellation decides, in any order.
#![allow(clippy::unwrap_used)]

use kernel::Aggregate;
use proptest::{collection::vec, prelude::*};

use museum_confirm::domain::{Entry, EntryCmd, EntryEvent, EntryStatus};

fn cmd() -> impl Strategy<Value = EntryCmd> {
    prop_oneof![
        Just(EntryCmd::Confirm),
        Just(EntryCmd::Cancel),
        Just(EntryCmd::ForceCancel)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Deliveries in any order, duplicates included: the first cancellation of either kind
    /// decides the entry for good, and each event is recorded at most once.
    #[test]
    fn the_first_cancellation_decides_the_entry_in_any_order(cmds in vec(cmd(), 1..20)) {
        let mut entry = Entry::of("b1", "u1");
        let mut exists = false;
        let mut history = Vec::new();
        for cmd in &cmds {
            let events = entry.decide(exists, cmd.clone());
            prop_assert!(events.len() <= 1);
            exists |= !events.is_empty();
            entry = events.iter().fold(entry, |e, ev| e.apply(ev));
            history.extend(events);
        }
        let expected = match cmds.iter().find(|c| **c != EntryCmd::Confirm) {
            Some(EntryCmd::Cancel) => EntryStatus::Cancelled,
            Some(EntryCmd::ForceCancel) => EntryStatus::ForceCancelled,
            _ => EntryStatus::Confirmed,
        };
        prop_assert_eq!(entry.status, expected);
        prop_assert_eq!((entry.id.as_str(), entry.booking_id.as_str(), entry.user_id.as_str()), ("b1", "b1", "u1"));
        for kind in [0, 1, 2] {
            let n = history.iter().filter(|e| match e {
                EntryEvent::EntryConfirmed(_) => kind == 0,
                EntryEvent::EntryCancelled(_) => kind == 1,
                EntryEvent::EntryForceCancelled(_) => kind == 2,
            }).count();
            prop_assert!(n <= 1, "{history:?}");
        }
        let cancellations = history.iter().filter(|e| !matches!(e, EntryEvent::EntryConfirmed(_))).count();
        prop_assert!(cancellations <= 1, "{history:?}");
    }
}
