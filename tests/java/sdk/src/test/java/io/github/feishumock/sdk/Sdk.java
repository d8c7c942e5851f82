package io.github.feishumock.sdk;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.lark.oapi.Client;
import com.lark.oapi.core.request.RequestOptions;
import com.lark.oapi.core.response.BaseResponse;
import io.github.feishumock.junit.FeishuMock;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.zip.Adler32;

/** What every test class of the suite shares: SDK clients of the emulator and small helpers. */
final class Sdk {
    static final String DOC_NODE = "doccnFivLCfJfblZjGZtxgabcef";
    static final String OBJECTIVE = "6974586812998174252";
    static final String KEY_RESULT = "7041430377642082323";
    static final String TASK = "fe96108d-b004-4a47-b2f8-6886e758b3a5";
    static final String TASK_OF_SECOND_USER = "9b4e7c2a-1d3f-4a5b-8c6d-7e8f9a0b1c2d";

    private Sdk() {
    }

    /**
     * A client of the default world's self-built app, built as a user would: the SDK's default
     * transport (OkHttp) and its default, process-wide token cache, which the extension's reset
     * clears before each test.
     */
    static Client client(FeishuMock mock) {
        return client(mock, mock.appId(), mock.appSecret());
    }

    static Client client(FeishuMock mock, String appId, String appSecret) {
        return Client.newBuilder(appId, appSecret).openBaseUrl(mock.url()).build();
    }

    /** Request options carrying {@code X-Mock-Error-Code: code}. */
    static RequestOptions forced(FeishuMock mock, int code) {
        return RequestOptions.newBuilder().headers(mock.errorHeader(code)).build();
    }

    /**
     * Request options with these headers. The SDK adds its own (User-Agent, Authorization) to
     * the map it is given, so it gets a mutable copy.
     */
    static RequestOptions headers(Map<String, List<String>> headers) {
        Map<String, List<String>> copy = new HashMap<>();
        headers.forEach((k, v) -> copy.put(k, new ArrayList<>(v)));
        return RequestOptions.newBuilder().headers(copy).build();
    }

    /** The raw JSON body the SDK received. */
    static JsonObject body(BaseResponse<?> resp) {
        return JsonParser.parseString(new String(resp.getRawResponse().getBody(), StandardCharsets.UTF_8))
                .getAsJsonObject();
    }

    static String describe(BaseResponse<?> resp) {
        return resp.getRawResponse() == null ? resp.getCode() + " " + resp.getMsg()
                : resp.getRawResponse().getStatusCode() + " " + resp.getCode() + " " + resp.getMsg();
    }

    /** Deterministic, non-repeating-looking bytes. */
    static byte[] bytes(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) ((i * 31 + (i >>> 11)) % 251);
        }
        return b;
    }

    static Path write(Path dir, String name, byte[] data) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, data);
        return p;
    }

    /** Adler-32 as a decimal string, as Drive's {@code checksum} wants it. */
    static String adler32(byte[] data, int off, int len) {
        Adler32 a = new Adler32();
        a.update(data, off, len);
        return Long.toString(a.getValue());
    }
}
