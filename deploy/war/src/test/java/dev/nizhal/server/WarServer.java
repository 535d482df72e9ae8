package dev.nizhal.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * An application server process running one WAR at the root of a free port, started from the command line as a user
 * would: Open Liberty from its runtime zip ({@link #liberty}) or Payara Micro ({@link #payaraMicro}). A server that
 * does not come up fails the test with its log; it is never skipped.
 */
final class WarServer implements AutoCloseable {
    /** How long a server may take to serve the WAR. */
    static final Duration START_TIMEOUT = Duration.ofSeconds(180);

    private final String name;
    private final Process process;
    private final Path log;
    private final List<String> stop;
    private final Map<String, String> env;
    private final int port;
    private final Duration started;

    private WarServer(
            String name,
            Process process,
            Path log,
            List<String> stop,
            Map<String, String> env,
            int port,
            Duration started) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.stop = stop;
        this.env = env;
        this.port = port;
        this.started = started;
    }

    static Path serversDir() {
        return Path.of(System.getProperty("nizhal.servers.dir", "target/servers"));
    }

    static Path builtWar() {
        return Path.of(System.getProperty("nizhal.war"));
    }

    /**
     * Open Liberty (unpacked by the build into {@code servers/wlp}) with the repository's {@code server.xml}, the
     * PostgreSQL driver in the server's {@code lib/} and {@code war} as {@code apps/nizhal.war}.
     */
    static WarServer liberty(String name, Path war, Map<String, String> env) {
        Path wlp = serversDir().resolve("wlp");
        Path server = wlp.resolve("usr/servers").resolve(name);
        int port = freePort();
        try {
            Files.createDirectories(server.resolve("apps"));
            Files.createDirectories(server.resolve("lib"));
            Files.copy(
                    Path.of(System.getProperty("nizhal.liberty.config")),
                    server.resolve("server.xml"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.copy(
                    serversDir().resolve("postgresql.jar"),
                    server.resolve("lib/postgresql.jar"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.copy(war, server.resolve("apps/nizhal.war"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.writeString(server.resolve("bootstrap.properties"), "http.port=" + port + "\n");
            deleteRecursively(server.resolve("logs"));
            deleteRecursively(server.resolve("workarea"));
            // the LTPA keys an earlier run made with another password would refuse every sign-in
            deleteRecursively(server.resolve("resources"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String script = wlp.resolve("bin/server").toString();
        return start(
                name,
                List.of("bash", script, "run", name),
                List.of("bash", script, "stop", name),
                env,
                port,
                server.resolve("logs/messages.log"));
    }

    /**
     * Payara Micro with the repository's post-boot command file (the data source), the PostgreSQL driver added to
     * its class path and {@code war} deployed at the root.
     */
    static WarServer payaraMicro(String name, Path war, Map<String, String> env) {
        Path dir = serversDir();
        Path root = dir.resolve("payara-" + name);
        int port = freePort();
        deleteRecursively(root);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return start(
                name,
                List.of(
                        java,
                        "-jar",
                        dir.resolve("payara-micro.jar").toString(),
                        "--nocluster",
                        "--disablephonehome",
                        "--rootdir",
                        root.toString(),
                        "--port",
                        Integer.toString(port),
                        "--addlibs",
                        dir.resolve("postgresql.jar").toString(),
                        "--postbootcommandfile",
                        System.getProperty("nizhal.payara.config"),
                        "--deploy",
                        war.toString(),
                        "--contextroot",
                        "/"),
                null,
                env,
                port,
                null);
    }

    private static WarServer start(
            String name, List<String> command, List<String> stop, Map<String, String> env, int port, Path serverLog) {
        Path console = serversDir().resolve(name + ".console.log");
        ProcessBuilder builder =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(console.toFile());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().putAll(env);
        long begin = System.nanoTime();
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + ": " + command, e);
        }
        WarServer server = new WarServer(name, process, serverLog != null ? serverLog : console, stop, env, port, null);
        server.awaitServing(begin);
        Duration took = Duration.ofNanos(System.nanoTime() - begin);
        System.out.printf("%s: serving the WAR on port %d after %.1f s%n", name, port, took.toMillis() / 1000.0);
        return new WarServer(name, process, server.log, stop, env, port, took);
    }

    /** Waits until the WAR's own endpoints answer (with the protocol header), whatever the readiness. */
    private void awaitServing(long begin) {
        HttpClient client =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = begin + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError(name + " exited with " + process.exitValue() + " before serving the WAR; its"
                        + " log:\n" + logTail());
            }
            try {
                HttpResponse<String> response = client.send(
                        HttpRequest.newBuilder(base().resolve("nizhal/health"))
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.headers().firstValue("Nizhal-Protocol").isPresent()) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            try {
                Thread.sleep(250); // polling a process that gives no other signal
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        close();
        throw new AssertionError(name + " did not serve the WAR within " + START_TIMEOUT + "; its log:\n" + logTail());
    }

    /** Waits until {@code /nizhal/health} answers 200 (Nizhal started and migrated), or fails with the log. */
    void awaitReady(Duration timeout) {
        HttpClient client =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> response = client.send(
                        HttpRequest.newBuilder(base().resolve("nizhal/health"))
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return;
                }
                last = response.statusCode() + " " + response.body();
                Thread.sleep(250);
            } catch (IOException e) {
                last = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new AssertionError(
                name + " not ready within " + timeout + " (last: " + last + "); its log:\n" + logTail());
    }

    URI base() {
        return URI.create("http://localhost:" + port + "/");
    }

    /**
     * A GET outside Nizhal's endpoints (the server's own health, the admin console), unchecked for the protocol
     * header; {@code headers} are names and values.
     */
    HttpTarget.Reply plain(String path, String... headers) {
        return request("GET", path, null, headers);
    }

    /**
     * A request of any method outside Nizhal's endpoints, with {@code body} (none when null), unchecked for the
     * protocol header; {@code headers} are names and values.
     */
    HttpTarget.Reply request(String method, String path, String body, String... headers) {
        try (HttpClient client = HttpClient.newHttpClient()) {
            return send(client, method, path, body, headers);
        }
    }

    /** A request by {@code client} (which may keep cookies), as {@link #request(String, String, String, String...)}. */
    HttpTarget.Reply send(HttpClient client, String method, String path, String body, String... headers) {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(base().resolve(path))
                    .timeout(Duration.ofSeconds(10))
                    .method(
                            method,
                            body == null
                                    ? HttpRequest.BodyPublishers.noBody()
                                    : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
            for (int i = 0; i < headers.length; i += 2) {
                request.header(headers[i], headers[i + 1]);
            }
            HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new HttpTarget.Reply(response.statusCode(), response.headers(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Nizhal's lines about its start in the log: the server's health monitor may repeat the readiness check's data in
     * lines of its own, which are left out.
     */
    List<String> notStartedLines() {
        return log().lines()
                .filter(line -> line.contains("Nizhal is not started") && !line.contains("health"))
                .toList();
    }

    int port() {
        return port;
    }

    Duration startTime() {
        return started;
    }

    Map<String, String> env() {
        return env;
    }

    /** The server's log so far (Liberty's {@code messages.log}, Payara Micro's console). */
    String log() {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(the log cannot be read: " + e + ")";
        }
    }

    private String logTail() {
        String text = log();
        Path console = serversDir().resolve(name + ".console.log");
        try {
            if (!console.equals(log) && Files.exists(console)) {
                text += "\n--- console ---\n" + Files.readString(console, StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            text += "\n(the console log cannot be read: " + e + ")";
        }
        return text.length() > 20_000 ? text.substring(text.length() - 20_000) : text;
    }

    @Override
    public void close() {
        try {
            if (stop != null && process.isAlive()) {
                ProcessBuilder stopping = new ProcessBuilder(stop)
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD);
                stopping.environment().put("JAVA_HOME", System.getProperty("java.home"));
                stopping.start().waitFor(60, TimeUnit.SECONDS);
            }
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteRecursively(Path path) {
        if (!Files.exists(path)) {
            return;
        }
        try (var files = Files.walk(path)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
