package dev.nizhal.bench;

import dev.nizhal.adapters.jwt.HmacTokenIssuer;
import dev.nizhal.adapters.jwt.Issuer;
import dev.nizhal.adapters.jwt.KeySource;
import dev.nizhal.server.cli.NizhalCli;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code nizhal serve} of the demo apps in a JVM of its own (the bench's class path, {@code -Xmx} given), so that its
 * heap holds only the server: the fan-out measure reads it with {@code jcmd}. Its output goes to a log file.
 */
final class ServerProcess implements AutoCloseable {
    private static final Pattern SERVING = Pattern.compile("nizhal: serving \\S+ on (http://\\S+/) with");
    /** The first "used" of {@code GC.heap_info}: the whole Java heap's (G1, Parallel and Serial all print it so). */
    private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");

    private final Process process;
    private final URI uri;
    private final HmacTokenIssuer tokens;
    private final Path log;

    private ServerProcess(Process process, URI uri, HmacTokenIssuer tokens, Path log) {
        this.process = process;
        this.uri = uri;
        this.tokens = tokens;
        this.log = log;
    }

    /**
     * Starts the server on {@code database} with a heap of at most {@code maxHeap} (a {@code -Xmx} value) and waits
     * until it listens.
     */
    static ServerProcess start(BenchDatabase database, String maxHeap, Path log) throws IOException {
        byte[] jwtSecret = BenchServer.random();
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + maxHeap,
                "-cp",
                System.getProperty("java.class.path"),
                NizhalCli.class.getName()));
        command.addAll(List.of(BenchServer.serveArguments(database.jdbcUrl(), BenchServer.random(), jwtSecret)));
        Files.createDirectories(log.toAbsolutePath().getParent());
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        Issuer issuer = Issuer.builder(KeySource.hmacSecret(jwtSecret))
                .issuer(BenchServer.ISSUER)
                .audience(BenchServer.ISSUER)
                .build();
        Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
        try {
            while (Instant.now().isBefore(deadline)) {
                Matcher serving = SERVING.matcher(Files.readString(log, StandardCharsets.UTF_8));
                if (serving.find()) {
                    return new ServerProcess(
                            process, URI.create(serving.group(1)), new HmacTokenIssuer(issuer, Instant::now), log);
                }
                if (!process.isAlive()) {
                    break;
                }
                Thread.sleep(100);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process.destroyForcibly();
        throw new IllegalStateException("the server process did not start; its output (" + log + "):\n"
                + Files.readString(log, StandardCharsets.UTF_8));
    }

    URI uri(String path) {
        return uri.resolve(path);
    }

    /** {@code ws://host:port/path}. */
    URI webSocket(String path) {
        return URI.create("ws" + uri.toString().substring("http".length())).resolve(path);
    }

    /** A token of {@code user} for the length of a run. */
    String token(String user) {
        return tokens.sign(user, Duration.ofHours(2));
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process.isAlive();
    }

    /** The used Java heap, in bytes, right after a full collection ({@code jcmd GC.run}, then {@code GC.heap_info}). */
    long heapAfterFullGc() throws IOException, InterruptedException {
        jcmd("GC.run");
        String info = jcmd("GC.heap_info");
        Matcher used = HEAP_USED.matcher(info);
        if (!used.find()) {
            throw new IllegalStateException("no heap figure in jcmd GC.heap_info:\n" + info);
        }
        return Long.parseLong(used.group(1)) * 1024;
    }

    /** The process's resident memory (VmRSS), in bytes, or -1 where /proc does not tell it. */
    long residentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux, or the process is gone
        }
        return -1;
    }

    private String jcmd(String command) throws IOException, InterruptedException {
        Process jcmd = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                        Long.toString(process.pid()),
                        command)
                .redirectErrorStream(true)
                .start();
        String out = new String(jcmd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!jcmd.waitFor(2, TimeUnit.MINUTES) || jcmd.exitValue() != 0) {
            throw new IllegalStateException("jcmd " + command + " failed: " + out);
        }
        return out;
    }

    /** Where the server's output went. */
    Path log() {
        return log;
    }

    /** Stops the server as Ctrl+C would (its shutdown hook closes the sockets with 1001), then for good. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
