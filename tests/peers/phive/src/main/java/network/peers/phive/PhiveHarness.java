package network.peers.phive;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;

import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

import com.helger.diagnostics.error.IError;
import com.helger.diver.api.coord.DVRCoordinate;
import com.helger.phive.api.EValidationBaseType;
import com.helger.phive.api.execute.ValidationExecutionManager;
import com.helger.phive.api.executor.IValidationExecutor;
import com.helger.phive.api.executorset.IValidationExecutorSet;
import com.helger.phive.api.executorset.ValidationExecutorSetRegistry;
import com.helger.phive.api.result.ValidationResultList;
import com.helger.phive.api.validity.IValidityDeterminator;
import com.helger.phive.en16931.EN16931Validation;
import com.helger.phive.peppol.PeppolValidation;
import com.helger.phive.xml.source.IValidationSourceXML;
import com.helger.phive.xml.source.ValidationSourceXML;
import com.helger.phive.xrechnung.XRechnungValidation;

/**
 * Validates many documents with phive in one JVM and writes one JSON line per document.
 *
 * <p>Input (a file named by {@code --list}, or standard input): one document per line, {@code path<TAB>vesids},
 * where vesids is a comma-separated list of VES coordinates ({@code group:artifact:version}) whose results are
 * merged, or {@code auto} to let the harness choose from the root element and the CustomizationID. A line with
 * only a path means {@code auto}. An optional third column {@code rules} runs only the Schematron layers of the
 * VES: phive skips them after a schema error, and fragments built to test one rule are not schema-valid.
 *
 * <p>Output (standard output), per document:
 * {@code {"path":..., "vesid":..., "valid":bool, "errors":[rule ids], "warnings":[rule ids], "ms":...}};
 * a document that cannot be read or has no matching VES gets {@code "valid":null} and an {@code "error"} text.
 * Schema errors carry no rule id in phive: they are reported as {@code XSD}.
 *
 * <p>{@code --bench WARMUP,ROUNDS} validates the whole list WARMUP times without timing it (class loading, XSLT
 * compilation, JIT), then ROUNDS times timed, and writes one summary line
 * {@code {"bench":true,"documents":n,"rounds":r,"seconds":s,"docs_per_s":x}} instead of per-document lines.
 * {@code --list-ves} prints every registered VES coordinate.
 */
public final class PhiveHarness {
  private static final String UBL_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2";
  private static final String UBL_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2";
  private static final String CII = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100";
  private static final String CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";
  private static final String RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100";

  private static final String EN16931_VERSION = "1.3.16";
  private static final String PEPPOL_VERSION = "2026.5";
  private static final String XRECHNUNG_VERSION = "3.0.2";

  private final ValidationExecutorSetRegistry<IValidationSourceXML> registry = new ValidationExecutorSetRegistry<>();
  private final DocumentBuilderFactory factory;

  private PhiveHarness() throws Exception {
    EN16931Validation.initEN16931(registry);
    PeppolValidation.initStandard(registry);
    XRechnungValidation.initXRechnung(registry);
    factory = DocumentBuilderFactory.newInstance();
    factory.setNamespaceAware(true);
    // The corpus is trusted, but a validator must never fetch anything or expand entities.
    factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
    factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    factory.setExpandEntityReferences(false);
  }

  /** One document; rulesOnly leaves out the schema layers (for fragments that are not schema-valid on purpose). */
  record Job(String path, String vesids, boolean rulesOnly) {}

  record Outcome(String vesid, Boolean valid, TreeSet<String> errors, TreeSet<String> warnings, String problem) {}

