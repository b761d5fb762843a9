//! `/api/mappings/`: assigning doctors to one's own patients, the list, the doctors of a
//! patient (GET takes a PATIENT id) and unassigning (DELETE takes a MAPPING id).

use crate::common::{
    BAD_IDS, Reply, Staff, TestApp, assert_error, assert_keys, assert_timestamp, column,
    doctor_body, ids, keys,
};
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use sqlx::PgPool;

const FULL_MAPPING: &[&str] = &[
    "id",
    "patient",
    "doctor",
    "patient_details",
    "doctor_details",
    "assigned_by",
    "assigned_by_name",
    "assigned_date",
    "notes",
    "is_active",
];

const LIST_ITEM: &[&str] = &[
    "id",
    "patient_name",
    "doctor_name",
    "doctor_specialization",
    "assigned_date",
    "is_active",
    // Additive to the contract.
    "patient",
    "doctor",
    "notes",
];

const ASSIGNED_DOCTOR: &[&str] = &[
    "id",
    "name",
    "email",
    "specialization",
    "qualification",
    "experience_years",
    "consultation_fee",
    "is_available",
    // Additive to the contract: what DELETE needs, and the assignment's state.
    "mapping_id",
    "is_active",
    "notes",
];

const ALREADY_ASSIGNED: &str = "This doctor is already assigned to this patient.";

fn does_not_exist(id: &Value) -> String {
    format!("Invalid pk \"{id}\" - object does not exist.")
}

fn one(id: &Value) -> String {
    format!("/api/mappings/{id}/")
}

