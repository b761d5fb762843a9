//! The admin site's doors (its server functions and the CSV export): an active
//! administrator gets through; anyone else signed in gets a 403 and changes nothing; a
//! visitor gets a 401. What the administrator does is in the audit trail.

use crate::common::*;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::json;
use sqlx::PgPool;

/// A server-function call as a page makes it: URL-encoded, or JSON for the list functions.
fn rpc(endpoint: &str, body: &str, json_body: bool, token: Option<&str>) -> Request<Body> {
    let mut builder = Request::builder()
        .method(Method::POST)
        .uri(format!("/rpc/{endpoint}"))
        .header(header::REFERER, "http://localhost/admin")
        .header(
            header::CONTENT_TYPE,
            if json_body {
                "application/json"
            } else {
                "application/x-www-form-urlencoded"
            },
        );
    if let Some(token) = token {
        builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    builder.body(Body::from(body.to_owned())).unwrap()
}

fn csv(query: &str, token: Option<&str>) -> Request<Body> {
    let mut builder = Request::builder().uri(format!("/admin/activity.csv?{query}"));
    if let Some(token) = token {
        builder = builder.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    builder.body(Body::empty()).unwrap()
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn every_admin_door_refuses_anyone_but_an_active_administrator(pool: PgPool) {
    let app = TestApp::new(pool);
    let ada = app.signed_in("Ada Admin").await;
    app.make_admin(ada.id).await;
    let eve = app.signed_in("Eve Staff").await;
    let deactivate = format!("id={}&is_active=false", ada.id);
    let doors: Vec<(&str, String, bool)> = vec![
        ("admin_check", String::new(), false),
        ("admin_overview", String::new(), false),
        ("admin_activity", json!({"query": {}}).to_string(), true),
        ("admin_users", json!({"query": {}}).to_string(), true),
        ("admin_user", format!("id={}", eve.id), false),
        ("admin_set_access", deactivate, false),
    ];
    for (endpoint, body, json_body) in &doors {
        let r = app
            .send(rpc(endpoint, body, *json_body, Some(&eve.token)))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{endpoint}: {}", r.raw);
        let r = app.send(rpc(endpoint, body, *json_body, None)).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{endpoint}: {}", r.raw);
    }
    let still: bool = sqlx::query_scalar("select is_active from users where id = $1")
        .bind(ada.id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(still, "a refused call changed nothing");
    assert_error(
        &app.send(csv("", Some(&eve.token))).await,
        StatusCode::FORBIDDEN,
    );
    assert_error(&app.send(csv("", None)).await, StatusCode::UNAUTHORIZED);
    // Each of Eve's refused calls is in the trail (a visitor's 401 comes before anyone is
    // known); Eve sees her own.
    let refused: i64 = sqlx::query_scalar(
        "select count(*) from audit_events
         where actor_id = $1 and action = 'admin.access' and outcome = 'denied'",
    )
    .bind(eve.id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(refused, doors.len() as i64 + 1);
    let r = app
        .get("/api/audit/?action=admin.access", Some(&eve.token))
        .await;
    assert_eq!(r.body["count"], refused, "{}", r.raw);

    // The administrator gets through each (the last deactivates Eve, below).
    for (endpoint, body, json_body) in &doors[..5] {
        let r = app
            .send(rpc(endpoint, body, *json_body, Some(&ada.token)))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{endpoint}: {}", r.raw);
    }
    // A demoted administrator is refused at once.
    sqlx::query("update users set is_admin = false where id = $1")
        .bind(ada.id)
        .execute(&app.pool)
        .await
        .unwrap();
    let r = app
        .send(rpc("admin_overview", "", false, Some(&ada.token)))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.raw);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_overview_counts_everything_and_lists_administrative_actions(pool: PgPool) {
    let app = TestApp::new(pool);
    let ada = app.signed_in("Ada Admin").await;
    app.make_admin(ada.id).await;
    let eve = app.signed_in("Eve Staff").await;
    app.patient_named(&eve.token, "Pat One").await;
    app.patient_named(&ada.token, "Pat Two").await;
    let r = app
        .send(rpc(
            "admin_set_access",
            &format!("id={}&is_admin=true", eve.id),
            false,
            Some(&ada.token),
        ))
        .await;
    // A plain form post is answered with a redirect to the account's page.
    assert!(
        r.status.is_redirection() || r.status.is_success(),
        "{}",
        r.raw
    );

    let r = app
        .send(rpc("admin_overview", "", false, Some(&ada.token)))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    assert_eq!(r.body["users"], 2);
    assert_eq!(r.body["patients"], 2, "every owner's patients");
    assert_eq!(r.body["assignments"], 0);
    let recent = r.body["recent"].as_array().unwrap();
    assert!(!recent.is_empty());
    assert_eq!(recent[0]["action"], "user.update");
    assert_eq!(recent[0]["actor"], ada.id);
    assert_eq!(recent[0]["object_id"], eve.id);
    assert_eq!(recent[0]["detail"]["fields"], json!(["is_admin"]));
    // Sign-ins and patient reads are not administrative actions.
    assert!(
        recent
            .iter()
            .all(|e| !e["action"].as_str().unwrap().starts_with("auth.")
                && !e["action"].as_str().unwrap().starts_with("patient.")),
        "{recent:?}"
    );

    // The account's page shows its history.
    let r = app
        .send(rpc(
            "admin_user",
            &format!("id={}", eve.id),
            false,
            Some(&ada.token),
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    assert_eq!(r.body["account"]["is_admin"], true);
    let actions: Vec<&str> = r.body["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"user.update"), "{actions:?}");
    assert!(actions.contains(&"user.create"), "{actions:?}");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn activity_filters_and_exports_the_trail_as_csv(pool: PgPool) {
    let app = TestApp::new(pool);
    let ada = app.signed_in("Ada Admin").await;
    app.make_admin(ada.id).await;
    let eve = app.signed_in("Eve Staff").await;
    let patient = app
        .create_patient(&eve.token, json!({"name": "Pat, \"Quoted\""}))
        .await;
    let id = patient["id"].as_i64().unwrap();
    app.get(&format!("/api/patients/{id}/"), Some(&ada.token))
        .await;

    let body = json!({"query": {"patient": id.to_string(), "outcome": "denied"}}).to_string();
    let r = app
        .send(rpc("admin_activity", &body, true, Some(&ada.token)))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    assert_eq!(r.body["count"], 1);
    assert_eq!(r.body["items"][0]["actor"], ada.id);
    let body = json!({"query": {"object_type": "user"}}).to_string();
    let r = app
        .send(rpc("admin_activity", &body, true, Some(&ada.token)))
        .await;
    assert!(
        r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["object_type"] == "user"),
        "{}",
        r.raw
    );
    let body = json!({"query": {"action": "nonsense"}}).to_string();
    let r = app
        .send(rpc("admin_activity", &body, true, Some(&ada.token)))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.raw);

    let r = app
        .send(csv(&format!("patient={id}"), Some(&ada.token)))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    assert_eq!(r.headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    assert!(
        r.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"carebase-activity-")
    );
    let lines: Vec<&str> = r.raw.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines[0], app::audit::csv::HEADER);
    // The creation and the administrator's refused read: newest first.
    assert_eq!(lines.len(), 3, "{}", r.raw);
    assert!(lines[1].contains(",patient.read,") && lines[1].contains(",denied,"));
    assert!(lines[2].contains(",patient.create,") && lines[2].contains(",success,"));
    let r = app.send(csv("since=yesterday", Some(&ada.token))).await;
    assert_error(&r, StatusCode::BAD_REQUEST);
}

/// A server function that succeeded and sends the page on (`leptos_axum::redirect`: a 200
/// with the address in `Location`, which the browser's form script or the plain form
/// follows).
fn assert_redirected(r: &Reply) {
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    assert!(r.headers.contains_key(header::LOCATION), "{:?}", r.headers);
}

/// The administrator's audit events of `action`, as (patient owner, administrative, detail).
async fn admin_events(
    pool: &PgPool,
    actor: i64,
    action: &str,
) -> Vec<(Option<i64>, bool, serde_json::Value)> {
    sqlx::query_as(
        "select patient_owner, administrative, detail from audit_events
         where actor_id = $1 and action = $2 order by id",
    )
    .bind(actor)
    .bind(action)
    .fetch_all(pool)
    .await
    .unwrap()
}

fn patient_form(id: i64, name: &str, extra: &str) -> String {
    format!(
        "id={id}&name={name}&email=pat%40patients.example.com&phone_number=&address=&date_of_birth=&blood_group=O%2B&medical_history={extra}"
    )
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_record_doors_refuse_anyone_but_an_active_administrator(pool: PgPool) {
    let app = TestApp::new(pool);
    let ada = app.signed_in("Ada Admin").await;
    app.make_admin(ada.id).await;
    let eve = app.signed_in("Eve Staff").await;
    let patient = app.patient_named(&ada.token, "Pat Kept").await;
    let doctor = app
        .doctor_named(&ada.token, "Kept Doctor", "Cardiology")
        .await;
    let mapping = app.assign(&ada.token, &patient, &doctor).await;
    let (p, d, m) = (
        patient["id"].as_i64().unwrap(),
        doctor["id"].as_i64().unwrap(),
        mapping["id"].as_i64().unwrap(),
    );
    let doors: Vec<(&str, String, bool)> = vec![
        ("admin_patients", json!({"query": {}}).to_string(), true),
        ("admin_patient", format!("id={p}"), false),
        ("admin_doctors", json!({"query": {}}).to_string(), true),
        ("admin_doctor", format!("id={d}"), false),
        ("admin_assignments", json!({"query": {}}).to_string(), true),
        ("admin_deletion", format!("kind=patients&ids={p}"), false),
        ("admin_delete", format!("kind=patients&ids={p}"), false),
        ("admin_delete", format!("kind=doctors&ids={d}"), false),
        ("admin_delete", format!("kind=assignments&ids={m}"), false),
        ("save_patient", patient_form(p, "Renamed", "&admin=true"), false),
        (
            "save_doctor",
            format!(
                "id={d}&name=Renamed&email=kept%40doctors.example.com&phone_number=&specialization=Cardiology&qualification=&experience_years=1&license_number=LIC-KEPT&clinic_address=&consultation_fee=1&is_available=on&admin=true"
            ),
            false,
        ),
        ("admin_add_user", "name=New+One&email=new%40example.com&password=Quiet-Harbor-7421&password2=Quiet-Harbor-7421&is_admin=true".into(), false),
        ("admin_set_password", format!("id={}&password=Quiet-Harbor-7421&password2=Quiet-Harbor-7421", ada.id), false),
    ];
    for (endpoint, body, json_body) in &doors {
        let r = app
            .send(rpc(endpoint, body, *json_body, Some(&eve.token)))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{endpoint}: {}", r.raw);
        let r = app.send(rpc(endpoint, body, *json_body, None)).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{endpoint}: {}", r.raw);
    }
    assert_eq!(app.count_rows("patients").await, 1, "nothing deleted");
    assert_eq!(app.count_rows("doctors").await, 1);
    assert_eq!(app.count_rows("patient_doctor_mappings").await, 1);
    assert_eq!(app.count_rows("users").await, 2, "nobody added");
    let name: String = sqlx::query_scalar("select name from patients where id = $1")
        .bind(p)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(name, "Pat Kept");
    // Eve's own patients stay hers to change without the admin flag.
    let own = app.patient_named(&eve.token, "Eve Pat").await;
    let body = patient_form(own["id"].as_i64().unwrap(), "Eve+Renamed", "");
    let r = app
        .send(rpc("save_patient", &body, false, Some(&eve.token)))
        .await;
    assert_redirected(&r);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn an_administrator_changes_another_users_patient_and_the_owner_sees_it(pool: PgPool) {
    let app = TestApp::new(pool);
    let ada = app.signed_in("Ada Admin").await;
    app.make_admin(ada.id).await;
    let eve = app.signed_in("Eve Staff").await;
    let patient = app.patient_named(&eve.token, "Pat Original").await;
    app.patient_named(&ada.token, "Ada Pat").await;
    let id = patient["id"].as_i64().unwrap();

    // The list shows every owner's patients, and filters by owner and blood group.
    let list = |query: serde_json::Value| json!({ "query": query }).to_string();
    let r = app
        .send(rpc(
            "admin_patients",
            &list(json!({})),
            true,
            Some(&ada.token),
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    assert_eq!(r.body["count"], 2);
    let r = app
        .send(rpc(
            "admin_patients",
            &list(json!({"owner": eve.id.to_string()})),
            true,
            Some(&ada.token),
        ))
        .await;
    assert_eq!(r.body["count"], 1, "{}", r.raw);
    assert_eq!(
        r.body["items"][0]["owner_email"],
        "evestaff@staff.example.com"
    );
    let r = app
        .send(rpc(
            "admin_patients",
            &list(json!({"owner": "x"})),
            true,
            Some(&ada.token),
        ))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.raw);
    assert!(r.raw.contains("owner"), "{}", r.raw);

    // A change with the API's validation: a blank name is refused and nothing changes.
    let r = app
        .send(rpc(
            "save_patient",
            &patient_form(id, "", "&admin=true"),
            false,
            Some(&ada.token),
        ))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.raw);
    assert_eq!(
        admin_events(&app.pool, ada.id, "patient.update")
            .await
            .len(),
        0
    );
    let r = app
        .send(rpc(
            "save_patient",
            &patient_form(id, "Pat+Changed", "&admin=true"),
            false,
            Some(&ada.token),
        ))
        .await;
    assert_redirected(&r);
    assert_eq!(
        r.headers[header::LOCATION],
        format!("/admin/patients/{id}?notice=updated")
    );
    let updates = admin_events(&app.pool, ada.id, "patient.update").await;
    assert_eq!(updates.len(), 1);
    let (owner, administrative, detail) = &updates[0];
    assert_eq!(*owner, Some(eve.id), "recorded against Eve's patient");
    assert!(administrative);
    assert_eq!(detail["fields"], json!(["blood_group", "email", "name"]));

    // The owner sees who changed it; the admin index lists it.
    let r = app
        .get(
            &format!("/api/audit/?patient={id}&action=patient.update"),
            Some(&eve.token),
        )
        .await;
    assert_eq!(r.body["count"], 1, "{}", r.raw);
    assert_eq!(r.body["results"][0]["actor"], ada.id);
    let r = app
        .send(rpc("admin_overview", "", false, Some(&ada.token)))
        .await;
    assert_eq!(r.body["recent"][0]["action"], "patient.update", "{}", r.raw);

    // The record's page: the patient, and its history with the change and this read.
    let r = app
        .send(rpc(
            "admin_patient",
            &format!("id={id}"),
            false,
            Some(&ada.token),
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    assert_eq!(r.body["patient"]["name"], "Pat Changed");
    assert_eq!(r.body["patient"]["created_by"], eve.id);
    let history: Vec<&str> = r.body["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(history.contains(&"patient.update"), "{history:?}");
    assert!(history.contains(&"patient.create"), "{history:?}");
    let r = app
        .send(rpc("admin_patient", "id=999999", false, Some(&ada.token)))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.raw);
    // The admin site changes existing records only.
    let without_id =
        patient_form(id, "New+One", "&admin=true").replacen(&format!("id={id}&"), "", 1);
    let r = app
        .send(rpc("save_patient", &without_id, false, Some(&ada.token)))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.raw);
    assert_eq!(app.count_rows("patients").await, 2, "nothing created");
    // Ada's own staff API still does not reach Eve's patient.
    let r = app
        .get(&format!("/api/patients/{id}/"), Some(&ada.token))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn deleting_selected_records_confirms_what_goes_and_records_each(pool: PgPool) {
    let app = TestApp::new(pool);
    let ada = app.signed_in("Ada Admin").await;
    app.make_admin(ada.id).await;
    let eve = app.signed_in("Eve Staff").await;
    let one = app.patient_named(&eve.token, "Pat One").await;
    let two = app.patient_named(&eve.token, "Pat Two").await;
    let three = app.patient_named(&eve.token, "Pat Three").await;
    let cardio = app
        .doctor_named(&eve.token, "Heart Doctor", "Cardiology")
        .await;
    let derm = app
        .doctor_named(&eve.token, "Skin Doctor", "Dermatology")
        .await;
    app.assign(&eve.token, &one, &cardio).await;
    app.assign(&eve.token, &two, &cardio).await;
    let kept = app.assign(&eve.token, &three, &derm).await;
    let id = |v: &serde_json::Value| v["id"].as_i64().unwrap();
    let ids = format!("{},{}", id(&one), id(&two));

    // The confirmation lists the patients and the assignments that go with them.
    let r = app
        .send(rpc(
            "admin_deletion",
            &format!("kind=patients&ids={ids}"),
            false,
            Some(&ada.token),
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    assert_eq!(r.body["objects"].as_array().unwrap().len(), 2);
    assert_eq!(r.body["assignments"]["shown"].as_array().unwrap().len(), 2);
    assert_eq!(r.body["assignments"]["total"], 2);
    for bad in ["", "x", "0", "1,-2"] {
        let r = app
            .send(rpc(
                "admin_deletion",
                &format!("kind=patients&ids={bad}"),
                false,
                Some(&ada.token),
            ))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad:?}: {}", r.raw);
    }
    let r = app
        .send(rpc(
            "admin_deletion",
            "kind=patients&ids=999999",
            false,
            Some(&ada.token),
        ))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.raw);
    let r = app
        .send(rpc(
            "admin_deletion",
            &format!("kind=martians&ids={ids}"),
            false,
            Some(&ada.token),
        ))
        .await;
    assert!(r.status.is_client_error(), "{}", r.raw);

    let r = app
        .send(rpc(
            "admin_delete",
            &format!("kind=patients&ids={ids}"),
            false,
            Some(&ada.token),
        ))
        .await;
    assert_redirected(&r);
    assert_eq!(
        r.headers[header::LOCATION],
        "/admin/patients?notice=deleted&deleted=2"
    );
    assert_eq!(app.count_rows("patients").await, 1);
    assert_eq!(app.count_rows("patient_doctor_mappings").await, 1);
    let deletes = admin_events(&app.pool, ada.id, "patient.delete").await;
    assert_eq!(deletes.len(), 2);
    assert!(
        deletes
            .iter()
            .all(|(owner, admin, d)| *owner == Some(eve.id)
                && *admin
                && d["assignments_removed"] == 1)
    );

    // A doctor goes with its assignments; each is recorded against its patient.
    let r = app
        .send(rpc(
            "admin_deletion",
            &format!("kind=doctors&ids={}", id(&derm)),
            false,
            Some(&ada.token),
        ))
        .await;
    assert_eq!(
        r.body["assignments"]["shown"][0]["id"], kept["id"],
        "{}",
        r.raw
    );
    assert_eq!(r.body["assignments"]["total"], 1, "{}", r.raw);
    let r = app
        .send(rpc(
            "admin_delete",
            &format!("kind=doctors&ids={}", id(&derm)),
            false,
            Some(&ada.token),
        ))
        .await;
    assert_redirected(&r);
    assert_eq!(app.count_rows("patient_doctor_mappings").await, 0);
    let deleted = admin_events(&app.pool, ada.id, "doctor.delete").await;
    assert_eq!(deleted.len(), 1);
    assert!(deleted[0].1, "administrative");
    let removed = admin_events(&app.pool, ada.id, "mapping.delete").await;
    assert_eq!(removed.len(), 1);
    assert_eq!(removed[0].0, Some(eve.id));
    assert!(removed[0].1, "administrative");
    assert_eq!(removed[0].2["doctor_deleted"], true);
    let r = app
        .get(
            &format!("/api/audit/?patient={}&action=mapping.delete", id(&three)),
            Some(&eve.token),
        )
        .await;
    assert_eq!(
        r.body["count"], 1,
        "Eve sees her patient lost its doctor: {}",
        r.raw
    );

    // Assignments, selected.
    let four = app.patient_named(&eve.token, "Pat Four").await;
    let m = app.assign(&eve.token, &four, &cardio).await;
    let r = app
        .send(rpc(
            "admin_delete",
            &format!("kind=assignments&ids={}", id(&m)),
            false,
            Some(&ada.token),
        ))
        .await;
    assert_redirected(&r);
    assert_eq!(app.count_rows("patient_doctor_mappings").await, 0);
    let r = app
        .send(rpc(
            "admin_delete",
            &format!("kind=assignments&ids={}", id(&m)),
            false,
            Some(&ada.token),
        ))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "already gone: {}", r.raw);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn an_administrator_changes_a_doctor_and_its_history_shows_it(pool: PgPool) {
    let app = TestApp::new(pool);
    let ada = app.signed_in("Ada Admin").await;
    app.make_admin(ada.id).await;
    let eve = app.signed_in("Eve Staff").await;
    let doctor = app.doctor_named(&eve.token, "Old Name", "Cardiology").await;
    let d = doctor["id"].as_i64().unwrap();
    let form = |name: &str, fee: &str| {
        format!(
            "id={d}&name={name}&email=doc%40example.com&phone_number=&specialization=Cardiology&qualification=MD&experience_years=5&license_number=LIC-1&clinic_address=&consultation_fee={fee}&is_available=on&admin=true"
        )
    };
    let r = app
        .send(rpc(
            "save_doctor",
            &form("New+Name", "-5"),
            false,
            Some(&ada.token),
        ))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.raw);
    assert_eq!(
        admin_events(&app.pool, ada.id, "doctor.update").await.len(),
        0,
        "refused"
    );
    let r = app
        .send(rpc(
            "save_doctor",
            &form("New+Name", "120"),
            false,
            Some(&ada.token),
        ))
        .await;
    assert_redirected(&r);
    assert_eq!(
        r.headers[header::LOCATION],
        format!("/admin/doctors/{d}?notice=updated")
    );
    // Saved again unchanged: the fee typed as 120 is the stored 120.00, nothing changed.
    let r = app
        .send(rpc(
            "save_doctor",
            &form("New+Name", "120"),
            false,
            Some(&ada.token),
        ))
        .await;
    assert_redirected(&r);
    let updates = admin_events(&app.pool, ada.id, "doctor.update").await;
    assert_eq!(updates.len(), 2);
    assert!(updates.iter().all(|(_, administrative, _)| *administrative));
    assert_eq!(
        updates[0].2["fields"],
        json!([
            "consultation_fee",
            "email",
            "experience_years",
            "license_number",
            "name",
            "qualification"
        ])
    );
    assert_eq!(updates[1].2["fields"], json!([]), "{:?}", updates[1]);
    // A doctor's own creator changing it is no administrative action; an administrator
    // changing another user's doctor through the REST API is.
    let r = app
        .patch(
            &format!("/api/doctors/{d}/"),
            json!({"qualification": "PhD"}),
            Some(&eve.token),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    assert!(!admin_events(&app.pool, eve.id, "doctor.update").await[0].1);
    let r = app
        .patch(
            &format!("/api/doctors/{d}/"),
            json!({"qualification": "MD"}),
            Some(&ada.token),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    assert!(admin_events(&app.pool, ada.id, "doctor.update").await[2].1);
    let r = app
        .send(rpc(
            "admin_doctor",
            &format!("id={d}"),
            false,
            Some(&ada.token),
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    assert_eq!(r.body["doctor"]["name"], "New Name");
    let history = r.body["history"].as_array().unwrap();
    assert_eq!(history[0]["action"], "doctor.update", "{}", r.raw);
    assert_eq!(history[0]["actor"], ada.id);
    assert!(
        history
            .iter()
            .any(|e| e["action"] == "doctor.create" && e["actor"] == eve.id)
    );
    let r = app
        .send(rpc(
            "admin_doctors",
            &json!({"query": {"is_available": "true"}}).to_string(),
            true,
            Some(&ada.token),
        ))
        .await;
    assert_eq!(r.body["count"], 1, "{}", r.raw);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn an_administrator_adds_users_and_sets_passwords(pool: PgPool) {
    let app = TestApp::new(pool);
    let ada = app.signed_in("Ada Admin").await;
    app.make_admin(ada.id).await;
    let add = |body: &str| rpc("admin_add_user", body, false, Some(&ada.token));
    let r = app
        .send(add(
            "name=Nia+New&email=nia%40example.com&password=short&password2=other",
        ))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.raw);
    assert_eq!(app.count_rows("users").await, 1, "refused: nothing added");
    let r = app
        .send(add("name=Nia+New&email=nia%40example.com&password=Quiet-Harbor-7421&password2=Quiet-Harbor-7421&is_admin=true"))
        .await;
    assert_redirected(&r);
    let nia: (i64, bool) =
        sqlx::query_as("select id, is_admin from users where email = 'nia@example.com'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(nia.1, "added as an administrator");
    assert_eq!(
        r.headers[header::LOCATION],
        format!("/admin/users/{}?notice=created", nia.0)
    );
    // Ada's own registration, and Nia's creation: only the second is administrative.
    let created = admin_events(&app.pool, ada.id, "user.create").await;
    assert_eq!(created.len(), 2, "{created:?}");
    assert!(!created[0].1 && created[1].1, "{created:?}");
    let r = app.send(add("name=Nia+Again&email=NIA%40example.com&password=Quiet-Harbor-7421&password2=Quiet-Harbor-7421")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.raw);
    assert_eq!(app.count_rows("users").await, 2, "the email is taken");

    // Setting Nia's password ends her sessions and lets the new one in.
    let login = |password: &str| {
        app.post(
            "/api/auth/login/",
            json!({"email": "nia@example.com", "password": password}),
            None,
        )
    };
    let old = login("Quiet-Harbor-7421").await;
    assert_eq!(old.status, StatusCode::OK, "{}", old.raw);
    let set = format!(
        "id={}&password=Brisk-Meadow-5823&password2=Brisk-Meadow-5823",
        nia.0
    );
    let r = app
        .send(rpc("admin_set_password", &set, false, Some(&ada.token)))
        .await;
    assert_redirected(&r);
    assert_eq!(
        r.headers[header::LOCATION],
        format!("/admin/users/{}?notice=password", nia.0)
    );
    assert_eq!(
        login("Quiet-Harbor-7421").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(login("Brisk-Meadow-5823").await.status, StatusCode::OK);
    let r = app
        .post(
            "/api/auth/token/refresh/",
            json!({"refresh": old.body["refresh"]}),
            None,
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNAUTHORIZED,
        "the old session ended: {}",
        r.raw
    );
    let changed = admin_events(&app.pool, ada.id, "user.password_change").await;
    assert_eq!(changed.len(), 1);
    let leaked: i64 = sqlx::query_scalar(
        "select count(*) from audit_events where detail::text like '%Brisk%' or detail::text like '%Quiet%'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(leaked, 0, "no password in any event");
    let weak = format!("id={}&password=12345678&password2=12345678", nia.0);
    let r = app
        .send(rpc("admin_set_password", &weak, false, Some(&ada.token)))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.raw);
    assert_eq!(
        admin_events(&app.pool, ada.id, "user.password_change")
            .await
            .len(),
        1
    );
    let r = app
        .send(rpc(
            "admin_set_password",
            "id=999999&password=Brisk-Meadow-5823&password2=Brisk-Meadow-5823",
            false,
            Some(&ada.token),
        ))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.raw);
}
