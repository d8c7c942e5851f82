package io.github.feishumock.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs one feishu-mock emulator for the annotated test class (its {@code @Nested} classes share
 * it) and injects {@link FeishuMock} into constructors, lifecycle methods and tests. Equivalent
 * to {@code @ExtendWith(FeishuMockExtension.class)} with these settings; every element is
 * optional.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(FeishuMockExtension.class)
public @interface FeishuMockSettings {
    /** More {@code feishu-mock serve} flags, e.g. {@code {"--no-rate-limits", "--seed", "1"}}. */
    String[] args() default {};

    /** A world file ({@code --world}), in the format of the repository's specs/world.json. */
    String world() default "";

    /** Seconds to wait for the listening line and for {@code /__mock/health}; never longer. */
    double startupTimeoutSeconds() default 10.0;

    /**
     * Whether each test starts on the start-up world ({@code POST /__mock/reset} before each
     * test, as the pytest fixture does).
     */
    boolean resetBeforeEach() default true;
}
