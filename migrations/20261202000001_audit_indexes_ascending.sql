-- The audit trail's indexes keep time ascending. Events arrive in time order, so a new
-- entry lands at the right end of its key's range: in the time index always on the
-- rightmost page, which PostgreSQL reaches without descending the tree, and pages split
-- full rather than in halves. Descending, every new entry went to the far left, through
-- a full descent, and left half-empty pages behind. Newest first is the same index read
-- backwards.
drop index audit_events_patient;
create index audit_events_patient on audit_events (patient_id, at) where patient_id is not null;
drop index audit_events_owner;
create index audit_events_owner on audit_events (patient_owner, at) where patient_owner is not null;
drop index audit_events_actor;
create index audit_events_actor on audit_events (actor_id, action, at) where actor_id is not null;
drop index audit_events_at;
create index audit_events_at on audit_events (at);
drop index audit_events_administrative;
create index audit_events_administrative on audit_events (at) where administrative;
drop index audit_events_object;
create index audit_events_object on audit_events (object_type, object_id, at)
    where object_type in ('doctor', 'user');
