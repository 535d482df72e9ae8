package dev.nizhal.admin;

import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.formlayout.FormLayout;
import com.vaadin.flow.component.html.H2;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import dev.nizhal.ports.in.InspectSyncState.Overview;

/** The instance and its database at a glance. */
@Route(value = "", layout = ConsoleLayout.class)
@PageTitle("Overview · Nizhal admin")
public class OverviewView extends VerticalLayout {
    private final FormLayout facts = new FormLayout();

    public OverviewView() {
        add(new H2("Overview"), new Button("Refresh", e -> show()), facts);
        facts.setResponsiveSteps(new FormLayout.ResponsiveStep("0", 1), new FormLayout.ResponsiveStep("600px", 2));
        show();
    }

    private void show() {
        Overview o = AdminConsole.current().inspect().overview();
        facts.removeAll();
        facts.addFormItem(
                o.databaseUp() ? Views.badge("up", "success") : Views.badge("unavailable", "error"), "Database");
        facts.addFormItem(
                o.migrationsCurrent() ? Views.badge("current", "success") : Views.badge("not current", "error"),
                "Migrations and installed rules");
        facts.addFormItem(new Span(String.format("%,d", o.changeLogRows())), "Change-log rows");
        facts.addFormItem(
                new Span(o.oldestChange()
                        .map(t -> "after " + Views.time(t))
                        // a change logged before the first kept snapshot mark (e.g. the seed data of a new database)
                        .orElse(o.changeLogRows() == 0 ? "none retained" : "before every kept snapshot mark")),
                "Oldest retained change");
        facts.addFormItem(new Span(String.format("%,d", o.clients())), "Clients");
        facts.addFormItem(new Span(String.format("%,d", o.journalEntries())), "Journal entries");
        facts.addFormItem(new Span(String.format("%,d", o.rejectedLastDay())), "Rejected in the last 24 h");
        facts.addFormItem(new Span(String.format("%,d", o.pushesPerMinute())), "Mutations in the last minute");
        facts.addFormItem(new Span(String.format("%,d", o.pullsPerMinute())), "Pulls in the last minute");
        facts.addFormItem(new Span(String.valueOf(o.sockets())), "WebSocket streams on this instance");
        facts.addFormItem(new Span(Views.time(o.lastPoll())), "Last change-log poll on this instance");
    }
}
