#![doc = include_str!("../README.md")]

pub mod access;
pub mod archive;
pub mod assessment;
pub mod audit;
pub mod backup;
pub mod calendar;
pub mod case;
pub mod clock;
pub mod crypto;
pub mod error;
pub mod facts;
pub mod i18n;
pub mod import;
pub mod model;
pub mod names;
pub mod pin;
pub mod plan;
pub mod profile;
pub mod registry;
#[cfg(feature = "render-svg")]
pub mod render;
pub mod report;
pub mod stats;
pub mod store;
pub mod suppress;
pub mod sync;
#[cfg(feature = "synth")]
pub mod synth;
pub mod territory;
pub mod users;
pub mod workflow;

pub use clock::{Clock, ManualClock, SteppingClock};
pub use crypto::Key;
pub use error::{Error, ErrorCode, Result};
pub use facts::Provenance;
pub use i18n::Lang;
pub use model::{Child, Family, FieldChange, SubjectId, Warning};
pub use pin::Sex;
pub use profile::Profile;
pub use registry::{Env, Registry, Session};
pub use territory::{Territories, TerritoryCode};
pub use users::NewUser;
