package dev.nizhal.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.adapters.jdbi.testing.PostgresExtension;
import dev.nizhal.adapters.jdbi.testing.TestDatabase;
import dev.nizhal.demo.DemoUnderTest.Reply;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.WindowType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The demo's page in a real browser (Debian's Chromium, headless, through its chromedriver) against the demo wiring
 * on real PostgreSQL: log in, add a note, see a note pushed elsewhere arrive, and see only one's own notes.
 */
@ExtendWith(PostgresExtension.class)
class DemoPageIT {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    /** The page polls every 5 s while the stream is not there; a loaded machine may need several rounds. */
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    private static DemoUnderTest demo;
    private static ChromeDriverService service;
    private static ChromeDriver browser;

    @BeforeAll
    static void start(TestDatabase database, @TempDir Path profile) throws IOException {
        assertThat(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER))
                .as(
                        "this test drives Chromium: install it with `apt-get install -y chromium chromium-driver`"
                                + " (%s and %s are needed; .ci/run does this)",
                        CHROMIUM, CHROMEDRIVER)
                .isTrue();
        demo = new DemoUnderTest(database);
        // an explicit driver and browser: Selenium Manager never runs, so nothing is downloaded
        service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        ChromeOptions options = new ChromeOptions()
                .setBinary(CHROMIUM.toFile())
                .addArguments(
                        "--headless",
                        "--no-sandbox",
                        "--disable-gpu",
                        "--disable-quic",
                        "--no-first-run",
                        "--disable-background-networking",
                        "--disable-component-update",
                        "--disable-sync",
                        "--disable-dev-shm-usage",
                        "--user-data-dir=" + Files.createDirectories(profile.resolve("chromium")));
        browser = new ChromeDriver(service, options);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (service != null) {
            service.stop();
        }
        if (demo != null) {
            demo.close();
        }
    }

    @Test
    void aliceAddsANoteSeesOneFromElsewhereAndBobSeesOnlyHis() {
        browser.get(demo.uri("").toString());
        logIn("alice");
        until("alice's page is up to date", () -> "up-to-date".equals(status()));
        // live: the page got "ready" on /sync/stream and stops polling, so what arrives from now on came by a poke
        until(
                "alice's page listens to the stream",
                () -> browser.findElement(By.id("sync-status")).getText().contains("live"));

        browser.findElement(By.id("note-body")).sendKeys("<b>from the page</b> & more");
        browser.findElement(By.id("add-note")).click();
        until(
                "the added note is listed and confirmed by a pull",
                () -> notes().contains("<b>from the page</b> & more") && pending() == 0);
        assertThat(browser.findElements(By.cssSelector("#notes b")))
                .as("user text is text, never markup")
                .isEmpty();

        // a mutation counter ahead of the server's (ids lost): the page adopts the expected id of MUTATION_ORDER
        String counter = "'nizhal-demo.next-mutation.' + sessionStorage.getItem('nizhal-demo.client.alice')";
        browser.executeScript("sessionStorage.setItem(" + counter + ", '40')");
        browser.findElement(By.id("note-body")).sendKeys("after a gap");
        browser.findElement(By.id("add-note")).click();
        until("the note after the gap is confirmed", () -> notes().contains("after a gap") && pending() == 0);
        assertThat(browser.executeScript("return sessionStorage.getItem(" + counter + ")"))
                .isEqualTo("3");

        String alice = demo.tokens.sign("alice", Duration.ofMinutes(10));
        Reply pushed = demo.post(
                "sync/push",
                alice,
                "{\"clientId\":\"c-it-alice\",\"mutations\":[{\"id\":1,\"name\":\"addNote\","
                        + "\"args\":{\"id\":\"it-n1\",\"body\":\"pushed over HTTP\"}}]}");
        assertThat(pushed.body()).contains("\"status\":\"applied\"");
        long pushedAt = System.nanoTime();
        until("the note pushed over HTTP appears in alice's page", () -> notes().contains("pushed over HTTP"));
        System.out.printf(
                "push over HTTP to note shown in the live page: %d ms%n", (System.nanoTime() - pushedAt) / 1_000_000);
        assertThat(notes()).containsExactly("<b>from the page</b> & more", "after a gap", "pushed over HTTP");
        assertThat(errorShown()).as("no error on alice's page").isNull();

        // a second tab of alice's is a client of its own: writes from both tabs apply, neither blocks the other
        String firstTab = browser.getWindowHandle();
        browser.switchTo().newWindow(WindowType.TAB);
        browser.get(demo.uri("").toString());
        until(
                "the second tab is signed in as alice",
                () -> "alice".equals(browser.findElement(By.id("who")).getText()));
        browser.findElement(By.id("note-body")).sendKeys("from the second tab");
        browser.findElement(By.id("add-note")).click();
        until("the second tab's note is confirmed", () -> notes().contains("from the second tab") && pending() == 0);
        browser.close();
        browser.switchTo().window(firstTab);
        browser.findElement(By.id("note-body")).sendKeys("from the first tab again");
        browser.findElement(By.id("add-note")).click();
        until(
                "the first tab has both tabs' notes, confirmed",
                () -> notes().containsAll(List.of("from the second tab", "from the first tab again"))
                        && pending() == 0);
        assertThat(errorShown()).as("no error after writing from two tabs").isNull();

        // bob: a note of his own arrives, alice's never do
        Reply bobs = demo.post(
                "sync/push",
                demo.tokens.sign("bob", Duration.ofMinutes(10)),
                "{\"clientId\":\"c-it-bob\",\"mutations\":[{\"id\":1,\"name\":\"addNote\","
                        + "\"args\":{\"id\":\"it-b1\",\"body\":\"bob's own\"}}]}");
        assertThat(bobs.body()).contains("\"status\":\"applied\"");
        browser.findElement(By.id("logout")).click();
        logIn("bob");
        until("bob's page shows his note", () -> notes().contains("bob's own"));
        until("bob's page is up to date", () -> "up-to-date".equals(status()));
        assertThat(notes()).containsExactly("bob's own");

        // deleting in the page removes the note on the server too
        browser.findElement(By.cssSelector("#notes li[data-id='it-b1'] button.delete"))
                .click();
        until("the deletion is confirmed by a pull", () -> notes().isEmpty() && pending() == 0);
        Reply bobPull = demo.post(
                "sync/pull",
                demo.tokens.sign("bob", Duration.ofMinutes(10)),
                "{\"syncRule\":\"myNotes\",\"clientId\":\"c-it-bob\"}");
        assertThat(bobPull.body()).doesNotContain("it-b1");
        assertThat(errorShown()).as("no error on bob's page").isNull();

        // a TRUNCATE logs no row deletes: the next pull answers reset, and the page starts over from no cursor
        browser.findElement(By.id("note-body")).sendKeys("soon truncated");
        browser.findElement(By.id("add-note")).click();
        until("bob's new note is confirmed", () -> notes().contains("soon truncated") && pending() == 0);
        demo.database.jdbi().useHandle(h -> h.execute("truncate notes"));
        until("the truncated note is gone from the page", () -> notes().isEmpty());
        assertThat(errorShown()).as("no error after the reset").isNull();
    }

    private static void logIn(String user) {
        until(
                "the login buttons show",
                () -> browser.findElement(By.id("login-" + user)).isDisplayed());
        browser.findElement(By.id("login-" + user)).click();
        until(
                user + " is signed in",
                () -> user.equals(browser.findElement(By.id("who")).getText()));
    }

    private static String status() {
        return browser.findElement(By.id("sync-status")).getDomAttribute("data-state");
    }

    /** Mutations the page has not yet seen confirmed by a drained pull. */
    private static int pending() {
        return Integer.parseInt(browser.findElement(By.id("sync-status")).getDomAttribute("data-pending"));
    }

    private static List<String> notes() {
        return browser.findElements(By.cssSelector("#notes li .body")).stream()
                .map(WebElement::getText)
                .toList();
    }

    private static String errorShown() {
        WebElement error = browser.findElement(By.id("error"));
        return error.isDisplayed() ? error.getText() : null;
    }

    /** Polls {@code condition} in the browser until it holds or {@link #DEADLINE} passes. */
    private static void until(String what, Supplier<Boolean> condition) {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        WebDriverException last = null;
        while (System.nanoTime() - deadline < 0) {
            try {
                if (condition.get()) {
                    return;
                }
            } catch (WebDriverException e) {
                last = e; // an element replaced while reading it: read again
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
        }
        throw new AssertionError(
                "Timed out after " + DEADLINE + " waiting until " + what + "; the page shows notes " + notes()
                        + ", status " + status() + ", error " + errorShown(),
                last);
    }
}
