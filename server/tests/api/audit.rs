//! The audit trail: every access to patient data, sign-ins and administrative actions are
//! recorded with who, what, when, from where and the request id; a change and its event
//! commit together; the events cannot be changed or deleted, except by a recorded prune;
//! each user sees what concerns them; the FHIR form is a valid R4 searchset Bundle.

use crate::common::*;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::{Value, json};
use sqlx::PgPool;

const AGENT: &str = "carebase-audit-test/1.0";

/// A request as a browser at `203.0.113.9` would send it, with a User-Agent.
async fn from_client(
    app: &TestApp,
    method: Method,
    path: &str,
    body: Option<Value>,
    token: &str,
) -> Reply {
    let client = Some("203.0.113.9:40000");
    sent_from(app, method, path, body, token, client, AGENT).await
}

/// A request from the client at `peer` (none: not over a socket), with `agent` as its
/// User-Agent.
async fn sent_from(
    app: &TestApp,
    method: Method,
    path: &str,
    body: Option<Value>,
    token: &str,
    peer: Option<&str>,
    agent: &str,
) -> Reply {
    let mut builder = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(
            header::USER_AGENT,
            header::HeaderValue::from_bytes(agent.as_bytes()).unwrap(),
        );
    let body = match body {
        Some(v) => {
            builder = builder.header(header::CONTENT_TYPE, "application/json");
            Body::from(v.to_string())
        }
        None => Body::empty(),
    };
    let mut request = builder.body(body).unwrap();
    if let Some(peer) = peer {
        let peer: std::net::SocketAddr = peer.parse().unwrap();
        request
            .extensions_mut()
            .insert(axum::extract::ConnectInfo(peer));
    }
    app.send(request).await
}

