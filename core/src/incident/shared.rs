//! Serde for incidents shared by `Arc` between the model and its effects.
//!
//! The state and every effect that reports an incident point at the same
//! allocation, so an effect costs a reference count instead of a deep copy;
//! on the wire an `Arc<Incident>` is just the incident.

use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::record::Incident;

/// `Arc<Incident>` as a plain incident.
pub(crate) mod arc {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(v: &Arc<Incident>, s: S) -> Result<S::Ok, S::Error> {
        Incident::serialize(v, s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Arc<Incident>, D::Error> {
        Incident::deserialize(d).map(Arc::new)
    }
}

/// `Option<Arc<Incident>>` as an optional plain incident.
pub(crate) mod option {
    use super::*;

    pub(crate) fn serialize<S: Serializer>(
        v: &Option<Arc<Incident>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        v.as_deref().serialize(s)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Arc<Incident>>, D::Error> {
        Ok(Option::<Incident>::deserialize(d)?.map(Arc::new))
    }
}
