package dev.vigil.identity.agent;

import dev.vigil.identity.Identities;
import dev.vigil.identity.JwtSvid;
import dev.vigil.identity.RegistrationEntry;
import dev.vigil.identity.Selector;
import dev.vigil.identity.SvidRejectedException;
import dev.vigil.identity.TrustBundle;
import dev.vigil.identity.TrustDomain;
import dev.vigil.identity.X509Svid;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The SPIFFE Workload API ({@code SpiffeWorkloadAPI} of the SPIFFE Workload Endpoint and Workload
 * API specifications): X.509-SVIDs and bundles as streams, JWT-SVIDs, JWT bundles as a stream, and
 * JWT-SVID validation. Messages are read and written with {@link Wire}, field numbers as in the
 * specification's {@code workload.proto}.
 *
 * <p>Every call must carry the metadata {@code workload.spiffe.io: true} (else INVALID_ARGUMENT)
 * and come from a caller whose peer credentials were read (else PERMISSION_DENIED). A caller gets
 * the SVIDs of every registration entry whose selectors it shows; none is PERMISSION_DENIED.
 * Streams are re-evaluated on every {@link #tick()}: a changed answer (a rotated SVID, a deleted
 * entry, a revoked serial, a new root) is pushed at once.
 */
final class WorkloadApi {

  static final String SERVICE = "SpiffeWorkloadAPI";
  static final Metadata.Key<String> SECURITY_HEADER =
      Metadata.Key.of("workload.spiffe.io", Metadata.ASCII_STRING_MARSHALLER);
  private static final Context.Key<Caller> CALLER = Context.key("vigil.workload-caller");

  private final Identities identities;
  private final Attestor attestor;
  private final SvidCache cache;
  private final List<Stream> streams = new CopyOnWriteArrayList<>();

  WorkloadApi(Identities identities, Attestor attestor, SvidCache cache) {
    this.identities = identities;
    this.attestor = attestor;
    this.cache = cache;
  }

  /** One open server stream and the last answer sent on it. */
  private static final class Stream {
    final ServerCallStreamObserver<byte[]> observer;
    final Supplier<byte[]> answer;
    byte[] lastSent;

    Stream(ServerCallStreamObserver<byte[]> observer, Supplier<byte[]> answer) {
      this.observer = observer;
      this.answer = answer;
    }
  }

  ServerServiceDefinition definition() {
    return ServerServiceDefinition.builder(SERVICE)
        .addMethod(
            method("FetchX509SVID", MethodDescriptor.MethodType.SERVER_STREAMING),
            ServerCalls.asyncServerStreamingCall((req, obs) -> open(obs, this::x509SvidResponse)))
        .addMethod(
            method("FetchX509Bundles", MethodDescriptor.MethodType.SERVER_STREAMING),
            ServerCalls.asyncServerStreamingCall(
                (req, obs) -> open(obs, this::x509BundlesResponse)))
        .addMethod(
            method("FetchJWTBundles", MethodDescriptor.MethodType.SERVER_STREAMING),
            ServerCalls.asyncServerStreamingCall((req, obs) -> open(obs, this::jwtBundlesResponse)))
        .addMethod(
            method("FetchJWTSVID", MethodDescriptor.MethodType.UNARY),
            ServerCalls.asyncUnaryCall((req, obs) -> unary(obs, () -> fetchJwtSvid(req))))
        .addMethod(
            method("ValidateJWTSVID", MethodDescriptor.MethodType.UNARY),
            ServerCalls.asyncUnaryCall((req, obs) -> unary(obs, () -> validateJwtSvid(req))))
        .build();
  }

