package dev.nizhal.domain.cursor;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

/** Which strings a token shows, in any encoding a codec might use for them. */
final class Revealed {
    private Revealed() {}

    /**
     * The {@code secrets} that {@code token} shows: as text in the token itself, or in its decoded bytes as UTF-8,
     * UTF-16 (either byte order), base64 text, the raw bytes of a hex string (such as the plan hash) or of a UUID.
     */
    static List<String> in(String token, List<String> secrets) {
        byte[] bytes = Base64.getUrlDecoder().decode(token);
        List<String> found = new ArrayList<>();
        for (String secret : secrets) {
            if (token.contains(secret) || forms(secret).stream().anyMatch(form -> contains(bytes, form))) {
                found.add(secret);
            }
        }
        return found;
    }

    private static List<byte[]> forms(String secret) {
        List<byte[]> forms = new ArrayList<>();
        byte[] utf8 = secret.getBytes(StandardCharsets.UTF_8);
        forms.add(utf8);
        forms.add(secret.getBytes(StandardCharsets.UTF_16BE));
        forms.add(secret.getBytes(StandardCharsets.UTF_16LE));
        forms.add(Base64.getEncoder().withoutPadding().encodeToString(utf8).getBytes(StandardCharsets.US_ASCII));
        forms.add(Base64.getUrlEncoder().withoutPadding().encodeToString(utf8).getBytes(StandardCharsets.US_ASCII));
        if (secret.length() % 2 == 0 && secret.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            forms.add(HexFormat.of().parseHex(secret));
        }
        try {
            UUID uuid = UUID.fromString(secret);
            forms.add(ByteBuffer.allocate(16)
                    .putLong(uuid.getMostSignificantBits())
                    .putLong(uuid.getLeastSignificantBits())
                    .array());
        } catch (IllegalArgumentException notAUuid) {
            // only UUIDs have this form
        }
        return forms;
    }

    private static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }
}
