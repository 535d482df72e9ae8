-- What the admin console reads besides the journal and the change log (issue: the Vaadin admin console).

-- Each client's last pull per rule, written after the pull's transaction, batched, by an observer that can neither
-- fail nor slow a pull (PROTOCOL P4: pulls stay read-only for sync state). Best effort: a crash loses the last batch.
create table nizhal.client_pulls (
    client_id  text        not null,
    rule       text        not null,
    actor      text        not null,
    pulled_at  timestamptz not null,
    -- when the client last had every change of its buckets (its last drained pull), and the snapshot it had then
    caught_up_at timestamptz,
    caught_up_to pg_snapshot,
    buckets    text[]      not null default '{}',
    pulls      bigint      not null default 0,
    primary key (client_id, rule)
);
create index client_pulls_caught_up_at on nizhal.client_pulls (caught_up_at nulls first, client_id);
create index client_pulls_buckets on nizhal.client_pulls using gin (buckets);
create index client_pulls_actor on nizhal.client_pulls (actor);

-- Recent pulls, for the console's client page and its pulls-per-minute; trimmed with the change log.
create table nizhal.pull_log (
    client_id text        not null,
    rule      text        not null,
    pulled_at timestamptz not null,
    changes   integer     not null,
    has_more  boolean     not null,
    reset     boolean     not null
);
create index pull_log_client on nizhal.pull_log (client_id, pulled_at desc);
create index pull_log_pulled_at on nizhal.pull_log (pulled_at);

-- A replay is a new journal entry (under the client 'replay:' || the original client) linked to the original one.
create table nizhal.replays (
    client_id          text        not null,
    mutation_id        bigint      not null,
    replay_client_id   text        not null,
    replay_mutation_id bigint      not null,
    operator           text        not null,
    replayed_at        timestamptz not null default now(),
    primary key (replay_client_id, replay_mutation_id),
    foreign key (client_id, mutation_id) references nizhal.mutation_journal (client_id, mutation_id),
    foreign key (replay_client_id, replay_mutation_id) references nizhal.mutation_journal (client_id, mutation_id)
);
create index replays_original on nizhal.replays (client_id, mutation_id);

-- What operators did, with their names; written in the same transaction as the action.
create table nizhal.admin_audit (
    seq      bigint generated always as identity primary key,
    at       timestamptz not null default now(),
    operator text        not null,
    action   text        not null,
    target   text        not null,
    outcome  text        not null
);

-- the journal's filters: by time, and by actor, mutator or status within time
create index mutation_journal_created_at on nizhal.mutation_journal (created_at desc);
create index mutation_journal_actor on nizhal.mutation_journal (actor, created_at desc);
create index mutation_journal_name on nizhal.mutation_journal (name, created_at desc);
create index mutation_journal_rejected on nizhal.mutation_journal (created_at desc) where status = 'rejected';
create index clients_actor on nizhal.clients (actor);
