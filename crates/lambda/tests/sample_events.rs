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
use museum_museum::domain::{
    Museum as Exhibition, MuseumCmd, Reservation, ReservationStatus, Seats,
};
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
    let seats = Seats {
        id: MUSEUM_ID.into(),
        free: 28,
    };
    tx.put(&seats, 0).unwrap();
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

/// The order the packing samples name, its task, its payment and its row, as the flow would
/// have left them after the order was accepted.
async fn seed_packing(m: &Deployment) {
    use packing_orderinfo::view::OrderInfo;
    use packing_packingorder::domain::{OrderCmd, PackingOrder};
    use packing_payment::domain::{Payment, PaymentCmd};
    use packing_productpacking::domain::{PackingTask, TaskCmd};

    let cx = kernel::Call::new(None);
    let ordered = packing_events::PackingOrdered {
        order_id: packing_events::SAMPLE_ORDER_ID.into(),
        user_id: "kim".into(),
        product_id: "strawberries-500g".into(),
        product_name: "Strawberries 500 g".into(),
        qty: 2,
        address: "Seoul".into(),
    };
    let orders = Repo::<PackingOrder>::new(m.stores["packingorder"].clone());
    let events = PackingOrder::default()
        .decide(OrderCmd::Order(ordered.clone()))
        .unwrap();
    let order = aggregate::create(&orders, Tx::new(), events, &cx)
        .await
        .unwrap();

    let tasks = Repo::<PackingTask>::new(m.stores["productpacking"].clone());
    let events = PackingTask::default()
        .decide(TaskCmd::Create(ordered.clone()))
        .unwrap();
    aggregate::create(&tasks, Tx::new(), events, &cx)
        .await
        .unwrap();

    let payments = Repo::<Payment>::new(m.stores["payment"].clone());
    let events = Payment::default()
        .decide(PaymentCmd::Pay {
            order_id: ordered.order_id.clone(),
            user_id: ordered.user_id.clone(),
        })
        .unwrap();
    aggregate::create(&payments, Tx::new(), events, &cx)
        .await
        .unwrap();

    let row = OrderInfo::default().project(&order.events[0]).unwrap();
    let mut tx = Tx::new();
    tx.put(&row, 0).unwrap();
    m.stores["orderinfo"].commit(tx.into_inner()).await.unwrap();
}

/// The call and the company the moving samples name, as the flow would have left them: the
/// call CONFIRMED with the company serving it, movemanage's request, the customer's row.
async fn seed_moving(m: &Deployment) {
    use moving_customer::view::Moverinfo;
    use moving_events::{MoveType, SAMPLE_CALL_ID, SAMPLE_COMPANY_ID};
    use moving_moveassign::domain::{AssignCmd, Company, CompanyStatus, Moverassign, Order};
    use moving_movecall::domain::{Movercall, MovercallCmd};
    use moving_movemanage::domain::{ManageCmd, Movermanage};

    let cx = kernel::Call::new(None);
    // What the samples' request bodies carry (from their schemas' examples).
    let (tel, location, cost) = ("01012345678", "Hall A", 2);
    let calls = Repo::<Movercall>::new(m.stores["movecall"].clone());
    let events = Movercall::default()
        .decide(MovercallCmd::Call {
            id: SAMPLE_CALL_ID.into(),
            tel: tel.into(),
            location: location.into(),
            cost,
            move_type: MoveType::Packing,
        })
        .unwrap();
    let called = aggregate::create(&calls, Tx::new(), events, &cx)
        .await
        .unwrap();

    let requests = Repo::<Movermanage>::new(m.stores["movemanage"].clone());
    let events = Movermanage::default()
        .decide(ManageCmd::Request {
            order_id: SAMPLE_CALL_ID.into(),
            tel: tel.into(),
            location: location.into(),
            cost,
            move_type: MoveType::Packing,
            at_ms: 0,
        })
        .unwrap();
    aggregate::create(&requests, Tx::new(), events, &cx)
        .await
        .unwrap();

    let company = Company {
        id: SAMPLE_COMPANY_ID.into(),
        name: "Mapo Movers".into(),
        tel: "0212345678".into(),
        regions: vec![location.into()],
        move_types: vec![MoveType::Packing],
        status: CompanyStatus::Available,
        order_id: None,
    };
    let busy = company.take(SAMPLE_CALL_ID).unwrap();
    let assignments = Repo::<Moverassign>::new(m.stores["moveassign"].clone());
    let events = Moverassign::default()
        .decide(AssignCmd::Assign {
            order: Order {
                order_id: SAMPLE_CALL_ID.into(),
                tel: tel.into(),
                location: location.into(),
                move_type: MoveType::Packing,
            },
            taken: Some(busy.clone()),
        })
        .unwrap();
    let mut tx = Tx::new();
    tx.put(&busy, 0).unwrap();
    aggregate::create(&assignments, tx, events, &cx)
        .await
        .unwrap();

    let row = Moverinfo::default().project(&called.events[0]).unwrap();
    let mut tx = Tx::new();
    tx.put(&row, 0).unwrap();
    m.stores["customer"].commit(tx.into_inner()).await.unwrap();
}