// ---------------------------------------------------------------------------------------
// Assigning

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn assigning_returns_201_with_the_full_mapping(pool: PgPool) {
    let app = TestApp::new(pool);
    let Staff { token, id: user_id } = app.signed_in("Dr. Owner").await;
    let patient = app
        .create_patient(
            &token,
            json!({"name": "Jane Smith", "email": "jane@example.com", "blood_group": "A+"}),
        )
        .await;
    let doctor = app
        .create_doctor(
            &token,
            json!({"name": "Dr. Heart", "email": "heart@example.com", "specialization": "Cardiology",
                   "license_number": "LIC-1", "consultation_fee": 150.00}),
        )
        .await;
    let r = app
        .post(
            "/api/mappings/",
            json!({"patient": patient["id"], "doctor": doctor["id"],
                   "notes": "Primary cardiologist for routine checkups"}),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.raw);
    assert_keys(&r.body, &["message", "mapping"]);
    assert_eq!(r.body["message"], "Doctor assigned to patient successfully");
    let m = &r.body["mapping"];
    assert_keys(m, FULL_MAPPING);
    assert!(m["id"].as_i64().unwrap() > 0);
    assert_eq!(m["patient"], patient["id"]);
    assert_eq!(m["doctor"], doctor["id"]);
    assert_eq!(m["patient_details"], patient);
    assert_eq!(m["doctor_details"], doctor);
    assert_eq!(m["doctor_details"]["consultation_fee"], "150.00");
    assert_eq!(m["assigned_by"], user_id);
    assert_eq!(m["assigned_by_name"], "Dr. Owner");
    let assigned = assert_timestamp(&m["assigned_date"]);
    assert!((chrono::Utc::now() - assigned).num_seconds().abs() < 60);
    assert_eq!(m["notes"], "Primary cardiologist for routine checkups");
    assert_eq!(m["is_active"], true);
    assert_eq!(app.count_rows("patient_doctor_mappings").await, 1);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn notes_default_to_blank_and_is_active_may_be_given(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    let patient = app.patient_named(&token, "Pat").await;
    let d1 = app.doctor_named(&token, "Dr. One", "General").await;
    let d2 = app.doctor_named(&token, "Dr. Two", "General").await;
    let m = app.assign(&token, &patient, &d1).await;
    assert_eq!(m["notes"], "");
    assert_eq!(m["is_active"], true);
    let r = app
        .post(
            "/api/mappings/",
            json!({"patient": patient["id"].to_string(), "doctor": d2["id"].to_string(),
                   "is_active": "false", "notes": "  second opinion  "}),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.raw);
    assert_eq!(r.body["mapping"]["is_active"], false);
    assert_eq!(r.body["mapping"]["notes"], "second opinion");
    assert_eq!(r.body["mapping"]["doctor"], d2["id"]);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn patient_and_doctor_are_required_and_must_be_positive_integer_ids(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    let r = app.post("/api/mappings/", json!({}), Some(&token)).await;
    assert_error(&r, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["error"], "Failed to assign doctor");
    assert_eq!(
        r.body["details"],
        json!({"patient": ["This field is required."], "doctor": ["This field is required."]})
    );
    let cases = [
        (json!(null), "This field may not be null.".to_owned()),
        (json!(0), does_not_exist(&json!(0))),
        (json!(-3), does_not_exist(&json!(-3))),
        (
            json!("abc"),
            "Incorrect type. Expected pk value, received str.".to_owned(),
        ),
        (
            json!([1]),
            "Incorrect type. Expected pk value, received list.".to_owned(),
        ),
        (
            json!({"id": 1}),
            "Incorrect type. Expected pk value, received dict.".to_owned(),
        ),
    ];
    for (value, message) in cases {
        let r = app
            .post(
                "/api/mappings/",
                json!({"patient": value, "doctor": value}),
                Some(&token),
            )
            .await;
        assert_error(&r, StatusCode::BAD_REQUEST);
        assert_eq!(r.body["details"]["patient"], json!([message]), "{value}");
        assert_eq!(r.body["details"]["doctor"], json!([message]), "{value}");
    }
    // Fractions and numbers too large for an id name nothing, and are no server fault.
    for (patient, doctor) in [
        (json!(1.5), json!("1.5")),
        (json!(1e20), json!("99999999999999999999")),
        (json!(u64::MAX), json!(i64::MAX)),
    ] {
        let r = app
            .post(
                "/api/mappings/",
                json!({"patient": patient, "doctor": doctor}),
                Some(&token),
            )
            .await;
        assert_error(&r, StatusCode::BAD_REQUEST);
        assert_eq!(keys(&r.body["details"]), ["doctor", "patient"], "{}", r.raw);
    }
    assert_eq!(app.count_rows("patient_doctor_mappings").await, 0);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_doctor_that_does_not_exist_is_a_400_on_doctor(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    let patient = app.patient_named(&token, "Pat").await;
    let r = app
        .post(
            "/api/mappings/",
            json!({"patient": patient["id"], "doctor": 4242}),
            Some(&token),
        )
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.body["details"],
        json!({"doctor": [does_not_exist(&json!(4242))]})
    );
    assert_eq!(app.count_rows("patient_doctor_mappings").await, 0);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn another_users_patient_is_refused_exactly_like_a_patient_that_does_not_exist(pool: PgPool) {
    let app = TestApp::new(pool);
    let a = app.signed_in("A").await.token;
    let b = app.signed_in("B").await.token;
    let theirs = app.patient_named(&a, "Not Yours").await;
    let doctor = app.doctor_named(&b, "Dr. B", "General").await;
    let missing = json!(theirs["id"].as_i64().unwrap() + 1000);

    let foreign = app
        .post(
            "/api/mappings/",
            json!({"patient": theirs["id"], "doctor": doctor["id"]}),
            Some(&b),
        )
        .await;
    let nonexistent = app
        .post(
            "/api/mappings/",
            json!({"patient": missing, "doctor": doctor["id"]}),
            Some(&b),
        )
        .await;
    for r in [&foreign, &nonexistent] {
        assert_error(r, StatusCode::BAD_REQUEST);
        assert_eq!(r.body["error"], "Failed to assign doctor");
        assert_eq!(keys(&r.body["details"]), ["patient"]);
    }
    assert_eq!(
        foreign.body["details"]["patient"],
        json!([does_not_exist(&theirs["id"])])
    );
    // The two answers differ only in the id they quote.
    assert_eq!(
        foreign.raw.replace(&theirs["id"].to_string(), "ID"),
        nonexistent.raw.replace(&missing.to_string(), "ID")
    );
    assert_eq!(app.count_rows("patient_doctor_mappings").await, 0);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn assigning_the_same_doctor_to_the_same_patient_twice_is_a_400_non_field_error(
    pool: PgPool,
) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    let patient = app.patient_named(&token, "Pat").await;
    let doctor = app.doctor_named(&token, "Dr. Once", "General").await;
    let first = app.assign(&token, &patient, &doctor).await;
    for body in [
        json!({"patient": patient["id"], "doctor": doctor["id"]}),
        json!({"patient": patient["id"].to_string(), "doctor": doctor["id"], "is_active": false,
               "notes": "again"}),
    ] {
        let r = app.post("/api/mappings/", body, Some(&token)).await;
        assert_error(&r, StatusCode::BAD_REQUEST);
        assert_eq!(r.body["error"], "Failed to assign doctor");
        assert_eq!(
            r.body["details"],
            json!({"non_field_errors": [ALREADY_ASSIGNED]})
        );
    }
    assert_eq!(app.count_rows("patient_doctor_mappings").await, 1);
    // Once unassigned, the doctor can be assigned again.
    let r = app.delete(&one(&first["id"]), Some(&token)).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let again = app.assign(&token, &patient, &doctor).await;
    assert_ne!(again["id"], first["id"]);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_doctor_may_serve_many_patients_and_a_patient_see_many_doctors(pool: PgPool) {
    let app = TestApp::new(pool);
    let a = app.signed_in("A").await.token;
    let b = app.signed_in("B").await.token;
    let pa1 = app.patient_named(&a, "A One").await;
    let pa2 = app.patient_named(&a, "A Two").await;
    let pb = app.patient_named(&b, "B One").await;
    let d1 = app.doctor_named(&a, "Dr. First", "General").await;
    let d2 = app.doctor_named(&b, "Dr. Second", "General").await;
    app.assign(&a, &pa1, &d1).await;
    app.assign(&a, &pa1, &d2).await;
    app.assign(&a, &pa2, &d1).await;
    // B assigns A's doctor to B's own patient: the directory is shared.
    app.assign(&b, &pb, &d1).await;
    assert_eq!(app.count_rows("patient_doctor_mappings").await, 4);
    assert_eq!(app.get("/api/mappings/", Some(&a)).await.body["count"], 3);
    assert_eq!(app.get("/api/mappings/", Some(&b)).await.body["count"], 1);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn notes_with_null_characters_or_over_2000_characters_are_refused(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    let patient = app.patient_named(&token, "Pat").await;
    let doctor = app.doctor_named(&token, "Dr. D", "General").await;
    for (notes, message) in [
        (json!("a\u{0}b"), "Null characters are not allowed."),
        (
            json!("n".repeat(2001)),
            "Ensure this field has no more than 2000 characters.",
        ),
    ] {
        let r = app
            .post(
                "/api/mappings/",
                json!({"patient": patient["id"], "doctor": doctor["id"], "notes": notes}),
                Some(&token),
            )
            .await;
        assert_error(&r, StatusCode::BAD_REQUEST);
        assert_eq!(r.body["details"], json!({"notes": [message]}));
    }
    let r = app
        .post(
            "/api/mappings/",
            json!({"patient": patient["id"], "doctor": doctor["id"], "is_active": "perhaps"}),
            Some(&token),
        )
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.body["details"],
        json!({"is_active": ["Must be a valid boolean."]})
    );
    assert_eq!(app.count_rows("patient_doctor_mappings").await, 0);
    let r = app.get("/api/mappings/?search=%00", Some(&token)).await;
    assert_error(&r, StatusCode::BAD_REQUEST);
}

// ---------------------------------------------------------------------------------------
// The list

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_list_has_count_links_and_items_with_exactly_the_list_fields(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    let patient = app.patient_named(&token, "Jane Smith").await;
    let doctor = app.doctor_named(&token, "Dr. Heart", "Cardiology").await;
    let m = app.assign(&token, &patient, &doctor).await;
    let r = app.get("/api/mappings/", Some(&token)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    assert_keys(&r.body, &["count", "next", "previous", "mappings"]);
    assert_eq!(r.body["count"], 1);
    assert_eq!(r.body["next"], Value::Null);
    assert_eq!(r.body["previous"], Value::Null);
    let item = &r.body["mappings"][0];
    assert_keys(item, LIST_ITEM);
    assert_eq!(item["id"], m["id"]);
    assert_eq!(item["patient_name"], "Jane Smith");
    assert_eq!(item["doctor_name"], "Dr. Heart");
    assert_eq!(item["doctor_specialization"], "Cardiology");
    assert_eq!(item["assigned_date"], m["assigned_date"]);
    assert_timestamp(&item["assigned_date"]);
    assert_eq!(item["is_active"], true);
    assert_eq!(item["patient"], patient["id"]);
    assert_eq!(item["doctor"], doctor["id"]);
}

/// Three patients with, between them, five assignments; returns (patients, doctors).
async fn clinic(app: &TestApp, token: &str) -> (Vec<Value>, Vec<Value>) {
    let mut patients = Vec::new();
    for name in ["Alice Ames", "Bob Brown", "Cleo Cole"] {
        patients.push(app.patient_named(token, name).await);
    }
    let mut doctors = Vec::new();
    for (name, spec) in [("Dr. Xavier", "Cardiology"), ("Dr. Yang", "Neurology")] {
        doctors.push(app.doctor_named(token, name, spec).await);
    }
    for (p, d, active) in [
        (0, 0, true),
        (0, 1, false),
        (1, 0, true),
        (2, 1, true),
        (2, 0, false),
    ] {
        let r = app
            .post(
                "/api/mappings/",
                json!({"patient": patients[p]["id"], "doctor": doctors[d]["id"], "is_active": active}),
                Some(token),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.raw);
    }
    (patients, doctors)
}

fn pairs(body: &Value) -> Vec<(String, String)> {
    body["mappings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["patient_name"].as_str().unwrap().to_owned(),
                m["doctor_name"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn expect(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(p, d)| (p.to_string(), d.to_string()))
        .collect()
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_list_filters_searches_and_orders(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    let (patients, doctors) = clinic(&app, &token).await;
    let all_newest_first = expect(&[
        ("Cleo Cole", "Dr. Xavier"),
        ("Cleo Cole", "Dr. Yang"),
        ("Bob Brown", "Dr. Xavier"),
        ("Alice Ames", "Dr. Yang"),
        ("Alice Ames", "Dr. Xavier"),
    ]);
    let cases = vec![
        (String::new(), all_newest_first.clone()),
        (
            "?ordering=assigned_date".into(),
            all_newest_first.iter().rev().cloned().collect(),
        ),
        ("?ordering=-id".into(), all_newest_first.clone()),
        (
            "?is_active=true".into(),
            expect(&[
                ("Cleo Cole", "Dr. Yang"),
                ("Bob Brown", "Dr. Xavier"),
                ("Alice Ames", "Dr. Xavier"),
            ]),
        ),
        (
            "?is_active=false".into(),
            expect(&[("Cleo Cole", "Dr. Xavier"), ("Alice Ames", "Dr. Yang")]),
        ),
        (
            "?search=cleo".into(),
            expect(&[("Cleo Cole", "Dr. Xavier"), ("Cleo Cole", "Dr. Yang")]),
        ),
        (
            "?search=YANG".into(),
            expect(&[("Cleo Cole", "Dr. Yang"), ("Alice Ames", "Dr. Yang")]),
        ),
        (
            "?search=yang&is_active=true".into(),
            expect(&[("Cleo Cole", "Dr. Yang")]),
        ),
        ("?search=nobody".into(), vec![]),
        (
            format!("?patient={}", patients[0]["id"]),
            expect(&[("Alice Ames", "Dr. Yang"), ("Alice Ames", "Dr. Xavier")]),
        ),
        (
            format!("?doctor={}&ordering=patient_name", doctors[0]["id"]),
            expect(&[
                ("Alice Ames", "Dr. Xavier"),
                ("Bob Brown", "Dr. Xavier"),
                ("Cleo Cole", "Dr. Xavier"),
            ]),
        ),
        (
            "?ordering=doctor_name&is_active=false".into(),
            expect(&[("Cleo Cole", "Dr. Xavier"), ("Alice Ames", "Dr. Yang")]),
        ),
    ];
    for (query, expected) in cases {
        let r = app
            .get(&format!("/api/mappings/{query}"), Some(&token))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{query}: {}", r.raw);
        assert_eq!(r.body["count"], expected.len(), "{query}");
        assert_eq!(pairs(&r.body), expected, "{query}");
    }
    for (query, field) in [
        ("?ordering=notes", "ordering"),
        ("?ordering=patient", "ordering"),
        ("?is_active=sometimes", "is_active"),
        ("?patient=abc", "patient"),
        ("?doctor=-1", "doctor"),
    ] {
        let r = app
            .get(&format!("/api/mappings/{query}"), Some(&token))
            .await;
        assert_error(&r, StatusCode::BAD_REQUEST);
        assert_eq!(keys(&r.body["details"]), [field], "{query}");
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_list_is_paginated_with_the_total_count_on_every_page(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    clinic(&app, &token).await;
    let mut seen = Vec::new();
    for page in 1..=3 {
        let r = app
            .get(
                &format!("/api/mappings/?page_size=2&page={page}"),
                Some(&token),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
        assert_eq!(r.body["count"], 5);
        assert_eq!(r.body["next"].is_null(), page == 3, "{}", r.raw);
        assert_eq!(r.body["previous"].is_null(), page == 1, "{}", r.raw);
        seen.extend(ids(&r.body, "mappings"));
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 5);
    assert_error(
        &app.get("/api/mappings/?page_size=2&page=4", Some(&token))
            .await,
        StatusCode::NOT_FOUND,
    );
    let r = app.get("/api/mappings/?page_size=1000", Some(&token)).await;
    assert_eq!(r.body["mappings"].as_array().unwrap().len(), 5);
}

// ---------------------------------------------------------------------------------------
// GET /api/mappings/{patient_id}/ and DELETE /api/mappings/{mapping_id}/

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn getting_by_patient_id_lists_that_patients_doctors(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    let patient = app.patient_named(&token, "Jane Smith").await;
    let heart = app
        .create_doctor(
            &token,
            json!({"name": "Dr. Heart", "email": "heart@example.com", "specialization": "Cardiology",
                   "qualification": "MD", "experience_years": 15, "license_number": "L-H",
                   "consultation_fee": "150", "is_available": false}),
        )
        .await;
    let brain = app.doctor_named(&token, "Dr. Brain", "Neurology").await;
    let m1 = app.assign(&token, &patient, &heart).await;
    let m2 = app.assign(&token, &patient, &brain).await;

    let r = app.get(&one(&patient["id"]), Some(&token)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    assert_keys(
        &r.body,
        &["patient_id", "patient_name", "total_doctors", "doctors"],
    );
    assert_eq!(r.body["patient_id"], patient["id"]);
    assert_eq!(r.body["patient_name"], "Jane Smith");
    assert_eq!(r.body["total_doctors"], 2);
    let doctors = r.body["doctors"].as_array().unwrap();
    assert_eq!(doctors.len(), 2);
    let first = &doctors[0];
    assert_keys(first, ASSIGNED_DOCTOR);
    assert_eq!(first["id"], heart["id"]);
    assert_eq!(first["name"], "Dr. Heart");
    assert_eq!(first["email"], "heart@example.com");
    assert_eq!(first["specialization"], "Cardiology");
    assert_eq!(first["qualification"], "MD");
    assert_eq!(first["experience_years"], 15);
    assert_eq!(first["consultation_fee"], "150.00");
    assert_eq!(first["is_available"], false);
    assert_eq!(first["mapping_id"], m1["id"]);
    assert_eq!(first["is_active"], true);
    assert_eq!(doctors[1]["id"], brain["id"]);
    assert_eq!(doctors[1]["mapping_id"], m2["id"]);

    // A patient without doctors is still a 200.
    let lonely = app.patient_named(&token, "Lonely").await;
    let r = app.get(&one(&lonely["id"]), Some(&token)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    assert_eq!(
        r.body,
        json!({"patient_id": lonely["id"], "patient_name": "Lonely", "total_doctors": 0,
               "doctors": []})
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn get_takes_a_patient_id_and_delete_a_mapping_id_on_the_same_route(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    let p1 = app.patient_named(&token, "Patient One").await;
    let p2 = app.patient_named(&token, "Patient Two").await;
    let p3 = app.patient_named(&token, "Patient Three").await;
    let d1 = app.doctor_named(&token, "Dr. One", "General").await;
    let d2 = app.doctor_named(&token, "Dr. Two", "General").await;
    let d3 = app.doctor_named(&token, "Dr. Three", "General").await;
    let m1 = app.assign(&token, &p3, &d1).await;
    let m2 = app.assign(&token, &p3, &d2).await;
    let m3 = app.assign(&token, &p1, &d3).await;
    // The ids overlap on purpose, so that mixing them up shows.
    assert_eq!(m1["id"], p1["id"]);
    assert_eq!(m2["id"], p2["id"]);
    assert_eq!(m3["id"], p3["id"]);

    let doctor_ids = |r: &Reply| column(&r.body, "doctors", "id");
    let r = app.get(&one(&p3["id"]), Some(&token)).await;
    assert_eq!(r.body["patient_name"], "Patient Three");
    assert_eq!(doctor_ids(&r), [d1["id"].clone(), d2["id"].clone()]);
    let r = app.get(&one(&p1["id"]), Some(&token)).await;
    assert_eq!(r.body["patient_name"], "Patient One");
    assert_eq!(doctor_ids(&r), [d3["id"].clone()]);
    let r = app.get(&one(&p2["id"]), Some(&token)).await;
    assert_eq!(r.body["total_doctors"], 0);

    // DELETE /api/mappings/{m1}/ removes mapping m1 (Patient Three – Dr. One), not anything
    // of patient p1 whose id it shares.
    let r = app.delete(&one(&m1["id"]), Some(&token)).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert!(r.raw.is_empty(), "{}", r.raw);
    let r = app.get(&one(&p3["id"]), Some(&token)).await;
    assert_eq!(r.body["total_doctors"], 1);
    assert_eq!(doctor_ids(&r), [d2["id"].clone()]);
    let r = app.get(&one(&p1["id"]), Some(&token)).await;
    assert_eq!(r.body["total_doctors"], 1);
    assert_eq!(doctor_ids(&r), [d3["id"].clone()]);
    assert_eq!(app.count_rows("patients").await, 3);
    assert_eq!(app.count_rows("doctors").await, 3);

    // Deleting it again is a 404; the patient and doctor remain.
    assert_error(
        &app.delete(&one(&m1["id"]), Some(&token)).await,
        StatusCode::NOT_FOUND,
    );
    let r = app.get("/api/mappings/", Some(&token)).await;
    let mut left = ids(&r.body, "mappings");
    left.sort();
    assert_eq!(
        left,
        [m2["id"].as_i64().unwrap(), m3["id"].as_i64().unwrap()]
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn total_doctors_counts_them_all_when_the_doctors_come_a_page_at_a_time(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    let patient = app.patient_named(&token, "Busy").await;
    let mut doctors = Vec::new();
    for name in ["Dr. C", "Dr. A", "Dr. B"] {
        let d = app.doctor_named(&token, name, "General").await;
        app.assign(&token, &patient, &d).await;
        doctors.push(d);
    }
    let path = one(&patient["id"]);
    let r = app
        .get(&format!("{path}?page_size=1&page=2"), Some(&token))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    assert_eq!(r.body["total_doctors"], 3);
    assert_eq!(column(&r.body, "doctors", "name"), ["Dr. A"]);
    let r = app
        .get(&format!("{path}?ordering=name"), Some(&token))
        .await;
    assert_eq!(
        column(&r.body, "doctors", "name"),
        ["Dr. A", "Dr. B", "Dr. C"]
    );
    let r = app
        .get(&format!("{path}?ordering=-name"), Some(&token))
        .await;
    assert_eq!(
        column(&r.body, "doctors", "name"),
        ["Dr. C", "Dr. B", "Dr. A"]
    );
    assert_error(
        &app.get(&format!("{path}?page_size=1&page=4"), Some(&token))
            .await,
        StatusCode::NOT_FOUND,
    );
    let r = app.get(&format!("{path}?ordering=fee"), Some(&token)).await;
    assert_error(&r, StatusCode::BAD_REQUEST);
    assert!(r.body["details"]["ordering"].is_array());
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn unknown_and_malformed_ids_are_404s_for_get_and_delete(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    let patient = app.patient_named(&token, "Pat").await;
    let doctor = app.doctor_named(&token, "Dr. D", "General").await;
    app.assign(&token, &patient, &doctor).await;
    let r = app.get("/api/mappings/4242/", Some(&token)).await;
    assert_error(&r, StatusCode::NOT_FOUND);
    assert_eq!(r.body["detail"], "Patient not found.");
    let r = app.delete("/api/mappings/4242/", Some(&token)).await;
    assert_error(&r, StatusCode::NOT_FOUND);
    assert_eq!(r.body["detail"], "Mapping not found.");
    for id in BAD_IDS {
        for slash in ["/", ""] {
            let path = format!("/api/mappings/{id}{slash}");
            for r in [
                app.get(&path, Some(&token)).await,
                app.delete(&path, Some(&token)).await,
            ] {
                assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.raw);
                assert_error(&r, StatusCode::NOT_FOUND);
            }
        }
    }
    assert_eq!(app.count_rows("patient_doctor_mappings").await, 1);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_mapping_cannot_be_replaced_or_patched_only_deleted(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    let patient = app.patient_named(&token, "Pat").await;
    let doctor = app.doctor_named(&token, "Dr. D", "General").await;
    let m = app.assign(&token, &patient, &doctor).await;
    for method in [Method::PUT, Method::PATCH, Method::POST] {
        let r = app
            .call(
                method.clone(),
                &one(&m["id"]),
                Some(json!({"is_active": false})),
                Some(&token),
            )
            .await;
        assert_error(&r, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(
            r.body["detail"],
            format!("Method \"{method}\" not allowed.")
        );
    }
    let r = app.get("/api/mappings/", Some(&token)).await;
    assert_eq!(r.body["mappings"][0]["is_active"], true);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn every_mapping_endpoint_needs_a_token(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    let patient = app.patient_named(&token, "Pat").await;
    let doctor = app
        .create_doctor(&token, doctor_body("Dr. D", "General"))
        .await;
    let m = app.assign(&token, &patient, &doctor).await;
    let body = json!({"patient": patient["id"], "doctor": doctor["id"]});
    for bearer in [None, Some("not.a.token")] {
        for r in [
            app.get("/api/mappings/", bearer).await,
            app.post("/api/mappings/", body.clone(), bearer).await,
            app.get(&one(&patient["id"]), bearer).await,
            app.delete(&one(&m["id"]), bearer).await,
            app.get("/api/mappings/abc/", bearer).await,
        ] {
            assert_error(&r, StatusCode::UNAUTHORIZED);
        }
    }
    assert_eq!(app.count_rows("patient_doctor_mappings").await, 1);
}
