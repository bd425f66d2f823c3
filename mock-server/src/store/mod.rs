//! The store layer: what the mock keeps and how it survives a restart —
//! the order store with its indexes (`orders`), the redb journal behind
//! `--data-dir` (`journal`), and the one mutex helper (`lock`). It knows
//! neither HTTP nor the scheduler; the domain above drives it.

pub(crate) mod journal;
mod lock;
pub(crate) mod orders;

pub(crate) use lock::lock;
