-- An account can be deactivated (it can no longer sign in, and its tokens are refused),
-- and every change to whether an account is active or an administrator is announced on the
-- `user_access` channel (the user's id), so that every server instance applies it at once.
alter table users add column is_active boolean not null default true;

create function announce_user_access() returns trigger
language plpgsql as $$
begin
    perform pg_notify('user_access', new.id::text);
    return new;
end;
$$;

create trigger users_access_changed
    after update of is_active, is_admin on users
    for each row
    when (old.is_active is distinct from new.is_active or old.is_admin is distinct from new.is_admin)
    execute function announce_user_access();
