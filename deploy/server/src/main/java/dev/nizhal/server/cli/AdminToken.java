package dev.nizhal.server.cli;

import dev.nizhal.adapters.jwt.HmacTokenIssuer;
import dev.nizhal.adapters.jwt.Issuer;
import dev.nizhal.adapters.jwt.KeySource;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** {@code nizhal admin-token}: a short-lived token for the admin console, signed with the server's HS256 secret. */
@Command(
        name = "admin-token",
        mixinStandardHelpOptions = true,
        description = {
            "Prints a short-lived token for the admin console (the claim nizhal_admin: true, the operator's name as"
                    + " subject), signed with the HS256 secret that `serve` uses: the one kept in the data folder, or"
                    + " --jwt-secret. With JWKS, your identity provider issues operators' tokens instead."
        })
final class AdminToken extends Commands.Subcommand {
    @Mixin
    ServeOptions serve;

    @Option(
            names = "--name",
            required = true,
            paramLabel = "<operator>",
            description = "The operator's name: the console shows it and writes it in the audit of every replay.")
    String name;

    @Option(
            names = "--valid-minutes",
            paramLabel = "<minutes>",
            defaultValue = "60",
            description = "How long the token is valid, 1 to 720 minutes. Default 60.")
    int validMinutes;

    AdminToken(NizhalCli cli) {
        super(cli);
    }

    @Override
    public Integer call() {
        if (name.isBlank()) {
            throw new ParameterException(spec.commandLine(), "--name is the operator's name; it must not be blank");
        }
        if (validMinutes < 1 || validMinutes > 720) {
            throw new ParameterException(spec.commandLine(), "--valid-minutes is 1 to 720, was " + validMinutes);
        }
        Issuer issuer = Serve.issuer(serve, database.dataDirectory(), spec);
        if (!(issuer.keys() instanceof KeySource.HmacSecret)) {
            throw new ParameterException(
                    spec.commandLine(),
                    "admin tokens are signed with an HS256 secret; with JWKS, have your identity provider issue a"
                            + " token with the claim nizhal_admin: true");
        }
        String token = new HmacTokenIssuer(issuer, Instant::now)
                .sign(name.strip(), Duration.ofMinutes(validMinutes), Map.of("nizhal_admin", true));
        out().println(token);
        out().flush();
        return 0;
    }
}
