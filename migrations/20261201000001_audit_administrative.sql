-- Which events record an administrative action: a change that only an administrator's
-- rights allowed (to another owner's patients, doctors or assignments, or to an account),
-- and the commands an operator types (createsuperuser, changepassword, audit prune). The admin index lists
-- the most recent of them.
alter table audit_events add column administrative boolean not null default false;

-- The events written before this column existed whose action was administrative by
-- definition. Setting a column that did not exist changes no recorded fact, so the
-- append-only trigger steps aside for this one statement of the migration.
alter table audit_events disable trigger audit_events_no_update;
update audit_events set administrative = true
where action in ('user.update', 'user.password_change', 'audit.prune', 'audit.export')
   -- Until now only createsuperuser made administrators (a registration never does).
   or (action = 'user.create' and (detail ->> 'is_admin')::boolean);
alter table audit_events enable always trigger audit_events_no_update;

drop index audit_events_administrative;
create index audit_events_administrative on audit_events (at desc) where administrative;

-- A doctor's or an account's history on the admin site. Partial: the reads of patients and
-- assignments, nearly every event, add nothing to it.
create index audit_events_object on audit_events (object_type, object_id, at desc)
    where object_type in ('doctor', 'user');
