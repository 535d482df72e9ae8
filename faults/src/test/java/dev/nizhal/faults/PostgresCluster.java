package dev.nizhal.faults;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A PostgreSQL of the test's own that it can stop and start again on the same data folder and port, as an operator
 * (or a crash) would. zonky starts it each time ({@code initdb} only the first time: the folder is kept) through
 * {@code pg_ctl}; a fast stop is zonky's ({@code pg_ctl stop -m fast}), an immediate
 * stop is what {@code pg_ctl stop -m immediate} does: SIGQUIT to the postmaster, which ends every backend without a
 * checkpoint, so the next start runs crash recovery. (zonky runs {@code pg_ctl} through {@code unshare -U} when it
 * runs as root, which PostgreSQL refuses otherwise.) Durable like a real one ({@code fsync}, {@code full_page_writes}
 * and synchronous commits on).
 */
final class PostgresCluster implements AutoCloseable {
    /** How {@code pg_ctl stop} stops: {@code fast} (clients disconnected, clean) or {@code immediate} (a crash). */
    enum StopMode {
        FAST,
        IMMEDIATE
    }

    private final Path dataDir;
    private final int port;
    private EmbeddedPostgres postgres;

    private PostgresCluster(Path dataDir, int port) {
        this.dataDir = dataDir;
        this.port = port;
    }

    /** Creates a cluster in a new folder under {@code parent} and starts it. */
    static PostgresCluster create(Path parent) {
        PostgresCluster cluster = new PostgresCluster(parent.resolve("pgdata"), freePort());
        cluster.start();
        return cluster;
    }

    String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    /** Starts the server on the kept folder and port, and waits until it accepts connections (after recovery). */
    void start() {
        if (postgres != null) {
            throw new IllegalStateException("already running");
        }
        try {
            postgres = EmbeddedPostgres.builder()
                    // a working folder of its own: at every start zonky looks for stale data folders in its working
                    // folder and opens their lock files, and a JVM that opens and closes a file it holds a lock on
                    // loses that lock (POSIX): in the shared folder, this JVM's test database (TestServer) would
                    // then look stale to a zonky of another JVM, which stops and deletes it
                    .setOverrideWorkingDirectory(dataDir.resolveSibling("zonky").toFile())
                    .setDataDirectory(dataDir)
                    .setCleanDataDirectory(false)
                    .setRegisterShutdownHook(false)
                    .setPort(port)
                    .setPGStartupWait(Duration.ofSeconds(120))
                    .setServerConfig("fsync", "on")
                    .setServerConfig("full_page_writes", "on")
                    .setServerConfig("synchronous_commit", "on")
                    .setServerConfig("listen_addresses", "127.0.0.1")
                    .setServerConfig("log_destination", "stderr")
                    .setOutputRedirector(ProcessBuilder.Redirect.appendTo(
                            dataDir.resolveSibling("postgres.log").toFile()))
                    .setErrorRedirector(ProcessBuilder.Redirect.appendTo(
                            dataDir.resolveSibling("postgres.log").toFile()))
                    .start();
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("PostgreSQL did not start on " + dataDir + ":\n" + serverLogTail(), e);
        }
    }

    /**
     * Stops as {@code pg_ctl stop -m fast|immediate} does, and waits until the postmaster is gone. Fast: zonky's
     * stop (sessions ended, a shutdown checkpoint). Immediate: SIGQUIT to the postmaster (no checkpoint: a crash).
     */
    void stop(StopMode mode) {
        if (postgres == null) {
            throw new IllegalStateException("not running");
        }
        long pid = postmasterPid();
        try {
            if (mode == StopMode.FAST) {
                postgres.close();
            } else {
                Process kill = new ProcessBuilder("kill", "-QUIT", Long.toString(pid))
                        .redirectErrorStream(true)
                        .start();
                if (!kill.waitFor(30, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                    throw new IllegalStateException("kill -QUIT " + pid + " failed");
                }
            }
            Optional<ProcessHandle> postmaster = ProcessHandle.of(pid);
            if (postmaster.isPresent()) {
                postmaster.get().onExit().get(120, TimeUnit.SECONDS);
            }
            if (mode == StopMode.IMMEDIATE) {
                // zonky's close() would run pg_ctl stop against the dead server (and log its failure); its lock file
                // is still locked by this JVM, so the next start locks a new file of the same name instead
                Files.deleteIfExists(dataDir.resolve("epg-lock"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("PostgreSQL (pid " + pid + ") did not stop (" + mode + ") in 120 s", e);
        }
        postgres = null;
    }

    private long postmasterPid() {
        try {
            return Long.parseLong(Files.readAllLines(dataDir.resolve("postmaster.pid"), StandardCharsets.US_ASCII)
                    .get(0)
                    .trim());
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read the postmaster's pid in " + dataDir, e);
        }
    }

    String serverLogTail() {
        try {
            List<String> lines = Files.readAllLines(dataDir.resolveSibling("postgres.log"), StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no server log)";
        }
    }

    /** Stops the server if it runs; the folder is the test's temporary folder, which JUnit deletes. */
    @Override
    public void close() {
        if (postgres != null) {
            stop(StopMode.IMMEDIATE);
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
