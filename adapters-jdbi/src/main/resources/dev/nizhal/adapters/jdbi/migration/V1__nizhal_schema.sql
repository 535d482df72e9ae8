-- Nizhal's own tables (CHANGE-CAPTURE.md). Flyway keeps its history in nizhal.flyway_schema_history.

create table nizhal.change_log (
    seq    bigint generated always as identity primary key,
    txid   xid8   not null default pg_current_xact_id(),
    bucket text   not null,
    tbl    text   not null,
    pks    text[] not null
);
create index change_log_txid on nizhal.change_log (txid);
create index change_log_bucket_txid on nizhal.change_log (bucket, txid);

create table nizhal.snapshot_marks (
    taken_at timestamptz not null default now(),
    snap     pg_snapshot not null
);
create index snapshot_marks_taken_at on nizhal.snapshot_marks (taken_at);

-- one row: the database identity (random, written once), the compiled plan's hash, the stored retention mark
create table nizhal.meta (
    id             boolean primary key default true check (id),
    identity       text        not null,
    plan_hash      text,
    retention_mark pg_snapshot,
    updated_at     timestamptz not null default now()
);
insert into nizhal.meta (identity) values (gen_random_uuid()::text);

create table nizhal.clients (
    client_id        text        primary key,
    actor            text        not null,
    last_mutation_id bigint      not null default 0,
    created_at       timestamptz not null default now()
);

create table nizhal.mutation_journal (
    client_id   text        not null references nizhal.clients (client_id),
    mutation_id bigint      not null check (mutation_id between 1 and 9007199254740991),
    name        text        not null,
    actor       text        not null,
    args        jsonb,
    args_hash   text        not null,
    status      text        not null check (status in ('applied', 'rejected')),
    result      jsonb,
    error       jsonb,
    txid        xid8        not null default pg_current_xact_id(),
    created_at  timestamptz not null default now(),
    primary key (client_id, mutation_id)
);
