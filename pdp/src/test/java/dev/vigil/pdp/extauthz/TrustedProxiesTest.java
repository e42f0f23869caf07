package dev.vigil.pdp.extauthz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class TrustedProxiesTest {

  @Test
  void none_trustsNobody_evenLoopback() {
    assertThat(TrustedProxies.none().trusts("127.0.0.1")).isFalse();
    assertThat(TrustedProxies.none().trusts("::1")).isFalse();
    assertThat(TrustedProxies.none().isEmpty()).isTrue();
  }

  @Test
  void trusts_ipv4Block_matchesInsideOnly() {
    TrustedProxies p = TrustedProxies.parse(List.of("10.1.0.0/16"));

    assertThat(p.trusts("10.1.255.3")).isTrue();
    assertThat(p.trusts("10.2.0.1")).isFalse();
    assertThat(p.trusts("110.1.0.1")).isFalse();
  }

  @Test
  void trusts_prefixNotOnByteBoundary_masksTheRightBits() {
    TrustedProxies p = TrustedProxies.parse(List.of("192.0.2.64/27"));

    assertThat(p.trusts("192.0.2.64")).isTrue();
    assertThat(p.trusts("192.0.2.95")).isTrue();
    assertThat(p.trusts("192.0.2.96")).isFalse();
    assertThat(p.trusts("192.0.2.63")).isFalse();
  }

  @Test
  void trusts_bareAddress_isASingleHost() {
    TrustedProxies p = TrustedProxies.parse(List.of("127.0.0.1"));

    assertThat(p.trusts("127.0.0.1")).isTrue();
    assertThat(p.trusts("127.0.0.2")).isFalse();
  }

  @Test
  void trusts_ipv6Block_matchesBracketedAndZonedForms() {
    TrustedProxies p = TrustedProxies.parse(List.of("2001:db8:aa::/48", "::1/128"));

    assertThat(p.trusts("2001:db8:aa:1::5")).isTrue();
    assertThat(p.trusts("[2001:db8:aa::1]")).isTrue();
    assertThat(p.trusts("2001:db8:ab::1")).isFalse();
    assertThat(p.trusts("0:0:0:0:0:0:0:1")).isTrue();
    assertThat(p.trusts("fe80::1%eth0")).isFalse();
  }

  @Test
  void trusts_ipv4MappedIpv6Peer_matchesIpv4Block() {
    TrustedProxies p = TrustedProxies.parse(List.of("127.0.0.1/32"));

    assertThat(p.trusts("::ffff:127.0.0.1")).isTrue();
    assertThat(p.trusts("::ffff:127.0.0.2")).isFalse();
  }

  @Test
  void trusts_ipv4BlockNeverMatchesIpv6Peer() {
    TrustedProxies p = TrustedProxies.parse(List.of("0.0.0.0/0"));

    assertThat(p.trusts("::1")).isFalse();
    assertThat(p.trusts("8.8.8.8")).isTrue();
  }

  @Test
  void trusts_hostNamesAndGarbage_areNeverTrusted() {
    TrustedProxies p = TrustedProxies.parse(List.of("0.0.0.0/0", "::/0"));

    assertThat(p.trusts("localhost")).isFalse();
    assertThat(p.trusts("")).isFalse();
    assertThat(p.trusts(null)).isFalse();
    assertThat(p.trusts("1.2.3")).isFalse();
    assertThat(p.trusts("unknown")).isFalse();
  }

  @Test
  void parse_badBlock_namesIt() {
    assertThatThrownBy(() -> TrustedProxies.parse(List.of("proxy.local/8")))
        .hasMessage("trusted proxy \"proxy.local/8\" is not an IP address or CIDR block");
    assertThatThrownBy(() -> TrustedProxies.parse(List.of("10.0.0.0/33")))
        .hasMessage("trusted proxy \"10.0.0.0/33\": prefix length must be 0..32");
    assertThatThrownBy(() -> TrustedProxies.parse(List.of("::/129")))
        .hasMessageContaining("prefix length must be 0..128");
  }
}
