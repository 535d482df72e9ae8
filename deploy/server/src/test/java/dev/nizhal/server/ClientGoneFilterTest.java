package dev.nizhal.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.logging.Filter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.eclipse.jetty.io.EofException;
import org.junit.jupiter.api.Test;

/**
 * What {@link NizhalServer#droppingClientGone} drops from Jersey's log: a write that failed because the client's
 * socket went away, and nothing else. {@link ClientGoneIT} shows it on a real server.
 */
class ClientGoneFilterTest {

    private static LogRecord severe(Throwable thrown) {
        LogRecord record = new LogRecord(Level.SEVERE, "An I/O error has occurred while writing a response");
        record.setThrown(thrown);
        return record;
    }

    @Test
    void aWriteThatFailedOnAResetOrClosedSocketIsDropped() {
        Filter filter = NizhalServer.droppingClientGone(null);

        // as Jersey logs it: its own wrapper around Jetty's EofException around the socket's failure
        assertThat(filter.isLoggable(
                        severe(new RuntimeException(new EofException(new IOException("Connection reset by peer"))))))
                .isFalse();
        assertThat(filter.isLoggable(severe(new EofException(new IOException("Broken pipe")))))
                .isFalse();
    }

    @Test
    void everyOtherRecordPassesAnEofExceptionOfTheServersOwnMakingToo() {
        Filter filter = NizhalServer.droppingClientGone(null);

        assertThat(filter.isLoggable(new LogRecord(Level.WARNING, "no exception")))
                .isTrue();
        // Jetty's "Closed": a write to an output the server had closed already, with no failed socket under it
        assertThat(filter.isLoggable(severe(new RuntimeException(new EofException("Closed")))))
                .isTrue();
        assertThat(filter.isLoggable(severe(new IllegalStateException("a bug", new IOException("disk")))))
                .isTrue();
        // a socket failure that Jetty did not report as the end of the connection
        assertThat(filter.isLoggable(severe(new IOException("Broken pipe")))).isTrue();
    }

    @Test
    void theFilterThatWasThereBeforeStillDecidesTheOtherRecords() {
        Filter filter =
                NizhalServer.droppingClientGone(record -> !record.getMessage().contains("hidden"));

        assertThat(filter.isLoggable(new LogRecord(Level.INFO, "hidden by the previous filter")))
                .isFalse();
        assertThat(filter.isLoggable(new LogRecord(Level.INFO, "shown"))).isTrue();
        assertThat(filter.isLoggable(severe(new EofException(new IOException("Broken pipe")))))
                .isFalse();
    }

    @Test
    void aCauseChainThatLoopsEnds() {
        RuntimeException a = new RuntimeException("a");
        RuntimeException b = new RuntimeException("b", a);
        a.initCause(b);

        assertThat(NizhalServer.clientGone(a)).isNull();
        assertThat(NizhalServer.clientGone(null)).isNull();
    }
}
