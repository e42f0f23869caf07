package dev.vigil.rego;

import java.util.List;
import java.util.stream.Collectors;

/** Thrown when parsing, compiling or evaluating fails; carries every problem found. */
public class RegoException extends RuntimeException {

  private final List<RegoError> errors;

  public RegoException(List<RegoError> errors) {
    super(errors.stream().map(RegoError::toString).collect(Collectors.joining("\n")));
    this.errors = List.copyOf(errors);
  }

  public RegoException(RegoError error) {
    this(List.of(error));
  }

  public List<RegoError> errors() {
    return errors;
  }

  /** Returns the code of the first error. */
  public String code() {
    return errors.isEmpty() ? "" : errors.get(0).code();
  }
}
