package dev.nizhal.adapters.jdbi;

import dev.nizhal.domain.rules.TableName;
import dev.nizhal.domain.schema.ColumnSchema;
import dev.nizhal.domain.schema.PgType;
import dev.nizhal.domain.schema.SchemaDescription;
import dev.nizhal.domain.schema.TableSchema;
import dev.nizhal.ports.out.SchemaCatalog;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.jdbi.v3.core.Jdbi;

/** Reads tables, columns, types and primary keys from {@code pg_catalog}. */
public final class JdbiSchemaCatalog implements SchemaCatalog {

    private static final String TABLE = """
            select c.oid, c.relkind = 'p' as partitioned
            from pg_catalog.pg_class c
            join pg_catalog.pg_namespace n on n.oid = c.relnamespace
            where n.nspname = :schema and c.relname = :table and c.relkind in ('r', 'p')
            """;

    private static final String COLUMNS = """
            select a.attname, tn.nspname as type_schema, t.typname, t.typcategory, not a.attnotnull as nullable,
                   -- the schema of the type's own "=" (of a domain: of its base type), when not pg_catalog's
                   (select nullif(opn.nspname, 'pg_catalog')
                    from pg_catalog.pg_operator o
                    join pg_catalog.pg_namespace opn on opn.oid = o.oprnamespace
                    where o.oprname = '='
                      and o.oprleft = case when t.typtype = 'd' then t.typbasetype else t.oid end
                      and o.oprright = o.oprleft
                    order by opn.nspname <> 'pg_catalog', opn.nspname
                    limit 1) as operator_schema
            from pg_catalog.pg_attribute a
            join pg_catalog.pg_type t on t.oid = a.atttypid
            join pg_catalog.pg_namespace tn on tn.oid = t.typnamespace
            where a.attrelid = :oid and a.attnum > 0 and not a.attisdropped
            order by a.attnum
            """;

    private static final String PRIMARY_KEY = """
            select a.attname
            from pg_catalog.pg_index i
            cross join lateral unnest(i.indkey) with ordinality as k(attnum, position)
            join pg_catalog.pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
            where i.indrelid = :oid and i.indisprimary
            order by k.position
            """;

    private final Jdbi jdbi;

    public JdbiSchemaCatalog(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    @Override
    public SchemaDescription describe(Collection<TableName> tables) {
        return jdbi.withHandle(handle -> {
            List<TableSchema> found = new ArrayList<>();
            for (TableName name : tables) {
                var table = handle.createQuery(TABLE)
                        .bind("schema", name.schema())
                        .bind("table", name.table())
                        .map((rs, ctx) -> new Object[] {rs.getLong("oid"), rs.getBoolean("partitioned")})
                        .findOne();
                if (table.isEmpty()) {
                    continue;
                }
                long oid = (Long) table.get()[0];
                List<ColumnSchema> columns = handle.createQuery(COLUMNS)
                        .bind("oid", oid)
                        .map((rs, ctx) -> new ColumnSchema(
                                rs.getString("attname"),
                                new PgType(
                                        rs.getString("type_schema"),
                                        rs.getString("typname"),
                                        rs.getString("typcategory").charAt(0),
                                        rs.getString("operator_schema")),
                                rs.getBoolean("nullable")))
                        .list();
                List<String> primaryKey = handle.createQuery(PRIMARY_KEY)
                        .bind("oid", oid)
                        .mapTo(String.class)
                        .list();
                found.add(new TableSchema(name, columns, primaryKey, (Boolean) table.get()[1]));
            }
            return SchemaDescription.of(found);
        });
    }
}
