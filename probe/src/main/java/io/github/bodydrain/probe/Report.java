package io.github.bodydrain.probe;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;

/** The per-case table a person reads, and the same as JSON for a script. */
final class Report {

    private Report() {
    }

    static String table(Map<Probe.Case, Map<Exchange.Result, Integer>> results, Map<Probe.Case, List<String>> where) {
        StringBuilder table = new StringBuilder(results.keySet().stream().anyMatch(c -> c.largeResponse)
                ? "(L: to --large-response)" + System.lineSeparator() : "");
        table.append(String.format(Locale.ROOT,
                "%-8s %-16s %-6s | %6s %6s %8s %6s %6s | %7s | %s%n",
                "    body", "expect", "conn", "intact", "short", "502-504", "reset", "t/out", "ms", "where"));
        results.forEach((c, counts) -> table.append(String.format(Locale.ROOT,
                "%s | %6d %6d %8d %6d %6d | %7d | %s%n", c.label(),
                counts.getOrDefault(Exchange.Result.INTACT, 0),
                counts.getOrDefault(Exchange.Result.CUT_SHORT, 0),
                counts.getOrDefault(Exchange.Result.GATEWAY_ERROR, 0),
                counts.getOrDefault(Exchange.Result.RESET, 0),
                counts.getOrDefault(Exchange.Result.TIMED_OUT, 0),
                c.millis, places(where.get(c)))));
        return table.toString();
    }

    static String json(Probe.Options options, Map<Probe.Case, Map<Exchange.Result, Integer>> results,
            Map<Probe.Case, List<String>> where, Probe.Verdict verdict) {
        StringJoiner cases = new StringJoiner(",", "[", "]");
        results.forEach((c, counts) -> {
            StringJoiner fields = new StringJoiner(",", "{", "}");
            fields.add("\"path\":" + string(c.path));
            fields.add("\"largeResponse\":" + c.largeResponse);
            fields.add("\"bodyBytes\":" + c.size);
            fields.add("\"expectContinue\":" + c.expect);
            fields.add("\"connection\":\"" + (c.reused ? "reused" : "fresh") + "\"");
            for (Exchange.Result result : Exchange.Result.values()) {
                fields.add("\"" + camel(result) + "\":" + counts.getOrDefault(result, 0));
            }
            fields.add("\"millis\":" + c.millis);
            StringJoiner places = new StringJoiner(",", "[", "]");
            where.get(c).forEach(place -> places.add(string(place)));
            fields.add("\"where\":" + places);
            cases.add(fields.toString());
        });
        StringJoiner advice = new StringJoiner(",", "[", "]");
        verdict.advice.forEach(line -> advice.add(string(line)));
        return "{\"target\":" + string(options.origin() + options.path)
                + ",\"verdict\":" + string(verdict.word)
                + ",\"exitCode\":" + verdict.exitCode
                + ",\"summary\":" + string(verdict.text)
                + ",\"advice\":" + advice
                + ",\"cases\":" + cases + "}";
    }

    private static String places(List<String> places) {
        Map<String, Integer> counted = new TreeMap<>();
        places.forEach(place -> counted.merge(place, 1, Integer::sum));
        StringJoiner text = new StringJoiner(", ");
        counted.forEach((place, n) -> text.add(n + "x " + place));
        return text.toString();
    }

    private static String camel(Exchange.Result result) {
        String[] words = result.name().toLowerCase(Locale.ROOT).split("_");
        StringBuilder name = new StringBuilder(words[0]);
        for (int i = 1; i < words.length; i++) {
            name.append(Character.toUpperCase(words[i].charAt(0))).append(words[i].substring(1));
        }
        return name.toString();
    }

    private static String string(String text) {
        StringBuilder json = new StringBuilder("\"");
        for (char ch : text.toCharArray()) {
            switch (ch) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                case '\n' -> json.append("\\n");
                default -> {
                    if (ch < 0x20) {
                        json.append(String.format(Locale.ROOT, "\\u%04x", (int) ch));
                    } else {
                        json.append(ch);
                    }
                }
            }
        }
        return json.append('"').toString();
    }
}
