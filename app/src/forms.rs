//! Short-lived memory of failed form submissions, for browsers without JavaScript: the
//! server function redirects back to the form, and the form shows what was typed again.
//!
//! Entries live in this process's memory under a random key that only the submitting
//! browser holds (in an HttpOnly cookie, cleared by the page that reads it), and expire
//! after two minutes, so patient details are not kept around or put into URLs. Reading
//! does not remove an entry: a page render may read it more than once.

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

    /// The values kept under `key`, if they have not expired.
    pub fn recall(&self, key: &str) -> Option<Values> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key)
            .filter(|(at, _)| at.elapsed() < LIFETIME)
            .map(|(_, values)| values.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_recalled_by_their_key_only() {
        let memory = FormMemory::default();
        let key = memory.keep(BTreeMap::from([("name".into(), "Alice".into())]));
        assert_eq!(memory.recall(&key).unwrap()["name"], "Alice");
        assert_eq!(memory.recall(&key).unwrap()["name"], "Alice");
        assert!(memory.recall("unknown").is_none());
    }
}
