package dev.nizhal.admin;

import com.vaadin.flow.component.applayout.AppLayout;
import com.vaadin.flow.component.applayout.DrawerToggle;
import com.vaadin.flow.component.html.H1;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.orderedlayout.FlexComponent;
import com.vaadin.flow.component.orderedlayout.HorizontalLayout;
import com.vaadin.flow.component.sidenav.SideNav;
import com.vaadin.flow.component.sidenav.SideNavItem;

/** The frame of every view: the title, the operator's name and the views' menu. */
public class ConsoleLayout extends AppLayout {
    public ConsoleLayout() {
        H1 title = new H1("Nizhal admin");
        title.getStyle().set("font-size", "var(--lumo-font-size-l)").set("margin", "0");
        Span operator = new Span("signed in as " + AdminConsole.operator());
        operator.getStyle()
                .set("color", "var(--lumo-secondary-text-color)")
                .set("margin-left", "auto")
                .set("margin-right", "var(--lumo-space-m)");
        HorizontalLayout bar = new HorizontalLayout(new DrawerToggle(), title, operator);
        bar.setWidthFull();
        bar.setDefaultVerticalComponentAlignment(FlexComponent.Alignment.CENTER);
        addToNavbar(bar);
        SideNav nav = new SideNav();
        nav.addItem(
                new SideNavItem("Overview", OverviewView.class),
                new SideNavItem("Buckets", BucketsView.class),
                new SideNavItem("Clients", ClientsView.class),
                new SideNavItem("Journal", JournalView.class),
                new SideNavItem("Rules", RulesView.class));
        addToDrawer(nav);
    }
}
