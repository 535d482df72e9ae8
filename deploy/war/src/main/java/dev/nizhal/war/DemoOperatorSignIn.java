package dev.nizhal.war;

import dev.nizhal.admin.AdminConsole;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.security.enterprise.AuthenticationStatus;
import jakarta.security.enterprise.authentication.mechanism.http.HttpAuthenticationMechanism;
import jakarta.security.enterprise.authentication.mechanism.http.HttpMessageContext;
import jakarta.security.enterprise.credential.UsernamePasswordCredential;
import jakarta.security.enterprise.identitystore.CredentialValidationResult;
import jakarta.security.enterprise.identitystore.IdentityStoreHandler;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import java.util.Set;

/**
 * The demo WAR's sign-in to its admin console, in three ways:
 *
 * <ul>
 *   <li>the form of {@link DemoSignInPage} at {@value DemoSignInPage#LOGIN}: its POST, from the page's own origin,
 *       with the credentials of an operator (the group {@value AdminConsole#ROLE}) is a container login, and the
 *       operator is kept in a new HTTP session (the page then sends the browser to the console);
 *   <li>that session, on each request under {@code /admin}: the mechanism logs its operator in again (the
 *       application's own session rather than the container's registered one, so that both servers treat it alike);
 *   <li>HTTP Basic, for tools such as curl: an {@code Authorization: Basic} header on a request under {@code /admin} is
 *       checked as it comes; wrong credentials (or a malformed header) are a refused sign-in: 401 with a challenge.
 * </ul>
 *
 * <p>Anything else under {@code /admin} (no credentials, no session) gets 403 with a line that says where to sign in,
 * and no challenge. A request for a URL without a security constraint other than the form's POST (the sync API, whose
 * bearer tokens Nizhal checks itself) passes untouched, whatever its {@code Authorization} header holds.
 */
@ApplicationScoped
public class DemoOperatorSignIn implements HttpAuthenticationMechanism {
    static final String CHALLENGE = "Basic realm=\"Nizhal admin console\", charset=\"UTF-8\"";
    /** The operator's name in the HTTP session after a sign-in by the form. */
    static final String OPERATOR = DemoOperatorSignIn.class.getName() + ".operator";
    /** What became of a POST of the sign-in form ({@link Outcome}), for {@link DemoSignInPage}. */
    static final String OUTCOME = DemoOperatorSignIn.class.getName() + ".outcome";

    /** What became of a POST of the sign-in form. */
    enum Outcome {
        SIGNED_IN,
        REFUSED,
        CROSS_SITE
    }

    @Inject
    IdentityStoreHandler identities;

    @Override
    public AuthenticationStatus validateRequest(
            HttpServletRequest request, HttpServletResponse response, HttpMessageContext context) {
        if ("POST".equals(request.getMethod())) {
            String uri = request.getRequestURI();
            if (uri.equals(request.getContextPath() + DemoSignInPage.LOGIN)) {
                return signIn(request, context);
            }
        }
        if (!context.isProtected()) {
            return context.doNothing();
        }
        String header = request.getHeader("Authorization");
        if (isBasic(header)) {
            Optional<UsernamePasswordCredential> given = basic(header);
            if (given.isPresent()) {
                CredentialValidationResult result = identities.validate(given.get());
                if (result.getStatus() == CredentialValidationResult.Status.VALID) {
                    return context.notifyContainerAboutLogin(result);
                }
            }
            response.setHeader("WWW-Authenticate", CHALLENGE);
            return context.responseUnauthorized();
        }
        HttpSession session = request.getSession(false);
        if (session != null && session.getAttribute(OPERATOR) instanceof String operator) {
            return context.notifyContainerAboutLogin(operator, Set.of(AdminConsole.ROLE));
        }
        return refuseAnonymous(request, response);
    }

    /**
     * The form's POST: an operator is logged in and kept in a new session (a session of before is dropped, so that
     * nobody who knew its id shares the operator's); anyone else is left anonymous and the page says no.
     */
    private AuthenticationStatus signIn(HttpServletRequest request, HttpMessageContext context) {
        if (!DemoSignInPage.sameOrigin(request)) {
            request.setAttribute(OUTCOME, Outcome.CROSS_SITE);
            return context.doNothing();
        }
        String user = request.getParameter("username");
        String password = request.getParameter("password");
        if (user == null || user.isBlank() || password == null || password.isEmpty()) {
            request.setAttribute(OUTCOME, Outcome.REFUSED);
            return context.doNothing();
        }
        CredentialValidationResult result = identities.validate(new UsernamePasswordCredential(user, password));
        if (result.getStatus() != CredentialValidationResult.Status.VALID
                || !result.getCallerGroups().contains(AdminConsole.ROLE)) {
            request.setAttribute(OUTCOME, Outcome.REFUSED);
            return context.doNothing();
        }
        HttpSession before = request.getSession(false);
        if (before != null) {
            before.invalidate();
        }
        request.getSession(true)
                .setAttribute(OPERATOR, result.getCallerPrincipal().getName());
        request.setAttribute(OUTCOME, Outcome.SIGNED_IN);
        return context.notifyContainerAboutLogin(result);
    }

    /**
     * 403 written here, with no challenge: an anonymous visitor of the console is sent to the form, not asked for
     * Basic credentials by the browser. The response is committed before the container sees the status, so that
     * neither server turns it into a 401 of its own.
     */
    private static AuthenticationStatus refuseAnonymous(HttpServletRequest request, HttpServletResponse response) {
        try {
            DemoSignInPage.write(
                    response,
                    HttpServletResponse.SC_FORBIDDEN,
                    "Forbidden",
                    "<p>The admin console is for operators. <a href=\"" + DemoSignInPage.login(request)
                            + "\">Sign in</a> at " + DemoSignInPage.LOGIN + " first.</p>");
            response.flushBuffer();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // the client went away
        }
        return AuthenticationStatus.SEND_CONTINUE;
    }

    /** Whether a header offers Basic credentials, well-formed or not. */
    static boolean isBasic(String header) {
        if (header == null) {
            return false;
        }
        String value = header.strip();
        return value.regionMatches(true, 0, "Basic", 0, 5) && (value.length() == 5 || value.charAt(5) == ' ');
    }

    /** The user and password of a well-formed {@code Basic} header, empty for anything else. */
    static Optional<UsernamePasswordCredential> basic(String header) {
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return Optional.empty();
        }
        String decoded;
        try {
            decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        int colon = decoded.indexOf(':');
        if (colon <= 0 || decoded.indexOf('\u0000') >= 0) {
            return Optional.empty();
        }
        return Optional.of(new UsernamePasswordCredential(decoded.substring(0, colon), decoded.substring(colon + 1)));
    }
}
