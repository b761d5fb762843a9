//! Short-lived memory of failed form submissions, for browsers without JavaScript: the
//! server function redirects back to the form, and the form shows what was typed again.
//!
//! Entries live in this process's memory under a random key that only the submitting
//! browser holds (in an HttpOnly cookie), are read at most once, and expire after two
//! minutes, so patient details are not kept around or put into URLs.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const LIFETIME: Duration = Duration::from_secs(120);
const MAX_ENTRIES: usize = 10_000;

/// A form's fields, by name.
type Values = BTreeMap<String, String>;

#[derive(Clone, Default, Debug)]
pub struct FormMemory {
    entries: Arc<Mutex<HashMap<String, (Instant, Values)>>>,
}

impl FormMemory {
    /// Keeps the values and returns the key to recall them by.
    pub fn keep(&self, values: BTreeMap<String, String>) -> String {
        let key = uuid::Uuid::new_v4().simple().to_string();
        let now = Instant::now();
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.retain(|_, (at, _)| now.duration_since(*at) < LIFETIME);
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(key.clone(), (now, values));
        key
    }

    /// The values kept under `key`, once, if they have not expired.
    pub fn take(&self, key: &str) -> Option<BTreeMap<String, String>> {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .remove(key)
            .filter(|(at, _)| at.elapsed() < LIFETIME)
            .map(|(_, values)| values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_recalled_once_by_their_key() {
        let memory = FormMemory::default();
        let key = memory.keep(BTreeMap::from([("name".into(), "Alice".into())]));
        assert_eq!(memory.take(&key).unwrap()["name"], "Alice");
        assert!(memory.take(&key).is_none());
        assert!(memory.take("unknown").is_none());
    }
}
