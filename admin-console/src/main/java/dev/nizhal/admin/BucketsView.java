package dev.nizhal.admin;

import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.button.ButtonVariant;
import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.html.H2;
import com.vaadin.flow.component.html.H3;
import com.vaadin.flow.component.html.Paragraph;
import com.vaadin.flow.component.notification.Notification;
import com.vaadin.flow.component.notification.NotificationVariant;
import com.vaadin.flow.component.orderedlayout.FlexComponent;
import com.vaadin.flow.component.orderedlayout.HorizontalLayout;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.component.select.Select;
import com.vaadin.flow.component.textfield.TextField;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import dev.nizhal.domain.error.SyncException;
import dev.nizhal.ports.in.InspectSyncState;
import dev.nizhal.ports.in.InspectSyncState.BucketDetail;
import dev.nizhal.ports.in.InspectSyncState.BucketSummary;
import dev.nizhal.ports.in.InspectSyncState.ChangeSeen;
import dev.nizhal.ports.in.InspectSyncState.RuleText;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Buckets by rule and parameter values; one bucket's rows per collection (paged), its recent changes, its holders. */
@Route(value = "buckets", layout = ConsoleLayout.class)
@PageTitle("Buckets · Nizhal admin")
public class BucketsView extends VerticalLayout {
    static final int PAGE = 50;

    private final Map<String, RuleText> rules = new LinkedHashMap<>();
    private final Select<String> rule = new Select<>();
    private final HorizontalLayout parameters = new HorizontalLayout();
    private final List<TextField> values = new ArrayList<>();
    private final Grid<BucketSummary> found = new Grid<>();
    private final VerticalLayout detail = new VerticalLayout();

    public BucketsView() {
        AdminConsole.current().inspect().rules().rules().forEach(r -> rules.put(r.name(), r));
        rule.setLabel("Rule");
        rule.setItems(rules.keySet());
        rule.addValueChangeListener(e -> showParameters());
        parameters.setDefaultVerticalComponentAlignment(FlexComponent.Alignment.BASELINE);
        Button search = new Button("Find buckets", e -> search());
        search.addThemeVariants(ButtonVariant.LUMO_PRIMARY);
        HorizontalLayout form = new HorizontalLayout(rule, parameters, search);
        form.setDefaultVerticalComponentAlignment(FlexComponent.Alignment.BASELINE);
        found.addColumn(BucketSummary::bucket).setHeader("Bucket").setAutoWidth(true);
        found.addColumn(b -> String.join(", ", b.collections())).setHeader("Collections");
        found.addColumn(BucketSummary::holders).setHeader("Clients holding it");
        found.addColumn(b -> Views.behind(b.changes())).setHeader("Changed rows retained");
        found.setAllRowsVisible(true);
        found.addItemClickListener(
                e -> show(e.getItem(), e.getItem().collections().getFirst()));
        add(new H2("Buckets"), form, found, detail);
        if (!rules.isEmpty()) {
            rule.setValue(rules.keySet().iterator().next());
        }
    }

    private void showParameters() {
        parameters.removeAll();
        values.clear();
        RuleText selected = rules.get(rule.getValue());
        if (selected == null) {
            return;
        }
        for (String name : selected.parameters()) {
            TextField field = new TextField(name);
            values.add(field);
            parameters.add(field);
        }
        if (selected.parameters().isEmpty()) {
            parameters.add(new Paragraph("a global rule: one bucket"));
        }
    }

    private void search() {
        RuleText selected = rules.get(rule.getValue());
        if (selected == null) {
            return;
        }
        Map<String, String> given = new LinkedHashMap<>();
        for (int i = 0; i < values.size(); i++) {
            given.put(selected.parameters().get(i), values.get(i).getValue());
        }
        try {
            InspectSyncState.BucketSearch result =
                    AdminConsole.current().inspect().buckets(selected.name(), given);
            found.setItems(result.buckets());
            detail.removeAll();
            if (result.buckets().isEmpty()) {
                detail.add(new Paragraph("These values name no bucket of " + selected.name()
                        + " (a value that does not cast to the parameter's type names none)."));
            }
        } catch (SyncException e) {
            Notification.show(e.code() + ": " + e.getMessage()).addThemeVariants(NotificationVariant.LUMO_ERROR);
        }
    }

    private void show(BucketSummary bucket, String collection) {
        detail.removeAll();
        Select<String> collections = new Select<>();
        collections.setLabel("Collection");
        collections.setItems(bucket.collections());
        collections.setValue(collection);
        collections.addValueChangeListener(e -> show(bucket, e.getValue()));
        detail.add(new H3("Bucket " + bucket.bucket()), collections);
        VerticalLayout rows = new VerticalLayout();
        rows.setPadding(false);
        detail.add(rows);
        page(rows, bucket.bucket(), collection, null);
        BucketDetail first = AdminConsole.current().inspect().bucket(bucket.bucket(), collection, null, 1);
        Grid<ChangeSeen> changes = new Grid<>();
        changes.addColumn(ChangeSeen::txid).setHeader("Transaction");
        changes.addColumn(ChangeSeen::table).setHeader("Table");
        changes.addColumn(c -> String.join(", ", c.keys())).setHeader("Keys");
        changes.setItems(first.changes());
        changes.setAllRowsVisible(true);
        detail.add(
                new H3("Recent changes"),
                changes,
                new H3("Clients holding it (at their last pull)"),
                new Paragraph(first.holders().isEmpty() ? "none seen" : String.join(", ", first.holders())));
    }

    /** One page of the bucket's rows in key order; "Next rows" adds the page after it. */
    private void page(VerticalLayout rows, String bucket, String collection, String afterKey) {
        BucketDetail page = AdminConsole.current().inspect().bucket(bucket, collection, afterKey, PAGE);
        Grid<Map<String, Object>> grid = new Grid<>();
        if (!page.rows().isEmpty()) {
            for (String column : page.rows().getFirst().keySet()) {
                grid.addColumn(row -> String.valueOf(row.get(column)))
                        .setHeader(column)
                        .setAutoWidth(true);
            }
        }
        grid.setItems(page.rows());
        grid.setAllRowsVisible(true);
        rows.add(new Paragraph(
                page.rows().isEmpty()
                        ? "No rows" + (afterKey == null ? "." : " after " + afterKey + ".")
                        : page.rows().size()
                                + (page.rows().size() == 1 ? " row of " : " rows of ")
                                + collection
                                + (afterKey == null ? "" : " after " + afterKey)));
        rows.add(grid);
        if (page.rows().size() == PAGE) {
            String last = String.valueOf(page.rows().getLast().get("key"));
            Button next = new Button("Next rows");
            next.addClickListener(e -> {
                next.setVisible(false);
                page(rows, bucket, collection, last);
            });
            rows.add(next);
        }
    }
}
