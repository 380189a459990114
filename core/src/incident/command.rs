//! Operator commands (acknowledge, resolve, reopen) and why they can fail.

use core::fmt;

use serde::{Deserialize, Serialize};

/// Longest accepted actor name, in characters.
pub const MAX_ACTOR_CHARS: usize = 128;
/// Longest accepted note, in characters (the event message limit).
pub const MAX_NOTE_CHARS: usize = 4096;

/// A person's (or integration's) action on one incident.
///
/// Serialized with a `command` tag, e.g.
/// `{"command":"acknowledge","incident_id":"inc_…","actor":"ana"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Command {
    /// "I'm on it": open → acknowledged, until the ack timeout.
    Acknowledge {
        /// The incident.
        incident_id: String,
        /// Who; shown on the incident.
        actor: String,
        /// Optional free text kept as the incident's last note.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// "It's fixed": open or acknowledged → resolved (reason `manual`).
    Resolve {
        /// The incident.
        incident_id: String,
        /// Who; shown on the incident.
        actor: String,
        /// Optional free text kept as the incident's last note.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// "It's not fixed": resolved → open.
    Reopen {
        /// The incident.
        incident_id: String,
        /// Who.
        actor: String,
        /// Optional free text kept as the incident's last note.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
}

impl Command {
    /// The incident the command is about.
    pub fn incident_id(&self) -> &str {
        match self {
            Command::Acknowledge { incident_id, .. }
            | Command::Resolve { incident_id, .. }
            | Command::Reopen { incident_id, .. } => incident_id,
        }
    }

    /// Who issued it.
    pub fn actor(&self) -> &str {
        match self {
            Command::Acknowledge { actor, .. }
            | Command::Resolve { actor, .. }
            | Command::Reopen { actor, .. } => actor,
        }
    }

    /// The note, if any.
    pub fn note(&self) -> Option<&str> {
        match self {
            Command::Acknowledge { note, .. }
            | Command::Resolve { note, .. }
            | Command::Reopen { note, .. } => note.as_deref(),
        }
    }
}

/// A command that cannot be applied. The state is unchanged.
///
/// [`code`](CommandError::code) is stable across languages (the REST API
/// returns it); [`Display`](fmt::Display) tells the user what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CommandError {
    /// No incident with this id is held by the model (never existed, or
    /// superseded by a newer incident of its key, or forgotten after the
    /// retention period).
    IncidentNotFound {
        /// The id given.
        incident_id: String,
    },
    /// Acknowledge on an incident that is already acknowledged.
    AlreadyAcknowledged {
        /// The incident.
        incident_id: String,
        /// Who acknowledged it.
        by: String,
    },
    /// Acknowledge or resolve on a resolved incident.
    AlreadyResolved {
        /// The incident.
        incident_id: String,
    },
    /// Reopen on an incident that is open or acknowledged.
    NotResolved {
        /// The incident.
        incident_id: String,
    },
    /// The actor is blank, too long or contains control characters.
    InvalidActor,
    /// The note is too long or contains control characters other than
    /// tab and newline.
    InvalidNote,
}

impl CommandError {
    /// Stable machine code: `incident_not_found`, `already_acknowledged`,
    /// `already_resolved`, `not_resolved`, `invalid_actor`, `invalid_note`.
    pub const fn code(&self) -> &'static str {
        match self {
            CommandError::IncidentNotFound { .. } => "incident_not_found",
            CommandError::AlreadyAcknowledged { .. } => "already_acknowledged",
            CommandError::AlreadyResolved { .. } => "already_resolved",
            CommandError::NotResolved { .. } => "not_resolved",
            CommandError::InvalidActor => "invalid_actor",
            CommandError::InvalidNote => "invalid_note",
        }
    }
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CommandError::IncidentNotFound { incident_id } => write!(
                f,
                "no incident {incident_id:?} is held: check the id (`inc_` followed by 32 hex \
                 digits); an incident superseded by a newer one for the same key, or resolved \
                 longer ago than the retention period, can no longer be changed"
            ),
            CommandError::AlreadyAcknowledged { incident_id, by } => write!(
                f,
                "incident {incident_id} is already acknowledged by {by:?}; resolve it, or wait \
                 for the acknowledgement to expire"
            ),
            CommandError::AlreadyResolved { incident_id } => write!(
                f,
                "incident {incident_id} is already resolved; use reopen if the problem is back"
            ),
            CommandError::NotResolved { incident_id } => write!(
                f,
                "incident {incident_id} is not resolved, so it cannot be reopened; acknowledge \
                 or resolve it instead"
            ),
            CommandError::InvalidActor => write!(
                f,
                "the actor must be 1 to {MAX_ACTOR_CHARS} characters, not blank, without \
                 control characters (e.g. a user name or e-mail)"
            ),
            CommandError::InvalidNote => write!(
                f,
                "the note must be at most {MAX_NOTE_CHARS} characters, without control \
                 characters other than tab and newline"
            ),
        }
    }
}

impl std::error::Error for CommandError {}

/// Checks the actor and note of a command.
pub(crate) fn validate(command: &Command) -> Result<(), CommandError> {
    let actor = command.actor();
    if actor.trim().is_empty()
        || actor.chars().count() > MAX_ACTOR_CHARS
        || actor.chars().any(char::is_control)
    {
        return Err(CommandError::InvalidActor);
    }
    if let Some(note) = command.note() {
        if note.chars().count() > MAX_NOTE_CHARS
            || note
                .chars()
                .any(|c| c.is_control() && c != '\t' && c != '\n')
        {
            return Err(CommandError::InvalidNote);
        }
    }
    Ok(())
}
