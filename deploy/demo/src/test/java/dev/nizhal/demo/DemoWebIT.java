package dev.nizhal.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.demo.DemoUnderTest.Reply;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo's web app, served from a folder shaped like Vite's build, and its development-only login over HTTP, beside
 * the Nizhal endpoints on one port.
 */
@ExtendWith(PostgresExtension.class)
class DemoWebIT {
    private static final String INDEX = """
            <!doctype html>
            <html lang="en"><head><meta charset="UTF-8" /><title>Nizhal notes</title>
            <script type="module" crossorigin src="/demo/assets/index-B3xQ9a_k.js"></script>
            <link rel="stylesheet" crossorigin href="/demo/assets/index-Cq1Zt7w2.css"></head>
            <body><div id="root"></div></body></html>
            """;

    @TempDir
    static Path folder;

    private static Path web;
    private static DemoUnderTest demo;

    @BeforeAll
    static void start(TestDatabase database) throws IOException {
        web = Files.createDirectories(folder.resolve("dist"));
        Files.writeString(web.resolve("index.html"), INDEX);
        Path assets = Files.createDirectories(web.resolve("assets"));
        Files.writeString(assets.resolve("index-B3xQ9a_k.js"), "const p=\"/sync/pull\";export{p};");
        Files.writeString(assets.resolve("index-Cq1Zt7w2.css"), "body{margin:0}");
        Files.writeString(assets.resolve("logo-Dd0aZ.svg"), "<svg xmlns=\"http://www.w3.org/2000/svg\"/>");
        Files.writeString(assets.resolve("index-B3xQ9a_k.js.map"), "{\"version\":3}");
        Files.write(web.resolve("favicon.ico"), new byte[] {0, 0, 1, 0});
        Files.writeString(web.resolve("sw.js"), "self.addEventListener(\"fetch\", () => {});");
        Files.createDirectories(assets.resolve("nested"));
        Files.writeString(Files.createDirectories(web.resolve(".vite")).resolve("manifest.json"), "{\"hidden\":1}");
        Files.writeString(folder.resolve("secret.txt"), "outside the web folder");
        Files.createSymbolicLink(web.resolve("linked.txt"), folder.resolve("secret.txt"));
        demo = new DemoUnderTest(database, web);
    }

    @AfterAll
    static void stop() {
        if (demo != null) {
            demo.close();
        }
    }

