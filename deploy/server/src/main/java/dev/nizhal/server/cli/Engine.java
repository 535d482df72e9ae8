package dev.nizhal.server.cli;

import dev.nizhal.Nizhal;
import dev.nizhal.adapters.json.JacksonArgsCodec;
import dev.nizhal.domain.rules.lint.LintFinding;
import dev.nizhal.domain.rules.lint.LintReport;
import dev.nizhal.domain.sql.InvalidSyncRulesException;
import dev.nizhal.server.NizhalApp;
import java.security.SecureRandom;
import javax.sql.DataSource;

/** The {@link Nizhal} engine of an app on a database, as every command builds it. */
final class Engine {
    private Engine() {}

    /**
     * @param cursorKey the key that seals cursors, or {@code null} for a command that seals none (a throwaway key, so
     *     the engine does not warn about a missing one)
     * @throws InvalidSyncRulesException when the linter refuses the rules
     */
    static Nizhal build(NizhalApp app, DataSource dataSource, byte[] cursorKey) {
        return build(app, dataSource, cursorKey, false);
    }

    /** {@link #build}, with what the admin console needs when {@code console} is set. */
    static Nizhal build(NizhalApp app, DataSource dataSource, byte[] cursorKey, boolean console) {
        byte[] key = cursorKey;
        if (key == null) {
            key = new byte[Base64Key.MIN_BYTES];
            new SecureRandom().nextBytes(key);
        }
        return Nizhal.builder()
                .dataSource(dataSource)
                .syncRules(app.rules())
                .mutators(app.mutators())
                .argsCodec(new JacksonArgsCodec())
                .cursorKey(key)
                .operatorConsole(console)
                .build();
    }

    /** {@link #build}, with refused rules as a one-line failure. */
    static Nizhal buildOrFail(NizhalApp app, DataSource dataSource, byte[] cursorKey) {
        return buildOrFail(app, dataSource, cursorKey, false);
    }

    static Nizhal buildOrFail(NizhalApp app, DataSource dataSource, byte[] cursorKey, boolean console) {
        try {
            return build(app, dataSource, cursorKey, console);
        } catch (InvalidSyncRulesException e) {
            throw new IllegalStateException(refused(e.report()), e);
        }
    }

    static String refused(LintReport report) {
        LintFinding first = report.errors().getFirst();
        int count = report.errors().size();
        return "the sync rules are refused (" + count + (count == 1 ? " error" : " errors") + "; first: "
                + first.code() + " rule=" + first.rule() + (first.table() == null ? "" : " table=" + first.table())
                + ": " + first.message() + "); `nizhal lint` prints the report";
    }
}
