package dev.maejvm.experiments.tracking;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.mlflow.api.proto.Service;
import org.mlflow.tracking.MlflowClient;

/**
 * Delivers a run journal to an MLflow tracking server, from where it last stopped: the
 * experiment (created if missing), the run (created, or the one named by MLFLOW_RUN_ID), the
 * config as params, tags, every metric with its step, artifacts, the final status. Experiments,
 * runs, params, metrics and tags go through the official {@code mlflow-client}; artifacts by HTTP
 * PUT to the server's artifact proxy ({@code mlflow-artifacts:} URIs) or a copy into a local
 * artifact path (the client's own artifact calls need a Python MLflow).
 *
 * <p>Within MLflow's limits: at most 1000 metrics and 100 params + tags per log-batch; keys over
 * 250 characters and param values over 6000 (tags 5000) are cut, and the cut keys are listed in
 * the tag {@code mae.truncated}. Exactly once: the delivered position is saved after each
 * accepted batch; a batch that may have reached the server before a crash is re-sent without the
 * metric points the server already has.
 */
public final class MlflowDelivery {
    static final int MAX_METRICS = 1000;
    static final int MAX_PARAMS_TAGS = 100;
    static final int MAX_KEY = 250;
    static final int MAX_PARAM_VALUE = 6000;
    static final int MAX_TAG_VALUE = 5000;

    private final String trackingUri;
    private final String experimentName;
    private final String attachRunId;
    private final Map<String, String> userTags;
    private final MlflowClient client;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public MlflowDelivery(String trackingUri, String experimentName, String attachRunId, Map<String, String> userTags) {
        this.trackingUri = trackingUri;
        this.experimentName = experimentName == null || experimentName.isBlank() ? "Default" : experimentName;
        this.attachRunId = attachRunId;
        this.userTags = userTags == null ? Map.of() : Map.copyOf(userTags);
        this.client = new MlflowClient(trackingUri);
    }

    /**
     * Sends what the server has not got yet.
     *
     * @return the number of journal records delivered by this call
     * @throws Exception whatever the server or network did; nothing is lost, call again later
     */
    public synchronized int deliver(Path journal) throws Exception {
        List<JournalRecord> records = RunJournal.JournalReader.read(journal);
        DeliveryState state = DeliveryState.load(journal);
        boolean resending = state != null;
        if (state == null || !trackingUri.equals(state.trackingUri())) {
            state = openRun(records);
            state.save(journal);
            resending = false;
        }
        long from = state.deliveredSeq();
        List<JournalRecord> todo = records.stream().filter(r -> r.seq() > from).toList();
        JournalRecord firstStart = records.stream().filter(r -> "run_start".equals(r.type())).findFirst().orElseThrow();
        int i = 0;
        while (i < todo.size()) {
            List<Service.Metric> metrics = new ArrayList<>();
            List<Service.Param> params = new ArrayList<>();
            List<Service.RunTag> tags = new ArrayList<>();
            long last = state.deliveredSeq();
            String endStatus = null;
            List<JournalRecord> artifacts = new ArrayList<>();
            while (i < todo.size()) {
                JournalRecord r = todo.get(i);
                if ("run_start".equals(r.type())) {
                    boolean first = r.seq() == firstStart.seq();
                    List<Service.Param> p = first ? params(r.params()) : List.of();
                    List<Service.RunTag> t = first ? tags(r) : resumeTags(firstStart, r);
                    if (!metrics.isEmpty() || params.size() + tags.size() + p.size() + t.size() > MAX_PARAMS_TAGS) {
                        if (!params.isEmpty() || !tags.isEmpty() || !metrics.isEmpty()) {
                            break;
                        }
                        sendParamsInChunks(state.mlflowRunId(), p, t);
                    } else {
                        params.addAll(p);
                        tags.addAll(t);
                    }
                } else if ("metric".equals(r.type())) {
                    if (metrics.size() == MAX_METRICS) {
                        break;
                    }
                    metrics.add(Service.Metric.newBuilder().setKey(cut(r.key(), MAX_KEY)).setValue(r.doubleValue())
                            .setTimestamp(r.time()).setStep(r.step()).build());
                } else if ("artifact".equals(r.type())) {
                    artifacts.add(r);
                } else if ("run_end".equals(r.type())) {
                    endStatus = r.status();
                    if (r.message() != null) {
                        tags.add(tag("mae.error", cut(r.message(), MAX_TAG_VALUE)));
                    }
                }
                last = r.seq();
                i++;
                if (endStatus != null || !artifacts.isEmpty()) {
                    break;
                }
            }
            if (resending && !metrics.isEmpty()) {
                metrics = withoutKnown(state.mlflowRunId(), metrics);
            }
            resending = false;
            if (!metrics.isEmpty() || !params.isEmpty() || !tags.isEmpty()) {
                client.logBatch(state.mlflowRunId(), metrics, params, tags);
            }
            for (JournalRecord a : artifacts) {
                upload(state, Path.of(a.path()), a.artifactDir());
            }
            if (endStatus != null) {
                client.setTerminated(state.mlflowRunId(), Service.RunStatus.valueOf(endStatus), System.currentTimeMillis());
            }
            state = state.withSeq(last);
            state.save(journal);
        }
        return (int) (state.deliveredSeq() - from);
    }

