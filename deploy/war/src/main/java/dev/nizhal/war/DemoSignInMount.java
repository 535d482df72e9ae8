package dev.nizhal.war;

import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.ServletRegistration;
import jakarta.servlet.SessionCookieConfig;
import jakarta.servlet.annotation.WebListener;

/**
 * Mounts the demo's sign-in page ({@link DemoSignInPage}) at {@value DemoSignInPage#LOGIN} while the admin console
 * is on, and makes the session cookie that then carries the operator
 * {@code HttpOnly} and {@code SameSite=Strict} (Liberty's {@code server.xml} says so too; Payara needs it said here).
 * While the console is off, nothing is mounted: that path stays the sync API's 404.
 */
@WebListener
public class DemoSignInMount implements ServletContextListener {
    @Override
    public void contextInitialized(ServletContextEvent event) {
        if (!DemoOperatorsExtension.consoleOn()) {
            return;
        }
        ServletContext context = event.getServletContext();
        ServletRegistration.Dynamic page = context.addServlet("nizhal-admin-login", new DemoSignInPage());
        if (page != null) {
            page.addMapping(DemoSignInPage.LOGIN);
        }
        SessionCookieConfig cookie = context.getSessionCookieConfig();
        cookie.setHttpOnly(true);
        cookie.setAttribute("SameSite", "Strict");
    }
}
