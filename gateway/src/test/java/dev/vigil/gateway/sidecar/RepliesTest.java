package dev.vigil.gateway.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RepliesTest {

  @Test
  void grpcStatus_sidecarRefusals_mappedAsGrpcMapsHttpStatuses() {
    assertThat(Replies.grpcStatus(403)).isEqualTo(7); // PERMISSION_DENIED
    assertThat(Replies.grpcStatus(401)).isEqualTo(16); // UNAUTHENTICATED
    assertThat(Replies.grpcStatus(502)).isEqualTo(14); // UNAVAILABLE
    assertThat(Replies.grpcStatus(400)).isEqualTo(13); // INTERNAL
    assertThat(Replies.grpcStatus(418)).isEqualTo(2); // UNKNOWN
  }

  @Test
  void percentEncoded_percentAndNonAscii_encodedAsUtf8Bytes() {
    assertThat(Replies.percentEncoded("100% denied: café\n"))
        .isEqualTo("100%25 denied: caf%C3%A9%0A");
  }

  @Test
  void percentEncoded_printableAscii_unchanged() {
    assertThat(Replies.percentEncoded("access denied (access_denied, decision 1-2)"))
        .isEqualTo("access denied (access_denied, decision 1-2)");
  }
}
