package dev.nizhal.domain.sql;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A piece of compiled SQL with named bind parameters ({@code :name}). {@code constants} holds the values the compiler
 * knows (constants of the rules, as text that SQL casts to the column's type); every other {@code :name} is a
 * runtime parameter documented where the fragment is produced. Identifiers are always quoted.
 */
public record SqlFragment(String sql, Map<String, String> constants) {

    private static final Pattern PLACEHOLDER = Pattern.compile(":([a-z][a-z0-9_]*)");

    public SqlFragment {
        Objects.requireNonNull(sql, "sql");
        constants = Collections.unmodifiableMap(new LinkedHashMap<>(constants));
    }

    public static SqlFragment of(String sql) {
        return new SqlFragment(sql, Map.of());
    }

    /**
     * The SQL with its constants written as literals, for DDL (trigger functions) where bind parameters cannot be
     * used. {@code quoteLiteral} must come from the database driver or the database ({@code quote_literal}), so that
     * quoting is never hand-written.
     */
    public String inline(UnaryOperator<String> quoteLiteral) {
        Matcher m = PLACEHOLDER.matcher(sql);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1);
            String replacement = constants.containsKey(name) ? quoteLiteral.apply(constants.get(name)) : m.group();
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** Quotes an identifier for PostgreSQL: doubled inner quotes, always quoted, so case and keywords are safe. */
    public static String ident(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }
}
