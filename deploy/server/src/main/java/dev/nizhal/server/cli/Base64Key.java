package dev.nizhal.server.cli;

import java.util.Base64;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * A secret key given as base64 of at least 32 bytes. Its value never appears in a message or in {@link #toString()}.
 */
final class Base64Key {
    static final int MIN_BYTES = 32;

    private final byte[] bytes;

    private Base64Key(byte[] bytes) {
        this.bytes = bytes;
    }

    byte[] bytes() {
        return bytes.clone();
    }

    @Override
    public String toString() {
        return "Base64Key[" + bytes.length + " bytes]";
    }

    /**
     * @throws TypeConversionException when the text is not base64 or decodes to fewer than 32 bytes
     */
    static Base64Key parse(String text) {
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(text.trim());
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException("not valid base64 (the value is not shown)");
        }
        if (bytes.length < MIN_BYTES) {
            throw new TypeConversionException("needs base64 of at least " + MIN_BYTES + " bytes, has " + bytes.length
                    + " (make one with: openssl rand -base64 32)");
        }
        return new Base64Key(bytes);
    }

    /** For picocli. */
    static final class Converter implements ITypeConverter<Base64Key> {
        @Override
        public Base64Key convert(String value) {
            return parse(value);
        }
    }
}
