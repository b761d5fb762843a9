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
