package network.peers.verapdf;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.verapdf.gf.foundry.VeraGreenfieldFoundryProvider;
import org.verapdf.pdfa.Foundries;
import org.verapdf.pdfa.PDFAParser;
import org.verapdf.pdfa.PDFAValidator;
import org.verapdf.pdfa.flavours.PDFAFlavour;
import org.verapdf.pdfa.results.TestAssertion;
import org.verapdf.pdfa.results.ValidationResult;

/**
 * Validates each PDF named on the command line against the PDF/A flavour its XMP metadata declares
 * (pdfaid:part + pdfaid:conformance), or against the flavour given with {@code --flavour 3b}, and prints one JSON
 * line per file:
 * {"path":…, "flavour":"3b", "compliant":true|false, "failed":[{"rule":"6.2.11.4.1-1","count":2,"message":…}]}.
 * A file that cannot be parsed has "compliant":null and an "error" text. Exit code 0 when every file was validated.
 */
public final class VeraPdfHarness {
    private VeraPdfHarness() {
    }

    public static void main(String[] args) throws Exception {
        VeraGreenfieldFoundryProvider.initialise();
        PDFAFlavour forced = null;
        List<String> paths = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if ("--flavour".equals(args[i]) && i + 1 < args.length) {
                forced = PDFAFlavour.byFlavourId(args[++i]);
            } else {
                paths.add(args[i]);
            }
        }
        for (String path : paths) {
            System.out.println(validate(path, forced));
        }
    }

    private static String validate(String path, PDFAFlavour forced) {
        try (InputStream in = Files.newInputStream(Path.of(path));
             PDFAParser parser = forced == null
                     ? Foundries.defaultInstance().createParser(in)
                     : Foundries.defaultInstance().createParser(in, forced)) {
            PDFAFlavour flavour = parser.getFlavour();
            PDFAValidator validator = Foundries.defaultInstance().createValidator(flavour, false);
            ValidationResult result = validator.validate(parser);
            // Failed checks grouped by rule (clause-testNumber): a rule fails once per offending object.
            Map<String, int[]> counts = new TreeMap<>();
            Map<String, String> messages = new TreeMap<>();
            for (TestAssertion assertion : result.getTestAssertions()) {
                if (assertion.getStatus() != TestAssertion.Status.FAILED) {
                    continue;
                }
                String rule = assertion.getRuleId().getClause() + "-" + assertion.getRuleId().getTestNumber();
                counts.computeIfAbsent(rule, k -> new int[1])[0]++;
                messages.putIfAbsent(rule, assertion.getMessage());
            }
            StringBuilder failed = new StringBuilder("[");
            for (Map.Entry<String, int[]> entry : counts.entrySet()) {
                if (failed.length() > 1) {
                    failed.append(',');
                }
                failed.append("{\"rule\":").append(json(entry.getKey()))
                        .append(",\"count\":").append(entry.getValue()[0])
                        .append(",\"message\":").append(json(messages.get(entry.getKey()))).append('}');
            }
            failed.append(']');
            return "{\"path\":" + json(path) + ",\"flavour\":" + json(flavour.getId())
                    + ",\"compliant\":" + result.isCompliant() + ",\"failed\":" + failed + "}";
        } catch (Exception | LinkageError e) {
            return "{\"path\":" + json(path) + ",\"compliant\":null,\"error\":" + json(e.toString()) + "}";
        }
    }

    private static String json(String text) {
        if (text == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
