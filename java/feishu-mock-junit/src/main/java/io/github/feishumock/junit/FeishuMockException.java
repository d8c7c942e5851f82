package io.github.feishumock.junit;

/**
 * The emulator could not be started or reached, or its control plane refused a call. When the
 * binary cannot start, the message holds the command and the binary's own words (its exit
 * status and the end of its stderr).
 */
public class FeishuMockException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** An error with this message. */
    public FeishuMockException(String message) {
        super(message);
    }

    /** An error with this message, caused by {@code cause}. */
    public FeishuMockException(String message, Throwable cause) {
        super(message, cause);
    }
}
