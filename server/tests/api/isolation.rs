//! One user's patients and mappings are invisible to every other user: each method on
//! each object answers exactly as for an object that does not exist, no list, search,
//! filter or count reveals them, and nothing another user tries changes them.

use crate::common::{Staff, TestApp, assert_error, doctor_body, ids};
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};
use sqlx::PgPool;

/// User A's world, and user B beside it.
struct World {
    a: String,
    b: String,
    a_patients: Vec<Value>,
    a_mappings: Vec<Value>,
    a_doctor: Value,
    b_doctor: Value,
    b_patient: Value,
    b_mapping: Value,
}

async fn world(app: &TestApp) -> World {
    let a = app.signed_in("Alice Owner").await.token;
    let b = app.signed_in("Bob Other").await.token;
    let jane = app
        .create_patient(
            &a,
            json!({"name": "Jane Secret", "email": "jane.secret@example.com",
                   "phone_number": "+15550100001", "blood_group": "AB-",
                   "date_of_birth": "1980-02-29", "medical_history": "Confidential"}),
        )
        .await;
    let john = app
        .create_patient(
            &a,
            json!({"name": "John Hidden", "email": "john.hidden@example.com", "blood_group": "AB-"}),
        )
        .await;
    let a_doctor = app
        .create_doctor(&a, doctor_body("Dr. Alpha", "Cardiology"))
        .await;
    let b_doctor = app
        .create_doctor(&b, doctor_body("Dr. Beta", "Neurology"))
        .await;
    let a_mappings = vec![
        app.assign(&a, &jane, &a_doctor).await,
        app.assign(&a, &jane, &b_doctor).await,
        app.assign(&a, &john, &a_doctor).await,
    ];
    let b_patient = app
        .create_patient(
            &b,
            json!({"name": "Bob's Patient", "email": "bp@example.com", "blood_group": "O-"}),
        )
        .await;
    let b_mapping = app.assign(&b, &b_patient, &a_doctor).await;
    World {
        a,
        b,
        a_patients: vec![jane, john],
        a_mappings,
        a_doctor,
        b_doctor,
        b_patient,
        b_mapping,
    }
}

