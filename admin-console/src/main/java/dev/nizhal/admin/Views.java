package dev.nizhal.admin;

import com.vaadin.flow.component.html.Pre;
import com.vaadin.flow.component.html.Span;
import dev.nizhal.ports.in.InspectSyncState;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;

/** The console's views, and what they share. */
final class Views {
    static final List<Class<?>> ALL = List.of(
            OverviewView.class,
            BucketsView.class,
            ClientsView.class,
            ClientView.class,
            JournalView.class,
            RulesView.class);

    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

    private Views() {}

    static String time(Instant instant) {
        return instant == null ? "" : TIME.format(instant);
    }

    static String time(Optional<Instant> instant) {
        return instant.map(Views::time).orElse("never");
    }

    static String behind(long changes) {
        if (changes < 0) {
            return "never caught up";
        }
        return changes >= InspectSyncState.CHANGES_BEHIND_CAP
                ? String.format("%,d+", InspectSyncState.CHANGES_BEHIND_CAP)
                : String.format("%,d", changes);
    }

    /** JSON or SQL as the database keeps it, in a box that keeps its lines. */
    static Pre code(String text) {
        Pre pre = new Pre(text == null ? "" : text);
        pre.getStyle().set("white-space", "pre-wrap").set("margin", "0").set("font-size", "var(--lumo-font-size-s)");
        return pre;
    }

    static Span badge(String text, String theme) {
        Span span = new Span(text);
        span.getElement().getThemeList().add("badge " + theme);
        return span;
    }
}
