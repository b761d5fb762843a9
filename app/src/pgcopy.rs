//! Rows in PostgreSQL's binary `COPY` format, for `COPY … FROM STDIN (FORMAT binary)`.
//! Core: it knows no table; the caller writes each row's fields in the statement's column
//! order, and the statement's column types must be those written here.
//!
//! Why: a `COPY` of many rows costs PostgreSQL less than an `INSERT … SELECT FROM
//! unnest(…)` of the same rows (no arrays to take apart or expressions to evaluate, and
//! the rows go into the table a page at a time, one WAL record per page), and the server
//! writes each value once, straight into the buffer it sends.
//!
//! The format (PostgreSQL's documentation, "COPY", "Binary Format"): a signature, flags
//! and an empty header extension; each row is its number of fields, then each field's
//! length in bytes (-1 for NULL) and its value in the type's binary form; -1 ends the data.

use chrono::{DateTime, Utc};
use std::net::IpAddr;

const SIGNATURE: &[u8] = b"PGCOPY\n\xff\r\n\0";

/// Microseconds from the Unix epoch to PostgreSQL's (2000-01-01 00:00:00 UTC).
const POSTGRES_EPOCH_MICROS: i64 = 946_684_800_000_000;

/// The buffer of rows being written.
pub struct Rows {
    buf: Vec<u8>,
}

impl Default for Rows {
    fn default() -> Rows {
        Rows::new()
    }
}

impl Rows {
    pub fn new() -> Rows {
        let mut buf = Vec::with_capacity(4096);
        buf.extend_from_slice(SIGNATURE);
        buf.extend_from_slice(&0i32.to_be_bytes()); // flags: no OIDs
        buf.extend_from_slice(&0i32.to_be_bytes()); // no header extension
        Rows { buf }
    }

    /// Starts a row of `fields` fields; the next `fields` calls write them.
    pub fn row(&mut self, fields: i16) -> &mut Rows {
        self.buf.extend_from_slice(&fields.to_be_bytes());
        self
    }

    fn null(&mut self) -> &mut Rows {
        self.buf.extend_from_slice(&(-1i32).to_be_bytes());
        self
    }

    fn field(&mut self, bytes: &[u8]) -> &mut Rows {
        self.len(bytes.len());
        self.buf.extend_from_slice(bytes);
        self
    }

    fn len(&mut self, len: usize) {
        // A value of 1 GB or more cannot be a field of a row: PostgreSQL refuses it whole.
        let len = i32::try_from(len).unwrap_or(i32::MAX);
        self.buf.extend_from_slice(&len.to_be_bytes());
    }

    /// `int8` (`bigint`).
    pub fn int8(&mut self, value: Option<i64>) -> &mut Rows {
        match value {
            Some(v) => self.field(&v.to_be_bytes()),
            None => self.null(),
        }
    }

    /// `text`.
    pub fn text(&mut self, value: &str) -> &mut Rows {
        self.field(value.as_bytes())
    }

    /// `timestamptz`: microseconds since PostgreSQL's epoch.
    pub fn timestamptz(&mut self, value: DateTime<Utc>) -> &mut Rows {
        self.field(&(value.timestamp_micros() - POSTGRES_EPOCH_MICROS).to_be_bytes())
    }

    /// `inet`: family, bits in the mask, whether a `cidr`, the address's length and bytes.
    pub fn inet(&mut self, value: Option<IpAddr>) -> &mut Rows {
        // PostgreSQL's own family numbers (PGSQL_AF_INET, PGSQL_AF_INET6), not the OS's.
        match value {
            Some(IpAddr::V4(ip)) => {
                self.len(8);
                self.buf.extend_from_slice(&[2, 32, 0, 4]);
                self.buf.extend_from_slice(&ip.octets());
            }
            Some(IpAddr::V6(ip)) => {
                self.len(20);
                self.buf.extend_from_slice(&[3, 128, 0, 16]);
                self.buf.extend_from_slice(&ip.octets());
            }
            None => {
                self.null();
            }
        }
        self
    }

    /// `jsonb`: its format version (1), then the JSON text.
    pub fn jsonb(&mut self, value: &serde_json::Value) -> &mut Rows {
        let at = self.buf.len();
        self.buf.extend_from_slice(&[0; 4]);
        self.buf.push(1);
        // Writing JSON into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut self.buf, value);
        let len = i32::try_from(self.buf.len() - at - 4).unwrap_or(i32::MAX);
        self.buf[at..at + 4].copy_from_slice(&len.to_be_bytes());
        self
    }

    /// The data to send, ended.
    pub fn finish(mut self) -> Vec<u8> {
        self.buf.extend_from_slice(&(-1i16).to_be_bytes());
        self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_is_its_field_count_then_each_length_and_value() {
        let mut rows = Rows::new();
        rows.row(6)
            .int8(Some(258))
            .int8(None)
            .text("é")
            .timestamptz("2000-01-01T00:00:01Z".parse().unwrap())
            .inet(Some("10.0.0.1".parse().unwrap()))
            .jsonb(&serde_json::json!({"a": 1}));
        let data = rows.finish();
        let mut expected = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0".to_vec();
        expected.extend_from_slice(&[0, 6]);
        expected.extend_from_slice(&[0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 1, 2]);
        expected.extend_from_slice(&[0xff; 4]);
        expected.extend_from_slice(&[0, 0, 0, 2, 0xc3, 0xa9]);
        expected.extend_from_slice(&[0, 0, 0, 8, 0, 0, 0, 0, 0, 0x0f, 0x42, 0x40]);
        expected.extend_from_slice(&[0, 0, 0, 8, 2, 32, 0, 4, 10, 0, 0, 1]);
        expected.extend_from_slice(&[0, 0, 0, 8, 1]);
        expected.extend_from_slice(br#"{"a":1}"#);
        expected.extend_from_slice(&[0xff, 0xff]);
        assert_eq!(data, expected);
    }
}
