package dev.vigil.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.TimeoutException;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's Chromium, driven through {@code vigil up --demo} as a person would use it: bob signs in
 * at the gateway and is denied, then the first administrator signs in to the console, chooses a
 * password and finds bob's denial with its explanation.
 */
class ConsoleBrowserTest {

  private static final Pattern DECISION_ID = Pattern.compile("Decision id: ([0-9a-f-]{36})");

  @TempDir Path tmp;

  private static WebDriver chromium(Path profile) {
    ChromeOptions options = new ChromeOptions();
    options.setBinary("/usr/bin/chromium");
    options.addArguments(
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--user-data-dir=" + profile);
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(new File("/usr/bin/chromedriver"))
            .usingAnyFreePort()
            .build();
    ChromeDriver driver = new ChromeDriver(service, options);
    driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
    return driver;
  }

  /** Submits a form and waits for the page it leads to (a click does not wait for it). */
  private static void submitAndWaitFor(WebDriver d, String buttonCss, String urlPart) {
    d.findElement(By.cssSelector(buttonCss)).click();
    try {
      new WebDriverWait(d, Duration.ofSeconds(60)).until(ExpectedConditions.urlContains(urlPart));
    } catch (TimeoutException e) {
      throw new AssertionError(
          "expected "
              + urlPart
              + " but stayed on "
              + d.getCurrentUrl()
              + ": "
              + d.findElement(By.tagName("body")).getText(),
          e);
    }
  }

  private static void fill(WebDriver d, String name, String value) {
    WebElement e = d.findElement(By.name(name));
    e.clear();
    e.sendKeys(value);
  }

  @Test
  void signIn_denial_andTheConsoleShowsIt() throws Exception {
    try (UpProcess up = new UpProcess(tmp)) {
      up.start();
      String adminPassword = up.firstAdminPassword();
      WebDriver d = chromium(Files.createDirectory(tmp.resolve("profile")));
      try {
        String decisionId = bobIsDenied(d, up);
        adminFindsTheDenial(d, up, adminPassword, decisionId);
      } finally {
        d.quit();
      }
    }
  }

  /** Bob (role dev) signs in at the gateway; the demo policy lets only SREs read. */
  private static String bobIsDenied(WebDriver d, UpProcess up) throws Exception {
    d.get(up.gatewayUrl("/hello"));
    assertThat(d.getCurrentUrl()).contains("/auth/login");
    fill(d, "username", "bob");
    fill(d, "password", up.demoPassword("bob"));
    submitAndWaitFor(d, "button[type=submit]", "/hello");

    String page = d.findElement(By.tagName("body")).getText();
    assertThat(page).contains("Access denied");
    Matcher m = DECISION_ID.matcher(page);
    assertThat(m.find()).as("decision id on the page: %s", page).isTrue();
    // The person learns that they were refused and which decision to quote; the policy's
    // workings (rules, roles, files) stay in the decision log.
    assertThat(d.getPageSource())
        .doesNotContain("authz.rego")
        .doesNotContain("input.user")
        .doesNotContain("sre")
        .doesNotContain("Exception")
        .doesNotContain("127.0.0.1:" + up.controlPlane);
    return m.group(1);
  }

  private static void adminFindsTheDenial(
      WebDriver d, UpProcess up, String oneTimePassword, String decisionId) {
    d.get(up.controlPlaneUrl("/console/"));
    assertThat(d.getCurrentUrl()).endsWith("/console/login");
    fill(d, "username", "admin");
    fill(d, "password", oneTimePassword);
    submitAndWaitFor(d, "button[type=submit]", "/console/password");

    fill(d, "current", oneTimePassword);
    fill(d, "password", "chromium chose this one");
    fill(d, "confirm", "chromium chose this one");
    submitAndWaitFor(d, "main button[type=submit]", "/console/decisions");

    d.findElement(By.name("denied")).click();
    fill(d, "subject", "bob");
    submitAndWaitFor(d, "main button[type=submit]", "subject=bob");

    assertThat(d.getCurrentUrl()).contains("denied=1");
    WebElement row = d.findElement(By.xpath("//tr[td/a[text()='" + decisionId + "']]"));
    assertThat(row.getText())
        .contains("deny")
        .contains("echo")
        .contains("bob")
        .contains("input.user.role is \"dev\"");

    row.findElement(By.linkText(decisionId)).click();
    new WebDriverWait(d, Duration.ofSeconds(60))
        .until(ExpectedConditions.urlContains("/console/decisions/" + decisionId));
    String detail = d.findElement(By.tagName("main")).getText();
    assertThat(detail)
        .contains("Decision " + decisionId)
        .contains("input.user.role == \"sre\" failed: input.user.role is \"dev\"")
        .contains("authz.rego:");
  }
}
