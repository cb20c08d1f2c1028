// What java.util.Properties.load(Reader) gives for a table of tricky `.properties` inputs: the
// reference that rkafka's `Config::from_properties_str` is tested against
// (tests/mock/bad_input.rs, `properties_text_parses_as_java_properties_load_does`).
//
// Re-run (Java 11 or later; no compilation step needed), from the repository root:
//
//     java tests/java/PropertiesTable.java > tests/java/properties_table.txt
//
// The Rust test re-runs this program whenever `java` is on PATH and fails if its output differs
// from the committed table, so the table cannot go stale silently.
//
// load(Reader), not load(InputStream): rkafka reads a file as UTF-8 text, and load(Reader) takes
// characters as they are, while load(InputStream) decodes bytes as ISO-8859-1.
//
// Output format, one block per input:
//     input "<the input, escaped>"
//       "<key>" = "<value>"        one line per property, sorted by key
//       error <Java's exception message>
// Strings are escaped so the table is plain ASCII: \\ \" \n \r \t \f, and a backslash-u escape
// (four hex digits: one UTF-16 code unit) for every other character outside printable ASCII.

import java.io.StringReader;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Properties;

public class PropertiesTable {
    static final String[] INPUTS = {
        // Separators: '=', ':', whitespace (space, tab, form feed), and combinations.
        "a=b",
        "a = b\n",
        "a:b",
        "a b",
        "a\tb",
        "a\fb",
        "a==b",
        "a = = b",
        "a : b",
        "a :b",
        "a=:b",
        "  a  =  b  ",
        "a",
        "a=",
        "a\u00a0b=c",
        // Line terminators: \n, \r, \r\n, and mixes.
        "a=b\rc=d",
        "a=b\r\nc=d\r\n",
        "a=b\n\rc=d",
        "a=b\r\n\r\nc=d",
        "a=1\r\rb=2\n\nc=3",
        // A byte-order mark (rkafka drops it; Java's Reader keeps it in the first key).
        "\ufeffa=b",
        "\ufeff# comment\na=b",
        "# comment\na=b",
        // Comments and blank lines.
        "# comment\n! also a comment\na=b",
        "  # indented comment\n\t! indented too\na=b",
        "a=b # not a comment",
        "!a=b",
        "\\#a=b",
        "\n\n  \t\n",
        "",
        // Continuation lines.
        "a=b\\\n  c",
        "a=b\\\r\n  c",
        "a=b\\\r  c",
        "a=b\\\\\nc=d",
        "a=b\\\\\\\n  c",
        "a=b\\",
        "a=b\\\n",
        "a=b\\\r\n",
        "a=b\\\n# not a comment\n",
        "a=b\\\n\nc=d",
        "a=b\\\n   \\  c",
        "a=b\\\n\\\nc",
        "a\\\nb=c",
        "a\\\n  # x",
        "   \\\nb=c",
        "\\\n# swallowed\nx=y",
        "\\\n\nx=y",
        "# comment \\\na=b",
        // Escapes.
        "key\\ with\\ spaces = v",
        "k\\=ey=v",
        "k\\:ey:v",
        "\\u0041=\\u00e9",
        "a=\\t\\n\\r\\f",
        "a=\\b\\x\\\\\\\"",
        "a=\\u0000",
        "a=\\uD83D\\uDE00",
        "a=\u00e9\ud83d\ude00",
        // Malformed backslash-u escapes: Java refuses these.
        "a=\\u41",
        "a=\\u41zz",
        "a=\\u+041",
        "a=\\u00",
        "\\uXYZW=v",
        // Lone surrogates: Java keeps them; a Rust string cannot (rkafka refuses them).
        "a=\\uD83D",
        "a=\\uDE00\\uD83D",
        "a=\\uD83Dx",
        // Repeated keys: the last one wins.
        "a=1\na=2",
        // Empty keys: Java loads them; rkafka refuses them (librdkafka has no such property).
        "=v",
        ":v",
        " =v",
        "\\",
        // Realistic.
        "bootstrap.servers=broker1:9092,\\\n    broker2:9092\nsasl.jaas.config=a\\=b\nsecurity.protocol : SASL_SSL\n",
    };

    public static void main(String[] args) throws Exception {
        System.out.println("# java.util.Properties.load(Reader) on Java "
                + System.getProperty("java.version") + "; made by tests/java/PropertiesTable.java");
        for (String input : INPUTS) {
            System.out.println("input " + quote(input));
            Properties p = new Properties();
            try {
                p.load(new StringReader(input));
            } catch (IllegalArgumentException e) {
                System.out.println("  error " + e.getMessage());
                continue;
            }
            List<String> keys = new ArrayList<>(p.stringPropertyNames());
            Collections.sort(keys);
            for (String k : keys) {
                System.out.println("  " + quote(k) + " = " + quote(p.getProperty(k)));
            }
        }
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '\\': b.append("\\\\"); break;
                case '"': b.append("\\\""); break;
                case '\n': b.append("\\n"); break;
                case '\r': b.append("\\r"); break;
                case '\t': b.append("\\t"); break;
                case '\f': b.append("\\f"); break;
                default:
                    if (c >= 0x20 && c < 0x7f) {
                        b.append(c);
                    } else {
                        b.append(String.format("\\u%04X", (int) c));
                    }
            }
        }
        return b.append('"').toString();
    }
}
