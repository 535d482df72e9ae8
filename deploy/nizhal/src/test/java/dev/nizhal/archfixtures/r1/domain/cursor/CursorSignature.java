package dev.nizhal.archfixtures.r1.domain.cursor;

import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** Compliant with R1: javax.crypto is part of the JDK the domain may use (cursor HMACs). */
public final class CursorSignature {
    private CursorSignature() {}

    public static byte[] sign(byte[] key, byte[] payload) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(payload);
    }
}