    @Test
    void servesTheBuiltAppAtTheRootAndItsFilesUnderDemo() {
        Reply page = demo.get("");
        Reply script = demo.get("demo/assets/index-B3xQ9a_k.js");
        Reply style = demo.get("demo/assets/index-Cq1Zt7w2.css");
        Reply logo = demo.get("demo/assets/logo-Dd0aZ.svg");
        Reply map = demo.get("demo/assets/index-B3xQ9a_k.js.map");
        Reply icon = demo.get("demo/favicon.ico");
        Reply worker = demo.get("demo/sw.js");

        assertThat(page.status()).isEqualTo(200);
        assertThat(page.contentType()).isEqualTo("text/html;charset=utf-8");
        assertThat(page.body()).isEqualTo(INDEX);
        assertThat(page.header("Cache-Control")).isEqualTo("no-cache");
        assertThat(page.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(page.header("Content-Security-Policy"))
                .startsWith("default-src 'self'; connect-src 'self' ws://127.0.0.1:")
                .contains("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'")
                .doesNotContain("unsafe");

        assertThat(script.status()).isEqualTo(200);
        assertThat(script.contentType()).isEqualTo("text/javascript;charset=utf-8");
        assertThat(script.body()).isEqualTo("const p=\"/sync/pull\";export{p};");
        assertThat(script.header("Cache-Control")).isEqualTo("public, max-age=31536000, immutable");
        assertThat(script.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(script.header("Content-Security-Policy")).isNull();
        assertThat(script.header("Service-Worker-Allowed")).as("a hashed asset").isNull();
        assertThat(style.contentType()).isEqualTo("text/css;charset=utf-8");
        assertThat(style.body()).isEqualTo("body{margin:0}");
        assertThat(logo.contentType()).isEqualTo("image/svg+xml");
        assertThat(map.contentType()).isEqualTo("application/json");
        assertThat(icon.status()).isEqualTo(200);
        assertThat(icon.contentType()).isEqualTo("image/x-icon");
        assertThat(icon.header("Cache-Control")).as("not hashed").isEqualTo("no-cache");
        assertThat(icon.header("Service-Worker-Allowed")).isNull();
        assertThat(worker.status()).isEqualTo(200);
        assertThat(worker.contentType()).isEqualTo("text/javascript;charset=utf-8");
        assertThat(worker.header("Cache-Control")).isEqualTo("no-cache");
        assertThat(worker.header("Service-Worker-Allowed"))
                .as("the app's service worker, registered with scope /")
                .isEqualTo("/");
    }

    @Test
    void servesNothingButRegularFilesInsideTheFolder() {
        for (String path : new String[] {
            "demo/",
            "demo",
            "demo/assets",
            "demo/assets/",
            "demo/assets/nested",
            "demo/assets/nested/",
            "demo/index",
            "demo/missing.js",
            "demo/assets/missing-abc.js",
            "demo/../secret.txt",
            "demo/assets/../../secret.txt",
            "demo/%2e%2e/secret.txt",
            "demo/..%2fsecret.txt",
            "demo/assets%2F..%2F..%2Fsecret.txt",
            "demo/assets/..%5C..%5Csecret.txt",
            "demo/.vite/manifest.json",
            "demo/linked.txt",
            "demo//assets/index-B3xQ9a_k.js",
            "index.html",
            "assets/index-B3xQ9a_k.js"
        }) {
            Reply reply = demo.get(path);
            assertThat(reply.status()).as(path).isIn(400, 404);
            assertThat(reply.body()).as(path).doesNotContain("outside the web folder", "hidden", "sync/pull");
        }
    }

    @Test
    void answers503WithHowToBuildUntilTheAppIsBuilt(TestDatabase database) throws IOException {
        Path notYet = folder.resolve("not-built");
        try (DemoUnderTest unbuilt = new DemoUnderTest(database, notYet)) {
            Reply missing = unbuilt.get("");
            assertThat(missing.status()).isEqualTo(503);
            assertThat(missing.contentType()).isEqualTo("text/plain;charset=utf-8");
            assertThat(missing.body())
                    .contains("not built", "cd clients && npm ci && npm run build", "NIZHAL_DEMO_WEB");
            assertThat(unbuilt.get("demo/assets/index-B3xQ9a_k.js").status()).isEqualTo(404);

            Files.createDirectories(notYet.resolve("assets"));
            assertThat(unbuilt.get("").status())
                    .as("a folder without index.html")
                    .isEqualTo(503);

            Files.writeString(notYet.resolve("index.html"), INDEX);
            Reply built = unbuilt.get("");
            assertThat(built.status()).as("built while the server runs").isEqualTo(200);
            assertThat(built.body()).isEqualTo(INDEX);

            Reply login = unbuilt.post("demo/login", null, "{\"user\":\"bob\"}");
            assertThat(login.status()).as("the login never needs the app").isEqualTo(200);
        }
    }

    @Test
    void theLoginSignsTokensForTheDemoUsersOnly() {
        Reply alice = demo.post("demo/login", null, "{\"user\":\"alice\"}");
        Reply mallory = demo.post("demo/login", null, "{\"user\":\"mallory\"}");
        Reply noUser = demo.post("demo/login", null, "{\"name\":\"alice\"}");
        Reply notJson = demo.post("demo/login", null, "alice");
        Reply wrongMethod = demo.get("demo/login");

        assertThat(alice.status()).isEqualTo(200);
        assertThat(alice.json().get("user").asText()).isEqualTo("alice");
        String token = alice.json().get("token").asText();
        Reply pull = demo.post("sync/pull", token, "{\"syncRule\":\"myNotes\",\"clientId\":\"web-it-alice\"}");
        assertThat(pull.status())
                .as("the token is accepted by the pull: %s", pull.body())
                .isEqualTo(200);
        assertThat(pull.json().get("buckets").toString()).isEqualTo("[\"myNotes[\\\"alice\\\"]\"]");

        assertThat(mallory.status()).isEqualTo(403);
        assertThat(mallory.json().at("/error/code").asText()).isEqualTo("FORBIDDEN");
        assertThat(mallory.json().at("/error/message").asText()).contains("alice", "bob");
        assertThat(mallory.json().has("token")).isFalse();
        assertThat(noUser.status()).isEqualTo(400);
        assertThat(noUser.json().at("/error/code").asText()).isEqualTo("MALFORMED_REQUEST");
        assertThat(notJson.status()).isEqualTo(400);
        assertThat(notJson.json().at("/error/code").asText()).isEqualTo("MALFORMED_REQUEST");
        assertThat(wrongMethod.status()).isEqualTo(405);
        assertThat(demo.post("", null, "{}").status()).isEqualTo(405);
        assertThat(demo.post("demo/assets/index-B3xQ9a_k.js", null, "{}").status())
                .isEqualTo(405);
    }
}
