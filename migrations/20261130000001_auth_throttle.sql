-- Attempts at signing in, signing up and renewing tokens, counted per key (an address, or
-- an account at an address) in fixed windows, so that every server instance on this
-- database counts together. Rows whose window has ended are deleted by the server.
create table auth_throttle (
    key          text        primary key,
    attempts     integer     not null,
    window_ends  timestamptz not null
);

create index auth_throttle_window_ends on auth_throttle (window_ends);
