//! The district in force, replaceable while the service runs: a reload of the config files swaps
//! it whole, and every reader keeps the snapshot it took until it asks again. A dispatcher takes
//! one snapshot per batch, so a batch is routed by one version of the rules from start to end and
//! no message waits for a reload.
//!
//! Besides the district in force, it keeps the district as the files define it: the rules
//! supervisors accepted from coordination meetings are composed onto that (`district::compose`)
//! whenever either changes.

use std::sync::{Arc, RwLock};

use chrono::{DateTime, Utc};

use crate::district::District;

#[derive(Debug)]
struct Districts {
    /// As the files (or the built-in sample) define it.
    files: Arc<District>,
    /// The files plus the accepted rules: what requests are routed by.
    current: Arc<District>,
    status: FilesStatus,
}

/// What administrators see of the files: when the ones in force were put in force, and the
/// problems of a reload refused since (the files in force stayed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilesStatus {
    pub loaded_at: DateTime<Utc>,
    pub refused: Option<Refusal>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub at: DateTime<Utc>,
    /// Each as the loader says it (`rules/lamps.toml:12: ...`).
    pub problems: Vec<String>,
}

impl Districts {
    fn new(files: Arc<District>, current: Arc<District>) -> Self {
        Self { files, current, status: FilesStatus { loaded_at: Utc::now(), refused: None } }
    }

    /// Puts `files` and `current` in force; new files clear a refusal noted before them.
    fn put(&mut self, files: Arc<District>, current: Arc<District>) {
        if !Arc::ptr_eq(&self.files, &files) {
            self.status = FilesStatus { loaded_at: Utc::now(), refused: None };
        }
        self.files = files;
        self.current = current;
    }
}

#[derive(Debug, Clone)]
pub struct LiveDistrict(Arc<RwLock<Districts>>);

impl LiveDistrict {
    pub fn new(district: District) -> Self {
        let d = Arc::new(district);
        Self(Arc::new(RwLock::new(Districts::new(d.clone(), d))))
    }

    /// The district in force now. Cheap: a read lock held for one `Arc` clone.
    pub fn current(&self) -> Arc<District> {
        // A writer cannot panic halfway through replacing an `Arc`, so a poisoned lock still
        // holds a whole district.
        self.0.read().unwrap_or_else(|e| e.into_inner()).current.clone()
    }

    /// The district as its files define it, without the rules accepted from meetings.
    pub fn files(&self) -> Arc<District> {
        self.0.read().unwrap_or_else(|e| e.into_inner()).files.clone()
    }

    /// Puts a newly loaded (and fully checked) district in force, as the files define it and
    /// with nothing added to it.
    pub fn replace(&self, district: District) {
        let d = Arc::new(district);
        self.0.write().unwrap_or_else(|e| e.into_inner()).put(d.clone(), d);
    }

    /// Puts in force `current`, composed from `files` and the accepted rules.
    pub fn replace_composed(&self, files: Arc<District>, current: District) {
        self.0.write().unwrap_or_else(|e| e.into_inner()).put(files, Arc::new(current));
    }

    /// Notes a reload the files failed (the district in force stays), for the administrators.
    pub fn note_refused(&self, problems: Vec<String>) {
        let refusal = Refusal { at: Utc::now(), problems };
        self.0.write().unwrap_or_else(|e| e.into_inner()).status.refused = Some(refusal);
    }

    pub fn status(&self) -> FilesStatus {
        self.0.read().unwrap_or_else(|e| e.into_inner()).status.clone()
    }
}

impl From<District> for LiveDistrict {
    fn from(d: District) -> Self {
        Self::new(d)
    }
}