  public static void main(String[] args) throws Exception {
    String list = null;
    String bench = null;
    boolean listVes = false;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--list" -> list = args[++i];
        case "--bench" -> bench = args[++i];
        case "--list-ves" -> listVes = true;
        default -> {
          System.err.println("unknown argument: " + args[i]);
          System.exit(2);
        }
      }
    }
    PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    PhiveHarness harness = new PhiveHarness();
    if (listVes) {
      TreeSet<String> ids = new TreeSet<>();
      for (IValidationExecutorSet<IValidationSourceXML> ves : harness.registry.getAll()) {
        ids.add(ves.getID().getAsSingleID());
      }
      ids.forEach(out::println);
      out.flush();
      return;
    }
    List<Job> jobs = readJobs(list);
    if (bench != null) {
      String[] parts = bench.split(",");
      harness.bench(jobs, Integer.parseInt(parts[0]), Integer.parseInt(parts[1]), out);
    } else {
      for (Job job : jobs) {
        long start = System.nanoTime();
        Outcome outcome = harness.validate(job);
        double ms = (System.nanoTime() - start) / 1e6;
        out.println(json(job.path(), outcome, ms));
        out.flush();
      }
    }
    out.flush();
  }

  private static List<Job> readJobs(String list) throws IOException {
    BufferedReader reader = list == null
        ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
        : Files.newBufferedReader(Path.of(list), StandardCharsets.UTF_8);
    List<Job> jobs = new ArrayList<>();
    try (reader) {
      String line;
      while ((line = reader.readLine()) != null) {
        if (line.isBlank()) {
          continue;
        }
        String[] columns = line.split("\t");
        String vesids = columns.length > 1 ? columns[1].trim() : "auto";
        boolean rulesOnly = columns.length > 2 && columns[2].trim().equals("rules");
        jobs.add(new Job(columns[0], vesids, rulesOnly));
      }
    }
    return jobs;
  }

  private void bench(List<Job> jobs, int warmup, int rounds, PrintStream out) throws Exception {
    // Documents are read once: the figure is the validation, not the disk.
    List<Document> documents = new ArrayList<>();
    List<List<IValidationExecutorSet<IValidationSourceXML>>> sets = new ArrayList<>();
    for (Job job : jobs) {
      Document document = parse(Path.of(job.path()));
      documents.add(document);
      sets.add(resolve(job.vesids(), document));
    }
    for (int round = 0; round < warmup; round++) {
      runAll(jobs, documents, sets);
    }
    long start = System.nanoTime();
    for (int round = 0; round < rounds; round++) {
      runAll(jobs, documents, sets);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    int count = documents.size() * rounds;
    out.printf(Locale.ROOT, "{\"bench\":true,\"documents\":%d,\"rounds\":%d,\"seconds\":%.3f,\"docs_per_s\":%.2f}%n",
        documents.size(), rounds, seconds, count / seconds);
  }

  private static void runAll(List<Job> jobs, List<Document> documents,
      List<List<IValidationExecutorSet<IValidationSourceXML>>> sets) {
    for (int i = 0; i < documents.size(); i++) {
      for (IValidationExecutorSet<IValidationSourceXML> ves : sets.get(i)) {
        execute(ves, jobs.get(i), documents.get(i));
      }
    }
  }

  Outcome validate(Job job) {
    Document document;
    List<IValidationExecutorSet<IValidationSourceXML>> sets;
    try {
      document = parse(Path.of(job.path()));
      sets = resolve(job.vesids(), document);
    } catch (Exception e) {
      return new Outcome(job.vesids(), null, new TreeSet<>(), new TreeSet<>(), String.valueOf(e.getMessage()));
    }
    TreeSet<String> errors = new TreeSet<>();
    TreeSet<String> warnings = new TreeSet<>();
    List<String> ids = new ArrayList<>();
    boolean valid = true;
    for (IValidationExecutorSet<IValidationSourceXML> ves : sets) {
      ids.add(ves.getID().getAsSingleID());
      ValidationResultList results = execute(ves, job, document);
      valid &= results.containsNoError();
      results.forEachFlattened(error -> (error.isError() ? errors : warnings).add(ruleId(error)));
      // phive skips the layers after a failing one (a schema error stops the Schematron): say so.
      results.forEach(result -> {
        if (result.isSkipped()) {
          warnings.add("SKIPPED:" + result.getValidationArtefact().getValidationType().getID());
        }
      });
    }
    return new Outcome(String.join(",", ids), valid, errors, warnings, null);
  }

  private static ValidationResultList execute(IValidationExecutorSet<IValidationSourceXML> ves, Job job,
      Document document) {
    ValidationSourceXML source = ValidationSourceXML.create(job.path(), document);
    if (!job.rulesOnly()) {
      return ValidationExecutionManager.executeValidation(IValidityDeterminator.createDefault(), ves, source,
          Locale.ROOT);
    }
    List<IValidationExecutor<IValidationSourceXML>> rules = new ArrayList<>();
    for (IValidationExecutor<IValidationSourceXML> executor : ves.getAllExecutors()) {
      if (executor.getValidationArtefact().getValidationType().getBaseType() != EValidationBaseType.XSD) {
        rules.add(executor);
      }
    }
    ValidationResultList results = new ValidationResultList(source);
    new ValidationExecutionManager<>(IValidityDeterminator.<IValidationSourceXML>createDefault(), rules)
        .executeValidation(source, results, Locale.ROOT);
    return results;
  }

  private static String ruleId(IError error) {
    String id = error.getErrorID();
    return id == null || id.isBlank() ? "XSD" : id;
  }

  private Document parse(Path path) throws Exception {
    DocumentBuilder builder = factory.newDocumentBuilder();
    builder.setErrorHandler(null);
    return builder.parse(path.toFile());
  }

  private List<IValidationExecutorSet<IValidationSourceXML>> resolve(String vesids, Document document) {
    List<String> wanted = new ArrayList<>();
    if (vesids == null || vesids.isBlank() || vesids.equals("auto")) {
      wanted.add(choose(document));
    } else {
      for (String id : vesids.split(",")) {
        wanted.add(id.trim());
      }
    }
    List<IValidationExecutorSet<IValidationSourceXML>> sets = new ArrayList<>();
    for (String id : wanted) {
      IValidationExecutorSet<IValidationSourceXML> ves = registry.getOfID(DVRCoordinate.parseOrNull(id));
      if (ves == null) {
        throw new IllegalArgumentException("no VES registered for " + id);
      }
      sets.add(ves);
    }
    return sets;
  }

  /** The VES a receiver would pick from the document itself: its root element and its CustomizationID. */
  String choose(Document document) {
    Element root = document.getDocumentElement();
    String ns = String.valueOf(root.getNamespaceURI());
    String customization;
    String kind;
    switch (ns) {
      case UBL_INVOICE -> {
        kind = "invoice";
        customization = firstText(root, CBC, "CustomizationID");
      }
      case UBL_CREDIT_NOTE -> {
        kind = "creditnote";
        customization = firstText(root, CBC, "CustomizationID");
      }
      case CII -> {
        kind = "cii";
        Node context = first(root, RAM, "GuidelineSpecifiedDocumentContextParameter");
        customization = context == null ? "" : firstText((Element) context, RAM, "ID");
      }
      default -> throw new IllegalArgumentException("not an EN 16931 invoice or credit note: {" + ns + "}"
          + root.getLocalName());
    }
    if (customization.contains("urn:xeinkauf.de:kosit:xrechnung")) {
      boolean extension = customization.contains("urn:xeinkauf.de:kosit:extension:xrechnung");
      String group = extension ? XRechnungValidation.GROUP_ID_EXT : XRechnungValidation.GROUP_ID;
      String artifact = switch (kind) {
        case "invoice" -> "ubl-invoice";
        case "creditnote" -> "ubl-creditnote";
        default -> "cii";
      };
      return group + ":" + artifact + ":" + XRECHNUNG_VERSION;
    }
    if (customization.contains("urn:fdc:peppol.eu:2017:poacc:billing:3.0") && !kind.equals("cii")) {
      return "eu.peppol.bis3:" + (kind.equals("invoice") ? "invoice" : "creditnote") + ":" + PEPPOL_VERSION;
    }
    String artifact = switch (kind) {
      case "invoice" -> "ubl";
      case "creditnote" -> "ubl-creditnote";
      default -> "cii";
    };
    return EN16931Validation.GROUP_ID + ":" + artifact + ":" + EN16931_VERSION;
  }

  private static Node first(Element scope, String ns, String local) {
    var nodes = scope.getElementsByTagNameNS(ns, local);
    return nodes.getLength() == 0 ? null : nodes.item(0);
  }

  private static String firstText(Element scope, String ns, String local) {
    Node node = first(scope, ns, local);
    return node == null ? "" : node.getTextContent().trim();
  }

  static String json(String path, Outcome outcome, double ms) {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("path", path);
    fields.put("vesid", outcome.vesid());
    fields.put("valid", outcome.valid());
    fields.put("errors", outcome.errors());
    fields.put("warnings", outcome.warnings());
    fields.put("ms", Math.round(ms * 10) / 10.0);
    if (outcome.problem() != null) {
      fields.put("error", outcome.problem());
    }
    StringBuilder sb = new StringBuilder("{");
    boolean firstField = true;
    for (Map.Entry<String, Object> entry : fields.entrySet()) {
      if (!firstField) {
        sb.append(',');
      }
      firstField = false;
      quote(sb, entry.getKey());
      sb.append(':');
      value(sb, entry.getValue());
    }
    return sb.append('}').toString();
  }

  private static void value(StringBuilder sb, Object value) {
    if (value == null) {
      sb.append("null");
    } else if (value instanceof Boolean || value instanceof Number) {
      sb.append(value);
    } else if (value instanceof Iterable<?> items) {
      sb.append('[');
      boolean firstItem = true;
      for (Object item : items) {
        if (!firstItem) {
          sb.append(',');
        }
        firstItem = false;
        quote(sb, String.valueOf(item));
      }
      sb.append(']');
    } else {
      quote(sb, String.valueOf(value));
    }
  }

  private static void quote(StringBuilder sb, String text) {
    sb.append('"');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }
}
