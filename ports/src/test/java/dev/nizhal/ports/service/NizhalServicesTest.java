package dev.nizhal.ports.service;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.domain.mutator.MutationResult;
import dev.nizhal.domain.mutator.Mutators;
import dev.nizhal.domain.rules.lint.LintCode;
import dev.nizhal.domain.rules.lint.LintFinding;
import dev.nizhal.domain.schema.SchemaDescription;
import dev.nizhal.domain.testing.Fixtures;
import dev.nizhal.ports.fakes.FakeArgsCodec;
import dev.nizhal.ports.fakes.FakeSchemaCatalog;
import dev.nizhal.ports.in.DescribeContract;
import org.junit.jupiter.api.Test;

class NizhalServicesTest {

    record AddNote(String id, String body) {}

    private static final Mutators MUTATORS =
            Mutators.define(m -> m.mutator("addNote", AddNote.class, (ctx, args) -> MutationResult.of(args.id())));

    @Test
    void lintingReadsTheLiveSchemaThroughTheCatalog() {
        NizhalServices withSchema = services(Fixtures.seedSchema());
        NizhalServices withoutTodos = services(SchemaDescription.of(Fixtures.seedSchema().tables().values().stream()
                .filter(t -> !t.name().table().equals("todos"))
                .toList()));

        assertThat(withSchema.lintRules().lint().findings()).isEmpty();
        assertThat(withoutTodos.lintRules().lint().findings())
                .extracting(LintFinding::code, LintFinding::table)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(LintCode.UNKNOWN_TABLE, "todos"));
    }

    @Test
    void theContractNamesParametersCollectionsColumnTypesAndMutatorSchemas() {
        DescribeContract.Contract contract =
                services(Fixtures.seedSchema()).describeContract().describe();

        assertThat(contract.protocol()).isEqualTo(1);
        assertThat(contract.syncRules()).containsOnlyKeys("myNotes", "sharedLists", "announcements");
        DescribeContract.RuleContract shared = contract.syncRules().get("sharedLists");
        assertThat(shared.parameters()).containsExactly(new DescribeContract.ParameterContract("listId", "bigint"));
        assertThat(shared.collections()).containsOnlyKeys("lists", "todos");
        assertThat(shared.collections().get("todos").key()).containsExactly("id");
        assertThat(shared.collections().get("todos").columns())
                .containsEntry("id", "uuid")
                .containsEntry("done", "bool")
                .doesNotContainKey("due");
        assertThat(contract.mutatorArgsSchemas())
                .containsEntry("addNote", "{\"title\":\"AddNote\",\"properties\":[\"id\",\"body\"]}");
    }

    private static NizhalServices services(SchemaDescription schema) {
        return NizhalServices.create(NizhalServices.Config.builder(Fixtures.seedRules(), new FakeSchemaCatalog(schema))
                .mutators(MUTATORS)
                .argsCodec(new FakeArgsCodec())
                .build());
    }
}
