-- The audit trail: who read or changed which patient's record (and who signed in, out,
-- renewed a token, or administered an account), when, from where, and with what outcome.
--
-- Append-only: the table refuses UPDATE, DELETE and TRUNCATE from every connection,
-- the application's own included. The one exception is `server audit prune --before DATE`:
-- in one transaction it first records an `audit.prune` event, names that event in the
-- setting `carebase.audit_prune`, and then deletes only events older than the date that
-- event states (never a date to come). A DELETE without such an event of its own
-- transaction is refused. (The table's owner can still drop or disable the triggers: for
-- strict enforcement the application connects as a role that is not the owner, with
-- INSERT and SELECT only; see the README.)
--
-- No foreign keys: an event outlives the user, patient or doctor it is about.
create table audit_events (
    id bigint generated always as identity primary key,
    at timestamptz not null default statement_timestamp(),
    -- Who: the user's id and their email at that time (a failed sign-in for an unknown
    -- email has no id, only the email that was typed).
    actor_id bigint,
    actor_email text not null default '',
    -- What: e.g. patient.read, patient.update, mapping.create, auth.login_failed.
    action text not null,
    object_type text not null,
    object_id bigint,
    -- Whose record: the patient, and the user who owned it at that time (so an owner sees
    -- the events about their patients, deleted ones included).
    patient_id bigint,
    patient_owner bigint,
    outcome text not null check (outcome in ('success', 'denied', 'failed')),
    client_address inet,
    user_agent text not null default '',
    -- The id the server's log lines carry and the response returned in X-Request-Id.
    request_id text not null default '',
    -- The names of changed fields (never their values), a list's query and the ids it
    -- returned, and the like.
    detail jsonb not null default '{}'
);

-- A patient's history, the events an owner may see, an actor's actions: newest first.
-- (`at` is when the access happened; a read's event is written a moment later, so ids do
-- not follow time exactly, and lists order by `at`.)
create index audit_events_patient on audit_events (patient_id, at desc) where patient_id is not null;
create index audit_events_owner on audit_events (patient_owner, at desc) where patient_owner is not null;
-- An actor's actions, by kind: an actor and an action together (the admin's Activity) are
-- one index range, where (actor, time) would read every action of the actor.
create index audit_events_actor on audit_events (actor_id, action, at desc) where actor_id is not null;
-- Every event newest first, time ranges (`since`, `until`) and pruning.
create index audit_events_at on audit_events (at desc);
-- The administrative actions (the admin site's index), few among millions of reads.
create index audit_events_administrative on audit_events (at desc)
    where action in ('user.create', 'user.update', 'user.password_change', 'audit.prune', 'audit.export');

create function audit_events_refuse_change() returns trigger
language plpgsql as $$
begin
    raise exception 'audit events are append-only: % refused', tg_op
        using errcode = 'insufficient_privilege';
end;
$$;

-- Once per DELETE statement: allowed only when this transaction has recorded the prune.
create function audit_events_check_prune() returns trigger
language plpgsql as $$
declare
    prune bigint := nullif(current_setting('carebase.audit_prune', true), '')::bigint;
begin
    if prune is null or not exists (
        select 1 from audit_events
        where id = prune and action = 'audit.prune' and xmin = pg_current_xact_id()::xid
          and (detail ->> 'before')::timestamptz <= statement_timestamp()
    ) then
        raise exception 'audit events are append-only: DELETE refused (only `server audit prune` removes old events)'
            using errcode = 'insufficient_privilege';
    end if;
    return null;
end;
$$;

-- For each row a prune deletes: only events older than the date its record states.
create function audit_events_check_pruned_row() returns trigger
language plpgsql as $$
declare
    before timestamptz := (
        select (detail ->> 'before')::timestamptz from audit_events
        where id = nullif(current_setting('carebase.audit_prune', true), '')::bigint
    );
begin
    if before is null or old.at >= before or old.action = 'audit.prune' then
        raise exception 'audit events are append-only: event % is not older than the prune date', old.id
            using errcode = 'insufficient_privilege';
    end if;
    return old;
end;
$$;

create trigger audit_events_no_update
    before update on audit_events
    for each statement execute function audit_events_refuse_change();
create trigger audit_events_no_truncate
    before truncate on audit_events
    for each statement execute function audit_events_refuse_change();
create trigger audit_events_prune_only
    before delete on audit_events
    for each statement execute function audit_events_check_prune();
create trigger audit_events_prune_rows
    before delete on audit_events
    for each row execute function audit_events_check_pruned_row();

-- Fired even with `session_replication_role = replica` (which a superuser may set).
alter table audit_events enable always trigger audit_events_no_update;
alter table audit_events enable always trigger audit_events_no_truncate;
alter table audit_events enable always trigger audit_events_prune_only;
alter table audit_events enable always trigger audit_events_prune_rows;