/// The events in the table, oldest first, straight from the database (once the queued
/// read events are written).
async fn events(app: &TestApp) -> Vec<Value> {
    app.state.pool.audit().flush().await.unwrap();
    sqlx::query_scalar::<_, Value>(
        "select jsonb_build_object(
             'actor', actor_id, 'actor_email', actor_email, 'action', action,
             'object_type', object_type, 'object_id', object_id, 'patient', patient_id,
             'owner', patient_owner, 'outcome', outcome, 'address', host(client_address),
             'user_agent', user_agent, 'request_id', request_id, 'detail', detail)
         from audit_events order by at, id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

fn request_id(reply: &Reply) -> String {
    reply.headers["x-request-id"].to_str().unwrap().to_owned()
}

/// One user's reads, search, change, assignment and deletion of a patient, and another
/// user's refused attempts: each is one event with the right actor, action, patient,
/// outcome, client address, user agent and the response's request id.
#[sqlx::test(migrator = "server::MIGRATOR")]
async fn every_access_to_a_patient_is_recorded_with_who_what_and_the_request(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let ann = app.signed_in("Ann Owner").await;
    let bob = app.signed_in("Bob Other").await;
    let doctor = app.doctor_named(&ann.token, "Dr Who", "Cardiology").await;
    let before = events(&app).await.len();

    let r = from_client(
        &app,
        Method::POST,
        "/api/patients/",
        Some(json!({"name": "Pat Smith", "email": "pat@example.com", "phone_number": "+15550001234"})),
        &ann.token,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.raw);
    let patient = r.body["patient"]["id"].as_i64().unwrap();
    let created = request_id(&r);
    let read = from_client(
        &app,
        Method::GET,
        &format!("/api/patients/{patient}/"),
        None,
        &ann.token,
    )
    .await;
    assert_eq!(read.status, StatusCode::OK);
    let listed = from_client(
        &app,
        Method::GET,
        "/api/patients/?search=smith",
        None,
        &ann.token,
    )
    .await;
    assert_eq!(listed.status, StatusCode::OK);
    let changed = from_client(
        &app,
        Method::PATCH,
        &format!("/api/patients/{patient}/"),
        Some(json!({"phone_number": "+15550002345", "name": "Pat Smith"})),
        &ann.token,
    )
    .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.raw);
    let denied = from_client(
        &app,
        Method::GET,
        &format!("/api/patients/{patient}/"),
        None,
        &bob.token,
    )
    .await;
    assert_error(&denied, StatusCode::NOT_FOUND);
    let missing = from_client(&app, Method::GET, "/api/patients/987654/", None, &bob.token).await;
    assert_error(&missing, StatusCode::NOT_FOUND);
    let r = from_client(
        &app,
        Method::DELETE,
        &format!("/api/patients/{patient}/"),
        None,
        &bob.token,
    )
    .await;
    assert_error(&r, StatusCode::NOT_FOUND);
    let assigned = from_client(
        &app,
        Method::POST,
        "/api/mappings/",
        Some(json!({"patient": patient, "doctor": doctor["id"]})),
        &ann.token,
    )
    .await;
    assert_eq!(assigned.status, StatusCode::CREATED, "{}", assigned.raw);
    let mapping = assigned.body["mapping"]["id"].as_i64().unwrap();
    let doctors = from_client(
        &app,
        Method::GET,
        &format!("/api/mappings/{patient}/"),
        None,
        &ann.token,
    )
    .await;
    assert_eq!(doctors.status, StatusCode::OK);
    let r = from_client(
        &app,
        Method::GET,
        &format!("/api/mappings/{patient}/"),
        None,
        &bob.token,
    )
    .await;
    assert_error(&r, StatusCode::NOT_FOUND);
    let r = from_client(
        &app,
        Method::DELETE,
        &format!("/api/mappings/{mapping}/"),
        None,
        &ann.token,
    )
    .await;
    assert!(r.status.is_success(), "{}", r.raw);
    let deleted = from_client(
        &app,
        Method::DELETE,
        &format!("/api/patients/{patient}/"),
        None,
        &ann.token,
    )
    .await;
    assert!(deleted.status.is_success(), "{}", deleted.raw);

    let log = events(&app).await.split_off(before);
    let summary: Vec<(String, String, Option<i64>, Value)> = log
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_owned(),
                e["outcome"].as_str().unwrap().to_owned(),
                e["patient"].as_i64(),
                e["actor"].clone(),
            )
        })
        .collect();
    let (a, b) = (json!(ann.id), json!(bob.id));
    let s = |x: &str| x.to_owned();
    assert_eq!(
        summary,
        vec![
            (s("patient.create"), s("success"), Some(patient), a.clone()),
            (s("patient.read"), s("success"), Some(patient), a.clone()),
            (s("patient.list"), s("success"), None, a.clone()),
            (s("patient.update"), s("success"), Some(patient), a.clone()),
            (s("patient.read"), s("denied"), Some(patient), b.clone()),
            (s("patient.read"), s("failed"), None, b.clone()),
            (s("patient.delete"), s("denied"), Some(patient), b.clone()),
            (s("mapping.create"), s("success"), Some(patient), a.clone()),
            (s("mapping.read"), s("success"), Some(patient), a.clone()),
            (s("mapping.read"), s("denied"), Some(patient), b.clone()),
            (s("mapping.delete"), s("success"), Some(patient), a.clone()),
            (s("patient.delete"), s("success"), Some(patient), a.clone()),
        ]
    );
    for event in &log {
        assert_eq!(event["address"], "203.0.113.9", "{event}");
        assert_eq!(event["user_agent"], AGENT, "{event}");
        // The patient's owner, even on the other user's refused attempts.
        if event["patient"].is_i64() {
            assert_eq!(event["owner"], json!(ann.id), "{event}");
        }
    }
    assert_eq!(log[0]["actor_email"], "annowner@staff.example.com");
    assert_eq!(log[4]["actor_email"], "bobother@staff.example.com");
    // The id the response carried, for a write and for each kind of read.
    assert_eq!(log[0]["request_id"], created);
    assert_eq!(log[1]["request_id"], request_id(&read));
    assert_eq!(log[2]["request_id"], request_id(&listed));
    assert_eq!(log[4]["request_id"], request_id(&denied));
    assert_eq!(log[5]["request_id"], request_id(&missing));
    assert_eq!(log[5]["object_id"], 987654);
    assert_eq!(log[11]["request_id"], request_id(&deleted));
    // Ids are unique per request.
    assert_ne!(request_id(&read), request_id(&listed));
    // What changed, by name only (the name was sent unchanged).
    assert_eq!(log[3]["detail"], json!({"fields": ["phone_number"]}));
    assert!(!log[3].to_string().contains("+15550002345"));
    // The search: its query and the ids it returned.
    assert_eq!(
        log[2]["detail"],
        json!({"query": {"search": "smith"}, "ids": [patient]})
    );
    assert_eq!(log[8]["detail"]["ids"], json!([doctor["id"]]));
    assert_eq!(log[11]["detail"], json!({"assignments_removed": 0}));
}

