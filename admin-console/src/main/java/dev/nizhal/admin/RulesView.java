package dev.nizhal.admin;

import com.vaadin.flow.component.details.Details;
import com.vaadin.flow.component.html.H2;
import com.vaadin.flow.component.html.H3;
import com.vaadin.flow.component.html.ListItem;
import com.vaadin.flow.component.html.Paragraph;
import com.vaadin.flow.component.html.UnorderedList;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import dev.nizhal.ports.in.InspectSyncState.RuleText;
import dev.nizhal.ports.in.InspectSyncState.RulesReport;
import dev.nizhal.ports.in.InspectSyncState.TriggerText;

/** The compiled rules, the capture triggers as installed, and the linter's findings against the live schema. */
@Route(value = "rules", layout = ConsoleLayout.class)
@PageTitle("Rules · Nizhal admin")
public class RulesView extends VerticalLayout {

    public RulesView() {
        RulesReport report = AdminConsole.current().inspect().rules();
        add(new H2("Rules"));
        add(new H3("Linter findings against the live schema"));
        if (report.findings().isEmpty()) {
            add(new Paragraph("No findings."));
        } else {
            UnorderedList findings = new UnorderedList();
            report.findings().forEach(f -> findings.add(new ListItem(f)));
            add(findings);
        }
        add(new H3("Compiled rules"));
        for (RuleText rule : report.rules()) {
            Details details = new Details(
                    rule.name() + " (" + String.join(", ", rule.collections()) + ")", Views.code(rule.description()));
            details.setWidthFull();
            add(details);
        }
        add(new H3("Capture triggers in the database"));
        if (report.triggers().isEmpty()) {
            add(new Paragraph("None installed: run the migration."));
        }
        for (TriggerText trigger : report.triggers()) {
            Details details = new Details(trigger.table() + " · " + trigger.name(), Views.code(trigger.definition()));
            details.setWidthFull();
            add(details);
        }
    }
}
