//! The start page: what this service is and which problems it takes, in Chinese first, English
//! with `?lang=en`. (The citizens' form and tracking pages build on it.)

use std::fmt::Write;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Query, State};
use axum::response::Html;
use axum::routing::get;
use jiesu_domain::district::District;
use serde::Deserialize;

#[derive(Deserialize)]
struct Lang {
    lang: Option<String>,
}

pub fn routes(district: Arc<District>) -> Router {
    Router::new().route("/", get(home)).with_state(district)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

async fn home(State(d): State<Arc<District>>, Query(q): Query<Lang>) -> Html<String> {
    let en = q.lang.as_deref() == Some("en");
    let pick = |zh: &str, en_text: Option<&str>| escape(if en { en_text.unwrap_or(zh) } else { zh });
    let root = d.areas().root();
    let district = pick(&root.name, root.name_en.as_deref());
    let mut services = String::new();
    for branch in d.taxonomy().iter().filter(|c| c.code.level() == 1) {
        let _ = write!(services, "<li>{}<ul>", pick(&branch.name, branch.name_en.as_deref()));
        for leaf in d.taxonomy().leaves().filter(|l| branch.code.contains(&l.code)) {
            let _ = write!(
                services,
                "<li><code>{}</code> {}</li>",
                leaf.code,
                pick(&leaf.name, leaf.name_en.as_deref())
            );
        }
        services.push_str("</ul></li>");
    }
    let (lang, title, intro, codes, switch) = if en {
        (
            "en",
            "Jiesu: handle on receipt",
            "This service routes citizens' requests to the bureau responsible for them.",
            "Services and their codes (Open311 <code>service_code</code>)",
            "<a href=\"/\">中文</a>",
        )
    } else {
        (
            "zh-CN",
            "接诉即办",
            "本系统受理市民诉求，并按职责清单派送至承办单位。",
            "可受理的问题分类（Open311 <code>service_code</code>）",
            "<a href=\"/?lang=en\">English</a>",
        )
    };
    Html(format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title} · {district}</title></head>\
         <body><nav>{switch}</nav><h1>{title} · {district}</h1><p>{intro}</p>\
         <p><small>示例数据 SAMPLE DATA</small></p>\
         <h2>{codes}</h2><ul>{services}</ul>\
         <p>Open311: <code>POST /open311/v2/requests.json</code>, <code>GET /open311/v2/requests/{{id}}.json</code></p>\
         </body></html>"
    ))
}
