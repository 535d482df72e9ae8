package dev.nizhal.bench.console;

import java.util.List;
import org.jdbi.v3.core.Jdbi;

/**
 * The admin console's data at scale, written with {@code generate_series} (no engine call per row): the demo apps'
 * rows, the clients with their journal (mixed statuses, a share rejected, some replayed), the pull observer's records
 * and a change log over a long, made-up transaction history. Every figure of the report comes from this data.
 */
record ConsoleSeed(int clients, int journalEntries, int changes, int actors, int lists) {
    static final ConsoleSeed AT_SCALE = new ConsoleSeed(10_000, 100_000, 1_000_000, 4_000, 5_000);

    /** The change log's made-up history starts at this transaction id, four entries per transaction. */
    static final long FIRST_TXID = 1_000_000;

    static final List<String> MUTATORS =
            List.of("addNote", "editNote", "deleteNote", "createList", "addTodo", "toggleTodo");

    long lastTxid() {
        return FIRST_TXID + changes / 4;
    }

    static String clientId(int i) {
        return String.format("client-%05d", i);
    }

    static String actorOf(int client) {
        return "user-" + (client % AT_SCALE.actors());
    }

    /** The demo apps' rows: notes of every actor, lists with members and todos (before the capture triggers exist). */
    void appRows(Jdbi jdbi) {
        jdbi.useHandle(h -> {
            h.execute("insert into notes (id, body, owner_id) select 'n-' || g, 'note ' || g, 'user-' || (g % " + actors
                    + ") from generate_series(1, " + actors * 25 + ") g");
            h.execute("insert into lists (id, name, owner_id) select 'list-' || g, 'list ' || g, 'user-' || (g % "
                    + actors + ") from generate_series(0, " + (lists - 1) + ") g");
            h.execute("insert into list_members (list_id, user_id) select 'list-' || g, 'user-' || (g % " + actors
                    + ") from generate_series(0, " + (lists - 1) + ") g");
            h.execute("insert into todos (id, list_id, title, position) select 't-' || g, 'list-' || (g % " + lists
                    + "), 'todo ' || g, g from generate_series(1, " + lists * 20 + ") g");
        });
    }

