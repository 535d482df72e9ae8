package dev.nizhal.adapters.jdbi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
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

    private GenericPlans() {}

    /**
     * Prepares {@code sql} (with {@code :name} parameters) under {@code name}, forces generic plans on the handle's
     * session and returns the lines of {@code explain [options] execute} with {@code values} (text literals, cast by
     * the statement), which must name every parameter of {@code sql}.
     */
    static List<String> explain(Handle handle, String name, String options, String sql, Map<String, String> values) {
        List<String> order = new ArrayList<>();
        Matcher named = Pattern.compile(":([a-z_]+)").matcher(sql);
        StringBuilder positional = new StringBuilder();
        while (named.find()) {
            if (!order.contains(named.group(1))) {
                order.add(named.group(1));
            }
            named.appendReplacement(positional, "\\$" + (order.indexOf(named.group(1)) + 1));
        }
        named.appendTail(positional);
        assertThat(order).containsExactlyInAnyOrderElementsOf(values.keySet());
        String arguments = String.join(
                ", ", order.stream().map(n -> "'" + values.get(n) + "'").toList());
        handle.execute("prepare " + name + " as " + positional);
        handle.execute("set plan_cache_mode = force_generic_plan");
        return handle.createQuery("explain " + options + " execute " + name + "(" + arguments + ")")
                .mapTo(String.class)
                .list();
    }
}
