package dev.nizhal.ports.out;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RowValuesTest {
    private static final List<String> NAMES = List.of("id", "body", "owner_id", "updated_at");

    private static RowValues row() {
        return new RowValues(NAMES, new Object[] {"n1", null, "u1", 42});
    }

    @Test
    void isTheOrderedMapOfItsNamesAndValues() {
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("id", "n1");
        expected.put("body", null);
        expected.put("owner_id", "u1");
        expected.put("updated_at", 42);

        RowValues row = row();

        assertThat(row).isEqualTo(expected);
        assertThat(expected).isEqualTo(row);
        assertThat(row.hashCode()).isEqualTo(expected.hashCode());
        assertThat(new ArrayList<>(row.keySet())).containsExactly("id", "body", "owner_id", "updated_at");
        assertThat(new ArrayList<>(row.values())).containsExactly("n1", null, "u1", 42);
        assertThat(row).hasSize(4);
        assertThat(row.toString()).isEqualTo(expected.toString());
    }

    @Test
    void readsByNameAndByPosition() {
        RowValues row = row();

        assertThat(row.get("owner_id")).isEqualTo("u1");
        assertThat(row.get("body")).isNull();
        assertThat(row.containsKey("body")).isTrue();
        assertThat(row.get("missing")).isNull();
        assertThat(row.containsKey("missing")).isFalse();
        assertThat(row.name(3)).isEqualTo("updated_at");
        assertThat(row.value(3)).isEqualTo(42);
        assertThat(row.names()).isSameAs(NAMES);
        assertThat(row.containsValue(null)).isTrue();
        assertThat(row.containsValue("u1")).isTrue();
        assertThat(row.containsValue("u2")).isFalse();
    }

    @Test
    void cannotBeChanged() {
        RowValues row = row();

        assertThatThrownBy(() -> row.put("id", "n2")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> row.remove("id")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(row::clear).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> row.entrySet().iterator().next().setValue("n2"))
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> {
                    var it = row.entrySet().iterator();
                    it.next();
                    it.remove();
                })
                .isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> row.keySet().remove("id")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> row.values().clear()).isInstanceOf(UnsupportedOperationException.class);
        Object[] cells = row.cells();
        cells[0] = "n2";
        assertThat(row.get("id")).isEqualTo("n1");
    }

    @Test
    void isNotEqualToAMapWithOtherEntries() {
        Map<String, Object> other = new LinkedHashMap<>(row());
        other.put("body", "a body");
        Map<String, Object> missing = new LinkedHashMap<>(row());
        missing.remove("body");
        missing.put("other", null);

        assertThat(row()).isNotEqualTo(other).isNotEqualTo(missing).isNotEqualTo(List.of());
        assertThat(row()).isEqualTo(row());
    }

    @Test
    void refusesValuesThatDoNotFitItsNames() {
        assertThatThrownBy(() -> new RowValues(NAMES, new Object[] {"n1"}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("4 columns")
                .hasMessageContaining("1 values");
    }
}