/// Sign-in (a success; a wrong password for a known email; an unknown email), token
/// refresh and sign-out.
#[sqlx::test(migrator = "server::MIGRATOR")]
async fn sign_ins_refreshes_and_sign_outs_are_recorded(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let r = app.register("Ann", "ann@example.com").await;
    let ann = r.body["user"]["id"].as_i64().unwrap();
    let login = |email: &str, password: &str| {
        app.post_from(
            "198.51.100.4",
            &[],
            "/api/auth/login/",
            json!({"email": email, "password": password}),
        )
    };
    let ok = login("ann@example.com", PASSWORD).await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(
        login("ann@example.com", "wrong").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login("nobody@example.com", "wrong").await.status,
        StatusCode::UNAUTHORIZED
    );
    let refresh = ok.body["refresh"].clone();
    let r = app
        .post(
            "/api/auth/token/refresh/",
            json!({"refresh": refresh}),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = app
        .post("/api/auth/logout/", json!({"refresh": refresh}), None)
        .await;
    assert_eq!(r.status, StatusCode::RESET_CONTENT);
    // A revoked token names its user: the refused renewal is recorded against them.
    let r = app
        .post(
            "/api/auth/token/refresh/",
            json!({"refresh": refresh}),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    let log: Vec<(Value, String, String, String)> = events(&app)
        .await
        .into_iter()
        .map(|e| {
            (
                e["actor"].clone(),
                e["actor_email"].as_str().unwrap().to_owned(),
                e["action"].as_str().unwrap().to_owned(),
                e["outcome"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let s = |x: &str| x.to_owned();
    let (a, email) = (json!(ann), s("ann@example.com"));
    assert_eq!(
        log,
        vec![
            (a.clone(), email.clone(), s("user.create"), s("success")),
            (a.clone(), email.clone(), s("auth.login"), s("success")),
            (
                a.clone(),
                email.clone(),
                s("auth.login_failed"),
                s("failed")
            ),
            (
                Value::Null,
                s("nobody@example.com"),
                s("auth.login_failed"),
                s("failed")
            ),
            (
                a.clone(),
                email.clone(),
                s("auth.token_refresh"),
                s("success")
            ),
            (a.clone(), email.clone(), s("auth.logout"), s("success")),
            (
                a.clone(),
                email.clone(),
                s("auth.token_refresh"),
                s("failed")
            ),
        ]
    );
    let addresses: Vec<Value> = events(&app)
        .await
        .iter()
        .map(|e| e["address"].clone())
        .collect();
    assert_eq!(addresses[1], "198.51.100.4");
    assert_eq!(addresses[3], "198.51.100.4");
}

/// No change without its event: when the event cannot be written, the change is rolled
/// back. No event for a change that rolled back: when the change fails at commit, its
/// event goes with it.
#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_change_and_its_event_commit_together_or_not_at_all(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let ann = app.signed_in("Ann Owner").await;
    let patient = app.patient_named(&ann.token, "Pat Smith").await;
    let path = format!("/api/patients/{}/", patient["id"]);

    // The event's insert fails: the change must not stay.
    sqlx::raw_sql(
        "create function fail() returns trigger language plpgsql as
             $$ begin raise exception 'refused for the test'; end $$;
         create trigger fail_update_events before insert on audit_events
             for each row when (new.action = 'patient.update') execute function fail();",
    )
    .execute(&pool)
    .await
    .unwrap();
    let r = app
        .patch(&path, json!({"name": "Changed"}), Some(&ann.token))
        .await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", r.raw);
    let r = app.get(&path, Some(&ann.token)).await;
    assert_eq!(r.body["patient"]["name"], "Pat Smith");
    sqlx::raw_sql("drop trigger fail_update_events on audit_events")
        .execute(&pool)
        .await
        .unwrap();

    // The change fails at commit (a deferred check), after its event was written: neither
    // stays.
    sqlx::raw_sql(
        "create constraint trigger fail_at_commit after update on patients
             deferrable initially deferred for each row execute function fail();",
    )
    .execute(&pool)
    .await
    .unwrap();
    let r = app
        .patch(&path, json!({"name": "Changed"}), Some(&ann.token))
        .await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", r.raw);
    let updates = count_events(&pool, "patient.update").await;
    assert_eq!(updates, 0);
    sqlx::raw_sql("drop trigger fail_at_commit on patients")
        .execute(&pool)
        .await
        .unwrap();
    let r = app
        .patch(&path, json!({"name": "Changed"}), Some(&ann.token))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    let updates = count_events(&pool, "patient.update").await;
    assert_eq!(updates, 1);
}

/// The application's own connection cannot change or remove an event; only a prune,
/// recorded in its own transaction, removes events, and only those older than its date.
#[sqlx::test(migrator = "server::MIGRATOR")]
async fn events_are_append_only_and_only_a_recorded_prune_removes_old_ones(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let ann = app.signed_in("Ann Owner").await;
    app.patient_named(&ann.token, "Pat Smith").await;
    for statement in [
        "update audit_events set outcome = 'failed'",
        "delete from audit_events",
        "truncate audit_events",
    ] {
        let error = sqlx::raw_sql(statement).execute(&pool).await.unwrap_err();
        assert!(
            error.to_string().contains("append-only"),
            "{statement}: {error}"
        );
    }
    // Nor does a superuser's replication role, which skips ordinary triggers.
    let mut tx = pool.begin().await.unwrap();
    sqlx::raw_sql("set local session_replication_role = replica")
        .execute(&mut *tx)
        .await
        .unwrap();
    let error = sqlx::raw_sql("delete from audit_events")
        .execute(&mut *tx)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("append-only"), "{error}");
    drop(tx);
    // A prune record of this transaction whose date is still to come opens nothing.
    let mut tx = pool.begin().await.unwrap();
    sqlx::raw_sql(
        "with prune as (
             insert into audit_events (action, object_type, outcome, detail)
             values ('audit.prune', 'audit', 'success', '{\"before\": \"infinity\"}')
             returning id
         )
         select set_config('carebase.audit_prune', id::text, true) from prune",
    )
    .execute(&mut *tx)
    .await
    .unwrap();
    let error = sqlx::raw_sql("delete from audit_events where action <> 'audit.prune'")
        .execute(&mut *tx)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("append-only"), "{error}");
    drop(tx);
    // Naming an event that is not a prune of this transaction does not open the door.
    let mut tx = pool.begin().await.unwrap();
    sqlx::raw_sql(
        "select set_config('carebase.audit_prune', (select min(id)::text from audit_events), true)",
    )
    .execute(&mut *tx)
    .await
    .unwrap();
    let error = sqlx::raw_sql("delete from audit_events")
        .execute(&mut *tx)
        .await
        .unwrap_err();
    assert!(error.to_string().contains("append-only"), "{error}");
    drop(tx);

    // Two events from 2020, then a prune before 2021.
    sqlx::raw_sql(
        "insert into audit_events (at, action, object_type, outcome)
         values ('2020-03-01', 'patient.read', 'patient', 'success'),
                ('2020-04-01', 'patient.read', 'patient', 'success')",
    )
    .execute(&pool)
    .await
    .unwrap();
    let total = app.count_rows("audit_events").await;
    let before = chrono::DateTime::parse_from_rfc3339("2021-01-01T00:00:00Z")
        .unwrap()
        .to_utc();
    assert_eq!(app::audit::service::prune(&pool, before).await.unwrap(), 2);
    // The two went; the prune's own record came.
    assert_eq!(app.count_rows("audit_events").await, total - 2 + 1);
    let (detail, agent): (Value, String) =
        sqlx::query_as("select detail, user_agent from audit_events where action = 'audit.prune'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(detail["events"], 2);
    assert_eq!(detail["before"], "2021-01-01T00:00:00Z");
    assert_eq!(agent, "carebase audit prune");
    // Nothing recent is touched, and the prune records survive later prunes.
    assert_eq!(app::audit::service::prune(&pool, before).await.unwrap(), 0);
    let prunes = count_events(&pool, "audit.prune").await;
    assert_eq!(prunes, 2);
}

/// `/api/audit/`: an owner sees the events about their patients (another user's refused
/// attempt included) and their own actions; the other user sees only their own; an
/// administrator sees all. Filters narrow it; a bad filter is a 400.
#[sqlx::test(migrator = "server::MIGRATOR")]
async fn each_user_sees_the_events_that_concern_them(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let ann = app.signed_in("Ann Owner").await;
    let bob = app.signed_in("Bob Other").await;
    let ada = app.signed_in("Ada Admin").await;
    app.make_admin(ada.id).await;
    let patient = app.patient_named(&ann.token, "Pat Smith").await;
    let id = patient["id"].as_i64().unwrap();
    app.get(&format!("/api/patients/{id}/"), Some(&ann.token))
        .await;
    app.get(&format!("/api/patients/{id}/"), Some(&bob.token))
        .await;
    let bobs = app.patient_named(&bob.token, "Bo Private").await;
    app.get(&format!("/api/patients/{}/", bobs["id"]), Some(&bob.token))
        .await;

    let actions = |reply: &Reply| -> Vec<(String, String)> {
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.raw);
        reply.body["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["action"].as_str().unwrap().to_owned(),
                    e["outcome"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let s = |a: &str, o: &str| (a.to_owned(), o.to_owned());
    let r = app
        .get(&format!("/api/audit/?patient={id}"), Some(&ann.token))
        .await;
    assert_eq!(r.body["count"], 3);
    assert_keys(
        &r.body["results"][0],
        &[
            "id",
            "at",
            "actor",
            "actor_email",
            "action",
            "object_type",
            "object_id",
            "patient",
            "outcome",
            "client_address",
            "user_agent",
            "request_id",
            "detail",
        ],
    );
    assert_eq!(
        actions(&r),
        vec![
            s("patient.read", "denied"),
            s("patient.read", "success"),
            s("patient.create", "success"),
        ]
    );
    // Bob sees neither Ann's reads nor his own refused attempt: whether it was denied or
    // failed would tell him that Ann's patient exists. Nor his attempt on no patient at
    // all, which would tell the same by its absence.
    let r = app
        .get(&format!("/api/audit/?patient={id}"), Some(&bob.token))
        .await;
    assert_eq!(r.body["count"], 0, "{}", r.raw);
    app.get("/api/patients/987654/", Some(&bob.token)).await;
    let r = app
        .get("/api/audit/?action=patient.read", Some(&bob.token))
        .await;
    assert_eq!(actions(&r), vec![s("patient.read", "success")]);
    // Ann sees nothing of Bob's own patient.
    let r = app
        .get(
            &format!("/api/audit/?patient={}", bobs["id"]),
            Some(&ann.token),
        )
        .await;
    assert_eq!(r.body["count"], 0);
    // The administrator sees everything; filters narrow it.
    let r = app.get("/api/audit/?page_size=100", Some(&ada.token)).await;
    let all = r.body["count"].as_i64().unwrap();
    assert_eq!(all, app.count_rows("audit_events").await);
    let r = app
        .get(
            &format!("/api/audit/?actor={}&outcome=denied", bob.id),
            Some(&ada.token),
        )
        .await;
    assert_eq!(actions(&r), vec![s("patient.read", "denied")]);
    let r = app
        .get(
            "/api/audit/?action=patient.create&ordering=at",
            Some(&ada.token),
        )
        .await;
    assert_eq!(
        actions(&r),
        vec![
            s("patient.create", "success"),
            s("patient.create", "success")
        ]
    );
    let r = app
        .get("/api/audit/?until=2000-01-01", Some(&ada.token))
        .await;
    assert_eq!(r.body["count"], 0);
    let r = app
        .get("/api/audit/?since=2000-01-01T00:00:00Z", Some(&ada.token))
        .await;
    assert_eq!(r.body["count"].as_i64().unwrap(), all);
    for bad in [
        "action=patient.peek",
        "outcome=maybe",
        "since=yesterday",
        "patient=x",
    ] {
        let r = app
            .get(&format!("/api/audit/?{bad}"), Some(&ada.token))
            .await;
        assert_error(&r, StatusCode::BAD_REQUEST);
    }
    assert_error(
        &app.get("/api/audit/", None).await,
        StatusCode::UNAUTHORIZED,
    );
}

/// With `Accept: application/fhir+json`, the same page is a FHIR R4 searchset Bundle of
/// AuditEvent resources with every element R4 requires.
#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_audit_trail_comes_as_a_fhir_r4_bundle(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let ann = app.signed_in("Ann Owner").await;
    let bob = app.signed_in("Bob Other").await;
    let patient = app.patient_named(&ann.token, "Pat Smith").await;
    let id = patient["id"].as_i64().unwrap();
    from_client(
        &app,
        Method::GET,
        &format!("/api/patients/{id}/"),
        None,
        &bob.token,
    )
    .await;
    let request = Request::builder()
        .uri(format!("/api/audit/?patient={id}&page_size=1"))
        .header(header::AUTHORIZATION, format!("Bearer {}", ann.token))
        .header(header::ACCEPT, "application/fhir+json")
        .header(header::HOST, "clinic.example")
        .body(Body::empty())
        .unwrap();
    let r = app.send(request).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.raw);
    assert_eq!(r.headers[header::CONTENT_TYPE], "application/fhir+json");
    let bundle = &r.body;
    assert_eq!(bundle["resourceType"], "Bundle");
    assert_eq!(bundle["type"], "searchset");
    assert_eq!(bundle["total"], 2);
    assert_eq!(bundle["link"][0]["relation"], "self");
    assert_eq!(bundle["link"][1]["relation"], "next");
    assert_eq!(
        bundle["link"][1]["url"],
        format!("http://clinic.example/api/audit/?patient={id}&page_size=1&page=2")
    );
    let entries = bundle["entry"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["search"]["mode"], "match");
    let event = &entries[0]["resource"];
    crate::fhir::assert_r4_audit_event(event);
    assert_eq!(event["subtype"][0]["code"], "patient.read");
    assert_eq!(event["action"], "R");
    assert_eq!(event["outcome"], "4");
    assert_eq!(event["outcomeDesc"], "denied");
    assert_eq!(
        event["agent"][0]["who"]["identifier"]["value"],
        bob.id.to_string()
    );
    assert_eq!(event["agent"][0]["network"]["address"], "203.0.113.9");
    assert_eq!(
        event["entity"][0]["what"]["reference"],
        format!("Patient/{id}")
    );
}

/// What a crash of the server can lose is bounded: while the events cannot be written (the
/// table is locked), at most the queue's capacity plus one statement's worth of reads are
/// answered; the others wait for room rather than answer unrecorded. Once the table is
/// free, every read is recorded; closing the recorder writes whatever is queued.
#[sqlx::test(migrator = "server::MIGRATOR")]
async fn reads_never_run_further_ahead_of_their_events_than_the_queue_holds(pool: PgPool) {
    const QUEUE: usize = 4;
    let mut state = state(&pool, &config()).into_shared();
    state.pool = app::db::Db::with_audit_queue(pool.clone(), 2, QUEUE);
    let app = std::sync::Arc::new(TestApp::with_state(pool.clone(), state.into()));
    let ann = app.signed_in("Ann Owner").await;
    let patient = app.patient_named(&ann.token, "Pat Smith").await;
    let path = format!("/api/patients/{}/", patient["id"]);

    let mut lock = pool.begin().await.unwrap();
    sqlx::raw_sql("lock table audit_events in access exclusive mode")
        .execute(&mut *lock)
        .await
        .unwrap();
    let answered = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut reads = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let (app, path, token, answered) = (
            app.clone(),
            path.clone(),
            ann.token.clone(),
            answered.clone(),
        );
        reads.spawn(async move {
            let r = app.get(&path, Some(&token)).await;
            answered.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            r.status
        });
    }
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let ahead = answered.load(std::sync::atomic::Ordering::SeqCst);
    assert!(
        ahead <= 2 * QUEUE,
        "{ahead} reads answered while none could be recorded"
    );
    lock.rollback().await.unwrap();
    for status in reads.join_all().await {
        assert_eq!(status, StatusCode::OK);
    }
    app.state.pool.audit().close().await;
    let reads = count_events(&pool, "patient.read").await;
    assert_eq!(reads, 20);
}

/// The writer stores a read's values exactly as the request had them: an IPv6 client, a
/// User-Agent outside ASCII, the time; what the event leaves to the writer (a list's
/// reader's email) is looked up; a reader with no client address has none.
#[sqlx::test(migrator = "server::MIGRATOR")]
async fn read_events_keep_every_value_as_the_request_had_it(pool: PgPool) {
    let app = TestApp::new(pool.clone());
    let ann = app.signed_in("Ann Owner").await;
    let patient = app.patient_named(&ann.token, "Pat Smith").await;
    let agent = "Navigateur/2.0 (Ünïcode; \\back\\slash; \"quoted\"; tab\tend)";
    let now = async || -> chrono::DateTime<chrono::Utc> {
        sqlx::query_scalar("select clock_timestamp()")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    let before = now().await;
    let path = format!("/api/patients/{}/", patient["id"]);
    let ipv6 = Some("[2001:db8::7]:40000");
    let r = sent_from(&app, Method::GET, &path, None, &ann.token, ipv6, agent).await;
    assert_eq!(r.status, StatusCode::OK);
    let path = "/api/patients/?search=pat";
    let r = sent_from(&app, Method::GET, path, None, &ann.token, None, agent).await;
    assert_eq!(r.status, StatusCode::OK);
    let reads: Vec<Value> = events(&app)
        .await
        .into_iter()
        .filter(|e| e["action"] == "patient.read" || e["action"] == "patient.list")
        .collect();
    let after = now().await;
    assert_eq!(reads.len(), 2, "{reads:?}");
    let (read, list) = (&reads[0], &reads[1]);
    assert_eq!(read["action"], "patient.read");
    assert_eq!(read["actor_email"], "annowner@staff.example.com");
    assert_eq!(read["address"], "2001:db8::7");
    assert_eq!(read["user_agent"], agent);
    assert_eq!(read["owner"], json!(ann.id));
    assert_eq!(list["action"], "patient.list");
    assert_eq!(
        list["actor_email"], "annowner@staff.example.com",
        "looked up by the writer"
    );
    assert_eq!(list["address"], Value::Null);
    assert_eq!(list["user_agent"], agent);
    let times: Vec<chrono::DateTime<chrono::Utc>> = sqlx::query_scalar(
        "select at from audit_events where action in ('patient.read', 'patient.list')",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(times.len(), 2);
    for at in &times {
        assert!(before <= *at && *at <= after, "{before} <= {at} <= {after}");
    }
}

/// Whatever a list's query holds is kept with its event: a parameter PostgreSQL could not
/// store (a NUL) is refused with a 400, and the writer goes on writing the others.
#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_query_the_trail_could_not_store_is_refused_and_the_trail_goes_on(pool: PgPool) {
    let app = TestApp::new(pool);
    let ann = app.signed_in("Ann Owner").await;
    for path in [
        "/api/patients/?page_size=%00",
        "/api/patients/?x%00=1",
        "/api/mappings/?q=%00",
    ] {
        let r = app.get(path, Some(&ann.token)).await;
        assert_error(&r, StatusCode::BAD_REQUEST);
    }
    let r = app.get("/api/patients/?search=ann", Some(&ann.token)).await;
    assert_eq!(r.status, StatusCode::OK);
    let lists: Vec<Value> = events(&app)
        .await
        .into_iter()
        .filter(|e| e["action"] == "patient.list")
        .collect();
    assert_eq!(lists.len(), 1);
    assert_eq!(lists[0]["detail"]["query"], json!({"search": "ann"}));
}

/// Sign-ins refused by the throttle, unchecked, are still recorded against the email.
#[sqlx::test(migrator = "server::MIGRATOR")]
async fn throttled_sign_ins_are_recorded(pool: PgPool) {
    let app = TestApp::new(pool);
    app.register("Ann", "ann@example.com").await;
    for _ in 0..11 {
        app.post(
            "/api/auth/login/",
            json!({"email": "ann@example.com", "password": "wrong"}),
            None,
        )
        .await;
    }
    let throttled: Vec<Value> = events(&app)
        .await
        .into_iter()
        .filter(|e| e["detail"]["throttled"] == true)
        .collect();
    assert_eq!(throttled.len(), 1);
    assert_eq!(throttled[0]["action"], "auth.login_failed");
    assert_eq!(throttled[0]["actor_email"], "ann@example.com");
}
