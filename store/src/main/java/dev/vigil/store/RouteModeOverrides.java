package dev.vigil.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads and writes the route modes set in the console (table {@code route_mode_overrides},
 * migration 0008), one per route name. The same SQL runs on SQLite and PostgreSQL.
 *
 * <p>On PostgreSQL, every stored change is then announced on the change feed's channel {@value
 * #CHANNEL} ({@code changed ROUTE} or {@code removed ROUTE}), so that the nodes sharing the store
 * can {@link #follow} it and reread the overrides; see {@link ChangeFeed} for what a lost
 * notification means.
 *
 * <p>Thread-safe; every write is one statement in its own transaction.
 */
public final class RouteModeOverrides {

  /** The change feed's channel on which route mode changes are announced. */
  public static final String CHANNEL = "vigil_route_modes";

  private final Store store;

  public RouteModeOverrides(Store store) {
    this.store = store;
  }

  /**
   * Returns every override, by route name.
   *
   * @throws StoreException when the store cannot be read
   */
  public List<RouteModeOverride> all() {
    try (Connection c = store.dataSource().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "SELECT route, mode, changed_by, changed_at_ms FROM route_mode_overrides"
                    + " ORDER BY route");
        ResultSet rs = ps.executeQuery()) {
      List<RouteModeOverride> out = new ArrayList<>();
      while (rs.next()) {
        out.add(
            new RouteModeOverride(
                rs.getString(1),
                rs.getString(2),
                rs.getString(3),
                Instant.ofEpochMilli(rs.getLong(4))));
      }
      return out;
    } catch (SQLException e) {
      throw new StoreException("cannot read the route mode overrides: " + e.getMessage(), e);
    }
  }

  /**
   * Stores {@code o}, replacing the route's previous override.
   *
   * @throws StoreException when the store cannot be written; nothing is stored then
   */
  public void put(RouteModeOverride o) {
    try (Connection c = store.dataSource().getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO route_mode_overrides (route, mode, changed_by, changed_at_ms) VALUES"
                    + " (?,?,?,?) ON CONFLICT (route) DO UPDATE SET mode = excluded.mode,"
                    + " changed_by = excluded.changed_by, changed_at_ms ="
                    + " excluded.changed_at_ms")) {
      ps.setString(1, o.route());
      ps.setString(2, o.mode());
      ps.setString(3, o.changedBy());
      ps.setLong(4, o.changedAt().toEpochMilli());
      ps.executeUpdate();
    } catch (SQLException e) {
      throw new StoreException(
          "cannot store the mode of route " + o.route() + ": " + e.getMessage(), e);
    }
    ChangeFeed.publish(store, CHANNEL, "changed", o.route());
  }

  /**
   * Removes the route's override.
   *
   * @return whether there was one
   * @throws StoreException when the store cannot be written
   */
  public boolean delete(String route) {
    boolean removed;
    try (Connection c = store.dataSource().getConnection();
        PreparedStatement ps =
            c.prepareStatement("DELETE FROM route_mode_overrides WHERE route = ?")) {
      ps.setString(1, route);
      removed = ps.executeUpdate() > 0;
    } catch (SQLException e) {
      throw new StoreException(
          "cannot remove the mode override of route " + route + ": " + e.getMessage(), e);
    }
    if (removed) {
      ChangeFeed.publish(store, CHANNEL, "removed", route);
    }
    return removed;
  }

  /**
   * Follows the changes stored by any node sharing this PostgreSQL store, this one included: {@code
   * onChange} runs on the feed's thread after each, and after every (re)connect of the feed, when
   * changes may have been missed; it should reread {@link #all}. With SQLite nothing is followed.
   *
   * @return the running feed; closing it stops following
   */
  public ChangeFeed follow(Runnable onChange) {
    return ChangeFeed.follow(store, CHANNEL, event -> onChange.run());
  }
}
