-- The audit trail's indexes keep time ascending. Events arrive in time order, so a new
-- entry lands at the right end of its key's range: in the time index always on the
-- rightmost page, which PostgreSQL reaches without descending the tree, and pages split
-- full rather than in halves. Descending, every new entry went to the far left, through
-- a full descent, and left half-empty pages behind. Newest first is the same index read
-- backwards.
drop index audit_events_patient;
create index audit_events_patient on audit_events (patient_id, at) where patient_id is not null;
-- The owner's index holds only what others did to an owner's patients. An owner's own
-- reads and changes of their patients, nearly every event, are found through the actor
-- index (a user's view asks for their own actions there), so they add nothing to this one.
drop index audit_events_owner;
create index audit_events_owner on audit_events (patient_owner, at)
    where patient_owner <> coalesce(actor_id, 0);
drop index audit_events_actor;
create index audit_events_actor on audit_events (actor_id, action, at) where actor_id is not null;
drop index audit_events_at;
create index audit_events_at on audit_events (at);
drop index audit_events_administrative;
create index audit_events_administrative on audit_events (at) where administrative;
drop index audit_events_object;
create index audit_events_object on audit_events (object_type, object_id, at)
    where object_type in ('doctor', 'user');
