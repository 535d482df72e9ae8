package dev.nizhal.war;

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
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;

/**
 * HTTP Basic for the demo WAR's admin console, and only there: a request for a URL without a security constraint (the
 * sync API, whose bearer tokens Nizhal checks itself) passes untouched, whatever its {@code Authorization} header
 * holds; a malformed Basic header is a refused sign-in (401), never a server error.
 */
@ApplicationScoped
public class DemoOperatorSignIn implements HttpAuthenticationMechanism {
    static final String CHALLENGE = "Basic realm=\"Nizhal admin console\", charset=\"UTF-8\"";

    @Inject
    IdentityStoreHandler identities;

    @Override
    public AuthenticationStatus validateRequest(
            HttpServletRequest request, HttpServletResponse response, HttpMessageContext context) {
        if (!context.isProtected()) {
            return context.doNothing();
        }
        Optional<UsernamePasswordCredential> given = basic(request.getHeader("Authorization"));
        if (given.isPresent()) {
            CredentialValidationResult result = identities.validate(given.get());
            if (result.getStatus() == CredentialValidationResult.Status.VALID) {
                return context.notifyContainerAboutLogin(result);
            }
        }
        response.setHeader("WWW-Authenticate", CHALLENGE);
        return context.responseUnauthorized();
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
