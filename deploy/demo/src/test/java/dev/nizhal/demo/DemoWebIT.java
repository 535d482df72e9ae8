package dev.nizhal.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.demo.DemoUnderTest.Reply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The demo page's files and its development-only login over HTTP, beside the Nizhal endpoints on one port. */
@ExtendWith(PostgresExtension.class)
class DemoWebIT {
    private static DemoUnderTest demo;

    @BeforeAll
    static void start(TestDatabase database) {
        demo = new DemoUnderTest(database);
    }

    @AfterAll
    static void stop() {
        if (demo != null) {
            demo.close();
        }
    }

    @Test
    void servesThePageAndItsFilesWithTheirTypesAndNothingElse() {
        Reply page = demo.get("");
        Reply script = demo.get("demo/app.js");
        Reply style = demo.get("demo/style.css");

        assertThat(page.status()).isEqualTo(200);
        assertThat(page.contentType()).isEqualTo("text/html;charset=utf-8");
        assertThat(page.body()).contains("<script type=\"module\" src=\"/demo/app.js\">", "exists only in the demo");
        assertThat(script.status()).isEqualTo(200);
        assertThat(script.contentType()).isEqualTo("text/javascript;charset=utf-8");
        assertThat(script.body()).contains("/sync/pull", "/sync/stream");
        assertThat(style.contentType()).isEqualTo("text/css;charset=utf-8");

        for (String path : new String[] {
            "demo/",
            "demo",
            "demo/index",
            "demo/missing.js",
            "demo/../pom.xml",
            "demo/%2e%2e/schema.sql",
            "demo/web/app.js",
            "demo/schema.sql",
            "demo/DemoWeb.class",
            "index.html",
            "demo/App.js"
        }) {
            Reply reply = demo.get(path);
            assertThat(reply.status()).as(path).isIn(400, 404);
            assertThat(reply.body()).as(path).doesNotContain("<", "schema", "create table");
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
    }
}
