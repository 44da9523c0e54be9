package dev.tenancy.cache;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import java.io.IOException;
import java.io.UncheckedIOException;

/** Jackson JSON codec; readers and writers are made once, as Jackson recommends. */
final class JsonCodec<V> implements CacheCodec<V> {

  private final ObjectReader reader;
  private final ObjectWriter writer;
  private final Class<V> type;

  JsonCodec(ObjectMapper mapper, Class<V> type) {
    this.reader = mapper.readerFor(type);
    this.writer = mapper.writerFor(type);
    this.type = type;
  }

  @Override
  public byte[] encode(V value) {
    try {
      return writer.writeValueAsBytes(value);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + type.getName() + " as JSON: " + e.getMessage(), e);
    }
  }

  @Override
  public V decode(byte[] bytes) {
    try {
      return reader.readValue(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + type.getName() + " from JSON: " + e.getMessage(), e);
    }
  }

  @Override
  public String toString() {
    return "CacheCodec.json(" + type.getName() + ")";
  }
}
