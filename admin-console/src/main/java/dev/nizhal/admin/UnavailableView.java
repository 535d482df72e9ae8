package dev.nizhal.admin;

import com.vaadin.flow.component.html.H2;
import com.vaadin.flow.component.html.Paragraph;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.router.BeforeEnterEvent;
import com.vaadin.flow.router.ErrorParameter;
import com.vaadin.flow.router.HasErrorParameter;
import com.vaadin.flow.router.ParentLayout;
import jakarta.servlet.http.HttpServletResponse;

/** What every view shows while the engine behind the console is not serving: the reason, and 503. */
@ParentLayout(ConsoleLayout.class)
public class UnavailableView extends VerticalLayout implements HasErrorParameter<AdminConsole.Unavailable> {
    @Override
    public int setErrorParameter(BeforeEnterEvent event, ErrorParameter<AdminConsole.Unavailable> parameter) {
        removeAll();
        add(
                new H2("The sync engine is not serving"),
                new Paragraph(parameter.getException().getMessage()),
                new Paragraph("The console shows its data again once the engine has started; reload the page then."));
        return HttpServletResponse.SC_SERVICE_UNAVAILABLE;
    }
}
