package dev.tenancy.test.internal;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A minimal client for PgBouncer's admin console (the virtual database {@code pgbouncer}).
 *
 * <p>pgJDBC cannot talk to it: PgBouncer 1.18 treats pgJDBC's {@code extra_float_digits} startup parameter as a
 * {@code SET} on the console and fails with "SET failed" ({@code ignore_startup_parameters} does not apply there).
 * This client sends only {@code user} and {@code database}, speaks the simple query protocol, and supports trust,
 * cleartext and MD5 authentication, which covers PgBouncers set up for tests. Not thread-safe; use one per call.
 */
public final class PgBouncerAdmin {
  private PgBouncerAdmin() {}

  /**
   * Runs one admin console command and returns its rows.
   *
   * @param host PgBouncer host
   * @param port PgBouncer port
   * @param user a user listed in PgBouncer's {@code admin_users} (or {@code stats_users} for SHOW)
   * @param password its password, empty for none
   * @param command e.g. {@code SHOW CONFIG} or {@code RELOAD}
   * @return the rows, each a map from column name to text value (null for SQL NULL), in column order
   * @throws IllegalStateException when PgBouncer refuses the login or the command
   */
  public static List<Map<String, String>> run(String host, int port, String user, String password, String command) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), 5_000);
      socket.setSoTimeout(10_000);
      // Buffered: PgBouncer 1.18 rejects a startup packet that arrives in pieces ("partial pkt in startup phase").
      DataOutputStream out = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream()));
      DataInputStream in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
      startup(out, user);
      authenticate(in, out, user, password == null ? "" : password);
      awaitReady(in);
      byte[] sql = (command + "\0").getBytes(StandardCharsets.UTF_8);
      out.writeByte('Q');
      out.writeInt(4 + sql.length);
      out.write(sql);
      out.flush();
      List<Map<String, String>> rows = readResult(in);
      out.writeByte('X');
      out.writeInt(4);
      out.flush();
      return rows;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run '" + command + "' on the PgBouncer admin console at " + host + ":"
          + port + ": " + e.getMessage(), e);
    }
  }

  private static void startup(DataOutputStream out, String user) throws IOException {
    byte[] params = ("user\0" + user + "\0database\0pgbouncer\0\0").getBytes(StandardCharsets.UTF_8);
    out.writeInt(8 + params.length);
    out.writeInt(196608); // protocol 3.0
    out.write(params);
    out.flush();
  }

  private static void authenticate(DataInputStream in, DataOutputStream out, String user, String password)
      throws IOException {
    while (true) {
      byte type = in.readByte();
      byte[] body = body(in);
      if (type == 'E') {
        throw new IllegalStateException("PgBouncer admin console refused login of '" + user + "': " + error(body));
      }
      if (type != 'R') {
        throw new IllegalStateException("unexpected message '" + (char) type + "' during login");
      }
      int code = ((body[0] & 0xff) << 24) | ((body[1] & 0xff) << 16) | ((body[2] & 0xff) << 8) | (body[3] & 0xff);
      switch (code) {
        case 0 -> {
          return;
        }
        case 3 -> sendPassword(out, password);
        case 5 -> {
          byte[] salt = {body[4], body[5], body[6], body[7]};
          String inner = md5Hex((password + user).getBytes(StandardCharsets.UTF_8));
          byte[] innerBytes = inner.getBytes(StandardCharsets.US_ASCII);
          byte[] salted = new byte[innerBytes.length + 4];
          System.arraycopy(innerBytes, 0, salted, 0, innerBytes.length);
          System.arraycopy(salt, 0, salted, innerBytes.length, 4);
          sendPassword(out, "md5" + md5Hex(salted));
        }
        default -> throw new IllegalStateException("PgBouncer asks for authentication method " + code
            + " on its admin console, which this client does not speak; use auth_type trust, plain or md5");
      }
    }
  }

  private static void sendPassword(DataOutputStream out, String password) throws IOException {
    byte[] p = (password + "\0").getBytes(StandardCharsets.UTF_8);
    out.writeByte('p');
    out.writeInt(4 + p.length);
    out.write(p);
    out.flush();
  }

  private static void awaitReady(DataInputStream in) throws IOException {
    while (true) {
      byte type = in.readByte();
      byte[] body = body(in);
      if (type == 'Z') {
        return;
      }
      if (type == 'E') {
        throw new IllegalStateException("PgBouncer admin console failed after login: " + error(body));
      }
    }
  }

  private static List<Map<String, String>> readResult(DataInputStream in) throws IOException {
    List<String> columns = new ArrayList<>();
    List<Map<String, String>> rows = new ArrayList<>();
    String failure = null;
    while (true) {
      byte type = in.readByte();
      byte[] body = body(in);
      switch (type) {
        case 'T' -> {
          columns.clear();
          Cursor c = new Cursor(body);
          int n = c.int16();
          for (int i = 0; i < n; i++) {
            columns.add(c.cstring());
            c.skip(18); // table oid, attribute number, type oid, type size, type modifier, format
          }
        }
        case 'D' -> {
          Cursor c = new Cursor(body);
          int n = c.int16();
          Map<String, String> row = new LinkedHashMap<>();
          for (int i = 0; i < n; i++) {
            row.put(columns.get(i), c.text());
          }
          rows.add(row);
        }
        case 'E' -> failure = error(body);
        case 'Z' -> {
          if (failure != null) {
            throw new IllegalStateException("PgBouncer admin console: " + failure);
          }
          return rows;
        }
        default -> {
          // CommandComplete, notices and parameter status carry nothing the callers need.
        }
      }
    }
  }

  private static byte[] body(DataInputStream in) throws IOException {
    int length = in.readInt();
    byte[] body = new byte[length - 4];
    in.readFully(body);
    return body;
  }

  private static String error(byte[] body) {
    Cursor c = new Cursor(body);
    String message = "unknown error";
    while (c.pos < body.length && body[c.pos] != 0) {
      byte field = body[c.pos++];
      String value = c.cstring();
      if (field == 'M') {
        message = value;
      }
    }
    return message;
  }

  private static String md5Hex(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no MD5", e);
    }
  }

  /** Reads the fields of one message body. */
  private static final class Cursor {
    private final byte[] b;
    private int pos;

    Cursor(byte[] b) {
      this.b = b;
    }

    int int16() {
      int v = ((b[pos] & 0xff) << 8) | (b[pos + 1] & 0xff);
      pos += 2;
      return v;
    }

    int int32() {
      int v = ((b[pos] & 0xff) << 24) | ((b[pos + 1] & 0xff) << 16) | ((b[pos + 2] & 0xff) << 8) | (b[pos + 3] & 0xff);
      pos += 4;
      return v;
    }

    void skip(int n) {
      pos += n;
    }

    String cstring() {
      int start = pos;
      while (b[pos] != 0) {
        pos++;
      }
      String s = new String(b, start, pos - start, StandardCharsets.UTF_8);
      pos++;
      return s;
    }

    @Nullable String text() {
      int len = int32();
      if (len < 0) {
        return null;
      }
      String s = new String(b, pos, len, StandardCharsets.UTF_8);
      pos += len;
      return s;
    }
  }
}
