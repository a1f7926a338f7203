package dev.maejvm.experiments.tracking;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.mlflow.tracking.MlflowClient;
import org.mlflow.tracking.MlflowHttpException;

/**
 * One tracking server, reached with a deadline on every call. Experiments, runs, params, metrics
 * and tags go through the official {@link MlflowClient}; it has no timeouts of its own (a hung
 * server would hang it for ever), so each call runs on a helper thread and, past the deadline,
 * the client is closed (which aborts its connections) and a new one is made for the next call.
 * Artifacts go by HTTP PUT to the server's artifact proxy ({@code mlflow-artifacts:} URIs) or
 * are copied into a local artifact path: the client's own artifact calls need a Python MLflow.
 */
final class MlflowConnection implements AutoCloseable {
    private final String trackingUri;
    private final Duration callTimeout;
    private final ExecutorService calls = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "mlflow-call");
        t.setDaemon(true);
        return t;
    });
    private final HttpClient http;
    private MlflowClient client;

    MlflowConnection(String trackingUri, Duration callTimeout) {
        this.trackingUri = trackingUri.replaceAll("/+$", "");
        this.callTimeout = callTimeout;
        this.http = HttpClient.newBuilder().connectTimeout(callTimeout).build();
    }

    String trackingUri() {
        return trackingUri;
    }

    /** Runs {@code f} with the client within the deadline. */
    <T> T call(String what, Function<MlflowClient, T> f) throws DeliveryException {
        MlflowClient c = client();
        Future<T> result = calls.submit(() -> f.apply(c));
        try {
            return result.get(callTimeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            result.cancel(true);
            recycle(c);
            throw new DeliveryException(what + ": no answer from " + trackingUri + " within " + callTimeout.toMillis() + " ms", e, 0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            recycle(c);
            throw new DeliveryException(what + ": interrupted", e, 0);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            int status = cause instanceof MlflowHttpException h ? h.getStatusCode() : 0;
            if (status == 0) {
                recycle(c);
            }
            String detail = cause instanceof MlflowHttpException h ? "HTTP " + h.getStatusCode() + " " + h.getBodyMessage()
                    : String.valueOf(cause);
            throw new DeliveryException(what + ": " + detail, cause, status);
        }
    }

    void run(String what, java.util.function.Consumer<MlflowClient> f) throws DeliveryException {
        call(what, c -> {
            f.accept(c);
            return null;
        });
    }

    /**
     * Puts a file into a run's artifacts.
     *
     * @param artifactUri the run's artifact URI, {@code mlflow-artifacts:/...} or a local path / {@code file:} URI
     * @param name the path inside the run's artifacts, e.g. "checkpoints/checkpoint.bin"
     */
    void upload(String artifactUri, Path file, String name) throws DeliveryException {
        try {
            if (artifactUri.startsWith("mlflow-artifacts:")) {
                String rest = artifactUri.substring("mlflow-artifacts:".length());
                if (rest.startsWith("//")) {                        // mlflow-artifacts://host:port/path
                    rest = rest.substring(rest.indexOf('/', 2));
                }
                StringBuilder path = new StringBuilder();
                for (String seg : (rest.replaceFirst("^/+", "") + "/" + name).split("/")) {
                    if (!seg.isEmpty()) {
                        path.append('/').append(URLEncoder.encode(seg, StandardCharsets.UTF_8).replace("+", "%20"));
                    }
                }
                URI target = URI.create(trackingUri + "/api/2.0/mlflow-artifacts/artifacts" + path);
                long bytes = Files.size(file);
                Duration timeout = callTimeout.plusMillis(bytes / 1000);       // and at least 1 MB/s
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(target).timeout(timeout)
                        .PUT(HttpRequest.BodyPublishers.ofFile(file)).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() / 100 != 2) {
                    throw new DeliveryException("artifact " + name + ": HTTP " + r.statusCode() + " " + r.body(), null,
                            r.statusCode());
                }
            } else if (artifactUri.startsWith("file:") || artifactUri.startsWith("/")) {
                Path root = artifactUri.startsWith("file:") ? Path.of(URI.create(artifactUri)) : Path.of(artifactUri);
                Path target = root.resolve(name);
                Files.createDirectories(target.getParent());
                Path tmp = target.resolveSibling(target.getFileName() + ".part");
                Files.copy(file, tmp, StandardCopyOption.REPLACE_EXISTING);
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } else {
                throw new DeliveryException("artifact " + name + ": the artifact URI " + artifactUri
                        + " is neither mlflow-artifacts: nor a local path; start the server with --serve-artifacts", null, 400);
            }
        } catch (IOException e) {
            throw new DeliveryException("artifact " + name + ": " + e, e, 0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeliveryException("artifact " + name + ": interrupted", e, 0);
        }
    }

    private synchronized MlflowClient client() {
        if (client == null) {
            client = new MlflowClient(trackingUri);
        }
        return client;
    }

    private synchronized void recycle(MlflowClient c) {
        if (client == c) {
            client = null;
        }
        try {
            c.close();
        } catch (RuntimeException ignored) {
            // closing is best effort: it only aborts connections
        }
    }

    @Override
    public synchronized void close() {
        if (client != null) {
            recycle(client);
        }
        calls.shutdownNow();
    }

    /** A call that did not succeed; {@code status} is the HTTP status, or 0 when there was no answer. */
    static final class DeliveryException extends Exception {
        private final int status;

        DeliveryException(String message, Throwable cause, int status) {
            super(message, cause);
            this.status = status;
        }

        int status() {
            return status;
        }

        /** A 4xx other than 429: the server refuses this request, and sending it again will not help. */
        boolean refused() {
            return status >= 400 && status < 500 && status != 429;
        }
    }
}
