package io.github.feishumock.junit;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.lang.reflect.Field;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A running emulator at {@link #url()} and thin helpers over its control plane
 * ({@code /__mock/}): what {@link FeishuMockExtension} injects into tests.
 *
 * <p>The default world's credentials are constants here ({@link #APP_ID}, {@link #APP_SECRET},
 * …) and methods ({@link #appId()}, …). Control-plane calls throw {@link FeishuMockException}
 * when the emulator refuses them.
 */
public final class FeishuMock {
    /** The default world's self-built app, holding every scope. */
    public static final String APP_ID = "cli_mock";
    /** The secret of {@link #APP_ID}. */
    public static final String APP_SECRET = "mock-secret";
    /** A self-built app of the default world holding no scope (its calls get 99991672). */
    public static final String NO_SCOPE_APP_ID = "cli_mock_noscope";
    /** A tenant token of {@link #APP_ID} that the default world pre-issues; it never expires. */
    public static final String TENANT_ACCESS_TOKEN = "t-43b270c035ddffdcf79c9eb548d06318ca4abcef";
    /** A user token of the default world that never expires, of {@link #USER_OPEN_ID}. */
    public static final String USER_ACCESS_TOKEN = "u-7f1bcd13fc57d46bac21793a18e560";
    /** The open_id of the user of {@link #USER_ACCESS_TOKEN}. */
    public static final String USER_OPEN_ID = "ou_2cefb2f014f8d0c6c2d2eb7bafb0e54f";

    private static final Gson GSON = new Gson();
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    // Keys of the official Java SDK's process-wide token cache (com.lark.oapi.core.token.TokenManager).
    private static final String[] LARK_TOKEN_KEYS = {"app_access_token-", "tenant_access_token-"};

    private final String url;
    private final Path logPath;

    /** A handle on the emulator at {@code url} ({@code http://host:port}). */
    public FeishuMock(String url) {
        this(url, null);
    }

    FeishuMock(String url, Path logPath) {
        String u = Objects.requireNonNull(url, "url");
        this.url = u.endsWith("/") ? u.substring(0, u.length() - 1) : u;
        this.logPath = logPath;
    }

    /** {@code http://127.0.0.1:PORT}, for the SDK client's {@code .openBaseUrl(...)}. */
    public String url() {
        return url;
    }

    /** {@value #APP_ID}. */
    public String appId() {
        return APP_ID;
    }

    /** {@value #APP_SECRET}. */
    public String appSecret() {
        return APP_SECRET;
    }

    /** {@value #TENANT_ACCESS_TOKEN}. */
    public String tenantAccessToken() {
        return TENANT_ACCESS_TOKEN;
    }

    /** {@value #USER_ACCESS_TOKEN}. */
    public String userAccessToken() {
        return USER_ACCESS_TOKEN;
    }

    /** {@value #USER_OPEN_ID}. */
    public String userOpenId() {
        return USER_OPEN_ID;
    }

    /** The emulator's request log (stderr) when the extension started it; null otherwise. */
    public Path logPath() {
        return logPath;
    }

    private JsonElement control(String method, String route, Object body) {
        String json = body == null ? null : body instanceof String ? (String) body : GSON.toJson(body);
        byte[] answer = ControlPlane.call(method, url + "/__mock/" + route, json, TIMEOUT);
        return JsonParser.parseString(new String(answer, StandardCharsets.UTF_8));
    }

    /** {@code GET /__mock/health}: {@code {"status":"ok"}} once the world is loaded. */
    public JsonObject health() {
        return control("GET", "health", null).getAsJsonObject();
    }

    /**
     * Back to the world loaded at start-up: stored files, records, issued tokens, counters,
     * journal, faults and clock.
     *
     * <p>The emulator forgets the tokens it issued, so the app and tenant tokens that the
     * official Java SDK ({@code com.larksuite.oapi:oapi-sdk}) caches process-wide in its default
     * cache are dropped too, when that SDK is on the class path; its clients then fetch new ones
     * on their next call. (A cache given with {@code Client.newBuilder(...).tokenCache(...)} is
     * the caller's to clear.)
     */
    public void reset() {
        control("POST", "reset", null);
        forgetLarkTokens();
    }

    /**
     * Drops the app and tenant tokens in the official Java SDK's default token cache
     * ({@code com.lark.oapi.core.cache.LocalCache}), if that class is loaded; returns how many.
     */
    public static int forgetLarkTokens() {
        Class<?> cache;
        try {
            cache = Class.forName("com.lark.oapi.core.cache.LocalCache", false,
                    FeishuMock.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            return 0;
        }
        try {
            Field f = cache.getDeclaredField("CACHE");
            f.setAccessible(true);
            Object map = f.get(null);
            if (!(map instanceof Map)) {
                return 0;
            }
            int before = ((Map<?, ?>) map).size();
            ((Map<?, ?>) map).keySet().removeIf(k -> k instanceof String && isLarkTokenKey((String) k));
            return before - ((Map<?, ?>) map).size();
        } catch (ReflectiveOperationException | RuntimeException e) {
            return 0;
        }
    }

    private static boolean isLarkTokenKey(String key) {
        for (String prefix : LARK_TOKEN_KEYS) {
            if (key.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    /** The whole journal, oldest first, control-plane calls (endpoint {@code admin}) left out. */
    public List<JournalEntry> requests() {
        return requests(null, null);
    }

    /** One endpoint's journal entries, oldest first. */
    public List<JournalEntry> requests(String endpoint) {
        return requests(endpoint, null);
    }

    /**
     * The journal entries of {@code endpoint} answering {@code code}, oldest first; a null
     * argument matches anything. Control-plane calls are left out.
     */
    public List<JournalEntry> requests(String endpoint, Integer code) {
        StringBuilder q = new StringBuilder("requests?page_size=10000");
        if (endpoint != null) {
            q.append("&endpoint=").append(URLEncoder.encode(endpoint, StandardCharsets.UTF_8));
        }
        if (code != null) {
            q.append("&code=").append(code);
        }
        JsonArray items = control("GET", q.toString(), null).getAsJsonObject().getAsJsonArray("requests");
        List<JournalEntry> out = new ArrayList<>();
        for (JsonElement e : items) {
            JournalEntry entry = GSON.fromJson(e, JournalEntry.class);
            if (!"admin".equals(entry.endpoint())) {
                out.add(entry);
            }
        }
        return Collections.unmodifiableList(out);
    }

    /** Metadata of every stored file, oldest first. */
    public List<StoredFile> files() {
        JsonArray items = control("GET", "files?page_size=10000", null).getAsJsonObject().getAsJsonArray("files");
        List<StoredFile> out = new ArrayList<>();
        for (JsonElement e : items) {
            out.add(GSON.fromJson(e, StoredFile.class));
        }
        return Collections.unmodifiableList(out);
    }

    /** The stored bytes of one file. */
    public byte[] fileBytes(String fileToken) {
        return ControlPlane.call("GET", url + "/__mock/files/"
                + URLEncoder.encode(fileToken, StandardCharsets.UTF_8), null, TIMEOUT);
    }

    /**
     * The header that makes one request answer the endpoint's documented error {@code code}, as
     * a new mutable map in the shape of the Java SDK's
     * {@code RequestOptions.newBuilder().headers(...)}.
     */
    public Map<String, List<String>> errorHeader(int code) {
        Map<String, List<String>> h = new HashMap<>();
        h.put("X-Mock-Error-Code", new ArrayList<>(List.of(String.valueOf(code))));
        return h;
    }

    /** The next request to {@code endpoint} answers its documented error {@code code}. */
    public JsonObject failNext(String endpoint, int code) {
        return failNext(endpoint, code, 1);
    }

    /** The next {@code times} requests to {@code endpoint} answer its documented error {@code code}. */
    public JsonObject failNext(String endpoint, int code, int times) {
        Map<String, Object> rule = new HashMap<>();
        rule.put("error_code", code);
        rule.put("times", times);
        return addFault(endpoint, rule);
    }

    /**
     * Adds a fault rule ({@code error_code}, {@code delay_ms}, {@code reset_connection},
     * {@code times}, {@code probability}, {@code app_id}) for {@code endpoint}; returns it as
     * stored.
     */
    public JsonObject addFault(String endpoint, Map<String, ?> rule) {
        Map<String, Object> body = new HashMap<>(rule);
        body.put("endpoint", endpoint);
        return control("POST", "faults", body).getAsJsonObject().getAsJsonObject("fault");
    }

    /** The fault rules, with their fired counts. */
    public JsonArray faults() {
        return control("GET", "faults", null).getAsJsonObject().getAsJsonArray("faults");
    }

    /** Removes every fault rule. */
    public void clearFaults() {
        control("DELETE", "faults", null);
    }

    /**
     * Moves emulator time forward by {@code seconds} (token expiry, quota windows, link
     * lifetimes); returns the new now in ms since the Unix epoch.
     */
    public long advanceClock(long seconds) {
        Map<String, Object> body = Collections.singletonMap("advance_seconds", seconds);
        return control("POST", "clock", body).getAsJsonObject().get("now_ms").getAsLong();
    }

    /** Emulator time, ms since the Unix epoch. */
    public long nowMs() {
        return control("GET", "clock", null).getAsJsonObject().get("now_ms").getAsLong();
    }

    /**
     * Adds apps, users, tokens, Drive nodes, OKR objects, tasks or Project objects, in the
     * {@code --world} format (a JSON object); {@link #reset()} drops them again.
     */
    public void addToWorld(String worldFragmentJson) {
        control("POST", "world", worldFragmentJson);
    }

    /** {@link #addToWorld(String)} with a fragment built of maps and lists. */
    public void addToWorld(Map<String, ?> worldFragment) {
        control("POST", "world", GSON.toJson(worldFragment));
    }

    @Override
    public String toString() {
        return "FeishuMock(" + url + ")";
    }
}
