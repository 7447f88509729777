//! Importing directories that other tools collected, as a topology's directory. This module
//! owns the readers of foreign formats and their reports, not the topology format (that is
//! [`crate::topology`], whose writer turns an import into a file) nor any semantics (the
//! model's). [`sharphound`] reads BloodHound collections (SharpHound, bloodhound.py).

pub mod sharphound;
