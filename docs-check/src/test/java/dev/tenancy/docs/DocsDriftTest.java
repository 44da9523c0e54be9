package dev.tenancy.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every Java example in README.md, docs/*.md and each module's README.md equals the compiled code it names. */
class DocsDriftTest {

  private static final Path ROOT = Path.of(System.getProperty("tenancy.repository.root", "..")).normalize();

  @Test
  void everyJavaExampleComesFromCompiledCode() throws IOException {
    List<Path> documents = documents();
    assertThat(documents).as("documents under " + ROOT.toAbsolutePath())
        .contains(ROOT.resolve("README.md"), ROOT.resolve("docs/jdbc.md"), ROOT.resolve("tenancy-test/README.md"));
    List<String> problems = new ArrayList<>();
    for (Path document : documents) {
      problems.addAll(Snippets.check(ROOT, ROOT.relativize(document).toString(), Files.readString(document)));
    }
    assertThat(problems).as("examples that drifted from their source").isEmpty();
  }

  private static List<Path> documents() throws IOException {
    List<Path> documents = new ArrayList<>();
    documents.add(ROOT.resolve("README.md"));
    try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
      docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(documents::add);
    }
    try (Stream<Path> modules = Files.list(ROOT)) {
      modules.filter(Files::isDirectory).map(m -> m.resolve("README.md")).filter(Files::isRegularFile).sorted()
          .forEach(documents::add);
    }
    return documents;
  }
}
