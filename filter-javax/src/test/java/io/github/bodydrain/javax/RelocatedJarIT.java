package io.github.bodydrain.javax;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The javax jar is the jakarta jar with one package renamed: the same classes, none of which
 * names {@code jakarta}, and the filter a {@code javax.servlet.Filter}. The behaviour is the
 * contract suites' to show, on Tomcat 9 and Jetty ee8.
 */
class RelocatedJarIT {

    private static final Path JAVAX = Path.of(System.getProperty("bodydrain.javax.jar"));
    private static final Path JAKARTA = Path.of(System.getProperty("bodydrain.jakarta.jar"));
    private static final Path JAVAX_SOURCES = Path.of(System.getProperty("bodydrain.javax.sources"));
    private static final Path JAVAX_JAVADOC = Path.of(System.getProperty("bodydrain.javax.javadoc"));

    @Test
    void holdsEveryClassOfTheJakartaJar() throws IOException {
        Set<String> classes = classes(JAVAX);
        assertEquals(classes(JAKARTA), classes);
        assertTrue(classes.contains("io/github/bodydrain/BodyDrainFilter.class"), classes::toString);
    }

    @Test
    void namesJakartaNowhereInItsClassesOrItsSources() throws IOException {
        List<String> naming = new ArrayList<>();
        for (Path jar : List.of(JAVAX, JAVAX_SOURCES)) {
            try (JarFile file = new JarFile(jar.toFile())) {
                for (JarEntry entry : file.stream().filter(RelocatedJarIT::isCode).toList()) {
                    try (InputStream in = file.getInputStream(entry)) {
                        // Class names and string constants are UTF-8 in the constant pool.
                        if (new String(in.readAllBytes(), StandardCharsets.ISO_8859_1).contains("jakarta")) {
                            naming.add(jar.getFileName() + "!" + entry.getName());
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), naming);
    }

    @Test
    void itsJavadocDocumentsTheJavaxFilter() throws IOException {
        try (JarFile javadoc = new JarFile(JAVAX_JAVADOC.toFile())) {
            JarEntry page = javadoc.getJarEntry("io/github/bodydrain/BodyDrainFilter.html");
            assertTrue(page != null, "no page for BodyDrainFilter in " + JAVAX_JAVADOC);
            try (InputStream in = javadoc.getInputStream(page)) {
                String html = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(html.contains("javax.servlet.Filter"), "the page does not name javax.servlet.Filter");
                assertTrue(!html.contains("jakarta.servlet"), "the page names jakarta.servlet");
            }
        }
    }

    @Test
    void itsFilterIsAJavaxFilter() throws Exception {
        Class<?> filter = Class.forName("io.github.bodydrain.BodyDrainFilter");
        assertTrue(javax.servlet.Filter.class.isAssignableFrom(filter));
        assertEquals(JAVAX.toUri(), filter.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    private static boolean isCode(JarEntry entry) {
        return entry.getName().endsWith(".class") || entry.getName().endsWith(".java");
    }

    private static Set<String> classes(Path jar) throws IOException {
        try (JarFile file = new JarFile(jar.toFile())) {
            Set<String> classes = new TreeSet<>();
            file.stream().map(JarEntry::getName).filter(name -> name.endsWith(".class")).forEach(classes::add);
            return classes;
        }
    }
}
