package dev.nizhal.admin;

import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.button.ButtonVariant;
import com.vaadin.flow.component.confirmdialog.ConfirmDialog;
import com.vaadin.flow.component.datetimepicker.DateTimePicker;
import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.html.H2;
import com.vaadin.flow.component.notification.Notification;
import com.vaadin.flow.component.notification.NotificationVariant;
import com.vaadin.flow.component.orderedlayout.FlexComponent;
import com.vaadin.flow.component.orderedlayout.HorizontalLayout;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.component.select.Select;
import com.vaadin.flow.component.textfield.TextField;
import com.vaadin.flow.data.renderer.ComponentRenderer;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import dev.nizhal.domain.error.SyncException;
import dev.nizhal.ports.in.InspectSyncState.JournalEntry;
import dev.nizhal.ports.in.InspectSyncState.JournalPosition;
import dev.nizhal.ports.in.InspectSyncState.JournalQuery;
import dev.nizhal.ports.in.PushMutations;
import dev.nizhal.ports.in.ReplayMutation;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** The mutation journal, newest first, with filters; a rejected mutation can be replayed (confirmed, audited). */
@Route(value = "journal", layout = ConsoleLayout.class)
@PageTitle("Journal · Nizhal admin")
public class JournalView extends VerticalLayout {
    static final int PAGE = 100;

    private final TextField client = new TextField("Client");
    private final TextField actor = new TextField("Actor");
    private final TextField mutator = new TextField("Mutator");
    private final Select<String> status = new Select<>();
    private final DateTimePicker from = new DateTimePicker("From (UTC)");
    private final List<JournalEntry> shown = new ArrayList<>();
    private final Grid<JournalEntry> grid;
    private final Button older = new Button("Older entries", e -> load(false));

    public JournalView() {
        status.setLabel("Status");
        status.setItems("any", "applied", "rejected");
        status.setValue("any");
        Button apply = new Button("Filter", e -> load(true));
        apply.addThemeVariants(ButtonVariant.LUMO_PRIMARY);
        HorizontalLayout filters = new HorizontalLayout(client, actor, mutator, status, from, apply);
        filters.setDefaultVerticalComponentAlignment(FlexComponent.Alignment.BASELINE);
        filters.setWrap(true);
        grid = entries(shown, this::refreshAfterReplay);
        add(new H2("Mutation journal"), filters, grid, older);
        setSizeFull();
        load(true);
    }

    private void refreshAfterReplay(JournalEntry ignored) {
        load(true);
    }

    private void load(boolean fromNewest) {
        JournalPosition after = fromNewest || shown.isEmpty() ? null : JournalPosition.of(shown.getLast());
        List<JournalEntry> page = AdminConsole.current()
                .inspect()
                .journal(new JournalQuery(
                        blankToNull(client.getValue()),
                        blankToNull(actor.getValue()),
                        blankToNull(mutator.getValue()),
                        "any".equals(status.getValue()) ? null : status.getValue(),
                        from.getValue() == null ? null : from.getValue().toInstant(ZoneOffset.UTC),
                        after,
                        PAGE));
        if (fromNewest) {
            shown.clear();
        }
        shown.addAll(page);
        grid.setItems(shown);
        older.setEnabled(page.size() == PAGE);
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }

    /**
     * A grid of journal entries: args and result or error in each row's details; with {@code replayed} set, a
     * rejected entry has a Replay button that asks for confirmation first.
     */
    static Grid<JournalEntry> entries(List<JournalEntry> entries, Consumer<JournalEntry> replayed) {
        Grid<JournalEntry> grid = new Grid<>();
        grid.addColumn(e -> Views.time(e.recordedAt())).setHeader("Recorded").setAutoWidth(true);
        grid.addColumn(e -> e.clientId() + "/" + e.mutationId())
                .setHeader("Client / id")
                .setAutoWidth(true);
        grid.addColumn(JournalEntry::mutator).setHeader("Mutator").setAutoWidth(true);
        grid.addColumn(JournalEntry::actor).setHeader("Actor").setAutoWidth(true);
        grid.addComponentColumn(e -> "applied".equals(e.status())
                        ? Views.badge("applied", "success")
                        : Views.badge("rejected", "error"))
                .setHeader("Status");
        grid.addColumn(JournalView::links).setHeader("Replays").setFlexGrow(3);
        if (replayed != null) {
            grid.addComponentColumn(e -> replayButton(e, replayed)).setHeader("");
        }
        grid.setItemDetailsRenderer(new ComponentRenderer<>(e -> {
            Div details = new Div();
            details.add(Views.code("args: " + e.argsJson()));
            details.add(Views.code(e.resultJson() != null ? "result: " + e.resultJson() : "error: " + e.errorJson()));
            return details;
        }));
        grid.setItems(entries);
        return grid;
    }

    private static String links(JournalEntry e) {
        List<String> parts = new ArrayList<>();
        if (e.replayOf() != null) {
            parts.add("replays " + e.replayOf());
        }
        if (!e.replayedBy().isEmpty()) {
            parts.add("replayed as " + String.join(", ", e.replayedBy()));
        }
        return String.join("; ", parts);
    }

    private static Button replayButton(JournalEntry entry, Consumer<JournalEntry> replayed) {
        Button button = new Button("Replay");
        // a replay is never replayed itself (the original is): one mutation applies at most once
        button.setVisible("rejected".equals(entry.status())
                && !"nizhal.skip".equals(entry.mutator())
                && entry.replayOf() == null);
        button.addClickListener(click -> {
            ConfirmDialog confirm = new ConfirmDialog();
            confirm.setHeader("Replay " + entry.mutator() + " " + entry.clientId() + "/" + entry.mutationId() + "?");
            confirm.setText("It runs again through the same mutator, as " + entry.actor() + ", in one transaction. The"
                    + " replay is a new journal entry linked to this one, audited under your name ("
                    + AdminConsole.operator() + "); its effects reach clients by pull.");
            confirm.setCancelable(true);
            confirm.setConfirmText("Replay");
            confirm.addConfirmListener(ok -> {
                try {
                    ReplayMutation.Replayed result = AdminConsole.current()
                            .replays()
                            .replay(AdminConsole.operator(), entry.clientId(), entry.mutationId());
                    String text = result.replayClientId() + "/" + result.replayMutationId() + ": "
                            + describe(result.outcome());
                    Notification shown =
                            Notification.show("Replayed as " + text, 8000, Notification.Position.BOTTOM_START);
                    shown.addThemeVariants(
                            result.outcome() instanceof PushMutations.Applied
                                    ? NotificationVariant.LUMO_SUCCESS
                                    : NotificationVariant.LUMO_WARNING);
                } catch (SyncException e) {
                    Notification.show(e.code() + ": " + e.getMessage(), 8000, Notification.Position.BOTTOM_START)
                            .addThemeVariants(NotificationVariant.LUMO_ERROR);
                } catch (RuntimeException e) {
                    Notification.show(
                                    "The replay failed on the server; its log has the details.",
                                    8000,
                                    Notification.Position.BOTTOM_START)
                            .addThemeVariants(NotificationVariant.LUMO_ERROR);
                    throw e;
                }
                replayed.accept(entry);
            });
            confirm.open();
        });
        return button;
    }

    private static String describe(PushMutations.MutationOutcome outcome) {
        return switch (outcome) {
            case PushMutations.Applied a -> "applied";
            case PushMutations.Rejected r -> "rejected again, " + r.code() + ": " + r.message();
            case PushMutations.NotAttempted n -> "not attempted";
        };
    }
}
