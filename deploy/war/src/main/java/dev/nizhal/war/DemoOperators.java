package dev.nizhal.war;

import dev.nizhal.admin.AdminConsole;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.security.enterprise.credential.Credential;
import jakarta.security.enterprise.credential.UsernamePasswordCredential;
import jakarta.security.enterprise.identitystore.CredentialValidationResult;
import jakarta.security.enterprise.identitystore.IdentityStore;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;
import java.util.Set;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * The demo WAR's operators, for its admin console ({@link DemoOperatorSignIn}): one operator named by {@value #ADMIN_USER} (default
 * {@code admin}) whose password is {@value #ADMIN_PASSWORD}, in the group {@value AdminConsole#ROLE}; without a
 * password nobody signs in. {@value #VIEWER_PASSWORD}, when set, lets in a {@code viewer} without that group, whom the
 * console refuses (403). An application of its own uses its server's realm, LDAP or OIDC instead: the console only
 * asks for the role.
 */
@ApplicationScoped
public class DemoOperators implements IdentityStore {
    static final String ADMIN_USER = "demo.admin.user";
    static final String ADMIN_PASSWORD = "demo.admin.password";
    static final String VIEWER_PASSWORD = "demo.viewer.password";

    @Override
    public CredentialValidationResult validate(Credential credential) {
        if (!(credential instanceof UsernamePasswordCredential given)) {
            return CredentialValidationResult.NOT_VALIDATED_RESULT;
        }
        Config config = ConfigProvider.getConfig(DemoOperators.class.getClassLoader());
        String admin = value(config, ADMIN_USER).orElse("admin");
        if (given.getCaller().equals(admin) && matches(value(config, ADMIN_PASSWORD), given)) {
            return new CredentialValidationResult(admin, Set.of(AdminConsole.ROLE));
        }
        if (given.getCaller().equals("viewer") && matches(value(config, VIEWER_PASSWORD), given)) {
            return new CredentialValidationResult("viewer", Set.of());
        }
        return CredentialValidationResult.INVALID_RESULT;
    }

    private static Optional<String> value(Config config, String key) {
        return config.getOptionalValue(key, String.class).filter(v -> !v.isBlank());
    }

    /** Compares in constant time; an unset password matches nothing. */
    private static boolean matches(Optional<String> expected, UsernamePasswordCredential given) {
        return expected.map(password -> MessageDigest.isEqual(
                        password.getBytes(StandardCharsets.UTF_8),
                        given.getPasswordAsString().getBytes(StandardCharsets.UTF_8)))
                .orElse(false);
    }
}
