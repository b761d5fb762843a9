//! `/api/patients/`: the owner's patients, every field's validation, updates, deletion,
//! bad ids and the list's search, filters, ordering and pagination.

use crate::common::{
    BAD_IDS, Staff, TestApp, assert_error, assert_keys, assert_timestamp, column, ids, keys,
};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};
use sqlx::PgPool;
use std::collections::BTreeMap;

const FULL_PATIENT: &[&str] = &[
    "id",
    "name",
    "email",
    "phone_number",
    "address",
    "date_of_birth",
    "blood_group",
    "medical_history",
    "created_by",
    "created_by_details",
    "created_at",
    "updated_at",
];

const LIST_ITEM: &[&str] = &[
    "id",
    "name",
    "email",
    "phone_number",
    "blood_group",
    "created_by_name",
    "created_at",
];

fn jane() -> Value {
    json!({
        "name": "Jane Smith",
        "email": "jane.smith@Example.COM",
        "phone_number": "+1234567890",
        "address": "123 Main St, City",
        "date_of_birth": "1990-05-15",
        "blood_group": "A+",
        "medical_history": "No known allergies"
    })
}

fn path(id: &Value) -> String {
    format!("/api/patients/{id}/")
}

/// The query of a page link as name → value, and its path.
fn split_link(link: &Value) -> (String, BTreeMap<String, String>) {
    let link = link
        .as_str()
        .unwrap_or_else(|| panic!("a link expected, got {link}"));
    let (path, query) = link.split_once('?').unwrap_or((link, ""));
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap();
    (path.to_owned(), pairs.into_iter().collect())
}

