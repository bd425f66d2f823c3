//! Typed models (placeholder; being written).
