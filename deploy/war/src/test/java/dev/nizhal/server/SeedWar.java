package dev.nizhal.server;

import dev.nizhal.domain.testing.Fixtures;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * The WAR the black-box suites run against: the demo WAR as built, with {@link SeedApp} (through {@link SeedWarApp})
 * in place of the demo apps. Same libraries, same {@code nizhal-jakarta} wiring, same server configuration.
 */
final class SeedWar {
    private SeedWar() {}

    /** The seed WAR at {@code out}, with the classes {@code more} (and their nested ones) added. */
    static Path build(Path demoWar, Path out, Class<?>... more) {
        try {
            Files.createDirectories(out.getParent());
            try (ZipFile demo = new ZipFile(demoWar.toFile());
                    ZipOutputStream war = new ZipOutputStream(Files.newOutputStream(out))) {
                Enumeration<? extends ZipEntry> entries = demo.entries();
                while (entries.hasMoreElements()) {
                    ZipEntry entry = entries.nextElement();
                    String name = entry.getName();
                    // the demo's persistence unit names its entity, which is left out with the demo
                    if (name.startsWith("WEB-INF/classes/dev/nizhal/war/")
                            || name.startsWith("WEB-INF/lib/nizhal-demo-")
                            || name.equals("WEB-INF/classes/META-INF/persistence.xml")) {
                        continue;
                    }
                    war.putNextEntry(new ZipEntry(name));
                    if (!entry.isDirectory()) {
                        try (InputStream in = demo.getInputStream(entry)) {
                            in.transferTo(war);
                        }
                    }
                    war.closeEntry();
                }
                List<Class<?>> classes = new ArrayList<>(List.of(SeedWarApp.class, SeedApp.class, Fixtures.class));
                classes.addAll(List.of(more));
                for (Class<?> anchor : classes) {
                    copyClasses(anchor, war);
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code anchor}'s class files and those of its nested classes, into {@code WEB-INF/classes}. */
    private static void copyClasses(Class<?> anchor, ZipOutputStream war) throws IOException {
        String base = anchor.getName().replace('.', '/');
        Path location;
        try {
            location = Path.of(
                    anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        List<String> names = new ArrayList<>();
        if (Files.isDirectory(location)) {
            Path dir = location.resolve(base).getParent();
            try (Stream<Path> files = Files.list(dir)) {
                String simple = anchor.getSimpleName();
                files.map(p -> p.getFileName().toString())
                        .filter(f -> f.equals(simple + ".class") || f.startsWith(simple + "$"))
                        .forEach(f -> names.add(base.substring(0, base.lastIndexOf('/') + 1) + f));
            }
        } else {
            try (JarFile jar = new JarFile(location.toFile())) {
                jar.stream()
                        .map(ZipEntry::getName)
                        .filter(n -> n.equals(base + ".class") || n.startsWith(base + "$"))
                        .forEach(names::add);
            }
        }
        for (String name : names) {
            war.putNextEntry(new ZipEntry("WEB-INF/classes/" + name));
            try (InputStream in = anchor.getClassLoader().getResourceAsStream(name)) {
                in.transferTo(war);
            }
            war.closeEntry();
        }
    }
}
