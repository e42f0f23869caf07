import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;

/**
 * A ceiling, not a proxy anyone should run: the least an HTTP/1.1 keep-alive relay on the JVM does
 * with the gateway's own stack (Netty 4.2 on io_uring, one event loop), so that the benchmark can
 * tell what the JVM and Netty cost from what Vert.x and the gateway add. Each client connection
 * gets one upstream connection of its own on the same loop; requests are relayed as decoded, with
 * no checks, no policy and no log. Usage: {@code java -cp cli/target/vigil.jar
 * bench/ceiling/NettyRelay.java LISTEN_PORT UPSTREAM_PORT}.
 */
public final class NettyRelay {

  public static void main(String[] args) throws Exception {
    int listen = Integer.parseInt(args[0]);
    int upstream = Integer.parseInt(args[1]);
    EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, IoUringIoHandler.newFactory());
    new ServerBootstrap()
        .group(loop)
        .channel(IoUringServerSocketChannel.class)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(
            new ChannelInitializer<Channel>() {
              @Override
              protected void initChannel(Channel c) {
                c.pipeline().addLast(new HttpServerCodec(), new Front(upstream));
              }
            })
        .bind("127.0.0.1", listen)
        .sync();
    System.out.println("relaying 127.0.0.1:" + listen + " to 127.0.0.1:" + upstream);
    Thread.currentThread().join();
  }

  /** The client's side: reads nothing until its upstream connection is up. */
  private static final class Front extends ChannelInboundHandlerAdapter {
    private final int upstream;
    private Channel back;

    Front(int upstream) {
      this.upstream = upstream;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      Channel front = ctx.channel();
      front.config().setAutoRead(false);
      new Bootstrap()
          .group(front.eventLoop())
          .channel(IoUringSocketChannel.class)
          .option(ChannelOption.TCP_NODELAY, true)
          .handler(
              new ChannelInitializer<Channel>() {
                @Override
                protected void initChannel(Channel c) {
                  c.pipeline().addLast(new HttpClientCodec(), new Back(front));
                }
              })
          .connect("127.0.0.1", upstream)
          .addListener(
              (ChannelFutureListener)
                  f -> {
                    if (!f.isSuccess()) {
                      front.close();
                      return;
                    }
                    back = f.channel();
                    front.config().setAutoRead(true);
                  });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HttpRequest r) {
        r.headers().set(HttpHeaderNames.HOST, "127.0.0.1:" + upstream);
      }
      if (msg instanceof LastHttpContent) {
        back.writeAndFlush(msg);
      } else {
        back.write(msg);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (back != null) {
        back.close();
      }
    }
  }

  /** The upstream's side: its answer goes to the client as it is decoded. */
  private static final class Back extends ChannelInboundHandlerAdapter {
    private final Channel front;

    Back(Channel front) {
      this.front = front;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof HttpResponse r) {
        front.write(new DefaultHttpResponse(r.protocolVersion(), r.status(), r.headers()));
      }
      if (msg instanceof LastHttpContent) {
        front.writeAndFlush(msg);
      } else if (msg instanceof HttpContent) {
        front.write(msg);
      } else if (!(msg instanceof HttpResponse)) {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      front.close();
    }
  }
}
