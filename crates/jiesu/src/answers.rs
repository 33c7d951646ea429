//! The district's 秒回 knowledge base: every `answers/*.toml` of the district folder (none: no
//! instant answers), or, with the built-in sample district, the sample knowledge base (SAMPLE
//! DATA, `config/answers/sample.toml`), read once at start-up; composed with the answers bureaus
//! wrote and the desk approved, read from the database every minute.

use std::path::Path;
use std::time::Duration;

use jiesu_answers::{Entry, KnowledgeBase, LiveAnswers};
use jiesu_domain::ports::AnswerBook;
use tokio_util::sync::CancellationToken;

/// How often the approved answers are read again: an approval in another process reaches this
/// one's citizens within it.
const REFRESH: Duration = Duration::from_secs(60);

/// Keeps `live` composed with the approved answers until shutdown. A failed read keeps the
/// knowledge base as it was (the files' answers never depend on the database) and is tried again
/// at the next turn.
pub async fn keep_current<S: AnswerBook>(store: S, live: LiveAnswers, shutdown: CancellationToken) {
    loop {
        match jiesu_api::work::answers::refresh(&store, &live).await {
            Ok(n) => tracing::debug!(approved = n, "knowledge base refreshed"),
            Err(e) => {
                tracing::warn!(error = %e.message, "the approved answers could not be read; the knowledge base stays as it was")
            }
        }
        tokio::select! {
            () = shutdown.cancelled() => return,
            () = tokio::time::sleep(REFRESH) => {}
        }
    }
}

/// Entries naming a bureau the district does not have: each as a sentence for `check-config`.
pub fn unknown_bureaus(kb: &KnowledgeBase, district: &jiesu_domain::district::District) -> Vec<String> {
    kb.entries()
        .iter()
        .filter(|e| {
            jiesu_domain::bureau::BureauCode::parse(&e.bureau)
                .ok()
                .and_then(|b| district.bureau(&b))
                .is_none()
        })
        .map(|e| format!("answers: entry `{}` names unknown bureau `{}`", e.id, e.bureau))
        .collect()
}

/// The knowledge base for the district at `dir`; an error names the file and what is wrong.
pub fn load_answers(dir: &Path) -> Result<KnowledgeBase, String> {
    if !dir.is_dir() {
        return KnowledgeBase::from_toml(include_str!("../../../config/answers/sample.toml"))
            .map_err(|e| format!("config/answers/sample.toml: {e}"));
    }
    let folder = dir.join("answers");
    let mut files: Vec<_> = match std::fs::read_dir(&folder) {
        Ok(listing) => listing
            .flatten()
            .map(|f| f.path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect(),
        Err(_) => Vec::new(),
    };
    files.sort();
    let mut entries: Vec<Entry> = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
        let kb = KnowledgeBase::from_toml(&text).map_err(|e| format!("{}: {e}", file.display()))?;
        entries.extend(kb.entries().iter().cloned());
    }
    KnowledgeBase::new(entries).map_err(|e| format!("{}: {e}", folder.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_district_has_the_sample_knowledge_base_and_a_folder_its_own() {
        let sample = load_answers(Path::new("none")).expect("the sample");
        assert!(sample.entries().len() > 40);
        let dir = tempfile::tempdir().expect("dir");
        assert_eq!(load_answers(dir.path()).expect("no answers folder").entries().len(), 0);
        std::fs::create_dir(dir.path().join("answers")).expect("folder");
        let one = "[[entry]]\nid = \"residence-permit\"\nquestions = [\"居住证怎么办\"]\nanswer = \"到社区工作站办理。\"\nbureau = \"police\"\ncategory = \"household\"\n";
        std::fs::write(dir.path().join("answers/household.toml"), one).expect("write");
        assert_eq!(load_answers(dir.path()).expect("one entry").entries().len(), 1);
        std::fs::write(dir.path().join("answers/broken.toml"), "[[entry]]\nid = \"Bad Id\"\n")
            .expect("write");
        let e = load_answers(dir.path()).expect_err("a broken file");
        assert!(e.contains("broken.toml"), "{e}");
    }

    #[test]
    fn entries_are_checked_against_the_districts_bureaus() {
        let district = jiesu_district::load(&jiesu_district::sample_sources()).expect("the sample");
        let sample = load_answers(Path::new("none")).expect("the sample");
        assert_eq!(unknown_bureaus(&sample, &district), Vec::<String>::new());
        let one = "[[entry]]\nid = \"x\"\nquestions = [\"q\"]\nanswer = \"a\"\nbureau = \"ministry-of-magic\"\ncategory = \"c\"\n";
        let kb = KnowledgeBase::from_toml(one).expect("an entry");
        assert_eq!(
            unknown_bureaus(&kb, &district),
            ["answers: entry `x` names unknown bureau `ministry-of-magic`"]
        );
    }
}
