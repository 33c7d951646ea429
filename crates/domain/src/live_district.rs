//! The district in force, replaceable while the service runs: a reload of the config files swaps
//! it whole, and every reader keeps the snapshot it took until it asks again. A dispatcher takes
//! one snapshot per batch, so a batch is routed by one version of the rules from start to end and
//! no message waits for a reload.

use std::sync::{Arc, RwLock};

use crate::district::District;

#[derive(Debug, Clone)]
pub struct LiveDistrict(Arc<RwLock<Arc<District>>>);

impl LiveDistrict {
    pub fn new(district: District) -> Self {
        Self(Arc::new(RwLock::new(Arc::new(district))))
    }

    /// The district in force now. Cheap: a read lock held for one `Arc` clone.
    pub fn current(&self) -> Arc<District> {
        // A writer cannot panic halfway through replacing an `Arc`, so a poisoned lock still
        // holds a whole district.
        self.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Puts a newly loaded (and fully checked) district in force.
    pub fn replace(&self, district: District) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(district);
    }
}

impl From<District> for LiveDistrict {
    fn from(d: District) -> Self {
        Self::new(d)
    }
}
