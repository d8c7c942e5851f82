package io.github.feishumock.sdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.lark.oapi.Client;
import com.lark.oapi.core.request.RequestOptions;
import com.lark.oapi.service.okr.v1.model.ContentBlock;
import com.lark.oapi.service.okr.v1.model.ContentBlockElement;
import com.lark.oapi.service.okr.v1.model.ContentGallery;
import com.lark.oapi.service.okr.v1.model.ContentImageItem;
import com.lark.oapi.service.okr.v1.model.ContentList;
import com.lark.oapi.service.okr.v1.model.ContentParagraph;
import com.lark.oapi.service.okr.v1.model.ContentParagraphElement;
import com.lark.oapi.service.okr.v1.model.ContentParagraphStyle;
import com.lark.oapi.service.okr.v1.model.ContentTextRun;
import com.lark.oapi.service.okr.v1.model.ContentTextStyle;
import com.lark.oapi.service.okr.v1.model.CreateProgressRecordReq;
import com.lark.oapi.service.okr.v1.model.CreateProgressRecordReqBody;
import com.lark.oapi.service.okr.v1.model.CreateProgressRecordResp;
import com.lark.oapi.service.okr.v1.model.DeleteProgressRecordReq;
import com.lark.oapi.service.okr.v1.model.DeleteProgressRecordResp;
import com.lark.oapi.service.okr.v1.model.GetProgressRecordReq;
import com.lark.oapi.service.okr.v1.model.GetProgressRecordResp;
import com.lark.oapi.service.okr.v1.model.UploadImageRespBody;
import com.lark.oapi.service.okr.v1.model.ProgressRateNew;
import com.lark.oapi.service.okr.v1.model.CreateProgressRecordRespBody;
import com.lark.oapi.service.okr.v1.model.UpdateProgressRecordReq;
import com.lark.oapi.service.okr.v1.model.UpdateProgressRecordReqBody;
import com.lark.oapi.service.okr.v1.model.UpdateProgressRecordResp;
import com.lark.oapi.service.okr.v1.model.UploadImageReq;
import com.lark.oapi.service.okr.v1.model.UploadImageReqBody;
import com.lark.oapi.service.okr.v1.model.UploadImageResp;
import io.github.feishumock.junit.FeishuMock;
import io.github.feishumock.junit.FeishuMockSettings;
import io.github.feishumock.junit.JournalEntry;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OKR image upload (seed 000) and the progress record's create (seed 001), get, update and delete
 * (FOLLOWUP_APIS) through the SDK's typed calls.
 */
@FeishuMockSettings(args = "--no-rate-limits")
class OkrTest {
    private final FeishuMock mock;
    private final Client client;
    @TempDir
    Path dir;

    OkrTest(FeishuMock mock) {
        this.mock = mock;
        this.client = Sdk.client(mock);
    }

    private static byte[] png(int w, int h) throws Exception {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, 0xff0000);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    private UploadImageResp upload(byte[] bytes, String target, int type, RequestOptions options) throws Exception {
        Path file = Sdk.write(dir, "chart.png", bytes);
        UploadImageReq req = UploadImageReq.newBuilder().uploadImageReqBody(UploadImageReqBody.newBuilder()
                .data(file.toFile()).targetId(target).targetType(type).build()).build();
        return options == null ? client.okr().v1().image().upload(req) : client.okr().v1().image().upload(req, options);
    }

    private UploadImageRespBody uploaded() throws Exception {
        UploadImageResp resp = upload(png(458, 372), Sdk.OBJECTIVE, 2, null);
        assertEquals(0, resp.getCode(), Sdk.describe(resp));
        return resp.getData();
    }

    private static ContentBlockElement paragraph(String text, int indentLevel) {
        ContentTextRun run = ContentTextRun.newBuilder().text(text)
                .style(ContentTextStyle.newBuilder().bold(true).strikeThrough(true).build()).build();
        ContentParagraph p = ContentParagraph.newBuilder()
                .style(ContentParagraphStyle.newBuilder().list(ContentList.newBuilder().type("number")
                        .indentLevel(indentLevel).number(1).build()).build())
                .elements(new ContentParagraphElement[] {
                    ContentParagraphElement.newBuilder().type("textRun").textRun(run).build()})
                .build();
        return ContentBlockElement.newBuilder().type("paragraph").paragraph(p).build();
    }

    private static ContentBlockElement gallery(UploadImageRespBody image) {
        ContentImageItem item = ContentImageItem.newBuilder().fileToken(image.getFileToken()).src(image.getUrl())
                .width(458.0).height(372.0).build();
        return ContentBlockElement.newBuilder().type("gallery")
                .gallery(ContentGallery.newBuilder().imageList(new ContentImageItem[] {item}).build()).build();
    }

