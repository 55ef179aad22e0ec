//! The route provider port (the seed's Naver Directions call): how far and how long from one
//! place to another. The embedded default is the great-circle distance at a configurable
//! average speed; move and location both ask it.

use async_trait::async_trait;
use kernel::{AppError, Setting};

use crate::geo::Point;

/// The average speed the great-circle route provider assumes.
pub const AVERAGE_SPEED_KMH: Setting = Setting::new(
    "FAMILY_AVERAGE_SPEED_KMH",
    "40",
    "Average speed in km/h the great-circle route provider assumes (distance / speed = duration).",
);

/// The slowest and the fastest average speed a route may assume.
pub const MIN_SPEED_KMH: f64 = 1.0;
pub const MAX_SPEED_KMH: f64 = 1000.0;

/// How far and how long a route is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Route {
    /// Metres.
    pub distance: u64,
    /// Milliseconds.
    pub duration: u64,
}

#[async_trait]
pub trait RouteProvider: Send + Sync {
    async fn route(&self, from: Point, to: Point) -> Result<Route, AppError>;
}

/// The great-circle distance, travelled at `speed_kmh`.
#[derive(Clone, Copy, Debug)]
pub struct GreatCircle {
    pub speed_kmh: f64,
}

impl GreatCircle {
    /// A provider at `speed_kmh`, from 1 to 1000 km/h (slower, half the Earth's circumference
    /// would take longer than an ETA can say).
    pub fn new(speed_kmh: f64) -> anyhow::Result<Self> {
        anyhow::ensure!(
            (MIN_SPEED_KMH..=MAX_SPEED_KMH).contains(&speed_kmh),
            "{} must be from {MIN_SPEED_KMH} to {MAX_SPEED_KMH} km/h, got {speed_kmh}",
            AVERAGE_SPEED_KMH.name
        );
        Ok(Self { speed_kmh })
    }

    /// The route between two places. Pure.
    pub fn between(&self, from: Point, to: Point) -> Route {
        let metres = from.distance_m(to);
        let ms = metres / (self.speed_kmh * 1000.0 / 3_600_000.0);
        Route {
            distance: metres.round() as u64,
            duration: ms.round() as u64,
        }
    }
}

#[async_trait]
impl RouteProvider for GreatCircle {
    async fn route(&self, from: Point, to: Point) -> Result<Route, AppError> {
        Ok(self.between(from, to))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forty_kilometres_take_an_hour_at_the_default_speed() {
        let provider = GreatCircle { speed_kmh: 40.0 };
        // One degree of latitude is about 111.2 km.
        let r = provider.between(Point { lat: 0.0, lon: 0.0 }, Point { lat: 1.0, lon: 0.0 });
        assert!((111_000..111_400).contains(&r.distance), "{r:?}");
        let hours = r.duration as f64 / 3_600_000.0;
        assert!(
            (hours - r.distance as f64 / 40_000.0).abs() < 0.001,
            "{r:?}"
        );
    }

    #[test]
    fn a_speed_outside_one_to_a_thousand_kmh_is_refused() {
        assert!(GreatCircle::new(0.0).is_err());
        assert!(GreatCircle::new(-3.0).is_err());
        assert!(GreatCircle::new(f64::INFINITY).is_err());
        assert!(GreatCircle::new(f64::NAN).is_err());
        assert!(GreatCircle::new(0.5).is_err());
        assert!(GreatCircle::new(40.0).is_ok());
    }
}