  /** Refuses calls without the security header or without attested peer credentials. */
  ServerInterceptor guard() {
    return new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        if (!"true".equals(headers.get(SECURITY_HEADER))) {
          call.close(
              Status.INVALID_ARGUMENT.withDescription("security header missing from request"),
              new Metadata());
          return new ServerCall.Listener<>() {};
        }
        Caller caller = call.getAttributes().get(PeerCredentialsNegotiator.CALLER);
        if (caller == null) {
          call.close(
              Status.PERMISSION_DENIED.withDescription("caller could not be attested"),
              new Metadata());
          return new ServerCall.Listener<>() {};
        }
        return Contexts.interceptCall(
            Context.current().withValue(CALLER, caller), call, headers, next);
      }
    };
  }

  /** Re-evaluates every open stream and pushes answers that changed. */
  void tick() {
    for (Stream s : streams) {
      push(s);
    }
  }

  int openStreams() {
    return streams.size();
  }

  private static Caller caller() {
    return CALLER.get();
  }

  private void open(StreamObserver<byte[]> obs, Function<Caller, byte[]> answer) {
    ServerCallStreamObserver<byte[]> server = (ServerCallStreamObserver<byte[]>) obs;
    Caller caller = caller();
    Stream s = new Stream(server, () -> answer.apply(caller));
    server.setOnCancelHandler(() -> streams.remove(s));
    if (push(s)) {
      streams.add(s);
    }
  }

  /** Sends the stream's answer if it changed; returns false when the stream was closed. */
  private boolean push(Stream s) {
    byte[] next;
    try {
      next = s.answer.get();
    } catch (RuntimeException e) {
      streams.remove(s);
      s.observer.onError(statusOf(e).asRuntimeException());
      return false;
    }
    synchronized (s) {
      if (s.lastSent == null || !Arrays.equals(s.lastSent, next)) {
        if (s.observer.isCancelled()) {
          streams.remove(s);
          return false;
        }
        s.observer.onNext(next);
        s.lastSent = next;
      }
    }
    return true;
  }

  private static void unary(StreamObserver<byte[]> obs, Supplier<byte[]> answer) {
    byte[] out;
    try {
      out = answer.get();
    } catch (RuntimeException e) {
      obs.onError(statusOf(e).asRuntimeException());
      return;
    }
    obs.onNext(out);
    obs.onCompleted();
  }

  private static Status statusOf(RuntimeException e) {
    if (e instanceof Refusal s) {
      return s.status;
    }
    return Status.INTERNAL.withDescription("workload API failure: " + e.getMessage());
  }

  /** A refusal carrying the gRPC status to answer with. */
  static final class Refusal extends RuntimeException {
    final Status status;

    Refusal(Status status) {
      super(status.getDescription(), null, false, false);
      this.status = status;
    }
  }

  private List<RegistrationEntry> entriesOf(Caller caller) {
    Set<Selector> shown = attestor.attest(caller.pid(), caller.uid(), caller.gid());
    List<RegistrationEntry> matched = new ArrayList<>();
    for (RegistrationEntry e : cache.entries()) {
      if (e.matches(shown)) {
        matched.add(e);
      }
    }
    if (matched.isEmpty()) {
      throw new Refusal(Status.PERMISSION_DENIED.withDescription("no identity issued"));
    }
    return matched;
  }

  private byte[] x509SvidResponse(Caller caller) {
    Wire.Writer resp = new Wire.Writer();
    for (TrustDomain td : identities.federatedTrustDomains()) {
      identities
          .bundle(td)
          .ifPresent(
              b ->
                  resp.message(
                      3, new Wire.Writer().string(1, td.name()).bytes(2, b.x509AuthoritiesDer())));
    }
    for (RegistrationEntry e : entriesOf(caller)) {
      X509Svid svid = cache.x509(e);
      TrustBundle bundle = identities.bundle(e.spiffeId().trustDomain()).orElseThrow();
      resp.message(
          1,
          new Wire.Writer()
              .string(1, svid.id().toString())
              .bytes(2, der(svid.chain()))
              .bytes(3, svid.privateKey().getEncoded())
              .bytes(4, bundle.x509AuthoritiesDer()));
    }
    return resp.toBytes();
  }

  private byte[] x509BundlesResponse(Caller caller) {
    Wire.Writer resp = new Wire.Writer();
    for (TrustDomain td : trustDomainsOf(caller)) {
      TrustBundle b = identities.bundle(td).orElseThrow();
      resp.message(2, new Wire.Writer().string(1, td.name()).bytes(2, b.x509AuthoritiesDer()));
    }
    return resp.toBytes();
  }

  private byte[] jwtBundlesResponse(Caller caller) {
    Wire.Writer resp = new Wire.Writer();
    for (TrustDomain td : trustDomainsOf(caller)) {
      TrustBundle b = identities.bundle(td).orElseThrow();
      resp.message(
          1,
          new Wire.Writer()
              .string(1, td.name())
              .bytes(2, b.jwtKeysJson().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }
    return resp.toBytes();
  }

  /** Returns the caller's own trust domains, then every federated one. */
  private Set<TrustDomain> trustDomainsOf(Caller caller) {
    Set<TrustDomain> tds = new LinkedHashSet<>();
    for (RegistrationEntry e : entriesOf(caller)) {
      tds.add(e.spiffeId().trustDomain());
      identities.trustDomain(e.spiffeId().trustDomain());
    }
    tds.addAll(identities.federatedTrustDomains());
    return tds;
  }

  private byte[] fetchJwtSvid(byte[] request) {
    List<String> audience = new ArrayList<>();
    String wanted = null;
    for (Wire.Field f : Wire.read(request)) {
      if (f.number() == 1 && f.type() == 2) {
        audience.add(f.string());
      } else if (f.number() == 2 && f.type() == 2) {
        wanted = f.string();
      }
    }
    if (audience.isEmpty() || audience.stream().anyMatch(String::isEmpty)) {
      throw new Refusal(Status.INVALID_ARGUMENT.withDescription("audience must be specified"));
    }
    Wire.Writer resp = new Wire.Writer();
    boolean any = false;
    for (RegistrationEntry e : entriesOf(caller())) {
      if (wanted != null && !wanted.isEmpty() && !wanted.equals(e.spiffeId().toString())) {
        continue;
      }
      JwtSvid jwt = identities.issueJwt(e.spiffeId(), audience, null);
      resp.message(1, new Wire.Writer().string(1, jwt.id().toString()).string(2, jwt.token()));
      any = true;
    }
    if (!any) {
      throw new Refusal(Status.PERMISSION_DENIED.withDescription("no identity issued"));
    }
    return resp.toBytes();
  }

  private byte[] validateJwtSvid(byte[] request) {
    entriesOf(caller());
    String audience = null;
    String token = null;
    for (Wire.Field f : Wire.read(request)) {
      if (f.number() == 1 && f.type() == 2) {
        audience = f.string();
      } else if (f.number() == 2 && f.type() == 2) {
        token = f.string();
      }
    }
    if (audience == null || audience.isEmpty()) {
      throw new Refusal(Status.INVALID_ARGUMENT.withDescription("audience must be specified"));
    }
    if (token == null || token.isEmpty()) {
      throw new Refusal(Status.INVALID_ARGUMENT.withDescription("svid must be specified"));
    }
    JwtSvid svid;
    try {
      svid = identities.jwtValidator().validate(token, audience);
    } catch (SvidRejectedException e) {
      throw new Refusal(Status.INVALID_ARGUMENT.withDescription(e.getMessage()));
    }
    Wire.Writer claims = new Wire.Writer();
    claims.message(1, structEntry("sub", new Wire.Writer().string(3, svid.id().toString())));
    Wire.Writer aud = new Wire.Writer();
    for (String a : svid.audience()) {
      aud.message(1, new Wire.Writer().string(3, a));
    }
    claims.message(1, structEntry("aud", new Wire.Writer().message(6, aud)));
    claims.message(
        1, structEntry("exp", new Wire.Writer().number(2, svid.expiry().getEpochSecond())));
    return new Wire.Writer().string(1, svid.id().toString()).message(2, claims).toBytes();
  }

  private static Wire.Writer structEntry(String key, Wire.Writer value) {
    return new Wire.Writer().string(1, key).message(2, value);
  }

  private static byte[] der(List<X509Certificate> chain) {
    var out = new java.io.ByteArrayOutputStream();
    for (X509Certificate c : chain) {
      try {
        out.writeBytes(c.getEncoded());
      } catch (CertificateEncodingException e) {
        throw new IllegalStateException(e);
      }
    }
    return out.toByteArray();
  }

  static MethodDescriptor<byte[], byte[]> method(String name, MethodDescriptor.MethodType type) {
    return MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(type)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
        .setRequestMarshaller(BYTES)
        .setResponseMarshaller(BYTES)
        .build();
  }

  static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };
}
