package dev.maejvm.experiments.tracking;

import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-process MLflow tracking server (loopback only) with the REST endpoints the client uses
 * and the behaviour FACTS.md records for MLflow 2.12: log-batch over 1000 metrics or 100 params +
 * tags is HTTP 400; a param re-logged with another value is 400 INVALID_PARAMETER_VALUE; a bare
 * NaN token is stored as 0 (only the string "NaN" is NaN); timestamp is required; keys over 250
 * characters are refused. Faults: answer 500 to the next N calls, optionally after doing the work
 * (an accepted request whose response is lost).
 */
final class FakeMlflowServer implements AutoCloseable {
    record MetricPoint(String key, double value, long step, long timestamp) {}

    static final class Run {
        final String id;
        final String experimentId;
        String name;
        String status = "RUNNING";
        final Map<String, String> params = new LinkedHashMap<>();
        final Map<String, String> tags = new LinkedHashMap<>();
        final List<MetricPoint> metrics = new ArrayList<>();

        Run(String id, String experimentId) {
            this.id = id;
            this.experimentId = experimentId;
        }
    }

    private static final ObjectMapper JSON = JsonMapper.builder().enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS).build();
    final Map<String, String> experiments = new ConcurrentHashMap<>();
    final Map<String, Run> runs = new ConcurrentHashMap<>();
    final Map<String, byte[]> artifacts = new ConcurrentHashMap<>();
    final AtomicInteger calls = new AtomicInteger();
    /** Fail the next N calls with HTTP 500. */
    final AtomicInteger failNext = new AtomicInteger();
    /** When failing, do the work first (the response is what is lost). */
    volatile boolean failAfterWork;
    /** Store the first log-batch that carries metrics, then drop the connection without an answer. */
    volatile boolean loseFirstMetricsAnswer;
    private final HttpServer server;
    private int ids;

    FakeMlflowServer() throws IOException {
        this(0);
    }

    static FakeMlflowServer onPort(int port) throws IOException {
        return new FakeMlflowServer(port);
    }

    private FakeMlflowServer(int port) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    String uri() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    Run onlyRun() {
        if (runs.size() != 1) {
            throw new AssertionError("expected one run, found " + runs.size());
        }
        return runs.values().iterator().next();
    }

    private synchronized void handle(HttpExchange ex) throws IOException {
        calls.incrementAndGet();
        boolean fail = failNext.get() > 0 && failNext.getAndDecrement() > 0;
        if (fail && !failAfterWork) {
            send(ex, 500, "{\"error_code\":\"INTERNAL_ERROR\",\"message\":\"injected\"}");
            return;
        }
        String path = ex.getRequestURI().getPath();
        byte[] body = ex.getRequestBody().readAllBytes();
        int code = 200;
        String out;
        try {
            out = route(ex.getRequestMethod(), path, ex.getRequestURI().getRawQuery(), body);
        } catch (Rejected r) {
            code = r.code;
            out = "{\"error_code\":\"" + r.errorCode + "\",\"message\":\"" + r.getMessage().replace("\"", "'") + "\"}";
        }
        if (loseFirstMetricsAnswer && path.endsWith("runs/log-batch") && code == 200
                && JSON.readTree(body).path("metrics").size() > 0) {
            loseFirstMetricsAnswer = false;
            ex.close();                       // the work is done; the answer never arrives
            return;
        }
        send(ex, fail ? 500 : code, fail ? "{\"error_code\":\"INTERNAL_ERROR\"}" : out);
    }

    private static final class Rejected extends RuntimeException {
        final int code;
        final String errorCode;

        Rejected(int code, String errorCode, String message) {
            super(message);
            this.code = code;
            this.errorCode = errorCode;
        }
    }

    private String route(String method, String path, String query, byte[] body) throws IOException {
        String api = "/api/2.0/mlflow/";
        if (path.startsWith("/api/2.0/mlflow-artifacts/artifacts/") && method.equals("PUT")) {
            artifacts.put(path.substring("/api/2.0/mlflow-artifacts/artifacts/".length()), body);
            return "{}";
        }
        JsonNode req = body.length > 0 ? JSON.readTree(body) : JSON.createObjectNode();
        switch (path.replace(api, "")) {
            case "experiments/get-by-name" -> {
                String name = param(query, "experiment_name");
                String id = experiments.get(name);
                if (id == null) {
                    throw new Rejected(404, "RESOURCE_DOES_NOT_EXIST", "no experiment " + name);
                }
                return "{\"experiment\":{\"experiment_id\":\"" + id + "\",\"name\":\"" + name + "\"}}";
            }
            case "experiments/create" -> {
                String id = String.valueOf(experiments.size() + 1);
                experiments.put(req.get("name").asText(), id);
                return "{\"experiment_id\":\"" + id + "\"}";
            }
            case "runs/create" -> {
                String id = String.format("%032x", ++ids);
                Run r = new Run(id, req.get("experiment_id").asText());
                r.name = req.path("run_name").asText(null);
                runs.put(id, r);
                return "{\"run\":" + runJson(r) + "}";
            }
            case "runs/get" -> {
                Run r = run(param(query, "run_id"));
                return "{\"run\":" + runJson(r) + "}";
            }
            case "runs/log-batch" -> {
                logBatch(run(req.get("run_id").asText()), req);
                return "{}";
            }
            case "runs/update" -> {
                Run r = run(req.get("run_id").asText());
                r.status = req.get("status").asText();
                return "{\"run_info\":" + JSON.readTree(runJson(r)).get("info") + "}";
            }
            case "metrics/get-history" -> {
                Run r = run(param(query, "run_id"));
                String key = param(query, "metric_key");
                List<Map<String, Object>> ms = new ArrayList<>();
                for (MetricPoint m : r.metrics) {
                    if (m.key().equals(key)) {
                        ms.add(Map.of("key", m.key(), "value", Double.isNaN(m.value()) ? "NaN" : m.value(),
                                "step", m.step(), "timestamp", m.timestamp()));
                    }
                }
                return JSON.writeValueAsString(Map.of("metrics", ms));
            }
            default -> throw new Rejected(404, "ENDPOINT_NOT_FOUND", method + " " + path);
        }
    }

    private void logBatch(Run r, JsonNode req) {
        JsonNode metrics = req.path("metrics");
        JsonNode params = req.path("params");
        JsonNode tags = req.path("tags");
        if (metrics.size() > 1000) {
            throw new Rejected(400, "INVALID_PARAMETER_VALUE", "A batch logging request can contain at most 1000 metrics");
        }
        if (params.size() + tags.size() > 100) {
            throw new Rejected(400, "INVALID_PARAMETER_VALUE", "at most 100 params and tags");
        }
        for (JsonNode p : params) {
            String k = p.get("key").asText();
            String v = p.get("value").asText();
            if (k.length() > 250 || v.length() > 6000) {
                throw new Rejected(400, "INVALID_PARAMETER_VALUE", "param too long: " + k);
            }
            String old = r.params.get(k);
            if (old != null && !old.equals(v)) {
                throw new Rejected(400, "INVALID_PARAMETER_VALUE", "Changing param values is not allowed: " + k);
            }
        }
        for (JsonNode m : metrics) {
            if (!m.has("timestamp")) {
                throw new Rejected(400, "INVALID_PARAMETER_VALUE", "Missing value for required parameter 'timestamp'");
            }
        }
        for (JsonNode p : params) {
            r.params.put(p.get("key").asText(), p.get("value").asText());
        }
        for (JsonNode t : tags) {
            r.tags.put(t.get("key").asText(), t.get("value").asText());
        }
        for (JsonNode m : metrics) {
            JsonNode v = m.get("value");
            double value = v.isTextual() ? Double.parseDouble(v.asText()) : v.isNumber() && !Double.isNaN(v.asDouble()) ? v.asDouble() : 0;
            r.metrics.add(new MetricPoint(m.get("key").asText(), value, m.path("step").asLong(0), m.get("timestamp").asLong()));
        }
    }

    private Run run(String id) {
        Run r = runs.get(id);
        if (r == null) {
            throw new Rejected(404, "RESOURCE_DOES_NOT_EXIST", "no run " + id);
        }
        return r;
    }

    private String runJson(Run r) {
        return "{\"info\":{\"run_id\":\"" + r.id + "\",\"experiment_id\":\"" + r.experimentId + "\",\"status\":\"" + r.status
                + "\",\"artifact_uri\":\"mlflow-artifacts:/" + r.experimentId + "/" + r.id + "/artifacts\"},\"data\":{}}";
    }

    private static String param(String query, String name) {
        if (query == null) {
            return null;
        }
        for (String kv : query.split("&")) {
            int eq = kv.indexOf('=');
            if (eq > 0 && kv.substring(0, eq).equals(name)) {
                return URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    private static void send(HttpExchange ex, int code, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(code, b.length);
        try (OutputStream o = ex.getResponseBody()) {
            o.write(b);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
