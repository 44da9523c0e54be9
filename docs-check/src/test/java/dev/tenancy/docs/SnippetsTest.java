package dev.tenancy.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checker itself: it must turn red on every way an example can drift. */
class SnippetsTest {

  @TempDir
  Path root;

  private void source() throws IOException {
    Files.createDirectories(root.resolve("m"));
    Files.writeString(root.resolve("m/Example.java"), String.join("\n",
        "class Example {",
        "  void run() {",
        "    // @start region=\"hello\"",
        "    if (ready) {",
        "      go();",
        "    }",
        "    // @end region=\"hello\"",
        "  }",
        "}"));
  }

  private List<String> check(String... markdown) throws IOException {
    source();
    return Snippets.check(root, "doc.md", String.join("\n", markdown));
  }

  @Test
  void aMatchingExamplePasses() throws IOException {
    assertThat(check("text", "<!-- snippet: m/Example.java#hello -->", "```java", "if (ready) {", "  go();", "}",
        "```", "more text", "```sql", "SELECT 1", "```")).isEmpty();
  }

  @Test
  void aChangedLineFails() throws IOException {
    assertThat(check("<!-- snippet: m/Example.java#hello -->", "```java", "if (ready) {", "  stop();", "}", "```"))
        .singleElement().asString().contains("differs from m/Example.java#hello").contains("go();");
  }

  @Test
  void aJavaBlockWithoutMarkerFails() throws IOException {
    assertThat(check("text", "```java", "int x = 1;", "```")).singleElement().asString()
        .contains("without a '<!-- snippet: path#region -->'");
  }

  @Test
  void aMarkerMustBeRightBeforeTheFence() throws IOException {
    assertThat(check("<!-- snippet: m/Example.java#hello -->", "", "```java", "if (ready) {", "  go();", "}", "```"))
        .singleElement().asString().contains("without");
  }

  @Test
  void aMissingFileOrRegionFails() throws IOException {
    assertThat(check("<!-- snippet: m/Gone.java#hello -->", "```java", "x", "```")).singleElement().asString()
        .contains("does not exist");
    assertThat(check("<!-- snippet: m/Example.java#bye -->", "```java", "x", "```")).singleElement().asString()
        .contains("no region \"bye\"");
  }

  @Test
  void regionsLoseTheirCommonIndentationOnly() {
    assertThat(Snippets.region(List.of("  // @start region=\"r\"", "    a", "      b", "", "    c",
        "  // @end region=\"r\""), "r")).containsExactly("a", "  b", "", "c");
  }
}
