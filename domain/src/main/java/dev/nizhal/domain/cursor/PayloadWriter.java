package dev.nizhal.domain.cursor;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Writes the compact binary fields of a cursor payload; {@link PayloadReader} reads them back. */
final class PayloadWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(256);

    PayloadWriter u8(int value) {
        out.write(value);
        return this;
    }

    /** Unsigned LEB128: 7 bits a byte, low bits first, high bit set on every byte but the last. */
    PayloadWriter varint(long value) {
        long rest = value;
        while ((rest & ~0x7FL) != 0) {
            out.write((int) ((rest & 0x7F) | 0x80));
            rest >>>= 7;
        }
        out.write((int) rest);
        return this;
    }

    /** A signed value, zig-zag mapped so that small negative numbers stay short too. */
    PayloadWriter zigzag(long value) {
        return varint((value << 1) ^ (value >> 63));
    }

    PayloadWriter bytes(byte[] value) {
        varint(value.length);
        out.writeBytes(value);
        return this;
    }

    /** Length-prefixed UTF-8; the caller guarantees a well-formed string, so the encoding is exact. */
    PayloadWriter string(String value) {
        return bytes(value.getBytes(StandardCharsets.UTF_8));
    }

    byte[] toByteArray() {
        return out.toByteArray();
    }
}