/// The family the samples name: mom founded it, son asked to join; mom is moving; son has an
/// alarm about it; location has one report of the move; the moveview shows it.
async fn seed_family(m: &Deployment) {
    use family_events::{
        Point, SAMPLE_ALARM_ID, SAMPLE_LOC_ID, SAMPLE_MOVE_ID, route::GreatCircle,
    };
    let cx = kernel::Call::new(None);
    let customers = Repo::<family_customer::domain::Customer>::new(m.stores["customer"].clone());
    for (id, founder) in [("mom", true), ("son", false)] {
        let events = family_customer::domain::Customer::default()
            .decide(family_customer::domain::CustomerCmd::Register {
                id: id.into(),
                name: format!("Kim {id}"),
                phone: "010-1234-5678".into(),
                family_id: "kims".into(),
                founder,
            })
            .unwrap();
        aggregate::create(&customers, Tx::new(), events, &cx)
            .await
            .unwrap();
    }
    use family_family::domain::{Family, FamilyCmd};
    let families = Repo::<Family>::new(m.stores["family"].clone());
    let mut family = Family::default();
    let mut events = Vec::new();
    for (id, active) in [("mom", true), ("son", false)] {
        let more = family
            .decide(FamilyCmd::Request {
                family_id: "kims".into(),
                customer_id: id.into(),
                name: format!("Kim {id}"),
                active,
            })
            .unwrap();
        family = more.iter().fold(family, kernel::Aggregate::apply);
        events.extend(more);
    }
    aggregate::create(&families, Tx::new(), events, &cx)
        .await
        .unwrap();

    use family_move::domain::{Move, MoveCmd};
    let (start, goal) = (
        Point::new(37.5665, 126.978).unwrap(),
        Point::new(37.4979, 127.0276).unwrap(),
    );
    let moves = Repo::<Move>::new(m.stores["move"].clone());
    let events = Move::default()
        .decide(MoveCmd::Start {
            id: SAMPLE_MOVE_ID.into(),
            customer_id: "mom".into(),
            family_id: "kims".into(),
            customer_active: true,
            start,
            goal,
            route: GreatCircle { speed_kmh: 40.0 }.between(start, goal),
            now: cx.now,
        })
        .unwrap();
    let started = aggregate::create(&moves, Tx::new(), events, &cx)
        .await
        .unwrap();

    use family_location::domain::{Location, MoveAnswer, Track, TrackCmd};
    let tracks = Repo::<Track>::new(m.stores["location"].clone());
    let events = Track::default()
        .decide(TrackCmd::Report {
            loc_id: SAMPLE_LOC_ID.into(),
            answer: MoveAnswer {
                move_id: SAMPLE_MOVE_ID.into(),
                customer_id: "mom".into(),
                family_id: "kims".into(),
                status: "MOVING".into(),
            },
            position: Point::new(37.52, 127.0).unwrap(),
            remaining: family_events::route::Route {
                distance: 2_600,
                duration: 234_000,
            },
        })
        .unwrap();
    let family_location::domain::TrackEvent::LocRegistered(located) = &events[0];
    let mut tx = Tx::new();
    tx.put(&Location::of(located, cx.now), 0).unwrap();
    aggregate::create(&tracks, tx, events, &cx).await.unwrap();

    let mut tx = Tx::new();
    tx.put(
        &family_alarm::domain::Alarm {
            id: SAMPLE_ALARM_ID.into(),
            customer_id: "son".into(),
            move_id: SAMPLE_MOVE_ID.into(),
            mover_id: "mom".into(),
            kind: family_alarm::domain::AlarmType::MoveStarted,
            message: "Kim mom started a move".into(),
            read: false,
            created_at: cx.now,
        },
        0,
    )
    .unwrap();
    m.stores["alarm"].commit(tx.into_inner()).await.unwrap();

    let row = family_moveview::view::MoveView::default()
        .project(&started.events[0])
        .unwrap();
    let mut tx = Tx::new();
    tx.put(&row, 0).unwrap();
    m.stores["moveview"].commit(tx.into_inner()).await.unwrap();
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
        "packing" => Fixture {
            seed: |m| Box::pin(seed_packing(m)),
            destructive: &["packing-packingorder-cancel"],
            statuses: &[
                ("packing-packingorder-order", 201),
                ("packing-payment-pay", 201),
                // The sample's task was packed by the pack sample before it.
                ("packing-productpacking-reject", 409),
            ],
        },
        "moving" => Fixture {
            seed: |m| Box::pin(seed_moving(m)),
            destructive: &["moving-movecall-cancel", "moving-movemanage-withdraw"],
            statuses: &[
                ("moving-movecall-call", 201),
                ("moving-movemanage-request", 201),
                ("moving-moveassign-register", 201),
                ("moving-movecall-cancel", 202),
            ],
        },
        "family" => Fixture {
            seed: |m| Box::pin(seed_family(m)),
            destructive: &["family-customer-delete", "family-move-cancel"],
            statuses: &[
                ("family-customer-register", 201),
                ("family-move-start", 201),
                ("family-location-register", 201),
                // The founder approved the son's request first (the samples run in name order).
                ("family-family-deny", 409),
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
        run_samples(&mut m, &fixture, &moto).await;
        drop(moto);
    }
}

/// A live stream's `$connect` (the connection recorded under its recipient) or `$disconnect`
/// (deleted again), against the connections table the template gives the function.
async fn websocket_sample(m: &Deployment, moto: &lambda::emulator::Moto, name: &str, json: &str) {
    use lambda::live::{self, Connections};
    let event: aws_lambda_events::event::apigw::ApiGatewayWebsocketProxyRequest =
        serde_json::from_str(json).unwrap_or_else(|e| panic!("{name}: {e}"));
    let table = &m.stack.function(name).unwrap().environment[live::CONNECTIONS_TABLE];
    let connections = Connections::new(aws_sdk_dynamodb::Client::new(moto.config()), table);
    let stream = m
        .system
        .streams
        .iter()
        .find(|s| live::connect_name(m.system.name, s) == name)
        .copied();
    let connection = event.request_context.connection_id.clone().unwrap();
    let now = time::OffsetDateTime::now_utc();
    let (response, open) = match stream {
        Some(stream) => {
            let recipient = event
                .query_string_parameters
                .first(stream.recipient)
                .unwrap()
                .to_owned();
            let response = live::connect(&connections, &stream, &event, now).await;
            (response, connections.of(&recipient, now).await.unwrap())
        }
        None => {
            let response = live::disconnect(&connections, &event).await;
            let closed = connections.close_by_id(&connection).await.unwrap();
            (response, vec![String::new(); closed])
        }
    };
    assert_eq!(response.status_code, 200, "{name}: {:?}", response.body);
    if stream.is_some() {
        assert!(open.contains(&connection), "{name}: {open:?}");
    } else {
        assert!(open.is_empty(), "{name}: the connection is still recorded");
    }
}

async fn run_samples(m: &mut Deployment, fixture: &Fixture, moto: &lambda::emulator::Moto) {
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
        if name.ends_with("-ws-connect") || name.ends_with("-ws-disconnect") {
            websocket_sample(m, moto, &name, &json).await;
            continue;
        }
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
