-- The demo apps' own tables (created by the demo at start, before Nizhal's migrate).
create table if not exists notes (
    id         text primary key,
    body       text not null,
    owner_id   text not null,
    updated_at timestamptz not null default now()
);
create index if not exists notes_owner on notes (owner_id);

create table if not exists lists (
    id       text primary key,
    name     text not null,
    owner_id text not null
);

create table if not exists list_members (
    list_id text not null references lists (id) on delete cascade,
    user_id text not null,
    primary key (list_id, user_id)
);
create index if not exists list_members_user on list_members (user_id);

create table if not exists todos (
    id       text primary key,
    list_id  text not null references lists (id) on delete cascade,
    title    text not null,
    done     boolean not null default false,
    position int4 not null default 0
);
create index if not exists todos_list on todos (list_id);