    /**
     * A resumed run writes run_start again. MLflow params are immutable, so a value the resume
     * changed (say epochs) goes in as the tag {@code mae.resumed.<key>}; equal ones are not re-sent.
     */
    private static List<Service.RunTag> resumeTags(JournalRecord first, JournalRecord resumed) {
        List<Service.RunTag> out = new ArrayList<>();
        if (resumed.params() != null) {
            resumed.params().forEach((k, v) -> {
                if (first.params() == null || !v.equals(first.params().get(k))) {
                    out.add(tag("mae.resumed." + k, v));
                }
            });
        }
        out.add(tag("mae.resumed_at_step", String.valueOf(resumed.step())));
        return out;
    }

    private DeliveryState openRun(List<JournalRecord> records) {
        JournalRecord start = records.stream().filter(r -> "run_start".equals(r.type())).findFirst()
                .orElseThrow(() -> new IllegalStateException("the journal has no run_start record"));
        String runId;
        String experimentId;
        String artifactUri;
        if (attachRunId != null && !attachRunId.isBlank()) {
            Service.RunInfo info = client.getRun(attachRunId).getInfo();
            runId = info.getRunId();
            experimentId = info.getExperimentId();
            artifactUri = info.getArtifactUri();
        } else {
            experimentId = experimentId(experimentName);
            Service.CreateRun.Builder req = Service.CreateRun.newBuilder().setExperimentId(experimentId)
                    .setStartTime(start.time()).setRunName(start.name() == null ? start.kind() : start.name());
            Service.RunInfo info = client.createRun(req.build());
            runId = info.getRunId();
            artifactUri = info.getArtifactUri();
        }
        return new DeliveryState(trackingUri, experimentId, runId, artifactUri, 0);
    }

    /**
     * Creates the experiment, or finds it when it exists. In that order because the official
     * client retries get-by-name's 404 for a missing experiment as if it were a rate limit.
     */
    private String experimentId(String name) {
        try {
            return client.createExperiment(name);
        } catch (org.mlflow.tracking.MlflowClientException alreadyThere) {
            return client.getExperimentByName(name).map(Service.Experiment::getExperimentId).orElseThrow(() -> alreadyThere);
        }
    }

    private void sendParamsInChunks(String runId, List<Service.Param> params, List<Service.RunTag> tags) {
        List<Object> all = new ArrayList<>(params);
        all.addAll(tags);
        for (int k = 0; k < all.size(); k += MAX_PARAMS_TAGS) {
            List<Service.Param> p = new ArrayList<>();
            List<Service.RunTag> t = new ArrayList<>();
            for (Object o : all.subList(k, Math.min(all.size(), k + MAX_PARAMS_TAGS))) {
                if (o instanceof Service.Param pp) {
                    p.add(pp);
                } else {
                    t.add((Service.RunTag) o);
                }
            }
            client.logBatch(runId, List.of(), p, t);
        }
    }

