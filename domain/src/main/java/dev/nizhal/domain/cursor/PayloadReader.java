package dev.nizhal.domain.cursor;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Reads what {@link PayloadWriter} wrote, refusing anything it could not have written. Every length and count read
 * from the payload is checked against the bytes that remain before anything is allocated, so a forged length cannot
 * make the server allocate more than the token's own size.
 *
 * <p>Every read throws {@link MalformedPayloadException} when the bytes are not what the writer would have written;
 * {@link CursorCodec#verify} catches it.
 */
final class PayloadReader {
    private final byte[] buffer;
    private final int end;
    private int position;

    PayloadReader(byte[] buffer, int offset, int end) {
        this.buffer = buffer;
        this.position = offset;
        this.end = end;
    }

    int remaining() {
        return end - position;
    }

    int u8() {
        if (position >= end) {
            throw new MalformedPayloadException("truncated");
        }
        return buffer[position++] & 0xFF;
    }

    /** An unsigned LEB128 of at most 64 bits, in its shortest form (the writer never pads). */
    long varint() {
        long value = 0;
        for (int shift = 0; ; shift += 7) {
            int b = u8();
            if (shift == 63 && b > 1) {
                throw new MalformedPayloadException("varint overflows 64 bits");
            }
            value |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                if (b == 0 && shift > 0) {
                    throw new MalformedPayloadException("varint not in its shortest form");
                }
                return value;
            }
        }
    }

    /** A varint that must fit a non-negative {@code long}. */
    long nonNegative() {
        long value = varint();
        if (value < 0) {
            throw new MalformedPayloadException("value out of range");
        }
        return value;
    }

    /** A varint that must be in {@code [0, max]}. */
    int intAtMost(int max) {
        long value = varint();
        if (value < 0 || value > max) {
            throw new MalformedPayloadException("value out of range");
        }
        return (int) value;
    }

    long zigzag() {
        long value = varint();
        return (value >>> 1) ^ -(value & 1);
    }

    /** A count of items that each take at least {@code minBytesEach} bytes, so it cannot exceed what remains. */
    int count(int minBytesEach) {
        return intAtMost(remaining() / minBytesEach);
    }

    byte[] bytes() {
        int length = length();
        byte[] value = Arrays.copyOfRange(buffer, position, position + length);
        position += length;
        return value;
    }

    /** Length-prefixed UTF-8, strictly: malformed sequences, overlong forms and encoded surrogates are refused. */
    String string() {
        int length = length();
        try {
            String value = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(buffer, position, length))
                    .toString();
            position += length;
            return value;
        } catch (CharacterCodingException e) {
            throw new MalformedPayloadException("string is not UTF-8");
        }
    }

    /**
     * A length prefix, at most what remains after it. (What remains is measured after the prefix is read: measured
     * before, a length could reach past the payload by the prefix's own size.)
     */
    private int length() {
        long length = varint();
        if (length < 0 || length > remaining()) {
            throw new MalformedPayloadException("length beyond the payload");
        }
        return (int) length;
    }

    void expectEnd() {
        if (position != end) {
            throw new MalformedPayloadException("trailing bytes");
        }
    }
}
