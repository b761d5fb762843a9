//! Reading untrusted input field by field, the way Django REST Framework serializers do.
//!
//! Both doors feed the services through [`Input`]: the REST layer hands it the JSON object
//! it received, server functions the strings of a form. Each reader records its own
//! messages under the field's name, so a client gets every problem at once, and nothing
//! malformed can turn into a server error.

use crate::error::{AppError, FieldErrors, NON_FIELD_ERRORS};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::{Map, Value};
use std::str::FromStr;

pub const REQUIRED: &str = "This field is required.";
pub const NOT_NULL: &str = "This field may not be null.";
pub const NOT_BLANK: &str = "This field may not be blank.";
/// The longest email address accepted (RFC 5321's path limit), as Django's `EmailField`.
pub const EMAIL_MAX: usize = 254;

/// One request's fields, and the errors found in them so far.
#[derive(Debug, Default)]
pub struct Input {
    fields: Map<String, Value>,
    errors: FieldErrors,
}

impl Input {
    /// Reads a JSON body. Anything but an object is a validation error, as in DRF.
    pub fn from_json(value: Value) -> Result<Self, AppError> {
        match value {
            Value::Object(fields) => Ok(Input {
                fields,
                errors: FieldErrors::new(),
            }),
            other => Err(AppError::field(
                "Invalid input.",
                NON_FIELD_ERRORS,
                format!(
                    "Invalid data. Expected a dictionary, but got {}.",
                    json_type_name(&other)
                ),
            )),
        }
    }

