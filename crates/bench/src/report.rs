//! The benchmarks' results as the Markdown tables BENCHMARKS.md is made of.

use std::{fmt::Write as _, time::Duration};

use crate::{
    benchmarks::{DrainResult, HttpResult, StoreResult, VIEW_POLL, ViewLatency},
    machine::Machine,
};

/// The whole of BENCHMARKS.md: where and when it was measured, then every section.
pub fn document(machine: &Machine, date: &str, sections: &[String]) -> String {
    let mut out = format!(
        "# Benchmarks\n\n\
         Written by `scripts/bench`, which builds the gateway and the `bench` binary (crates/bench) \
         in release and runs every benchmark below; each section names the command that \
         reproduces its numbers alone. Every benchmark starts its own gateway process \
         (release build, `RUST_LOG=warn`, default settings) on a fresh data folder, on \
         127.0.0.1, with the load generator on the same machine.\n\n\
         Machine: {}  \nDate: {date}\n",
        machine.summary()
    );
    for section in sections {
        out.push('\n');
        out.push_str(section);
    }
    out
}

/// One section on its own, as a single benchmark prints it.
pub fn standalone(machine: &Machine, date: &str, section: &str) -> String {
    format!(
        "Machine: {}  \nDate: {date}\n\n{section}",
        machine.summary()
    )
}

pub fn http_section(results: &[HttpResult], seconds: u64) -> String {
    format!(
        "## Local gateway: throughput and latency\n\n\
         Command: `scripts/bench http` (one row: `scripts/bench http --endpoint query --concurrency 16`)\n\n\
         A closed loop: each of *concurrency* clients keeps one HTTP/1.1 keep-alive connection and \
         sends its next request as soon as the last one is answered, for {seconds} s after a 2 s \
         warm-up. Latency runs from sending a request to having read its whole response. The \
         query reads the MyPage of one of 100 users (5 bookings each, 500 in all). The command \
         books one seat, round-robin over 8 exhibitions (*available* is the share answered 2xx): a synchronous call to museum, then the \
         booking and its event in one write; *bus drained after* is how long the bus then took \
         to deliver every event the run recorded (per booking, 6 deliveries, which record 2 more events). \
         The family's query reads the moveview of one of 100 families (5 moves each); its command \
         is a device's position report for one of those 500 moves: a synchronous call to move, \
         then the report and `LocRegistered` in one write (2 deliveries each, to move and the \
         moveview). \
         The packing rows: the query reads the order list of one of 100 customers (5 orders each); \
         the command places one order (the order and `PackingOrdered` in one write; per order, 2 \
         deliveries, which record 1 more event, projected once more). \
         The moving rows: the query reads the moverinfos of one of 100 customers (5 calls each, \
         100 mover companies registered); the command calls a mover (a synchronous call to \
         movemanage, which records the request and `MovermanageAssigned`, then the call and \
         `MovercallCalled` in one write; the bus then assigns one of the 100 companies, each \
         serving one move at a time, or fails the call once none is free, and projects and \
         messages the outcome: 7 deliveries per call, which record 4 more events). \
         The petmily rows carry each member's access token, checked at the door: the query reads \
         the care-status view of one of 100 members (5 matches each, asked of one approved \
         sitter); the command is a member's care request for their pet (a synchronous call to \
         pet's internal function for the pet's card, then the request and \
         `PetCareApplicationOpened` in one write).\n\n{}",
        http_table(results)
    )
}

pub fn hot_section(results: &[HttpResult], seconds: u64) -> String {
    format!(
        "## A popular exhibition\n\n\
         Command: `scripts/bench http --endpoint hot --concurrency 96 --seconds {seconds}`\n\n\
         Every client books one seat of the same exhibition (100,000 seats), as in the table \
         above: each booking takes from the exhibition's one seats counter by a write \
         conditional on it staying at zero or more, in the same atomic write as the \
         reservation, so a crowd never retries on each other's writes. Every answer is a 201 \
         until the exhibition is sold out, then a 409; a 503 would be a failure.\n\n{}",
        http_table(results)
    )
}

pub fn view_section(view: &ViewLatency) -> String {
    format!(
        "## Command to view\n\n\
         Command: `scripts/bench view-latency`\n\n\
         One booking at a time, each for a new user, on an otherwise idle gateway: from \
         `POST /museum/books` answered to the booking shown as COMPLETED in \
         `GET /museum/myPages?userId=` — three hops of the bus (Booked → confirm → \
         EntryConfirmed → book → BookCompleted → mypage).\n\n{}",
        view_table(view)
    )
}

pub fn family_view_section(view: &ViewLatency) -> String {
    format!(
        "## Command to view: family\n\n\
         Command: `scripts/bench family-view-latency`\n\n\
         One position report at a time, of one move, on an otherwise idle gateway: from \
         `POST /family/locations` answered to its `locId` shown in `GET /family/moveviews/{{id}}` — \
         one hop of the bus (LocRegistered → moveview).\n\n{}",
        view_table(view).replacen("| bookings |", "| reports |", 1)
    )
}

pub fn packing_view_section(view: &ViewLatency) -> String {
    format!(
        "## Command to view: packing\n\n\
         Command: `scripts/bench packing-view-latency`\n\n\
         One order at a time, each for a new customer, on an otherwise idle gateway: from \
         `POST /packing/packingorders` answered to the order shown as ORDERED with its task \
         WAITING in `GET /packing/orderinfos?userId=` — two hops of the bus (PackingOrdered → \
         orderinfo, and PackingOrdered → productpacking → PackingTaskCreated → orderinfo).\n\n{}",
        view_table(view).replacen("| bookings |", "| orders |", 1)
    )
}

