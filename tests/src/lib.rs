//! Helpers for the end-to-end flows (being written).