    /// Builds input from name/value pairs, as an HTML form sends them.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, String)>) -> Self {
        Input {
            fields: pairs
                .into_iter()
                .map(|(k, v)| (k.to_owned(), Value::String(v)))
                .collect(),
            errors: FieldErrors::new(),
        }
    }

    /// A phone number in international form: `+` then 9 to 15 digits. Spaces, dashes, dots
    /// and parentheses are allowed while typing and removed. Blank clears it.
    pub fn phone(&mut self, key: &str) -> Option<String> {
        let raw = self.optional_text(key, 40)?;
        if raw.is_empty() {
            return Some(raw);
        }
        let compact: String = raw.chars().filter(|c| !" -.()".contains(*c)).collect();
        let digits = compact.strip_prefix('+').unwrap_or("");
        if digits.len() >= 9 && digits.len() <= 15 && digits.chars().all(|c| c.is_ascii_digit()) {
            Some(compact)
        } else {
            self.error(
                key,
                "Enter a phone number in international form: + and 9 to 15 digits, e.g. +1234567890.",
            );
            None
        }
    }

    pub fn is_present(&self, key: &str) -> bool {
        self.fields.contains_key(key)
    }

    /// Adds `message` to `key`'s messages, once: two checks that find the same fault
    /// (a NUL seen by the list's parameters and again by the field) say it once.
    pub fn error(&mut self, key: &str, message: impl Into<String>) {
        let message = message.into();
        let messages = self.errors.entry(key.to_owned()).or_default();
        if !messages.contains(&message) {
            messages.push(message);
        }
    }

    pub fn has_error(&self, key: &str) -> bool {
        self.errors.contains_key(key)
    }

    /// Ends reading: `Ok` when every field was valid, else a validation error carrying all
    /// the messages under `message`.
    pub fn finish(self, message: &str) -> Result<(), AppError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation {
                message: message.to_owned(),
                details: self.errors,
            })
        }
    }

    /// The raw value of a field, recording "required" or "null" problems. `None` when the
    /// field is absent and not required, or invalid.
    fn value(&mut self, key: &str, required: bool) -> Option<Value> {
        match self.fields.get(key) {
            None => {
                if required {
                    self.error(key, REQUIRED);
                }
                None
            }
            Some(Value::Null) => {
                self.error(key, NOT_NULL);
                None
            }
            Some(v) => Some(v.clone()),
        }
    }

    /// A text field that may not be blank, trimmed. It must be present when `required`;
    /// when present it may not be blank either way (DRF's `allow_blank=False`).
    pub fn text(&mut self, key: &str, required: bool, max_chars: usize) -> Option<String> {
        let raw = self.scalar_string(key, required)?;
        let trimmed = raw.trim().to_owned();
        if trimmed.is_empty() {
            self.error(key, NOT_BLANK);
            return None;
        }
        self.check_length(key, &trimmed, max_chars)
    }

    /// A text field that may be left out or blank, such as notes.
    pub fn optional_text(&mut self, key: &str, max_chars: usize) -> Option<String> {
        let raw = self.scalar_string(key, false)?;
        self.check_length(key, raw.trim(), max_chars)
    }

    /// A secret, read exactly as sent (no trimming).
    pub fn secret(&mut self, key: &str, max_chars: usize) -> Option<String> {
        let raw = self.scalar_string(key, true)?;
        if raw.is_empty() {
            self.error(key, NOT_BLANK);
            return None;
        }
        self.check_length(key, &raw, max_chars)
    }

    fn check_length(&mut self, key: &str, value: &str, max_chars: usize) -> Option<String> {
        if value.chars().count() > max_chars {
            self.error(
                key,
                format!("Ensure this field has no more than {max_chars} characters."),
            );
            return None;
        }
        Some(value.to_owned())
    }

    /// A string, or a number or boolean written as one (DRF's `CharField` accepts those).
    fn scalar_string(&mut self, key: &str, required: bool) -> Option<String> {
        match self.value(key, required)? {
            Value::String(s) => {
                if s.contains('\0') {
                    self.error(key, "Null characters are not allowed.");
                    return None;
                }
                Some(s)
            }
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => {
                self.error(key, "Not a valid string.");
                None
            }
        }
    }

    /// An email address, trimmed, with the domain lower-cased.
    /// An optional one (`required` false) may be blank, which reads as "".
    pub fn email(&mut self, key: &str, required: bool) -> Option<String> {
        let value = if required {
            self.text(key, true, EMAIL_MAX)?
        } else {
            self.optional_text(key, EMAIL_MAX)?
        };
        if value.is_empty() {
            return Some(value);
        }
        match normalize_email(&value) {
            Some(email) => Some(email),
            None => {
                self.error(key, "Enter a valid email address.");
                None
            }
        }
    }

    /// An integer within `min..=max`, given as a JSON number or a string of digits.
    pub fn integer(&mut self, key: &str, required: bool, min: i64, max: i64) -> Option<i64> {
        let parsed = match self.value(key, required)? {
            Value::Number(n) => n.as_i64().or_else(|| {
                n.as_f64()
                    .filter(|f| f.fract() == 0.0 && f.abs() < 1e15)
                    .map(|f| f as i64)
            }),
            Value::String(s) => s.trim().parse::<i64>().ok(),
            _ => None,
        };
        let Some(n) = parsed else {
            self.error(key, "A valid integer is required.");
            return None;
        };
        if n < min {
            self.error(
                key,
                format!("Ensure this value is greater than or equal to {min}."),
            );
            None
        } else if n > max {
            self.error(
                key,
                format!("Ensure this value is less than or equal to {max}."),
            );
            None
        } else {
            Some(n)
        }
    }

    /// A boolean: JSON `true`/`false`, or the words DRF's `BooleanField` accepts.
    pub fn boolean(&mut self, key: &str, required: bool) -> Option<bool> {
        let parsed = match self.value(key, required)? {
            Value::Bool(b) => Some(b),
            Value::Number(n) => match n.as_i64() {
                Some(1) => Some(true),
                Some(0) => Some(false),
                _ => None,
            },
            Value::String(s) => parse_bool(&s),
            _ => None,
        };
        if parsed.is_none() {
            self.error(key, "Must be a valid boolean.");
        }
        parsed
    }

    /// A decimal with at most `max_digits` digits, `places` of them after the point, and
    /// not below `min`. Accepts a JSON number or a string.
    pub fn decimal(
        &mut self,
        key: &str,
        required: bool,
        max_digits: u32,
        places: u32,
        min: Decimal,
    ) -> Option<Decimal> {
        let text = match self.value(key, required)? {
            // The shortest text that reads back as the same f64 is what the client wrote.
            Value::Number(n) => n.to_string(),
            Value::String(s) => s.trim().to_owned(),
            _ => String::new(),
        };
        let parsed = if text.contains(['e', 'E']) {
            Decimal::from_scientific(&text).ok()
        } else {
            Decimal::from_str(&text).ok()
        };
        let Some(value) = parsed else {
            self.error(key, "A valid number is required.");
            return None;
        };
        let value = value.normalize();
        let scale = value.scale();
        let integer_digits = value
            .trunc()
            .abs()
            .to_string()
            .trim_start_matches('0')
            .len() as u32;
        if scale > places {
            self.error(
                key,
                format!("Ensure that there are no more than {places} decimal places."),
            );
            None
        } else if integer_digits > max_digits - places {
            self.error(
                key,
                format!(
                    "Ensure that there are no more than {} digits before the decimal point.",
                    max_digits - places
                ),
            );
            None
        } else if value < min {
            self.error(
                key,
                format!("Ensure this value is greater than or equal to {min}."),
            );
            None
        } else {
            Some(value)
        }
    }

    /// A calendar date written `YYYY-MM-DD`.
    pub fn date(&mut self, key: &str, required: bool) -> Option<NaiveDate> {
        let parsed = match self.value(key, required)? {
            Value::String(s) => NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok(),
            _ => None,
        };
        if parsed.is_none() {
            self.error(
                key,
                "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.",
            );
        }
        parsed
    }

    /// A date that may be cleared: `None` when absent, `Some(None)` for `null` or blank.
    pub fn optional_date(&mut self, key: &str) -> Option<Option<NaiveDate>> {
        match self.fields.get(key) {
            None => None,
            Some(Value::Null) => Some(None),
            Some(Value::String(s)) if s.trim().is_empty() => Some(None),
            Some(_) => self.date(key, true).map(Some),
        }
    }

    /// One of a fixed set of values, or blank. `None` when absent or invalid.
    pub fn optional_choice(&mut self, key: &str, choices: &[&str]) -> Option<String> {
        match self.fields.get(key) {
            Some(Value::String(s)) if s.trim().is_empty() => Some(String::new()),
            Some(Value::Null) => Some(String::new()),
            Some(_) => self.choice(key, true, choices),
            None => None,
        }
    }

    /// The id of a related object: a positive integer.
    pub fn id(&mut self, key: &str, required: bool) -> Option<i64> {
        let value = self.value(key, required)?;
        let parsed = match &value {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse::<i64>().ok(),
            _ => None,
        };
        match parsed {
            Some(id) if id > 0 => Some(id),
            Some(id) => {
                self.error(key, format!("Invalid pk \"{id}\" - object does not exist."));
                None
            }
            None => {
                self.error(
                    key,
                    format!(
                        "Incorrect type. Expected pk value, received {}.",
                        drf_type_name(&value)
                    ),
                );
                None
            }
        }
    }

    /// One of a fixed set of values.
    pub fn choice(&mut self, key: &str, required: bool, choices: &[&str]) -> Option<String> {
        let value = self.scalar_string(key, required)?;
        let trimmed = value.trim();
        if let Some(found) = choices.iter().find(|c| c.eq_ignore_ascii_case(trimmed)) {
            Some((*found).to_owned())
        } else {
            self.error(key, format!("\"{value}\" is not a valid choice."));
            None
        }
    }
}

