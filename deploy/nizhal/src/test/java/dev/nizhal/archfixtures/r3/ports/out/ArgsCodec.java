package dev.nizhal.archfixtures.r3.ports.out;

/** A driven port, which adapters may implement. */
public interface ArgsCodec {
    String encode(Object value);
}
