package io.github.feishumock.junit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** HTTP calls to the control plane ({@code /__mock/...}), JSON in and out. */
final class ControlPlane {
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5))
            .version(HttpClient.Version.HTTP_1_1)
            .build();

    private ControlPlane() {
    }

    /** The raw body of {@code method url} with an optional JSON body; non-2xx throws. */
    static byte[] call(String method, String url, String jsonBody, Duration timeout) {
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(url)).timeout(timeout);
        if (jsonBody == null) {
            req.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            req.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(jsonBody, StandardCharsets.UTF_8));
        }
        HttpResponse<byte[]> resp;
        try {
            resp = HTTP.send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new FeishuMockException(method + " " + url + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FeishuMockException(method + " " + url + ": interrupted", e);
        }
        if (resp.statusCode() / 100 != 2) {
            throw new FeishuMockException(method + " " + url + ": HTTP " + resp.statusCode() + " "
                    + new String(resp.body(), StandardCharsets.UTF_8));
        }
        return resp.body();
    }

    /**
     * Polls {@code GET url/__mock/health} every 50 ms until it answers 200, for at most
     * {@code timeoutNanos}.
     */
    static void waitHealthy(String url, long timeoutNanos) {
        long deadline = System.nanoTime() + timeoutNanos;
        String last = "no answer";
        while (true) {
            long left = deadline - System.nanoTime();
            try {
                call("GET", url + "/__mock/health", null,
                        Duration.ofNanos(Math.max(200_000_000L, Math.min(2_000_000_000L, left))));
                return;
            } catch (FeishuMockException e) {
                last = e.getMessage();
            }
            if (System.nanoTime() >= deadline) {
                throw new FeishuMockException(url + "/__mock/health not healthy within "
                        + Duration.ofNanos(timeoutNanos).toMillis() + " ms: " + last);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new FeishuMockException("interrupted while waiting on " + url, e);
            }
        }
    }
}
