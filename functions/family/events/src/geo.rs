//! A place on Earth, as a device reports it: latitude and longitude in degrees (WGS 84), checked
//! as they decode (finite, latitude within ±90, longitude within ±180), and the great-circle
//! distance between two places.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use utoipa::{
    PartialSchema, ToSchema,
    openapi::{ObjectBuilder, RefOr, Schema, Type},
};

/// Mean radius of the Earth in metres (IUGG).
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// A position: `{lat, lon}` in degrees.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawPoint")]
pub struct Point {
    /// Latitude in degrees, -90 to 90.
    pub lat: f64,
    /// Longitude in degrees, -180 to 180.
    pub lon: f64,
}

fn degrees(min: f64, max: f64, example: f64, doc: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .examples([serde_json::json!(example)])
        .schema_type(Type::Number)
        .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
            utoipa::openapi::KnownFormat::Double,
        )))
        .minimum(Some(min))
        .maximum(Some(max))
        .description(Some(doc))
}

/// Its schema carries an example of the whole object, so that an event's sample payload (built
/// from its schema's examples) has one where a field is a `Point`.
impl PartialSchema for Point {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some("A position: `{lat, lon}` in degrees (WGS 84)."))
            .property(
                "lat",
                degrees(-90.0, 90.0, 37.5133, "Latitude in degrees, -90 to 90."),
            )
            .property(
                "lon",
                degrees(
                    -180.0,
                    180.0,
                    127.1001,
                    "Longitude in degrees, -180 to 180.",
                ),
            )
            .required("lat")
            .required("lon")
            .additional_properties(Some(
                utoipa::openapi::schema::AdditionalProperties::FreeForm(false),
            ))
            .examples([serde_json::json!({"lat": 37.5665, "lon": 126.978})])
            .into()
    }
}

impl ToSchema for Point {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Point")
    }
}

/// `{lat, lon}` as a JSON object only: an array would be ambiguous (GeoJSON writes `[lon, lat]`).
struct RawPoint {
    lat: f64,
    lon: f64,
}

impl<'de> Deserialize<'de> for RawPoint {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = RawPoint;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object {\"lat\": degrees, \"lon\": degrees}")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<RawPoint, A::Error> {
                use serde::de::Error;
                let (mut lat, mut lon) = (None, None);
                while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                    let slot = match key.as_ref() {
                        "lat" => &mut lat,
                        "lon" => &mut lon,
                        other => return Err(A::Error::unknown_field(other, &["lat", "lon"])),
                    };
                    if slot.is_some() {
                        return Err(A::Error::custom(format!("duplicate field `{key}`")));
                    }
                    *slot = Some(map.next_value::<f64>()?);
                }
                Ok(RawPoint {
                    lat: lat.ok_or_else(|| A::Error::missing_field("lat"))?,
                    lon: lon.ok_or_else(|| A::Error::missing_field("lon"))?,
                })
            }
        }
        d.deserialize_map(Visit)
    }
}

impl TryFrom<RawPoint> for Point {
    type Error = String;
    fn try_from(raw: RawPoint) -> Result<Self, String> {
        Point::new(raw.lat, raw.lon)
    }
}

impl Point {
    /// A checked position: both finite, latitude within ±90, longitude within ±180.
    pub fn new(lat: f64, lon: f64) -> Result<Self, String> {
        if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
            return Err(format!("lat must be between -90 and 90, got {lat}"));
        }
        if !lon.is_finite() || !(-180.0..=180.0).contains(&lon) {
            return Err(format!("lon must be between -180 and 180, got {lon}"));
        }
        Ok(Self { lat, lon })
    }

    /// The great-circle (haversine) distance to `other`, in metres.
    pub fn distance_m(self, other: Point) -> f64 {
        let (p1, p2) = (self.lat.to_radians(), other.lat.to_radians());
        let dp = p2 - p1;
        let dl = (other.lon - self.lon).to_radians();
        let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_M * a.sqrt().min(1.0).asin()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_place_is_no_distance_from_itself() {
        let seoul = Point::new(37.5665, 126.978).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(seoul.distance_m(seoul), 0.0);
    }

    #[test]
    fn seoul_city_hall_to_gangnam_station_is_about_nine_kilometres() {
        let city_hall = Point {
            lat: 37.5665,
            lon: 126.978,
        };
        let gangnam = Point {
            lat: 37.4979,
            lon: 127.0276,
        };
        let d = city_hall.distance_m(gangnam);
        assert!((8_500.0..9_500.0).contains(&d), "{d}");
    }

    #[test]
    fn a_latitude_beyond_the_poles_or_a_longitude_beyond_the_antimeridian_is_refused() {
        assert!(Point::new(90.5, 0.0).is_err());
        assert!(Point::new(0.0, -180.5).is_err());
        assert!(Point::new(f64::NAN, 0.0).is_err());
        assert!(serde_json::from_str::<Point>(r#"{"lat": 91, "lon": 0}"#).is_err());
        assert!(serde_json::from_str::<Point>(r#"{"lat": "1", "lon": 0}"#).is_err());
        assert!(serde_json::from_str::<Point>(r#"{"lat": 1, "lon": 0, "alt": 3}"#).is_err());
        assert!(serde_json::from_str::<Point>(r#"[1, 2]"#).is_err());
        assert!(serde_json::from_str::<Point>(r#"{"lat": 1, "lat": 2, "lon": 0}"#).is_err());
        assert!(serde_json::from_str::<Point>(r#"{"lat": 1, "lon": 2}"#).is_ok());
    }
}
