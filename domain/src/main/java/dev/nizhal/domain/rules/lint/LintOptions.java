package dev.nizhal.domain.rules.lint;

import dev.nizhal.domain.schema.SchemaDescription;
import java.util.Optional;

/**
 * What the linter checks against.
 *
 * @param schema the live schema, when a database is at hand (tables, columns, types, primary keys)
 * @param issuerCount how many token issuers are configured ({@code fromClaim} is refused with more than one)
 */
public record LintOptions(Optional<SchemaDescription> schema, int issuerCount) {
    public static LintOptions withoutSchema() {
        return new LintOptions(Optional.empty(), 1);
    }

    public static LintOptions against(SchemaDescription schema) {
        return new LintOptions(Optional.of(schema), 1);
    }

    public LintOptions issuers(int count) {
        return new LintOptions(schema, count);
    }
}
