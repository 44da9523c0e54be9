package dev.tenancy.outbox;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A relay in a process of its own, for the crash test: {@code RelayMain <relay jdbc url> redis|rabbitmq <uri>
 * <stream prefix or exchange>}. Each batch pauses a few milliseconds after publishing and before the commit, so
 * that a SIGKILL often lands between the two.
 */
public final class RelayMain {
  private RelayMain() {
  }

  public static void main(String[] args) throws Exception {
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setUrl(args[0]);
    OutboxPublisher target = args[1].equals("redis") ? OutboxPublishers.redisStreams(args[2], args[3])
        : OutboxPublishers.rabbitMq(args[2], args[3]);
    OutboxPublisher slow = new OutboxPublisher() {
      @Override
      public Map<UUID, Exception> publish(List<OutboxMessage> batch) throws InterruptedException {
        Map<UUID, Exception> failures = target.publish(batch);
        Thread.sleep(3);
        return failures;
      }

      @Override
      public void close() {
        target.close();
      }
    };
    OutboxRelay relay = OutboxRelay.builder(ds, slow).workers(2).quantum(50)
        .pollInterval(Duration.ofMillis(50)).build();
    relay.start();
    System.out.println("READY");
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
