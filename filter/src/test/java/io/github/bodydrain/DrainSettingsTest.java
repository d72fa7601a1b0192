package io.github.bodydrain;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The settings' ranges, checked where each value is set, with one kind of error. */
class DrainSettingsTest {

    private final DrainSettings.Builder builder = DrainSettings.DEFAULTS.toBuilder();

    @Test
    void theDefaults() {
        assertEquals(256L * 1024 * 1024, DrainSettings.DEFAULTS.maxBytes());
        assertEquals(5_000, DrainSettings.DEFAULTS.timeoutMs());
        assertEquals(5_000_000_000L, DrainSettings.DEFAULTS.timeoutNanos());
        assertFalse(DrainSettings.DEFAULTS.jmxEnabled());
    }

    @Test
    void theEdgesOfEachRangeAreAccepted() {
        DrainSettings low = builder.maxBytes(0).timeoutMs(1).jmxEnabled(true).build();
        assertEquals(0, low.maxBytes());
        assertEquals(1, low.timeoutMs());
        assertTrue(low.jmxEnabled());
        assertEquals(DrainSettings.MAX_TIMEOUT_MS, builder.timeoutMs(DrainSettings.MAX_TIMEOUT_MS).build().timeoutMs());
        assertEquals(Long.MAX_VALUE, builder.maxBytes(Long.MAX_VALUE).build().maxBytes());
    }

    @ParameterizedTest
    @CsvSource({"maxBytes, -1, must be at least 0", "timeoutMs, 0, must be between 1 and",
            "timeoutMs, 2305843009214, must be between 1 and"})
    void justPastEachEdgeIsRejectedNamingTheSettingAndTheValue(String name, long value, String why) {
        InvalidSettingException e = assertThrows(InvalidSettingException.class,
                () -> builder.set(name, Long.toString(value)));
        assertEquals(name, e.parameter());
        assertEquals(Long.toString(value), e.value());
        assertTrue(e.problem().startsWith(why), e::problem);
        assertEquals(name + " [" + value + "] " + e.problem(), e.getMessage());
        assertEquals(2305843009213L, DrainSettings.MAX_TIMEOUT_MS);
    }

    @Test
    void textIsTrimmedAndItsErrorsShowItAsGiven() {
        assertEquals(4096, builder.set("maxBytes", " 4096 ").build().maxBytes());
        assertFalse(builder.set("jmxEnabled", "true").set("jmxEnabled", " false ").build().jmxEnabled());
        assertTrue(builder.set("jmxEnabled", "true").build().jmxEnabled());
        InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> builder.set("timeoutMs", " -3 "));
        assertEquals(" -3 ", e.value());
        assertEquals("timeoutMs", e.parameter());
        assertEquals("is not a whole number",
                assertThrows(InvalidSettingException.class, () -> builder.set("maxBytes", null)).problem());
        assertEquals("must be true or false",
                assertThrows(InvalidSettingException.class, () -> builder.set("jmxEnabled", null)).problem());
    }

    @Test
    void anUnknownNameListsTheParameters() {
        InvalidSettingException e = assertThrows(InvalidSettingException.class, () -> builder.set("maxbytes", "1"));
        assertEquals("is not a parameter of this filter; it takes [maxBytes, timeoutMs, nonBlocking, excludedPaths, jmxEnabled]", e.problem());
    }

    @Test
    void theTextOfTheSettingsNamesEachParameter() {
        assertEquals("maxBytes [268435456], timeoutMs [5000], nonBlocking [true], excludedPaths [], jmxEnabled [false]", DrainSettings.DEFAULTS.toString());
    }

    @Test
    void excludedPathsAreExactOrAPrefixAsAServletMappingIs() {
        DrainSettings settings = DrainSettings.DEFAULTS.toBuilder().set("excludedPaths", " /stream/*, /echo ").build();
        assertEquals(java.util.List.of("/stream/*", "/echo"), settings.excludedPaths());
        for (String path : new String[] {"/stream", "/stream/", "/stream/a/b", "/echo"}) {
            assertTrue(settings.excludes(path), path);
        }
        for (String path : new String[] {"/streams", "/echo/x", "/", "/upload"}) {
            assertFalse(settings.excludes(path), path);
        }
        assertFalse(DrainSettings.DEFAULTS.excludes("/stream"));
        assertTrue(DrainSettings.DEFAULTS.toBuilder().set("excludedPaths", "").build().excludedPaths().isEmpty());
    }

    @Test
    void anExcludedPathThatIsNoPathNamesItself() {
        for (String bad : new String[] {"stream/*", "/a/*/b", "*.jsp", "/a*"}) {
            InvalidSettingException e = assertThrows(InvalidSettingException.class,
                    () -> DrainSettings.DEFAULTS.toBuilder().set("excludedPaths", "/ok," + bad));
            assertEquals("excludedPaths", e.parameter());
            assertEquals("/ok," + bad, e.value());
            assertTrue(e.problem().contains("[" + bad + "]"), e.problem());
        }
    }
}