    /** Nizhal's own tables, as months of pushes and pulls would leave them. */
    void syncState(Jdbi jdbi) {
        int perClient = journalEntries / clients;
        int replays = journalEntries / 100;
        jdbi.useHandle(h -> {
            h.execute("insert into nizhal.clients (client_id, actor, last_mutation_id, created_at)"
                    + " select format('client-%s', lpad(i::text, 5, '0')), 'user-' || (i % " + actors + "), "
                    + perClient + ", now() - interval '60 days' from generate_series(1, " + clients + ") i");
            // entry g belongs to client (g - 1) % clients + 1, one every 25 s over the last 29 days; one in ten
            // rejected
            h.execute(
                    "insert into nizhal.mutation_journal (client_id, mutation_id, name, actor, args, args_hash, status,"
                            + " result, error, txid, created_at)"
                            + " select format('client-%s', lpad(c::text, 5, '0')), (g - 1) / " + clients + " + 1,"
                            + " (array['addNote','editNote','deleteNote','createList','addTodo','toggleTodo'])[g % 6 + 1],"
                            + " 'user-' || (c % " + actors + "),"
                            + " jsonb_build_object('id', 'n-' || g, 'body', 'text of entry ' || g), md5(g::text),"
                            + " case when g % 10 = 0 then 'rejected' else 'applied' end,"
                            + " case when g % 10 = 0 then null else jsonb_build_object('id', 'n-' || g) end,"
                            + " case when g % 10 = 0 then jsonb_build_object('code', 'NOT_FOUND', 'message',"
                            + " 'no note of yours has this id') end,"
                            + " cast(cast(" + FIRST_TXID + " + g as text) as xid8),"
                            + " now() - (" + journalEntries + " - g) * interval '25 seconds'"
                            + " from generate_series(1, " + journalEntries + ") g,"
                            + " lateral (select (g - 1) % " + clients + " + 1 as c) c");
            // an operator replayed the newest rejected entries: each replay is an entry of 'replay:<client>'
            String replayed = "(select client_id, mutation_id, name, actor, args, args_hash, txid, created_at"
                    + " from nizhal.mutation_journal where status = 'rejected' order by created_at desc limit "
                    + replays + ") r";
            h.execute("insert into nizhal.clients (client_id, actor, last_mutation_id)"
                    + " select distinct 'replay:' || client_id, actor, 0 from " + replayed);
            h.execute("insert into nizhal.mutation_journal (client_id, mutation_id, name, actor, args, args_hash,"
                    + " status, result, txid, created_at) select 'replay:' || client_id, mutation_id, name, actor,"
                    + " args, args_hash, 'applied', args, txid, least(created_at + interval '1 minute', now()) from "
                    + replayed);
            h.execute("insert into nizhal.replays (client_id, mutation_id, replay_client_id, replay_mutation_id,"
                    + " operator, replayed_at) select substr(client_id, 8), mutation_id, client_id, mutation_id,"
                    + " 'operator-1', created_at from nizhal.mutation_journal where client_id like 'replay:%'");
            // the pull observer's records: every client pulls myNotes, every other one sharedLists (three lists);
            // one in fifty never drained a pull; the others caught up at various points of the log's history
            h.execute("insert into nizhal.client_pulls (client_id, rule, actor, pulled_at, caught_up_at,"
                    + " caught_up_to, buckets, pulls)"
                    + " select format('client-%s', lpad(i::text, 5, '0')), r.rule, 'user-' || (i % " + actors + "),"
                    + " now() - (i % 2880) * interval '1 minute',"
                    + " case when i % 50 = 0 then null else now() - (i % 2880) * interval '1 minute'"
                    + " - (i % 100) * interval '1 hour' end,"
                    + " case when i % 50 = 0 then null else cast(x.xmin || ':' || x.xmin || ':' as pg_snapshot) end,"
                    + " case r.rule when 'myNotes' then array['myNotes[\"user-' || (i % " + actors + ") || '\"]']"
                    + " else array['sharedLists[\"list-' || (i * 7 % " + lists + ") || '\"]',"
                    + " 'sharedLists[\"list-' || ((i * 7 + 1) % " + lists + ") || '\"]',"
                    + " 'sharedLists[\"list-' || ((i * 7 + 2) % " + lists + ") || '\"]'] end,"
                    + " 10 + i % 90"
                    + " from generate_series(1, " + clients + ") i"
                    + " cross join lateral (select " + lastTxid() + " - (i % 100) * " + (changes / 4 / 100)
                    + " as xmin) x"
                    + " cross join lateral (select 'myNotes' as rule union all"
                    + " select 'sharedLists' where i % 2 = 0) r");
            // the last hour of pulls (the observer trims its log to one hour): one every 60 ms
            h.execute("insert into nizhal.pull_log (client_id, rule, pulled_at, changes, has_more, reset)"
                    + " select format('client-%s', lpad((g % " + clients + " + 1)::text, 5, '0')), 'myNotes',"
                    + " now() - g * interval '60 milliseconds', g % 7, g % 13 = 0, false"
                    + " from generate_series(1, 59000) g");
            // the change log: four entries per transaction; four in five in a notes bucket, one in five in a list's
            h.execute("insert into nizhal.change_log (txid, bucket, tbl, pks)"
                    + " select cast(cast(" + FIRST_TXID + " + g / 4 as text) as xid8),"
                    + " case when g % 5 = 0 then 'sharedLists[\"list-' || (g / 5 % " + lists + ") || '\"]'"
                    + " else 'myNotes[\"user-' || (g % " + actors + ") || '\"]' end,"
                    + " case when g % 5 = 0 then 'todos' else 'notes' end,"
                    + " case when g % 5 = 0 then array['t-' || g] else array['n-' || g, 'n-' || (g + 1)] end"
                    + " from generate_series(1, " + changes + ") g");
            // snapshot marks of the last day (the retention job writes one a minute)
            h.execute("insert into nizhal.snapshot_marks (taken_at, snap)"
                    + " select now() - m * interval '1 minute', cast((" + lastTxid() + " - m * 100) || ':'"
                    + " || (" + lastTxid() + " - m * 100) || ':' as pg_snapshot) from generate_series(0, 1439) m");
            h.execute("vacuum analyze");
        });
    }
}
