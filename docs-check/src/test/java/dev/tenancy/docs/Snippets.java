package dev.tenancy.docs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The documentation convention: a Java example in markdown is a {@code ```java} fence right after a line
 * {@code <!-- snippet: path/from/root/File.java#name -->}, and must equal the lines between
 * {@code // @start region="name"} and {@code // @end region="name"} of that file, common indentation removed.
 */
final class Snippets {
  private static final Pattern MARKER = Pattern.compile("<!--\\s*snippet:\\s*([^#\\s]+)#([\\w.-]+)\\s*-->");
  private static final Pattern FENCE_OPEN = Pattern.compile("^\\s*```\\s*java\\s*$");

  private Snippets() {}

  /**
   * Checks one markdown document.
   *
   * @param root the repository root, against which snippet paths resolve
   * @param name the document's name, for messages
   * @param markdown its text
   * @return one message per problem; empty when every example matches its source
   */
  static List<String> check(Path root, String name, String markdown) {
    List<String> problems = new ArrayList<>();
    List<String> lines = markdown.lines().toList();
    for (int i = 0; i < lines.size(); i++) {
      if (!FENCE_OPEN.matcher(lines.get(i)).matches()) {
        continue;
      }
      int open = i;
      int close = open + 1;
      while (close < lines.size() && !lines.get(close).strip().equals("```")) {
        close++;
      }
      if (close == lines.size()) {
        problems.add(name + ":" + (open + 1) + ": a ```java block that is never closed");
        break;
      }
      List<String> block = lines.subList(open + 1, close);
      i = close;
      Matcher marker = open > 0 ? MARKER.matcher(lines.get(open - 1).strip()) : null;
      if (marker == null || !marker.matches()) {
        problems.add(name + ":" + (open + 1) + ": a ```java block without a '<!-- snippet: path#region -->' line"
            + " right before it; put the example in a compiled test between // @start region=\"x\" and"
            + " // @end region=\"x\" and point to it");
        continue;
      }
      String file = marker.group(1);
      String region = marker.group(2);
      Path source = root.resolve(file).normalize();
      if (!Files.isRegularFile(source)) {
        problems.add(name + ":" + open + ": snippet source " + file + " does not exist");
        continue;
      }
      List<String> expected;
      try {
        expected = region(Files.readAllLines(source), region);
      } catch (IOException e) {
        problems.add(name + ":" + open + ": cannot read " + file + ": " + e.getMessage());
        continue;
      } catch (IllegalArgumentException e) {
        problems.add(name + ":" + open + ": " + file + ": " + e.getMessage());
        continue;
      }
      if (!expected.equals(block)) {
        problems.add(name + ":" + (open + 1) + ": the example differs from " + file + "#" + region + "; it should"
            + " read:\n" + String.join("\n", expected) + "\nbut reads:\n" + String.join("\n", block));
      }
    }
    return problems;
  }

  /**
   * Returns a region's lines, with the indentation they share removed and trailing blanks stripped.
   *
   * @param source the source file's lines
   * @param region the region's name
   * @return the lines
   * @throws IllegalArgumentException when the region is missing, unclosed or defined twice
   */
  static List<String> region(List<String> source, String region) {
    String start = "// @start region=\"" + region + "\"";
    String end = "// @end region=\"" + region + "\"";
    int from = -1;
    int to = -1;
    for (int i = 0; i < source.size(); i++) {
      String line = source.get(i).strip();
      if (line.equals(start)) {
        if (from >= 0) {
          throw new IllegalArgumentException("region \"" + region + "\" starts twice");
        }
        from = i + 1;
      } else if (line.equals(end) && from >= 0 && to < 0) {
        to = i;
      }
    }
    if (from < 0) {
      throw new IllegalArgumentException("no region \"" + region + "\" (a line " + start + ")");
    }
    if (to < 0) {
      throw new IllegalArgumentException("region \"" + region + "\" is never closed with " + end);
    }
    List<String> lines = source.subList(from, to);
    int indent = Integer.MAX_VALUE;
    for (String line : lines) {
      if (!line.isBlank()) {
        indent = Math.min(indent, line.length() - line.stripLeading().length());
      }
    }
    List<String> result = new ArrayList<>();
    for (String line : lines) {
      result.add(line.isBlank() ? "" : line.substring(indent).stripTrailing());
    }
    return result;
  }
}
