package dev.nizhal.demo;

import dev.nizhal.adapters.jwt.HmacTokenIssuer;
import dev.nizhal.server.cli.NizhalCli;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The one-command demo: {@code nizhal serve} of the demo apps with the data folder {@code .nizhal-demo/} under the
 * working directory ({@code NIZHAL_DEMO_HOME} to change it), so an embedded PostgreSQL whose data survives restarts,
 * the apps' tables, Nizhal migrated, and the server on {@code http://localhost:4000} ({@code NIZHAL_PORT} to change
 * it), serving the demo's web app from {@code NIZHAL_DEMO_WEB} or else {@code clients/apps/demo/dist} under the
 * working directory. Prints development tokens for two users, signed with the HS256 secret that {@code serve} keeps
 * in the data folder.
 */
public final class DemoServer {
    static final String ISSUER = "nizhal-demo";

    private DemoServer() {}

    /**
     * The CLI with the demo's web app (from the folder {@code web}) and login added to the server (tests run it with
     * a database and a folder of their own).
     */
    static NizhalCli cli(Path web) {
        return NizhalCli.create()
                .beforeStart(
                        (server, issuer) -> DemoWeb.install(server, new HmacTokenIssuer(issuer, Instant::now), web));
    }

    /** {@code serve} of the demo apps with the demo's issuer and audience, then {@code more} arguments. */
    static String[] serveArgs(String... more) {
        List<String> args = new ArrayList<>(List.of(
                "serve", "--app", DemoNizhalApp.class.getName(), "--jwt-issuer", ISSUER, "--jwt-audience", ISSUER));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    /**
     * The demo's login gives anyone a token of alice or bob: it listens on the loopback interface only, unless
     * {@code NIZHAL_HOST} says otherwise.
     */
    private static String loopbackUnlessSet() {
        String host = System.getenv("NIZHAL_HOST");
        return host == null || host.isBlank() ? "127.0.0.1" : host;
    }

    public static void main(String[] args) {
        long started = System.nanoTime();
        String home = System.getenv().getOrDefault("NIZHAL_DEMO_HOME", ".nizhal-demo");
        Path web = DemoWeb.webFromEnvironment();
        int exit = cli(web).onServing(serving -> {
                    HmacTokenIssuer tokens = new HmacTokenIssuer(serving.issuer(), Instant::now);
                    System.out.printf(
                            """

                            Nizhal demo on %s (data in %s), ready in %.1f s
                              the web app: %s
                              alice's token (12 h): %s
                              bob's token   (12 h): %s
                            Try:
                              curl -s %ssync/pull -H "Authorization: Bearer $ALICE" -H 'Content-Type: application/json' \\
                                -d '{"syncRule":"myNotes","clientId":"c-alice"}'
                            Stop with Ctrl+C.
                            """,
                            serving.uri(),
                            serving.dataDirectory(),
                            (System.nanoTime() - started) / 1e9,
                            DemoWeb.isBuilt(web)
                                    ? serving.uri() + " (from " + web + "; its log-in buttons exist only in the demo)"
                                    : "not built: run `" + DemoWeb.BUILD_COMMAND + "` (Node 20.19+), then open "
                                            + serving.uri(),
                            tokens.sign("alice", Duration.ofHours(12)),
                            tokens.sign("bob", Duration.ofHours(12)),
                            serving.uri());
                    if ("true".equalsIgnoreCase(System.getenv("NIZHAL_ADMIN_CONSOLE"))) {
                        System.out.printf(
                                """
                                The admin console: sign in at %sadmin-login with an operator token (1 h):
                                  %s
                                  or mint one: ./nizhal admin-token --name <you> --data-dir %s --jwt-issuer %s \\
                                    --jwt-audience %s
                                """,
                                serving.uri(),
                                tokens.sign("demo-operator", Duration.ofHours(1), Map.of("nizhal_admin", true)),
                                serving.dataDirectory(),
                                ISSUER,
                                ISSUER);
                    }
                })
                .execute(serveArgs("--data-dir", home, "--host", loopbackUnlessSet()));
        if (exit != 0) {
            System.exit(exit);
        }
    }
}
