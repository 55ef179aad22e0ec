//! Property tests of a match's decisions: whoever acts in whatever order, only the two parties
//! change it, care starts once and only after both accepted, and REJECTED and CARE_ENDED are final.
#![allow(clippy::unwrap_used)]

use kernel::{Aggregate, Decide};
use petmily_match::domain::{
    ApplicationStatus, Match, MatchCmd, MatchEvent, MatchStatus, PetCareApplication, RequestedBy,
};
use proptest::{collection::vec, prelude::*};

fn application() -> PetCareApplication {
    PetCareApplication {
        id: "a1".into(),
        member_id: "kim".into(),
        pet_id: "p1".into(),
        pet_name: "Bori".into(),
        start_date: "2026-12-24".into(),
        end_date: "2026-12-26".into(),
        requirements: String::new(),
        status: ApplicationStatus::Open,
        match_id: None,
    }
}

fn who() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("kim".to_owned()),
        Just("lee".to_owned()),
        Just("park".to_owned())
    ]
}

fn cmd() -> impl Strategy<Value = MatchCmd> {
    prop_oneof![
        who().prop_map(|by| MatchCmd::Accept { by }),
        who().prop_map(|by| MatchCmd::Reject { by }),
        who().prop_map(|by| MatchCmd::End { by }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn only_the_parties_move_a_match_and_its_ends_are_final(
        by_member in any::<bool>(),
        cmds in vec(cmd(), 0..30),
    ) {
        let requested_by = if by_member { RequestedBy::Member } else { RequestedBy::Sitter };
        let request = MatchCmd::Request {
            id: "m1".into(),
            application: Box::new(application()),
            sitter_id: "lee".into(),
            sitter_name: "Lee".into(),
            requested_by,
        };
        let first = Match::default().decide(request).unwrap();
        let mut m = first.iter().fold(Match::default(), |m, e| m.apply(e));
        let mut starts = 0;
        for cmd in cmds {
            let before = m.status;
            let actor = match &cmd {
                MatchCmd::Accept { by } | MatchCmd::Reject { by } | MatchCmd::End { by } => by.clone(),
                MatchCmd::Request { .. } => unreachable!(),
            };
            match m.decide(cmd) {
                Ok(events) => {
                    prop_assert!(actor == "kim" || actor == "lee", "{actor} changed the match");
                    prop_assert_eq!(events.len(), 1);
                    if let MatchEvent::CareServiceStarted(_) = &events[0] {
                        starts += 1;
                    }
                    m = events.iter().fold(m, |m, e| m.apply(e));
                }
                Err(_) => prop_assert_eq!(m.status, before),
            }
            if matches!(before, MatchStatus::Rejected | MatchStatus::CareEnded) {
                prop_assert_eq!(m.status, before);
            }
            if matches!(m.status, MatchStatus::CareStarted | MatchStatus::CareEnded) {
                prop_assert!(m.member_accepted && m.sitter_accepted);
            }
        }
        prop_assert!(starts <= 1);
    }
}
