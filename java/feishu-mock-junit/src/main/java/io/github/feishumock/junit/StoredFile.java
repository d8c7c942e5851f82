package io.github.feishumock.junit;

import com.google.gson.annotations.SerializedName;

/** Metadata of one stored file, as {@code GET /__mock/files} lists it. */
public final class StoredFile {
    @SerializedName("file_token")
    private String fileToken;
    private String name;
    @SerializedName("content_type")
    private String contentType;
    private long size;
    private String sha256;
    private String endpoint;
    private String parent;
    @SerializedName("uploaded_at_ms")
    private long uploadedAtMs;

    /** The token the upload answered (Drive, OKR, Task) or the Project attachment's uuid. */
    public String fileToken() {
        return fileToken;
    }

    /** The file's name as stored. */
    public String name() {
        return name;
    }

    /** Content type as stored. */
    public String contentType() {
        return contentType;
    }

    /** Size in bytes. */
    public long size() {
        return size;
    }

    /** SHA-256 of the bytes, lower-case hex. */
    public String sha256() {
        return sha256;
    }

    /** The endpoint that stored it, e.g. {@code task.attachment.upload}. */
    public String endpoint() {
        return endpoint;
    }

    /** What it belongs to (Drive node, OKR target, task, work item field), when anything. */
    public String parent() {
        return parent;
    }

    /** Emulator time of the upload, ms since the Unix epoch. */
    public long uploadedAtMs() {
        return uploadedAtMs;
    }

    @Override
    public String toString() {
        return fileToken + " " + name + " (" + size + " bytes, " + endpoint + ")";
    }
}
