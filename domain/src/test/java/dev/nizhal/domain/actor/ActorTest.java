package dev.nizhal.domain.actor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nizhal.domain.text.StorableText;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ActorTest {
    @Test
    void anActorIsStorableWhenItsIdAndEveryClaimTextAreWellFormedWithoutNul() {
        assertThat(Actor.of("alice").storable()).isTrue();
        Map<String, Object> claims = Map.of("team", "\uD834\uDD1E", "n", 1L, "l", List.of("a", Map.of("k", true)));
        assertThat(new Actor("\uD83D\uDE00 \u00e9", claims).storable()).isTrue();

        assertThat(Actor.of("a\u0000b").storable()).isFalse();
        assertThat(Actor.of("a\ud800").storable()).isFalse();
        assertThat(Actor.of("\udc00a").storable()).isFalse();
        assertThat(new Actor("a", Map.of("team", "x\u0000")).storable()).isFalse();
        assertThat(new Actor("a", Map.of("t\ud800", 1L)).storable()).isFalse();
        assertThat(new Actor("a", Map.of("l", List.of("ok", Map.of("k\u0000", 1L)))).storable())
                .isFalse();
    }

    @Test
    void storableTextSaysWhatIsWrong() {
        assertThat(StorableText.problem("a\u0000")).contains(StorableText.NUL);
        assertThat(StorableText.problem("\ud83d")).contains(StorableText.UNPAIRED_SURROGATE);
        assertThat(StorableText.problem("\ud83d\ude00")).isEmpty();
        assertThat(StorableText.problem("")).isEmpty();
    }
}
