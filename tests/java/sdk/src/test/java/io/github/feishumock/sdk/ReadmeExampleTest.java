package io.github.feishumock.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.lark.oapi.Client;
import com.lark.oapi.core.request.RequestOptions;
import com.lark.oapi.service.drive.v1.model.UploadAllMediaReq;
import com.lark.oapi.service.drive.v1.model.UploadAllMediaReqBody;
import io.github.feishumock.junit.FeishuMock;
import io.github.feishumock.junit.FeishuMockSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's "Use it from Java" example, verbatim. */
@FeishuMockSettings(args = "--no-rate-limits")   // or @ExtendWith(FeishuMockExtension.class)
class ReadmeExampleTest {
    @Test
    void upload(FeishuMock mock, @TempDir Path dir) throws Exception {
        Client client = Client.newBuilder(mock.appId(), mock.appSecret()).openBaseUrl(mock.url()).build();
        Path file = Files.writeString(dir.resolve("a.txt"), "hello");
        UploadAllMediaReq req = UploadAllMediaReq.newBuilder().uploadAllMediaReqBody(UploadAllMediaReqBody
                .newBuilder().fileName("a.txt").parentType("doc_file").parentNode("doccnFivLCfJfblZjGZtxgabcef")
                .size(5).file(file.toFile()).build()).build();
        assertEquals(0, client.drive().v1().media().uploadAll(req).getCode());
        assertEquals(0L, mock.requests("drive.media.upload_all").get(0).code());
        // a documented error on demand, through the SDK's own request options
        RequestOptions forced = RequestOptions.newBuilder().headers(mock.errorHeader(1061045)).build();
        assertEquals(1061045, client.drive().v1().media().uploadAll(req, forced).getCode());
    }
}
