package dev.nizhal.adapters.json;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.nizhal.adapters.json.ArgsFixtures.AddNote;
import dev.nizhal.adapters.json.ArgsFixtures.PlaceOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The published JSON Schema of args records, read back as a tree and checked keyword by keyword. */
class JacksonArgsCodecSchemaTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final JacksonArgsCodec codec = new JacksonArgsCodec();

    @Test
    void addNoteSchema() throws Exception {
        String text = codec.jsonSchema(AddNote.class);
        assertThat(text).doesNotContain("\n").doesNotContain(": ");
        JsonNode schema = JSON.readTree(text);

        assertThat(schema.path("$schema").asText()).isEqualTo("https://json-schema.org/draft/2020-12/schema");
        assertThat(schema.path("type").asText()).isEqualTo("object");
        assertThat(names(schema.path("properties"))).containsExactlyInAnyOrder("id", "body");
        assertThat(texts(schema.path("required"))).containsExactly("body");
        assertThat(schema.path("additionalProperties").isBoolean()).isTrue();
        assertThat(schema.path("additionalProperties").asBoolean()).isFalse();

        JsonNode body = schema.path("properties").path("body");
        assertThat(body.path("type").asText()).isEqualTo("string");
        assertThat(body.path("maxLength").asInt()).isEqualTo(10_000);

        // absent or null ids decode to null, so the schema lets a client send null
        JsonNode id = schema.path("properties").path("id");
        assertThat(texts(id.path("type"))).containsExactlyInAnyOrder("string", "null");
        assertThat(id.path("maxLength").asInt()).isEqualTo(64);
    }

    @Test
    void nestedRecordsListsMapsAndConstraints() throws Exception {
        JsonNode schema = JSON.readTree(codec.jsonSchema(PlaceOrder.class));
        JsonNode properties = schema.path("properties");

        assertThat(names(properties))
                .containsExactlyInAnyOrder("lines", "tags", "color", "version", "listId", "express", "ratio", "code");
        // @NotNull and primitives are required; everything else may be left out
        assertThat(texts(schema.path("required"))).containsExactlyInAnyOrder("lines", "version", "ratio");
        assertThat(schema.path("additionalProperties").asBoolean(true)).isFalse();

        JsonNode lines = properties.path("lines");
        assertThat(lines.path("type").asText()).isEqualTo("array");
        assertThat(lines.path("maxItems").asInt()).isEqualTo(3);
        JsonNode line = lines.path("items");
        assertThat(line.path("type").asText()).isEqualTo("object");
        assertThat(line.path("additionalProperties").asBoolean(true)).isFalse();
        assertThat(texts(line.path("required"))).containsExactlyInAnyOrder("sku", "qty", "price");
        assertThat(line.path("properties").path("sku").path("minLength").asInt())
                .isEqualTo(1);
        assertThat(line.path("properties").path("sku").path("maxLength").asInt())
                .isEqualTo(5);
        assertThat(line.path("properties").path("qty").path("type").asText()).isEqualTo("integer");
        assertThat(line.path("properties").path("qty").path("minimum").asInt()).isEqualTo(1);
        assertThat(line.path("properties").path("qty").path("maximum").asInt()).isEqualTo(99);
        assertThat(line.path("properties").path("price").path("type").asText()).isEqualTo("number");

        JsonNode tags = properties.path("tags");
        assertThat(texts(tags.path("type"))).containsExactlyInAnyOrder("object", "null");
        assertThat(tags.path("additionalProperties").path("type").asText()).isEqualTo("string");
        assertThat(tags.path("additionalProperties").path("maxLength").asInt()).isEqualTo(3);

        assertThat(properties.path("version").path("type").asText()).isEqualTo("integer");
        assertThat(properties.path("ratio").path("type").asText()).isEqualTo("number");
        assertThat(texts(properties.path("express").path("type"))).containsExactlyInAnyOrder("boolean", "null");
        assertThat(properties.path("listId").path("format").asText()).isEqualTo("uuid");
        assertThat(properties.path("code").path("pattern").asText()).isEqualTo("[a-z]+");
        assertThat(properties.path("color").toString()).contains("[\"RED\",\"GREEN\"]");
    }

    @Test
    void schemasAreStableAcrossCallsAndCodecs() {
        assertThat(codec.jsonSchema(AddNote.class))
                .isEqualTo(codec.jsonSchema(AddNote.class))
                .isEqualTo(new JacksonArgsCodec().jsonSchema(AddNote.class));
    }

    private static List<String> names(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** A JSON string or an array of strings, as a list. */
    private static List<String> texts(JsonNode node) {
        List<String> texts = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(element -> texts.add(element.asText()));
        } else if (!node.isMissingNode()) {
            texts.add(node.asText());
        }
        return texts;
    }
}
