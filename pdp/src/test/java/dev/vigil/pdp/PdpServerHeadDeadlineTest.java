package dev.vigil.pdp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.vigil.pdp.api.OpaApi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The control plane's REST listener with the request head deadline set to 300 ms. */
class PdpServerHeadDeadlineTest {

  static final String SLOW_HEAD =
      "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + "a".repeat(100) + "\r\n\r\n";

  static PdpServer server;

  @BeforeAll
  static void start() {
    DecisionPoint pdp = new DecisionPoint(DecisionPoint.Options.defaults());
    System.setProperty(HeadDeadline.PROPERTY, "300");
    try {
      server =
          PdpServer.start("127.0.0.1", 0, pdp, new PdpMetrics(null), OpaApi.Options.defaults());
    } finally {
      System.clearProperty(HeadDeadline.PROPERTY);
    }
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void trickledHead_closedWith408() throws Exception {
    try (RawHttp c = RawHttp.connect(server.port())) {
      assertThat(c.trickleUntilClosed(SLOW_HEAD, 100)).startsWith("HTTP/1.1 408 ");
    }
  }

  @Test
  void keepAliveWithPausesLongerThanDeadline_everyRequestServed() throws Exception {
    try (RawHttp c = RawHttp.connect(server.port())) {
      for (int i = 0; i < 3; i++) {
        c.send(RawHttp.get("/health"));
        assertThat(c.readResponse()).isEqualTo("200 {}");
        Thread.sleep(900);
      }
      c.send(RawHttp.get("/health"));
      assertThat(c.readResponse()).isEqualTo("200 {}");
    }
  }

  @Test
  void secondHeadTrickled_closedWith408() throws Exception {
    try (RawHttp c = RawHttp.connect(server.port())) {
      c.send(RawHttp.get("/health"));
      assertThat(c.readResponse()).isEqualTo("200 {}");
      Thread.sleep(900);

      assertThat(c.trickleUntilClosed(SLOW_HEAD, 100)).startsWith("HTTP/1.1 408 ");
    }
  }
}