    private CreateProgressRecordResp create(String target, RequestOptions options, ContentBlockElement... blocks)
            throws Exception {
        CreateProgressRecordReq req = CreateProgressRecordReq.newBuilder().createProgressRecordReqBody(
                CreateProgressRecordReqBody.newBuilder().sourceTitle("周报").sourceUrl("https://example.com/weekly")
                        .targetId(target).targetType(2)
                        .content(ContentBlock.newBuilder().blocks(blocks).build())
                        .progressRate(ProgressRateNew.newBuilder().percent(50.21).status(0).build())
                        .build())
                .build();
        return options == null ? client.okr().v1().progressRecord().create(req)
                : client.okr().v1().progressRecord().create(req, options);
    }

    private String created() throws Exception {
        CreateProgressRecordResp resp = create(Sdk.OBJECTIVE, null, paragraph("进展", 1));
        assertEquals(0, resp.getCode(), Sdk.describe(resp));
        return resp.getData().getProgressId();
    }

    private GetProgressRecordResp get(String id, RequestOptions options) throws Exception {
        GetProgressRecordReq req = GetProgressRecordReq.newBuilder().progressId(id).build();
        return options == null ? client.okr().v1().progressRecord().get(req)
                : client.okr().v1().progressRecord().get(req, options);
    }

    private UpdateProgressRecordResp update(String id, RequestOptions options, ContentBlockElement... blocks)
            throws Exception {
        UpdateProgressRecordReq req = UpdateProgressRecordReq.newBuilder().progressId(id).updateProgressRecordReqBody(
                UpdateProgressRecordReqBody.newBuilder().content(ContentBlock.newBuilder().blocks(blocks).build())
                        .progressRate(ProgressRateNew.newBuilder().percent(80.0).status(1).build()).build())
                .build();
        return options == null ? client.okr().v1().progressRecord().update(req)
                : client.okr().v1().progressRecord().update(req, options);
    }

    private DeleteProgressRecordResp delete(String id, RequestOptions options) throws Exception {
        DeleteProgressRecordReq req = DeleteProgressRecordReq.newBuilder().progressId(id).build();
        return options == null ? client.okr().v1().progressRecord().delete(req)
                : client.okr().v1().progressRecord().delete(req, options);
    }

