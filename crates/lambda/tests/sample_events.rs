//! Every sample event in `events/<system>/` (what `sam local invoke -e` and `cargo lambda invoke
//! --data-file` feed a function), of every system, goes through its Lambda's entry point in
//! process — API Gateway v2 requests, SQS FIFO batches, DynamoDB stream batches, schedules —
//! against the system deployed on the emulator and seeded with what its samples name.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use aws_lambda_events::event::{dynamodb::Event as StreamEvent, sqs::SqsEvent};
use kernel::{Decide, Repo, Tx, aggregate, function::Invoke};
use lambda::emulator::system::{Deployment, deploy};
use lambda::{
    entry::{events::handle_batch, http, schedule::handle_tick},
    publisher::publish_batch,
};
use museum_book::domain::{Booking, BookingCmd, SeatsTaken};
use museum_confirm::domain::{Entry, EntryCmd};
use museum_museum::domain::{Museum as Exhibition, MuseumCmd, Reservation, ReservationStatus};
use museum_mypage::view::MyPage;

const MUSEUM_ID: &str = "01KAMUSEUM0000000000000001";
const BOOKING_ID: &str = "01KABOOKING000000000000001";

/// The exhibition and the booking the samples refer to, as the flow would have left them.
async fn seed_museum(m: &Deployment) {
    let cx = kernel::Call::new(None);
    let exhibitions = Repo::<Exhibition>::new(m.stores["museum"].clone());
    let register = MuseumCmd::Register {
        id: MUSEUM_ID.into(),
        hall: "Hall A".into(),
        date: "2026-12-24".into(),
        capacity: 30,
    };
    let events = Exhibition::default().decide(register).unwrap();
    let mut tx = Tx::new();
    let reservation = Reservation {
        id: BOOKING_ID.into(),
        museum_id: MUSEUM_ID.into(),
        seats: 2,
        status: ReservationStatus::Booked,
        held_at: 0,
        returned_because: None,
    };
    tx.put(&reservation, 0).unwrap();
    aggregate::create(&exhibitions, tx, events, &cx)
        .await
        .unwrap();

    let bookings = Repo::<Booking>::new(m.stores["book"].clone());
    let book = BookingCmd::Book {
        id: BOOKING_ID.into(),
        museum_id: MUSEUM_ID.into(),
        user_id: "kim".into(),
        taken: SeatsTaken {
            seats: 2,
            hall: "Hall A".into(),
            date: "2026-12-24".into(),
        },
    };
    let events = Booking::default().decide(book).unwrap();
    let booked = aggregate::create(&bookings, Tx::new(), events, &cx)
        .await
        .unwrap();

    let entries = Repo::<Entry>::new(m.stores["confirm"].clone());
    let entry = Entry::of(BOOKING_ID, "kim");
    let events = entry.decide(false, EntryCmd::Confirm);
    aggregate::create(&entries, Tx::new(), events, &cx)
        .await
        .unwrap();

    let row = MyPage::default().project(&booked.events[0]).unwrap();
    let mut tx = Tx::new();
    tx.put(&row, 0).unwrap();
    m.stores["mypage"].commit(tx.into_inner()).await.unwrap();
}

