//! `/api/doctors/`: the shared directory. Everyone signed in reads it; only a doctor's
//! creator (or an admin) changes it. Money, validation, uniqueness, lists.

use crate::common::{
    BAD_IDS, Staff, TestApp, assert_error, assert_keys, assert_timestamp, column, doctor_body, ids,
    keys,
};
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use sqlx::PgPool;

const FULL_DOCTOR: &[&str] = &[
    "id",
    "name",
    "email",
    "phone_number",
    "specialization",
    "qualification",
    "experience_years",
    "license_number",
    "clinic_address",
    "consultation_fee",
    "is_available",
    // Additive to the contract: who may edit the record.
    "created_by",
    "created_at",
    "updated_at",
];

const LIST_ITEM: &[&str] = &[
    "id",
    "name",
    "specialization",
    "experience_years",
    "consultation_fee",
    "is_available",
];

const FORBIDDEN: &str =
    "Only the user who added this doctor, or an administrator, may change or delete it.";

fn sarah() -> Value {
    json!({
        "name": "Dr. Sarah Williams",
        "email": "dr.sarah@Hospital.com",
        "phone_number": "+1122334455",
        "specialization": "Cardiologist",
        "qualification": "MBBS, MD (Cardiology)",
        "experience_years": 10,
        "license_number": "MED-2024-001",
        "clinic_address": "City Hospital, 789 Medical Center, NY",
        "consultation_fee": 150.00,
        "is_available": true
    })
}

fn path(id: &Value) -> String {
    format!("/api/doctors/{id}/")
}

