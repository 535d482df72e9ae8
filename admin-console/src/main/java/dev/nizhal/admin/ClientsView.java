package dev.nizhal.admin;

import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.html.H2;
import com.vaadin.flow.component.html.Paragraph;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.component.textfield.TextField;
import com.vaadin.flow.data.value.ValueChangeMode;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import com.vaadin.flow.router.RouteParameters;
import com.vaadin.flow.router.RouterLink;
import dev.nizhal.ports.in.InspectSyncState.ClientQuery;
import dev.nizhal.ports.in.InspectSyncState.ClientSummary;

/** Every client, the most behind first, paged by the grid as it scrolls. */
@Route(value = "clients", layout = ConsoleLayout.class)
@PageTitle("Clients · Nizhal admin")
public class ClientsView extends VerticalLayout {

    public ClientsView() {
        TextField actor = new TextField("Actor");
        actor.setPlaceholder("all actors");
        actor.setValueChangeMode(ValueChangeMode.LAZY);
        Grid<ClientSummary> grid = new Grid<>();
        grid.addComponentColumn(c ->
                        new RouterLink(c.clientId(), ClientView.class, new RouteParameters("clientId", c.clientId())))
                .setHeader("Client")
                .setAutoWidth(true);
        grid.addColumn(ClientSummary::actor).setHeader("Actor").setAutoWidth(true);
        grid.addColumn(c -> String.join(", ", c.rules())).setHeader("Rules");
        grid.addColumn(c -> Views.time(c.lastPullAt())).setHeader("Last pull").setAutoWidth(true);
        grid.addColumn(c -> Views.time(c.caughtUpAt()))
                .setHeader("Cursor at (caught up)")
                .setAutoWidth(true);
        grid.addColumn(c -> Views.behind(c.changesBehind())).setHeader("Changes behind");
        grid.addColumn(ClientSummary::lastMutationId).setHeader("Last mutation");
        grid.addColumn(c -> c.connected() ? "connected" : "").setHeader("Socket");
        grid.setItems(query -> AdminConsole.current()
                .inspect()
                .clients(new ClientQuery(
                        actor.getValue().isBlank() ? null : actor.getValue().strip(),
                        query.getOffset(),
                        Math.min(query.getLimit(), 500)))
                .stream());
        actor.addValueChangeListener(e -> grid.getDataProvider().refreshAll());
        add(
                new H2("Clients"),
                new Paragraph("Ordered by lag: clients that never caught up first, then by the time of their last"
                        + " drained pull; clients never seen pulling (push-only) come last. Changes behind count the"
                        + " rows changed in the buckets they hold since then."),
                actor,
                grid);
        setSizeFull();
        grid.setSizeFull();
    }
}
