package dev.nizhal.bench.jmh;

import java.io.OutputStream;

/** An output stream that keeps only the count of bytes written: a response's body without the copy into memory. */
final class CountingSink extends OutputStream {
    private long count;

    @Override
    public void write(int b) {
        count++;
    }

    @Override
    public void write(byte[] b, int off, int len) {
        count += len;
    }

    /** The bytes written since the last call, and starts counting again. */
    long take() {
        long n = count;
        count = 0;
        return n;
    }
}