fn query(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Inserts `n` patients named `Bulk 001`... for a user straight into the database.
async fn bulk_patients(app: &TestApp, owner: i64, n: i32) {
    sqlx::query(
        "insert into patients (name, created_by)
         select 'Bulk ' || lpad(g::text, 3, '0'), $1 from generate_series(1, $2) g",
    )
    .bind(owner)
    .bind(n)
    .execute(&app.pool)
    .await
    .unwrap();
}

// ---------------------------------------------------------------------------------------
// Creating

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn creating_a_patient_returns_201_with_the_full_record_and_its_owner(pool: PgPool) {
    let app = TestApp::new(pool);
    let (token, user_id) = app.user("Dr. House", "house@example.com").await;
    let r = app.post("/api/patients/", jane(), Some(&token)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.raw);
    assert_keys(&r.body, &["message", "patient"]);
    assert_eq!(r.body["message"], "Patient created successfully");
    let p = &r.body["patient"];
    assert_keys(p, FULL_PATIENT);
    assert!(p["id"].as_i64().unwrap() > 0);
    assert_eq!(p["name"], "Jane Smith");
    // The domain is lower-cased, the local part kept as typed.
    assert_eq!(p["email"], "jane.smith@example.com");
    assert_eq!(p["phone_number"], "+1234567890");
    assert_eq!(p["address"], "123 Main St, City");
    assert_eq!(p["date_of_birth"], "1990-05-15");
    assert_eq!(p["blood_group"], "A+");
    assert_eq!(p["medical_history"], "No known allergies");
    assert_eq!(p["created_by"], user_id);
    let owner = &p["created_by_details"];
    assert_keys(owner, &["id", "name", "email", "date_joined"]);
    assert_eq!(owner["id"], user_id);
    assert_eq!(owner["name"], "Dr. House");
    assert_eq!(owner["email"], "house@example.com");
    assert_timestamp(&owner["date_joined"]);
    let created = assert_timestamp(&p["created_at"]);
    let updated = assert_timestamp(&p["updated_at"]);
    assert!(updated >= created);
    assert!((chrono::Utc::now() - created).num_seconds().abs() < 60);
    assert!(!r.raw.contains("password"));
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_patient_needs_only_a_name_and_everything_else_defaults_to_blank(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    let p = app
        .create_patient(&token, json!({"name": "  Only Name  "}))
        .await;
    assert_eq!(p["name"], "Only Name");
    assert_eq!(p["email"], "");
    assert_eq!(p["phone_number"], "");
    assert_eq!(p["address"], "");
    assert_eq!(p["date_of_birth"], Value::Null);
    assert_eq!(p["blood_group"], "");
    assert_eq!(p["medical_history"], "");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_path_without_a_trailing_slash_creates_and_lists_too(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    let r = app
        .post("/api/patients", json!({"name": "No Slash"}), Some(&token))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.raw);
    let id = &r.body["patient"]["id"];
    let r = app.get("/api/patients", Some(&token)).await;
    assert_eq!(r.body["count"], 1);
    let r = app.get(&format!("/api/patients/{id}"), Some(&token)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["patient"]["name"], "No Slash");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_missing_blank_or_null_name_is_a_400_on_name(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    let cases = [
        (json!({"email": "x@example.com"}), "This field is required."),
        (json!({"name": "   "}), "This field may not be blank."),
        (json!({"name": null}), "This field may not be null."),
        (json!({"name": ["Jane"]}), "Not a valid string."),
        (
            json!({"name": "x".repeat(256)}),
            "Ensure this field has no more than 255 characters.",
        ),
    ];
    for (body, message) in cases {
        let r = app.post("/api/patients/", body.clone(), Some(&token)).await;
        assert_error(&r, StatusCode::BAD_REQUEST);
        assert_eq!(r.body["error"], "Failed to create patient", "{body}");
        assert_eq!(keys(&r.body["details"]), ["name"], "{body}");
        assert_eq!(r.body["details"]["name"], json!([message]), "{body}");
    }
    // An empty body reads as `{}`: the client learns which field is required.
    let r = app
        .call(Method::POST, "/api/patients/", None, Some(&token))
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["details"]["name"][0], "This field is required.");
    assert_eq!(app.count_rows("patients").await, 0);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn every_invalid_field_is_reported_at_once_and_nothing_is_saved(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    let tomorrow = (chrono::Utc::now().date_naive() + chrono::Days::new(2)).to_string();
    let r = app
        .post(
            "/api/patients/",
            json!({
                "email": "not-an-email",
                "phone_number": "12345",
                "date_of_birth": tomorrow,
                "blood_group": "C+",
            }),
            Some(&token),
        )
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST);
    let details = &r.body["details"];
    assert_eq!(
        keys(details),
        [
            "blood_group",
            "date_of_birth",
            "email",
            "name",
            "phone_number"
        ]
    );
    assert_eq!(details["name"][0], "This field is required.");
    assert_eq!(details["email"][0], "Enter a valid email address.");
    assert!(
        details["phone_number"][0]
            .as_str()
            .unwrap()
            .contains("international form"),
        "{details}"
    );
    assert_eq!(
        details["date_of_birth"][0],
        "Date of birth cannot be in the future."
    );
    assert_eq!(details["blood_group"][0], "\"C+\" is not a valid choice.");
    assert_eq!(app.count_rows("patients").await, 0);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn invalid_emails_are_refused(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    for email in [
        "plain",
        "a@b",
        "@example.com",
        "a b@example.com",
        "a@@example.com",
        "a@exa_mple.com",
    ] {
        let r = app
            .post(
                "/api/patients/",
                json!({"name": "P", "email": email}),
                Some(&token),
            )
            .await;
        assert_error(&r, StatusCode::BAD_REQUEST);
        assert_eq!(
            r.body["details"]["email"],
            json!(["Enter a valid email address."]),
            "{email}"
        );
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn phone_numbers_must_be_a_plus_and_9_to_15_digits(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    let good = [
        ("+123456789", "+123456789"),
        ("+123456789012345", "+123456789012345"),
        ("+1 (234) 567-890", "+1234567890"),
        ("+44.20.7946.0958", "+442079460958"),
    ];
    for (sent, stored) in good {
        let r = app
            .post(
                "/api/patients/",
                json!({"name": "P", "phone_number": sent}),
                Some(&token),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{sent}: {}", r.raw);
        assert_eq!(r.body["patient"]["phone_number"], stored);
    }
    for bad in [
        "1234567890",
        "+12345678",
        "+1234567890123456",
        "+12345abc90",
        "++1234567890",
        "+",
        "phone",
    ] {
        let r = app
            .post(
                "/api/patients/",
                json!({"name": "P", "phone_number": bad}),
                Some(&token),
            )
            .await;
        assert_error(&r, StatusCode::BAD_REQUEST);
        assert_eq!(keys(&r.body["details"]), ["phone_number"], "{bad}");
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn every_blood_group_is_accepted_and_anything_else_refused(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    for group in ["A+", "A-", "B+", "B-", "AB+", "AB-", "O+", "O-"] {
        let p = app
            .create_patient(&token, json!({"name": "P", "blood_group": group}))
            .await;
        assert_eq!(p["blood_group"], group);
    }
    for bad in ["C+", "A", "AB", "O", "0+", "A+ ", "positive", "A+B"] {
        let r = app
            .post(
                "/api/patients/",
                json!({"name": "P", "blood_group": bad}),
                Some(&token),
            )
            .await;
        // "A+ " is trimmed to a valid choice; every other one is refused.
        if bad == "A+ " {
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.raw);
            assert_eq!(r.body["patient"]["blood_group"], "A+");
            continue;
        }
        assert_error(&r, StatusCode::BAD_REQUEST);
        assert_eq!(keys(&r.body["details"]), ["blood_group"], "{bad}");
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn date_of_birth_may_be_today_but_not_in_the_future_nor_malformed(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    // "Today" in UTC, as the server sees it.
    let today = chrono::Utc::now().date_naive();
    let p = app
        .create_patient(
            &token,
            json!({"name": "P", "date_of_birth": today.to_string()}),
        )
        .await;
    assert_eq!(p["date_of_birth"], today.to_string());
    let future = (today + chrono::Days::new(2)).to_string();
    let r = app
        .post(
            "/api/patients/",
            json!({"name": "P", "date_of_birth": future}),
            Some(&token),
        )
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.body["details"]["date_of_birth"],
        json!(["Date of birth cannot be in the future."])
    );
    for bad in [
        json!("15/05/1990"),
        json!("1990-13-01"),
        json!(19900515),
        json!("1990-02-30"),
    ] {
        let r = app
            .post(
                "/api/patients/",
                json!({"name": "P", "date_of_birth": bad}),
                Some(&token),
            )
            .await;
        assert_error(&r, StatusCode::BAD_REQUEST);
        assert_eq!(
            r.body["details"]["date_of_birth"][0],
            "Date has wrong format. Use one of these formats instead: YYYY-MM-DD.",
            "{bad}"
        );
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_duplicate_email_among_the_owners_patients_is_a_400_in_any_case(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    app.create_patient(&token, jane()).await;
    for email in ["jane.smith@example.com", "JANE.SMITH@EXAMPLE.COM"] {
        let r = app
            .post(
                "/api/patients/",
                json!({"name": "Other", "email": email}),
                Some(&token),
            )
            .await;
        assert_error(&r, StatusCode::BAD_REQUEST);
        assert_eq!(r.body["error"], "Failed to create patient");
        assert_eq!(
            r.body["details"],
            json!({"email": ["A patient with this email already exists."]})
        );
    }
    assert_eq!(app.count_rows("patients").await, 1);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn another_owner_may_use_the_same_patient_email(pool: PgPool) {
    let app = TestApp::new(pool);
    let a = app.signed_in("A").await.token;
    let b = app.signed_in("B").await.token;
    let first = app.create_patient(&a, jane()).await;
    let second = app.create_patient(&b, jane()).await;
    assert_eq!(first["email"], second["email"]);
    assert_ne!(first["id"], second["id"]);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn patients_without_an_email_do_not_collide(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    app.create_patient(&token, json!({"name": "One"})).await;
    app.create_patient(&token, json!({"name": "Two", "email": ""}))
        .await;
    assert_eq!(app.count_rows("patients").await, 2);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn read_only_fields_sent_on_create_are_ignored(pool: PgPool) {
    let app = TestApp::new(pool);
    let Staff { token, id: user_id } = app.signed_in("A").await;
    let other_id = app.signed_in("B").await.id;
    let mut body = jane();
    body["id"] = json!(4242);
    body["created_by"] = json!(other_id);
    body["created_by_details"] = json!({"id": other_id, "name": "B"});
    body["created_at"] = json!("2000-01-01T00:00:00Z");
    body["updated_at"] = json!("2000-01-01T00:00:00Z");
    let p = app.create_patient(&token, body).await;
    assert_ne!(p["id"], 4242);
    assert_eq!(p["created_by"], user_id);
    assert_eq!(p["created_by_details"]["id"], user_id);
    assert_eq!(p["created_by_details"]["name"], "A");
    assert!(assert_timestamp(&p["created_at"]).timestamp() > 946_684_800);
    assert!(assert_timestamp(&p["updated_at"]).timestamp() > 946_684_800);
    // It is A's patient, not B's.
    assert_eq!(
        app.get(&path(&p["id"]), Some(&token)).await.status,
        StatusCode::OK
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn malformed_bodies_are_400s_and_never_create_anything(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    for (content_type, body) in [
        ("application/json", "{\"name\": "),
        ("application/json", "[{\"name\": \"x\"}]"),
        ("application/json", "\"Jane\""),
        ("text/plain", "{\"name\": \"Jane\"}"),
    ] {
        let request = Request::builder()
            .method(Method::POST)
            .uri("/api/patients/")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .unwrap();
        let r = app.send(request).await;
        assert_error(&r, StatusCode::BAD_REQUEST);
    }
    assert_eq!(app.count_rows("patients").await, 0);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn null_characters_and_over_long_text_are_400s_not_500s(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    let cases = [
        (
            json!({"name": "Ja\u{0}ne"}),
            "name",
            "Null characters are not allowed.",
        ),
        (
            json!({"name": "P", "medical_history": "x\u{0}"}),
            "medical_history",
            "Null characters are not allowed.",
        ),
        (
            json!({"name": "P", "address": "a".repeat(1001)}),
            "address",
            "Ensure this field has no more than 1000 characters.",
        ),
        (
            json!({"name": "P", "medical_history": "h".repeat(20_001)}),
            "medical_history",
            "Ensure this field has no more than 20000 characters.",
        ),
    ];
    for (body, field, message) in cases {
        let r = app.post("/api/patients/", body, Some(&token)).await;
        assert_error(&r, StatusCode::BAD_REQUEST);
        assert_eq!(r.body["details"], json!({ field: [message] }));
    }
    let created = app.patient_named(&token, "Fine").await;
    let r = app
        .patch(
            &path(&created["id"]),
            json!({"address": "\u{0}"}),
            Some(&token),
        )
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST);
    for query in [
        "?search=%00".to_owned(),
        format!("?search={}", "s".repeat(201)),
    ] {
        let r = app
            .get(&format!("/api/patients/{query}"), Some(&token))
            .await;
        assert_error(&r, StatusCode::BAD_REQUEST);
        assert!(r.body["details"]["search"].is_array(), "{}", r.raw);
        // Each fault is said once, though more than one check finds it.
        assert_eq!(
            r.body["details"]["search"].as_array().unwrap().len(),
            1,
            "{}",
            r.raw
        );
    }
    assert_eq!(app.count_rows("patients").await, 1);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn json_with_a_charset_or_a_json_suffix_type_is_accepted(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    for content_type in [
        "application/json; charset=utf-8",
        "application/merge-patch+json",
    ] {
        let request = Request::builder()
            .method(Method::POST)
            .uri("/api/patients/")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(r#"{"name": "Typed"}"#))
            .unwrap();
        let r = app.send(request).await;
        assert_eq!(r.status, StatusCode::CREATED, "{content_type}: {}", r.raw);
    }
}

// ---------------------------------------------------------------------------------------
// Reading, updating, deleting one patient

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn getting_a_patient_returns_the_full_record_under_patient(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    let created = app.create_patient(&token, jane()).await;
    let r = app.get(&path(&created["id"]), Some(&token)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    assert_keys(&r.body, &["patient"]);
    assert_eq!(r.body["patient"], created);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_patient_that_does_not_exist_is_a_404_for_every_method(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    let path = "/api/patients/424242/";
    for r in [
        app.get(path, Some(&token)).await,
        app.put(path, jane(), Some(&token)).await,
        app.patch(path, json!({"name": "X"}), Some(&token)).await,
        app.delete(path, Some(&token)).await,
    ] {
        assert_error(&r, StatusCode::NOT_FOUND);
        assert_eq!(r.body["detail"], "Patient not found.");
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn non_integer_zero_negative_and_huge_ids_are_404s_never_500s(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    app.create_patient(&token, jane()).await;
    for id in BAD_IDS {
        for slash in ["/", ""] {
            let path = format!("/api/patients/{id}{slash}");
            for r in [
                app.get(&path, Some(&token)).await,
                app.put(&path, jane(), Some(&token)).await,
                app.patch(&path, json!({"name": "X"}), Some(&token)).await,
                app.delete(&path, Some(&token)).await,
            ] {
                assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.raw);
                assert_error(&r, StatusCode::NOT_FOUND);
            }
        }
    }
    assert_eq!(app.count_rows("patients").await, 1);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn put_replaces_the_fields_and_returns_the_updated_record(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    let created = app.create_patient(&token, jane()).await;
    let r = app
        .put(
            &path(&created["id"]),
            json!({
                "name": "Jane Doe",
                "email": "jane.doe@example.com",
                "phone_number": "+19876543210",
                "address": "1 New Road",
                "date_of_birth": "1991-06-16",
                "blood_group": "O-",
                "medical_history": "Penicillin allergy"
            }),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    assert_keys(&r.body, &["message", "patient"]);
    assert_eq!(r.body["message"], "Patient updated successfully");
    let p = &r.body["patient"];
    assert_keys(p, FULL_PATIENT);
    assert_eq!(p["id"], created["id"]);
    assert_eq!(p["name"], "Jane Doe");
    assert_eq!(p["email"], "jane.doe@example.com");
    assert_eq!(p["phone_number"], "+19876543210");
    assert_eq!(p["address"], "1 New Road");
    assert_eq!(p["date_of_birth"], "1991-06-16");
    assert_eq!(p["blood_group"], "O-");
    assert_eq!(p["medical_history"], "Penicillin allergy");
    assert_eq!(p["created_by"], created["created_by"]);
    assert_eq!(p["created_by_details"], created["created_by_details"]);
    assert_eq!(p["created_at"], created["created_at"]);
    assert!(assert_timestamp(&p["updated_at"]) > assert_timestamp(&created["updated_at"]));
    // The change is stored.
    let r = app.get(&path(&created["id"]), Some(&token)).await;
    assert_eq!(&r.body["patient"], p);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn put_requires_the_name_and_changes_nothing_without_it(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    let created = app.create_patient(&token, jane()).await;
    let r = app
        .put(
            &path(&created["id"]),
            json!({"email": "new@example.com", "blood_group": "B+"}),
            Some(&token),
        )
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["error"], "Failed to update patient");
    assert_eq!(
        r.body["details"],
        json!({"name": ["This field is required."]})
    );
    let r = app.get(&path(&created["id"]), Some(&token)).await;
    assert_eq!(r.body["patient"], created);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn patch_changes_only_the_fields_it_is_sent(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    let created = app.create_patient(&token, jane()).await;
    let r = app
        .patch(
            &path(&created["id"]),
            json!({"blood_group": "O-"}),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    assert_eq!(r.body["message"], "Patient updated successfully");
    let p = &r.body["patient"];
    assert_eq!(p["blood_group"], "O-");
    for field in FULL_PATIENT {
        if !["blood_group", "updated_at"].contains(field) {
            assert_eq!(p[field], created[field], "{field}");
        }
    }
    // An empty PATCH is valid and changes nothing but the update time.
    let r = app
        .patch(&path(&created["id"]), json!({}), Some(&token))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    assert_eq!(r.body["patient"]["blood_group"], "O-");
    assert_eq!(r.body["patient"]["name"], "Jane Smith");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn patch_can_clear_the_optional_fields(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    let created = app.create_patient(&token, jane()).await;
    let r = app
        .patch(
            &path(&created["id"]),
            json!({"email": "", "phone_number": "", "date_of_birth": null, "blood_group": "",
                   "address": "", "medical_history": ""}),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    let p = &r.body["patient"];
    assert_eq!(p["email"], "");
    assert_eq!(p["phone_number"], "");
    assert_eq!(p["date_of_birth"], Value::Null);
    assert_eq!(p["blood_group"], "");
    assert_eq!(p["address"], "");
    assert_eq!(p["medical_history"], "");
    assert_eq!(p["name"], "Jane Smith");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn patch_validates_every_field_it_is_given_and_saves_nothing_on_error(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    let created = app.create_patient(&token, jane()).await;
    let tomorrow = (chrono::Utc::now().date_naive() + chrono::Days::new(2)).to_string();
    let cases = [
        (json!({"name": ""}), "name", "This field may not be blank."),
        (
            json!({"name": "   "}),
            "name",
            "This field may not be blank.",
        ),
        (json!({"name": null}), "name", "This field may not be null."),
        (
            json!({"email": "nope"}),
            "email",
            "Enter a valid email address.",
        ),
        (
            json!({"date_of_birth": tomorrow}),
            "date_of_birth",
            "Date of birth cannot be in the future.",
        ),
        (
            json!({"blood_group": "Z"}),
            "blood_group",
            "\"Z\" is not a valid choice.",
        ),
    ];
    for (body, field, message) in cases {
        for method in [Method::PATCH, Method::PUT] {
            let mut body = body.clone();
            if method == Method::PUT && field != "name" {
                body["name"] = json!("Jane Smith");
            }
            let r = app
                .call(
                    method.clone(),
                    &path(&created["id"]),
                    Some(body.clone()),
                    Some(&token),
                )
                .await;
            assert_error(&r, StatusCode::BAD_REQUEST);
            assert_eq!(
                r.body["error"], "Failed to update patient",
                "{method} {body}"
            );
            assert_eq!(keys(&r.body["details"]), [field], "{method} {body}");
            assert_eq!(r.body["details"][field][0], message, "{method} {body}");
        }
    }
    let r = app
        .patch(
            &path(&created["id"]),
            json!({"phone_number": "555-1234"}),
            Some(&token),
        )
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST);
    assert_eq!(keys(&r.body["details"]), ["phone_number"]);
    let r = app.get(&path(&created["id"]), Some(&token)).await;
    assert_eq!(r.body["patient"], created);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn updating_to_the_email_of_another_of_ones_patients_is_a_400(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    let jane = app.create_patient(&token, jane()).await;
    let john = app
        .create_patient(&token, json!({"name": "John", "email": "john@example.com"}))
        .await;
    for method in [Method::PATCH, Method::PUT] {
        let r = app
            .call(
                method,
                &path(&john["id"]),
                Some(json!({"name": "John", "email": "Jane.Smith@example.com"})),
                Some(&token),
            )
            .await;
        assert_error(&r, StatusCode::BAD_REQUEST);
        assert_eq!(r.body["error"], "Failed to update patient");
        assert_eq!(
            r.body["details"],
            json!({"email": ["A patient with this email already exists."]})
        );
    }
    // Keeping one's own email is no collision.
    let r = app
        .patch(
            &path(&jane["id"]),
            json!({"email": jane["email"]}),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    let r = app.get(&path(&john["id"]), Some(&token)).await;
    assert_eq!(r.body["patient"]["email"], "john@example.com");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn read_only_fields_sent_on_update_are_ignored(pool: PgPool) {
    let app = TestApp::new(pool);
    let Staff { token, id: user_id } = app.signed_in("A").await;
    let other_id = app.signed_in("B").await.id;
    let created = app.create_patient(&token, jane()).await;
    for method in [Method::PATCH, Method::PUT] {
        let r = app
            .call(
                method,
                &path(&created["id"]),
                Some(json!({
                    "name": "Jane Smith",
                    "id": 777,
                    "created_by": other_id,
                    "created_at": "2000-01-01T00:00:00Z",
                    "updated_at": "2000-01-01T00:00:00Z"
                })),
                Some(&token),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
        let p = &r.body["patient"];
        assert_eq!(p["id"], created["id"]);
        assert_eq!(p["created_by"], user_id);
        assert_eq!(p["created_at"], created["created_at"]);
        assert_ne!(p["updated_at"], "2000-01-01T00:00:00Z");
    }
    assert_eq!(
        app.get(&path(&created["id"]), Some(&token)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.get("/api/patients/777/", Some(&token)).await.status,
        StatusCode::NOT_FOUND
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn deleting_returns_204_with_an_empty_body_and_the_patient_is_gone(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    let doomed = app.create_patient(&token, jane()).await;
    let kept = app.patient_named(&token, "Kept").await;
    let r = app.delete(&path(&doomed["id"]), Some(&token)).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert!(r.raw.is_empty(), "{}", r.raw);
    assert_error(
        &app.get(&path(&doomed["id"]), Some(&token)).await,
        StatusCode::NOT_FOUND,
    );
    assert_error(
        &app.delete(&path(&doomed["id"]), Some(&token)).await,
        StatusCode::NOT_FOUND,
    );
    let r = app.get("/api/patients/", Some(&token)).await;
    assert_eq!(r.body["count"], 1);
    assert_eq!(ids(&r.body, "patients"), [kept["id"].as_i64().unwrap()]);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn deleting_a_patient_removes_its_mappings_but_not_its_doctors(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    let doomed = app.create_patient(&token, jane()).await;
    let kept = app.patient_named(&token, "Kept").await;
    let cardio = app.doctor_named(&token, "Dr. Heart", "Cardiology").await;
    let neuro = app.doctor_named(&token, "Dr. Brain", "Neurology").await;
    app.assign(&token, &doomed, &cardio).await;
    app.assign(&token, &doomed, &neuro).await;
    let kept_mapping = app.assign(&token, &kept, &cardio).await;
    assert_eq!(app.count_rows("patient_doctor_mappings").await, 3);

    let r = app.delete(&path(&doomed["id"]), Some(&token)).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(app.count_rows("patient_doctor_mappings").await, 1);
    let r = app.get("/api/mappings/", Some(&token)).await;
    assert_eq!(r.body["count"], 1);
    assert_eq!(
        ids(&r.body, "mappings"),
        [kept_mapping["id"].as_i64().unwrap()]
    );
    assert_error(
        &app.get(&format!("/api/mappings/{}/", doomed["id"]), Some(&token))
            .await,
        StatusCode::NOT_FOUND,
    );
    assert_eq!(
        app.get("/api/doctors/", Some(&token)).await.body["count"],
        2
    );
}

// ---------------------------------------------------------------------------------------
// The list

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_list_has_count_links_and_items_with_exactly_the_list_fields(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("Dr. Owner").await.token;
    let created = app.create_patient(&token, jane()).await;
    let r = app.get("/api/patients/", Some(&token)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    assert_keys(&r.body, &["count", "next", "previous", "patients"]);
    assert_eq!(r.body["count"], 1);
    assert_eq!(r.body["next"], Value::Null);
    assert_eq!(r.body["previous"], Value::Null);
    let item = &r.body["patients"][0];
    assert_keys(item, LIST_ITEM);
    assert_eq!(item["id"], created["id"]);
    assert_eq!(item["name"], "Jane Smith");
    assert_eq!(item["email"], "jane.smith@example.com");
    assert_eq!(item["phone_number"], "+1234567890");
    assert_eq!(item["blood_group"], "A+");
    assert_eq!(item["created_by_name"], "Dr. Owner");
    assert_eq!(item["created_at"], created["created_at"]);
    assert_timestamp(&item["created_at"]);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn an_empty_list_is_a_200_with_count_zero(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    let r = app.get("/api/patients/", Some(&token)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.body,
        json!({"count": 0, "next": null, "previous": null, "patients": []})
    );
    let r = app.get("/api/patients/?page=1", Some(&token)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_error(
        &app.get("/api/patients/?page=2", Some(&token)).await,
        StatusCode::NOT_FOUND,
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_list_is_newest_first_by_default(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    let first = app.patient_named(&token, "First").await;
    let second = app.patient_named(&token, "Second").await;
    let third = app.patient_named(&token, "Third").await;
    let r = app.get("/api/patients/", Some(&token)).await;
    assert_eq!(
        r.body["patients"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].clone())
            .collect::<Vec<_>>(),
        [
            third["id"].clone(),
            second["id"].clone(),
            first["id"].clone()
        ]
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn pages_default_to_20_items_and_never_exceed_100(pool: PgPool) {
    let app = TestApp::new(pool);
    let Staff { token, id: user_id } = app.signed_in("A").await;
    bulk_patients(&app, user_id, 105).await;
    let cases = [
        ("", 20),
        ("?page_size=7", 7),
        ("?page_size=100", 100),
        ("?page_size=101", 100),
        ("?page_size=100000", 100),
        ("?page_size=99999999999999999999", 20),
        ("?page_size=0", 20),
        ("?page_size=-5", 20),
        ("?page_size=abc", 20),
        ("?page=6", 5),
        ("?page=2&page_size=100", 5),
    ];
    for (query, expected) in cases {
        let r = app
            .get(&format!("/api/patients/{query}"), Some(&token))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{query}: {}", r.raw);
        assert_eq!(r.body["count"], 105, "{query}");
        assert_eq!(
            r.body["patients"].as_array().unwrap().len(),
            expected,
            "{query}"
        );
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn pages_cover_every_patient_once_and_link_to_their_neighbours(pool: PgPool) {
    let app = TestApp::new(pool);
    let Staff { token, id: user_id } = app.signed_in("A").await;
    bulk_patients(&app, user_id, 25).await;
    let mut seen = Vec::new();
    for page in 1..=3 {
        let r = app
            .get(
                &format!("/api/patients/?page_size=10&ordering=name&page={page}"),
                Some(&token),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
        assert_eq!(r.body["count"], 25);
        let names = column(&r.body, "patients", "name");
        assert_eq!(names.len(), if page == 3 { 5 } else { 10 });
        seen.extend(names);
        match page {
            1 => {
                assert_eq!(r.body["previous"], Value::Null);
                let (path, q) = split_link(&r.body["next"]);
                assert_eq!(path, "/api/patients/");
                assert_eq!(
                    q,
                    query(&[("page_size", "10"), ("ordering", "name"), ("page", "2")])
                );
            }
            2 => {
                let (_, q) = split_link(&r.body["next"]);
                assert_eq!(q["page"], "3");
                // The link to the first page drops `page`, as DRF does.
                let (path, q) = split_link(&r.body["previous"]);
                assert_eq!(path, "/api/patients/");
                assert_eq!(q, query(&[("page_size", "10"), ("ordering", "name")]));
            }
            _ => {
                assert_eq!(r.body["next"], Value::Null);
                let (_, q) = split_link(&r.body["previous"]);
                assert_eq!(q["page"], "2");
            }
        }
    }
    let expected: Vec<Value> = (1..=25).map(|n| json!(format!("Bulk {n:03}"))).collect();
    assert_eq!(seen, expected);
    let r = app
        .get("/api/patients/?page_size=10&page=4", Some(&token))
        .await;
    assert_error(&r, StatusCode::NOT_FOUND);
    assert_eq!(r.body["detail"], "Invalid page.");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn page_links_are_absolute_when_the_request_names_its_host(pool: PgPool) {
    let app = TestApp::new(pool);
    let Staff { token, id: user_id } = app.signed_in("A").await;
    bulk_patients(&app, user_id, 3).await;
    let request = Request::builder()
        .uri("/api/patients/?page_size=1&page=2")
        .header(header::HOST, "clinic.example.com:8080")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let r = app.send(request).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    let (path, q) = split_link(&r.body["next"]);
    assert_eq!(path, "http://clinic.example.com:8080/api/patients/");
    assert_eq!(q, query(&[("page_size", "1"), ("page", "3")]));
    let (path, q) = split_link(&r.body["previous"]);
    assert_eq!(path, "http://clinic.example.com:8080/api/patients/");
    assert_eq!(q, query(&[("page_size", "1")]));
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_page_past_the_last_or_an_unreadable_page_is_a_404(pool: PgPool) {
    let app = TestApp::new(pool);
    let Staff { token, id: user_id } = app.signed_in("A").await;
    bulk_patients(&app, user_id, 21).await;
    assert_eq!(
        app.get("/api/patients/?page=2", Some(&token)).await.status,
        StatusCode::OK
    );
    for page in [
        "3",
        "0",
        "-1",
        "abc",
        "1.5",
        "99999999999999999999",
        "9223372036854775807",
    ] {
        let r = app
            .get(&format!("/api/patients/?page={page}"), Some(&token))
            .await;
        assert_error(&r, StatusCode::NOT_FOUND);
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn search_matches_name_email_and_phone_in_any_case(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    let jane = app.create_patient(&token, jane()).await;
    let john = app
        .create_patient(
            &token,
            json!({"name": "John Brown", "email": "jb@mail.org", "phone_number": "+447700900123"}),
        )
        .await;
    let percent = app
        .create_patient(&token, json!({"name": "Ann 100% Fit_ness"}))
        .await;
    let (j, b, p) = (
        jane["id"].as_i64().unwrap(),
        john["id"].as_i64().unwrap(),
        percent["id"].as_i64().unwrap(),
    );
    let cases: &[(&str, &[i64])] = &[
        ("jane", &[j]),
        ("SMITH", &[j]),
        ("example.com", &[j]),
        ("mail.org", &[b]),
        ("7700900", &[b]),
        ("%2B4477", &[b]),
        ("j", &[b, j]),
        ("%25", &[p]),
        ("_", &[p]),
        ("nobody", &[]),
        ("", &[p, b, j]),
    ];
    for (search, expected) in cases {
        let r = app
            .get(&format!("/api/patients/?search={search}"), Some(&token))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{search}: {}", r.raw);
        assert_eq!(r.body["count"], expected.len(), "{search}");
        assert_eq!(&ids(&r.body, "patients"), expected, "{search}");
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn blood_group_filters_the_list_and_count(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    for (name, group) in [("P1", "A+"), ("P2", "A-"), ("P3", "A+"), ("P4", "")] {
        app.create_patient(&token, json!({"name": name, "blood_group": group}))
            .await;
    }
    let cases = [
        ("A%2B", vec!["P3", "P1"]),
        ("A-", vec!["P2"]),
        ("O-", vec![]),
        ("", vec!["P4", "P3", "P2", "P1"]),
    ];
    for (group, names) in cases {
        let r = app
            .get(&format!("/api/patients/?blood_group={group}"), Some(&token))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{group}: {}", r.raw);
        assert_eq!(r.body["count"], names.len(), "{group}");
        assert_eq!(column(&r.body, "patients", "name"), names, "{group}");
    }
    // Filters and search combine, and the count follows.
    let r = app
        .get("/api/patients/?blood_group=A%2B&search=P3", Some(&token))
        .await;
    assert_eq!(r.body["count"], 1);
    let r = app.get("/api/patients/?blood_group=Z", Some(&token)).await;
    assert_error(&r, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.body["details"]["blood_group"][0],
        "\"Z\" is not a valid choice."
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_list_can_be_ordered_and_a_bad_ordering_is_a_400(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    for (name, dob) in [
        ("bravo", json!("1980-01-01")),
        ("Alpha", json!("1990-01-01")),
        ("charlie", json!(null)),
    ] {
        app.create_patient(&token, json!({"name": name, "date_of_birth": dob}))
            .await;
    }
    let cases = [
        ("name", ["Alpha", "bravo", "charlie"]),
        ("-name", ["charlie", "bravo", "Alpha"]),
        ("created_at", ["bravo", "Alpha", "charlie"]),
        ("-created_at", ["charlie", "Alpha", "bravo"]),
        ("date_of_birth", ["bravo", "Alpha", "charlie"]),
        ("-date_of_birth", ["Alpha", "bravo", "charlie"]),
        ("id", ["bravo", "Alpha", "charlie"]),
        ("-id", ["charlie", "Alpha", "bravo"]),
    ];
    for (ordering, names) in cases {
        let r = app
            .get(&format!("/api/patients/?ordering={ordering}"), Some(&token))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{ordering}: {}", r.raw);
        assert_eq!(column(&r.body, "patients", "name"), names, "{ordering}");
    }
    for bad in [
        "password",
        "created_by",
        "name;drop%20table%20patients",
        "--name",
    ] {
        let r = app
            .get(&format!("/api/patients/?ordering={bad}"), Some(&token))
            .await;
        assert_error(&r, StatusCode::BAD_REQUEST);
        assert_eq!(r.body["error"], "Invalid query parameters");
        assert!(r.body["details"]["ordering"][0].is_string(), "{}", r.raw);
    }
    assert_eq!(app.count_rows("patients").await, 3);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn orderings_combine_as_a_comma_list_most_significant_first(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    for (name, group) in [
        ("bravo", "A+"),
        ("alpha", "O-"),
        ("bravo", "B+"),
        ("alpha", "A+"),
    ] {
        app.create_patient(&token, json!({"name": name, "blood_group": group}))
            .await;
    }
    let cases = [
        (
            "name,-created_at",
            ["alpha", "alpha", "bravo", "bravo"],
            ["A+", "O-", "B+", "A+"],
        ),
        (
            "name,created_at",
            ["alpha", "alpha", "bravo", "bravo"],
            ["O-", "A+", "A+", "B+"],
        ),
        (
            "-name,%20id",
            ["bravo", "bravo", "alpha", "alpha"],
            ["A+", "B+", "O-", "A+"],
        ),
    ];
    for (ordering, names, groups) in cases {
        let r = app
            .get(&format!("/api/patients/?ordering={ordering}"), Some(&token))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{ordering}: {}", r.raw);
        assert_eq!(column(&r.body, "patients", "name"), names, "{ordering}");
        assert_eq!(
            column(&r.body, "patients", "blood_group"),
            groups,
            "{ordering}"
        );
    }
    let r = app
        .get("/api/patients/?ordering=name,password", Some(&token))
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.body["details"]["ordering"][0],
        "\"password\" is not a valid ordering. Use one of: -created_at, created_at, name, -name, \
         date_of_birth, -date_of_birth, id, -id."
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn every_patient_endpoint_needs_a_token(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    let p = app.create_patient(&token, jane()).await;
    let one = path(&p["id"]);
    for bearer in [None, Some("not.a.token")] {
        for r in [
            app.get("/api/patients/", bearer).await,
            app.post("/api/patients/", jane(), bearer).await,
            app.get(&one, bearer).await,
            app.put(&one, jane(), bearer).await,
            app.patch(&one, json!({"name": "X"}), bearer).await,
            app.delete(&one, bearer).await,
            app.get("/api/patients/abc/", bearer).await,
        ] {
            assert_error(&r, StatusCode::UNAUTHORIZED);
        }
    }
    let r = app.get(&one, Some(&token)).await;
    assert_eq!(r.body["patient"], p);
    assert_eq!(app.count_rows("patients").await, 1);
}

/// The read connections outlive requests. When PostgreSQL ends them (a restart, an
/// administrator), a read answers 503 at worst, never 500, and the next one reconnects.
#[sqlx::test(migrator = "server::MIGRATOR")]
async fn reads_recover_when_the_database_ends_their_connections(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let token = app.signed_in("Ann").await.token;
    let patient = app.create_patient(&token, jane()).await;
    for _ in 0..4 {
        assert_eq!(
            app.get(&path(&patient["id"]), Some(&token)).await.status,
            StatusCode::OK
        );
        assert_eq!(
            app.get("/api/patients/", Some(&token)).await.status,
            StatusCode::OK
        );
    }
    let ended: i64 = sqlx::query_scalar(
        "select count(*) from (select pg_terminate_backend(pid) from pg_stat_activity
         where datname = current_database() and pid <> pg_backend_pid()) t",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(ended >= 1, "the read connections were open");
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(app.get(&path(&patient["id"]), Some(&token)).await.status);
        statuses.push(app.get("/api/patients/", Some(&token)).await.status);
    }
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::OK || *s == StatusCode::SERVICE_UNAVAILABLE),
        "{statuses:?}"
    );
    assert_eq!(
        statuses[statuses.len() - 4..],
        [StatusCode::OK; 4],
        "{statuses:?}"
    );
}

/// A read that cannot finish (here: the table is locked by another transaction, as a
/// migration would) answers 503 after the read time limit, not never, and the
/// lookups queued behind it are not stuck once the lock is gone.
#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_read_blocked_by_a_lock_answers_503_and_later_reads_work(pool: PgPool) {
    let app = std::sync::Arc::new(TestApp::new(pool.clone()));
    let token = app.signed_in("Ann").await.token;
    let patient = app.create_patient(&token, jane()).await;
    let detail = path(&patient["id"]);

    let mut lock = pool.begin().await.unwrap();
    sqlx::query("lock table patients in access exclusive mode")
        .execute(&mut *lock)
        .await
        .unwrap();
    let mut blocked = tokio::task::JoinSet::new();
    for _ in 0..3 {
        let (app, token, detail) = (app.clone(), token.clone(), detail.clone());
        blocked.spawn(async move { app.get(&detail, Some(&token)).await });
    }
    let replies = tokio::time::timeout(std::time::Duration::from_secs(30), blocked.join_all())
        .await
        .expect("reads blocked by a lock answer within 30 s");
    for reply in replies {
        assert_error(&reply, StatusCode::SERVICE_UNAVAILABLE);
    }
    lock.rollback().await.unwrap();

    assert_eq!(app.get(&detail, Some(&token)).await.status, StatusCode::OK);
}
