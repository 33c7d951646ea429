//! The knowledge base in force, replaceable while the service runs: the district's files (read
//! once at start-up) composed with the answers bureaus wrote and the desk approved (kept in the
//! database, read again after each approval and every minute). Readers take a snapshot, so a
//! search never waits for a rebuild.

use std::sync::{Arc, RwLock};

use crate::entry::{self, Entry};
use crate::kb::KnowledgeBase;

#[derive(Debug)]
struct State {
    files: Vec<Entry>,
    current: Arc<KnowledgeBase>,
}

/// Shared by every handler that searches: cloning it shares the same knowledge base.
#[derive(Debug, Clone)]
pub struct LiveAnswers(Arc<RwLock<State>>);

impl LiveAnswers {
    /// The files' knowledge base, with nothing stored added yet.
    #[must_use]
    pub fn new(files: KnowledgeBase) -> LiveAnswers {
        let state = State { files: files.entries().to_vec(), current: Arc::new(files) };
        LiveAnswers(Arc::new(RwLock::new(state)))
    }

    /// The knowledge base in force now: a read lock held for one `Arc` clone.
    #[must_use]
    pub fn current(&self) -> Arc<KnowledgeBase> {
        // A writer cannot panic halfway through replacing an `Arc`: a poisoned lock still holds
        // a whole knowledge base.
        self.0.read().unwrap_or_else(|e| e.into_inner()).current.clone()
    }

    /// Puts the files' entries plus `stored` in force. A stored entry that would break the
    /// whole (an id the files use, a blank field) is left out and named in the result, so one bad
    /// row never takes every answer down.
    pub fn set_stored(&self, stored: Vec<Entry>) -> Vec<String> {
        let files = self.0.read().unwrap_or_else(|e| e.into_inner()).files.clone();
        let mut entries = files;
        let mut skipped = Vec::new();
        for e in stored {
            let mut trial = entries.clone();
            trial.push(e);
            match entry::validate(&trial) {
                Ok(()) => entries = trial,
                Err(why) => skipped.push(why.to_string()),
            }
        }
        match KnowledgeBase::new(entries) {
            Ok(kb) => self.0.write().unwrap_or_else(|e| e.into_inner()).current = Arc::new(kb),
            Err(why) => skipped.push(why.to_string()),
        }
        skipped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, question: &str) -> Entry {
        Entry {
            id: id.to_owned(),
            questions: vec![question.to_owned()],
            answer: format!("{question}：答复"),
            bureau: "civil-affairs".to_owned(),
            category: "marriage".to_owned(),
            valid_from: None,
            valid_to: None,
            source: None,
        }
    }

    #[test]
    fn stored_answers_join_the_files_and_a_bad_one_is_left_out() {
        let files = KnowledgeBase::new(vec![entry("marriage", "结婚登记要带什么材料")]).expect("files");
        let live = LiveAnswers::new(files);
        let before = live.current();
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 7).expect("day");
        assert!(live.current().answer("独生子女证怎么补办", today).is_none());
        let skipped = live.set_stored(vec![
            entry("kb-1", "独生子女证怎么补办"),
            entry("marriage", "重复的编号"),
            Entry { answer: " ".to_owned(), ..entry("kb-2", "空答复") },
        ]);
        assert_eq!(skipped.len(), 2, "{skipped:?}");
        assert_eq!(live.current().entries().len(), 2);
        assert_eq!(
            live.current().answer("独生子女证丢了怎么补办", today).map(|h| h.id().to_owned()),
            Some("kb-1".to_owned())
        );
        assert_eq!(before.entries().len(), 1, "a snapshot taken before is unchanged");
        // Stored again (after a reload): the files are not counted twice.
        live.set_stored(vec![entry("kb-1", "独生子女证怎么补办")]);
        assert_eq!(live.current().entries().len(), 2);
    }
}
