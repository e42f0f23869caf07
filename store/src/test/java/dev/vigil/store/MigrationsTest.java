package dev.vigil.store;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** How a migration script is cut into statements. */
class MigrationsTest {

  @Test
  void statements_commentEndingInSemicolon_doesNotEndAStatement() {
    String sql =
        """
        -- Two tables;
        --   the second one indexed;
        CREATE TABLE a (
          x INTEGER -- a column;
        );
          -- an indented comment;
        CREATE TABLE b (y TEXT);
        CREATE INDEX b_y ON b (y);
        """;

    assertThat(Migrations.statements(sql))
        .containsExactly(
            "CREATE TABLE a (\n  x INTEGER \n)",
            "CREATE TABLE b (y TEXT)",
            "CREATE INDEX b_y ON b (y)");
  }

  @Test
  void statements_lastStatementWithoutNewline_kept() {
    assertThat(Migrations.statements("CREATE TABLE a (x);\nCREATE TABLE b (y);"))
        .containsExactly("CREATE TABLE a (x)", "CREATE TABLE b (y)");
  }
}
