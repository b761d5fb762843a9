//! Money as DRF's `DecimalField` writes it: a string with two decimals (`"150.00"`).

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serializer};

/// `150` → `"150.00"`: how fees are written on the wire and on pages.
pub fn format(value: &Decimal) -> String {
    format!("{:.2}", value.round_dp(2))
}

pub fn serialize<S: Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&format(value))
}

pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
    let text = String::deserialize(deserializer)?;
    text.parse().map_err(serde::de::Error::custom)
}
