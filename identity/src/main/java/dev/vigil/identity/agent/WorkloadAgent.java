package dev.vigil.identity.agent;

import dev.vigil.identity.AgentSvid;
import dev.vigil.identity.Identities;
import dev.vigil.identity.SvidRejectedException;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.InternalNettyServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code vigil agent}: serves the SPIFFE Workload API on a Unix domain socket with grpc-java,
 * attesting each caller by the socket's peer credentials. Every {@code tick} the agent reloads
 * registration entries and pushes changed answers (rotated, revoked or deleted SVIDs, new roots) on
 * the open streams. Linux only (epoll). Thread-safe; {@link #close()} stops it.
 */
public final class WorkloadAgent implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(WorkloadAgent.class);

  private final Server server;
  private final EventLoopGroup group;
  private final ScheduledExecutorService ticker;
  private final WorkloadApi api;
  private final Path socket;
  private final AutoCloseable feed;

  private WorkloadAgent(
      Server server,
      EventLoopGroup group,
      ScheduledExecutorService ticker,
      WorkloadApi api,
      Path socket,
      AutoCloseable feed) {
    this.server = server;
    this.group = group;
    this.ticker = ticker;
    this.api = api;
    this.socket = socket;
    this.feed = feed;
  }

  /**
   * Starts the agent on {@code socket}, replacing a stale socket file.
   *
   * @throws IOException when the socket cannot be bound
   * @throws IllegalStateException on a platform without epoll, when another process serves the
   *     socket, or when the path is something other than a socket
   */
  public static WorkloadAgent start(
      Path socket, Identities identities, Attestor attestor, InstantSource clock, Duration tick)
      throws IOException {
    return start(socket, identities, attestor, clock, tick, null);
  }

  /**
   * Starts the agent as above, holding its own SVID: every tick renews it once half its lifetime
   * has passed.
   *
   * @param own the agent's SVID from a join token, or null for an agent without one
   */
  public static WorkloadAgent start(
      Path socket,
      Identities identities,
      Attestor attestor,
      InstantSource clock,
      Duration tick,
      AgentSvid own)
      throws IOException {
    if (!Epoll.isAvailable()) {
      throw new IllegalStateException(
          "vigil agent needs Linux epoll for Unix sockets and peer credentials: "
              + Epoll.unavailabilityCause());
    }
    Path abs = socket.toAbsolutePath().normalize();
    Files.createDirectories(abs.getParent());
    removeStale(abs);
    SvidCache cache = new SvidCache(identities, clock);
    WorkloadApi api = new WorkloadApi(identities, attestor, cache);
    @SuppressWarnings("deprecation") // The epoll group is what the grpc-netty-shaded 1.x API takes.
    EventLoopGroup group = new EpollEventLoopGroup(1);
    Server server =
        NettyServerBuilder.forAddress(
                new DomainSocketAddress(abs.toString()),
                InternalNettyServerCredentials.create(new PeerCredentialsNegotiator()))
            .channelType(EpollServerDomainSocketChannel.class)
            .bossEventLoopGroup(group)
            .workerEventLoopGroup(group)
            .addService(ServerInterceptors.intercept(api.definition(), api.guard()))
            .build()
            .start();
    // Any local process may connect; what it receives is decided by attestation.
    Files.setPosixFilePermissions(abs, PosixFilePermissions.fromString("rwxrwxrwx"));
    ScheduledExecutorService ticker =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "vigil-agent-tick");
              t.setDaemon(true);
              return t;
            });
    Runnable refresh =
        () -> {
          try {
            identities.rotateDue();
            cache.refresh();
            api.tick();
            renewOwn(own);
          } catch (RuntimeException e) {
            log.error("workload API refresh failed: {}", e.toString());
          }
        };
    long ms = tick.toMillis();
    ticker.scheduleWithFixedDelay(refresh, ms, ms, TimeUnit.MILLISECONDS);
    // Changes made on other nodes (PostgreSQL) are pushed: refresh at once, not at the next tick.
    AutoCloseable feed = identities.followChanges(() -> ticker.execute(refresh));
    log.info("workload API listening on {}", abs);
    return new WorkloadAgent(server, group, ticker, api, abs, feed);
  }

  /**
   * Removes a socket file left by an agent that is gone. A socket that still accepts connections
   * belongs to a running agent whose workloads would lose it, and a path that is no socket is
   * somebody's file: both are refused instead of deleted.
   */
  private static void removeStale(Path abs) throws IOException {
    if (!Files.exists(abs, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    if (!Files.readAttributes(abs, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
        .isOther()) {
      throw new IllegalStateException(
          "socket path " + abs + " is not a socket; it is kept, choose another path");
    }
    try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(abs))) {
      throw new IllegalStateException(
          "socket "
              + abs
              + " is in use: another process serves it (a running vigil agent?); stop it or"
              + " choose another socket");
    } catch (IOException refused) {
      Files.deleteIfExists(abs);
    }
  }

  private static void renewOwn(AgentSvid own) {
    if (own == null) {
      return;
    }
    try {
      if (own.renewIfDue()) {
        log.info("agent SVID {} renewed, now expires {}", own.id(), own.current().expiry());
      }
    } catch (SvidRejectedException e) {
      log.error("agent SVID {} cannot be renewed: {}", own.id(), e.getMessage());
    }
  }

  public Path socket() {
    return socket;
  }

  /** Returns the number of open streams, for metrics and tests. */
  public int openStreams() {
    return api.openStreams();
  }

  @Override
  public void close() {
    try {
      feed.close();
    } catch (Exception e) {
      log.warn("cannot stop the identity change feed: {}", e.toString());
    }
    ticker.shutdownNow();
    server.shutdownNow();
    try {
      server.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    try {
      Files.deleteIfExists(socket);
    } catch (IOException e) {
      log.warn("cannot remove socket {}: {}", socket, e.toString());
    }
  }
}
