package dev.nizhal.faults;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A PostgreSQL of the test's own that it can stop and start again on the same data folder and port, as an operator
 * (or a crash) would: zonky unpacks the binaries and runs {@code initdb}; from then on {@code pg_ctl} starts and
 * stops the server. Durable like a real one ({@code fsync} and synchronous commits on), so that an immediate stop
 * is a crash that recovery must get through.
 */
final class PostgresCluster implements AutoCloseable {
    /** How {@code pg_ctl stop} stops: {@code fast} (clients disconnected, clean) or {@code immediate} (a crash). */
    enum StopMode {
        FAST,
        IMMEDIATE
    }

    private final Path dataDir;
    private final Path bin;
    private final int port;
    private boolean running;

    private PostgresCluster(Path dataDir, Path bin, int port) {
        this.dataDir = dataDir;
        this.bin = bin;
        this.port = port;
    }

    /** Creates a cluster in a new folder under {@code parent} and starts it. */
    static PostgresCluster create(Path parent) {
        Path dataDir = parent.resolve("pgdata");
        int port = freePort();
        Path bin;
        // zonky unpacks its binaries and initialises the folder; its own server is stopped at once
        try (EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                .setDataDirectory(dataDir)
                .setCleanDataDirectory(false)
                .setRegisterShutdownHook(false)
                .setPort(port)
                .start()) {
            String postgresBinary = postgres.getProcess()
                    .info()
                    .command()
                    .orElseThrow(() -> new IllegalStateException("cannot see where zonky's postgres binary is"));
            bin = Path.of(postgresBinary).getParent();
        } catch (IOException e) {
            throw new UncheckedIOException("zonky could not prepare PostgreSQL in " + dataDir, e);
        }
        PostgresCluster cluster = new PostgresCluster(dataDir, bin, port);
        cluster.start();
        return cluster;
    }

    String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    /** {@code pg_ctl start}, waiting until it accepts connections (after crash recovery, if any). */
    void start() {
        String options = "-p " + port + " -c listen_addresses=127.0.0.1 -c unix_socket_directories=''"
                + " -c fsync=on -c synchronous_commit=on -c full_page_writes=on -c max_connections=100";
        pgCtl(
                "-D",
                dataDir.toString(),
                "-w",
                "-t",
                "120",
                "-l",
                dataDir.resolve("server.log").toString(),
                "-o",
                options,
                "start");
        running = true;
    }

    /** {@code pg_ctl stop -m fast|immediate}, waiting until the server is gone. */
    void stop(StopMode mode) {
        pgCtl("-D", dataDir.toString(), "-w", "-t", "120", "-m", mode.name().toLowerCase(), "stop");
        running = false;
    }

    private void pgCtl(String... arguments) {
        List<String> command = new ArrayList<>();
        command.add(bin.resolve("pg_ctl").toString());
        command.addAll(List.of(arguments));
        try {
            Process process =
                    new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(150, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new IllegalStateException(command + " failed: " + output + "\n" + serverLogTail());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    String serverLogTail() {
        try {
            List<String> lines = Files.readAllLines(dataDir.resolve("server.log"), StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no server log)";
        }
    }

    /** Stops the server (immediately: its data is thrown away) and deletes the folder. */
    @Override
    public void close() {
        if (running) {
            stop(StopMode.IMMEDIATE);
        }
        try (Stream<Path> files = Files.walk(dataDir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary folder: JUnit's @TempDir cleans what is left
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
