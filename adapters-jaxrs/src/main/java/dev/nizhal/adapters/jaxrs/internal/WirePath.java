package dev.nizhal.adapters.jaxrs.internal;

import java.util.regex.Pattern;

/**
 * Paths into a request body, written like the args codec's: dotted names, indexes in brackets, and names that are not
 * plain identifiers quoted in brackets ({@code mutations[0].args["a.b"]}). A name comes from the client, so it is cut
 * short and stripped of characters that are not text before it is echoed back.
 */
final class WirePath {
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_$][A-Za-z0-9_$]*");
    static final int MAX_NAME_IN_PATH = 64;

    private WirePath() {}

    static String property(String parent, String name) {
        if (IDENTIFIER.matcher(name).matches() && name.length() <= MAX_NAME_IN_PATH) {
            return parent.isEmpty() ? name : parent + "." + name;
        }
        return parent + "[\"" + quoted(name) + "\"]";
    }

    static String index(String parent, int index) {
        return parent + "[" + index + "]";
    }

    private static String quoted(String name) {
        StringBuilder out = new StringBuilder();
        int length = 0;
        for (int i = 0; i < name.length(); i++) {
            if (length == MAX_NAME_IN_PATH) {
                out.append("...");
                break;
            }
            char c = name.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < name.length() && Character.isLowSurrogate(name.charAt(i + 1))) {
                out.append(c).append(name.charAt(++i));
            } else if (Character.isSurrogate(c) || Character.isISOControl(c)) {
                out.append('\uFFFD'); // not echoed: a NUL or half a character is exactly what is being reported
            } else if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else {
                out.append(c);
            }
            length++;
        }
        return out.toString();
    }
}
