package dev.nizhal.admin;

import com.vaadin.flow.component.dependency.StyleSheet;
import com.vaadin.flow.component.page.AppShellConfigurator;
import com.vaadin.flow.server.AppShellSettings;
import com.vaadin.flow.theme.lumo.Lumo;

/** The console's page: Lumo, Vaadin's standard theme (in the prebuilt bundle). */
@StyleSheet(Lumo.STYLESHEET)
public class AdminShell implements AppShellConfigurator {
    @Override
    public void configurePage(AppShellSettings settings) {
        settings.setPageTitle("Nizhal admin console");
    }
}
