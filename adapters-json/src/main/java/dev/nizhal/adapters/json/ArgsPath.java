package dev.nizhal.adapters.json;

import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonMappingException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The path of a problem inside the args, as clients see it in {@code details.errors[].path}: property names joined
 * with dots, array indexes in brackets ({@code items[2].qty}); a name that is not a plain identifier is quoted as a
 * JSON string in brackets ({@code tags["a.b"]}); the args object itself is the empty path. Map keys are written like
 * property names because on the wire they are.
 */
final class ArgsPath {
    private static final Pattern PLAIN_NAME = Pattern.compile("[A-Za-z_$][A-Za-z0-9_$]*");

    private final StringBuilder text = new StringBuilder();

    static final String ROOT = "";

    ArgsPath property(String name) {
        if (PLAIN_NAME.matcher(name).matches()) {
            if (!text.isEmpty()) {
                text.append('.');
            }
            text.append(name);
        } else {
            text.append("[\"")
                    .append(JsonStringEncoder.getInstance().quoteAsString(name))
                    .append("\"]");
        }
        return this;
    }

    ArgsPath index(int index) {
        text.append('[').append(index).append(']');
        return this;
    }

    @Override
    public String toString() {
        return text.toString();
    }

    /** The path a databind exception collected while it propagated out of nested deserializers. */
    static String of(List<JsonMappingException.Reference> references) {
        ArgsPath path = new ArgsPath();
        for (JsonMappingException.Reference reference : references) {
            if (reference.getFieldName() != null) {
                path.property(reference.getFieldName());
            } else if (reference.getIndex() >= 0) {
                path.index(reference.getIndex());
            }
        }
        return path.toString();
    }

    /** Where a streaming parser stands: used for syntax errors, which happen below databind and carry no path. */
    static String of(JsonStreamContext context) {
        Deque<Object> segments = new ArrayDeque<>();
        for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
            if (c.inArray()) {
                segments.addFirst(c.getCurrentIndex());
            } else if (c.getCurrentName() != null) {
                segments.addFirst(c.getCurrentName());
            }
        }
        ArgsPath path = new ArgsPath();
        for (Object segment : segments) {
            if (segment instanceof Integer index) {
                path.index(index);
            } else {
                path.property((String) segment);
            }
        }
        return path.toString();
    }
}