/// petmily's sample people, pet, care request, match, diary and rating: kim (member, owner of
/// the sample pet, who asked lee), lee (approved sitter, who writes the diary), both with the
/// sample password.
async fn seed_petmily(m: &Deployment) {
    use petmily_events::{SAMPLE_APPLICATION_ID, SAMPLE_ENTRY_ID, SAMPLE_MATCH_ID, SAMPLE_PET_ID};
    let cx = kernel::Call::new(None);
    let hash = petmily_user::password::hash("correct horse battery".into())
        .await
        .unwrap();
    let users = m.stores["user"].clone();
    for login in ["kim", "lee"] {
        let cmd = petmily_user::domain::AccountCmd::SignUp {
            login_id: login.into(),
            name: format!("Name of {login}"),
            address: "Seoul Mapo-gu".into(),
            roles: vec!["ROLE_USER".into()],
        };
        let events = petmily_user::domain::Account::default()
            .decide(cmd)
            .unwrap();
        let mut tx = Tx::new();
        let initial = petmily_user::domain::Account::with_password(hash.clone());
        aggregate::record(&mut tx, users.context(), initial, 0, events, &cx).unwrap();
        users.commit(tx.into_inner()).await.unwrap();
    }
    use kernel::Aggregate as _;
    use petmily_user::domain::{Sitter, SitterCmd};
    let mut events = Sitter::default()
        .decide(SitterCmd::Apply {
            login_id: "lee".into(),
            name: "Name of lee".into(),
            address: "Seoul Mapo-gu".into(),
            intro: "dogs".into(),
            experience: 3,
        })
        .unwrap();
    let applied = Sitter::default().apply(&events[0]);
    events.extend(
        applied
            .decide(SitterCmd::Approve { by: "admin".into() })
            .unwrap(),
    );
    aggregate::create(&Repo::<Sitter>::new(users.clone()), Tx::new(), events, &cx)
        .await
        .unwrap();

    use petmily_pet::domain::{Pet, PetCmd};
    let events = Pet::default()
        .decide(PetCmd::Register {
            id: SAMPLE_PET_ID.into(),
            owner_id: "kim".into(),
            name: "Bori".into(),
            species: "dog".into(),
        })
        .unwrap();
    aggregate::create(
        &Repo::<Pet>::new(m.stores["pet"].clone()),
        Tx::new(),
        events,
        &cx,
    )
    .await
    .unwrap();

    use petmily_match::domain::{ApplicationCmd, Match, MatchCmd, PetCareApplication, RequestedBy};
    let matches = m.stores["match"].clone();
    let opened = petmily_events::PetCareApplicationOpened {
        application_id: SAMPLE_APPLICATION_ID.into(),
        member_id: "kim".into(),
        pet_id: SAMPLE_PET_ID.into(),
        pet_name: "Bori".into(),
        start_date: "2026-12-24".into(),
        end_date: "2026-12-26".into(),
    };
    let events = PetCareApplication::default()
        .decide(ApplicationCmd::Open(opened))
        .unwrap();
    let application = aggregate::create(
        &Repo::<PetCareApplication>::new(matches.clone()),
        Tx::new(),
        events,
        &cx,
    )
    .await
    .unwrap()
    .state;
    let events = Match::default()
        .decide(MatchCmd::Request {
            id: SAMPLE_MATCH_ID.into(),
            application: Box::new(application),
            sitter_id: "lee".into(),
            sitter_name: "Name of lee".into(),
            requested_by: RequestedBy::Member,
        })
        .unwrap();
    aggregate::create(&Repo::<Match>::new(matches), Tx::new(), events, &cx)
        .await
        .unwrap();

    use petmily_diary::domain::{DiaryCmd, DiaryEntry, DiaryGroup};
    let diary = m.stores["diary"].clone();
    let group = DiaryGroup {
        id: SAMPLE_MATCH_ID.into(),
        member_id: "kim".into(),
        sitter_id: "lee".into(),
        pet_id: SAMPLE_PET_ID.into(),
        open: true,
        entries: 1,
    };
    let mut tx = Tx::new();
    tx.put(&group, 0).unwrap();
    let events = DiaryEntry::default()
        .decide(DiaryCmd::Register {
            id: SAMPLE_ENTRY_ID.into(),
            group,
            by: "lee".into(),
            content: "Walked Bori.".into(),
        })
        .unwrap();
    aggregate::create(&Repo::<DiaryEntry>::new(diary), tx, events, &cx)
        .await
        .unwrap();

    use petmily_assess::domain::{Assessment, EndedCare, Rate, Target};
    let assess = m.stores["assess"].clone();
    let care = EndedCare {
        id: SAMPLE_MATCH_ID.into(),
        member_id: "kim".into(),
        sitter_id: "lee".into(),
        pet_id: SAMPLE_PET_ID.into(),
    };
    let mut tx = Tx::new();
    tx.put(&care, 0).unwrap();
    let events = Assessment::default()
        .decide(Rate {
            care,
            target: Target::Sitter,
            by: "kim".into(),
            score: 5,
            comment: "good".into(),
        })
        .unwrap();
    aggregate::create(&Repo::<Assessment>::new(assess), tx, events, &cx)
        .await
        .unwrap();
}

/// What a system's samples need: the data they name, which samples change it (run last), and
/// the status each request answers when it is not 200.
struct Fixture {
    seed: for<'a> fn(&'a Deployment) -> futures::future::BoxFuture<'a, ()>,
    destructive: &'static [&'static str],
    statuses: &'static [(&'static str, u16)],
}

