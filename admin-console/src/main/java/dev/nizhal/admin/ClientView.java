package dev.nizhal.admin;

import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.html.H2;
import com.vaadin.flow.component.html.H3;
import com.vaadin.flow.component.html.Paragraph;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.router.BeforeEnterEvent;
import com.vaadin.flow.router.BeforeEnterObserver;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import dev.nizhal.ports.in.InspectSyncState.ClientDetail;
import dev.nizhal.ports.in.InspectSyncState.ClientSummary;
import dev.nizhal.ports.in.InspectSyncState.PullSeen;
import dev.nizhal.ports.in.InspectSyncState.RulePosition;
import java.util.Optional;

/** One client: where it stands in each rule, its recent pulls and pushes. */
@Route(value = "clients/:clientId", layout = ConsoleLayout.class)
@PageTitle("Client · Nizhal admin")
public class ClientView extends VerticalLayout implements BeforeEnterObserver {

    @Override
    public void beforeEnter(BeforeEnterEvent event) {
        removeAll();
        String clientId = event.getRouteParameters().get("clientId").orElse("");
        Optional<ClientDetail> found = AdminConsole.current().inspect().client(clientId);
        add(new H2("Client " + clientId));
        if (found.isEmpty()) {
            add(new Paragraph("The journal has no client " + clientId + "."));
            return;
        }
        ClientDetail detail = found.get();
        ClientSummary s = detail.summary();
        add(new Paragraph("Actor " + s.actor() + " · first push " + Views.time(detail.createdAt()) + " · last mutation "
                + s.lastMutationId() + " · last pull " + Views.time(s.lastPullAt()) + " · changes behind "
                + Views.behind(s.changesBehind()) + " · " + (s.connected() ? "socket connected" : "no socket")));

        Grid<RulePosition> positions = new Grid<>();
        positions.addColumn(RulePosition::rule).setHeader("Rule");
        positions.addColumn(p -> Views.time(p.lastPullAt())).setHeader("Last pull");
        positions.addColumn(p -> Views.time(p.caughtUpAt())).setHeader("Cursor at (caught up)");
        positions.addColumn(p -> Views.behind(p.changesBehind())).setHeader("Changes behind");
        positions.addColumn(RulePosition::pulls).setHeader("Pulls");
        positions.addColumn(p -> String.join(" ", p.buckets())).setHeader("Buckets held");
        positions.setItems(detail.positions());
        positions.setAllRowsVisible(true);

        Grid<PullSeen> pulls = new Grid<>();
        pulls.addColumn(p -> Views.time(p.at())).setHeader("Pulled at");
        pulls.addColumn(PullSeen::rule).setHeader("Rule");
        pulls.addColumn(PullSeen::changes).setHeader("Changes");
        pulls.addColumn(p -> p.hasMore() ? "more to pull" : "drained").setHeader("Then");
        pulls.addColumn(p -> p.reset() ? "reset" : "").setHeader("Reset");
        pulls.setItems(detail.pulls());
        pulls.setAllRowsVisible(true);

        add(
                new H3("Rules"),
                positions,
                new H3("Recent pulls (last hour)"),
                pulls,
                new H3("Recent pushes"),
                JournalView.entries(detail.pushes(), null));
    }
}
