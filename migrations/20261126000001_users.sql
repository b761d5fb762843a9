-- Accounts of clinic staff. Emails are unique regardless of case.
create table users (
    id            bigint generated always as identity primary key,
    name          text        not null,
    email         text        not null,
    password_hash text        not null,
    is_admin      boolean     not null default false,
    date_joined   timestamptz not null default now(),
    constraint users_name_not_blank check (length(btrim(name)) > 0),
    constraint users_email_not_blank check (length(email) > 0)
);

create unique index users_email_lower_key on users (lower(email));

-- Issued refresh tokens, so that logout can revoke one before it expires.
create table refresh_tokens (
    jti        uuid        primary key,
    user_id    bigint      not null
        constraint refresh_tokens_user_id_fkey references users (id) on delete cascade,
    issued_at  timestamptz not null default now(),
    expires_at timestamptz not null,
    revoked_at timestamptz
);

create index refresh_tokens_user_id_idx on refresh_tokens (user_id);
create index refresh_tokens_expires_at_idx on refresh_tokens (expires_at);