fn fixture(system: &str) -> Fixture {
    match system {
        "museum" => Fixture {
            seed: |m| Box::pin(seed_museum(m)),
            destructive: &["museum-book-cancel", "museum-museum-delete"],
            statuses: &[
                ("museum-museum-register", 201),
                ("museum-book-create", 201),
                ("museum-museum-reserve", 201),
                // The sample's booking is recorded, so museum refuses to release its seats.
                ("museum-museum-release", 409),
            ],
        },
        "petmily" => Fixture {
            seed: |m| Box::pin(seed_petmily(m)),
            destructive: &["petmily-diary-delete"],
            statuses: &[
                ("petmily-assess-pet", 201),
                // The seeded rating of the sample match's sitter exists: a second one is refused.
                ("petmily-assess-sitter", 409),
                ("petmily-diary-register", 201),
                ("petmily-match-apply", 201),
                // The sample match started and ended (accept, end) before these run.
                ("petmily-match-reject", 409),
                ("petmily-match-request", 409),
                ("petmily-pet-register", 201),
                ("petmily-user-create", 201),
                // The sample's refresh token is no token petmily issued.
                ("petmily-user-refresh", 401),
                ("petmily-user-sitter-apply", 201),
            ],
        },
        other => panic!("system {other} has no sample fixture: add what its samples name here"),
    }
}

fn samples(system: &str) -> Vec<(String, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../../events/{system}"));
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        // The environment file for `sam local invoke --env-vars`, not an event.
        .filter(|p| p.file_stem().is_some_and(|s| s != "env"))
        .map(|p| {
            (
                p.file_stem().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_sample_event_of_every_system_runs_through_its_lambda_entry() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    for system in systems::all() {
        let fixture = fixture(system.name);
        let name = system.name;
        let (moto, mut m) = deploy(&root, system)
            .await
            .unwrap_or_else(|e| panic!("deploying {name}: {e:#}"));
        (fixture.seed)(&m).await;
        run_samples(&mut m, &fixture).await;
        drop(moto);
    }
}

async fn run_samples(m: &mut Deployment, fixture: &Fixture) {
    let system = m.system.name;
    let samples = samples(system);
    assert!(samples.len() >= m.functions.len(), "a sample per function");
    // Requests first, those that change what others name last among them, then events: each
    // sample finds what it names.
    let rank = |name: &str, json: &str| match () {
        _ if fixture.destructive.contains(&name) => 1,
        _ if json.contains("\"routeKey\"") => 0,
        _ => 2,
    };
    let mut ordered = samples;
    ordered.sort_by_key(|(name, json)| rank(name, json));

    for (name, json) in ordered {
        if let Some(context) = name.strip_suffix("-publisher") {
            let context = context.strip_prefix(&format!("{system}-")).unwrap();
            let event: StreamEvent = serde_json::from_str(&json).unwrap();
            assert!(!event.records.is_empty(), "{name}: an empty stream batch");
            let stream = m.stream(context).unwrap();
            let response = publish_batch(&stream.publisher, event).await;
            assert!(
                response.batch_item_failures.is_empty(),
                "{name}: {:?}",
                response.batch_item_failures
            );
            continue;
        }
        let function = m
            .functions
            .iter()
            .find(|f| f.info.name == name)
            .unwrap_or_else(|| panic!("{name}.json names no function"));
        match &function.invoke {
            Invoke::Http(invoke) => {
                let request =
                    lambda_http::request::from_str(&json).unwrap_or_else(|e| panic!("{name}: {e}"));
                let response =
                    http::handle(function.info.name, function.info.access, invoke, request).await;
                let status = response.status().as_u16();
                assert!(
                    status < 500,
                    "{name} answered {status}: {:?}",
                    response.body()
                );
                assert_eq!(
                    response.headers()["x-correlation-id"],
                    format!("sample-{name}").as_str()
                );
                let expected = fixture
                    .statuses
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map_or(200, |(_, status)| *status);
                assert_eq!(status, expected, "{name}: {:?}", response.body());
            }
            Invoke::Event(invoke) => {
                let batch: SqsEvent =
                    serde_json::from_str(&json).unwrap_or_else(|e| panic!("{name}: {e}"));
                assert!(!batch.records.is_empty(), "{name}: an empty batch");
                let response = handle_batch(function.info.name, invoke, batch).await;
                assert!(
                    response.batch_item_failures.is_empty(),
                    "{name}: {:?}",
                    response.batch_item_failures
                );
            }
            Invoke::Tick(invoke) => {
                let event: serde_json::Value = serde_json::from_str(&json).unwrap();
                handle_tick(function.info.name, invoke, &event)
                    .await
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
            }
        }
    }
    // What the publishers put on the topics reached the subscribed queues.
    let pumped = m.pump().await.unwrap();
    assert!(pumped.handler_invocations > 0);
}
