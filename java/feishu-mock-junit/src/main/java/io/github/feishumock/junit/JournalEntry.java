package io.github.feishumock.junit;

import com.google.gson.annotations.SerializedName;
import java.util.Collections;
import java.util.List;

/**
 * One request as the emulator's journal ({@code GET /__mock/requests}) holds it: never the bytes
 * nor the credentials.
 */
public final class JournalEntry {
    @SerializedName("time_ms")
    private long timeMs;
    private String method;
    private String path;
    private String endpoint;
    private String caller;
    private int status;
    private Long code;
    @SerializedName("log_id")
    private String logId;
    private List<Part> parts;

    /** Emulator time of the request, ms since the Unix epoch. */
    public long timeMs() {
        return timeMs;
    }

    /** HTTP method. */
    public String method() {
        return method;
    }

    /** Path and query as sent. */
    public String path() {
        return path;
    }

    /** Endpoint name, e.g. {@code drive.media.upload_all}; {@code admin} for the control plane. */
    public String endpoint() {
        return endpoint;
    }

    /** {@code app:<app_id>}, {@code user:<open_id>}, {@code plugin:<id>}, or null. */
    public String caller() {
        return caller;
    }

    /** HTTP status answered. */
    public int status() {
        return status;
    }

    /** Feishu code answered (0 on success); null where the answer had none. */
    public Long code() {
        return code;
    }

    /** The answer's log id ({@code X-Tt-Logid}). */
    public String logId() {
        return logId;
    }

    /** The file parts of an upload, in the order received; empty for other requests. */
    public List<Part> parts() {
        return parts == null ? Collections.emptyList() : Collections.unmodifiableList(parts);
    }

    @Override
    public String toString() {
        return method + " " + path + " -> " + status + " code " + code + " parts " + parts();
    }

    /** A file part of an upload, as received. */
    public static final class Part {
        private String name;
        private String filename;
        private long size;
        private String sha256;
        @SerializedName("content_type")
        private String contentType;

        /** The part's form field name. */
        public String name() {
            return name;
        }

        /** The filename of its Content-Disposition; null when it had none. */
        public String filename() {
            return filename;
        }

        /** Bytes received. */
        public long size() {
            return size;
        }

        /** SHA-256 of the bytes, lower-case hex. */
        public String sha256() {
            return sha256;
        }

        /** The part's own Content-Type; null when it had none. */
        public String contentType() {
            return contentType;
        }

        @Override
        public String toString() {
            return name + "(filename=" + filename + ", size=" + size + ", type=" + contentType + ")";
        }
    }
}
