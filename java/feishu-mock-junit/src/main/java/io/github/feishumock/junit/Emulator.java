package io.github.feishumock.junit;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * A {@code feishu-mock serve} process on 127.0.0.1 and a free port ({@code --port 0}).
 *
 * <p>{@link #start()} reads the URL from the first stdout line ({@code feishu-mock listening on
 * http://HOST:PORT}), then polls {@code GET /__mock/health} until it answers 200, all within the
 * startup timeout; when the binary exits, prints something else or stays silent, it stops the
 * process and throws {@link FeishuMockException} with the binary's own message. It never waits
 * longer than the timeout. The request log (stderr) goes to {@link #logPath()}, a temporary file
 * deleted when the JVM exits.
 */
public final class Emulator implements AutoCloseable {
    static final String LISTENING = "feishu-mock listening on ";

    private final String binary;
    private final List<String> args;
    private final double startupTimeoutSeconds;
    private Process process;
    private Path logPath;
    private String url;

    /**
     * An emulator of {@code binary} with extra {@code serve} flags; nothing runs before
     * {@link #start()}.
     */
    public Emulator(String binary, List<String> args, double startupTimeoutSeconds) {
        this.binary = Objects.requireNonNull(binary, "binary");
        this.args = List.copyOf(args);
        if (!(startupTimeoutSeconds > 0)) {
            throw new IllegalArgumentException("startupTimeoutSeconds must be positive");
        }
        this.startupTimeoutSeconds = startupTimeoutSeconds;
    }

    /**
     * The {@code feishu-mock} executable: {@code $FEISHU_MOCK_BIN}, else the first
     * {@code feishu-mock} on PATH.
     *
     * @throws FeishuMockException when neither exists
     */
    public static String findBinary() {
        return findBinary(System::getenv);
    }

    static String findBinary(Function<String, String> env) {
        String explicit = env.apply("FEISHU_MOCK_BIN");
        if (explicit != null && !explicit.isEmpty()) {
            return explicit;
        }
        String path = env.apply("PATH");
        boolean windows = System.getProperty("os.name", "").toLowerCase().startsWith("windows");
        String exe = windows ? "feishu-mock.exe" : "feishu-mock";
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                File candidate = new File(dir, exe);
                if (candidate.isFile() && candidate.canExecute()) {
                    return candidate.getPath();
                }
            }
        }
        throw new FeishuMockException(
                "feishu-mock binary not found: put it on PATH or set FEISHU_MOCK_BIN "
                        + "(or FEISHU_MOCK_URL to use an emulator that is already running)");
    }

    /** The command line this emulator runs. */
    public List<String> command() {
        List<String> cmd = new ArrayList<>(Arrays.asList(binary, "serve"));
        boolean host = false;
        boolean port = false;
        for (String a : args) {
            String flag = a.split("=", 2)[0];
            host |= flag.equals("--host");
            port |= flag.equals("--port");
        }
        if (!host) {
            cmd.addAll(Arrays.asList("--host", "127.0.0.1"));
        }
        if (!port) {
            cmd.addAll(Arrays.asList("--port", "0"));
        }
        cmd.addAll(args);
        return Collections.unmodifiableList(cmd);
    }

    /** The base URL, {@code http://127.0.0.1:PORT}; null before {@link #start()}. */
    public String url() {
        return url;
    }

    /** Where the emulator's stderr (request log, error messages) goes; null before start. */
    public Path logPath() {
        return logPath;
    }

    /**
     * Starts the process and returns its base URL once {@code /__mock/health} answers 200.
     *
     * @throws FeishuMockException with the binary's own message when it cannot start
     */
    public String start() {
        if (process != null) {
            throw new IllegalStateException("already started");
        }
        long deadline = System.nanoTime() + (long) (startupTimeoutSeconds * 1e9);
        try {
            logPath = Files.createTempFile("feishu-mock-", ".log");
            // kept for a post-mortem while the JVM runs, gone after it
            logPath.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new FeishuMockException("cannot create the emulator's log file: " + e, e);
        }
        ProcessBuilder pb = new ProcessBuilder(command())
                .redirectInput(ProcessBuilder.Redirect.from(nullFile()))
                .redirectError(ProcessBuilder.Redirect.appendTo(logPath.toFile()));
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new FeishuMockException("cannot run " + binary + ": " + e.getMessage(), e);
        }
        InputStream stdout = process.getInputStream();
        CompletableFuture<String> firstLine = CompletableFuture.supplyAsync(() -> {
            try {
                return new BufferedReader(new InputStreamReader(stdout, StandardCharsets.UTF_8))
                        .readLine();
            } catch (IOException e) {
                return null;
            }
        });
        String line;
        try {
            line = firstLine.get(remainingNanos(deadline), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw fail("no listening line within " + seconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw fail("interrupted");
        } catch (ExecutionException e) {
            line = null;
        }
        if (line == null) {
            Integer code = null;
            try {
                if (process.waitFor(Math.max(0, remainingNanos(deadline)) + 1_000_000_000L,
                        TimeUnit.NANOSECONDS)) {
                    code = process.exitValue();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw fail("exited with status " + code);
        }
        if (!line.startsWith(LISTENING)) {
            throw fail("unexpected first line '" + line + "'");
        }
        url = line.substring(LISTENING.length()).trim();
        // Nothing else is printed on stdout, but a full pipe must never block the server.
        Thread drain = new Thread(() -> drain(stdout), "feishu-mock-stdout");
        drain.setDaemon(true);
        drain.start();
        try {
            ControlPlane.waitHealthy(url, Math.max(500_000_000L, remainingNanos(deadline)));
        } catch (FeishuMockException e) {
            throw fail(e.getMessage());
        }
        return url;
    }

    private static File nullFile() {
        boolean windows = System.getProperty("os.name", "").toLowerCase().startsWith("windows");
        return new File(windows ? "NUL" : "/dev/null");
    }

    private static long remainingNanos(long deadline) {
        return deadline - System.nanoTime();
    }

    private String seconds() {
        return startupTimeoutSeconds == Math.rint(startupTimeoutSeconds)
                ? String.valueOf((long) startupTimeoutSeconds)
                : String.valueOf(startupTimeoutSeconds);
    }

    private static void drain(InputStream in) {
        byte[] buf = new byte[65536];
        try {
            while (in.read(buf) >= 0) {
                // discard
            }
        } catch (IOException e) {
            // the process is gone
        }
    }

    private String stderrTail() {
        if (logPath == null) {
            return "";
        }
        try {
            String text = new String(Files.readAllBytes(logPath), StandardCharsets.UTF_8).trim();
            return text.length() > 4000 ? text.substring(text.length() - 4000) : text;
        } catch (IOException e) {
            return "";
        }
    }

    private FeishuMockException fail(String why) {
        stop();
        String stderr = stderrTail();
        return new FeishuMockException("feishu-mock did not start (" + String.join(" ", command())
                + "): " + why + (stderr.isEmpty() ? "" : "\n" + stderr));
    }

    /** SIGTERM (a graceful shutdown), then a forced kill after 5 s. Idempotent. */
    public void stop() {
        Process p = process;
        process = null;
        if (p == null || !p.isAlive()) {
            return;
        }
        p.destroy();
        try {
            if (!p.waitFor(5, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }
}