    @Test
    void imageUploadAnswersABoxbcTokenWhoseUrlServesThePngAsImagePng() throws Exception {
        byte[] bytes = png(458, 372);
        UploadImageResp resp = upload(bytes, Sdk.OBJECTIVE, 2, null);
        assertEquals(0, resp.getCode(), Sdk.describe(resp));
        UploadImageRespBody image = resp.getData();
        assertTrue(image.getFileToken().startsWith("boxbc"), image.getFileToken());
        HttpResponse<byte[]> fetched = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(image.getUrl())).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, fetched.statusCode());
        assertEquals("image/png", fetched.headers().firstValue("Content-Type").orElse(""));
        assertArrayEquals(bytes, fetched.body());
        List<JournalEntry.Part> parts = mock.requests("okr.image.upload", 0).get(0).parts();
        assertEquals("data", parts.get(0).name());
        assertEquals("chart.png", parts.get(0).filename());
        assertEquals("application/octet-stream", parts.get(0).contentType());
    }

    @Test
    void anImageForAKeyResultIsAcceptedWithTargetType3() throws Exception {
        UploadImageResp resp = upload(png(4, 4), Sdk.KEY_RESULT, 3, null);
        assertEquals(0, resp.getCode(), Sdk.describe(resp));
        UploadImageResp wrongType = upload(png(4, 4), Sdk.KEY_RESULT, 2, null);
        assertEquals(1001004, wrongType.getCode(), Sdk.describe(wrongType));
    }

    @Test
    void bytesThatAreNoImageAre1001001AndAnUnknownObjectiveIs1001004BothHttp400() throws Exception {
        UploadImageResp notImage = upload("not an image".getBytes(), Sdk.OBJECTIVE, 2, null);
        assertEquals(1001001, notImage.getCode(), Sdk.describe(notImage));
        assertEquals(400, notImage.getRawResponse().getStatusCode());
        assertEquals("invalid parameters", notImage.getMsg());
        UploadImageResp unknown = upload(png(4, 4), "1234567890123456789", 2, null);
        assertEquals(1001004, unknown.getCode(), Sdk.describe(unknown));
        assertEquals(400, unknown.getRawResponse().getStatusCode());
        assertEquals("okr data not found", unknown.getMsg());
        assertTrue(mock.files().isEmpty());
    }

    @Test
    void imageUploadTakesAForcedCodeThroughRequestOptions() throws Exception {
        UploadImageResp resp = upload(png(4, 4), Sdk.OBJECTIVE, 2, Sdk.forced(mock, 1009999));
        assertEquals(1009999, resp.getCode(), Sdk.describe(resp));
        assertEquals(500, resp.getRawResponse().getStatusCode());
        assertEquals("internal server error", resp.getMsg());
        assertTrue(mock.files().isEmpty());
    }

    @Test
    void aProgressRecordWithAGalleryOfTheUploadedImageComesBackTypedInCamelCase() throws Exception {
        UploadImageRespBody image = uploaded();
        CreateProgressRecordResp resp = create(Sdk.OBJECTIVE, null, paragraph("周报内容", 1), gallery(image));
        assertEquals(0, resp.getCode(), Sdk.describe(resp));
        CreateProgressRecordRespBody record = resp.getData();
        assertTrue(record.getProgressId().matches("[0-9]{19}"), record.getProgressId());
        assertTrue(record.getModifyTime().matches("[0-9]{13}"), record.getModifyTime());
        assertEquals(50.21, record.getProgressRate().getPercent());
        assertEquals(0, record.getProgressRate().getStatus());
        ContentBlockElement[] blocks = record.getContent().getBlocks();
        assertEquals(2, blocks.length);
        ContentParagraph text = blocks[0].getParagraph();
        assertEquals("number", text.getStyle().getList().getType());
        assertEquals(1, text.getStyle().getList().getIndentLevel());
        assertEquals("周报内容", text.getElements()[0].getTextRun().getText());
        assertEquals(true, text.getElements()[0].getTextRun().getStyle().getStrikeThrough());
        ContentImageItem item = blocks[1].getGallery().getImageList()[0];
        assertEquals(image.getFileToken(), item.getFileToken());
        assertEquals(image.getUrl(), item.getSrc());
        assertEquals(458.0, item.getWidth());
    }

    @Test
    void getReturnsTheRecordUpdateReplacesItAndDeleteRemovesIt() throws Exception {
        String id = created();
        GetProgressRecordResp got = get(id, null);
        assertEquals(0, got.getCode(), Sdk.describe(got));
        assertEquals(id, got.getData().getProgressId());
        assertEquals("进展", got.getData().getContent().getBlocks()[0].getParagraph().getElements()[0]
                .getTextRun().getText());

        UpdateProgressRecordResp updated = update(id, null, paragraph("更新", 2));
        assertEquals(0, updated.getCode(), Sdk.describe(updated));
        assertEquals(80.0, updated.getData().getProgressRate().getPercent());
        GetProgressRecordResp again = get(id, null);
        assertEquals("更新", again.getData().getContent().getBlocks()[0].getParagraph().getElements()[0]
                .getTextRun().getText());
        assertEquals(1, again.getData().getProgressRate().getStatus());

        DeleteProgressRecordResp deleted = delete(id, null);
        assertEquals(0, deleted.getCode(), Sdk.describe(deleted));
        GetProgressRecordResp gone = get(id, null);
        assertEquals(1001004, gone.getCode(), Sdk.describe(gone));
        assertEquals(400, gone.getRawResponse().getStatusCode());
        DeleteProgressRecordResp twice = delete(id, null);
        assertEquals(1001004, twice.getCode(), Sdk.describe(twice));
    }

    @Test
    void createOnAnUnknownObjectiveIs1001004AndIndentLevel17OnUpdateIs1001001() throws Exception {
        CreateProgressRecordResp unknown = create("1234567890123456789", null, paragraph("x", 1));
        assertEquals(1001004, unknown.getCode(), Sdk.describe(unknown));
        assertEquals("okr data not found", unknown.getMsg());
        String id = created();
        UpdateProgressRecordResp deep = update(id, null, paragraph("x", 17));
        assertEquals(1001001, deep.getCode(), Sdk.describe(deep));
        assertEquals("invalid parameters", deep.getMsg());
        assertEquals(0, update(id, null, paragraph("x", 16)).getCode());
    }

    @Test
    void eachProgressRecordCallTakesAForcedCodeThroughRequestOptions() throws Exception {
        CreateProgressRecordResp c = create(Sdk.OBJECTIVE, Sdk.forced(mock, 1009998), paragraph("x", 1));
        assertEquals(1009998, c.getCode(), Sdk.describe(c));
        assertEquals(500, c.getRawResponse().getStatusCode());
        assertEquals("system exception", c.getMsg());
        String id = created();
        GetProgressRecordResp g = get(id, Sdk.forced(mock, 1009999));
        assertEquals(1009999, g.getCode(), Sdk.describe(g));
        assertEquals("internal server error", g.getMsg());
        UpdateProgressRecordResp u = update(id, Sdk.forced(mock, 1001002), paragraph("x", 1));
        assertEquals(1001002, u.getCode(), Sdk.describe(u));
        assertEquals("no permission", u.getMsg());
        DeleteProgressRecordResp d = delete(id, Sdk.forced(mock, 1009998));
        assertEquals(1009998, d.getCode(), Sdk.describe(d));
        assertEquals(0, get(id, null).getCode());
    }
}
