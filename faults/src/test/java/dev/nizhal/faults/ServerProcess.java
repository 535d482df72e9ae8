package dev.nizhal.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A real {@code nizhal serve} of {@link FaultApp} in a child JVM (the CLI's main class on the test class path), on
 * a database the test keeps, always on the same loopback port so that clients find it again after a restart. {@link
 * #kill()} is {@code kill -9} ({@link Process#destroyForcibly()}): no shutdown hook, no graceful stop.
 */
final class ServerProcess implements AutoCloseable {
    private static final String MAIN = "dev.nizhal.server.cli.NizhalCli";

    private final String jdbcUrl;
    private final String user;
    private final String password;
    private final byte[] cursorKey;
    private final byte[] jwtSecret;
    private final Path log;
    private final List<String> jvmOptions;
    private final int port;
    private Process process;
    private int starts;

    /**
     * @param log the file the child's output goes to (appended across restarts)
     * @param jvmOptions extra options for the child JVM (system properties)
     */
    ServerProcess(
            String jdbcUrl,
            String user,
            String password,
            byte[] cursorKey,
            byte[] jwtSecret,
            Path log,
            List<String> jvmOptions) {
        this.jdbcUrl = jdbcUrl;
        this.user = user;
        this.password = password;
        this.cursorKey = cursorKey.clone();
        this.jwtSecret = jwtSecret.clone();
        this.log = log;
        this.jvmOptions = List.copyOf(jvmOptions);
        this.port = freePort();
    }

    /**
     * A server on {@code jdbcUrl} with a new random cursor key and HS256 secret ({@link #jwtSecret()} signs the
     * clients' tokens), logging to {@code logName} in the suite's report folder.
     */
    static ServerProcess withNewKeys(
            String jdbcUrl, String user, String password, String logName, List<String> jvmOptions) {
        byte[] cursorKey = new byte[32];
        byte[] jwtSecret = new byte[32];
        new SecureRandom().nextBytes(cursorKey);
        new SecureRandom().nextBytes(jwtSecret);
        return new ServerProcess(
                jdbcUrl, user, password, cursorKey, jwtSecret, FaultReport.dir().resolve(logName), jvmOptions);
    }

    byte[] jwtSecret() {
        return jwtSecret.clone();
    }

    URI base() {
        return URI.create("http://127.0.0.1:" + port + "/");
    }

    int starts() {
        return starts;
    }

    /** Starts the child and returns once {@code /nizhal/health} answers 200; fails with the log's tail otherwise. */
    void start(Duration timeout) {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("the server is already running");
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of("-Xmx384m", "-XX:+UseSerialGC", "-XX:-UsePerfData", "-Xshare:auto"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", testClassPath(), MAIN, "serve", "--app", FaultApp.class.getName()));
        command.addAll(List.of("--host", "127.0.0.1", "--port", Integer.toString(port)));
        command.addAll(List.of("--jdbc-url", jdbcUrl, "--jdbc-user", user));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(k -> k.startsWith("NIZHAL_"));
        env.put("NIZHAL_CURSOR_KEY", Base64.getEncoder().encodeToString(cursorKey));
        env.put("NIZHAL_JWT_SECRET", Base64.getEncoder().encodeToString(jwtSecret));
        if (password != null && !password.isEmpty()) {
            env.put("NIZHAL_JDBC_PASSWORD", password);
        }
        try {
            Files.createDirectories(log.getParent());
            Files.writeString(
                    log,
                    "\n==== start " + (starts + 1) + " ====\n",
                    StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + command, e);
        }
        starts++;
        SyncHttp probe = new SyncHttp(base(), Duration.ofSeconds(5));
        long deadline = System.nanoTime() + timeout.toNanos();
        while (probe.status("nizhal/health") != 200) {
            if (!process.isAlive()) {
                throw new IllegalStateException(
                        "nizhal serve exited with " + process.exitValue() + " before it was healthy:\n" + logTail());
            }
            if (System.nanoTime() - deadline > 0) {
                kill();
                throw new IllegalStateException("nizhal serve not healthy within " + timeout + ":\n" + logTail());
            }
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
        }
    }

    /** kill -9, and waits until the process is gone (its port closed by the kernel). */
    void kill() {
        if (process == null) {
            return;
        }
        process.destroyForcibly();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the server process survived kill -9 for 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    /** The last lines of the child's output, for failure messages. */
    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        kill();
    }

    /** The test JVM's class path (failsafe runs it from a manifest-only jar and names the real one here). */
    private static String testClassPath() {
        String classPath = System.getProperty("surefire.test.class.path");
        return classPath != null && !classPath.isBlank() ? classPath : System.getProperty("java.class.path");
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