pub fn moving_view_section(view: &ViewLatency) -> String {
    format!(
        "## Command to view: moving\n\n\
         Command: `scripts/bench moving-view-latency`\n\n\
         One call at a time, each for a new customer, with one mover company registered, on an \
         otherwise idle gateway: from `POST /moving/movers` answered to the call shown as \
         CONFIRMED with its company in `GET /moving/moverinfos?tel=` — three hops of the bus \
         (MovermanageAssigned → moveassign → MoverassignCompleted → movecall → \
         MovercallConfirmed → customer). Each call is then cancelled, untimed, and its row waited \
         for as CANCELLED, so that the company is free for the next one.\n\n{}",
        view_table(view).replacen("| bookings |", "| calls |", 1)
    )
}

pub fn petmily_view_section(view: &ViewLatency) -> String {
    format!(
        "## Command to view: petmily\n\n\
         Command: `scripts/bench petmily-view-latency`\n\n\
         One match at a time, for a new care request of one of 10 members, all asking one \
         approved sitter, on an otherwise idle gateway: from `POST /petmily/api/v1/match` answered \
         (match reads the member and the pet synchronously from user's and pet's internal \
         functions) to the match shown REQUESTED in `GET /petmily/api/v1/match/status?memberId=` \
         — one hop of the bus (MatchRequested → status).\n\n{}",
        view_table(view).replacen("| bookings |", "| matches |", 1)
    )
}

pub fn drain_section(results: &[DrainResult]) -> String {
    let mut table = String::from(
        "| bookings made with every handler down | deliveries queued | drained in | bookings completed/s |\n\
         |--:|--:|--:|--:|\n",
    );
    for r in results {
        let _ = writeln!(
            table,
            "| {} | {} | {} | {:.0} |",
            thousands(r.bookings),
            thousands(r.queued),
            seconds(r.drained_in),
            r.bookings as f64 / r.drained_in.as_secs_f64().max(f64::EPSILON),
        );
    }
    format!(
        "## Bus backlog\n\n\
         Command: `scripts/bench bus-drain` (one row: `scripts/bench bus-drain --bookings 4000`)\n\n\
         Bookings are made while every event handler is down (`POST /admin/functions/{{name}}/down`), \
         so their deliveries queue up; then every handler comes back at once and the time runs \
         until the bus has delivered everything, including the events those deliveries record \
         (until `GET /admin/backlog` is 0). A bus whose cost per delivery does not grow with \
         its backlog completes the same bookings per second in every row.\n\n{table}"
    )
}

pub fn store_section(results: &[StoreResult], concurrency: usize, seconds: u64) -> String {
    format!(
        "## Store size\n\n\
         Command: `scripts/bench store-scaling` (one row: `scripts/bench store-scaling --rows 100000`)\n\n\
         The MyPage store is seeded directly through the embedded store API \
         (`embedded::store::SqliteStore`, transactions of 100 rows, 10 rows per user), then \
         the gateway starts on the folder and {concurrency} clients read random users' \
         `GET /museum/myPages?userId=` for {seconds} s after a 2 s warm-up.\n\n{}",
        store_table(results)
    )
}

pub fn http_table(results: &[HttpResult]) -> String {
    let mut out = String::from(
        "| endpoint | concurrency | requests/s | p50 ms | p99 ms | max ms | 2xx | available | errors | bus drained after |\n\
         |---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n",
    );
    for r in results {
        let rep = &r.report;
        let _ = writeln!(
            out,
            "| `{}` | {} | {:.0} | {:.2} | {:.2} | {:.1} | {} | {:.1} % | {} | {} |",
            r.endpoint.label(),
            rep.spec.concurrency,
            rep.throughput(),
            rep.latency_ms(0.50),
            rep.latency_ms(0.99),
            rep.latency_ms(1.0),
            rep.ok,
            rep.available_percent(),
            rep.errors_described(),
            r.drained_after.map_or_else(|| "—".to_owned(), seconds),
        );
    }
    out
}

pub fn view_table(view: &ViewLatency) -> String {
    let ms = |q: f64| view.latency.value_at_quantile(q) as f64 / 1000.0;
    format!(
        "| bookings | p50 ms | p99 ms | max ms | not visible within 10 s |\n\
         |--:|--:|--:|--:|--:|\n\
         | {} | {:.1} | {:.1} | {:.1} | {} |\n\n\
         The view is polled every {} ms, so each number includes up to that much plus one GET.\n",
        view.latency.len(),
        ms(0.50),
        ms(0.99),
        ms(1.0),
        view.timed_out,
        VIEW_POLL.as_millis(),
    )
}

pub fn store_table(results: &[StoreResult]) -> String {
    let mut out = String::from(
        "| MyPage rows stored | store on disk | seeded in | gateway up in | requests/s | p50 ms | p99 ms | errors |\n\
         |--:|--:|--:|--:|--:|--:|--:|--:|\n",
    );
    for r in results {
        let rep = &r.report;
        let _ = writeln!(
            out,
            "| {} | {:.1} MiB | {:.1} s | {} ms | {:.0} | {:.2} | {:.2} | {} |",
            thousands(r.seeded.rows),
            r.seeded.bytes as f64 / (1024.0 * 1024.0),
            r.seeded.seconds,
            r.startup.as_millis(),
            rep.throughput(),
            rep.latency_ms(0.50),
            rep.latency_ms(0.99),
            rep.errors_described(),
        );
    }
    out
}

fn seconds(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

/// 1000000 → 1,000,000
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_000_000), "1,000,000");
    }
}
