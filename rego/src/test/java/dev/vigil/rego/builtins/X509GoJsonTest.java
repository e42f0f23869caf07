package dev.vigil.rego.builtins;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class X509GoJsonTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "10.0.0.1, 10.0.0.1",
    "2001:db8:0:0:0:0:0:1, 2001:db8::1",
    "0:0:0:0:0:0:0:1, ::1",
    "0:0:0:0:0:0:0:0, ::",
    "2001:db8:0:1:0:0:0:1, 2001:db8:0:1::1",
    "2001:db8:1:2:3:4:5:6, 2001:db8:1:2:3:4:5:6",
    "fe80:0:0:1:0:0:0:0, fe80:0:0:1::",
  })
  void ip_address_printsAsGo(String address, String want) throws Exception {
    assertThat(X509GoJson.ip(InetAddress.getByName(address).getAddress())).isEqualTo(want);
  }
}
