package dev.maejvm.experiments.tracking;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An in-process MLflow tracking server: the REST endpoints the official Java client calls for
 * experiments, runs, params, metrics and tags, plus the artifact proxy, with the behaviour seen
 * on MLflow 2.12.2 with a SQLite backend (docs/TRACKING.md): batch limits, immutable params,
 * key/value limits, bare NaN stored as 0 with timestamp 0 and step 0, Infinity clamped,
 * timestamp required on log-metric.
 * Stricter than MLflow's SQL store in one way on purpose: it keeps every metric point it is sent,
 * duplicates included (the SQL store drops exact repeats), so a test sees any double delivery.
 * Faults: {@link #stop} / {@link #start} (down and back on the same port), {@link #fail500}
 * (the next n requests answer 500 without doing anything), {@link #delayMs} (answers late, after
 * doing the work: the client may have given up by then).
 */
final class FakeMlflowServer implements AutoCloseable {
    record Point(String key, double value, long timestamp, long step) {}

    static final class Run {
        final String id;
        final String experimentId;
        String name;
        String status = "RUNNING";
        long startTime;
        long endTime;
        final Map<String, String> params = new LinkedHashMap<>();
        final Map<String, String> tags = new LinkedHashMap<>();
        final List<Point> metrics = new ArrayList<>();

        Run(String id, String experimentId) {
            this.id = id;
            this.experimentId = experimentId;
        }

        List<Point> history(String key) {
            return metrics.stream().filter(p -> p.key().equals(key)).toList();
        }
    }

    private static final ObjectMapper JSON = JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();
    private static final Pattern FILTER = Pattern.compile("tags\\.`?([^`= ]+)`?\\s*=\\s*'([^']*)'");

    final Map<String, String> experiments = new LinkedHashMap<>();      // name -> id
    final Map<String, Run> runs = new LinkedHashMap<>();
    final Map<String, byte[]> artifacts = new LinkedHashMap<>();         // "<exp>/<run>/artifacts/<path>" -> bytes
    final List<String> calls = new ArrayList<>();
    final AtomicInteger fail500 = new AtomicInteger();
    volatile long delayMs;
    /** Only requests whose path contains this are delayed (null: all)... */
    volatile String delayOnly;
    /** ...and only this many of them (then they answer at once again). */
    final AtomicInteger delayCount = new AtomicInteger(Integer.MAX_VALUE);
    /** When set, runs get this local artifact root (artifact_uri = root/exp/run/artifacts) instead of the proxy. */
    volatile java.nio.file.Path localArtifactRoot;
    private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fake-mlflow");
        t.setDaemon(true);
        return t;
    });
    private HttpServer server;
    private int port;
    private int nextRun;

    FakeMlflowServer() {
        experiments.put("Default", "0");
    }

    /** Starts on a free port (or the port it had: a restart). */
    synchronized FakeMlflowServer start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.createContext("/", this::handle);
        server.setExecutor(pool);
        server.start();
        port = server.getAddress().getPort();
        return this;
    }

    /** Binds nothing yet but reserves the URI it will have: a server that is down at the start. */
    synchronized FakeMlflowServer reservePort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        return this;
    }

    synchronized void stop() {
        if (server != null) {
            server.stop(0);
            server = null;
        }
    }

    String uri() {
        return "http://127.0.0.1:" + port;
    }

    synchronized Run onlyRun() {
        if (runs.size() != 1) {
            throw new AssertionError("expected one run, the server has " + runs.size() + ": " + runs.keySet());
        }
        return runs.values().iterator().next();
    }

    synchronized Run runWithTag(String key, String value) {
        return runs.values().stream().filter(r -> value.equals(r.tags.get(key))).findFirst()
                .orElseThrow(() -> new AssertionError("no run with tag " + key + "=" + value));
    }

    @Override
    public void close() {
        stop();
        pool.shutdownNow();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            byte[] body = ex.getRequestBody().readAllBytes();
            String path = ex.getRequestURI().getRawPath();
            if (fail500.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                synchronized (this) {
                    calls.add("500 " + path);
                }
                reply(ex, 500, "{\"error_code\":\"INTERNAL_ERROR\",\"message\":\"injected\"}");
                return;
            }
            String[] answer;
            synchronized (this) {
                calls.add(ex.getRequestMethod() + " " + path);
                answer = route(ex.getRequestMethod(), path, ex.getRequestURI(), body);
            }
            String only = delayOnly;
            if (delayMs > 0 && (only == null || path.contains(only)) && delayCount.getAndDecrement() > 0) {
                try {
                    Thread.sleep(delayMs);
                } catch (InterruptedException e) {
                    return;
                }
            }
            reply(ex, Integer.parseInt(answer[0]), answer[1]);
        } catch (RuntimeException e) {
            reply(ex, 500, "{\"error_code\":\"INTERNAL_ERROR\",\"message\":" + JSON.writeValueAsString(e.toString()) + "}");
        }
    }

    private static void reply(HttpExchange ex, int status, String json) throws IOException {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
    }

    private static String[] ok(Object o) throws IOException {
        return new String[] {"200", o instanceof String s ? s : JSON.writeValueAsString(o)};
    }

    private static String[] error(int status, String code, String message) throws IOException {
        return new String[] {String.valueOf(status), JSON.writeValueAsString(Map.of("error_code", code, "message", message))};
    }

    private String[] route(String method, String path, URI uri, byte[] body) throws IOException {
        String artifactPrefix = "/api/2.0/mlflow-artifacts/artifacts/";
        if (path.startsWith(artifactPrefix) && method.equals("PUT")) {
            String rel = URLDecoder.decode(path.substring(artifactPrefix.length()), StandardCharsets.UTF_8);
            artifacts.put(rel, body);
            return ok("{}");
        }
        String api = path.replaceFirst("^/api/2\\.0/mlflow/", "");
        Map<String, String> q = query(uri);
        JsonNode in = body.length == 0 ? JSON.createObjectNode() : JSON.readTree(body);
        switch (api) {
            case "experiments/get-by-name": {
                String id = experiments.get(q.get("experiment_name"));
                return id == null ? error(404, "RESOURCE_DOES_NOT_EXIST", "no experiment " + q.get("experiment_name"))
                        : ok(Map.of("experiment", experiment(q.get("experiment_name"), id)));
            }
            case "experiments/create": {
                String name = in.path("name").asText();
                if (experiments.containsKey(name)) {
                    return error(400, "RESOURCE_ALREADY_EXISTS", "experiment " + name + " exists");
                }
                String id = String.valueOf(experiments.size());
                experiments.put(name, id);
                return ok(Map.of("experiment_id", id));
            }
            case "experiments/search": {
                List<Object> list = new ArrayList<>();
                experiments.forEach((n, id) -> list.add(experiment(n, id)));
                return ok(Map.of("experiments", list));
            }
            case "runs/create": {
                String id = String.format("%032x", ++nextRun);
                Run r = new Run(id, in.path("experiment_id").asText());
                r.startTime = in.path("start_time").asLong();
                r.name = in.path("run_name").asText(null);
                for (JsonNode t : in.path("tags")) {
                    r.tags.put(t.path("key").asText(), t.path("value").asText());
                }
                if (r.name != null) {
                    r.tags.put("mlflow.runName", r.name);
                }
                runs.put(id, r);
                return ok(Map.of("run", run(r)));
            }
            case "runs/get": {
                Run r = runs.get(q.getOrDefault("run_id", q.get("run_uuid")));
                return r == null ? error(404, "RESOURCE_DOES_NOT_EXIST", "no run") : ok(Map.of("run", run(r)));
            }
            case "runs/search": {
                Matcher m = FILTER.matcher(in.path("filter").asText(""));
                List<String> exps = new ArrayList<>();
                in.path("experiment_ids").forEach(e -> exps.add(e.asText()));
                List<Object> found = new ArrayList<>();
                for (Run r : runs.values()) {
                    boolean match = !m.find(0) || m.group(2).equals(r.tags.get(m.group(1)));
                    if (match && exps.contains(r.experimentId)) {
                        found.add(run(r));
                    }
                }
                return ok(Map.of("runs", found));
            }
            case "runs/update": {
                Run r = runs.get(in.path("run_id").asText());
                if (r == null) {
                    return error(404, "RESOURCE_DOES_NOT_EXIST", "no run");
                }
                r.status = in.path("status").asText(r.status);
                if (in.has("end_time")) {
                    r.endTime = in.path("end_time").asLong();
                }
                return ok(Map.of("run_info", run(r).get("info")));
            }
            case "runs/log-batch": {
                Run r = runs.get(in.path("run_id").asText());
                if (r == null) {
                    return error(404, "RESOURCE_DOES_NOT_EXIST", "no run");
                }
                int nm = in.path("metrics").size();
                int npt = in.path("params").size() + in.path("tags").size();
                if (nm > 1000 || npt > 100 || nm + npt > 1000) {
                    return error(400, "INVALID_PARAMETER_VALUE", "batch over the limits: " + nm + " metrics, " + npt + " params+tags");
                }
                for (JsonNode p : in.path("params")) {
                    String problem = checkKeyValue(p, 6000);
                    String known = r.params.get(p.path("key").asText());
                    if (problem == null && known != null && !known.equals(p.path("value").asText())) {
                        problem = "Changing param values is not allowed. Param with key='" + p.path("key").asText() + "' was already logged";
                    }
                    if (problem != null) {
                        return error(400, "INVALID_PARAMETER_VALUE", problem);
                    }
                }
                for (JsonNode t : in.path("tags")) {
                    String problem = checkKeyValue(t, 5000);
                    if (problem != null) {
                        return error(400, "INVALID_PARAMETER_VALUE", problem);
                    }
                }
                for (JsonNode m : in.path("metrics")) {
                    if (m.path("key").asText().length() > 250) {
                        return error(400, "INVALID_PARAMETER_VALUE", "metric key over 250");
                    }
                }
                for (JsonNode p : in.path("params")) {
                    r.params.put(p.path("key").asText(), p.path("value").asText());
                }
                for (JsonNode t : in.path("tags")) {
                    r.tags.put(t.path("key").asText(), t.path("value").asText());
                }
                for (JsonNode m : in.path("metrics")) {
                    r.metrics.add(point(m));
                }
                return ok("{}");
            }
            case "runs/log-metric": {
                Run r = runs.get(in.path("run_id").asText());
                if (!in.has("timestamp")) {
                    return error(400, "INVALID_PARAMETER_VALUE", "Missing value for required parameter 'timestamp'");
                }
                r.metrics.add(point(in));
                return ok("{}");
            }
            case "runs/log-parameter": {
                Run r = runs.get(in.path("run_id").asText());
                String known = r.params.get(in.path("key").asText());
                if (known != null && !known.equals(in.path("value").asText())) {
                    return error(400, "INVALID_PARAMETER_VALUE", "Changing param values is not allowed");
                }
                r.params.put(in.path("key").asText(), in.path("value").asText());
                return ok("{}");
            }
            case "runs/set-tag": {
                Run r = runs.get(in.path("run_id").asText());
                r.tags.put(in.path("key").asText(), in.path("value").asText());
                return ok("{}");
            }
            case "metrics/get-history": {
                Run r = runs.get(q.getOrDefault("run_id", q.get("run_uuid")));
                List<Object> list = new ArrayList<>();
                r.history(q.get("metric_key")).forEach(p -> list.add(metric(p)));
                return ok(Map.of("metrics", list));
            }
            default:
                return error(404, "ENDPOINT_NOT_FOUND", method + " " + path);
        }
    }

    private static String checkKeyValue(JsonNode kv, int maxValue) {
        if (kv.path("key").asText().length() > 250) {
            return "key over 250 characters";
        }
        if (kv.path("value").asText().length() > maxValue) {
            return "value of '" + kv.path("key").asText() + "' over " + maxValue + " characters";
        }
        return null;
    }

    /** As MLflow 2.12.2 stores it: "NaN" a NaN, a bare NaN token 0 at timestamp 0, step 0; infinities clamped. */
    private static Point point(JsonNode m) {
        JsonNode v = m.path("value");
        String key = m.path("key").asText();
        if (v.isNumber() && Double.isNaN(v.asDouble())) {
            return new Point(key, 0, 0, 0);
        }
        double value = v.isTextual() ? Double.parseDouble(v.asText()) : v.asDouble();
        if (Double.isInfinite(value)) {
            value = value > 0 ? Double.MAX_VALUE : -Double.MAX_VALUE;
        }
        return new Point(key, value, m.path("timestamp").asLong(), m.path("step").asLong());
    }

    private Map<String, Object> experiment(String name, String id) {
        return Map.of("experiment_id", id, "name", name, "artifact_location", "mlflow-artifacts:/" + id, "lifecycle_stage", "active");
    }

    private Map<String, Object> run(Run r) {
        ObjectNode info = JSON.createObjectNode();
        info.put("run_id", r.id).put("run_uuid", r.id).put("experiment_id", r.experimentId).put("status", r.status)
                .put("start_time", r.startTime).put("end_time", r.endTime).put("lifecycle_stage", "active")
                .put("artifact_uri", localArtifactRoot != null
                        ? localArtifactRoot.resolve(r.experimentId).resolve(r.id).resolve("artifacts").toString()
                        : "mlflow-artifacts:/" + r.experimentId + "/" + r.id + "/artifacts");
        if (r.name != null) {
            info.put("run_name", r.name);
        }
        ObjectNode data = JSON.createObjectNode();
        ArrayNode metrics = data.putArray("metrics");
        Map<String, Point> latest = new LinkedHashMap<>();
        for (Point p : r.metrics) {
            latest.merge(p.key(), p, (a, b) -> b.step() > a.step() || b.step() == a.step() && b.timestamp() >= a.timestamp() ? b : a);
        }
        latest.values().forEach(p -> metrics.add(JSON.valueToTree(metric(p))));
        ArrayNode params = data.putArray("params");
        r.params.forEach((k, v) -> params.addObject().put("key", k).put("value", v));
        ArrayNode tags = data.putArray("tags");
        r.tags.forEach((k, v) -> tags.addObject().put("key", k).put("value", v));
        return Map.of("info", info, "data", data);
    }

    private static Map<String, Object> metric(Point p) {
        Object v = Double.isNaN(p.value()) ? "NaN" : p.value();
        return Map.of("key", p.key(), "value", v, "timestamp", p.timestamp(), "step", p.step());
    }

    private static Map<String, String> query(URI uri) {
        Map<String, String> q = new LinkedHashMap<>();
        if (uri.getRawQuery() != null) {
            for (String kv : uri.getRawQuery().split("&")) {
                int eq = kv.indexOf('=');
                if (eq > 0) {
                    q.put(URLDecoder.decode(kv.substring(0, eq), StandardCharsets.UTF_8),
                            URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
                }
            }
        }
        return q;
    }
}