    private List<Service.Param> params(Map<String, String> params) {
        List<Service.Param> out = new ArrayList<>();
        if (params != null) {
            params.forEach((k, v) -> out.add(Service.Param.newBuilder().setKey(cut(k, MAX_KEY)).setValue(cut(v, MAX_PARAM_VALUE)).build()));
        }
        return out;
    }

    private List<Service.RunTag> tags(JournalRecord start) {
        Map<String, String> t = new LinkedHashMap<>();
        t.put("mlflow.runName", start.name() == null ? start.kind() : start.name());
        t.put("mlflow.source.name", "mae " + start.kind());
        t.put("mlflow.source.type", "LOCAL");
        t.put("mlflow.user", System.getProperty("user.name", "unknown"));
        t.put("mlflow.source.git.commit", dev.maejvm.pretrain.checkpoint.CodeVersion.get());
        t.put("mae.journal_run_id", start.runId());
        if (start.tags() != null) {
            t.putAll(start.tags());
        }
        t.putAll(userTags);
        List<String> truncated = new ArrayList<>();
        if (start.params() != null) {
            start.params().forEach((k, v) -> {
                if (k.length() > MAX_KEY || v.length() > MAX_PARAM_VALUE) {
                    truncated.add(k);
                }
            });
        }
        if (!truncated.isEmpty()) {
            t.put("mae.truncated", cut(String.join(",", truncated), MAX_TAG_VALUE));
        }
        List<Service.RunTag> out = new ArrayList<>();
        t.forEach((k, v) -> out.add(tag(k, v)));
        return out;
    }

    private static Service.RunTag tag(String k, String v) {
        return Service.RunTag.newBuilder().setKey(cut(k, MAX_KEY)).setValue(cut(v, MAX_TAG_VALUE)).build();
    }

    private static String cut(String s, int max) {
        return s == null ? "" : s.length() <= max ? s : s.substring(0, max);
    }

    /** Drops metric points the server already has (the batch may have arrived before a crash). */
    private List<Service.Metric> withoutKnown(String runId, List<Service.Metric> metrics) {
        Set<String> keys = new HashSet<>();
        metrics.forEach(m -> keys.add(m.getKey()));
        Set<String> known = new HashSet<>();
        for (String k : keys) {
            for (Service.Metric m : client.getMetricHistory(runId, k)) {
                known.add(m.getKey() + "|" + m.getStep() + "|" + m.getTimestamp());
            }
        }
        return metrics.stream().filter(m -> !known.contains(m.getKey() + "|" + m.getStep() + "|" + m.getTimestamp())).toList();
    }

    private void upload(DeliveryState state, Path file, String dir) throws IOException, InterruptedException {
        if (!Files.isRegularFile(file)) {
            return;     // deleted since: nothing to send
        }
        String name = (dir == null || dir.isEmpty() ? "" : dir + "/") + file.getFileName();
        String uri = state.artifactUri();
        if (uri.startsWith("mlflow-artifacts:")) {
            String path = uri.substring("mlflow-artifacts:".length()).replaceFirst("^/+", "");
            URI target = URI.create(trackingUri.replaceAll("/+$", "") + "/api/2.0/mlflow-artifacts/artifacts/" + path + "/" + name);
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(target).timeout(Duration.ofMinutes(5))
                    .PUT(HttpRequest.BodyPublishers.ofFile(file)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() / 100 != 2) {
                throw new IOException("artifact upload of " + file + " to " + target + ": HTTP " + r.statusCode() + " " + r.body());
            }
        } else {
            Path root = Path.of(uri.startsWith("file:") ? URI.create(uri).getPath() : uri);
            Path target = root.resolve(name);
            Files.createDirectories(target.getParent());
            Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
