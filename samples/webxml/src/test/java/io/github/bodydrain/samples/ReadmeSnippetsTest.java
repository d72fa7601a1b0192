package io.github.bodydrain.samples;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's "Use it" snippets are the tested samples, letter for letter. */
class ReadmeSnippetsTest {

    private static final Path ROOT = Path.of("../..");

    private static String readme() throws IOException {
        return Files.readString(ROOT.resolve("README.md"));
    }

    /** The lines from the first that starts with {@code first} to the next that starts with {@code last}, dedented. */
    private static String excerpt(Path file, String first, String last) throws IOException {
        List<String> lines = Files.readAllLines(file);
        int from = indexOf(lines, first, 0);
        int to = indexOf(lines, last, from);
        int indent = lines.get(from).indexOf(first.strip());
        return lines.subList(from, to + 1).stream()
                .map(line -> line.length() >= indent ? line.substring(indent) : line.strip())
                .collect(Collectors.joining("\n"));
    }

    private static int indexOf(List<String> lines, String start, int from) {
        for (int i = from; i < lines.size(); i++) {
            if (lines.get(i).startsWith(start)) {
                return i;
            }
        }
        throw new AssertionError("no line starts with [" + start + "]");
    }

    private static void assertInReadme(String snippet) throws IOException {
        assertTrue(readme().contains(snippet), () -> "README.md does not contain, as it stands:\n" + snippet);
    }

    @Test
    void theWebXmlSnippetIsTheSamplesWebXml() throws IOException {
        assertInReadme(excerpt(ROOT.resolve("samples/webxml/src/main/webapp/WEB-INF/web.xml"), "  <filter>",
                "  </filter-mapping>"));
    }

    @Test
    void theSpringBootSnippetIsTheSamplesRegistration() throws IOException {
        assertInReadme(excerpt(ROOT.resolve(
                "samples/spring-boot/src/main/java/io/github/bodydrain/samples/boot/BodyDrainConfiguration.java"),
                "    @Bean", "    }"));
    }

    @Test
    void theNginxSnippetIsTheSamplesAppConf() throws IOException {
        String conf = Files.readString(ROOT.resolve("samples/nginx/app.conf")).strip();
        assertInReadme(Arrays.stream(conf.split("\n")).collect(Collectors.joining("\n")));
    }
}
