package dev.vigil.rego.builtins;

import static dev.vigil.rego.builtins.BuiltinCalls.call;
import static dev.vigil.rego.builtins.BuiltinCalls.json;
import static dev.vigil.rego.builtins.BuiltinCalls.str;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.vigil.rego.value.BooleanValue;
import dev.vigil.rego.value.SetValue;
import dev.vigil.rego.value.StringValue;
import dev.vigil.rego.value.Value;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NetBuiltinsTest {

  private static SetValue strings(String... s) {
    return SetValue.of(Arrays.stream(s).map(StringValue::of).toArray(Value[]::new));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "10.0.0.0/8|10.1.2.3|true",
        "10.0.0.0/8|11.0.0.1|false",
        "10.0.0.0/8|10.1.0.0/16|true",
        "10.1.0.0/16|10.0.0.0/8|false",
        "2001:db8::/32|2001:db8:1::1|true",
        "2001:db8::/32|10.0.0.1|false",
        "192.168.1.0/24|192.168.1.67|true",
      })
  void cidrContains_addressOrBlock_answers(String net, String x, boolean want) {
    assertThat(call("net.cidr_contains", str(net), str(x))).isEqualTo(BooleanValue.of(want));
  }

  @Test
  void cidrContains_badOperands_failWithGoMessages() {
    assertThatThrownBy(() -> call("net.cidr_contains", str("10.0.0.0/33"), str("10.0.0.1")))
        .hasMessage("invalid CIDR address: 10.0.0.0/33");
    assertThatThrownBy(() -> call("net.cidr_contains", str("10.0.0.0/8"), str("nope")))
        .hasMessage("not a valid textual representation of an IP address or CIDR: nope");
    assertThat(call("net.cidr_is_valid", str("010.0.0.0/8"))).isEqualTo(BooleanValue.FALSE);
    assertThat(call("net.cidr_is_valid", str("::/0"))).isEqualTo(BooleanValue.TRUE);
  }

  @Test
  void cidrIntersects_v4AndV6_answers() {
    assertThat(call("net.cidr_intersects", str("192.168.1.0/25"), str("192.168.1.64/25")))
        .isEqualTo(BooleanValue.TRUE);
    assertThat(
            call(
                "net.cidr_intersects",
                str("fd1e:5bfe:8af3:9ddc::/64"),
                str("2001:4860:4860::8888/32")))
        .isEqualTo(BooleanValue.FALSE);
  }

  @Test
  void cidrExpand_smallBlock_listsAddresses() {
    assertThat(call("net.cidr_expand", str("172.16.100.255/30")))
        .isEqualTo(strings("172.16.100.252", "172.16.100.253", "172.16.100.254", "172.16.100.255"));
    assertThat(call("net.cidr_expand", str("2001:db8::/127")))
        .isEqualTo(strings("2001:db8::", "2001:db8::1"));
    assertThatThrownBy(() -> call("net.cidr_expand", str("10.0.0.0/8")))
        .hasMessageContaining("more than the 65536 that can be expanded");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "[\"192.0.128.0/24\", \"192.0.129.0/24\"]|192.0.128.0/23",
        "[\"192.0.2.112/30\", \"192.0.2.116/31\", \"192.0.2.118/31\"]|192.0.2.112/29",
        "[\"192.0.2.112/31\", \"192.0.2.116/31\","
            + " \"192.0.2.118/31\"]|192.0.2.112/31,192.0.2.116/30",
        "[\"192.0.2.112\", \"192.0.2.116/31\"]|192.0.2.0/24",
        "[\"::/0\", \"fe80::1/128\"]|::/0",
        "[\"2601:600:8a80:207e:a57d:7567:e2c9:e7b3/64\"]|2601:600:8a80:207e::/64",
        "[\"fe80::/120\", \"192.0.2.0/24\", \"192.0.3.0/24\"]|192.0.2.0/23,fe80::/120",
      })
  void cidrMerge_blocks_mergesToFewest(String in, String want) {
    assertThat(call("net.cidr_merge", json(in))).isEqualTo(strings(want.split(",")));
  }

  @Test
  void cidrMerge_ipv6WithoutPrefix_fails() {
    assertThatThrownBy(() -> call("net.cidr_merge", json("[\"2601:600::1\"]")))
        .hasMessage("IPv6 invalid: needs prefix length");
  }

  @Test
  void cidrContainsMatches_tuplesAndObjects_pairKeys() {
    assertThat(
            call(
                "net.cidr_contains_matches",
                json("[[\"1.1.2.0/24\", 1], \"1.1.1.0/24\"]"),
                json("[\"1.1.1.1\", \"1.1.2.1\"]")))
        .isEqualTo(SetValue.of(json("[0, 1]"), json("[1, 0]")));
    assertThat(
            call(
                "net.cidr_contains_matches",
                json("{\"k1\": \"1.1.1.1/24\", \"k2\": [\"1.1.1.2/24\", 1]}"),
                str("1.1.1.128")))
        .isEqualTo(SetValue.of(json("[\"k1\", \"1.1.1.128\"]"), json("[\"k2\", \"1.1.1.128\"]")));
    assertThatThrownBy(
            () -> call("net.cidr_contains_matches", json("[\"1.1.1.0/24\"]"), json("[[]]")))
        .hasMessage("operand 2: element must be string or non-empty array");
  }

  @Test
  void lookupIpAddr_networkDisabled_refusesNames() {
    assertThatThrownBy(() -> call("net.lookup_ip_addr", str("example.com")))
        .isInstanceOf(BuiltinException.class)
        .hasMessageContaining("network access is disabled for policies")
        .hasMessageContaining("enable it with the engine option networkAllowed");
  }

  @Test
  void lookupIpAddr_literalsAndLocalhost_answerWithoutNetwork() {
    assertThat(call("net.lookup_ip_addr", str("10.0.0.0"))).isEqualTo(strings("10.0.0.0"));
    assertThat(call("net.lookup_ip_addr", str("::"))).isEqualTo(strings("::"));
    assertThat(call("net.lookup_ip_addr", str("localhost"))).isEqualTo(strings("127.0.0.1", "::1"));
  }

  @ParameterizedTest
  @CsvSource({
    "::1,::1",
    "2001:db8:0:0:1:0:0:1,2001:db8::1:0:0:1",
    "2001:0db8:0000:0000:0000:0000:0002:0001,2001:db8::2:1",
    "::ffff:1.2.3.4,1.2.3.4",
    "1:2:3:4:5:6:7:8,1:2:3:4:5:6:7:8",
    "1:0:3:4:5:6:7:8,1:0:3:4:5:6:7:8",
  })
  void ipFormat_ipv6_printsRfc5952(String in, String out) {
    assertThat(NetCidr.format(NetCidr.parseIp(in))).isEqualTo(out);
  }
}
