package dev.vigil.gateway.config;

/** A configuration error, naming the file, line and key. */
public final class ConfigException extends RuntimeException {

  public ConfigException(String message) {
    super(message, null, false, false);
  }
}
