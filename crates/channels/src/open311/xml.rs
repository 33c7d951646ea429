//! Open311's XML, written from the same JSON value the `.json` endpoints return, so the two
//! formats cannot drift apart. Lists take their element names from the spec's examples
//! (`<services><service>`, `<attributes><attribute>`, ...).

use serde_json::Value;

/// The element name of one item in a list named `list`.
fn item_name(list: &str) -> &'static str {
    match list {
        "services" => "service",
        "service_requests" => "request",
        "errors" => "error",
        "endpoints" => "endpoint",
        "formats" => "format",
        "attributes" => "attribute",
        "values" => "value",
        "notes" => "note",
        _ => "item",
    }
}

/// A whole document: `root` wraps `value` (a list's items each become an item element).
pub fn document(root: &str, value: &Value) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    element(&mut out, root, value);
    out.push('\n');
    out
}

fn element(out: &mut String, name: &str, value: &Value) {
    match value {
        Value::Null => {
            out.push('<');
            out.push_str(name);
            out.push_str("/>");
        }
        Value::Array(items) => {
            open(out, name);
            for item in items {
                element(out, item_name(name), item);
            }
            close(out, name);
        }
        Value::Object(fields) => {
            open(out, name);
            for (k, v) in fields {
                element(out, k, v);
            }
            close(out, name);
        }
        Value::String(s) => {
            open(out, name);
            escape_into(out, s);
            close(out, name);
        }
        Value::Bool(b) => leaf(out, name, if *b { "true" } else { "false" }),
        Value::Number(n) => leaf(out, name, &n.to_string()),
    }
}

fn open(out: &mut String, name: &str) {
    out.push('<');
    out.push_str(name);
    out.push('>');
}

fn close(out: &mut String, name: &str) {
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

fn leaf(out: &mut String, name: &str, text: &str) {
    open(out, name);
    out.push_str(text);
    close(out, name);
}

fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry at all (text is validated, but be safe).
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::document;

    #[test]
    fn lists_objects_and_escapes_follow_the_spec_s_shapes() {
        let v = json!([{ "service_code": "010101", "keywords": "路灯, 照明", "metadata": true,
                          "attributes": [{ "code": "a", "values": [{ "key": "k", "name": "<&\"'>" }] }],
                          "expected_datetime": null }]);
        let xml = document("services", &v);
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<services><service>"));
        assert!(xml.contains(
            "<service_code>010101</service_code><keywords>路灯, 照明</keywords><metadata>true</metadata>"
        ));
        assert!(xml.contains("<attributes><attribute><code>a</code><values><value><key>k</key>"));
        assert!(xml.contains("<name>&lt;&amp;&quot;&apos;&gt;</name>"));
        assert!(xml.contains("<expected_datetime/>"));
    }
}
