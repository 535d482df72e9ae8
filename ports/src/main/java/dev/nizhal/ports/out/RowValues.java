package dev.nizhal.ports.out;

import java.util.AbstractMap;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A row's synced values as an unmodifiable, ordered map: the column names are one list shared by every row of a
 * collection, the values one array per row. A page of 5,000 rows read into {@link java.util.LinkedHashMap}s held an
 * entry object per value and an unmodifiable view per row, and writing the page walked all of them; here a row is two
 * objects besides its values, and {@link #name(int)} and {@link #value(int)} read them by position. Values may be
 * null (SQL NULL). Equal to any map with the same entries, as {@link Map} says.
 *
 * @param names the column names, in order; the same (unmodifiable) list for every row of a collection
 * @param cells the values, in the order of {@code names}: taken, not copied (the caller hands the array over and does
 *     not change it afterwards); {@link #cells()} returns a copy
 */
public record RowValues(List<String> names, Object[] cells) implements Map<String, Object> {

    /** @throws IllegalArgumentException when the two differ in length */
    public RowValues {
        Objects.requireNonNull(names, "names");
        Objects.requireNonNull(cells, "cells");
        if (names.size() != cells.length) {
            throw new IllegalArgumentException(
                    "A row of " + names.size() + " columns cannot hold " + cells.length + " values");
        }
    }

    /** A copy of the values, in the order of {@link #names()}. */
    @Override
    public Object[] cells() {
        return cells.clone();
    }

    /** The name of column {@code i} (0-based). */
    public String name(int i) {
        return names.get(i);
    }

    /** The value of column {@code i} (0-based); null for SQL NULL. */
    public Object value(int i) {
        return cells[i];
    }

    @Override
    public int size() {
        return cells.length;
    }

    @Override
    public boolean isEmpty() {
        return cells.length == 0;
    }

    @Override
    public boolean containsKey(Object key) {
        return names.contains(key);
    }

    @Override
    public boolean containsValue(Object value) {
        for (Object cell : cells) {
            if (Objects.equals(cell, value)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public Object get(Object key) {
        int i = names.indexOf(key);
        return i < 0 ? null : cells[i];
    }

    @Override
    public Object put(String key, Object value) {
        throw unmodifiable();
    }

    @Override
    public Object remove(Object key) {
        throw unmodifiable();
    }

    @Override
    public void putAll(Map<? extends String, ?> m) {
        throw unmodifiable();
    }

    @Override
    public void clear() {
        throw unmodifiable();
    }

    /** The names, in order (a copy: a row never changes, so a copy is as good as a view). */
    @Override
    public Set<String> keySet() {
        return Collections.unmodifiableSequencedSet(new LinkedHashSet<>(names));
    }

    /** The values, in the order of {@link #names()}. */
    @Override
    public Collection<Object> values() {
        return Collections.unmodifiableList(Arrays.asList(cells));
    }

    /** The entries, in the order of {@link #names()} (a copy, as {@link #keySet()}). */
    @Override
    public Set<Map.Entry<String, Object>> entrySet() {
        LinkedHashSet<Map.Entry<String, Object>> entries = LinkedHashSet.newLinkedHashSet(cells.length);
        for (int i = 0; i < cells.length; i++) {
            entries.add(new AbstractMap.SimpleImmutableEntry<>(names.get(i), cells[i]));
        }
        return Collections.unmodifiableSequencedSet(entries);
    }

    /** As {@link Map#equals}: any map with the same entries. */
    @Override
    public boolean equals(Object o) {
        if (o == this) {
            return true;
        }
        if (!(o instanceof Map<?, ?> other) || other.size() != cells.length) {
            return false;
        }
        for (int i = 0; i < cells.length; i++) {
            Object cell = cells[i];
            if (cell == null
                    ? other.get(names.get(i)) != null || !other.containsKey(names.get(i))
                    : !cell.equals(other.get(names.get(i)))) {
                return false;
            }
        }
        return true;
    }

    /** As {@link Map#hashCode}: the sum of the entries' hash codes. */
    @Override
    public int hashCode() {
        int hash = 0;
        for (int i = 0; i < cells.length; i++) {
            hash += Objects.hashCode(names.get(i)) ^ Objects.hashCode(cells[i]);
        }
        return hash;
    }

    /** As a map prints itself: {@code {name=value, ...}}. */
    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("{");
        for (int i = 0; i < cells.length; i++) {
            if (i > 0) {
                text.append(", ");
            }
            text.append(names.get(i)).append('=').append(cells[i]);
        }
        return text.append('}').toString();
    }

    private static UnsupportedOperationException unmodifiable() {
        return new UnsupportedOperationException("a row's values cannot be changed");
    }
}