/// Everything A can see, fetched as A.
async fn snapshot(app: &TestApp, w: &World) -> Vec<Value> {
    let mut seen = Vec::new();
    let mut paths = vec![
        "/api/patients/".to_owned(),
        "/api/mappings/".to_owned(),
        "/api/doctors/".to_owned(),
    ];
    for p in &w.a_patients {
        paths.push(format!("/api/patients/{}/", p["id"]));
        paths.push(format!("/api/mappings/{}/", p["id"]));
    }
    paths.push(format!("/api/doctors/{}/", w.a_doctor["id"]));
    paths.push(format!("/api/doctors/{}/", w.b_doctor["id"]));
    for path in paths {
        let r = app.get(&path, Some(&w.a)).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.raw);
        seen.push(json!({"path": path, "body": r.body}));
    }
    seen
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap()
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn another_user_is_refused_every_method_on_every_object_and_changes_nothing(pool: PgPool) {
    let app = TestApp::new(pool);
    let w = world(&app).await;
    let before = snapshot(&app, &w).await;

    // What an object that does not exist looks like, to compare against.
    let absent_patient = app.get("/api/patients/999999/", Some(&w.b)).await;
    let absent_doctors_of = app.get("/api/mappings/999999/", Some(&w.b)).await;
    let absent_mapping = app.delete("/api/mappings/999999/", Some(&w.b)).await;
    assert_error(&absent_patient, StatusCode::NOT_FOUND);
    assert_error(&absent_doctors_of, StatusCode::NOT_FOUND);
    assert_error(&absent_mapping, StatusCode::NOT_FOUND);

    let valid = json!({"name": "Hacked", "email": "hacked@example.com", "blood_group": "O+"});
    for patient in &w.a_patients {
        let path = format!("/api/patients/{}/", patient["id"]);
        let attempts = [
            app.get(&path, Some(&w.b)).await,
            app.put(&path, valid.clone(), Some(&w.b)).await,
            // Invalid bodies still get the 404, not a 400 that would confirm the object.
            app.put(&path, json!({}), Some(&w.b)).await,
            app.put(&path, json!({"name": ""}), Some(&w.b)).await,
            app.patch(&path, json!({"name": "Hacked"}), Some(&w.b))
                .await,
            app.patch(&path, json!({"blood_group": "nonsense"}), Some(&w.b))
                .await,
            app.patch(&path, json!({}), Some(&w.b)).await,
            app.delete(&path, Some(&w.b)).await,
        ];
        for r in attempts {
            assert_error(&r, StatusCode::NOT_FOUND);
            assert_eq!(r.raw, absent_patient.raw, "{path}");
        }
        // The doctors of A's patient.
        let r = app
            .get(&format!("/api/mappings/{}/", patient["id"]), Some(&w.b))
            .await;
        assert_error(&r, StatusCode::NOT_FOUND);
        assert_eq!(r.raw, absent_doctors_of.raw);
        // Assigning a doctor to A's patient: refused as for a patient that does not exist.
        let r = app
            .post(
                "/api/mappings/",
                json!({"patient": patient["id"], "doctor": w.b_doctor["id"]}),
                Some(&w.b),
            )
            .await;
        assert_error(&r, StatusCode::BAD_REQUEST);
        assert_eq!(
            r.body["details"],
            json!({"patient": [format!("Invalid pk \"{}\" - object does not exist.", patient["id"])]})
        );
    }
    for mapping in &w.a_mappings {
        let r = app
            .delete(&format!("/api/mappings/{}/", mapping["id"]), Some(&w.b))
            .await;
        assert_error(&r, StatusCode::NOT_FOUND);
        assert_eq!(r.raw, absent_mapping.raw);
    }
    // The same route with every other id of A's: GET reads it as a patient id, DELETE as a
    // mapping id. Ids that happen to be B's own objects are B's to read.
    let b_patient_ids = [id(&w.b_patient)];
    let b_mapping_ids = [id(&w.b_mapping)];
    for object in w.a_patients.iter().chain(&w.a_mappings) {
        let path = format!("/api/mappings/{}/", object["id"]);
        if !b_patient_ids.contains(&id(object)) {
            let r = app.get(&path, Some(&w.b)).await;
            assert_error(&r, StatusCode::NOT_FOUND);
            assert_eq!(r.raw, absent_doctors_of.raw, "{path}");
        }
        if !b_mapping_ids.contains(&id(object)) {
            let r = app.delete(&path, Some(&w.b)).await;
            assert_error(&r, StatusCode::NOT_FOUND);
            assert_eq!(r.raw, absent_mapping.raw, "{path}");
        }
    }
    // A's doctor is in the shared directory: B reads it but may not change it.
    let doctor_path = format!("/api/doctors/{}/", w.a_doctor["id"]);
    assert_eq!(
        app.get(&doctor_path, Some(&w.b)).await.body["doctor"],
        w.a_doctor
    );
    for r in [
        app.patch(&doctor_path, json!({"is_available": false}), Some(&w.b))
            .await,
        app.put(&doctor_path, doctor_body("Dr. Hacked", "None"), Some(&w.b))
            .await,
        app.delete(&doctor_path, Some(&w.b)).await,
    ] {
        assert_error(&r, StatusCode::FORBIDDEN);
    }

    // A's data is exactly as it was.
    assert_eq!(snapshot(&app, &w).await, before);
    assert_eq!(app.count_rows("patients").await, 3);
    assert_eq!(app.count_rows("patient_doctor_mappings").await, 4);
    // And B's own objects still answer to B.
    let r = app
        .get(&format!("/api/patients/{}/", w.b_patient["id"]), Some(&w.b))
        .await;
    assert_eq!(r.body["patient"], w.b_patient);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn lists_searches_filters_and_counts_show_only_ones_own_objects(pool: PgPool) {
    let app = TestApp::new(pool);
    let w = world(&app).await;
    let only_b_patient = [id(&w.b_patient)];
    for query in [
        "",
        "?ordering=name",
        "?ordering=-id&page_size=100",
        "?page=1&page_size=1",
    ] {
        let r = app.get(&format!("/api/patients/{query}"), Some(&w.b)).await;
        assert_eq!(r.status, StatusCode::OK, "{query}: {}", r.raw);
        assert_eq!(r.body["count"], 1, "{query}");
        assert_eq!(r.body["next"], Value::Null, "{query}");
        assert_eq!(ids(&r.body, "patients"), only_b_patient, "{query}");
    }
    // Nothing of A's matches any search or filter B makes.
    for query in [
        "?search=Jane",
        "?search=secret",
        "?search=john.hidden%40example.com",
        "?search=5550100001",
        "?search=%2B1555",
        "?blood_group=AB-",
        "?blood_group=AB-&search=j",
    ] {
        let r = app.get(&format!("/api/patients/{query}"), Some(&w.b)).await;
        assert_eq!(r.status, StatusCode::OK, "{query}: {}", r.raw);
        assert_eq!(r.body["count"], 0, "{query}");
        assert_eq!(r.body["patients"], json!([]), "{query}");
    }
    // A page past B's own is a 404, even though A's patients would fill it.
    assert_error(
        &app.get("/api/patients/?page=2&page_size=1", Some(&w.b))
            .await,
        StatusCode::NOT_FOUND,
    );

    let only_b_mapping = [id(&w.b_mapping)];
    let r = app.get("/api/mappings/", Some(&w.b)).await;
    assert_eq!(r.body["count"], 1);
    assert_eq!(ids(&r.body, "mappings"), only_b_mapping);
    // B's mapping uses A's doctor; filtering by that doctor still shows only B's own.
    let r = app
        .get(
            &format!("/api/mappings/?doctor={}", w.a_doctor["id"]),
            Some(&w.b),
        )
        .await;
    assert_eq!(r.body["count"], 1);
    assert_eq!(ids(&r.body, "mappings"), only_b_mapping);
    for query in [
        "?search=Jane".to_owned(),
        "?search=Dr.%20Beta".to_owned(),
        format!("?patient={}", w.a_patients[0]["id"]),
        format!("?doctor={}", w.b_doctor["id"]),
    ] {
        let r = app.get(&format!("/api/mappings/{query}"), Some(&w.b)).await;
        assert_eq!(r.status, StatusCode::OK, "{query}: {}", r.raw);
        assert_eq!(r.body["count"], 0, "{query}");
        assert_eq!(r.body["mappings"], json!([]), "{query}");
    }

    // A, likewise, sees only A's own.
    let r = app.get("/api/patients/", Some(&w.a)).await;
    assert_eq!(r.body["count"], 2);
    assert!(!ids(&r.body, "patients").contains(&id(&w.b_patient)));
    let r = app.get("/api/mappings/", Some(&w.a)).await;
    assert_eq!(r.body["count"], 3);
    assert!(!ids(&r.body, "mappings").contains(&id(&w.b_mapping)));
    let r = app
        .get(&format!("/api/mappings/{}/", w.b_patient["id"]), Some(&w.a))
        .await;
    assert_error(&r, StatusCode::NOT_FOUND);

    // The doctor directory is shared: both see both doctors.
    for token in [&w.a, &w.b] {
        let r = app.get("/api/doctors/", Some(token)).await;
        assert_eq!(r.body["count"], 2);
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn counts_stay_per_owner_however_many_patients_another_user_has(pool: PgPool) {
    let app = TestApp::new(pool);
    let Staff { token: a, id: a_id } = app.signed_in("A").await;
    let b = app.signed_in("B").await.token;
    sqlx::query(
        "insert into patients (name, created_by) select 'A patient ' || g, $1
         from generate_series(1, 45) g",
    )
    .bind(a_id)
    .execute(&app.pool)
    .await
    .unwrap();
    app.patient_named(&b, "B One").await;
    app.patient_named(&b, "B Two").await;
    let r = app.get("/api/patients/?page_size=1", Some(&b)).await;
    assert_eq!(r.body["count"], 2);
    let r = app.get("/api/patients/?search=A%20patient", Some(&b)).await;
    assert_eq!(r.body["count"], 0);
    let r = app.get("/api/patients/?search=A%20patient", Some(&a)).await;
    assert_eq!(r.body["count"], 45);
    let r = app.get("/api/patients/", Some(&a)).await;
    assert_eq!(r.body["count"], 45);
    assert_eq!(r.body["patients"].as_array().unwrap().len(), 20);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_same_patient_email_under_two_owners_reveals_nothing_and_stays_separate(pool: PgPool) {
    let app = TestApp::new(pool);
    let w = world(&app).await;
    let jane = &w.a_patients[0];
    // B may use the email of A's patient: the uniqueness check does not leak A's data.
    let copy = app
        .create_patient(
            &w.b,
            json!({"name": "Jane Copy", "email": "JANE.SECRET@example.com"}),
        )
        .await;
    assert_ne!(copy["id"], jane["id"]);
    // Changing or deleting B's copy leaves A's patient alone.
    let r = app
        .patch(
            &format!("/api/patients/{}/", copy["id"]),
            json!({"name": "Jane Copy 2"}),
            Some(&w.b),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    let r = app
        .delete(&format!("/api/patients/{}/", copy["id"]), Some(&w.b))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = app
        .get(&format!("/api/patients/{}/", jane["id"]), Some(&w.a))
        .await;
    assert_eq!(&r.body["patient"], jane);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn every_request_without_a_valid_token_is_a_401_and_changes_nothing(pool: PgPool) {
    let app = TestApp::new(pool);
    let w = world(&app).await;
    let before = snapshot(&app, &w).await;
    let patient = format!("/api/patients/{}/", w.a_patients[0]["id"]);
    let doctor = format!("/api/doctors/{}/", w.a_doctor["id"]);
    let doctors_of = format!("/api/mappings/{}/", w.a_patients[0]["id"]);
    let mapping = format!("/api/mappings/{}/", w.a_mappings[0]["id"]);
    let body = json!({"name": "X", "email": "x@example.com", "specialization": "X",
                      "license_number": "X", "patient": w.a_patients[0]["id"],
                      "doctor": w.b_doctor["id"]});
    let requests: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, "/api/patients/".into(), None),
        (Method::POST, "/api/patients/".into(), Some(body.clone())),
        (Method::GET, patient.clone(), None),
        (Method::PUT, patient.clone(), Some(body.clone())),
        (Method::PATCH, patient.clone(), Some(body.clone())),
        (Method::DELETE, patient.clone(), None),
        (Method::GET, "/api/doctors/".into(), None),
        (Method::POST, "/api/doctors/".into(), Some(body.clone())),
        (Method::GET, doctor.clone(), None),
        (Method::PUT, doctor.clone(), Some(body.clone())),
        (Method::PATCH, doctor.clone(), Some(body.clone())),
        (Method::DELETE, doctor.clone(), None),
        (Method::GET, "/api/mappings/".into(), None),
        (Method::POST, "/api/mappings/".into(), Some(body.clone())),
        (Method::GET, doctors_of.clone(), None),
        (Method::DELETE, mapping.clone(), None),
        (Method::GET, "/api/patients/?search=Jane".into(), None),
        (Method::GET, "/api/patients/abc/".into(), None),
    ];
    for bearer in [None, Some("not.a.token"), Some("")] {
        for (method, path, body) in &requests {
            let r = app.call(method.clone(), path, body.clone(), bearer).await;
            assert_error(&r, StatusCode::UNAUTHORIZED);
            assert!(!r.raw.contains("Jane"), "{method} {path}: {}", r.raw);
            if bearer.is_none() {
                assert_eq!(
                    r.body["detail"], "Authentication credentials were not provided.",
                    "{method} {path}"
                );
            }
        }
    }
    assert_eq!(snapshot(&app, &w).await, before);
    assert_eq!(app.count_rows("patients").await, 3);
    assert_eq!(app.count_rows("doctors").await, 2);
    assert_eq!(app.count_rows("patient_doctor_mappings").await, 4);
}

/// Lookups of one patient that arrive together are answered by one statement (see
/// `app::batch`). Mixed in one group, each user still gets only their own patients, and
/// another user's id is a 404 however it is grouped.
#[sqlx::test(migrator = "server::MIGRATOR")]
async fn patients_looked_up_at_the_same_time_by_two_users_stay_separate(pool: PgPool) {
    let app = std::sync::Arc::new(TestApp::new(pool));
    let a = app.signed_in("Alice Owner").await.token;
    let b = app.signed_in("Bob Other").await.token;
    let mut patients = Vec::new();
    for (n, token) in [&a, &b, &a, &b].into_iter().enumerate() {
        let patient = app
            .create_patient(token, json!({"name": format!("Patient {n}")}))
            .await;
        patients.push((
            token.clone(),
            patient["id"].as_i64().unwrap(),
            patient["name"].clone(),
        ));
    }
    let mut lookups = tokio::task::JoinSet::new();
    for round in 0..8 {
        for (owner, id, name) in &patients {
            for token in [&a, &b] {
                let (app, token, owner, id, name) =
                    (app.clone(), token.clone(), owner.clone(), *id, name.clone());
                lookups.spawn(async move {
                    let reply = app.get(&format!("/api/patients/{id}/"), Some(&token)).await;
                    if token == owner {
                        assert_eq!(reply.status, StatusCode::OK, "round {round}: {}", reply.raw);
                        assert_eq!(reply.body["patient"]["id"], id);
                        assert_eq!(reply.body["patient"]["name"], name);
                    } else {
                        assert_error(&reply, StatusCode::NOT_FOUND);
                        assert_eq!(reply.body["detail"], "Patient not found.");
                    }
                });
            }
        }
        // A patient that does not exist, in the same groups.
        let (app, token) = (app.clone(), a.clone());
        lookups.spawn(async move {
            let reply = app.get("/api/patients/999999/", Some(&token)).await;
            assert_error(&reply, StatusCode::NOT_FOUND);
        });
    }
    // A failed assertion in any lookup panics its task, and join_all passes the panic on.
    lookups.join_all().await;
}

/// The start page's numbers (`/rpc/dashboard_summary`) count the caller's own patients and
/// assignments only, and its recent list holds only the caller's patients, the one changed
/// last first. The doctors are the shared directory's.
#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_dashboard_counts_and_lists_only_the_callers_records(pool: PgPool) {
    use axum::body::Body;
    use axum::http::{Request, header};
    let app = TestApp::new(pool);
    let a = app.signed_in("Dash Owner").await;
    let b = app.signed_in("Dash Other").await;
    let first = app.patient_named(&a.token, "Ada First").await;
    app.patient_named(&a.token, "Ben Second").await;
    let doctor = app.doctor_named(&b.token, "Cara Doc", "Cardiology").await;
    app.assign(&a.token, &first, &doctor).await;
    let theirs = app.patient_named(&b.token, "Zed Theirs").await;
    app.assign(&b.token, &theirs, &doctor).await;
    let r = app
        .patch(
            &format!("/api/patients/{}/", first["id"]),
            json!({"address": "1 Main Street"}),
            Some(&a.token),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);

    let summary = |token: &str| {
        Request::builder()
            .method(Method::POST)
            .uri("/rpc/dashboard_summary")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::REFERER, "http://localhost/")
            .body(Body::empty())
            .unwrap()
    };
    let r = app.send(summary(&a.token)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    assert_eq!(r.body["patients"], 2, "{}", r.raw);
    assert_eq!(r.body["assignments"], 1, "{}", r.raw);
    assert_eq!(r.body["doctors"], 1, "{}", r.raw);
    assert_eq!(r.body["available_doctors"], 1, "{}", r.raw);
    let names: Vec<&str> = r.body["recent"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Ada First", "Ben Second"]);

    let r = app.send(summary(&b.token)).await;
    assert_eq!(r.body["patients"], 1, "{}", r.raw);
    assert_eq!(r.body["recent"][0]["name"], "Zed Theirs");

    // Signed out: 401, not an empty dashboard.
    let r = app
        .send(
            Request::builder()
                .method(Method::POST)
                .uri("/rpc/dashboard_summary")
                .header(header::REFERER, "http://localhost/")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.raw);
}