/// Parses the words DRF accepts for a boolean.
pub fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "y" | "on" | "t" => Some(true),
        "false" | "0" | "no" | "n" | "off" | "f" => Some(false),
        _ => None,
    }
}

fn json_type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

fn drf_type_name(value: &Value) -> &'static str {
    json_type_name(value)
}

/// Checks an address's shape and lower-cases its domain (the local part is left as typed).
/// Returns `None` for anything that is not a plausible address.
pub fn normalize_email(value: &str) -> Option<String> {
    let (local, domain) = value.rsplit_once('@')?;
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
    let domain = domain.to_ascii_lowercase();
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && domain.len() <= 253
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && !tld.chars().all(|c| c.is_ascii_digit()));
    (local_ok && domain_ok).then(|| format!("{local}@{domain}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn input(v: Value) -> Input {
        Input::from_json(v).unwrap()
    }

    #[test]
    fn a_missing_required_field_is_reported_by_name() {
        let mut i = input(json!({}));
        assert_eq!(i.text("name", true, 10), None);
        let err = i.finish("Failed").unwrap_err();
        assert_eq!(err.field_messages("name"), [REQUIRED]);
    }

    #[test]
    fn text_is_trimmed_and_blank_is_refused_even_when_optional() {
        let mut i = input(json!({"a": "  x  ", "b": "   ", "c": "\u{c}"}));
        assert_eq!(i.text("a", true, 10).as_deref(), Some("x"));
        assert_eq!(i.text("b", true, 10), None);
        assert_eq!(i.text("c", false, 10), None);
        assert!(i.has_error("b") && i.has_error("c"));
        assert_eq!(i.optional_text("b", 10).as_deref(), Some(""));
    }

    #[test]
    fn a_non_object_body_is_a_validation_error() {
        let err = Input::from_json(json!([1, 2])).unwrap_err();
        assert_eq!(err.http_status(), 400);
        assert!(err.field_messages(NON_FIELD_ERRORS)[0].contains("got list"));
    }

    #[test]
    fn decimals_keep_their_exact_value_and_limit_places() {
        let mut i =
            input(json!({"a": 150.0, "b": "19.99", "c": 0.125, "d": -1, "e": "abc", "f": 1e9}));
        let zero = Decimal::ZERO;
        assert_eq!(
            i.decimal("a", true, 10, 2, zero).unwrap().to_string(),
            "150"
        );
        assert_eq!(
            i.decimal("b", true, 10, 2, zero).unwrap().to_string(),
            "19.99"
        );
        assert_eq!(i.decimal("c", true, 10, 2, zero), None);
        assert_eq!(i.decimal("d", true, 10, 2, zero), None);
        assert_eq!(i.decimal("e", true, 10, 2, zero), None);
        assert_eq!(i.decimal("f", true, 10, 2, zero), None);
        assert_eq!(i.decimal("absent", false, 10, 2, zero), None);
        assert!(!i.has_error("absent"));
    }

    #[test]
    fn integers_accept_numbers_and_digit_strings_within_bounds() {
        let mut i = input(json!({"a": 10, "b": "12", "c": 81, "d": 1.5, "e": true}));
        assert_eq!(i.integer("a", true, 0, 80), Some(10));
        assert_eq!(i.integer("b", true, 0, 80), Some(12));
        assert_eq!(i.integer("c", true, 0, 80), None);
        assert_eq!(i.integer("d", true, 0, 80), None);
        assert_eq!(i.integer("e", true, 0, 80), None);
    }

    #[test]
    fn emails_are_checked_and_their_domain_lower_cased() {
        assert_eq!(
            normalize_email("John@Example.COM").as_deref(),
            Some("John@example.com")
        );
        for bad in [
            "",
            "a",
            "a@",
            "@b.com",
            "a@b",
            "a b@c.com",
            "a@b..com",
            "a@-b.com",
            "a@b.c0m.1",
        ] {
            assert_eq!(normalize_email(bad), None, "{bad}");
        }
    }

    #[test]
    fn ids_must_be_positive_integers() {
        let mut i = input(json!({"a": 3, "b": "4", "c": 0, "d": "x", "e": [1]}));
        assert_eq!(i.id("a", true), Some(3));
        assert_eq!(i.id("b", true), Some(4));
        assert_eq!(i.id("c", true), None);
        assert_eq!(i.id("d", true), None);
        assert_eq!(i.id("e", true), None);
    }
}
