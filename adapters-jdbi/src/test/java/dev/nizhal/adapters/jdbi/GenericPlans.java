package dev.nizhal.adapters.jdbi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jdbi.v3.core.Handle;

/**
 * EXPLAIN of the generic plan PostgreSQL may switch a reused prepared statement to: EXPLAIN of a bound statement
 * plans with the values, a generic plan needs PREPARE with {@code $n} parameters and {@code plan_cache_mode =
 * force_generic_plan}.
 */
final class GenericPlans {

    /** A {@code :name} parameter, not the second colon of a {@code ::} cast. */
    private static final Pattern NAMED = Pattern.compile("(?<!:):([a-z_]+)");

    private GenericPlans() {}

    /**
     * {@code values} as the text the statement casts: a list as an array literal of its elements (plain words:
     * bucket names without quotes, commas or braces), anything else its string form. For {@link
     * JdbiChangeLog#windowValues}, so a plan test binds what the pull binds.
     */
    static Map<String, String> text(Map<String, Object> values) {
        Map<String, String> text = new LinkedHashMap<>();
        values.forEach((name, value) -> text.put(
                name,
                value instanceof List<?> list
                        ? "{"
                                + String.join(
                                        ",", list.stream().map(String::valueOf).toList()) + "}"
                        : String.valueOf(value)));
        return text;
    }

    /**
     * Prepares {@code sql} (with {@code :name} parameters) under {@code name}, forces generic plans on the handle's
     * session and returns the lines of {@code explain [options] execute} with {@code values} (text, quoted here and
     * cast by the statement), which must name every parameter of {@code sql}.
     */
    static List<String> explain(Handle handle, String name, String options, String sql, Map<String, String> values) {
        String execute = prepare(handle, name, sql, values);
        handle.execute("set plan_cache_mode = force_generic_plan");
        try {
            return handle.createQuery("explain " + options + " " + execute)
                    .mapTo(String.class)
                    .list();
        } finally {
            handle.execute("reset plan_cache_mode");
        }
    }

    /**
     * Prepares {@code sql} under {@code name}, executes it {@code times} with {@code values} as PostgreSQL's plan cache
     * chooses ({@code plan_cache_mode = auto}), and returns how many of those executions used the generic plan.
     */
    static long genericExecutions(Handle handle, String name, String sql, Map<String, String> values, int times) {
        String execute = prepare(handle, name, sql, values);
        handle.execute("set plan_cache_mode = auto");
        for (int i = 0; i < times; i++) {
            handle.createQuery(execute).mapToMap().list();
        }
        return handle.createQuery("select generic_plans from pg_prepared_statements where name = :name")
                .bind("name", name)
                .mapTo(Long.class)
                .one();
    }

    /** PREPAREs {@code sql} with {@code $n} for its {@code :name} parameters; returns the EXECUTE of the values. */
    private static String prepare(Handle handle, String name, String sql, Map<String, String> values) {
        List<String> order = new ArrayList<>();
        Matcher named = NAMED.matcher(sql);
        StringBuilder positional = new StringBuilder();
        while (named.find()) {
            if (!order.contains(named.group(1))) {
                order.add(named.group(1));
            }
            named.appendReplacement(positional, "\\$" + (order.indexOf(named.group(1)) + 1));
        }
        named.appendTail(positional);
        assertThat(order).containsExactlyInAnyOrderElementsOf(values.keySet());
        handle.execute("deallocate all"); // a pooled session may hold the name from an earlier test
        handle.execute("prepare " + name + " as " + positional);
        String arguments = String.join(
                ", ",
                order.stream()
                        .map(n -> "'" + values.get(n).replace("'", "''") + "'")
                        .toList());
        return "execute " + name + (order.isEmpty() ? "" : "(" + arguments + ")");
    }
}