fn with(mut body: Value, changes: Value) -> Value {
    for (k, v) in changes.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

// ---------------------------------------------------------------------------------------
// Creating

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn creating_a_doctor_returns_201_with_the_full_record(pool: PgPool) {
    let app = TestApp::new(pool);
    let Staff { token, id: user_id } = app.signed_in("A").await;
    let r = app.post("/api/doctors/", sarah(), Some(&token)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.raw);
    assert_keys(&r.body, &["message", "doctor"]);
    assert_eq!(r.body["message"], "Doctor created successfully");
    let d = &r.body["doctor"];
    assert_keys(d, FULL_DOCTOR);
    assert!(d["id"].as_i64().unwrap() > 0);
    assert_eq!(d["name"], "Dr. Sarah Williams");
    assert_eq!(d["email"], "dr.sarah@hospital.com");
    assert_eq!(d["phone_number"], "+1122334455");
    assert_eq!(d["specialization"], "Cardiologist");
    assert_eq!(d["qualification"], "MBBS, MD (Cardiology)");
    assert_eq!(d["experience_years"], 10);
    assert_eq!(d["license_number"], "MED-2024-001");
    assert_eq!(d["clinic_address"], "City Hospital, 789 Medical Center, NY");
    assert_eq!(d["consultation_fee"], "150.00");
    assert_eq!(d["is_available"], true);
    assert_eq!(d["created_by"], user_id);
    let created = assert_timestamp(&d["created_at"]);
    assert!(assert_timestamp(&d["updated_at"]) >= created);
    assert!((chrono::Utc::now() - created).num_seconds().abs() < 60);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn only_the_required_fields_are_needed_and_the_rest_have_defaults(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    let d = app
        .create_doctor(&token, doctor_body("Dr. Min", "General"))
        .await;
    assert_eq!(d["phone_number"], "");
    assert_eq!(d["qualification"], "");
    assert_eq!(d["clinic_address"], "");
    assert_eq!(d["experience_years"], 0);
    assert_eq!(d["consultation_fee"], "0.00");
    assert_eq!(d["is_available"], true);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_fee_comes_back_as_a_two_decimal_string_however_it_was_sent(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    let cases = [
        (json!(150.00), "150.00"),
        (json!("150"), "150.00"),
        (json!(150), "150.00"),
        (json!("150.00"), "150.00"),
        (json!(99.5), "99.50"),
        (json!("0.1"), "0.10"),
        (json!(19.99), "19.99"),
        (json!(" 75.25 "), "75.25"),
        (json!(0), "0.00"),
        (json!("1.50e2"), "150.00"),
        (json!("99999999.99"), "99999999.99"),
    ];
    for (n, (sent, returned)) in cases.into_iter().enumerate() {
        let body = with(
            doctor_body(&format!("Dr Fee {n}"), "General"),
            json!({"consultation_fee": sent}),
        );
        let r = app.post("/api/doctors/", body, Some(&token)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{sent}: {}", r.raw);
        assert_eq!(r.body["doctor"]["consultation_fee"], returned, "{sent}");
        // The stored value reads back the same, in the record and in the list.
        let id = &r.body["doctor"]["id"];
        let r = app.get(&path(id), Some(&token)).await;
        assert_eq!(r.body["doctor"]["consultation_fee"], returned, "{sent}");
    }
    let r = app
        .get("/api/doctors/?ordering=consultation_fee", Some(&token))
        .await;
    assert_eq!(
        column(&r.body, "doctors", "consultation_fee"),
        [
            "0.00",
            "0.10",
            "19.99",
            "75.25",
            "99.50",
            "150.00",
            "150.00",
            "150.00",
            "150.00",
            "150.00",
            "99999999.99"
        ]
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_negative_fee_or_one_with_three_decimals_is_a_400(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    let cases = [
        (
            json!(-1),
            "Ensure this value is greater than or equal to 0.",
        ),
        (
            json!("-0.01"),
            "Ensure this value is greater than or equal to 0.",
        ),
        (
            json!(0.125),
            "Ensure that there are no more than 2 decimal places.",
        ),
        (
            json!("10.001"),
            "Ensure that there are no more than 2 decimal places.",
        ),
        (
            json!("100000000"),
            "Ensure that there are no more than 8 digits before the decimal point.",
        ),
        (json!("abc"), "A valid number is required."),
        (json!("NaN"), "A valid number is required."),
        (json!(""), "A valid number is required."),
        (json!(true), "A valid number is required."),
        (json!(null), "This field may not be null."),
    ];
    for (fee, message) in cases {
        let body = with(sarah(), json!({"consultation_fee": fee}));
        let r = app.post("/api/doctors/", body, Some(&token)).await;
        assert_error(&r, StatusCode::BAD_REQUEST);
        assert_eq!(r.body["error"], "Failed to create doctor");
        assert_eq!(
            r.body["details"],
            json!({"consultation_fee": [message]}),
            "{fee}"
        );
    }
    assert_eq!(app.count_rows("doctors").await, 0);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn experience_years_must_be_an_integer_from_0_to_80(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    for (n, years) in [json!(0), json!(80), json!("12"), json!(5.0)]
        .into_iter()
        .enumerate()
    {
        let body = with(
            doctor_body(&format!("Dr Years {n}"), "General"),
            json!({"experience_years": years}),
        );
        let r = app.post("/api/doctors/", body, Some(&token)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{years}: {}", r.raw);
    }
    let cases = [
        (
            json!(-1),
            "Ensure this value is greater than or equal to 0.",
        ),
        (json!(81), "Ensure this value is less than or equal to 80."),
        (
            json!(1000000),
            "Ensure this value is less than or equal to 80.",
        ),
        (json!(1.5), "A valid integer is required."),
        (json!("ten"), "A valid integer is required."),
        (json!([10]), "A valid integer is required."),
        (json!(null), "This field may not be null."),
    ];
    for (years, message) in cases {
        let body = with(sarah(), json!({"experience_years": years}));
        let r = app.post("/api/doctors/", body, Some(&token)).await;
        assert_error(&r, StatusCode::BAD_REQUEST);
        assert_eq!(
            r.body["details"],
            json!({"experience_years": [message]}),
            "{years}"
        );
    }
    assert_eq!(app.count_rows("doctors").await, 4);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_required_fields_are_named_when_missing_or_blank(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    let r = app.post("/api/doctors/", json!({}), Some(&token)).await;
    assert_error(&r, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["error"], "Failed to create doctor");
    assert_eq!(
        r.body["details"],
        json!({
            "name": ["This field is required."],
            "email": ["This field is required."],
            "specialization": ["This field is required."],
            "license_number": ["This field is required."],
        })
    );
    let r = app
        .post(
            "/api/doctors/",
            json!({"name": " ", "email": "", "specialization": "  ", "license_number": ""}),
            Some(&token),
        )
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST);
    for field in ["name", "email", "specialization", "license_number"] {
        assert_eq!(
            r.body["details"][field],
            json!(["This field may not be blank."]),
            "{field}"
        );
    }
    assert_eq!(app.count_rows("doctors").await, 0);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_bad_email_phone_or_is_available_is_a_400_on_that_field(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    let r = app
        .post(
            "/api/doctors/",
            with(
                sarah(),
                json!({"email": "dr.sarah", "phone_number": "0800 123", "is_available": "maybe"}),
            ),
            Some(&token),
        )
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST);
    assert_eq!(
        keys(&r.body["details"]),
        ["email", "is_available", "phone_number"]
    );
    assert_eq!(
        r.body["details"]["email"],
        json!(["Enter a valid email address."])
    );
    assert_eq!(
        r.body["details"]["is_available"],
        json!(["Must be a valid boolean."])
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_duplicate_email_or_license_in_any_case_is_a_400_whoever_sends_it(pool: PgPool) {
    let app = TestApp::new(pool);
    let a = app.signed_in("A").await.token;
    let b = app.signed_in("B").await.token;
    app.create_doctor(&a, sarah()).await;
    let email_only = with(
        doctor_body("Dr. Other", "General"),
        json!({"email": "DR.SARAH@hospital.COM"}),
    );
    let license_only = with(
        doctor_body("Dr. Other", "General"),
        json!({"license_number": "med-2024-001"}),
    );
    let both = with(
        doctor_body("Dr. Other", "General"),
        json!({"email": "dr.sarah@hospital.com", "license_number": "Med-2024-001"}),
    );
    for token in [&a, &b] {
        let r = app
            .post("/api/doctors/", email_only.clone(), Some(token))
            .await;
        assert_error(&r, StatusCode::BAD_REQUEST);
        assert_eq!(r.body["error"], "Failed to create doctor");
        assert_eq!(
            r.body["details"],
            json!({"email": ["A doctor with this email already exists."]})
        );
        let r = app
            .post("/api/doctors/", license_only.clone(), Some(token))
            .await;
        assert_error(&r, StatusCode::BAD_REQUEST);
        assert_eq!(
            r.body["details"],
            json!({"license_number": ["A doctor with this license number already exists."]})
        );
        let r = app.post("/api/doctors/", both.clone(), Some(token)).await;
        assert_error(&r, StatusCode::BAD_REQUEST);
        assert_eq!(keys(&r.body["details"]), ["email", "license_number"]);
    }
    assert_eq!(app.count_rows("doctors").await, 1);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn read_only_fields_sent_on_create_are_ignored(pool: PgPool) {
    let app = TestApp::new(pool);
    let Staff { token, id: user_id } = app.signed_in("A").await;
    let other_id = app.signed_in("B").await.id;
    let d = app
        .create_doctor(
            &token,
            with(
                sarah(),
                json!({"id": 999, "created_by": other_id, "created_at": "2000-01-01T00:00:00Z",
                       "updated_at": "2000-01-01T00:00:00Z"}),
            ),
        )
        .await;
    assert_ne!(d["id"], 999);
    assert_eq!(d["created_by"], user_id);
    assert!(assert_timestamp(&d["created_at"]).timestamp() > 946_684_800);
    assert!(assert_timestamp(&d["updated_at"]).timestamp() > 946_684_800);
    // The creator, not the claimed one, may edit it.
    let r = app
        .patch(
            &path(&d["id"]),
            json!({"is_available": false}),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
}

// ---------------------------------------------------------------------------------------
// Reading

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn every_signed_in_user_can_read_every_doctor(pool: PgPool) {
    let app = TestApp::new(pool);
    let a = app.signed_in("A").await.token;
    let b = app.signed_in("B").await.token;
    let d = app.create_doctor(&a, sarah()).await;
    for token in [&a, &b] {
        let r = app.get(&path(&d["id"]), Some(token)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
        assert_keys(&r.body, &["doctor"]);
        assert_eq!(r.body["doctor"], d);
        let r = app.get("/api/doctors/", Some(token)).await;
        assert_eq!(r.body["count"], 1);
        assert_eq!(ids(&r.body, "doctors"), [d["id"].as_i64().unwrap()]);
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_doctor_that_does_not_exist_is_a_404_for_every_method(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    let path = "/api/doctors/31337/";
    for r in [
        app.get(path, Some(&token)).await,
        app.put(path, sarah(), Some(&token)).await,
        app.patch(path, json!({"name": "X"}), Some(&token)).await,
        app.delete(path, Some(&token)).await,
    ] {
        assert_error(&r, StatusCode::NOT_FOUND);
        assert_eq!(r.body["detail"], "Doctor not found.");
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn non_integer_zero_negative_and_huge_ids_are_404s_never_500s(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    app.create_doctor(&token, sarah()).await;
    for id in BAD_IDS {
        for slash in ["/", ""] {
            let path = format!("/api/doctors/{id}{slash}");
            for r in [
                app.get(&path, Some(&token)).await,
                app.put(&path, sarah(), Some(&token)).await,
                app.patch(&path, json!({"name": "X"}), Some(&token)).await,
                app.delete(&path, Some(&token)).await,
            ] {
                assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.raw);
                assert_error(&r, StatusCode::NOT_FOUND);
            }
        }
    }
    assert_eq!(app.count_rows("doctors").await, 1);
}

// ---------------------------------------------------------------------------------------
// Updating

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn put_replaces_the_record_and_returns_it_with_the_message(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    let d = app.create_doctor(&token, sarah()).await;
    let r = app
        .put(
            &path(&d["id"]),
            json!({
                "name": "Dr. Sarah Jones",
                "email": "sarah.jones@hospital.com",
                "phone_number": "+15550001111",
                "specialization": "Neurology",
                "qualification": "MD",
                "experience_years": 11,
                "license_number": "MED-2024-999",
                "clinic_address": "New Clinic",
                "consultation_fee": "175.5",
                "is_available": false
            }),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    assert_keys(&r.body, &["message", "doctor"]);
    assert_eq!(r.body["message"], "Doctor updated successfully");
    let u = &r.body["doctor"];
    assert_keys(u, FULL_DOCTOR);
    assert_eq!(u["id"], d["id"]);
    assert_eq!(u["name"], "Dr. Sarah Jones");
    assert_eq!(u["email"], "sarah.jones@hospital.com");
    assert_eq!(u["phone_number"], "+15550001111");
    assert_eq!(u["specialization"], "Neurology");
    assert_eq!(u["qualification"], "MD");
    assert_eq!(u["experience_years"], 11);
    assert_eq!(u["license_number"], "MED-2024-999");
    assert_eq!(u["clinic_address"], "New Clinic");
    assert_eq!(u["consultation_fee"], "175.50");
    assert_eq!(u["is_available"], false);
    assert_eq!(u["created_by"], d["created_by"]);
    assert_eq!(u["created_at"], d["created_at"]);
    assert!(assert_timestamp(&u["updated_at"]) > assert_timestamp(&d["updated_at"]));
    assert_eq!(
        app.get(&path(&d["id"]), Some(&token)).await.body["doctor"],
        *u
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn put_requires_the_required_fields_and_changes_nothing_without_them(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    let d = app.create_doctor(&token, sarah()).await;
    let r = app
        .put(
            &path(&d["id"]),
            json!({"experience_years": 12}),
            Some(&token),
        )
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["error"], "Failed to update doctor");
    assert_eq!(
        keys(&r.body["details"]),
        ["email", "license_number", "name", "specialization"]
    );
    assert_eq!(
        app.get(&path(&d["id"]), Some(&token)).await.body["doctor"],
        d
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn patch_changes_only_the_fields_it_is_sent(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    let d = app.create_doctor(&token, sarah()).await;
    let r = app
        .patch(
            &path(&d["id"]),
            json!({"is_available": "false", "consultation_fee": 200}),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    assert_eq!(r.body["message"], "Doctor updated successfully");
    let u = &r.body["doctor"];
    assert_eq!(u["is_available"], false);
    assert_eq!(u["consultation_fee"], "200.00");
    for field in FULL_DOCTOR {
        if !["is_available", "consultation_fee", "updated_at"].contains(field) {
            assert_eq!(u[field], d[field], "{field}");
        }
    }
    let r = app.patch(&path(&d["id"]), json!({}), Some(&token)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    assert_eq!(r.body["doctor"]["consultation_fee"], "200.00");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn patch_may_not_blank_or_null_a_required_field(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    let d = app.create_doctor(&token, sarah()).await;
    for field in ["name", "email", "specialization", "license_number"] {
        for (value, message) in [
            (json!(""), "This field may not be blank."),
            (json!("   "), "This field may not be blank."),
            (json!(null), "This field may not be null."),
        ] {
            let r = app
                .patch(&path(&d["id"]), json!({ field: value }), Some(&token))
                .await;
            assert_error(&r, StatusCode::BAD_REQUEST);
            assert_eq!(r.body["error"], "Failed to update doctor");
            assert_eq!(
                r.body["details"],
                json!({ field: [message] }),
                "{field} = {value}"
            );
        }
    }
    assert_eq!(
        app.get(&path(&d["id"]), Some(&token)).await.body["doctor"],
        d
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn updates_are_validated_like_creates(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    let d = app.create_doctor(&token, sarah()).await;
    let cases = [
        (json!({"experience_years": 81}), "experience_years"),
        (json!({"experience_years": -1}), "experience_years"),
        (json!({"consultation_fee": -5}), "consultation_fee"),
        (json!({"consultation_fee": "1.999"}), "consultation_fee"),
        (json!({"email": "bad@"}), "email"),
        (json!({"phone_number": "123"}), "phone_number"),
        (json!({"is_available": "perhaps"}), "is_available"),
    ];
    for (body, field) in cases {
        for method in [Method::PATCH, Method::PUT] {
            let body = if method == Method::PUT {
                with(sarah(), body.clone())
            } else {
                body.clone()
            };
            let r = app
                .call(
                    method.clone(),
                    &path(&d["id"]),
                    Some(body.clone()),
                    Some(&token),
                )
                .await;
            assert_error(&r, StatusCode::BAD_REQUEST);
            assert_eq!(keys(&r.body["details"]), [field], "{method} {body}");
        }
    }
    assert_eq!(
        app.get(&path(&d["id"]), Some(&token)).await.body["doctor"],
        d
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn updating_to_another_doctors_email_or_license_is_a_400_but_keeping_ones_own_is_not(
    pool: PgPool,
) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    let sarah = app.create_doctor(&token, sarah()).await;
    let other = app
        .create_doctor(&token, doctor_body("Dr. Other", "General"))
        .await;
    let r = app
        .patch(
            &path(&other["id"]),
            json!({"email": "Dr.Sarah@HOSPITAL.com"}),
            Some(&token),
        )
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["error"], "Failed to update doctor");
    assert_eq!(
        r.body["details"],
        json!({"email": ["A doctor with this email already exists."]})
    );
    let r = app
        .patch(
            &path(&other["id"]),
            json!({"license_number": "med-2024-001"}),
            Some(&token),
        )
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.body["details"],
        json!({"license_number": ["A doctor with this license number already exists."]})
    );
    // Its own email and license, even in another case, are no collision.
    let r = app
        .put(
            &path(&sarah["id"]),
            with(
                sarah.clone(),
                json!({"email": "DR.SARAH@hospital.com", "license_number": "med-2024-001"}),
            ),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    assert_eq!(
        app.get(&path(&other["id"]), Some(&token)).await.body["doctor"],
        other
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn read_only_fields_sent_on_update_are_ignored(pool: PgPool) {
    let app = TestApp::new(pool);
    let Staff { token, id: user_id } = app.signed_in("A").await;
    let other_id = app.signed_in("B").await.id;
    let d = app.create_doctor(&token, sarah()).await;
    for method in [Method::PATCH, Method::PUT] {
        let r = app
            .call(
                method,
                &path(&d["id"]),
                Some(with(
                    sarah(),
                    json!({"id": 555, "created_by": other_id,
                           "created_at": "2000-01-01T00:00:00Z"}),
                )),
                Some(&token),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
        assert_eq!(r.body["doctor"]["id"], d["id"]);
        assert_eq!(r.body["doctor"]["created_by"], user_id);
        assert_eq!(r.body["doctor"]["created_at"], d["created_at"]);
    }
}

// ---------------------------------------------------------------------------------------
// Who may change a doctor

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn only_the_creator_may_put_patch_or_delete_a_doctor_others_get_403(pool: PgPool) {
    let app = TestApp::new(pool);
    let a = app.signed_in("A").await.token;
    let b = app.signed_in("B").await.token;
    let d = app.create_doctor(&a, sarah()).await;
    let p = path(&d["id"]);
    for r in [
        app.put(&p, with(sarah(), json!({"name": "Hijacked"})), Some(&b))
            .await,
        app.patch(&p, json!({"consultation_fee": 1}), Some(&b))
            .await,
        // Even an invalid change is refused for permission first, revealing nothing.
        app.patch(&p, json!({"experience_years": 500}), Some(&b))
            .await,
        app.put(&p, json!({}), Some(&b)).await,
        app.delete(&p, Some(&b)).await,
    ] {
        assert_error(&r, StatusCode::FORBIDDEN);
        assert_eq!(r.body["detail"], FORBIDDEN);
    }
    // Nothing changed; the creator still can.
    assert_eq!(app.get(&p, Some(&b)).await.body["doctor"], d);
    let r = app.patch(&p, json!({"name": "Dr. S. W."}), Some(&a)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    let r = app.delete(&p, Some(&a)).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn an_admin_may_change_and_delete_any_doctor(pool: PgPool) {
    let app = TestApp::new(pool);
    let a = app.signed_in("A").await.token;
    let Staff {
        token: admin,
        id: admin_id,
    } = app.signed_in("Admin").await;
    let d = app.create_doctor(&a, sarah()).await;
    let p = path(&d["id"]);
    assert_error(
        &app.patch(&p, json!({"name": "X"}), Some(&admin)).await,
        StatusCode::FORBIDDEN,
    );
    app.make_admin(admin_id).await;
    // The same token now carries an admin's rights: they are read from the database.
    let r = app
        .patch(&p, json!({"is_available": false}), Some(&admin))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    assert_eq!(r.body["doctor"]["is_available"], false);
    // The creator stays the creator.
    assert_eq!(r.body["doctor"]["created_by"], d["created_by"]);
    let r = app
        .put(
            &p,
            with(sarah(), json!({"name": "Dr. Renamed"})),
            Some(&admin),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    assert_eq!(r.body["doctor"]["name"], "Dr. Renamed");
    let r = app.delete(&p, Some(&admin)).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert!(r.raw.is_empty());
    assert_error(&app.get(&p, Some(&a)).await, StatusCode::NOT_FOUND);
}

// ---------------------------------------------------------------------------------------
// Deleting

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn deleting_returns_204_with_an_empty_body_and_removes_every_mapping_of_the_doctor(
    pool: PgPool,
) {
    let app = TestApp::new(pool);
    let a = app.signed_in("A").await.token;
    let b = app.signed_in("B").await.token;
    let doomed = app.create_doctor(&a, sarah()).await;
    let kept = app
        .create_doctor(&a, doctor_body("Dr. Kept", "General"))
        .await;
    // Both users assign the doctor to their own patients.
    let pa = app.patient_named(&a, "Patient A").await;
    let pb = app.patient_named(&b, "Patient B").await;
    app.assign(&a, &pa, &doomed).await;
    app.assign(&a, &pa, &kept).await;
    app.assign(&b, &pb, &doomed).await;

    let r = app.delete(&path(&doomed["id"]), Some(&a)).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert!(r.raw.is_empty(), "{}", r.raw);
    assert_error(
        &app.get(&path(&doomed["id"]), Some(&a)).await,
        StatusCode::NOT_FOUND,
    );
    assert_error(
        &app.delete(&path(&doomed["id"]), Some(&a)).await,
        StatusCode::NOT_FOUND,
    );
    assert_eq!(app.count_rows("patient_doctor_mappings").await, 1);
    let r = app.get("/api/mappings/", Some(&b)).await;
    assert_eq!(r.body["count"], 0);
    let r = app
        .get(&format!("/api/mappings/{}/", pa["id"]), Some(&a))
        .await;
    assert_eq!(r.body["total_doctors"], 1);
    assert_eq!(r.body["doctors"][0]["id"], kept["id"]);
    // The patients themselves stay.
    assert_eq!(app.count_rows("patients").await, 2);
}

// ---------------------------------------------------------------------------------------
// The list

async fn directory(app: &TestApp, token: &str) -> Vec<Value> {
    let mut doctors = Vec::new();
    for (name, specialization, qualification, years, fee, available) in [
        ("Dr. Bob Heart", "Cardiology", "MD", 20, "250.00", true),
        ("dr. alice lung", "Pulmonology", "MBBS", 5, "90.00", true),
        ("Dr. Carol Heart", "cardiology", "FRCS", 12, "9.50", false),
        ("Dr. Dan Skin", "Dermatology", "MD, PhD", 1, "1000.00", true),
    ] {
        let body = with(
            doctor_body(name, specialization),
            json!({"qualification": qualification, "experience_years": years,
                   "consultation_fee": fee, "is_available": available}),
        );
        doctors.push(app.create_doctor(token, body).await);
    }
    doctors
}

fn names(body: &Value) -> Vec<Value> {
    column(body, "doctors", "name")
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_list_has_count_links_and_items_with_exactly_the_list_fields(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    let d = app.create_doctor(&token, sarah()).await;
    let r = app.get("/api/doctors/", Some(&token)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    assert_keys(&r.body, &["count", "next", "previous", "doctors"]);
    assert_eq!(r.body["count"], 1);
    assert_eq!(r.body["next"], Value::Null);
    assert_eq!(r.body["previous"], Value::Null);
    let item = &r.body["doctors"][0];
    assert_keys(item, LIST_ITEM);
    assert_eq!(item["id"], d["id"]);
    assert_eq!(item["name"], "Dr. Sarah Williams");
    assert_eq!(item["specialization"], "Cardiologist");
    assert_eq!(item["experience_years"], 10);
    assert_eq!(item["consultation_fee"], "150.00");
    assert_eq!(item["is_available"], true);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_list_is_ordered_by_name_by_default_and_on_request(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    directory(&app, &token).await;
    let cases: [(&str, [&str; 4]); 8] = [
        (
            "",
            [
                "dr. alice lung",
                "Dr. Bob Heart",
                "Dr. Carol Heart",
                "Dr. Dan Skin",
            ],
        ),
        (
            "?ordering=-name",
            [
                "Dr. Dan Skin",
                "Dr. Carol Heart",
                "Dr. Bob Heart",
                "dr. alice lung",
            ],
        ),
        (
            "?ordering=experience_years",
            [
                "Dr. Dan Skin",
                "dr. alice lung",
                "Dr. Carol Heart",
                "Dr. Bob Heart",
            ],
        ),
        (
            "?ordering=-experience_years",
            [
                "Dr. Bob Heart",
                "Dr. Carol Heart",
                "dr. alice lung",
                "Dr. Dan Skin",
            ],
        ),
        // Fees order as numbers, not as strings.
        (
            "?ordering=consultation_fee",
            [
                "Dr. Carol Heart",
                "dr. alice lung",
                "Dr. Bob Heart",
                "Dr. Dan Skin",
            ],
        ),
        (
            "?ordering=-consultation_fee",
            [
                "Dr. Dan Skin",
                "Dr. Bob Heart",
                "dr. alice lung",
                "Dr. Carol Heart",
            ],
        ),
        (
            "?ordering=created_at",
            [
                "Dr. Bob Heart",
                "dr. alice lung",
                "Dr. Carol Heart",
                "Dr. Dan Skin",
            ],
        ),
        (
            "?ordering=-id",
            [
                "Dr. Dan Skin",
                "Dr. Carol Heart",
                "dr. alice lung",
                "Dr. Bob Heart",
            ],
        ),
    ];
    for (query, expected) in cases {
        let r = app
            .get(&format!("/api/doctors/{query}"), Some(&token))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{query}: {}", r.raw);
        assert_eq!(names(&r.body), expected, "{query}");
    }
    for bad in ["fee", "email", "license_number", "is_available"] {
        let r = app
            .get(&format!("/api/doctors/?ordering={bad}"), Some(&token))
            .await;
        assert_error(&r, StatusCode::BAD_REQUEST);
        assert!(r.body["details"]["ordering"][0].is_string(), "{}", r.raw);
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_list_filters_by_specialization_and_availability(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    directory(&app, &token).await;
    let cases: &[(&str, &[&str])] = &[
        // An exact specialization, in any case; no substring match.
        (
            "?specialization=Cardiology",
            &["Dr. Bob Heart", "Dr. Carol Heart"],
        ),
        (
            "?specialization=CARDIOLOGY",
            &["Dr. Bob Heart", "Dr. Carol Heart"],
        ),
        ("?specialization=Cardio", &[]),
        (
            "?specialization=",
            &[
                "dr. alice lung",
                "Dr. Bob Heart",
                "Dr. Carol Heart",
                "Dr. Dan Skin",
            ],
        ),
        (
            "?is_available=true",
            &["dr. alice lung", "Dr. Bob Heart", "Dr. Dan Skin"],
        ),
        ("?is_available=false", &["Dr. Carol Heart"]),
        ("?is_available=0", &["Dr. Carol Heart"]),
        (
            "?is_available=True",
            &["dr. alice lung", "Dr. Bob Heart", "Dr. Dan Skin"],
        ),
        (
            "?specialization=cardiology&is_available=true",
            &["Dr. Bob Heart"],
        ),
        (
            "?specialization=cardiology&is_available=false&ordering=-name",
            &["Dr. Carol Heart"],
        ),
    ];
    for (query, expected) in cases {
        let r = app
            .get(&format!("/api/doctors/{query}"), Some(&token))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{query}: {}", r.raw);
        assert_eq!(r.body["count"], expected.len(), "{query}");
        assert_eq!(&names(&r.body), expected, "{query}");
    }
    let r = app
        .get("/api/doctors/?is_available=maybe", Some(&token))
        .await;
    assert_error(&r, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.body["details"]["is_available"],
        json!(["Must be a valid boolean."])
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn search_matches_name_email_specialization_and_qualification(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    directory(&app, &token).await;
    let cases: &[(&str, &[&str])] = &[
        ("heart", &["Dr. Bob Heart", "Dr. Carol Heart"]),
        ("ALICE", &["dr. alice lung"]),
        ("drdanskin%40doctors", &["Dr. Dan Skin"]),
        ("pulmo", &["dr. alice lung"]),
        ("phd", &["Dr. Dan Skin"]),
        ("frcs", &["Dr. Carol Heart"]),
        ("%25", &[]),
        ("nobody", &[]),
    ];
    for (search, expected) in cases {
        let r = app
            .get(&format!("/api/doctors/?search={search}"), Some(&token))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{search}: {}", r.raw);
        assert_eq!(r.body["count"], expected.len(), "{search}");
        assert_eq!(&names(&r.body), expected, "{search}");
    }
    let r = app
        .get("/api/doctors/?search=heart&is_available=true", Some(&token))
        .await;
    assert_eq!(names(&r.body), ["Dr. Bob Heart"]);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn unreadable_list_parameters_are_400s_not_500s(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    directory(&app, &token).await;
    for (query, field) in [
        ("?search=%00", "search"),
        ("?specialization=%00", "specialization"),
        ("?is_available=2", "is_available"),
        ("?ordering=%00", "ordering"),
    ] {
        let r = app
            .get(&format!("/api/doctors/{query}"), Some(&token))
            .await;
        assert_error(&r, StatusCode::BAD_REQUEST);
        assert!(r.body["details"][field].is_array(), "{query}: {}", r.raw);
    }
    let r = app
        .get(
            "/api/doctors/?search=&specialization=&is_available=&ordering=&page=&page_size=",
            Some(&token),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    assert_eq!(r.body["count"], 4);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_list_is_paginated_with_the_total_count_on_every_page(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    let all = directory(&app, &token).await;
    let r = app
        .get("/api/doctors/?page_size=3&ordering=id", Some(&token))
        .await;
    assert_eq!(r.body["count"], 4);
    assert_eq!(r.body["doctors"].as_array().unwrap().len(), 3);
    assert_eq!(r.body["previous"], Value::Null);
    let next = r.body["next"].as_str().unwrap().to_owned();
    assert!(next.starts_with("/api/doctors/?"), "{next}");
    assert!(
        next.contains("page=2") && next.contains("page_size=3"),
        "{next}"
    );
    assert!(next.contains("ordering=id"), "{next}");
    let r = app.get(&next, Some(&token)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    assert_eq!(r.body["count"], 4);
    assert_eq!(ids(&r.body, "doctors"), [all[3]["id"].as_i64().unwrap()]);
    assert_eq!(r.body["next"], Value::Null);
    assert!(r.body["previous"].is_string());
    assert_error(
        &app.get("/api/doctors/?page_size=3&page=3", Some(&token))
            .await,
        StatusCode::NOT_FOUND,
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn pages_default_to_20_doctors_and_never_exceed_100(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    sqlx::query(
        "insert into doctors (name, email, specialization, license_number)
         select 'Doc ' || g, 'doc' || g || '@example.com', 'General', 'L-' || g
         from generate_series(1, 101) g",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    for (query, expected) in [
        ("", 20),
        ("?page_size=500", 100),
        ("?page=2&page_size=100", 1),
    ] {
        let r = app
            .get(&format!("/api/doctors/{query}"), Some(&token))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
        assert_eq!(r.body["count"], 101);
        assert_eq!(
            r.body["doctors"].as_array().unwrap().len(),
            expected,
            "{query}"
        );
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn every_doctor_endpoint_needs_a_token(pool: PgPool) {
    let app = TestApp::new(pool);
    let token = app.signed_in("A").await.token;
    let d = app.create_doctor(&token, sarah()).await;
    let one = path(&d["id"]);
    for bearer in [None, Some("not.a.token")] {
        for r in [
            app.get("/api/doctors/", bearer).await,
            app.post("/api/doctors/", doctor_body("Dr. X", "General"), bearer)
                .await,
            app.get(&one, bearer).await,
            app.put(&one, sarah(), bearer).await,
            app.patch(&one, json!({"name": "X"}), bearer).await,
            app.delete(&one, bearer).await,
            app.get("/api/doctors/0/", bearer).await,
        ] {
            assert_error(&r, StatusCode::UNAUTHORIZED);
        }
    }
    assert_eq!(app.count_rows("doctors").await, 1);
    assert_eq!(app.get(&one, Some(&token)).await.body["doctor"], d);
}
