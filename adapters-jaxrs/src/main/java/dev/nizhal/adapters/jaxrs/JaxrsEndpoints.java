package dev.nizhal.adapters.jaxrs;

import dev.nizhal.adapters.jaxrs.internal.ActorRateLimiter;
import dev.nizhal.ports.in.DescribeContract;
import dev.nizhal.ports.in.PullChanges;
import dev.nizhal.ports.in.PushMutations;
import dev.nizhal.ports.out.ActorResolver;
import jakarta.ws.rs.core.Application;
import java.util.Objects;
import java.util.Set;

/**
 * The Nizhal endpoints as ready-made JAX-RS objects, for any Jakarta REST runtime and without a runtime-specific
 * configuration class: four resources ({@code POST /sync/pull}, {@code POST /sync/push}, {@code GET
 * /nizhal/contract}, {@code GET /nizhal/health}), the protocol filter and the error mapper.
 *
 * <pre>{@code
 * JaxrsEndpoints endpoints = JaxrsEndpoints.builder()
 *         .pull(nizhal::pull).push(nizhal::push).contract(nizhal::contract)
 *         .actors(resolver).health(check)
 *         .build();
 * new ResourceConfig().registerInstances(endpoints.singletons());   // Jersey
 * endpoints.application();                                          // any runtime that takes an Application
 * }</pre>
 *
 * Mounted in an application with resources of its own, the filter and mapper apply to Nizhal's resources only.
 */
public final class JaxrsEndpoints {
    /** The most pulls one instance serves at once unless {@link Builder#maxConcurrentPulls} says otherwise. */
    public static final int DEFAULT_MAX_CONCURRENT_PULLS = 64;

    private final Set<Object> singletons;

    private JaxrsEndpoints(Builder builder) {
        JaxrsErrorMapper errors = new JaxrsErrorMapper();
        ActorRateLimiter rate = builder.requestRate.limited()
                ? new ActorRateLimiter(builder.requestRate.perSecond(), builder.requestRate.burst())
                : ActorRateLimiter.UNLIMITED;
        this.singletons = Set.of(
                new JaxrsPullResource(builder.pull, builder.actors, builder.limits, builder.maxConcurrentPulls, rate),
                new JaxrsPushResource(builder.push, builder.actors, builder.limits, rate),
                new JaxrsContractResource(builder.contract, builder.actors),
                new JaxrsHealthResource(builder.health),
                new JaxrsProtocolFilter(errors),
                errors);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The resources and providers, to register as instances (they are stateless and thread-safe). */
    public Set<Object> singletons() {
        return singletons;
    }

    /** An {@link Application} holding {@link #singletons()} and nothing else. */
    public Application application() {
        return new Application() {
            @Override
            public Set<Object> getSingletons() {
                return singletons;
            }
        };
    }

    /** The driving ports the endpoints call, the actor resolver and the limits. */
    public static final class Builder {
        private PullChanges pull;
        private PushMutations push;
        private DescribeContract contract;
        private ActorResolver actors;
        private HealthCheck health;
        private WireLimits limits = WireLimits.DEFAULTS;
        private int maxConcurrentPulls = DEFAULT_MAX_CONCURRENT_PULLS;
        private RequestRate requestRate = RequestRate.DEFAULT;

        private Builder() {}

        public Builder pull(PullChanges pull) {
            this.pull = Objects.requireNonNull(pull, "pull");
            return this;
        }

        public Builder push(PushMutations push) {
            this.push = Objects.requireNonNull(push, "push");
            return this;
        }

        public Builder contract(DescribeContract contract) {
            this.contract = Objects.requireNonNull(contract, "contract");
            return this;
        }

        /** Turns the bearer token of each request into its actor. */
        public Builder actors(ActorResolver actors) {
            this.actors = Objects.requireNonNull(actors, "actors");
            return this;
        }

        public Builder health(HealthCheck health) {
            this.health = Objects.requireNonNull(health, "health");
            return this;
        }

        /**
         * The most pulls this instance serves at once; one more is answered 429 {@code RATE_LIMITED} with {@code
         * Retry-After} at once, rather than waiting for a database connection. {@link #DEFAULT_MAX_CONCURRENT_PULLS}
         * unless set.
         */
        public Builder maxConcurrentPulls(int maxConcurrentPulls) {
            if (maxConcurrentPulls < 1) {
                throw new IllegalArgumentException("maxConcurrentPulls must be at least 1, was " + maxConcurrentPulls);
            }
            this.maxConcurrentPulls = maxConcurrentPulls;
            return this;
        }

        /**
         * How many pulls and pushes one actor may make per second on this instance, with a burst; beyond, 429 {@code
         * RATE_LIMITED} with {@code Retry-After}. {@link RequestRate#DEFAULT} unless set; {@link
         * RequestRate#UNLIMITED} for none.
         */
        public Builder requestRate(RequestRate requestRate) {
            this.requestRate = Objects.requireNonNull(requestRate, "requestRate");
            return this;
        }

        /** Body and pull limits; {@link WireLimits#DEFAULTS} unless set. */
        public Builder limits(WireLimits limits) {
            this.limits = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /**
         * @throws NullPointerException naming the first port that was not given
         */
        public JaxrsEndpoints build() {
            Objects.requireNonNull(pull, "pull is required");
            Objects.requireNonNull(push, "push is required");
            Objects.requireNonNull(contract, "contract is required");
            Objects.requireNonNull(actors, "actors is required");
            Objects.requireNonNull(health, "health is required");
            return new JaxrsEndpoints(this);
        }
    }
}
