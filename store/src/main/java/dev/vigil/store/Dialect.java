package dev.vigil.store;

/** The database behind a store. */
public enum Dialect {
  /** One embedded file under the data directory; for one node. */
  SQLITE("sqlite"),
  /** A shared server; for several nodes. */
  POSTGRESQL("postgresql");

  private final String folder;

  Dialect(String folder) {
    this.folder = folder;
  }

  /** Returns the name of this dialect's folder of migration scripts. */
  String migrationFolder() {
    return folder;
  }
}
