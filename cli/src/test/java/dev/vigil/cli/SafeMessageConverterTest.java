package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Log lines cannot be forged or coloured by what a client sends. */
class SafeMessageConverterTest {

  @Test
  void escape_controlAndInvisibleCharacters_writtenAsEscapes() {
    String forged =
        "mallory reason=x\n2026-12-05T10:00:00.000Z INFO  AuthEndpoints - signed in: user=alice"
            + "\r\u001b[31mRED\u200bcarol\u202e\u2028\t\u0000";

    String line = SafeMessageConverter.escape(forged);

    assertThat(line)
        .isEqualTo(
            "mallory reason=x\\n2026-12-05T10:00:00.000Z INFO  AuthEndpoints - signed in:"
                + " user=alice\\r\\u001b[31mRED\\u200bcarol\\u202e\\u2028\\t\\u0000")
        .doesNotContain("\n", "\r", "\u001b", "\u200b");
  }

  @Test
  void escape_ordinaryText_unchanged() {
    String s = "sign-in refused: user=bob source=127.0.0.1 élan 名前 😀";

    assertThat(SafeMessageConverter.escape(s)).isSameAs(s);
  }

  @Test
  void theShippedConfiguration_usesItForEveryMessage() throws Exception {
    var configurator = new ch.qos.logback.classic.joran.JoranConfigurator();
    LoggerContext fresh = new LoggerContext();
    configurator.setContext(fresh);
    configurator.doConfigure(getClass().getResource("/logback.xml"));
    // A warning would make logback print its whole status to standard output, before the banner.
    assertThat(fresh.getStatusManager().getCopyOfStatusList())
        .noneMatch(st -> st.getEffectiveLevel() >= ch.qos.logback.core.status.Status.WARN);
    var appender =
        (ch.qos.logback.core.ConsoleAppender<ILoggingEvent>)
            fresh.getLogger(Logger.ROOT_LOGGER_NAME).getAppender("STDERR");
    PatternLayoutEncoder encoder = (PatternLayoutEncoder) appender.getEncoder();
    ListAppender<ILoggingEvent> events = new ListAppender<>();
    events.setContext(fresh);
    events.start();
    Logger log = fresh.getLogger("AuthEndpoints");
    log.addAppender(events);

    log.info("sign-in refused: user={} source={}", "eve\nforged line", "127.0.0.1");

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(encoder.encode(events.list.get(0)));
    String written = out.toString(StandardCharsets.UTF_8);
    assertThat(written)
        .endsWith("AuthEndpoints - sign-in refused: user=eve\\nforged line source=127.0.0.1\n");
    assertThat(written.strip().lines()).hasSize(1);
  }
}
