package dev.nserv.jetty.metrics;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text exposition format 0.0.4, for tests: every line must be a {@code # HELP},
 * a {@code # TYPE} or a sample {@code name{label="value",...} number}, every sample's family must have been
 * declared by a {@code # TYPE} line, and no series may appear twice; anything else fails the parse.
 */
public final class PrometheusText
{
    private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})? (\\S+)");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\",?");
    private static final Pattern TYPE = Pattern.compile("# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|summary|histogram|untyped)");

    private final Map<String, Double> samples = new LinkedHashMap<>();
    private final Map<String, String> types = new LinkedHashMap<>();

    private PrometheusText()
    {
    }

    public static PrometheusText parse(String text)
    {
        PrometheusText parsed = new PrometheusText();
        int number = 0;
        for (String line : text.split("\n", -1))
        {
            number++;
            if (line.isEmpty())
                continue;
            Matcher type = TYPE.matcher(line);
            if (type.matches())
            {
                parsed.types.put(type.group(1), type.group(2));
                continue;
            }
            if (line.startsWith("# HELP "))
                continue;
            Matcher sample = SAMPLE.matcher(line);
            if (!sample.matches())
                throw new IllegalArgumentException("line " + number + " is not Prometheus text format: " + line);
            String name = sample.group(1);
            if (parsed.family(name) == null)
                throw new IllegalArgumentException("line " + number + ": no # TYPE for " + name);
            String labels = sample.group(3) == null ? "" : sample.group(3);
            Matcher label = LABEL.matcher(labels);
            int end = 0;
            while (label.find() && label.start() == end)
                end = label.end();
            if (end != labels.length())
                throw new IllegalArgumentException("line " + number + ": bad labels: " + labels);
            double value = switch (sample.group(4))
            {
                case "+Inf" -> Double.POSITIVE_INFINITY;
                case "-Inf" -> Double.NEGATIVE_INFINITY;
                case "NaN" -> Double.NaN;
                default -> Double.parseDouble(sample.group(4));
            };
            String key = labels.isEmpty() ? name : name + "{" + labels + "}";
            if (parsed.samples.put(key, value) != null)
                throw new IllegalArgumentException("line " + number + ": series twice: " + key);
        }
        return parsed;
    }

    private String family(String name)
    {
        for (String suffix : new String[]{"", "_total", "_count", "_sum", "_max", "_bucket"})
        {
            if (name.endsWith(suffix) && types.containsKey(name.substring(0, name.length() - suffix.length())))
                return name.substring(0, name.length() - suffix.length());
        }
        return types.containsKey(name) ? name : null;
    }

    /**
     * @param series a name with its labels as printed, e.g. {@code nserv_restarts_total{outcome="committed"}}
     * @return its value, or null when absent
     */
    public Double value(String series)
    {
        return samples.get(series);
    }

    public boolean hasFamily(String prefix)
    {
        return samples.keySet().stream().anyMatch(key -> key.equals(prefix) || key.startsWith(prefix + "{"));
    }

    String type(String family)
    {
        return types.get(family);
    }
}
